/*
 * Embedded interpreter start-up and shutdown (PyConfig API, 3.8+).
 */
#include "interpreter.h"

#include "runtime_internal.h"
#include "venv.h"

#include <stdio.h>

#if defined(__linux__)
#  include <dlfcn.h>
#endif

/* The thread state of the thread that started the interpreter, parked
 * while Orthanc runs. */
static PyThreadState* g_mainThread = NULL;


/* Orthanc opens plugins with RTLD_LOCAL, so libpython's symbols, loaded as
 * a dependency of this plugin, are invisible to the C extension modules
 * that the script imports later (they expect to find them globally, as in
 * the python executable). Re-opening the already loaded library with
 * RTLD_GLOBAL publishes them. The handle is never closed, on purpose: it
 * also keeps libpython mapped when Orthanc unloads this plugin on
 * /tools/reset, because extension modules stay loaded and bound to it. */
static void PublishLibpythonSymbols(void)
{
#if defined(__linux__) && defined(ORTHANC_PY_LIBPYTHON_SONAME)
  void* handle = dlopen(ORTHANC_PY_LIBPYTHON_SONAME, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
  if (handle == NULL)
  {
    const char* reason = dlerror();
    OrthancPy_Logf(ORTHANC_PY_LOG_WARNING,
                   "Python plugin: cannot make the symbols of %s global (%s); C extension modules "
                   "may fail to import", ORTHANC_PY_LIBPYTHON_SONAME, reason != NULL ? reason : "?");
  }
#endif
}


#if defined(ORTHANC_PY_INTERPRETER)
static int FileExists(const char* path)
{
  FILE* file = fopen(path, "rb");
  if (file == NULL)
  {
    return 0;
  }
  fclose(file);
  return 1;
}
#endif


static int CheckStatus(PyStatus status, const char* step)
{
  if (PyStatus_Exception(status))
  {
    OrthancPy_Logf(ORTHANC_PY_LOG_ERROR, "Python plugin: cannot start the interpreter (%s: %s)",
                   step, status.err_msg != NULL ? status.err_msg : "unknown error");
    return -1;
  }
  return 0;
}


int OrthancPyInterpreter_Start(const OrthancPyConfig* config)
{
  PublishLibpythonSymbols();

  if (OrthancPyModule_RegisterBuiltin() < 0)
  {
    OrthancPy_Log(ORTHANC_PY_LOG_ERROR, "Python plugin: cannot register the orthanc module");
    return -1;
  }

  PyConfig pyConfig;
  PyConfig_InitPythonConfig(&pyConfig);
  pyConfig.parse_argv = 0;
  /* Signals and the C stdio streams belong to Orthanc. */
  pyConfig.install_signal_handlers = 0;
  pyConfig.configure_c_stdio = 0;
  pyConfig.verbose = config->verbose ? 1 : 0;
  /* print() output reaches Orthanc's standard output at once, even when it
   * is a pipe or a file (journald, docker logs), not at exit. */
  pyConfig.buffered_stdio = 0;
  /* A str that cannot be encoded (surrogate escapes from undecodable input)
   * is printed escaped instead of making print() raise. */
  if (CheckStatus(PyConfig_SetString(&pyConfig, &pyConfig.stdio_errors, L"backslashreplace"),
                  "stdio errors") < 0)
  {
    PyConfig_Clear(&pyConfig);
    return -1;
  }

  /* Inside Orthanc the program is Orthanc: the standard library would be
   * looked up next to /usr/sbin and sys.executable would re-run Orthanc
   * (multiprocessing starts its helpers with it). Present ourselves as the
   * python of the virtual environment (venv.c), else as the interpreter the
   * plugin was built for when it is present. */
  char* venvPython = NULL;  /* owned */
  if (OrthancPyVenv_Resolve(config, &venvPython) < 0)
  {
    PyConfig_Clear(&pyConfig);
    return -1;
  }
  const char* program = venvPython;
#if defined(ORTHANC_PY_INTERPRETER)
  if (program == NULL && FileExists(ORTHANC_PY_INTERPRETER))
  {
    program = ORTHANC_PY_INTERPRETER;
  }
#endif
  if (program != NULL &&
      CheckStatus(PyConfig_SetBytesString(&pyConfig, &pyConfig.program_name, program), "program name") < 0)
  {
    free(venvPython);
    PyConfig_Clear(&pyConfig);
    return -1;
  }
  free(venvPython);

  char* argv[1];
  argv[0] = config->script;
  if (CheckStatus(PyConfig_SetBytesArgv(&pyConfig, 1, argv), "sys.argv") < 0)
  {
    PyConfig_Clear(&pyConfig);
    return -1;
  }

  PyStatus status = Py_InitializeFromConfig(&pyConfig);
  PyConfig_Clear(&pyConfig);
  if (CheckStatus(status, "initialization") < 0)
  {
    return -1;
  }

  /* "Output": "console" (the default) keeps the standard streams that
   * Python opened on Orthanc's file descriptors 1 and 2, as the Orthanc
   * project's plugin does; "log" sends them to Orthanc's log. */
  if (config->outputToLog && OrthancPyLogStream_Install() < 0)
  {
    OrthancPy_LogPythonError("Python plugin: cannot redirect sys.stdout and sys.stderr to Orthanc's log");
    OrthancPyInterpreter_Stop();
    return -1;
  }

  /* Failures are logged; scripts that do not start processes still run. */
  (void) OrthancPyChildProcesses_Setup(config->outputToLog);

  return 0;
}


/* Loads the file itself (whatever its extension) under the module name,
 * instead of importing the name, which could find another module first.
 * A failure comes back as the exception, its traceback starting at the
 * script's own code (the loader's frames say nothing to the user). */
static const char g_loaderCode[] =
  "import importlib.machinery, importlib.util, os, sys\n"
  "def load(path):\n"
  "    path = os.path.abspath(path)\n"
  "    name = os.path.splitext(os.path.basename(path))[0]\n"
  "    if name in sys.modules:\n"
  "        return ImportError('the script %s cannot be loaded as module %r: a module of that name '\n"
  "                          'is already loaded; rename the script' % (path, name))\n"
  "    sys.path.insert(0, os.path.dirname(path))\n"
  "    loader = importlib.machinery.SourceFileLoader(name, path)\n"
  "    spec = importlib.util.spec_from_file_location(name, path, loader=loader)\n"
  "    module = importlib.util.module_from_spec(spec)\n"
  "    sys.modules[name] = module\n"
  "    try:\n"
  "        loader.exec_module(module)\n"
  "    except BaseException as error:\n"
  "        del sys.modules[name]\n"
  "        frame = error.__traceback__\n"
  "        while frame is not None and frame.tb_frame.f_code.co_filename != path:\n"
  "            frame = frame.tb_next\n"
  "        return error.with_traceback(frame)\n"
  "    return None\n";


int OrthancPyInterpreter_RunScript(const char* path)
{
  PyObject* globals = PyDict_New();
  PyObject* builtins = (globals != NULL) ? PyEval_GetBuiltins() : NULL;  /* borrowed */
  PyObject* code = NULL;
  PyObject* result = NULL;

  if (builtins != NULL && PyDict_SetItemString(globals, "__builtins__", builtins) == 0)
  {
    code = PyRun_String(g_loaderCode, Py_file_input, globals, globals);
  }

  if (code != NULL)
  {
    PyObject* load = PyDict_GetItemString(globals, "load");   /* borrowed */
    PyObject* pathObject = (load != NULL) ? PyUnicode_DecodeFSDefault(path) : NULL;
    if (pathObject != NULL)
    {
      result = PyObject_CallFunctionObjArgs(load, pathObject, NULL);
      Py_DECREF(pathObject);
    }
  }

  char context[1024];
  snprintf(context, sizeof(context), "Python plugin: error while loading the script %s", path);
  int status = 0;
  if (result == NULL)
  {
    OrthancPy_LogPythonError(context);
    status = -1;
  }
  else if (result != Py_None)
  {
    OrthancPy_LogException(context, result);
    status = -1;
  }

  Py_XDECREF(result);
  Py_XDECREF(code);
  Py_XDECREF(globals);
  return status;
}


void OrthancPyInterpreter_ReleaseGil(void)
{
  g_mainThread = PyEval_SaveThread();
}


void OrthancPyInterpreter_AcquireGil(void)
{
  PyEval_RestoreThread(g_mainThread);
  g_mainThread = NULL;
}


void OrthancPyInterpreter_Stop(void)
{
  OrthancPyLogStream_Clear();
  if (Py_FinalizeEx() < 0)
  {
    OrthancPy_Log(ORTHANC_PY_LOG_WARNING, "Python plugin: errors while shutting down the interpreter");
  }
}
