/*
 * Virtual environments: which program the embedded interpreter presents
 * itself as.
 *
 * A venv is a folder with a pyvenv.cfg and bin/python (Scripts\python.exe
 * on Windows). Starting the interpreter with that python as its program
 * name is all CPython needs to behave as in the venv: its path
 * configuration reads pyvenv.cfg (the standard library stays the base
 * Python's), site adds the venv's site-packages and runs their .pth files,
 * sys.prefix is the venv and sys.executable its python, so multiprocessing
 * workers and subprocess calls with sys.executable run in the venv too.
 *
 * The venv is "Python": {"VirtualEnv": DIR} or, when not configured, the
 * venv the plugin binary itself was installed into (pip install of the
 * wheel puts it in DIR/lib/pythonX.Y/site-packages/...). A venv made by
 * another Python version cannot work (its site-packages hold modules
 * compiled for that version): it is refused with a log line.
 */
#if defined(__linux__)
#  define _GNU_SOURCE  /* dladdr */
#endif

#include "venv.h"

#include "runtime_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__linux__) || defined(__APPLE__)
#  include <dlfcn.h>
#endif

#if defined(_WIN32)
#  define VENV_SEPARATOR '\\'
#  define VENV_PYTHON "Scripts\\python.exe"
#else
#  define VENV_SEPARATOR '/'
#  define VENV_PYTHON "bin/python"
#endif

/* How many folders above the plugin binary a pyvenv.cfg is looked for:
 * DIR/lib/pythonX.Y/site-packages/orthanc_python_plugin/_plugin/lib.so. */
#define VENV_MAX_DEPTH 6


/* malloc'd "folder<sep>name", or NULL (out of memory). */
static char* JoinPath(const char* folder, const char* name)
{
  size_t length = strlen(folder);
  char* path = malloc(length + 1 + strlen(name) + 1);
  if (path != NULL)
  {
    int separated = (length > 0 && (folder[length - 1] == '/' || folder[length - 1] == VENV_SEPARATOR));
    sprintf(path, "%s%s%s", folder, separated ? "" : (VENV_SEPARATOR == '/' ? "/" : "\\"), name);
  }
  return path;
}


static int IsFile(const char* path)
{
  FILE* file = fopen(path, "rb");
  if (file == NULL)
  {
    return 0;
  }
  fclose(file);
  return 1;
}


/* Copies the value of `version` (or `version_info`, written by newer venv
 * modules) from pyvenv.cfg into `version`; returns 1 if found, 0 if not,
 * -1 if the file cannot be read. */
static int ReadVenvVersion(const char* cfgPath, char* version, size_t size)
{
  FILE* file = fopen(cfgPath, "r");
  if (file == NULL)
  {
    return -1;
  }
  char line[1024];
  int found = 0;
  while (!found && fgets(line, sizeof(line), file) != NULL)
  {
    char* equal = strchr(line, '=');
    if (equal == NULL)
    {
      continue;
    }
    char* keyEnd = equal;
    while (keyEnd > line && (keyEnd[-1] == ' ' || keyEnd[-1] == '\t'))
    {
      keyEnd--;
    }
    size_t keyLength = (size_t) (keyEnd - line);
    if ((keyLength == 7 && strncmp(line, "version", 7) == 0) ||
        (keyLength == 12 && strncmp(line, "version_info", 12) == 0))
    {
      char* value = equal + 1;
      value += strspn(value, " \t");
      value[strcspn(value, " \t\r\n")] = '\0';
      snprintf(version, size, "%s", value);
      found = 1;
    }
  }
  fclose(file);
  return found;
}


/* Whether "3.11.7" is a release of the Python this plugin was built for. */
static int SameMinorVersion(const char* version)
{
  char expected[32];
  snprintf(expected, sizeof(expected), "%d.%d", PY_MAJOR_VERSION, PY_MINOR_VERSION);
  size_t length = strlen(expected);
  return strncmp(version, expected, length) == 0 && (version[length] == '\0' || version[length] == '.');
}


/* malloc'd folder of the nearest pyvenv.cfg above the plugin binary, or
 * NULL (none, or the platform cannot tell where the binary is). */
static char* FindOwnVenv(void)
{
#if defined(__linux__) || defined(__APPLE__)
  Dl_info info;
  if (dladdr((void*) &FindOwnVenv, &info) == 0 || info.dli_fname == NULL)
  {
    return NULL;
  }
  char* folder = malloc(strlen(info.dli_fname) + 1);
  if (folder == NULL)
  {
    return NULL;
  }
  strcpy(folder, info.dli_fname);
  for (int depth = 0; depth < VENV_MAX_DEPTH; depth++)
  {
    char* slash = strrchr(folder, '/');
    if (slash == NULL || slash == folder)
    {
      break;
    }
    *slash = '\0';
    char* cfg = JoinPath(folder, "pyvenv.cfg");
    int found = (cfg != NULL && IsFile(cfg));
    free(cfg);
    if (found)
    {
      return folder;
    }
  }
  free(folder);
#endif
  return NULL;
}


int OrthancPyVenv_Resolve(const OrthancPyConfig* config, char** program)
{
  *program = NULL;
  int configured = (config->virtualEnv != NULL && config->virtualEnv[0] != '\0');
  char* folder = configured ? NULL : FindOwnVenv();
  const char* venv = configured ? config->virtualEnv : folder;
  if (venv == NULL)
  {
    return 0;  /* no venv: the plugin's own interpreter */
  }

  const char* origin = configured ? "\"Python\" > \"VirtualEnv\"" : "the virtual environment of the plugin";
  char* cfg = JoinPath(venv, "pyvenv.cfg");
  char* python = JoinPath(venv, VENV_PYTHON);
  char version[64] = "";
  int status = -1;
  int found = (cfg != NULL) ? ReadVenvVersion(cfg, version, sizeof(version)) : -1;

  if (cfg == NULL || python == NULL)
  {
    OrthancPy_Log(ORTHANC_PY_LOG_ERROR, "Python plugin: out of memory");
  }
  else if (found < 0)
  {
    OrthancPy_Logf(ORTHANC_PY_LOG_ERROR, "Python plugin: %s %s is not a virtual environment (cannot read %s)",
                   origin, venv, cfg);
  }
  else if (found == 0 || !SameMinorVersion(version))
  {
    OrthancPy_Logf(ORTHANC_PY_LOG_ERROR,
                   "Python plugin: refusing %s %s: it was made by Python %s, but this plugin runs Python %d.%d "
                   "(create it with python%d.%d -m venv, or use the plugin built for its Python)",
                   origin, venv, found ? version : "of an unknown version (no version in pyvenv.cfg)",
                   PY_MAJOR_VERSION, PY_MINOR_VERSION, PY_MAJOR_VERSION, PY_MINOR_VERSION);
  }
  else if (!IsFile(python))
  {
    OrthancPy_Logf(ORTHANC_PY_LOG_ERROR, "Python plugin: %s %s has no %s", origin, venv, python);
  }
  else
  {
    OrthancPy_Logf(ORTHANC_PY_LOG_WARNING, "Python plugin: using %s %s (Python %s)", origin, venv, version);
    *program = python;
    python = NULL;
    status = 0;
  }

  free(cfg);
  free(python);
  free(folder);
  return status;
}
