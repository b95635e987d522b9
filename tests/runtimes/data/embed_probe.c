/* Built inside a runtime: proves that its SDK header compiles as C11 under the project's warning
 * flags and that its libpython links and embeds (python3.X-config --embed). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <orthanc/OrthancCPlugin.h>
#include <stdio.h>

int main(void)
{
  printf("sdk %d.%d.%d\n", ORTHANC_PLUGINS_MINIMAL_MAJOR_NUMBER, ORTHANC_PLUGINS_MINIMAL_MINOR_NUMBER,
         ORTHANC_PLUGINS_MINIMAL_REVISION_NUMBER);
  printf("pointer-bits %d\n", (int) (8 * sizeof(void *)));
  fflush(stdout);
  Py_InitializeEx(0);
  if (PyRun_SimpleString("import platform; print('python', platform.python_version(), flush=True)") != 0)
  {
    return 2;
  }
  return Py_FinalizeEx() < 0 ? 3 : 0;
}
