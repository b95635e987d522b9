/*
 * The four entry points Orthanc looks up in a plugin, and the order in
 * which the runtime's parts start and stop.
 */
#include "config.h"
#include "interpreter.h"
#include "runtime_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The SDK's ORTHANC_PLUGINS_API only marks the entry points as exported in
 * recent releases; this build hides every other symbol (-fvisibility=hidden). */
#if defined(_WIN32)
#  define ORTHANC_PY_EXPORT __declspec(dllexport)
#elif defined(__GNUC__)
#  define ORTHANC_PY_EXPORT __attribute__((visibility("default")))
#else
#  define ORTHANC_PY_EXPORT
#endif

static int g_running = 0;


int OrthancPy_IsRunning(void)
{
  return g_running;
}


static const char* BaseName(const char* path)
{
  const char* base = path;
  for (const char* p = path; *p != '\0'; p++)
  {
    if (*p == '/' || *p == '\\')
    {
      base = p + 1;
    }
  }
  return base;
}


/* Refuses scripts that cannot work, with a message naming the problem,
 * before any interpreter exists. */
static int CheckScript(const char* path)
{
  if (strcmp(BaseName(path), "orthanc.py") == 0)
  {
    OrthancPy_Logf(ORTHANC_PY_LOG_ERROR,
                   "Python plugin: the script %s is named orthanc.py, which would hide the orthanc "
                   "module from itself; rename the script", path);
    return -1;
  }

  FILE* file = fopen(path, "rb");
  if (file == NULL)
  {
    OrthancPy_Logf(ORTHANC_PY_LOG_ERROR, "Python plugin: cannot open the script %s (%s)", path, strerror(errno));
    return -1;
  }

  char byte;
  size_t ignored = fread(&byte, 1, 1, file);
  (void) ignored;
  int unreadable = ferror(file);
  fclose(file);
  if (unreadable)
  {
    OrthancPy_Logf(ORTHANC_PY_LOG_ERROR, "Python plugin: cannot read the script %s (is it a directory?)", path);
    return -1;
  }
  return 0;
}


/* Worker-thread dispatch (see dispatch.c) is the default with every Python:
 * Orthanc's HTTP threads have about 100 KiB of stack in 1.10 already, where
 * Python before 3.12 does not check the C stack at all, so a callback that
 * recurses in C (compiling nested source, deep json.dumps) crashes Orthanc
 * instead of raising. ORTHANC_PYTHON_CALLBACK_THREADS=0/1 forces it off/on
 * (for testing both paths with any Python). */
static int UseWorkerThreads(void)
{
  const char* forced = getenv("ORTHANC_PYTHON_CALLBACK_THREADS");
  if (forced != NULL && (strcmp(forced, "0") == 0 || strcmp(forced, "1") == 0))
  {
    return forced[0] == '1';
  }
  return 1;
}


/* The gate (gate.c) measures its own cost: ORTHANC_PYTHON_GATE=0 hands
 * Orthanc's context out unchanged (for benchmarks only: stop and reset are
 * then unsafe again). */
static int UseGate(void)
{
  const char* forced = getenv("ORTHANC_PYTHON_GATE");
  return !(forced != NULL && strcmp(forced, "0") == 0);
}


#if ORTHANC_PY_HAS_OrthancPluginRegisterOnChangeCallback && defined(ORTHANC_PY_HAS_ENUM_ErrorCode)
/* Orthanc's ORTHANC_STARTED opens the gate, ORTHANC_STOPPED closes it
 * (change types 10 and 11 since SDK 0.9.5). Registered after the script's
 * own on-change callback, so that Python hears of the stop first. */
static OrthancPyStatus OnLifeCycleChange(OrthancPluginChangeType changeType, OrthancPluginResourceType resourceType,
                                         const char* resourceId)
{
  (void) resourceType;
  (void) resourceId;
  if ((int) changeType == 10)
  {
    OrthancPyGate_Open();
  }
  else if ((int) changeType == 11)
  {
    OrthancPyGate_Close("Orthanc is stopping");
  }
  return ORTHANC_PY_SUCCESS;
}
#endif


static void WatchLifeCycle(void)
{
#if ORTHANC_PY_HAS_OrthancPluginRegisterOnChangeCallback && defined(ORTHANC_PY_HAS_ENUM_ErrorCode)
  OrthancPluginRegisterOnChangeCallback(OrthancPy_GetContext(), OnLifeCycleChange);
#else
  /* No start notice to wait for. */
  OrthancPyGate_Open();
#endif
}


/* GIL held by the thread that started the interpreter. */
static void Shutdown(void)
{
  /* Closed already at ORTHANC_STOPPED or by OrthancPluginFinalize, except
   * when the start-up fails. Closing waits for Python's on-change
   * callbacks, which need the GIL. */
  Py_BEGIN_ALLOW_THREADS
  OrthancPyGate_Close("the Python plugin stops");
  Py_END_ALLOW_THREADS

  /* The change thread may still call into Orthanc, and through it into
   * REST callbacks: it stops before the dispatcher. Both waits are bounded
   * by the grace period; a thread left running keeps the interpreter. */
  int leftRunning = 0;
  leftRunning |= (OrthancPyChanges_Stop() < 0);
  leftRunning |= (OrthancPyDispatch_Stop() < 0);
  leftRunning |= (OrthancPyGate_EndPythonThreads() < 0);
  g_running = 0;

  OrthancPyRest_Clear();
  OrthancPyChunkedRest_Clear();
  OrthancPyStoredInstance_Clear();
  OrthancPyHttpFilter_Clear();
  OrthancPyExplorer_Clear();
  OrthancPyStorageArea_Clear();
  OrthancPyDicomFind_Clear();
  OrthancPyDicomMove_Clear();
  OrthancPyReceivedInstance_Clear();
  OrthancPyCStoreFilter_Clear();
  OrthancPyDicomInstanceFilter_Clear();
  OrthancPyMetrics_Clear();
  OrthancPyStorageCommitment_Clear();
  OrthancPyImageCodecs_Clear();
  OrthancPyWebDav_Clear();
  OrthancPyHttpAuth_Clear();
  OrthancPyJobs_Clear();
  if (leftRunning)
  {
    /* The module's objects stay: the threads left running use them. */
    OrthancPyGate_LeaveRunning();
    OrthancPyInterpreter_ReleaseGil();
    return;
  }
  OrthancPyModule_Clear();
  OrthancPyInterpreter_Stop();
}


static int32_t Initialize(OrthancPluginContext* context)
{
  /* Against the oldest Orthanc the runtime needs, not against the SDK the
   * plugin was generated from: newer items are gated at run time. */
  if (OrthancPyVersions_Check(context) < 0)
  {
    return -1;
  }

  /* libpython stays loaded across /tools/reset: an interpreter still
   * initialized here is one that the last stop left running. */
  if (Py_IsInitialized())
  {
    OrthancPy_Log(ORTHANC_PY_LOG_ERROR,
                  "Python plugin: the previous interpreter still runs threads that did not stop (see the log "
                  "of the last stop); Python scripting is disabled until Orthanc restarts");
    return 0;
  }

  /* SDK 1.12.6 deprecates the one-argument form, which only guesses the
   * plugin's name; an older Orthanc only has that one. */
#if ORTHANC_PY_HAS_OrthancPluginSetDescription2
  if (OrthancPy_OrthancHas(ORTHANC_PY_SINCE_OrthancPluginSetDescription2))
  {
    OrthancPluginSetDescription2(context, OrthancPluginGetName(), "Runs a Python script that uses Orthanc's plugin SDK.");
  }
  else
#endif
  {
#if ORTHANC_PY_HAS_OrthancPluginSetDescription
#  if defined(__GNUC__) || defined(__clang__)
#    pragma GCC diagnostic push
#    pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#  endif
    OrthancPluginSetDescription(context, "Runs a Python script that uses Orthanc's plugin SDK.");
#  if defined(__GNUC__) || defined(__clang__)
#    pragma GCC diagnostic pop
#  endif
#endif
  }

  OrthancPyConfig config;
  if (OrthancPyConfig_Read(&config) < 0)
  {
    OrthancPy_Log(ORTHANC_PY_LOG_ERROR, "Python plugin: start-up refused because of the configuration");
    return -1;
  }

  if (config.script == NULL)
  {
    OrthancPy_Log(ORTHANC_PY_LOG_WARNING,
                  "Python plugin: no \"PythonScript\" option in the configuration, Python scripting is disabled");
    OrthancPyConfig_Clear(&config);
    return 0;
  }

  if (CheckScript(config.script) < 0)
  {
    OrthancPy_Log(ORTHANC_PY_LOG_ERROR, "Python plugin: start-up refused because of the script");
    OrthancPyConfig_Clear(&config);
    return -1;
  }

  if (!config.allowThreads)
  {
    OrthancPy_Log(ORTHANC_PY_LOG_INFO,
                  "Python plugin: \"AllowThreads\" is false, but this plugin always lets other Python "
                  "threads run while Orthanc works");
  }

  int workerThreads = UseWorkerThreads();
  OrthancPy_Logf(ORTHANC_PY_LOG_INFO, "Python plugin %s: Python %s, script %s, callbacks run on %s",
                 ORTHANC_PYTHON_PLUGIN_VERSION, PY_VERSION, config.script,
                 workerThreads ? "Python worker threads" : "Orthanc's threads");

  if (OrthancPyInterpreter_Start(&config) < 0)
  {
    OrthancPy_Log(ORTHANC_PY_LOG_ERROR, "Python plugin: start-up refused, the interpreter did not start");
    OrthancPyConfig_Clear(&config);
    return -1;
  }
  g_running = 1;

  OrthancPyGate_SetGracePeriod(config.stopGracePeriod);
  if (OrthancPyGate_InstallForkHook() < 0)
  {
    OrthancPy_LogPythonError("Python plugin: processes forked by the script could call into Orthanc");
  }

  if (OrthancPyDispatch_Start(workerThreads, config.displayMemoryUsage) < 0)
  {
    OrthancPy_LogPythonError("Python plugin: cannot prepare the callback threads");
    Shutdown();
    OrthancPyConfig_Clear(&config);
    return -1;
  }

  if (OrthancPyInterpreter_RunScript(config.script) < 0)
  {
    OrthancPy_Logf(ORTHANC_PY_LOG_ERROR, "Python plugin: start-up refused, the script %s failed", config.script);
    Shutdown();
    OrthancPyConfig_Clear(&config);
    return -1;
  }

  OrthancPyInterpreter_ReleaseGil();
  OrthancPyConfig_Clear(&config);
  return 0;
}


ORTHANC_PY_EXPORT int32_t OrthancPluginInitialize(OrthancPluginContext* context)
{
  if (OrthancPyGate_LeftRunning())
  {
    /* This copy of the library stayed in memory for the threads that the
     * last stop left running: its gate stays shut for them. */
    OrthancPluginLogError(context, "Python plugin: the previous interpreter still runs threads that did not "
                          "stop (see the log of the last stop); Python scripting is disabled until Orthanc "
                          "restarts");
    return 0;
  }
  OrthancPyGate_Init(context, UseGate());
  g_running = 0;
  int32_t status = Initialize(context);
  if (status == 0 && g_running)
  {
    WatchLifeCycle();
  }
  else
  {
    OrthancPyGate_Open();  /* nothing of Python can call Orthanc */
  }
  OrthancPyGate_InitializeDone();
  return status;
}


ORTHANC_PY_EXPORT void OrthancPluginFinalize(void)
{
  /* Already closed at ORTHANC_STOPPED, unless Orthanc did not send it. */
  OrthancPyGate_Close("the Python plugin is finalized");
  if (g_running)
  {
    OrthancPyInterpreter_AcquireGil();
    Shutdown();
  }
  OrthancPyGate_Finish();
}


ORTHANC_PY_EXPORT const char* OrthancPluginGetName(void)
{
  return "python";
}


ORTHANC_PY_EXPORT const char* OrthancPluginGetVersion(void)
{
  return ORTHANC_PYTHON_PLUGIN_VERSION;
}
