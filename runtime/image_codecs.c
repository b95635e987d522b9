/*
 * Image decoders and DICOM transcoders written in Python.
 *
 *   RegisterDecodeImageCallback(cb)   cb(dicom: bytes, frame_index: int) -> Image or None
 *   RegisterTranscoderCallback(cb)    cb(dicom: bytes, allowed_syntaxes: tuple[str, ...],
 *                                        allow_new_sop_instance_uid: bool) -> bytes or None
 *
 * Orthanc keeps a list of decoders and one of transcoders and asks each in
 * turn until one succeeds, then falls back to its built-in DCMTK code (or
 * asks it first: "BuiltinDecoderTranscoderOrder"). So several Python
 * callbacks may be registered: they share one C callback, which asks them in
 * registration order; the first result that is not None wins. An exception
 * is logged with its traceback and the next callback is asked; when no
 * callback answers, the C callback reports a failure and Orthanc goes on with
 * its own decoder or transcoder, or answers the error to the client.
 *
 * A decoder's Image is handed over to Orthanc, which frees it: the Python
 * object is emptied (using it afterwards raises ValueError), so a decoder
 * returns a new image each time (CreateImage, CreateImageFromBuffer,
 * DecodeDicomImage ...).
 */
#include "runtime_internal.h"
#include "callback_results.h"

static PyObject* g_decoders = NULL;      /* list, GIL-protected */
static PyObject* g_transcoders = NULL;   /* list, GIL-protected */


/* GIL held: a tuple copy of a callback list, so that a callback may register
 * another one while the list is walked. New reference or NULL. */
static PyObject* Snapshot(PyObject* list)
{
  return (list != NULL) ? PySequence_Tuple(list) : PyTuple_New(0);
}


/* ---- Decoders ------------------------------------------------------------ */

#if ORTHANC_PY_HAS_OrthancPluginRegisterDecodeImageCallback

typedef struct
{
  OrthancPluginImage** target;
  const void* dicom;
  uint32_t size;
  uint32_t frameIndex;
} DecodeCall;


/* GIL held: takes the SDK image out of a returned orthanc.Image, leaving the
 * Python object empty. Returns NULL with an exception set on a wrong type, an
 * emptied image or one Orthanc owns already. */
static OrthancPluginImage* TakeImage(PyObject* result)
{
  if (OrthancPy_GetHandle(result, ORTHANC_PY_CLASS_Image) == NULL)
  {
    PyErr_Clear();
    PyErr_Format(PyExc_TypeError,
                 "the image decoder must return an orthanc.Image or None, not %.100s "
                 "(or an Image already handed to Orthanc)", Py_TYPE(result)->tp_name);
    return NULL;
  }
  OrthancPyObject* object = (OrthancPyObject*) result;
  if (!object->owned)
  {
    PyErr_SetString(PyExc_ValueError, "the image decoder returned an Image that Orthanc owns already");
    return NULL;
  }
  /* Orthanc frees the image it receives: the wrapper must neither free it
   * nor let Python use it any more. */
  OrthancPluginImage* image = object->handle;
  object->handle = NULL;
  object->owned = 0;
  return image;
}


/* GIL held. */
static OrthancPyStatus DecodeBody(void* payload)
{
  DecodeCall* call = payload;
  PyObject* decoders = Snapshot(g_decoders);
  PyObject* dicom = (decoders != NULL) ? PyBytes_FromStringAndSize(call->dicom, (Py_ssize_t) call->size) : NULL;
  if (dicom == NULL)
  {
    OrthancPy_LogPythonError("Error while preparing the Python image decoders");
    Py_XDECREF(decoders);
    return ORTHANC_PY_ERROR_PLUGIN;
  }

  OrthancPyStatus status = ORTHANC_PY_ERROR_PLUGIN;   /* nobody decoded this frame */
  for (Py_ssize_t i = 0; status != ORTHANC_PY_SUCCESS && i < PyTuple_GET_SIZE(decoders); i++)
  {
    PyObject* result = PyObject_CallFunction(PyTuple_GET_ITEM(decoders, i), "OI", dicom,
                                             (unsigned int) call->frameIndex);
    if (result == NULL)
    {
      OrthancPy_LogPythonError("Error in the Python image decoder (Orthanc tries the next decoder)");
      continue;
    }
    if (result != Py_None)
    {
      OrthancPluginImage* image = TakeImage(result);
      if (image == NULL)
      {
        OrthancPy_LogPythonError("Error in the Python image decoder (Orthanc tries the next decoder)");
      }
      else
      {
        *call->target = image;
        status = ORTHANC_PY_SUCCESS;
      }
    }
    Py_DECREF(result);
  }

  Py_DECREF(dicom);
  Py_DECREF(decoders);
  return status;
}


static OrthancPluginErrorCode DecodeImage(OrthancPluginImage** target, const void* dicom, const uint32_t size,
                                          uint32_t frameIndex)
{
  DecodeCall call = { target, dicom, size, frameIndex };
  *target = NULL;
  return OrthancPy_RunCallback(DecodeBody, &call);
}


static OrthancPyStatus RegisterDecoder(OrthancPluginContext* context)
{
  return OrthancPluginRegisterDecodeImageCallback(context, DecodeImage);
}


PyObject* OrthancPyCustom_RegisterDecodeImageCallback(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  return OrthancPy_AddListedCallback(args, kwargs, "O:RegisterDecodeImageCallback", &g_decoders, RegisterDecoder);
}

#endif


/* ---- Transcoders --------------------------------------------------------- */

#if ORTHANC_PY_HAS_OrthancPluginRegisterTranscoderCallback && ORTHANC_PY_HAS_OrthancPluginCreateMemoryBuffer

typedef struct
{
  OrthancPluginMemoryBuffer* transcoded;
  const void* buffer;
  uint64_t size;
  const char* const* allowedSyntaxes;
  uint32_t countSyntaxes;
  uint8_t allowNewSopInstanceUid;
} TranscodeCall;


/* GIL held. */
static OrthancPyStatus TranscodeBody(void* payload)
{
  TranscodeCall* call = payload;
  if (call->size > (uint64_t) PY_SSIZE_T_MAX)
  {
    OrthancPy_LogHoldingGil(ORTHANC_PY_LOG_ERROR, "DICOM file too large for the Python transcoders");
    return ORTHANC_PY_ERROR_NOT_ENOUGH_MEMORY;
  }

  PyObject* transcoders = Snapshot(g_transcoders);
  PyObject* dicom = (transcoders != NULL) ?
    PyBytes_FromStringAndSize(call->buffer, (Py_ssize_t) call->size) : NULL;
  PyObject* syntaxes = (dicom != NULL) ? OrthancPy_TupleFromStrings(call->countSyntaxes, call->allowedSyntaxes) : NULL;
  if (syntaxes == NULL)
  {
    OrthancPy_LogPythonError("Error while preparing the Python transcoders");
    Py_XDECREF(dicom);
    Py_XDECREF(transcoders);
    return ORTHANC_PY_ERROR_PLUGIN;
  }

  OrthancPyStatus status = ORTHANC_PY_ERROR_PLUGIN;   /* nobody transcoded this file */
  for (Py_ssize_t i = 0; status != ORTHANC_PY_SUCCESS && i < PyTuple_GET_SIZE(transcoders); i++)
  {
    PyObject* result = PyObject_CallFunctionObjArgs(PyTuple_GET_ITEM(transcoders, i), dicom, syntaxes,
                                                    call->allowNewSopInstanceUid ? Py_True : Py_False, NULL);
    if (result != NULL && result != Py_None)
    {
      Py_ssize_t length = PyBytes_Check(result) ? PyBytes_GET_SIZE(result) : -1;
      if (length == 0)
      {
        /* An empty buffer is no DICOM file; Orthanc would fail to parse it later, far from the cause. */
        PyErr_SetString(PyExc_ValueError, "the transcoder returned an empty DICOM file");
      }
      else if (OrthancPy_ResultToBuffer(result, call->transcoded, "the transcoder") == 0)
      {
        status = ORTHANC_PY_SUCCESS;
      }
    }
    if (PyErr_Occurred())
    {
      OrthancPy_LogPythonError("Error in the Python transcoder (Orthanc tries the next transcoder)");
    }
    Py_XDECREF(result);
  }

  Py_DECREF(syntaxes);
  Py_DECREF(dicom);
  Py_DECREF(transcoders);
  return status;
}


static OrthancPluginErrorCode Transcode(OrthancPluginMemoryBuffer* transcoded, const void* buffer, uint64_t size,
                                        const char* const* allowedSyntaxes, uint32_t countSyntaxes,
                                        uint8_t allowNewSopInstanceUid)
{
  TranscodeCall call = { transcoded, buffer, size, allowedSyntaxes, countSyntaxes, allowNewSopInstanceUid };
  return OrthancPy_RunCallback(TranscodeBody, &call);
}


static OrthancPyStatus RegisterTranscoder(OrthancPluginContext* context)
{
  return OrthancPluginRegisterTranscoderCallback(context, Transcode);
}


PyObject* OrthancPyCustom_RegisterTranscoderCallback(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  return OrthancPy_AddListedCallback(args, kwargs, "O:RegisterTranscoderCallback", &g_transcoders,
                                     RegisterTranscoder);
}

#endif


void OrthancPyImageCodecs_Clear(void)
{
  Py_CLEAR(g_decoders);
  Py_CLEAR(g_transcoders);
}
