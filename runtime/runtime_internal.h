/*
 * Declarations shared by the hand-written runtime files only. The generated
 * code sees runtime/orthanc_python.h, never this header.
 *
 * Who owns the GIL: functions marked "GIL held" must be called by a thread
 * that holds it; "no GIL" functions must be called without it (they may
 * block on Orthanc or on other threads).
 */
#pragma once

#include "orthanc_python.h"

#include <stdarg.h>

#ifndef ORTHANC_PYTHON_PLUGIN_VERSION
#  define ORTHANC_PYTHON_PLUGIN_VERSION "mainline"
#endif

/* PyModule_AddObjectRef appeared in 3.10; the older PyModule_AddObject
 * steals a reference only on success, which makes error paths ambiguous. */
#if PY_VERSION_HEX < 0x030A0000
static inline int OrthancPy_AddObjectRef(PyObject* module, const char* name, PyObject* value)
{
  Py_INCREF(value);
  if (PyModule_AddObject(module, name, value) < 0)
  {
    Py_DECREF(value);
    return -1;
  }
  return 0;
}
#else
#  define OrthancPy_AddObjectRef PyModule_AddObjectRef
#endif


/* Status codes of the C callbacks. SDK releases before 0.9.4 have no
 * OrthancPluginErrorCode enumeration: their callbacks return an int32_t,
 * 0 for success. */
#ifdef ORTHANC_PY_HAS_ENUM_ErrorCode
typedef OrthancPluginErrorCode OrthancPyStatus;
#  define ORTHANC_PY_SUCCESS                      OrthancPluginErrorCode_Success
#  define ORTHANC_PY_ERROR_PLUGIN                 OrthancPluginErrorCode_Plugin
#  define ORTHANC_PY_ERROR_INTERNAL               OrthancPluginErrorCode_InternalError
#  define ORTHANC_PY_ERROR_NOT_ENOUGH_MEMORY      OrthancPluginErrorCode_NotEnoughMemory
#  define ORTHANC_PY_ERROR_BAD_SEQUENCE           OrthancPluginErrorCode_BadSequenceOfCalls
#  define ORTHANC_PY_ERROR_UNKNOWN_RESOURCE       OrthancPluginErrorCode_UnknownResource
#  define ORTHANC_PY_ERROR_PARAMETER_OUT_OF_RANGE OrthancPluginErrorCode_ParameterOutOfRange
#else
typedef int32_t OrthancPyStatus;
#  define ORTHANC_PY_SUCCESS                      0
#  define ORTHANC_PY_ERROR_PLUGIN                 (-1)
#  define ORTHANC_PY_ERROR_INTERNAL               (-1)
#  define ORTHANC_PY_ERROR_NOT_ENOUGH_MEMORY      (-1)
#  define ORTHANC_PY_ERROR_BAD_SEQUENCE           (-1)
#  define ORTHANC_PY_ERROR_UNKNOWN_RESOURCE       (-1)
#  define ORTHANC_PY_ERROR_PARAMETER_OUT_OF_RANGE (-1)
#endif

/* module.c: raises orthanc.OrthancException for a status; returns NULL.
 * OrthancPy_SetSdkError() where the SDK has error codes. */
PyObject* OrthancPy_SetStatusError(OrthancPyStatus status);


/* ---- log.c --------------------------------------------------------------- */

typedef enum
{
  ORTHANC_PY_LOG_INFO,
  ORTHANC_PY_LOG_WARNING,
  ORTHANC_PY_LOG_ERROR
} OrthancPyLogLevel;

/* No GIL (or the interpreter is not running). */
void OrthancPy_Log(OrthancPyLogLevel level, const char* message);
void OrthancPy_Logf(OrthancPyLogLevel level, const char* format, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 2, 3)))
#endif
  ;

/* GIL held: the GIL is released while Orthanc writes the entry. */
void OrthancPy_LogHoldingGil(OrthancPyLogLevel level, const char* message);

/* GIL held, an exception set: logs "<context>" followed by the formatted
 * traceback as one error entry, and clears the exception. */
void OrthancPy_LogPythonError(const char* context);

/* GIL held: the same for an exception object (borrowed), e.g. one that
 * Python code caught and returned. */
void OrthancPy_LogException(const char* context, PyObject* exception);

/* GIL held: the pending exception as one object (new reference, normalized,
 * its traceback attached; NULL when none is set), the error indicator
 * cleared. Hides the pre-3.12 type/value/traceback triple. */
PyObject* OrthancPy_TakeException(void);


/* ---- http_filter.c ------------------------------------------------------- */

/* What Orthanc tells the HTTP filters and the authentication callback about a
 * request; the pointers are Orthanc's, valid during the callback. */
typedef struct
{
  const char* ip;
  uint32_t headersCount;
  const char* const* headersKeys;
  const char* const* headersValues;
  uint32_t getCount;
  const char* const* getKeys;
  const char* const* getValues;
} OrthancPyRequestInfo;

/* GIL held: adds the keywords ip= (str), headers= and get= (dicts) to the
 * dict `kwargs` (borrowed); 0, or -1 with an exception. */
int OrthancPy_AddRequestKeywords(PyObject* kwargs, const OrthancPyRequestInfo* request);


/* ---- plugin.c ------------------------------------------------------------ */

/* Non-zero between a successful interpreter start-up and its shutdown.
 * Orthanc only calls back between Initialize and Finalize, so this is only
 * a guard against calls racing the shutdown. */
int OrthancPy_IsRunning(void);


/* ---- module.c ------------------------------------------------------------ */

/* Registers the `orthanc` module as a built-in, before Py_Initialize. */
int OrthancPyModule_RegisterBuiltin(void);

/* GIL held: drops the references the runtime keeps to module objects. */
void OrthancPyModule_Clear(void);


/* ---- convert.c ----------------------------------------------------------- */

/* New references; GIL held. */
PyObject* OrthancPy_HttpMethodName(OrthancPluginHttpMethod method);
PyObject* OrthancPy_DictFromPairs(uint32_t count, const char* const* keys, const char* const* values);
PyObject* OrthancPy_TupleFromStrings(uint32_t count, const char* const* values);

/* Moves an SDK memory buffer into a new bytes object and frees the buffer,
 * also on failure. */
PyObject* OrthancPy_BytesFromMemoryBuffer(OrthancPluginMemoryBuffer* buffer);

/* Raises TypeError unless `callback` is callable. Returns 0 or -1. */
int OrthancPy_CheckCallable(PyObject* callback, const char* what);

/* HTTP headers as the SDK takes them: parallel C arrays of UTF-8 keys and
 * values. GIL held. OrthancPy_HeadersFromMapping() accepts None or any
 * mapping of str to str; 0, or -1 with TypeError/ValueError set. The arrays
 * point into `items`, which keeps the strings alive while the GIL is
 * released; OrthancPy_ReleaseHeaders() frees everything (safe twice). */
typedef struct
{
  uint32_t count;
  const char** keys;     /* malloc'ed */
  const char** values;
  PyObject* items;       /* owned list of (key, value) */
} OrthancPyHeaders;

int OrthancPy_HeadersFromMapping(PyObject* mapping, OrthancPyHeaders* headers);
void OrthancPy_ReleaseHeaders(OrthancPyHeaders* headers);

/* New reference: the JSON object of answer headers that the SDK's HTTP calls
 * fill in, as a dict (empty if the buffer is). Frees the buffer. GIL held. */
PyObject* OrthancPy_DictFromJsonBuffer(OrthancPluginMemoryBuffer* buffer);

/* The answer of an HTTP request made through the SDK (CallRestApi,
 * HttpClient, CallPeerApi), filled in by Orthanc without the GIL. */
typedef struct
{
  OrthancPluginMemoryBuffer body;
  OrthancPluginMemoryBuffer headers;
  uint16_t status;
} OrthancPyHttpAnswer;

#define ORTHANC_PY_HTTP_ANSWER_INIT { { NULL, 0 }, { NULL, 0 }, 0 }

/* GIL held. Frees both buffers of `answer`. When the request failed (`code`)
 * -1 with orthanc.OrthancException, unless `keepHttpErrors` and an HTTP
 * status came back (the HTTP error is then an answer like any other);
 * otherwise 0 with new references to the body (bytes) and the headers
 * (dict) in *body and *headers, or -1 with an exception (both NULL). */
int OrthancPy_TakeHttpAnswer(OrthancPluginErrorCode code, int keepHttpErrors, OrthancPyHttpAnswer* answer,
                             PyObject** body, PyObject** headers);

/* New reference to the keyword arguments a REST callback receives (method,
 * groups, headers, get for GET, body for POST/PUT). GIL held. */
PyObject* OrthancPyRest_BuildKeywords(const OrthancPluginHttpRequest* request);

/* ---- callback_lists.c ------------------------------------------------------ */

/* Registers one C callback with Orthanc (called without the GIL). */
typedef OrthancPyStatus (*OrthancPyRegistration)(OrthancPluginContext* context);

/* GIL held. The whole of orthanc.RegisterXxx(callback) for the kinds where
 * several Python callbacks share one C callback: parses `callback` with
 * `format` ("O:RegisterXxx"), calls `registration` the first time (when
 * *list is NULL), then appends the callback to *list (an owned list).
 * New reference to None, or NULL with an exception set. */
PyObject* OrthancPy_AddListedCallback(PyObject* args, PyObject* kwargs, const char* format, PyObject** list,
                                      OrthancPyRegistration registration);


/* ---- dispatch.c ---------------------------------------------------------- */

/* Body of a callback, run with the GIL held on a thread that has a large
 * enough C stack for arbitrary Python code. */
typedef OrthancPyStatus (*OrthancPyCallbackBody)(void* payload);

/* GIL held. `workerThreads`: run callback bodies on Python-owned threads
 * with a large stack instead of Orthanc's threads (whose stacks can be too
 * small for the C stack checks of Python 3.12+). `displayMemoryUsage`: log
 * the allocated blocks after each callback. */
int OrthancPyDispatch_Start(int workerThreads, int displayMemoryUsage);

/* GIL held; waits (GIL released) for the worker threads to exit, bounded by
 * the stop's grace period (gate.c). -1 if a worker still runs a callback. */
int OrthancPyDispatch_Stop(void);

/* No GIL: called by the C callbacks that Orthanc invokes. */
OrthancPyStatus OrthancPy_RunCallback(OrthancPyCallbackBody body, void* payload);

/* GIL held: starts a thread with a large C stack that runs `function(arg)`.
 * The thread is marked as able to run callback bodies directly. Returns 0
 * or -1 with an exception set. */
int OrthancPy_StartThread(void (*function)(void*), void* arg);

/* Called first by a thread started with OrthancPy_StartThread, GIL held. */
void OrthancPyDispatch_MarkCurrentThread(void);


/* ---- rest.c / changes.c / stored_instance.c / http_filter.c ------------- */

/* GIL held, at shutdown: forget the Python callbacks. */
void OrthancPyRest_Clear(void);
void OrthancPyStoredInstance_Clear(void);
void OrthancPyHttpFilter_Clear(void);
void OrthancPyExplorer_Clear(void);
void OrthancPyChunkedRest_Clear(void);   /* chunked_rest.c */

/* GIL held, at shutdown: delivers the queued changes, then stops the
 * worker thread (waiting for it with the GIL released, bounded by the
 * stop's grace period). -1 if the thread still runs a callback. */
int OrthancPyChanges_Stop(void);

/* No GIL: waits, bounded by the stop's grace period, until the queued
 * changes have been delivered to Python. */
void OrthancPyChanges_WaitDelivered(void);


/* ---- storage_area.c / dicom_*.c / received_instance.c / cstore_filter.c /
 *      dicom_instance_filter.c / metrics.c / storage_commitment.c --------- */

/* GIL held, at shutdown: forget the Python callbacks (the C callbacks stay
 * registered with Orthanc until it unloads the plugin, and find none). */
void OrthancPyStorageArea_Clear(void);
void OrthancPyDicomFind_Clear(void);
void OrthancPyDicomMove_Clear(void);
void OrthancPyReceivedInstance_Clear(void);
void OrthancPyCStoreFilter_Clear(void);
void OrthancPyDicomInstanceFilter_Clear(void);
void OrthancPyMetrics_Clear(void);
void OrthancPyStorageCommitment_Clear(void);

/* image_codecs.c / webdav.c / http_auth.c: GIL held, at shutdown: forget the
 * decoders and transcoders, the WebDAV collections, the authentication
 * callback and the audit log handlers. */
void OrthancPyImageCodecs_Clear(void);
void OrthancPyWebDav_Clear(void);
void OrthancPyHttpAuth_Clear(void);


/* ---- jobs.c -------------------------------------------------------------- */

/* GIL held, at shutdown (after the dispatcher stopped): forgets the
 * unserializers and drops the Python objects of the jobs Orthanc still
 * holds; their later callbacks fail cleanly without Python. */
void OrthancPyJobs_Clear(void);


/* ---- log_stream.c -------------------------------------------------------- */

/* GIL held: sys.stdout -> Orthanc's warning log, sys.stderr -> error log. */
int OrthancPyLogStream_Install(void);
void OrthancPyLogStream_Clear(void);

/* ---- child_processes.c ---------------------------------------------------- */

/* GIL held: multiprocessing's default start method (fork), forked children
 * (signals, plain streams when `outputToLog`), spawned children (a stand-in
 * orthanc module), pools whose workers die. 0, or -1 after logging. */
int OrthancPyChildProcesses_Setup(int outputToLog);

/* ---- gate.c: every entry into Orthanc (stop, reset, fork safety) ---------- */

/* Called by OrthancPluginInitialize on its thread (which may call Orthanc
 * before it has started): OrthancPy_GetContext() returns a copy of `real`
 * whose InvokeService passes the gate (`gated` = 0: Orthanc's context as
 * is, for measuring the gate's cost). _InitializeDone when it returns. */
void OrthancPyGate_Init(OrthancPluginContext* real, int gated);
void OrthancPyGate_InitializeDone(void);
void OrthancPyGate_SetGracePeriod(double seconds);

/* ORTHANC_STARTED: calls from every thread pass. */
void OrthancPyGate_Open(void);

/* No GIL. ORTHANC_STOPPED or finalization, first call only: starts the
 * grace period, waits for Python's on-change callbacks, closes the gate
 * (calls other than logging fail with "Orthanc is stopping"), and waits for
 * the calls inside Orthanc, all bounded by the grace period. */
void OrthancPyGate_Close(const char* why);

/* End of OrthancPluginFinalize: nothing passes any more. */
void OrthancPyGate_Finish(void);

/* Closes the gate for good in a process forked by the script: every call
 * fails with "orthanc functions cannot be called in a child process". Any
 * thread, no GIL needed; installed as os.register_at_fork(after_in_child)
 * by OrthancPyGate_InstallForkHook (GIL held, after Py_Initialize). */
void OrthancPyGate_CloseInChild(void);
int OrthancPyGate_InstallForkHook(void);
int OrthancPyGate_InChild(void);

/* Around each callback body (dispatch.c): Orthanc calling us proves it can
 * serve calls, also before ORTHANC_STARTED. */
void OrthancPyGate_EnterCallback(void);
void OrthancPyGate_LeaveCallback(void);

/* The reason the gate refused the last call of this thread, or NULL; clears
 * it (the error functions of module.c use it for their message). */
const char* OrthancPyGate_TakeRefusal(void);

/* Seconds left of the grace period (0 when over), -1 when not stopping. */
double OrthancPyGate_Remaining(void);
int OrthancPyGate_PastDeadline(void);

/* Timeout (microseconds) of a wait for a thread to exit at stop: what is
 * left of the grace period, at least 1 s; -1 (no bound) when not stopping. */
PY_TIMEOUT_T OrthancPyGate_StopTimeout(void);

/* No GIL: logs the stack of every thread running Python, once per stop. */
void OrthancPyGate_LogThreadsOnce(const char* context);

/* GIL held, at shutdown: runs threading's exit hooks, waits for the other
 * Python threads until the grace period ends, then raises SystemExit in
 * them and waits a little more. -1 (tracebacks logged) if some still run. */
int OrthancPyGate_EndPythonThreads(void);

/* GIL held: the interpreter will not be finalized; keeps this library in
 * memory (threads still run its code). _LeftRunning: that happened. */
void OrthancPyGate_LeaveRunning(void);
int OrthancPyGate_LeftRunning(void);

/* versions.c: which Orthanc runs the plugin (see runtime/README.md, "Orthanc releases").
 * _Check: at OrthancPluginInitialize(), before anything else; -1 (logged) below the floor.
 * _AddToModule: orthanc.GetOrthancVersion() and orthanc.SDK_VERSION. GIL held. */
int OrthancPyVersions_Check(OrthancPluginContext* context);
int OrthancPyVersions_AddToModule(PyObject* module);
