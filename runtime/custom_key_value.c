/*
 * Key-value stores and queues (SDK 1.12.8+), with Python results instead of
 * the SDK's "found" flags:
 *
 *   GetKeyValue(storeId, key) -> bytes or None (no such key)
 *   DequeueValue(queueId, origin) -> bytes or None (empty queue)
 *   ReserveQueueValue(queueId, origin, releaseTimeout) -> (bytes or None, valueId)
 *     the value stays in the queue, hidden from other consumers, until
 *     AcknowledgeQueueValue(queueId, valueId) or the timeout (seconds).
 *
 * The other functions of these families (StoreKeyValue, DeleteKeyValue,
 * CreateKeysValuesIterator, EnqueueValue, GetQueueSize, ...) are generated.
 */
#include "runtime_internal.h"
#include "orthanc_convert.h"

#if ORTHANC_PY_HAS_OrthancPluginGetKeyValue || ORTHANC_PY_HAS_OrthancPluginDequeueValue || \
    ORTHANC_PY_HAS_OrthancPluginReserveQueueValue

/* Found flag + memory buffer -> bytes or None (new reference). */
static PyObject* FoundValue(OrthancPyStatus code, uint8_t found, OrthancPluginMemoryBuffer* buffer)
{
  if (code == ORTHANC_PY_SUCCESS && found)
  {
    return OrthancPy_BytesFromMemoryBuffer(buffer);
  }

  if (buffer->data != NULL)
  {
    /* Frees the SDK buffer; its content means nothing here. */
    PyObject* ignored = OrthancPy_BytesFromMemoryBuffer(buffer);
    Py_XDECREF(ignored);
    PyErr_Clear();
  }
  if (code != ORTHANC_PY_SUCCESS)
  {
    return OrthancPy_SetStatusError(code);
  }
  Py_RETURN_NONE;
}

#endif


#if ORTHANC_PY_HAS_OrthancPluginDequeueValue || ORTHANC_PY_HAS_OrthancPluginReserveQueueValue

static int ParseOrigin(PyObject* value, OrthancPluginQueueOrigin* origin)
{
  int64_t parsed = 0;
  if (OrthancPy_ArgToInt64(value, "origin", INT32_MIN, INT32_MAX, &parsed) < 0)
  {
    return -1;
  }
  *origin = (OrthancPluginQueueOrigin) parsed;
  return 0;
}

#endif


#if ORTHANC_PY_HAS_OrthancPluginGetKeyValue

PyObject* OrthancPyCustom_GetKeyValue(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  static char* keywords[] = { "storeId", "key", NULL };
  const char* storeId = NULL;
  const char* key = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "ss:GetKeyValue", keywords, &storeId, &key))
  {
    return NULL;
  }

  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPluginMemoryBuffer buffer = { NULL, 0 };
  uint8_t found = 0;
  OrthancPyStatus code;
  Py_BEGIN_ALLOW_THREADS
  code = OrthancPluginGetKeyValue(context, &found, &buffer, storeId, key);
  Py_END_ALLOW_THREADS
  return FoundValue(code, found, &buffer);
}

#endif


#if ORTHANC_PY_HAS_OrthancPluginDequeueValue

PyObject* OrthancPyCustom_DequeueValue(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  static char* keywords[] = { "queueId", "origin", NULL };
  const char* queueId = NULL;
  PyObject* originObject = NULL;
  OrthancPluginQueueOrigin origin;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "sO:DequeueValue", keywords, &queueId, &originObject) ||
      ParseOrigin(originObject, &origin) < 0)
  {
    return NULL;
  }

  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPluginMemoryBuffer buffer = { NULL, 0 };
  uint8_t found = 0;
  OrthancPyStatus code;
  /* Deprecated in SDK 1.12.10 for ReserveQueueValue, yet scripts use it. */
#if defined(__GNUC__) || defined(__clang__)
#  pragma GCC diagnostic push
#  pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
  Py_BEGIN_ALLOW_THREADS
  code = OrthancPluginDequeueValue(context, &found, &buffer, queueId, origin);
  Py_END_ALLOW_THREADS
#if defined(__GNUC__) || defined(__clang__)
#  pragma GCC diagnostic pop
#endif
  return FoundValue(code, found, &buffer);
}

#endif


#if ORTHANC_PY_HAS_OrthancPluginReserveQueueValue

PyObject* OrthancPyCustom_ReserveQueueValue(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  static char* keywords[] = { "queueId", "origin", "releaseTimeout", NULL };
  const char* queueId = NULL;
  PyObject* originObject = NULL;
  PyObject* timeoutObject = NULL;
  OrthancPluginQueueOrigin origin;
  uint64_t timeout = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "sOO:ReserveQueueValue", keywords,
                                   &queueId, &originObject, &timeoutObject) ||
      ParseOrigin(originObject, &origin) < 0 ||
      OrthancPy_ArgToUInt64(timeoutObject, "releaseTimeout", UINT32_MAX, &timeout) < 0)
  {
    return NULL;
  }

  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPluginMemoryBuffer buffer = { NULL, 0 };
  uint8_t found = 0;
  uint64_t valueId = 0;
  OrthancPyStatus code;
  Py_BEGIN_ALLOW_THREADS
  code = OrthancPluginReserveQueueValue(context, &found, &buffer, &valueId, queueId, origin, (uint32_t) timeout);
  Py_END_ALLOW_THREADS

  PyObject* value = FoundValue(code, found, &buffer);
  if (value == NULL)
  {
    return NULL;
  }
  return Py_BuildValue("(NK)", value, (unsigned long long) valueId);
}

#endif
