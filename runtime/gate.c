/*
 * The gate: every entry into Orthanc, from the rendered wrappers and from
 * the hand-written runtime alike, goes through it.
 *
 * Every SDK function is an inline function of OrthancCPlugin.h that calls
 * context->InvokeService(context, service, params), and all the plugin's
 * code gets its context from OrthancPy_GetContext(). That function returns
 * a copy of Orthanc's context whose InvokeService is GateInvoke() below, so
 * the gate is written once and covers every SDK call.
 *
 * States, in the order they follow each other:
 *   NOT_STARTED  from OrthancPluginInitialize until ORTHANC_STARTED: the
 *                thread that loads the script, threads running a callback
 *                and logging pass; other threads (started by the script at
 *                import time) wait for Orthanc, which is not ready to serve
 *                them (Orthanc 1.10 has no database yet and crashes).
 *   OPEN         Orthanc serves: every call passes, counted while inside.
 *   CLOSED       from ORTHANC_STOPPED (or the plugin's finalization): only
 *                logging passes; other calls fail with "Orthanc is
 *                stopping" without entering Orthanc. Closing waits, bounded
 *                by the grace period, for the calls inside to come back.
 *   DEAD         once OrthancPluginFinalize has run: nothing passes, the
 *                context may be gone.
 *   CHILD        in a process forked by the script: nothing passes, ever
 *                (Orthanc's threads and locks are not in the child).
 *
 * The open path costs two atomic additions and one atomic load per call.
 */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#  define _GNU_SOURCE  /* dladdr */
#endif

#include "runtime_internal.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#if defined(__linux__)
#  include <dlfcn.h>
#endif

enum
{
  GATE_NOT_STARTED,
  GATE_OPEN,
  GATE_CLOSED,
  GATE_DEAD,
  GATE_CHILD
};

/* How long a thread started at import time waits for Orthanc to start
 * before its call fails. */
#define ORTHANC_PY_START_WAIT_SECONDS 120.0

/* After the grace period, threads still running Python get SystemExit and
 * this long to end before the interpreter is left unfinalized. */
#define ORTHANC_PY_EXIT_WAIT_SECONDS 3.0

static const char g_stoppingMessage[] = "Orthanc is stopping";
static const char g_childMessage[] = "orthanc functions cannot be called in a child process";
static const char g_notStartedMessage[] = "Orthanc has not started (waited too long for it)";

static OrthancPluginContext* g_real = NULL;   /* Orthanc's context */
static OrthancPluginContext g_proxy;          /* handed out by OrthancPy_GetContext() */
static atomic_int g_state = GATE_DEAD;
static atomic_long g_inFlight = 0;            /* calls inside Orthanc now */
static atomic_long g_logsInFlight = 0;        /* log entries let through once closed */
static atomic_int g_closing = 0;              /* Close() has begun (run once) */
static atomic_int g_threadsLogged = 0;
static double g_gracePeriod = 10.0;
static double g_deadline = 0.0;               /* written once before g_deadlineSet */
static atomic_int g_deadlineSet = 0;
static int g_leftRunning = 0;                 /* the interpreter was left unfinalized */

/* Per thread: the thread that runs OrthancPluginInitialize; the depth of
 * callbacks that Orthanc made on this thread; the reason of the last
 * refused call (read by the error functions). */
static _Thread_local int t_owner = 0;
static _Thread_local int t_callbackDepth = 0;
static _Thread_local const char* t_refusal = NULL;


static double Now(void)
{
  struct timespec now;
  timespec_get(&now, TIME_UTC);
  return (double) now.tv_sec + (double) now.tv_nsec / 1e9;
}


/* No GIL. */
static void Sleep(double seconds)
{
  PyThread_type_lock lock = PyThread_allocate_lock();
  if (lock == NULL)
  {
    return;
  }
  PyThread_acquire_lock(lock, WAIT_LOCK);
  /* Never released: the timed acquire is a portable sleep. */
  PyThread_acquire_lock_timed(lock, (PY_TIMEOUT_T) (seconds * 1e6), 0);
  PyThread_release_lock(lock);
  PyThread_free_lock(lock);
}


static int IsLogService(_OrthancPluginService service)
{
  switch ((int) service)
  {
    case 1:   /* _OrthancPluginService_LogInfo */
    case 2:   /* _OrthancPluginService_LogWarning */
    case 3:   /* _OrthancPluginService_LogError */
    case 17:  /* _OrthancPluginService_GetErrorDescription (a static table) */
    case 45:  /* _OrthancPluginService_LogMessage (SDK 1.12.4+) */
      return 1;
    default:
      return 0;
  }
}


static OrthancPyStatus Refuse(const char* reason)
{
  t_refusal = reason;
  return ORTHANC_PY_ERROR_BAD_SEQUENCE;
}


/* Closing waits for `g_inFlight` only: a thread logging without pause
 * must not hold the stop for the whole grace period. Finishing waits for
 * both. */
static OrthancPyStatus PassCounted(_OrthancPluginService service, const void* params, atomic_long* counter)
{
  atomic_fetch_add(counter, 1);
  int state = atomic_load(&g_state);
  if (state == GATE_DEAD || state == GATE_CHILD)
  {
    atomic_fetch_sub(counter, 1);
    return Refuse(state == GATE_CHILD ? g_childMessage : g_stoppingMessage);
  }
  OrthancPyStatus result = g_real->InvokeService(g_real, service, params);
  atomic_fetch_sub(counter, 1);
  return result;
}


static OrthancPyStatus SlowPath(_OrthancPluginService service, const void* params)
{
  double waitUntil = 0.0;
  for (;;)
  {
    switch (atomic_load(&g_state))
    {
      case GATE_OPEN:
        return PassCounted(service, params, &g_inFlight);

      case GATE_NOT_STARTED:
        if (t_owner || t_callbackDepth > 0 || IsLogService(service))
        {
          return PassCounted(service, params, &g_inFlight);
        }
        if (waitUntil == 0.0)
        {
          waitUntil = Now() + ORTHANC_PY_START_WAIT_SECONDS;
          OrthancPy_Log(ORTHANC_PY_LOG_INFO,
                        "Python plugin: a Python thread calls Orthanc before it has started; the call "
                        "waits for Orthanc to start");
        }
        else if (Now() > waitUntil)
        {
          OrthancPy_Log(ORTHANC_PY_LOG_ERROR,
                        "Python plugin: a Python thread waited too long for Orthanc to start; its call fails");
          return Refuse(g_notStartedMessage);
        }
        Sleep(0.01);
        break;

      case GATE_CLOSED:
        if (IsLogService(service))
        {
          return PassCounted(service, params, &g_logsInFlight);
        }
        return Refuse(g_stoppingMessage);

      case GATE_CHILD:
        return Refuse(g_childMessage);

      default:
        return Refuse(g_stoppingMessage);
    }
  }
}


static OrthancPyStatus GateInvoke(struct _OrthancPluginContext_t* context, _OrthancPluginService service,
                                  const void* params)
{
  (void) context;
  /* Count first, then look at the state: Close() stores the state, then
   * reads the count; with sequentially consistent atomics either this call
   * sees CLOSED or Close() sees it inside. */
  atomic_fetch_add(&g_inFlight, 1);
  if (atomic_load(&g_state) == GATE_OPEN)
  {
    OrthancPyStatus result = g_real->InvokeService(g_real, service, params);
    atomic_fetch_sub(&g_inFlight, 1);
    return result;
  }
  atomic_fetch_sub(&g_inFlight, 1);
  return SlowPath(service, params);
}


OrthancPluginContext* OrthancPy_GetContext(void)
{
  return (g_real != NULL) ? &g_proxy : NULL;
}


void OrthancPyGate_Init(OrthancPluginContext* real, int gated)
{
  g_real = real;
  g_proxy = *real;
  if (gated)
  {
    g_proxy.InvokeService = GateInvoke;
  }
  atomic_store(&g_inFlight, 0);
  atomic_store(&g_logsInFlight, 0);
  atomic_store(&g_closing, 0);
  atomic_store(&g_threadsLogged, 0);
  atomic_store(&g_deadlineSet, 0);
  g_gracePeriod = 10.0;
  t_owner = 1;
  atomic_store(&g_state, GATE_NOT_STARTED);
}


void OrthancPyGate_InitializeDone(void)
{
  t_owner = 0;
}


void OrthancPyGate_SetGracePeriod(double seconds)
{
  g_gracePeriod = seconds;
}


void OrthancPyGate_Open(void)
{
  int expected = GATE_NOT_STARTED;
  atomic_compare_exchange_strong(&g_state, &expected, GATE_OPEN);
}


void OrthancPyGate_EnterCallback(void)
{
  t_callbackDepth++;
}


void OrthancPyGate_LeaveCallback(void)
{
  t_callbackDepth--;
}


const char* OrthancPyGate_TakeRefusal(void)
{
  const char* reason = t_refusal;
  t_refusal = NULL;
  return reason;
}


int OrthancPyGate_InChild(void)
{
  return atomic_load(&g_state) == GATE_CHILD;
}


static void SetDeadline(void)
{
  int expected = 0;
  if (atomic_compare_exchange_strong(&g_deadlineSet, &expected, 2))
  {
    g_deadline = Now() + g_gracePeriod;
    atomic_store(&g_deadlineSet, 1);
  }
}


double OrthancPyGate_Remaining(void)
{
  if (atomic_load(&g_deadlineSet) != 1)
  {
    return -1.0;  /* not stopping */
  }
  double remaining = g_deadline - Now();
  return remaining > 0.0 ? remaining : 0.0;
}


PY_TIMEOUT_T OrthancPyGate_StopTimeout(void)
{
  double remaining = OrthancPyGate_Remaining();
  if (remaining < 0.0)
  {
    return -1;
  }
  /* Threads that are done still need a moment (and the GIL) to exit. */
  return (PY_TIMEOUT_T) ((remaining > 1.0 ? remaining : 1.0) * 1e6);
}


int OrthancPyGate_PastDeadline(void)
{
  return atomic_load(&g_deadlineSet) == 1 && Now() >= g_deadline;
}


void OrthancPyGate_Close(const char* why)
{
  int expected = 0;
  if (!atomic_compare_exchange_strong(&g_closing, &expected, 1))
  {
    return;
  }
  SetDeadline();

  /* Python's own ORTHANC_STOPPED callbacks run first, with Orthanc still
   * whole, so that scripts can stop their threads and save their state. */
  OrthancPyChanges_WaitDelivered();

  int state = GATE_NOT_STARTED;
  if (!atomic_compare_exchange_strong(&g_state, &state, GATE_CLOSED) && state == GATE_OPEN)
  {
    atomic_compare_exchange_strong(&g_state, &state, GATE_CLOSED);
  }
  OrthancPy_Logf(ORTHANC_PY_LOG_INFO, "Python plugin: %s, calls from Python into Orthanc now fail", why);

  while (atomic_load(&g_inFlight) > 0 && !OrthancPyGate_PastDeadline())
  {
    Sleep(0.005);
  }
  long left = atomic_load(&g_inFlight);
  if (left > 0)
  {
    OrthancPy_Logf(ORTHANC_PY_LOG_WARNING,
                   "Python plugin: %ld calls from Python are still inside Orthanc after the grace period "
                   "of %g s (\"Python\" > \"StopGracePeriod\"); Orthanc goes on stopping", left, g_gracePeriod);
  }
}


void OrthancPyGate_Finish(void)
{
  atomic_store(&g_state, GATE_DEAD);
  /* Only logging can still be inside (closing drained the rest): it is
   * quick, give it a moment before Orthanc unloads the plugin. */
  for (int i = 0; i < 200 && atomic_load(&g_inFlight) + atomic_load(&g_logsInFlight) > 0; i++)
  {
    Sleep(0.005);
  }
}


void OrthancPyGate_CloseInChild(void)
{
  atomic_store(&g_state, GATE_CHILD);
}


/* ---- Fork hook ------------------------------------------------------------ */

static PyObject* AfterForkInChild(PyObject* self, PyObject* unused)
{
  (void) self;
  (void) unused;
  OrthancPyGate_CloseInChild();
  Py_RETURN_NONE;
}

static PyMethodDef g_afterForkDef = {
  "_orthanc_after_fork_in_child", AfterForkInChild, METH_NOARGS,
  "Closes the orthanc module's gate to Orthanc in a forked child."
};


int OrthancPyGate_InstallForkHook(void)
{
  PyObject* os = PyImport_ImportModule("os");
  if (os == NULL)
  {
    return -1;
  }
  if (!PyObject_HasAttrString(os, "register_at_fork"))
  {
    Py_DECREF(os);
    return 0;  /* no fork on this platform */
  }
  PyObject* hook = PyCFunction_New(&g_afterForkDef, NULL);
  PyObject* args = (hook != NULL) ? PyTuple_New(0) : NULL;
  PyObject* kwargs = (args != NULL) ? Py_BuildValue("{sO}", "after_in_child", hook) : NULL;
  PyObject* registerAtFork = (kwargs != NULL) ? PyObject_GetAttrString(os, "register_at_fork") : NULL;
  PyObject* result = (registerAtFork != NULL) ? PyObject_Call(registerAtFork, args, kwargs) : NULL;
  int status = (result != NULL) ? 0 : -1;
  Py_XDECREF(result);
  Py_XDECREF(registerAtFork);
  Py_XDECREF(kwargs);
  Py_XDECREF(args);
  Py_XDECREF(hook);
  Py_DECREF(os);
  return status;
}


/* ---- Python threads at stop ------------------------------------------------ */

/* Cancels the pending threading.Timers (a stop flag of their own), runs
 * the exit hooks of threading (concurrent.futures wakes its idle workers
 * there) on a thread of its own, because they join threads without a
 * bound; then tells which other threads still run Python code. */
static const char g_threadsCode[] =
  "import sys, threading, time, traceback\n"
  "def _run_exit_hooks():\n"
  "    for hook in list(getattr(threading, '_threading_atexits', ())):\n"
  "        try:\n"
  "            hook()\n"
  "        except BaseException:\n"
  "            pass\n"
  "def start_exit_hooks():\n"
  "    for thread in threading.enumerate():\n"
  "        if isinstance(thread, threading.Timer):\n"
  "            thread.cancel()\n"
  "    threading.Thread(target=_run_exit_hooks, name='orthanc-stop', daemon=True).start()\n"
  "def others():\n"
  "    me = threading.get_ident()\n"
  "    return [ident for ident in sys._current_frames() if ident != me]\n"
  "def wait(seconds):\n"
  "    end = time.monotonic() + seconds\n"
  "    while True:\n"
  "        left = others()\n"
  "        if not left or time.monotonic() >= end:\n"
  "            return left\n"
  "        time.sleep(0.02)\n"
  "def describe():\n"
  "    names = {thread.ident: thread.name for thread in threading.enumerate()}\n"
  "    me = threading.get_ident()\n"
  "    parts = []\n"
  "    for ident, frame in sys._current_frames().items():\n"
  "        if ident != me:\n"
  "            parts.append('Thread %s (%d), most recent call last:\\n%s' % (\n"
  "                names.get(ident, '(not started by threading)'), ident,\n"
  "                ''.join(traceback.format_stack(frame))))\n"
  "    return len(parts), '\\n'.join(parts)\n";


/* GIL held. New reference to the namespace of g_threadsCode, or NULL. */
static PyObject* ThreadsNamespace(void)
{
  PyObject* globals = PyDict_New();
  PyObject* builtins = (globals != NULL) ? PyEval_GetBuiltins() : NULL;  /* borrowed */
  PyObject* result = NULL;
  if (builtins != NULL && PyDict_SetItemString(globals, "__builtins__", builtins) == 0)
  {
    result = PyRun_String(g_threadsCode, Py_file_input, globals, globals);
  }
  if (result == NULL)
  {
    Py_XDECREF(globals);
    return NULL;
  }
  Py_DECREF(result);
  return globals;
}


/* GIL held: logs the stack of every other thread that runs Python code. */
static void LogThreads(PyObject* ns, const char* context)
{
  PyObject* describe = PyDict_GetItemString(ns, "describe");  /* borrowed */
  PyObject* result = (describe != NULL) ? PyObject_CallObject(describe, NULL) : NULL;
  int count = 0;
  const char* text = NULL;
  if (result != NULL && PyArg_ParseTuple(result, "is", &count, &text))
  {
    if (count > 0)
    {
      char header[512];
      snprintf(header, sizeof(header), "Python plugin: %s; %d Python threads still run:\n", context, count);
      PyObject* message = PyUnicode_FromFormat("%s%s", header, text);
      const char* utf8 = (message != NULL) ? PyUnicode_AsUTF8(message) : NULL;
      if (utf8 != NULL)
      {
        OrthancPy_LogHoldingGil(ORTHANC_PY_LOG_WARNING, utf8);
      }
      Py_XDECREF(message);
    }
  }
  PyErr_Clear();
  Py_XDECREF(result);
}


void OrthancPyGate_LogThreadsOnce(const char* context)
{
  int expected = 0;
  if (!atomic_compare_exchange_strong(&g_threadsLogged, &expected, 1))
  {
    return;
  }
  PyGILState_STATE state = PyGILState_Ensure();
  PyObject* ns = ThreadsNamespace();
  if (ns != NULL)
  {
    LogThreads(ns, context);
    Py_DECREF(ns);
  }
  PyErr_Clear();
  PyGILState_Release(state);
}


/* GIL held. Number of other threads running Python after waiting
 * `seconds` for them to end (-1 on error). */
static Py_ssize_t WaitForOthers(PyObject* ns, double seconds, PyObject** idents)
{
  PyObject* wait = PyDict_GetItemString(ns, "wait");  /* borrowed */
  PyObject* left = (wait != NULL) ? PyObject_CallFunction(wait, "d", seconds) : NULL;
  if (left == NULL)
  {
    return -1;
  }
  Py_ssize_t count = PyList_Size(left);
  if (idents != NULL)
  {
    *idents = left;
  }
  else
  {
    Py_DECREF(left);
  }
  return count;
}


/* Keeps this library in memory after Orthanc unloads it: threads left
 * running still execute its code. */
static void PinLibrary(void)
{
#if defined(__linux__)
  Dl_info info;
  if (dladdr((void*) &OrthancPyGate_Close, &info) != 0 && info.dli_fname != NULL)
  {
    if (dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE) == NULL)
    {
      OrthancPy_Log(ORTHANC_PY_LOG_WARNING, "Python plugin: cannot keep the plugin's library in memory");
    }
  }
#endif
}


int OrthancPyGate_EndPythonThreads(void)
{
  PyObject* ns = ThreadsNamespace();
  if (ns == NULL)
  {
    OrthancPy_LogPythonError("Python plugin: cannot look at the Python threads at stop");
    return 0;
  }

  PyObject* start = PyDict_GetItemString(ns, "start_exit_hooks");  /* borrowed */
  PyObject* started = (start != NULL) ? PyObject_CallObject(start, NULL) : NULL;
  Py_XDECREF(started);
  PyErr_Clear();

  double remaining = OrthancPyGate_Remaining();
  PyObject* idents = NULL;
  Py_ssize_t left = WaitForOthers(ns, remaining > 0.0 ? remaining : 0.0, &idents);
  if (left > 0)
  {
    LogThreads(ns, "after the grace period (\"Python\" > \"StopGracePeriod\") at stop");
    OrthancPy_LogHoldingGil(ORTHANC_PY_LOG_WARNING,
                            "Python plugin: raising SystemExit in the Python threads that still run");
    /* In rounds: a thread can start another one (threading.Timer chains)
     * between the list and the exception. */
    int rounds = (int) (ORTHANC_PY_EXIT_WAIT_SECONDS / 0.2);
    for (int round = 0; round < rounds && left > 0; round++)
    {
      for (Py_ssize_t i = 0; i < PyList_GET_SIZE(idents); i++)
      {
        unsigned long ident = PyLong_AsUnsignedLong(PyList_GET_ITEM(idents, i));
        if (!PyErr_Occurred())
        {
          PyThreadState_SetAsyncExc(ident, PyExc_SystemExit);
        }
        PyErr_Clear();
      }
      Py_CLEAR(idents);
      left = WaitForOthers(ns, 0.2, &idents);
    }
  }
  Py_XDECREF(idents);

  if (left > 0)
  {
    LogThreads(ns, "SystemExit did not end every thread");
  }
  if (left < 0)
  {
    OrthancPy_LogPythonError("Python plugin: cannot look at the Python threads at stop");
    left = 0;
  }
  Py_DECREF(ns);
  return left > 0 ? -1 : 0;
}


void OrthancPyGate_LeaveRunning(void)
{
  g_leftRunning = 1;
  PinLibrary();
  OrthancPy_LogHoldingGil(ORTHANC_PY_LOG_WARNING,
                          "Python plugin: the interpreter is NOT finalized because Python threads still run "
                          "(finalizing it under them is unsafe); they cannot reach Orthanc any more. After "
                          "/tools/reset, the script will not run again until Orthanc restarts");
}


int OrthancPyGate_LeftRunning(void)
{
  return g_leftRunning;
}
