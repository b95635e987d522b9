/*
 * Hand-written image helpers: pixels in and out as bytes.
 */
#include "runtime_internal.h"

#include <string.h>

#if ORTHANC_PY_HAS_OrthancPluginGetImageBuffer && ORTHANC_PY_HAS_OrthancPluginGetImagePitch && \
  ORTHANC_PY_HAS_OrthancPluginGetImageHeight

PyObject* OrthancPyCustom_GetImageBuffer(PyObject* self, PyObject* args, PyObject* kwargs)
{
  static char* keywords[] = { NULL };
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, ":GetImageBuffer", keywords))
  {
    return NULL;
  }

  OrthancPluginImage* image = OrthancPy_GetHandle(self, ORTHANC_PY_CLASS_Image);
  if (image == NULL)
  {
    return NULL;
  }

  OrthancPluginContext* context = OrthancPy_GetContext();
  const void* pixels;
  uint32_t pitch;
  uint32_t height;
  Py_BEGIN_ALLOW_THREADS
  pixels = OrthancPluginGetImageBuffer(context, image);
  pitch = OrthancPluginGetImagePitch(context, image);
  height = OrthancPluginGetImageHeight(context, image);
  Py_END_ALLOW_THREADS

  size_t size = (size_t) pitch * (size_t) height;
  if (size > (size_t) PY_SSIZE_T_MAX || (pixels == NULL && size != 0))
  {
    return OrthancPy_SetStatusError(ORTHANC_PY_ERROR_INTERNAL);
  }

  PyObject* result = PyBytes_FromStringAndSize(NULL, (Py_ssize_t) size);
  if (result != NULL && size != 0)
  {
    /* Nobody else can see the new bytes object yet. */
    char* target = PyBytes_AS_STRING(result);
    Py_BEGIN_ALLOW_THREADS
    memcpy(target, pixels, size);
    Py_END_ALLOW_THREADS
  }
  return result;
}

#endif


#if ORTHANC_PY_HAS_OrthancPluginCreateImage && ORTHANC_PY_HAS_OrthancPluginGetImageBuffer && \
  ORTHANC_PY_HAS_OrthancPluginGetImagePitch

/* Reads a Python int that must fit in uint32_t. */
static int ParseUint32(Py_ssize_t value, const char* name, uint32_t* target)
{
  if (value < 0 || (unsigned long long) value > UINT32_MAX)
  {
    PyErr_Format(PyExc_ValueError, "%s must be between 0 and %lu", name, (unsigned long) UINT32_MAX);
    return -1;
  }
  *target = (uint32_t) value;
  return 0;
}


PyObject* OrthancPyCustom_CreateImageFromBuffer(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  static char* keywords[] = { "format", "width", "height", "pitch", "buffer", NULL };
  int format;
  Py_ssize_t widthArg, heightArg, pitchArg;
  Py_buffer buffer;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "innny*:CreateImageFromBuffer", keywords,
                                   &format, &widthArg, &heightArg, &pitchArg, &buffer))
  {
    return NULL;
  }

  uint32_t width, height, pitch;
  if (ParseUint32(widthArg, "width", &width) < 0 ||
      ParseUint32(heightArg, "height", &height) < 0 ||
      ParseUint32(pitchArg, "pitch", &pitch) < 0)
  {
    PyBuffer_Release(&buffer);
    return NULL;
  }

  if ((unsigned long long) buffer.len < (unsigned long long) pitch * height)
  {
    PyErr_Format(PyExc_ValueError, "buffer holds %zd bytes, pitch * height = %llu",
                 buffer.len, (unsigned long long) pitch * height);
    PyBuffer_Release(&buffer);
    return NULL;
  }

  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPluginImage* image;
  Py_BEGIN_ALLOW_THREADS
  image = OrthancPluginCreateImage(context, (OrthancPluginPixelFormat) format, width, height);
  if (image != NULL)
  {
    uint32_t targetPitch = OrthancPluginGetImagePitch(context, image);
    char* target = OrthancPluginGetImageBuffer(context, image);
    size_t row = (pitch < targetPitch) ? pitch : targetPitch;
    for (uint32_t y = 0; y < height && target != NULL; y++)
    {
      memcpy(target + (size_t) y * targetPitch, (const char*) buffer.buf + (size_t) y * pitch, row);
    }
  }
  Py_END_ALLOW_THREADS
  PyBuffer_Release(&buffer);

  if (image == NULL)
  {
    return OrthancPy_SetStatusError(ORTHANC_PY_ERROR_PARAMETER_OUT_OF_RANGE);
  }

  PyObject* result = OrthancPy_WrapObject(ORTHANC_PY_CLASS_Image, image, 1);
  if (result == NULL)
  {
    OrthancPy_DestroyHandle(ORTHANC_PY_CLASS_Image, image);
  }
  return result;
}

#endif
