/*
 * DICOMweb JSON and XML of a DICOM file or instance:
 *
 *   orthanc.EncodeDicomWebJson(dicom) -> str, orthanc.EncodeDicomWebXml(dicom) -> str
 *   DicomInstance.GetInstanceDicomWebJson() -> str, .GetInstanceDicomWebXml() -> str
 *
 * The SDK takes a C callback that chooses how binary tags (pixel data,
 * other bulk data) appear; it is passed as NULL, which leaves Orthanc's own
 * choice. A Python form of that callback would run once per binary tag of
 * every call for little benefit, so none is offered.
 */
#include "orthanc_convert.h"
#include "runtime_internal.h"

#if ORTHANC_PY_HAS_OrthancPluginEncodeDicomWebJson || ORTHANC_PY_HAS_OrthancPluginGetInstanceDicomWebJson

/* New reference to the str of an SDK-owned string, which is freed; NULL with an error set. */
static PyObject* TakeString(char* text, const char* function)
{
  if (text == NULL)
  {
    return OrthancPy_SetNullResultError(function);
  }
  PyObject* result = OrthancPy_StringFromSdk(text);
  OrthancPluginContext* context = OrthancPy_GetContext();
  Py_BEGIN_ALLOW_THREADS
  OrthancPluginFreeString(context, text);
  Py_END_ALLOW_THREADS
  return result;
}

#endif


#if ORTHANC_PY_HAS_OrthancPluginEncodeDicomWebJson

/* The second SDK variants (1.7.0) where they exist: the first ones are deprecated since. */
static char* EncodeWithSdk(OrthancPluginContext* context, const void* dicom, uint32_t size, int xml)
{
#if ORTHANC_PY_HAS_OrthancPluginEncodeDicomWebJson2
  return xml ? OrthancPluginEncodeDicomWebXml2(context, dicom, size, NULL, NULL) :
               OrthancPluginEncodeDicomWebJson2(context, dicom, size, NULL, NULL);
#else
  return xml ? OrthancPluginEncodeDicomWebXml(context, dicom, size, NULL) :
               OrthancPluginEncodeDicomWebJson(context, dicom, size, NULL);
#endif
}


static PyObject* Encode(PyObject* args, PyObject* kwargs, const char* format, int xml, const char* function)
{
  static char* keywords[] = { "dicom", NULL };
  Py_buffer dicom;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, format, keywords, &dicom))
  {
    return NULL;
  }
  if (OrthancPy_CheckBufferSize(&dicom, "dicom", UINT32_MAX) < 0)
  {
    PyBuffer_Release(&dicom);
    return NULL;
  }
  OrthancPluginContext* context = OrthancPy_GetContext();
  char* text;
  Py_BEGIN_ALLOW_THREADS
  text = EncodeWithSdk(context, dicom.buf, (uint32_t) dicom.len, xml);
  Py_END_ALLOW_THREADS
  PyBuffer_Release(&dicom);
  return TakeString(text, function);
}


PyObject* OrthancPyCustom_EncodeDicomWebJson(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  return Encode(args, kwargs, "y*:EncodeDicomWebJson", 0, "OrthancPluginEncodeDicomWebJson");
}


PyObject* OrthancPyCustom_EncodeDicomWebXml(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  return Encode(args, kwargs, "y*:EncodeDicomWebXml", 1, "OrthancPluginEncodeDicomWebXml");
}

#endif


#if ORTHANC_PY_HAS_OrthancPluginGetInstanceDicomWebJson

typedef char* (*InstanceFunction)(OrthancPluginContext*, const OrthancPluginDicomInstance*,
                                  OrthancPluginDicomWebBinaryCallback2, void*);

static PyObject* FromInstance(PyObject* self, PyObject* args, PyObject* kwargs, const char* format,
                              InstanceFunction get, const char* function)
{
  static char* keywords[] = { NULL };
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, format, keywords))
  {
    return NULL;
  }
  OrthancPluginDicomInstance* instance = OrthancPy_GetHandle(self, ORTHANC_PY_CLASS_DicomInstance);
  if (instance == NULL)
  {
    return NULL;
  }
  OrthancPluginContext* context = OrthancPy_GetContext();
  char* text;
  Py_BEGIN_ALLOW_THREADS
  text = get(context, instance, NULL, NULL);
  Py_END_ALLOW_THREADS
  return TakeString(text, function);
}


PyObject* OrthancPyCustom_GetInstanceDicomWebJson(PyObject* self, PyObject* args, PyObject* kwargs)
{
  return FromInstance(self, args, kwargs, ":GetInstanceDicomWebJson", OrthancPluginGetInstanceDicomWebJson,
                      "OrthancPluginGetInstanceDicomWebJson");
}


PyObject* OrthancPyCustom_GetInstanceDicomWebXml(PyObject* self, PyObject* args, PyObject* kwargs)
{
  return FromInstance(self, args, kwargs, ":GetInstanceDicomWebXml", OrthancPluginGetInstanceDicomWebXml,
                      "OrthancPluginGetInstanceDicomWebXml");
}

#endif
