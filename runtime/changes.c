/*
 * orthanc.RegisterOnChangeCallback: Orthanc's change thread only appends to
 * a queue (it never waits for the GIL); a Python-owned thread delivers the
 * changes to every registered callback, in registration order. At shutdown
 * the queue is drained before the thread stops.
 */
#include "runtime_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct Change
{
  OrthancPluginChangeType changeType;
  OrthancPluginResourceType resourceType;
  char* resourceId;
  struct Change* next;
} Change;

static struct
{
  PyObject* callbacks;          /* list of callables, GIL-protected */
  int registered;               /* the C callback is registered with Orthanc */
  int threadRunning;
  PyThread_type_lock mutex;     /* guards the fields below; never held while waiting */
  PyThread_type_lock wake;      /* held while the thread waits for changes */
  PyThread_type_lock exited;    /* held until the thread has left Python */
  int waiting;
  int accepting;
  int stopping;
  Change* head;
  Change* tail;
} g_changes;


#if ORTHANC_PY_HAS_OrthancPluginRegisterOnChangeCallback

/* Called by Orthanc: no GIL, must be quick. */
static OrthancPyStatus OnChange(OrthancPluginChangeType changeType,
                                       OrthancPluginResourceType resourceType,
                                       const char* resourceId)
{
  if (g_changes.mutex == NULL)
  {
    return ORTHANC_PY_SUCCESS;  /* shutting down */
  }

  Change* change = malloc(sizeof(Change));
  if (change == NULL)
  {
    return ORTHANC_PY_ERROR_NOT_ENOUGH_MEMORY;
  }
  change->changeType = changeType;
  change->resourceType = resourceType;
  change->resourceId = NULL;
  change->next = NULL;
  if (resourceId != NULL)
  {
    size_t size = strlen(resourceId) + 1;
    change->resourceId = malloc(size);
    if (change->resourceId == NULL)
    {
      free(change);
      return ORTHANC_PY_ERROR_NOT_ENOUGH_MEMORY;
    }
    memcpy(change->resourceId, resourceId, size);
  }

  PyThread_acquire_lock(g_changes.mutex, WAIT_LOCK);
  if (!g_changes.accepting)
  {
    PyThread_release_lock(g_changes.mutex);
    free(change->resourceId);
    free(change);
    return ORTHANC_PY_SUCCESS;
  }
  if (g_changes.tail != NULL)
  {
    g_changes.tail->next = change;
  }
  else
  {
    g_changes.head = change;
  }
  g_changes.tail = change;
  if (g_changes.waiting)
  {
    g_changes.waiting = 0;
    PyThread_release_lock(g_changes.wake);
  }
  PyThread_release_lock(g_changes.mutex);
  return ORTHANC_PY_SUCCESS;
}


/* GIL held. */
static void Deliver(const Change* change)
{
  /* A snapshot, so that a callback registering another one does not
   * change the list being walked. */
  PyObject* callbacks = PySequence_Tuple(g_changes.callbacks);
  PyObject* resourceId = (callbacks != NULL) ?
    (change->resourceId != NULL ? OrthancPy_StringFromSdk(change->resourceId) : PyUnicode_FromString("")) :
    NULL;
  if (resourceId == NULL)
  {
    Py_XDECREF(callbacks);
    OrthancPy_LogPythonError("Cannot deliver a change to the Python callbacks");
    return;
  }

  for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(callbacks); i++)
  {
    PyObject* result = PyObject_CallFunction(PyTuple_GET_ITEM(callbacks, i), "iiO",
                                             (int) change->changeType, (int) change->resourceType,
                                             resourceId);
    if (result == NULL)
    {
      OrthancPy_LogPythonError("Error in the Python on-change callback");
    }
    Py_XDECREF(result);
  }

  Py_DECREF(resourceId);
  Py_DECREF(callbacks);
}


static void ChangeThreadMain(void* unused)
{
  (void) unused;
  PyGILState_STATE state = PyGILState_Ensure();

  for (;;)
  {
    PyThread_acquire_lock(g_changes.mutex, WAIT_LOCK);
    Change* change = g_changes.head;
    if (change != NULL)
    {
      g_changes.head = change->next;
      if (g_changes.head == NULL)
      {
        g_changes.tail = NULL;
      }
      PyThread_release_lock(g_changes.mutex);

      Deliver(change);
      free(change->resourceId);
      free(change);
      continue;
    }

    if (g_changes.stopping)
    {
      PyThread_release_lock(g_changes.mutex);
      break;
    }

    g_changes.waiting = 1;
    PyThread_release_lock(g_changes.mutex);

    Py_BEGIN_ALLOW_THREADS
    PyThread_acquire_lock(g_changes.wake, WAIT_LOCK);
    Py_END_ALLOW_THREADS
  }

  PyGILState_Release(state);
  PyThread_release_lock(g_changes.exited);
}


static void FreeLocks(void)
{
  if (g_changes.mutex != NULL)
  {
    PyThread_free_lock(g_changes.mutex);
  }
  if (g_changes.wake != NULL)
  {
    PyThread_free_lock(g_changes.wake);
  }
  if (g_changes.exited != NULL)
  {
    PyThread_free_lock(g_changes.exited);
  }
  g_changes.mutex = g_changes.wake = g_changes.exited = NULL;
}


/* GIL held: first registration. */
static int StartDelivery(void)
{
  g_changes.mutex = PyThread_allocate_lock();
  g_changes.wake = PyThread_allocate_lock();
  g_changes.exited = PyThread_allocate_lock();
  if (g_changes.mutex == NULL || g_changes.wake == NULL || g_changes.exited == NULL)
  {
    FreeLocks();
    PyErr_NoMemory();
    return -1;
  }
  PyThread_acquire_lock(g_changes.wake, WAIT_LOCK);
  PyThread_acquire_lock(g_changes.exited, WAIT_LOCK);
  g_changes.waiting = 0;
  g_changes.stopping = 0;
  g_changes.accepting = 1;
  g_changes.head = g_changes.tail = NULL;

  if (OrthancPy_StartThread(ChangeThreadMain, NULL) < 0)
  {
    FreeLocks();
    return -1;
  }
  g_changes.threadRunning = 1;

  OrthancPluginContext* context = OrthancPy_GetContext();
  Py_BEGIN_ALLOW_THREADS
  OrthancPluginRegisterOnChangeCallback(context, OnChange);
  Py_END_ALLOW_THREADS
  g_changes.registered = 1;
  return 0;
}


PyObject* OrthancPyCustom_RegisterOnChangeCallback(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  static char* keywords[] = { "callback", NULL };
  PyObject* callback = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O:RegisterOnChangeCallback", keywords, &callback) ||
      OrthancPy_CheckCallable(callback, "callback") < 0)
  {
    return NULL;
  }

  if (g_changes.callbacks == NULL)
  {
    g_changes.callbacks = PyList_New(0);
    if (g_changes.callbacks == NULL)
    {
      return NULL;
    }
  }

  if (!g_changes.registered && StartDelivery() < 0)
  {
    return NULL;
  }

  if (PyList_Append(g_changes.callbacks, callback) < 0)
  {
    return NULL;
  }
  Py_RETURN_NONE;
}

#endif  /* ORTHANC_PY_HAS_OrthancPluginRegisterOnChangeCallback */


void OrthancPyChanges_WaitDelivered(void)
{
  if (!g_changes.threadRunning)
  {
    return;
  }
  for (;;)
  {
    PyThread_acquire_lock(g_changes.mutex, WAIT_LOCK);
    int idle = (g_changes.head == NULL && g_changes.waiting);
    PyThread_release_lock(g_changes.mutex);
    if (idle || OrthancPyGate_PastDeadline())
    {
      return;
    }
    /* A portable short sleep: a timed wait on the lock the thread exits by. */
    if (PyThread_acquire_lock_timed(g_changes.exited, 5000, 0) == PY_LOCK_ACQUIRED)
    {
      PyThread_release_lock(g_changes.exited);
      return;
    }
  }
}


int OrthancPyChanges_Stop(void)
{
  int leftRunning = 0;
  if (g_changes.threadRunning)
  {
    PyThread_acquire_lock(g_changes.mutex, WAIT_LOCK);
    g_changes.accepting = 0;
    g_changes.stopping = 1;
    if (g_changes.waiting)
    {
      g_changes.waiting = 0;
      PyThread_release_lock(g_changes.wake);
    }
    PyThread_release_lock(g_changes.mutex);

    /* The thread needs the GIL to drain the queue. A callback still running
     * after the grace period keeps the thread and its locks. */
    PY_TIMEOUT_T timeout = OrthancPyGate_StopTimeout();
    PyLockStatus exited;
    Py_BEGIN_ALLOW_THREADS
    exited = PyThread_acquire_lock_timed(g_changes.exited, timeout, 0);
    Py_END_ALLOW_THREADS

    if (exited == PY_LOCK_ACQUIRED)
    {
      FreeLocks();
      g_changes.threadRunning = 0;
    }
    else
    {
      leftRunning = 1;
      OrthancPy_Log(ORTHANC_PY_LOG_WARNING,
                    "Python plugin: an on-change callback still runs after the grace period at stop");
    }
  }

  if (!leftRunning)
  {
    Py_CLEAR(g_changes.callbacks);
    g_changes.registered = 0;
    g_changes.head = g_changes.tail = NULL;
  }
  return leftRunning ? -1 : 0;
}
