/*
 * Orthanc as an HTTP client, for Python:
 *
 *   orthanc.HttpClient(method, url, headers=None, body=None, username=None, password=None,
 *                      timeout=0, certificateFile=None, certificateKeyFile=None,
 *                      certificateKeyPassword=None, pkcs11=False)
 *       -> (status: int, headers: dict, body: bytes)
 *   orthanc.CallPeerApi(peer, method, uri, headers=None, body=None, timeout=0)
 *   Peers.CallPeerApi(peerIndex, method, uri, headers=None, body=None, timeout=0)
 *       -> (status, headers, body)
 *   orthanc.ChunkedHttpClient(method, url, headers=None, body=None, answer=None, ... as HttpClient)
 *       -> (status, headers, body)
 *   RestOutput.SendMultipartItem2(body, headers)
 *
 * `method` is an orthanc.HttpMethod or its name ("GET", "post", ...).
 *
 * HTTP errors are answers, not exceptions: Orthanc sets the status, then
 * reports the error code of the status (404 -> UnknownResource, ...) without
 * the answer's body and headers. Such a call returns (status, {}, b""); only
 * a call that got no HTTP answer at all (connection refused, timeout, bad
 * certificate: status 0) raises orthanc.OrthancException.
 *
 * ChunkedHttpClient streams both ways: the request body is any iterable of
 * bytes-like chunks (or one bytes-like object), pulled one chunk at a time
 * while Orthanc sends; the answer goes chunk by chunk to answer(chunk) if
 * given (the returned body is then b""), else it is collected. The
 * callbacks run on the calling thread, which gets the GIL back for them; an
 * exception they raise stops the transfer and is re-raised by
 * ChunkedHttpClient itself.
 */
#include "orthanc_convert.h"
#include "runtime_internal.h"

#include <string.h>

#if ORTHANC_PY_HAS_OrthancPluginHttpClient || ORTHANC_PY_HAS_OrthancPluginCallPeerApi || \
  ORTHANC_PY_HAS_OrthancPluginChunkedHttpClient

/* GIL held. An orthanc.HttpMethod (int) or its name, case-insensitive. 0 or -1 with an exception. */
static int MethodFromObject(PyObject* value, OrthancPluginHttpMethod* method)
{
  if (PyUnicode_Check(value))
  {
    static const struct { const char* name; OrthancPluginHttpMethod method; } names[] = {
      { "GET", OrthancPluginHttpMethod_Get }, { "POST", OrthancPluginHttpMethod_Post },
      { "PUT", OrthancPluginHttpMethod_Put }, { "DELETE", OrthancPluginHttpMethod_Delete } };
    PyObject* upper = PyObject_CallMethod(value, "upper", NULL);
    const char* text = (upper != NULL) ? PyUnicode_AsUTF8(upper) : NULL;
    int found = 0;
    for (size_t i = 0; text != NULL && i < sizeof(names) / sizeof(names[0]); i++)
    {
      if (strcmp(text, names[i].name) == 0)
      {
        *method = names[i].method;
        found = 1;
      }
    }
    Py_XDECREF(upper);
    if (text == NULL)
    {
      return -1;
    }
    if (!found)
    {
      PyErr_Format(PyExc_ValueError, "method must be GET, POST, PUT or DELETE, not %R", value);
      return -1;
    }
    return 0;
  }

  int64_t number = 0;
  if (OrthancPy_ArgToInt64(value, "method", OrthancPluginHttpMethod_Get, OrthancPluginHttpMethod_Delete,
                           &number) < 0)
  {
    return -1;
  }
  *method = (OrthancPluginHttpMethod) number;
  return 0;
}


/* GIL held. Timeout in seconds, 0 for Orthanc's default ("HttpTimeout"). */
static int TimeoutFromObject(PyObject* value, uint32_t* timeout)
{
  uint64_t seconds = 0;
  if (value != NULL && OrthancPy_ArgToUInt64(value, "timeout", UINT32_MAX, &seconds) < 0)
  {
    return -1;
  }
  *timeout = (uint32_t) seconds;
  return 0;
}


/* New reference to (status, headers, body); steals nothing. */
static PyObject* BuildAnswer(uint16_t status, PyObject* headers, PyObject* body)
{
  return Py_BuildValue("(iOO)", (int) status, headers, body);
}


/* GIL held. The outcome of a call that may have got an HTTP error: the answer if an HTTP
 * status came back, else orthanc.OrthancException. Frees both buffers. */
static PyObject* AnswerFromBuffers(OrthancPluginErrorCode code, OrthancPyHttpAnswer* answer)
{
  PyObject* body = NULL;
  PyObject* headers = NULL;
  if (OrthancPy_TakeHttpAnswer(code, 1, answer, &body, &headers) < 0)
  {
    return NULL;
  }
  PyObject* result = BuildAnswer(answer->status, headers, body);
  Py_DECREF(body);
  Py_DECREF(headers);
  return result;
}


/* The arguments common to HttpClient and ChunkedHttpClient. */
typedef struct
{
  OrthancPluginHttpMethod method;
  const char* url;                /* these strings point into the call's arguments */
  const char* username;
  const char* password;
  uint32_t timeout;
  const char* certificateFile;
  const char* certificateKeyFile;
  const char* certificateKeyPassword;
  int pkcs11;
  OrthancPyHeaders headers;
} ClientOptions;


/* GIL held. Checks and converts the options; 0 or -1 with an exception (nothing to release). */
static int ConvertOptions(ClientOptions* options, PyObject* method, PyObject* headers, PyObject* timeout)
{
  if (MethodFromObject(method, &options->method) < 0 || TimeoutFromObject(timeout, &options->timeout) < 0)
  {
    return -1;
  }
  if ((options->username == NULL) != (options->password == NULL))
  {
    PyErr_SetString(PyExc_ValueError, "username and password go together: give both or neither");
    return -1;
  }
  if (options->certificateFile == NULL && (options->certificateKeyFile != NULL ||
                                           options->certificateKeyPassword != NULL))
  {
    PyErr_SetString(PyExc_ValueError, "certificateKeyFile and certificateKeyPassword need certificateFile");
    return -1;
  }
  return OrthancPy_HeadersFromMapping(headers, &options->headers);
}

#endif


#if ORTHANC_PY_HAS_OrthancPluginHttpClient

PyObject* OrthancPyCustom_HttpClient(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  static char* keywords[] = { "method", "url", "headers", "body", "username", "password", "timeout",
                              "certificateFile", "certificateKeyFile", "certificateKeyPassword", "pkcs11",
                              NULL };
  ClientOptions options;
  memset(&options, 0, sizeof(options));
  PyObject* method = NULL;
  PyObject* headers = NULL;
  PyObject* timeout = NULL;
  Py_buffer body = { 0 };
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "Os|Oz*zzOzzzp:HttpClient", keywords, &method, &options.url,
                                   &headers, &body, &options.username, &options.password, &timeout,
                                   &options.certificateFile, &options.certificateKeyFile,
                                   &options.certificateKeyPassword, &options.pkcs11))
  {
    return NULL;
  }
  if (OrthancPy_CheckBufferSize(&body, "body", UINT32_MAX) < 0 ||
      ConvertOptions(&options, method, headers, timeout) < 0)
  {
    PyBuffer_Release(&body);
    return NULL;
  }

  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPyHttpAnswer answer = ORTHANC_PY_HTTP_ANSWER_INIT;
  OrthancPluginErrorCode code;
  Py_BEGIN_ALLOW_THREADS
  code = OrthancPluginHttpClient(context, &answer.body, &answer.headers, &answer.status, options.method,
                                 options.url, options.headers.count, options.headers.keys, options.headers.values,
                                 body.buf, (uint32_t) body.len, options.username, options.password,
                                 options.timeout, options.certificateFile, options.certificateKeyFile,
                                 options.certificateKeyPassword, (uint8_t) (options.pkcs11 ? 1 : 0));
  Py_END_ALLOW_THREADS
  OrthancPy_ReleaseHeaders(&options.headers);
  PyBuffer_Release(&body);
  return AnswerFromBuffers(code, &answer);
}

#endif


#if ORTHANC_PY_HAS_OrthancPluginCallPeerApi && ORTHANC_PY_HAS_OrthancPluginGetPeers && \
  ORTHANC_PY_HAS_OrthancPluginGetPeersCount && ORTHANC_PY_HAS_OrthancPluginGetPeerName

/* GIL held. The call itself, once the peer is known. */
static PyObject* CallPeer(const OrthancPluginPeers* peers, uint32_t index, PyObject* method, const char* uri,
                          PyObject* headers, Py_buffer* body, PyObject* timeout)
{
  OrthancPluginHttpMethod httpMethod;
  uint32_t seconds = 0;
  OrthancPyHeaders converted;
  if (MethodFromObject(method, &httpMethod) < 0 || TimeoutFromObject(timeout, &seconds) < 0 ||
      OrthancPy_CheckBufferSize(body, "body", UINT32_MAX) < 0 ||
      OrthancPy_HeadersFromMapping(headers, &converted) < 0)
  {
    return NULL;
  }

  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPyHttpAnswer answer = ORTHANC_PY_HTTP_ANSWER_INIT;
  OrthancPluginErrorCode code;
  Py_BEGIN_ALLOW_THREADS
  code = OrthancPluginCallPeerApi(context, &answer.body, &answer.headers, &answer.status, peers, index, httpMethod,
                                  uri, converted.count, converted.keys, converted.values, body->buf,
                                  (uint32_t) body->len, seconds);
  Py_END_ALLOW_THREADS
  OrthancPy_ReleaseHeaders(&converted);
  return AnswerFromBuffers(code, &answer);
}


/* GIL held. The index of `peer` (a name of "OrthancPeers", or an index) among `peers`;
 * 0 or -1 with ValueError/TypeError. */
static int FindPeer(const OrthancPluginPeers* peers, PyObject* peer, uint32_t* index)
{
  OrthancPluginContext* context = OrthancPy_GetContext();
  uint32_t count;
  Py_BEGIN_ALLOW_THREADS
  count = OrthancPluginGetPeersCount(context, peers);
  Py_END_ALLOW_THREADS

  if (!PyUnicode_Check(peer))
  {
    uint64_t number = 0;
    if (OrthancPy_ArgToUInt64(peer, "peer", UINT32_MAX, &number) < 0)
    {
      return -1;
    }
    if (number >= count)
    {
      PyErr_Format(PyExc_ValueError, "there is no peer %llu: \"OrthancPeers\" has %u", (unsigned long long) number,
                   (unsigned) count);
      return -1;
    }
    *index = (uint32_t) number;
    return 0;
  }

  const char* wanted = PyUnicode_AsUTF8(peer);
  if (wanted == NULL)
  {
    return -1;
  }
  for (uint32_t i = 0; i < count; i++)
  {
    const char* name;
    Py_BEGIN_ALLOW_THREADS
    name = OrthancPluginGetPeerName(context, peers, i);   /* owned by `peers` */
    Py_END_ALLOW_THREADS
    if (name != NULL && strcmp(name, wanted) == 0)
    {
      *index = i;
      return 0;
    }
  }
  PyErr_Format(PyExc_ValueError, "no peer named %R in \"OrthancPeers\"", peer);
  return -1;
}


/* The arguments of both CallPeerApi forms (the module function names the peer
 * "peer", the Peers method "peerIndex"); the objects are borrowed from the
 * call's arguments, `body` is held until PeerCallEnd. */
typedef struct
{
  PyObject* peer;
  PyObject* method;
  const char* uri;
  PyObject* headers;
  Py_buffer body;
  PyObject* timeout;
} PeerCallArgs;


/* GIL held: 0, or -1 with TypeError (nothing held). */
static int ParsePeerCallArgs(PyObject* args, PyObject* kwargs, char** keywords, PeerCallArgs* call)
{
  memset(call, 0, sizeof(*call));
  return PyArg_ParseTupleAndKeywords(args, kwargs, "OOs|Oz*O:CallPeerApi", keywords, &call->peer, &call->method,
                                     &call->uri, &call->headers, &call->body, &call->timeout) ? 0 : -1;
}


/* GIL held: finds the peer among `peers` (NULL when they could not be had,
 * an exception set) and calls it; releases the body in every case. */
static PyObject* PeerCallEnd(const OrthancPluginPeers* peers, PeerCallArgs* call)
{
  uint32_t index = 0;
  PyObject* result = NULL;
  if (peers != NULL && FindPeer(peers, call->peer, &index) == 0)
  {
    result = CallPeer(peers, index, call->method, call->uri, call->headers, &call->body, call->timeout);
  }
  PyBuffer_Release(&call->body);
  return result;
}


PyObject* OrthancPyCustom_CallPeerApi(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  static char* keywords[] = { "peer", "method", "uri", "headers", "body", "timeout", NULL };
  PeerCallArgs call;
  if (ParsePeerCallArgs(args, kwargs, keywords, &call) < 0)
  {
    return NULL;
  }

  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPluginPeers* peers;
  Py_BEGIN_ALLOW_THREADS
  peers = OrthancPluginGetPeers(context);
  Py_END_ALLOW_THREADS
  if (peers == NULL)
  {
    PyBuffer_Release(&call.body);
    return OrthancPy_SetNullResultError("OrthancPluginGetPeers");
  }

  PyObject* result = PeerCallEnd(peers, &call);
  Py_BEGIN_ALLOW_THREADS
  OrthancPluginFreePeers(context, peers);
  Py_END_ALLOW_THREADS
  return result;
}


PyObject* OrthancPyCustom_PeersCallPeerApi(PyObject* self, PyObject* args, PyObject* kwargs)
{
  static char* keywords[] = { "peerIndex", "method", "uri", "headers", "body", "timeout", NULL };
  PeerCallArgs call;
  if (ParsePeerCallArgs(args, kwargs, keywords, &call) < 0)
  {
    return NULL;
  }
  /* `self` keeps the Peers object, hence the handle, alive during the call;
   * NULL (with an exception) when it has none. */
  const OrthancPluginPeers* peers = OrthancPy_GetHandle(self, ORTHANC_PY_CLASS_Peers);
  return PeerCallEnd(peers, &call);
}

#endif


#if ORTHANC_PY_HAS_OrthancPluginChunkedHttpClient

/* State of one ChunkedHttpClient call, shared with Orthanc's callbacks, which run on the
 * calling thread while it waits without the GIL. */
typedef struct
{
  PyObject* iterator;     /* owned; NULL when the body is one buffer or none */
  Py_buffer chunk;        /* the current request chunk (chunk.obj != NULL while held) */
  int requestDone;
  PyObject* answer;       /* borrowed: the answer(chunk) callable, or NULL to collect */
  PyObject* collected;    /* owned list of answer chunks when there is no callable */
  PyObject* headers;      /* owned dict of answer headers */
  PyObject* error;        /* owned: the first Python exception of a callback */
} ChunkedCall;


/* GIL held: keeps the pending exception to re-raise it after the SDK call. */
static void KeepError(ChunkedCall* call)
{
  PyObject* error = OrthancPy_TakeException();   /* owned, kept in call->error */
  if (call->error == NULL)
  {
    call->error = error;
  }
  else
  {
    Py_XDECREF(error);
  }
}


/* GIL held. Moves to the next non-empty request chunk, or marks the body done. */
static int AdvanceRequest(ChunkedCall* call)
{
  if (call->chunk.obj != NULL)
  {
    PyBuffer_Release(&call->chunk);
    memset(&call->chunk, 0, sizeof(call->chunk));
  }
  if (call->iterator == NULL)
  {
    call->requestDone = 1;
    return 0;
  }
  for (;;)
  {
    PyObject* item = PyIter_Next(call->iterator);
    if (item == NULL)
    {
      call->requestDone = 1;
      return PyErr_Occurred() ? -1 : 0;
    }
    if (PyObject_GetBuffer(item, &call->chunk, PyBUF_SIMPLE) < 0)
    {
      PyErr_Format(PyExc_TypeError, "the chunks of body must be bytes-like, not %.100s", Py_TYPE(item)->tp_name);
      Py_DECREF(item);
      memset(&call->chunk, 0, sizeof(call->chunk));
      call->requestDone = 1;
      return -1;
    }
    Py_DECREF(item);   /* the buffer holds its own reference to the object */
    if ((uint64_t) call->chunk.len > UINT32_MAX)
    {
      PyErr_SetString(PyExc_ValueError, "a chunk of body is larger than 4 GiB");
      call->requestDone = 1;
      return -1;
    }
    if (call->chunk.len > 0)
    {
      return 0;
    }
    /* Empty chunks carry nothing; skip them rather than hand Orthanc zero-length reads. */
    PyBuffer_Release(&call->chunk);
    memset(&call->chunk, 0, sizeof(call->chunk));
  }
}


static uint8_t RequestIsDone(void* request)
{
  const ChunkedCall* call = request;
  return call->requestDone ? 1 : 0;
}


static const void* RequestChunkData(void* request)
{
  const ChunkedCall* call = request;
  return call->chunk.buf;
}


static uint32_t RequestChunkSize(void* request)
{
  const ChunkedCall* call = request;
  return (uint32_t) call->chunk.len;
}


static OrthancPluginErrorCode RequestNext(void* request)
{
  ChunkedCall* call = request;
  PyGILState_STATE state = PyGILState_Ensure();
  int failed = AdvanceRequest(call) < 0;
  if (failed)
  {
    KeepError(call);
  }
  PyGILState_Release(state);
  return failed ? OrthancPluginErrorCode_Plugin : OrthancPluginErrorCode_Success;
}


static OrthancPluginErrorCode AnswerAddHeader(void* answer, const char* key, const char* value)
{
  ChunkedCall* call = answer;
  PyGILState_STATE state = PyGILState_Ensure();
  PyObject* keyObject = OrthancPy_StringFromSdk(key);
  PyObject* valueObject = (keyObject != NULL) ? OrthancPy_StringFromSdk(value) : NULL;
  int failed = (valueObject == NULL || PyDict_SetItem(call->headers, keyObject, valueObject) < 0);
  Py_XDECREF(keyObject);
  Py_XDECREF(valueObject);
  if (failed)
  {
    KeepError(call);
  }
  PyGILState_Release(state);
  return failed ? OrthancPluginErrorCode_Plugin : OrthancPluginErrorCode_Success;
}


static OrthancPluginErrorCode AnswerAddChunk(void* answer, const void* data, uint32_t size)
{
  ChunkedCall* call = answer;
  PyGILState_STATE state = PyGILState_Ensure();
  int failed = 1;
  if (call->error == NULL)
  {
    PyObject* chunk = OrthancPy_BytesFromSdk(data, size);
    if (chunk != NULL)
    {
      if (call->answer != NULL)
      {
        /* PyObject_CallOneArg() is 3.9+. */
        PyObject* result = PyObject_CallFunctionObjArgs(call->answer, chunk, NULL);
        failed = (result == NULL);
        Py_XDECREF(result);
      }
      else
      {
        failed = PyList_Append(call->collected, chunk) < 0;
      }
      Py_DECREF(chunk);
    }
    if (failed)
    {
      KeepError(call);
    }
  }
  PyGILState_Release(state);
  return failed ? OrthancPluginErrorCode_Plugin : OrthancPluginErrorCode_Success;
}


/* GIL held. Prepares the request body: one buffer, an iterable of buffers, or None. */
static int StartRequest(ChunkedCall* call, PyObject* body)
{
  if (body == NULL || body == Py_None)
  {
    call->requestDone = 1;
    return 0;
  }
  if (PyObject_CheckBuffer(body))
  {
    if (PyObject_GetBuffer(body, &call->chunk, PyBUF_SIMPLE) < 0)
    {
      return -1;
    }
    if ((uint64_t) call->chunk.len > UINT32_MAX)
    {
      PyErr_SetString(PyExc_ValueError, "body is larger than 4 GiB: give it as an iterable of chunks");
      return -1;
    }
    call->requestDone = (call->chunk.len == 0);
    return 0;
  }
  if (PyUnicode_Check(body))
  {
    PyErr_SetString(PyExc_TypeError, "body must be bytes-like or an iterable of bytes-like chunks, not str");
    return -1;
  }
  call->iterator = PyObject_GetIter(body);
  if (call->iterator == NULL)
  {
    PyErr_Format(PyExc_TypeError, "body must be bytes-like or an iterable of bytes-like chunks, not %.100s",
                 Py_TYPE(body)->tp_name);
    return -1;
  }
  return AdvanceRequest(call);
}


/* GIL held. The transfer itself; a new reference to the answer, or NULL with an exception. */
static PyObject* Transfer(ChunkedCall* call, const ClientOptions* options)
{
  PyObject* result = NULL;
  OrthancPluginContext* context = OrthancPy_GetContext();
  uint16_t status = 0;
  OrthancPluginErrorCode code;
  /* Orthanc calls the callbacks above from this thread, which take the GIL back. */
  Py_BEGIN_ALLOW_THREADS
  code = OrthancPluginChunkedHttpClient(context, call, AnswerAddChunk, AnswerAddHeader, &status, options->method,
                                        options->url, options->headers.count, options->headers.keys,
                                        options->headers.values, call, RequestIsDone, RequestChunkData,
                                        RequestChunkSize, RequestNext, options->username, options->password,
                                        options->timeout, options->certificateFile, options->certificateKeyFile,
                                        options->certificateKeyPassword, (uint8_t) (options->pkcs11 ? 1 : 0));
  Py_END_ALLOW_THREADS

  if (call->error != NULL)
  {
#if PY_VERSION_HEX >= 0x030C0000
    PyErr_SetRaisedException(call->error);    /* steals */
#else
    Py_INCREF(Py_TYPE(call->error));
    PyErr_Restore((PyObject*) Py_TYPE(call->error), call->error, PyException_GetTraceback(call->error));  /* steal */
#endif
    call->error = NULL;
  }
  else if (code != OrthancPluginErrorCode_Success && status == 0)
  {
    OrthancPy_SetSdkError(code);
  }
  else
  {
    PyObject* answerBody = PyBytes_FromStringAndSize("", 0);
    if (answerBody != NULL && call->collected != NULL)
    {
      PyObject* joined = PyObject_CallMethod(answerBody, "join", "O", call->collected);
      Py_DECREF(answerBody);
      answerBody = joined;
    }
    if (answerBody != NULL)
    {
      result = BuildAnswer(status, call->headers, answerBody);
      Py_DECREF(answerBody);
    }
  }
  return result;
}


PyObject* OrthancPyCustom_ChunkedHttpClient(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  static char* keywords[] = { "method", "url", "headers", "body", "answer", "username", "password", "timeout",
                              "certificateFile", "certificateKeyFile", "certificateKeyPassword", "pkcs11",
                              NULL };
  ClientOptions options;
  memset(&options, 0, sizeof(options));
  PyObject* method = NULL;
  PyObject* headers = NULL;
  PyObject* body = NULL;
  PyObject* answer = NULL;
  PyObject* timeout = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "Os|OOOzzOzzzp:ChunkedHttpClient", keywords, &method,
                                   &options.url, &headers, &body, &answer, &options.username, &options.password,
                                   &timeout, &options.certificateFile, &options.certificateKeyFile,
                                   &options.certificateKeyPassword, &options.pkcs11))
  {
    return NULL;
  }
  if (answer == Py_None)
  {
    answer = NULL;
  }
  if ((answer != NULL && OrthancPy_CheckCallable(answer, "answer") < 0) ||
      ConvertOptions(&options, method, headers, timeout) < 0)
  {
    return NULL;
  }

  ChunkedCall call;
  memset(&call, 0, sizeof(call));
  call.answer = answer;
  call.headers = PyDict_New();
  call.collected = (answer == NULL) ? PyList_New(0) : NULL;
  PyObject* result = NULL;
  if (call.headers != NULL && (answer != NULL || call.collected != NULL) && StartRequest(&call, body) == 0)
  {
    result = Transfer(&call, &options);
  }

  OrthancPy_ReleaseHeaders(&options.headers);
  if (call.chunk.obj != NULL)
  {
    PyBuffer_Release(&call.chunk);
  }
  Py_XDECREF(call.iterator);
  Py_XDECREF(call.collected);
  Py_XDECREF(call.headers);
  Py_XDECREF(call.error);
  return result;
}

#endif


#if ORTHANC_PY_HAS_OrthancPluginSendMultipartItem2

PyObject* OrthancPyCustom_SendMultipartItem2(PyObject* self, PyObject* args, PyObject* kwargs)
{
  static char* keywords[] = { "answer", "headers", NULL };
  Py_buffer answer = { 0 };
  PyObject* mapping = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "s*|O:SendMultipartItem2", keywords, &answer, &mapping))
  {
    return NULL;
  }
  OrthancPyHeaders headers;
  OrthancPluginRestOutput* output = OrthancPy_GetHandle(self, ORTHANC_PY_CLASS_RestOutput);
  if (output == NULL || OrthancPy_CheckBufferSize(&answer, "answer", UINT32_MAX) < 0 ||
      OrthancPy_HeadersFromMapping(mapping, &headers) < 0)
  {
    PyBuffer_Release(&answer);
    return NULL;
  }

  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPluginErrorCode code;
  Py_BEGIN_ALLOW_THREADS
  code = OrthancPluginSendMultipartItem2(context, output, answer.buf, (uint32_t) answer.len, headers.count,
                                         headers.keys, headers.values);
  Py_END_ALLOW_THREADS
  OrthancPy_ReleaseHeaders(&headers);
  PyBuffer_Release(&answer);

  if (code != OrthancPluginErrorCode_Success)
  {
    return OrthancPy_SetSdkError(code);
  }
  Py_RETURN_NONE;
}

#endif
