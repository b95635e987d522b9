/*
 * Jobs written in Python, run by Orthanc's jobs engine.
 *
 *   orthanc.CreateJob(jobType, job) -> orthanc.Job
 *   orthanc.Job.SubmitJob(priority) -> job id
 *   orthanc.RegisterJobsUnserializer(callback)
 *     callback(job_type, serialized: dict) -> job object (or orthanc.Job) or None
 *
 * A job object is any Python object with the methods step() ->
 * orthanc.JobStepStatus, stop(reason: orthanc.JobStopReason) and reset(),
 * and optionally the attributes (or methods) `progress` (a number in [0, 1])
 * and `content` (a dict shown in /jobs/{id}) and a method serialize() ->
 * dict or None, which makes the job survive a restart of Orthanc.
 *
 * Orthanc calls step/stop/reset on its job threads: they run through
 * OrthancPy_RunCallback() (GIL held only while Python runs). Progress,
 * content and serialized form are NOT read from Python when Orthanc asks
 * for them: they are read after every step/stop/reset (on the job's own
 * thread, which already holds the GIL) and cached here in C. Orthanc asks
 * for them under its jobs registry's mutex, also from HTTP threads (GET
 * /jobs); answering from the cache never waits for the GIL, so a busy
 * Python callback cannot stall the jobs engine or the REST API.
 *
 * Lifetime: the C state of a job (JobState) is created by CreateJob and
 * freed by the finalize callback, which Orthanc calls exactly once, when it
 * drops the job (FreeJob of an unsubmitted orthanc.Job, end of the job's
 * history, shutdown). JobState owns a strong reference to the Python
 * object. Live states are kept in a list so that the runtime's shutdown
 * drops the Python objects while the interpreter exists: a callback that
 * comes later (a job thread racing the shutdown) finds no object and fails
 * the step cleanly instead of touching a finalized interpreter.
 */
#include "runtime_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The entries of custom.yaml require these three (all from SDK 1.4.2 on). */
#if ORTHANC_PY_HAS_OrthancPluginCreateJob && ORTHANC_PY_HAS_OrthancPluginSubmitJob && \
    ORTHANC_PY_HAS_OrthancPluginRegisterJobsUnserializer
#  define ORTHANC_PY_JOBS 1
#else
#  define ORTHANC_PY_JOBS 0
#endif

/* Python callbacks of RegisterJobsUnserializer (list, GIL-protected). */
static PyObject* g_unserializers = NULL;

#if ORTHANC_PY_JOBS

typedef struct JobState
{
  PyObject* object;            /* strong; read/written with the GIL; NULL after shutdown */
  char* type;                  /* the job type, also passed to the unserializers */
  char* errorText;             /* why the job failed, shown as "Error" in its content; GIL */
  int resetFailed;             /* reset() raised: the next step fails with errorText; GIL */

  PyThread_type_lock cacheLock;  /* guards the cache below; held only to copy/swap */
  float progress;
  char* content;               /* JSON object */
  char* serialized;            /* JSON object, or NULL when the job is not serializable */
  /* Strings handed to Orthanc by the callbacks of the SDK's first API,
   * which return a pointer Orthanc reads right away: the previous one
   * stays valid until the cache changes twice. */
  char* retiredContent;
  char* retiredSerialized;

  struct JobState* previous;   /* live list, guarded by g_jobs.lock */
  struct JobState* next;
} JobState;

static struct
{
  PyThread_type_lock lock;     /* guards the list links only; never held while waiting */
  JobState* live;
} g_jobs;


static char* CopyString(const char* text)
{
  size_t length = strlen(text) + 1;
  char* copy = malloc(length);
  if (copy != NULL)
  {
    memcpy(copy, text, length);
  }
  return copy;
}


static int EnsureListLock(void)
{
  /* Created once per process (the runtime's statics are reset at shutdown,
   * but a lock may still be used by a late finalize: it is never freed). */
  if (g_jobs.lock == NULL)
  {
    g_jobs.lock = PyThread_allocate_lock();
  }
  return (g_jobs.lock != NULL) ? 0 : -1;
}


static void Link(JobState* job)
{
  PyThread_acquire_lock(g_jobs.lock, WAIT_LOCK);
  job->previous = NULL;
  job->next = g_jobs.live;
  if (g_jobs.live != NULL)
  {
    g_jobs.live->previous = job;
  }
  g_jobs.live = job;
  PyThread_release_lock(g_jobs.lock);
}


static void Unlink(JobState* job)
{
  PyThread_acquire_lock(g_jobs.lock, WAIT_LOCK);
  if (job->previous != NULL)
  {
    job->previous->next = job->next;
  }
  else if (g_jobs.live == job)
  {
    g_jobs.live = job->next;
  }
  if (job->next != NULL)
  {
    job->next->previous = job->previous;
  }
  job->previous = job->next = NULL;
  PyThread_release_lock(g_jobs.lock);
}


/* Frees the C side; the Python object must have been released (or be
 * abandoned with the interpreter). */
static void FreeState(JobState* job)
{
  free(job->type);
  free(job->errorText);
  free(job->content);
  free(job->serialized);
  free(job->retiredContent);
  free(job->retiredSerialized);
  if (job->cacheLock != NULL)
  {
    PyThread_free_lock(job->cacheLock);
  }
  free(job);
}


/* ---- Reading the Python object (GIL held) --------------------------------- */

/* "TypeName: message" of an exception (new reference), never NULL unless
 * memory is exhausted. */
static PyObject* DescribeException(PyObject* exception)
{
  PyObject* message = PyObject_Str(exception);
  if (message == NULL)
  {
    PyErr_Clear();
  }
  PyObject* text = (message != NULL && PyUnicode_GetLength(message) > 0) ?
    PyUnicode_FromFormat("%s: %U", Py_TYPE(exception)->tp_name, message) :
    PyUnicode_FromString(Py_TYPE(exception)->tp_name);
  Py_XDECREF(message);
  return text;
}


/* With an exception set: logs it with its traceback under "<what> of the
 * Python job <type>", clears it, and returns its description (new
 * reference, may be NULL). */
static PyObject* LogJobError(const JobState* job, const char* what)
{
  char context[256];
  snprintf(context, sizeof(context), "Error in %s of the Python job of type \"%s\"", what, job->type);
  PyObject* exception = OrthancPy_TakeException();
  if (exception == NULL)
  {
    OrthancPy_LogHoldingGil(ORTHANC_PY_LOG_ERROR, context);
    return NULL;
  }
  PyObject* text = DescribeException(exception);
  OrthancPy_LogException(context, exception);
  Py_DECREF(exception);
  if (text == NULL)
  {
    PyErr_Clear();
  }
  return text;
}


/* The value of attribute `name`, called if it is callable (a method), or a
 * new reference to `fallback` when the object has no such attribute. */
static PyObject* ReadMember(PyObject* object, const char* name, PyObject* fallback)
{
  PyObject* value = PyObject_GetAttrString(object, name);
  if (value == NULL)
  {
    if (!PyErr_ExceptionMatches(PyExc_AttributeError))
    {
      return NULL;
    }
    PyErr_Clear();
    Py_INCREF(fallback);
    return fallback;
  }
  if (PyCallable_Check(value))
  {
    PyObject* result = PyObject_CallObject(value, NULL);
    Py_DECREF(value);
    return result;
  }
  return value;
}


/* JSON text of a dict (json.dumps, strict: no NaN), as a malloc'd UTF-8
 * string; NULL with an exception set. */
static char* DumpJsonObject(PyObject* value, const char* what)
{
  if (!PyDict_Check(value))
  {
    PyErr_Format(PyExc_TypeError, "%s must be a dict (a JSON object), not %.100s", what, Py_TYPE(value)->tp_name);
    return NULL;
  }
  PyObject* json = PyImport_ImportModule("json");
  if (json == NULL)
  {
    return NULL;
  }
  PyObject* dumps = PyObject_GetAttrString(json, "dumps");
  Py_DECREF(json);
  PyObject* args = (dumps != NULL) ? PyTuple_Pack(1, value) : NULL;
  PyObject* kwargs = (args != NULL) ? Py_BuildValue("{s:O}", "allow_nan", Py_False) : NULL;
  PyObject* text = (kwargs != NULL) ? PyObject_Call(dumps, args, kwargs) : NULL;
  Py_XDECREF(kwargs);
  Py_XDECREF(args);
  Py_XDECREF(dumps);
  if (text == NULL)
  {
    return NULL;
  }
  const char* utf8 = PyUnicode_AsUTF8(text);
  char* copy = (utf8 != NULL) ? CopyString(utf8) : NULL;
  if (utf8 != NULL && copy == NULL)
  {
    PyErr_NoMemory();
  }
  Py_DECREF(text);
  return copy;
}


/* Stores new cache values (ownership of the strings moves in; NULL content
 * keeps the previous one). */
static void StoreCache(JobState* job, float progress, char* content, int setSerialized, char* serialized)
{
  PyThread_acquire_lock(job->cacheLock, WAIT_LOCK);
  job->progress = progress;
  if (content != NULL)
  {
    free(job->retiredContent);
    job->retiredContent = job->content;
    job->content = content;
  }
  if (setSerialized)
  {
    free(job->retiredSerialized);
    job->retiredSerialized = job->serialized;
    job->serialized = serialized;
  }
  else
  {
    free(serialized);
  }
  PyThread_release_lock(job->cacheLock);
}


/* GIL held: RefreshCache with the error text as a str (or NULL). */
static int RefreshValues(JobState* job, PyObject* object, PyObject* errorText, int strict)
{
  float progress = 0;
  PyThread_acquire_lock(job->cacheLock, WAIT_LOCK);
  progress = job->progress;
  PyThread_release_lock(job->cacheLock);

  PyObject* zero = PyFloat_FromDouble(0.0);
  PyObject* value = (zero != NULL) ? ReadMember(object, "progress", zero) : NULL;
  Py_XDECREF(zero);
  double number = (value != NULL) ? PyFloat_AsDouble(value) : -1.0;
  Py_XDECREF(value);
  if (value == NULL || (number == -1.0 && PyErr_Occurred()))
  {
    if (strict)
    {
      return -1;
    }
    Py_XDECREF(LogJobError(job, "progress"));
  }
  else
  {
    /* Orthanc expects [0, 1]; clamp instead of failing the job over it. */
    progress = isnan(number) ? 0.0f : (float) (number < 0.0 ? 0.0 : (number > 1.0 ? 1.0 : number));
  }

  char* content = NULL;
  PyObject* empty = PyDict_New();
  PyObject* dict = (empty != NULL) ? ReadMember(object, "content", empty) : NULL;
  Py_XDECREF(empty);
  if (dict != NULL && errorText != NULL && PyDict_Check(dict))
  {
    /* A copy: the script's own dict stays as the script left it. */
    PyObject* copy = PyDict_Copy(dict);
    Py_DECREF(dict);
    dict = copy;
    if (dict != NULL && PyDict_SetItemString(dict, "Error", errorText) < 0)
    {
      Py_CLEAR(dict);
    }
  }
  content = (dict != NULL) ? DumpJsonObject(dict, "the content of a job") : NULL;
  Py_XDECREF(dict);
  if (content == NULL)
  {
    if (strict)
    {
      return -1;
    }
    Py_XDECREF(LogJobError(job, "content"));
    if (errorText != NULL)
    {
      /* The error must reach /jobs/{id} even when the content is broken. */
      PyObject* fallback = Py_BuildValue("{s:O}", "Error", errorText);
      content = (fallback != NULL) ? DumpJsonObject(fallback, "content") : NULL;
      Py_XDECREF(fallback);
      PyErr_Clear();
    }
  }

  int setSerialized = 0;
  char* serialized = NULL;
  PyObject* serialize = PyObject_GetAttrString(object, "serialize");
  if (serialize == NULL)
  {
    if (PyErr_ExceptionMatches(PyExc_AttributeError))
    {
      PyErr_Clear();
      setSerialized = 1;   /* not serializable */
    }
  }
  else
  {
    PyObject* state = PyObject_CallObject(serialize, NULL);
    Py_DECREF(serialize);
    if (state == Py_None)
    {
      setSerialized = 1;
    }
    else if (state != NULL)
    {
      serialized = DumpJsonObject(state, "the result of serialize()");
      setSerialized = (serialized != NULL);
    }
    Py_XDECREF(state);
  }
  if (PyErr_Occurred())
  {
    if (strict)
    {
      free(content);
      return -1;
    }
    /* Not saved rather than a failing save: Orthanc then keeps the job
     * in memory only, and the job itself keeps running. */
    Py_XDECREF(LogJobError(job, "serialize()"));
    setSerialized = 1;
    serialized = NULL;
  }

  StoreCache(job, progress, content, setSerialized, serialized);
  return 0;
}


/* GIL held. Reads progress, content (plus "Error": job->errorText once the
 * job failed, until it is reset) and serialize() from the Python object and
 * caches them. strict: the first error is raised (returns -1); otherwise
 * errors are logged and the previous values kept. */
static int RefreshCache(JobState* job, int strict)
{
  PyObject* object = job->object;
  if (object == NULL)
  {
    return 0;
  }
  PyObject* errorText = NULL;
  if (job->errorText != NULL)
  {
    errorText = PyUnicode_DecodeUTF8(job->errorText, (Py_ssize_t) strlen(job->errorText), "replace");
    if (errorText == NULL)
    {
      PyErr_Clear();
    }
  }
  int status = RefreshValues(job, object, errorText, strict);
  Py_XDECREF(errorText);
  return status;
}


/* ---- The callbacks Orthanc calls ------------------------------------------- */

/* GIL held: keeps `text` (a str, or NULL for a generic text) as the reason
 * the job failed. */
static void SetErrorText(JobState* job, PyObject* text)
{
  const char* utf8 = (text != NULL) ? PyUnicode_AsUTF8(text) : NULL;
  PyErr_Clear();
  free(job->errorText);
  job->errorText = CopyString(utf8 != NULL ? utf8 : "the Python job failed");
}


typedef struct
{
  JobState* job;
  OrthancPluginJobStepStatus status;
  OrthancPluginJobStopReason reason;
} JobCall;


/* GIL held. */
static OrthancPyStatus StepBody(void* payload)
{
  JobCall* call = payload;
  JobState* job = call->job;
  call->status = OrthancPluginJobStepStatus_Failure;
  if (job->object == NULL)
  {
    OrthancPy_LogHoldingGil(ORTHANC_PY_LOG_ERROR, "A Python job ran after the interpreter stopped: it fails");
    return ORTHANC_PY_SUCCESS;
  }

  PyObject* errorText = NULL;
  if (job->resetFailed)
  {
    /* errorText already says why; the job fails at once. */
    job->resetFailed = 0;
  }
  else
  {
    PyObject* result = PyObject_CallMethod(job->object, "step", NULL);
    if (result == NULL)
    {
      errorText = LogJobError(job, "step()");
    }
    else
    {
      long value = PyLong_Check(result) && !PyBool_Check(result) ? PyLong_AsLong(result) : -1;
      if (PyErr_Occurred())
      {
        PyErr_Clear();
        value = -1;
      }
      if (value == OrthancPluginJobStepStatus_Success || value == OrthancPluginJobStepStatus_Continue ||
          value == OrthancPluginJobStepStatus_Failure)
      {
        call->status = (OrthancPluginJobStepStatus) value;
      }
      else
      {
        PyErr_Format(PyExc_TypeError, "step() must return an orthanc.JobStepStatus "
                     "(SUCCESS, FAILURE or CONTINUE), not %R", result);
        errorText = LogJobError(job, "step()");
      }
      Py_DECREF(result);
    }
  }

  if (errorText != NULL)
  {
    SetErrorText(job, errorText);
    Py_DECREF(errorText);
  }
  RefreshCache(job, 0);
  return ORTHANC_PY_SUCCESS;
}


static OrthancPluginJobStepStatus Step(void* raw)
{
  JobCall call;
  call.job = raw;
  call.status = OrthancPluginJobStepStatus_Failure;
  if (OrthancPy_RunCallback(StepBody, &call) != ORTHANC_PY_SUCCESS)
  {
    OrthancPy_Log(ORTHANC_PY_LOG_ERROR, "A Python job cannot run: the Python plugin is stopping, the job fails");
    return OrthancPluginJobStepStatus_Failure;
  }
  return call.status;
}


/* GIL held. */
static OrthancPyStatus StopBody(void* payload)
{
  JobCall* call = payload;
  JobState* job = call->job;
  if (job->object == NULL)
  {
    return ORTHANC_PY_SUCCESS;
  }
  PyObject* result = PyObject_CallMethod(job->object, "stop", "i", (int) call->reason);
  OrthancPyStatus code = ORTHANC_PY_SUCCESS;
  if (result == NULL)
  {
    Py_XDECREF(LogJobError(job, "stop()"));
    code = ORTHANC_PY_ERROR_PLUGIN;
  }
  Py_XDECREF(result);
  RefreshCache(job, 0);
  return code;
}


static OrthancPluginErrorCode Stop(void* raw, OrthancPluginJobStopReason reason)
{
  JobCall call;
  call.job = raw;
  call.reason = reason;
  return (OrthancPluginErrorCode) OrthancPy_RunCallback(StopBody, &call);
}


/* GIL held. */
static OrthancPyStatus ResetBody(void* payload)
{
  JobCall* call = payload;
  JobState* job = call->job;
  if (job->object == NULL)
  {
    return ORTHANC_PY_SUCCESS;
  }
  /* A job that is started again has not failed (yet). */
  free(job->errorText);
  job->errorText = NULL;
  job->resetFailed = 0;

  PyObject* result = PyObject_CallMethod(job->object, "reset", NULL);
  OrthancPyStatus code = ORTHANC_PY_SUCCESS;
  if (result == NULL)
  {
    /* Orthanc ignores the code reset() returns and runs the job again:
     * the job is in no known state, so its next step fails with this. */
    PyObject* text = LogJobError(job, "reset()");
    PyObject* described = (text != NULL) ? PyUnicode_FromFormat("reset() failed: %U", text) : NULL;
    SetErrorText(job, described);
    job->resetFailed = 1;
    Py_XDECREF(described);
    Py_XDECREF(text);
    code = ORTHANC_PY_ERROR_PLUGIN;
  }
  Py_XDECREF(result);
  RefreshCache(job, 0);
  return code;
}


static OrthancPluginErrorCode Reset(void* raw)
{
  JobCall call;
  call.job = raw;
  return (OrthancPluginErrorCode) OrthancPy_RunCallback(ResetBody, &call);
}


static float GetProgress(void* raw)
{
  JobState* job = raw;
  PyThread_acquire_lock(job->cacheLock, WAIT_LOCK);
  float progress = job->progress;
  PyThread_release_lock(job->cacheLock);
  return progress;
}


/* GIL held (or the interpreter is gone and job->object is NULL). */
static OrthancPyStatus FinalizeBody(void* payload)
{
  JobState* job = payload;
  Py_CLEAR(job->object);
  return ORTHANC_PY_SUCCESS;
}


static void Finalize(void* raw)
{
  JobState* job = raw;
  /* Once unlinked, the shutdown can no longer clear job->object: whatever
   * is read below stays valid. */
  Unlink(job);
  if (job->object != NULL)
  {
    if (OrthancPy_IsRunning() && PyGILState_Check())
    {
      /* OrthancPluginFreeJob from a thread holding the GIL (an orthanc.Job
       * collected by Python): handing this to a worker thread would wait
       * for the GIL this thread holds. */
      FinalizeBody(job);
    }
    else if (OrthancPy_RunCallback(FinalizeBody, job) != ORTHANC_PY_SUCCESS)
    {
      /* The interpreter is going away with its objects: nothing to free. */
      job->object = NULL;
    }
  }
  FreeState(job);
}


#if ORTHANC_PY_HAS_OrthancPluginCreateJob2

static OrthancPluginErrorCode GetContent2(OrthancPluginMemoryBuffer* target, void* raw)
{
  JobState* job = raw;
  OrthancPluginErrorCode code = OrthancPluginErrorCode_Success;
  PyThread_acquire_lock(job->cacheLock, WAIT_LOCK);
  size_t size = strlen(job->content);
  if (OrthancPluginCreateMemoryBuffer(OrthancPy_GetContext(), target, (uint32_t) size) != OrthancPluginErrorCode_Success)
  {
    code = OrthancPluginErrorCode_NotEnoughMemory;
  }
  else
  {
    memcpy(target->data, job->content, size);
  }
  PyThread_release_lock(job->cacheLock);
  return code;
}


static int32_t GetSerialized2(OrthancPluginMemoryBuffer* target, void* raw)
{
  JobState* job = raw;
  int32_t result = 0;
  PyThread_acquire_lock(job->cacheLock, WAIT_LOCK);
  if (job->serialized != NULL)
  {
    size_t size = strlen(job->serialized);
    if (OrthancPluginCreateMemoryBuffer(OrthancPy_GetContext(), target, (uint32_t) size) != OrthancPluginErrorCode_Success)
    {
      result = -1;
    }
    else
    {
      memcpy(target->data, job->serialized, size);
      result = 1;
    }
  }
  PyThread_release_lock(job->cacheLock);
  return result;
}

#endif


/* The SDK's first API: Orthanc parses the returned string at once and does
 * not free it; it stays valid until the cache changes twice. */
static const char* GetContent(void* raw)
{
  JobState* job = raw;
  PyThread_acquire_lock(job->cacheLock, WAIT_LOCK);
  const char* content = job->content;
  PyThread_release_lock(job->cacheLock);
  return content;
}


static const char* GetSerialized(void* raw)
{
  JobState* job = raw;
  PyThread_acquire_lock(job->cacheLock, WAIT_LOCK);
  const char* serialized = job->serialized;
  PyThread_release_lock(job->cacheLock);
  return serialized;
}


/* ---- Creating jobs (GIL held) ------------------------------------------------ */

/* Non-zero if `object` is an orthanc.Job (the wrapper of an SDK job). */
static int IsJobWrapper(PyObject* object)
{
  PyTypeObject* type = OrthancPy_GetType(ORTHANC_PY_CLASS_Job);
  return type != NULL && PyObject_TypeCheck(object, type);
}


/* TypeError unless `object` has the three methods a job needs. */
static int CheckJobObject(PyObject* object)
{
  static const char* const required[] = { "step", "stop", "reset" };
  for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
  {
    PyObject* method = PyObject_GetAttrString(object, required[i]);
    int callable = (method != NULL) && PyCallable_Check(method);
    Py_XDECREF(method);
    if (!callable)
    {
      PyErr_Clear();
      PyErr_Format(PyExc_TypeError,
                   "a job object must have the methods step(), stop(reason) and reset(); "
                   "%.100s has no callable %s()", Py_TYPE(object)->tp_name, required[i]);
      return -1;
    }
  }
  return 0;
}


/* GIL held. A new SDK job around `object`, or NULL with an exception set.
 * strict: an error while reading progress/content/serialize() is raised. */
static OrthancPluginJob* NewJob(const char* type, PyObject* object, int strict)
{
  if (CheckJobObject(object) < 0)
  {
    return NULL;
  }
  if (EnsureListLock() < 0)
  {
    PyErr_NoMemory();
    return NULL;
  }

  JobState* job = calloc(1, sizeof(JobState));
  if (job == NULL)
  {
    PyErr_NoMemory();
    return NULL;
  }
  job->type = CopyString(type);
  job->content = CopyString("{}");
  job->cacheLock = PyThread_allocate_lock();
  if (job->type == NULL || job->content == NULL || job->cacheLock == NULL)
  {
    FreeState(job);
    PyErr_NoMemory();
    return NULL;
  }
  Py_INCREF(object);
  job->object = object;

  if (RefreshCache(job, strict) < 0)
  {
    Py_CLEAR(job->object);
    FreeState(job);
    return NULL;
  }

  /* Linked before Orthanc sees it, so that the shutdown finds it whatever
   * happens next; Finalize unlinks it. */
  Link(job);

  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPluginJob* handle;
#if ORTHANC_PY_HAS_OrthancPluginCreateJob2
  /* Orthanc 1.11.3 to 1.13.0 at least serialize a job of the second API
   * with its getContent callback instead of getSerialized: such a job is
   * never saved, so it cannot survive a restart. Jobs with a serialize()
   * method use the first API (still in the SDK; Orthanc logs a warning for
   * it), where serialization works; the others the second one. */
  int serializable = PyObject_HasAttrString(object, "serialize");
  /* An Orthanc older than 1.11.3 has only the first API. */
  if (!serializable && OrthancPy_OrthancHas(ORTHANC_PY_SINCE_OrthancPluginCreateJob2))
  {
    Py_BEGIN_ALLOW_THREADS
    handle = OrthancPluginCreateJob2(context, job, Finalize, type, GetProgress, GetContent2, GetSerialized2,
                                     Step, Stop, Reset);
    Py_END_ALLOW_THREADS
  }
  else
#endif
  {
#if defined(__GNUC__) || defined(__clang__)
#  pragma GCC diagnostic push
#  pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#elif defined(_MSC_VER)
#  pragma warning(push)
#  pragma warning(disable: 4996)
#endif
    Py_BEGIN_ALLOW_THREADS
    handle = OrthancPluginCreateJob(context, job, Finalize, type, GetProgress, GetContent, GetSerialized,
                                    Step, Stop, Reset);
    Py_END_ALLOW_THREADS
#if defined(__GNUC__) || defined(__clang__)
#  pragma GCC diagnostic pop
#elif defined(_MSC_VER)
#  pragma warning(pop)
#endif
  }

  if (handle == NULL)
  {
    /* Orthanc calls finalize only for missing callbacks, and none is
     * missing here: the state is still ours. */
    Unlink(job);
    Py_CLEAR(job->object);
    FreeState(job);
    OrthancPy_SetStatusError(ORTHANC_PY_ERROR_INTERNAL);
    return NULL;
  }
  return handle;
}


PyObject* OrthancPyCustom_CreateJob(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  static char* keywords[] = { "jobType", "job", NULL };
  const char* type = NULL;
  PyObject* object = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "sO:CreateJob", keywords, &type, &object))
  {
    return NULL;
  }
  if (type[0] == '\0')
  {
    PyErr_SetString(PyExc_ValueError, "CreateJob: jobType must not be empty");
    return NULL;
  }
  if (IsJobWrapper(object))
  {
    PyErr_SetString(PyExc_TypeError, "CreateJob: job is already an orthanc.Job; pass the Python job object");
    return NULL;
  }

  OrthancPluginJob* handle = NewJob(type, object, 1);
  if (handle == NULL)
  {
    return NULL;
  }
  /* Owned: an orthanc.Job collected without SubmitJob frees the job (and
   * Orthanc then calls Finalize). */
  PyObject* wrapper = OrthancPy_WrapObject(ORTHANC_PY_CLASS_Job, handle, 1);
  if (wrapper == NULL)
  {
    OrthancPluginContext* context = OrthancPy_GetContext();
    Py_BEGIN_ALLOW_THREADS
    OrthancPluginFreeJob(context, handle);
    Py_END_ALLOW_THREADS
  }
  return wrapper;
}


PyObject* OrthancPyCustom_SubmitJob(PyObject* self, PyObject* args, PyObject* kwargs)
{
  static char* keywords[] = { "priority", NULL };
  int priority = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "i:SubmitJob", keywords, &priority))
  {
    return NULL;
  }
  if (!IsJobWrapper(self))
  {
    PyErr_SetString(PyExc_TypeError, "SubmitJob: expected an orthanc.Job");
    return NULL;
  }
  OrthancPyObject* wrapper = (OrthancPyObject*) self;
  if (wrapper->handle == NULL)
  {
    PyErr_SetString(PyExc_ValueError, "this orthanc.Job was already submitted (or handed to Orthanc)");
    return NULL;
  }

  /* Orthanc owns the job from now on, even if the submission fails (its
   * registry frees it then): the wrapper must never free it again. */
  OrthancPluginJob* handle = wrapper->handle;
  wrapper->handle = NULL;
  wrapper->owned = 0;

  OrthancPluginContext* context = OrthancPy_GetContext();
  char* id;
  Py_BEGIN_ALLOW_THREADS
  id = OrthancPluginSubmitJob(context, handle, priority);
  Py_END_ALLOW_THREADS
  if (id == NULL)
  {
    return OrthancPy_SetStatusError(ORTHANC_PY_ERROR_INTERNAL);
  }

  PyObject* result = OrthancPy_StringFromSdk(id);
  Py_BEGIN_ALLOW_THREADS
  OrthancPluginFreeString(context, id);
  Py_END_ALLOW_THREADS
  return result;
}


/* ---- Unserializers ------------------------------------------------------------ */

typedef struct
{
  const char* type;
  const char* serialized;
  OrthancPluginJob* result;
} UnserializeCall;


/* GIL held. */
static OrthancPyStatus UnserializeBody(void* payload)
{
  UnserializeCall* call = payload;
  call->result = NULL;
  if (g_unserializers == NULL)
  {
    return ORTHANC_PY_SUCCESS;
  }
  PyObject* callbacks = PySequence_Tuple(g_unserializers);
  PyObject* json = (callbacks != NULL) ? PyImport_ImportModule("json") : NULL;
  PyObject* state = (json != NULL) ? PyObject_CallMethod(json, "loads", "s", call->serialized) : NULL;
  PyObject* type = (state != NULL) ? OrthancPy_StringFromSdk(call->type) : NULL;
  Py_XDECREF(json);
  if (type == NULL)
  {
    OrthancPy_LogPythonError("Cannot hand a saved job to the Python unserializers");
    Py_XDECREF(state);
    Py_XDECREF(callbacks);
    return ORTHANC_PY_SUCCESS;
  }
  if (PyDict_Check(state))
  {
    /* Orthanc adds the type to what serialize() returned; give the
     * unserializers back exactly what serialize() returned. */
    if (PyDict_DelItemString(state, "Type") < 0)
    {
      PyErr_Clear();
    }
  }

  for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(callbacks) && call->result == NULL; i++)
  {
    PyObject* object = PyObject_CallFunctionObjArgs(PyTuple_GET_ITEM(callbacks, i), type, state, NULL);
    if (object == NULL)
    {
      OrthancPy_LogPythonError("Error in a Python jobs unserializer (the next one is tried)");
    }
    else if (object != Py_None)
    {
      if (IsJobWrapper(object))
      {
        /* An orthanc.Job made by CreateJob: Orthanc takes it over. */
        OrthancPyObject* wrapper = (OrthancPyObject*) object;
        if (wrapper->handle != NULL)
        {
          call->result = wrapper->handle;
          wrapper->handle = NULL;
          wrapper->owned = 0;
        }
        else
        {
          OrthancPy_LogHoldingGil(ORTHANC_PY_LOG_ERROR,
                                  "A Python jobs unserializer returned an orthanc.Job already submitted");
        }
      }
      else
      {
        call->result = NewJob(call->type, object, 0);
        if (call->result == NULL)
        {
          OrthancPy_LogPythonError("A Python jobs unserializer returned an unusable job");
        }
      }
    }
    Py_XDECREF(object);
  }

  Py_DECREF(type);
  Py_DECREF(state);
  Py_DECREF(callbacks);
  return ORTHANC_PY_SUCCESS;
}


static OrthancPluginJob* Unserialize(const char* type, const char* serialized)
{
  UnserializeCall call;
  call.type = type;
  call.serialized = serialized;
  call.result = NULL;
  if (type == NULL || serialized == NULL || OrthancPy_RunCallback(UnserializeBody, &call) != ORTHANC_PY_SUCCESS)
  {
    return NULL;
  }
  return call.result;
}


static OrthancPyStatus RegisterUnserializer(OrthancPluginContext* context)
{
  OrthancPluginRegisterJobsUnserializer(context, Unserialize);
  return ORTHANC_PY_SUCCESS;
}


PyObject* OrthancPyCustom_RegisterJobsUnserializer(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  return OrthancPy_AddListedCallback(args, kwargs, "O:RegisterJobsUnserializer", &g_unserializers,
                                     RegisterUnserializer);
}

#endif  /* ORTHANC_PY_JOBS */


void OrthancPyJobs_Clear(void)
{
  Py_CLEAR(g_unserializers);

#if ORTHANC_PY_JOBS
  if (g_jobs.lock == NULL)
  {
    return;
  }
  /* The jobs Orthanc still holds lose their Python objects now, while the
   * interpreter exists; their C state stays until Orthanc finalizes them.
   * The references are dropped after the list lock is released: a
   * __del__ may create a job, which takes that lock. */
  size_t count = 0;
  PyThread_acquire_lock(g_jobs.lock, WAIT_LOCK);
  for (JobState* job = g_jobs.live; job != NULL; job = job->next)
  {
    count += (job->object != NULL);
  }
  PyObject** objects = (count > 0) ? calloc(count, sizeof(PyObject*)) : NULL;
  size_t taken = 0;
  for (JobState* job = g_jobs.live; job != NULL && objects != NULL; job = job->next)
  {
    if (job->object != NULL)
    {
      objects[taken++] = job->object;
      job->object = NULL;
    }
  }
  PyThread_release_lock(g_jobs.lock);

  for (size_t i = 0; i < taken; i++)
  {
    Py_DECREF(objects[i]);
  }
  free(objects);
  if (taken > 0)
  {
    char message[128];
    snprintf(message, sizeof(message), "Shutdown: released the Python objects of %zu job(s) not yet freed", taken);
    OrthancPy_LogHoldingGil(ORTHANC_PY_LOG_WARNING, message);
  }
#endif
}
