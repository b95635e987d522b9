/*
 * Running Python callbacks for Orthanc's threads.
 *
 * Orthanc calls the plugin from its own threads, whose C stacks can be
 * small (about 100 KiB for the HTTP threads of Orthanc 1.13). Python 3.12+
 * measures the real C stack and fails ("Parser stack overflowed", "maximum
 * recursion depth exceeded") on such threads. In worker-thread mode, each
 * callback body is therefore handed to a Python-owned thread created with a
 * large stack, and the Orthanc thread waits for it without holding the GIL.
 * The pool grows to the number of callbacks running at the same time, so
 * callbacks still run concurrently. In direct mode, the body runs on the
 * calling thread. A thread that already has a large stack (a pool worker,
 * the change-queue thread) always runs bodies directly, which also makes
 * nested callbacks (a callback calling the REST API) run in place.
 *
 * Only CPython's portable PyThread_* primitives are used.
 */
#include "runtime_internal.h"

#include <stdio.h>
#include <stdlib.h>

#define ORTHANC_PY_THREAD_STACK_SIZE ((size_t) 8 * 1024 * 1024)

/* Allocated by the Orthanc thread that waits for it. At stop, once the
 * grace period is over, that thread may give up waiting (`abandoned`) so
 * that Orthanc can stop: the worker then frees the job. The body must not
 * touch the payload after the Python callback has returned, only Python
 * objects (the REST body only invalidates its objects); the payload is
 * Orthanc's and gone by then. */
typedef struct
{
  OrthancPyCallbackBody body;
  void* payload;
  OrthancPyStatus result;
  PyThread_type_lock done;       /* held by the waiting thread until the body ran */
  int finished;                  /* g_dispatch.mutex */
  int abandoned;                 /* g_dispatch.mutex */
} Job;

typedef struct Worker
{
  PyThread_type_lock wake;       /* held while the worker waits for a job */
  PyThread_type_lock exited;     /* held until the worker has left Python */
  Job* job;                      /* set before `wake` is released */
  int quit;
  struct Worker* nextIdle;
  struct Worker* nextAll;
} Worker;

static struct
{
  int started;
  int workerThreads;
  int displayMemoryUsage;
  int stopping;
  PyThread_type_lock mutex;      /* guards stopping, idle, all; never held while waiting */
  Worker* idle;
  Worker* all;
  Py_tss_t largeStackKey;        /* non-NULL on threads that may run bodies directly */
} g_dispatch;


static void LogMemoryUsage(void)
{
  PyObject* sys = PyImport_ImportModule("sys");
  PyObject* blocks = (sys != NULL) ? PyObject_CallMethod(sys, "getallocatedblocks", NULL) : NULL;
  if (blocks != NULL)
  {
    char message[128];
    snprintf(message, sizeof(message), "Python memory usage: %zd allocated blocks",
             PyLong_AsSsize_t(blocks));
    OrthancPy_LogHoldingGil(ORTHANC_PY_LOG_INFO, message);
  }
  PyErr_Clear();
  Py_XDECREF(blocks);
  Py_XDECREF(sys);
}


/* GIL held. */
static OrthancPyStatus RunBody(OrthancPyCallbackBody body, void* payload)
{
  OrthancPyGate_EnterCallback();
  OrthancPyStatus code = body(payload);
  OrthancPyGate_LeaveCallback();

  if (PyErr_Occurred())
  {
    /* Bodies log their own errors; this only keeps a forgotten exception
     * from leaking into the next callback on this thread. */
    OrthancPy_LogPythonError("Python error left over by a callback");
  }

  if (g_dispatch.displayMemoryUsage)
  {
    LogMemoryUsage();
  }

  return code;
}


typedef struct
{
  void (*function)(void*);
  void* arg;
} ThreadStart;


static void ThreadTrampoline(void* raw)
{
  ThreadStart start = *(ThreadStart*) raw;
  free(raw);
  PyThread_tss_set(&g_dispatch.largeStackKey, &g_dispatch);
  start.function(start.arg);
}


int OrthancPy_StartThread(void (*function)(void*), void* arg)
{
  ThreadStart* start = malloc(sizeof(ThreadStart));
  if (start == NULL)
  {
    PyErr_NoMemory();
    return -1;
  }
  start->function = function;
  start->arg = arg;

  /* The stack size is interpreter-wide and also read by threading.Thread:
   * set it only for this start (the GIL keeps others from starting a thread
   * in between). */
  size_t previous = PyThread_get_stacksize();
  int sized = (PyThread_set_stacksize(ORTHANC_PY_THREAD_STACK_SIZE) == 0);
  unsigned long id = PyThread_start_new_thread(ThreadTrampoline, start);
  if (sized)
  {
    PyThread_set_stacksize(previous);
  }

  if (id == PYTHREAD_INVALID_THREAD_ID)
  {
    free(start);
    PyErr_SetString(PyExc_RuntimeError, "cannot start a thread for Python callbacks");
    return -1;
  }
  return 0;
}


void OrthancPyDispatch_MarkCurrentThread(void)
{
  PyThread_tss_set(&g_dispatch.largeStackKey, &g_dispatch);
}


static void WorkerMain(void* arg)
{
  Worker* worker = arg;
  PyGILState_STATE state = PyGILState_Ensure();

  for (;;)
  {
    Job* job = worker->job;
    worker->job = NULL;
    if (job != NULL)
    {
      OrthancPyStatus result = RunBody(job->body, job->payload);
      PyThread_acquire_lock(g_dispatch.mutex, WAIT_LOCK);
      int abandoned = job->abandoned;
      job->result = result;
      job->finished = 1;
      if (!abandoned)
      {
        PyThread_release_lock(job->done);
      }
      PyThread_release_lock(g_dispatch.mutex);
      if (abandoned)
      {
        PyThread_free_lock(job->done);
        free(job);
      }
    }

    PyThread_acquire_lock(g_dispatch.mutex, WAIT_LOCK);
    if (g_dispatch.stopping)
    {
      PyThread_release_lock(g_dispatch.mutex);
      break;
    }
    worker->nextIdle = g_dispatch.idle;
    g_dispatch.idle = worker;
    PyThread_release_lock(g_dispatch.mutex);

    Py_BEGIN_ALLOW_THREADS
    PyThread_acquire_lock(worker->wake, WAIT_LOCK);
    Py_END_ALLOW_THREADS

    if (worker->quit)
    {
      break;
    }
  }

  PyGILState_Release(state);
  PyThread_release_lock(worker->exited);
}


static void FreeWorker(Worker* worker)
{
  if (worker->wake != NULL)
  {
    PyThread_free_lock(worker->wake);
  }
  if (worker->exited != NULL)
  {
    PyThread_free_lock(worker->exited);
  }
  free(worker);
}


/* No GIL: takes it to start the thread (thread creation reads the
 * interpreter's stack size setting). The new worker starts on `job`. */
static int SpawnWorker(Job* job)
{
  Worker* worker = calloc(1, sizeof(Worker));
  if (worker == NULL)
  {
    return -1;
  }
  worker->wake = PyThread_allocate_lock();
  worker->exited = PyThread_allocate_lock();
  if (worker->wake == NULL || worker->exited == NULL)
  {
    FreeWorker(worker);
    return -1;
  }
  PyThread_acquire_lock(worker->wake, WAIT_LOCK);
  PyThread_acquire_lock(worker->exited, WAIT_LOCK);
  worker->job = job;

  PyGILState_STATE state = PyGILState_Ensure();
  int status = OrthancPy_StartThread(WorkerMain, worker);
  if (status < 0)
  {
    OrthancPy_LogPythonError("Cannot start a thread for Python callbacks");
  }
  PyGILState_Release(state);

  if (status < 0)
  {
    FreeWorker(worker);
    return -1;
  }

  PyThread_acquire_lock(g_dispatch.mutex, WAIT_LOCK);
  worker->nextAll = g_dispatch.all;
  g_dispatch.all = worker;
  PyThread_release_lock(g_dispatch.mutex);
  return 0;
}


/* Waits for the job; at stop, gives up once the grace period is over.
 * 1 if the job finished, 0 if it was abandoned (the worker frees it). */
static int WaitForJob(Job* job)
{
  for (;;)
  {
    /* Timed, so that a callback still running at stop is noticed. */
    if (PyThread_acquire_lock_timed(job->done, 200000, 0) == PY_LOCK_ACQUIRED)
    {
      return 1;
    }
    if (!OrthancPyGate_PastDeadline())
    {
      continue;
    }

    OrthancPyGate_LogThreadsOnce("a callback still runs after the grace period (\"Python\" > "
                                 "\"StopGracePeriod\") at stop");
    PyThread_acquire_lock(g_dispatch.mutex, WAIT_LOCK);
    int finished = job->finished;
    job->abandoned = !finished;
    PyThread_release_lock(g_dispatch.mutex);
    if (finished)
    {
      PyThread_acquire_lock(job->done, WAIT_LOCK);  /* released already */
      return 1;
    }
    OrthancPy_Log(ORTHANC_PY_LOG_WARNING,
                  "Python plugin: answering a pending request with an error, its Python callback still "
                  "runs after the grace period; Orthanc goes on stopping");
    return 0;
  }
}


static OrthancPyStatus RunOnWorker(OrthancPyCallbackBody body, void* payload)
{
  Job* job = calloc(1, sizeof(Job));
  if (job == NULL)
  {
    return ORTHANC_PY_ERROR_NOT_ENOUGH_MEMORY;
  }
  job->body = body;
  job->payload = payload;
  job->result = ORTHANC_PY_ERROR_INTERNAL;
  job->done = PyThread_allocate_lock();
  if (job->done == NULL)
  {
    free(job);
    return ORTHANC_PY_ERROR_NOT_ENOUGH_MEMORY;
  }
  PyThread_acquire_lock(job->done, WAIT_LOCK);

  PyThread_acquire_lock(g_dispatch.mutex, WAIT_LOCK);
  if (g_dispatch.stopping)
  {
    PyThread_release_lock(g_dispatch.mutex);
    PyThread_free_lock(job->done);
    free(job);
    return ORTHANC_PY_ERROR_BAD_SEQUENCE;
  }

  Worker* worker = g_dispatch.idle;
  if (worker != NULL)
  {
    g_dispatch.idle = worker->nextIdle;
    worker->job = job;
    PyThread_release_lock(g_dispatch.mutex);
    PyThread_release_lock(worker->wake);
  }
  else
  {
    PyThread_release_lock(g_dispatch.mutex);
    if (SpawnWorker(job) < 0)
    {
      PyThread_free_lock(job->done);
      free(job);
      return ORTHANC_PY_ERROR_INTERNAL;
    }
  }

  if (!WaitForJob(job))
  {
    return ORTHANC_PY_ERROR_PLUGIN;
  }
  OrthancPyStatus result = job->result;
  PyThread_free_lock(job->done);
  free(job);
  return result;
}


OrthancPyStatus OrthancPy_RunCallback(OrthancPyCallbackBody body, void* payload)
{
  if (!OrthancPy_IsRunning() || !g_dispatch.started)
  {
    return ORTHANC_PY_ERROR_BAD_SEQUENCE;
  }

  if (!g_dispatch.workerThreads || PyThread_tss_get(&g_dispatch.largeStackKey) != NULL)
  {
    PyGILState_STATE state = PyGILState_Ensure();
    OrthancPyStatus code = RunBody(body, payload);
    PyGILState_Release(state);
    return code;
  }

  return RunOnWorker(body, payload);
}


int OrthancPyDispatch_Start(int workerThreads, int displayMemoryUsage)
{
  g_dispatch.workerThreads = workerThreads;
  g_dispatch.displayMemoryUsage = displayMemoryUsage;
  g_dispatch.stopping = 0;
  g_dispatch.idle = NULL;
  g_dispatch.all = NULL;

  g_dispatch.mutex = PyThread_allocate_lock();
  if (g_dispatch.mutex == NULL || PyThread_tss_create(&g_dispatch.largeStackKey) != 0)
  {
    PyErr_NoMemory();
    return -1;
  }

  g_dispatch.started = 1;
  return 0;
}


int OrthancPyDispatch_Stop(void)
{
  if (!g_dispatch.started)
  {
    return 0;
  }

  PyThread_acquire_lock(g_dispatch.mutex, WAIT_LOCK);
  g_dispatch.stopping = 1;
  Worker* all = g_dispatch.all;
  g_dispatch.all = NULL;
  for (Worker* worker = g_dispatch.idle; worker != NULL; worker = worker->nextIdle)
  {
    worker->quit = 1;
    PyThread_release_lock(worker->wake);
  }
  g_dispatch.idle = NULL;
  PyThread_release_lock(g_dispatch.mutex);

  /* Busy workers see `stopping` once their job is done; wait for them
   * until the grace period is over (a stop with no deadline, a failed
   * start-up, has no busy worker). */
  int leftRunning = 0;
  Py_BEGIN_ALLOW_THREADS
  while (all != NULL)
  {
    Worker* next = all->nextAll;
    PY_TIMEOUT_T timeout = OrthancPyGate_StopTimeout();
    if (PyThread_acquire_lock_timed(all->exited, timeout, 0) == PY_LOCK_ACQUIRED)
    {
      FreeWorker(all);
    }
    else
    {
      leftRunning = 1;  /* the worker and its locks stay: it still uses them */
      OrthancPy_Log(ORTHANC_PY_LOG_WARNING, "Python plugin: a callback still runs after the grace period at stop");
    }
    all = next;
  }
  Py_END_ALLOW_THREADS

  if (leftRunning)
  {
    /* The mutex and the key too; `started` stays, so that a callback still
     * finds `stopping`. */
    return -1;
  }
  PyThread_tss_delete(&g_dispatch.largeStackKey);
  PyThread_free_lock(g_dispatch.mutex);
  g_dispatch.mutex = NULL;
  g_dispatch.started = 0;
  return 0;
}
