/*
 * Hand-written DICOM helpers: dictionary lookup and DICOM creation.
 */
#include "runtime_internal.h"

#if ORTHANC_PY_HAS_OrthancPluginLookupDictionary

PyObject* OrthancPyCustom_LookupDictionary(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  static char* keywords[] = { "name", NULL };
  const char* name = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "s:LookupDictionary", keywords, &name))
  {
    return NULL;
  }

  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPluginDictionaryEntry entry;
  OrthancPyStatus code;
  Py_BEGIN_ALLOW_THREADS
  code = OrthancPluginLookupDictionary(context, &entry, name);
  Py_END_ALLOW_THREADS

  if (code != ORTHANC_PY_SUCCESS)
  {
    return OrthancPy_SetStatusError(code);
  }

  return Py_BuildValue("{sisisisIsI}",
                       "Group", (int) entry.group,
                       "Element", (int) entry.element,
                       "ValueRepresentation", (int) entry.vr,
                       "MinMultiplicity", (unsigned int) entry.minMultiplicity,
                       "MaxMultiplicity", (unsigned int) entry.maxMultiplicity);
}

#endif


#if ORTHANC_PY_HAS_OrthancPluginCreateDicom

PyObject* OrthancPyCustom_CreateDicom(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  static char* keywords[] = { "json", "pixelData", "flags", NULL };
  const char* json = NULL;
  PyObject* pixelData = Py_None;
  int flags = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "s|Oi:CreateDicom", keywords, &json, &pixelData, &flags))
  {
    return NULL;
  }

  OrthancPluginImage* image = NULL;
  if (pixelData != Py_None)
  {
    image = OrthancPy_GetHandle(pixelData, ORTHANC_PY_CLASS_Image);
    if (image == NULL)
    {
      return NULL;
    }
  }

  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPluginMemoryBuffer buffer = { NULL, 0 };
  OrthancPyStatus code;
  /* `pixelData` stays referenced by `args`, so the image outlives the call. */
  Py_BEGIN_ALLOW_THREADS
  code = OrthancPluginCreateDicom(context, &buffer, json, image, (OrthancPluginCreateDicomFlags) flags);
  Py_END_ALLOW_THREADS

  if (code != ORTHANC_PY_SUCCESS)
  {
    return OrthancPy_SetStatusError(code);
  }
  return OrthancPy_BytesFromMemoryBuffer(&buffer);
}

#endif
