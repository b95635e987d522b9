/*
 * Hand-written PNG/JPEG compression of raw pixels. The SDK takes the pixels as
 * a bare pointer and reads pitch * height bytes from it, so these wrappers
 * check that the Python buffer is really that large before Orthanc reads it.
 */
#include "runtime_internal.h"
#include "orthanc_convert.h"

#if ORTHANC_PY_HAS_OrthancPluginCompressPngImage || ORTHANC_PY_HAS_OrthancPluginCompressJpegImage || \
  ORTHANC_PY_HAS_OrthancPluginCompressAndAnswerPngImage || ORTHANC_PY_HAS_OrthancPluginCompressAndAnswerJpegImage

typedef struct
{
  PyObject* format;
  PyObject* width;
  PyObject* height;
  PyObject* pitch;
  PyObject* quality;
  Py_buffer pixels;
} RawImageArgs;

typedef struct
{
  int64_t format;
  uint64_t width;
  uint64_t height;
  uint64_t pitch;
  uint64_t quality;
} RawImage;

/* Bytes per pixel of the formats Orthanc can compress; 0 for the others. */
static uint64_t BytesPerPixel(int64_t format)
{
  switch (format)
  {
    case 1: return 1;   /* Grayscale8 */
    case 2: return 2;   /* Grayscale16 */
    case 3: return 2;   /* SignedGrayscale16 */
    case 4: return 3;   /* RGB24 */
    case 5: return 4;   /* RGBA32 */
    case 7: return 6;   /* RGB48 */
    case 8: return 4;   /* Grayscale32 */
    case 9: return 4;   /* Float32 */
    case 10: return 4;  /* BGRA32 */
    case 11: return 8;  /* Grayscale64 */
    default: return 0;
  }
}

/* Validates everything Orthanc will trust; -1 with TypeError/ValueError. */
static int CheckRawImage(const RawImageArgs* args, int withQuality, RawImage* image)
{
  if (OrthancPy_ArgToInt64(args->format, "format", INT32_MIN, INT32_MAX, &image->format) != 0 ||
      OrthancPy_ArgToUInt64(args->width, "width", UINT32_MAX, &image->width) != 0 ||
      OrthancPy_ArgToUInt64(args->height, "height", UINT32_MAX, &image->height) != 0 ||
      OrthancPy_ArgToUInt64(args->pitch, "pitch", UINT32_MAX, &image->pitch) != 0)
  {
    return -1;
  }
  image->quality = 0;
  if (withQuality && OrthancPy_ArgToUInt64(args->quality, "quality", 100, &image->quality) != 0)
  {
    return -1;
  }
  uint64_t bpp = BytesPerPixel(image->format);
  if (bpp == 0)
  {
    PyErr_Format(PyExc_ValueError, "pixel format %lld cannot be compressed", (long long) image->format);
    return -1;
  }
  if (image->pitch < image->width * bpp)
  {
    PyErr_Format(PyExc_ValueError, "pitch %llu is smaller than width * %llu bytes per pixel",
                 (unsigned long long) image->pitch, (unsigned long long) bpp);
    return -1;
  }
  uint64_t needed = image->pitch * image->height;  /* both < 2^32: no overflow */
  if ((uint64_t) args->pixels.len < needed)
  {
    PyErr_Format(PyExc_ValueError, "buffer holds %zd bytes, pitch * height needs %llu", args->pixels.len,
                 (unsigned long long) needed);
    return -1;
  }
  return 0;
}

/* Parses (format, width, height, pitch, buffer[, quality]); 0 or -1. On 0
 * the caller releases args->pixels. */
static int ParseRawImage(PyObject* args, PyObject* kwargs, int withQuality, const char* name, RawImageArgs* parsed)
{
  static char* keywordsPng[] = { "format", "width", "height", "pitch", "buffer", NULL };
  static char* keywordsJpeg[] = { "format", "width", "height", "pitch", "buffer", "quality", NULL };
  char format[32];
  PyOS_snprintf(format, sizeof(format), "%s:%s", withQuality ? "OOOOy*O" : "OOOOy*", name);
  memset(parsed, 0, sizeof(*parsed));
  if (withQuality)
  {
    return PyArg_ParseTupleAndKeywords(args, kwargs, format, keywordsJpeg, &parsed->format, &parsed->width,
                                       &parsed->height, &parsed->pitch, &parsed->pixels, &parsed->quality) ? 0 : -1;
  }
  return PyArg_ParseTupleAndKeywords(args, kwargs, format, keywordsPng, &parsed->format, &parsed->width,
                                     &parsed->height, &parsed->pitch, &parsed->pixels) ? 0 : -1;
}

#endif


#if ORTHANC_PY_HAS_OrthancPluginCompressPngImage || ORTHANC_PY_HAS_OrthancPluginCompressJpegImage

static PyObject* Compress(PyObject* args, PyObject* kwargs, int jpeg)
{
  RawImageArgs parsed;
  RawImage image;
  if (ParseRawImage(args, kwargs, jpeg, jpeg ? "CompressJpegImage" : "CompressPngImage", &parsed) != 0)
  {
    return NULL;
  }
  PyObject* result = NULL;
  if (CheckRawImage(&parsed, jpeg, &image) == 0)
  {
    OrthancPluginMemoryBuffer buffer = { NULL, 0 };
    OrthancPluginErrorCode code;
    Py_BEGIN_ALLOW_THREADS
#if ORTHANC_PY_HAS_OrthancPluginCompressJpegImage
    if (jpeg)
    {
      code = OrthancPluginCompressJpegImage(OrthancPy_GetContext(), &buffer, (OrthancPluginPixelFormat) image.format,
                                            (uint32_t) image.width, (uint32_t) image.height, (uint32_t) image.pitch,
                                            parsed.pixels.buf, (uint8_t) image.quality);
    }
    else
#endif
    {
#if ORTHANC_PY_HAS_OrthancPluginCompressPngImage
      code = OrthancPluginCompressPngImage(OrthancPy_GetContext(), &buffer, (OrthancPluginPixelFormat) image.format,
                                           (uint32_t) image.width, (uint32_t) image.height, (uint32_t) image.pitch,
                                           parsed.pixels.buf);
#else
      code = OrthancPluginErrorCode_NotImplemented;
#endif
    }
    Py_END_ALLOW_THREADS
    if (code == OrthancPluginErrorCode_Success)
    {
      result = OrthancPy_BytesFromSdk(buffer.data, buffer.size);
    }
    else
    {
      OrthancPy_SetSdkError(code);
    }
    if (buffer.data != NULL)
    {
      OrthancPluginFreeMemoryBuffer(OrthancPy_GetContext(), &buffer);
    }
  }
  PyBuffer_Release(&parsed.pixels);
  return result;
}

#endif

#if ORTHANC_PY_HAS_OrthancPluginCompressPngImage
PyObject* OrthancPyCustom_CompressPngImage(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  return Compress(args, kwargs, 0);
}
#endif

#if ORTHANC_PY_HAS_OrthancPluginCompressJpegImage
PyObject* OrthancPyCustom_CompressJpegImage(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  return Compress(args, kwargs, 1);
}
#endif


#if ORTHANC_PY_HAS_OrthancPluginCompressAndAnswerPngImage || ORTHANC_PY_HAS_OrthancPluginCompressAndAnswerJpegImage

static PyObject* CompressAndAnswer(PyObject* self, PyObject* args, PyObject* kwargs, int jpeg)
{
  OrthancPluginRestOutput* output = OrthancPy_GetHandle(self, ORTHANC_PY_CLASS_RestOutput);
  if (output == NULL)
  {
    return NULL;
  }
  RawImageArgs parsed;
  RawImage image;
  if (ParseRawImage(args, kwargs, jpeg, jpeg ? "CompressAndAnswerJpegImage" : "CompressAndAnswerPngImage",
                    &parsed) != 0)
  {
    return NULL;
  }
  int ok = (CheckRawImage(&parsed, jpeg, &image) == 0);
  if (ok)
  {
    Py_BEGIN_ALLOW_THREADS
#if ORTHANC_PY_HAS_OrthancPluginCompressAndAnswerJpegImage
    if (jpeg)
    {
      OrthancPluginCompressAndAnswerJpegImage(OrthancPy_GetContext(), output, (OrthancPluginPixelFormat) image.format,
                                              (uint32_t) image.width, (uint32_t) image.height,
                                              (uint32_t) image.pitch, parsed.pixels.buf, (uint8_t) image.quality);
    }
    else
#endif
    {
#if ORTHANC_PY_HAS_OrthancPluginCompressAndAnswerPngImage
      OrthancPluginCompressAndAnswerPngImage(OrthancPy_GetContext(), output, (OrthancPluginPixelFormat) image.format,
                                             (uint32_t) image.width, (uint32_t) image.height,
                                             (uint32_t) image.pitch, parsed.pixels.buf);
#endif
    }
    Py_END_ALLOW_THREADS
  }
  PyBuffer_Release(&parsed.pixels);
  if (!ok)
  {
    return NULL;
  }
  Py_RETURN_NONE;
}

#endif

#if ORTHANC_PY_HAS_OrthancPluginCompressAndAnswerPngImage
PyObject* OrthancPyCustom_CompressAndAnswerPngImage(PyObject* self, PyObject* args, PyObject* kwargs)
{
  return CompressAndAnswer(self, args, kwargs, 0);
}
#endif

#if ORTHANC_PY_HAS_OrthancPluginCompressAndAnswerJpegImage
PyObject* OrthancPyCustom_CompressAndAnswerJpegImage(PyObject* self, PyObject* args, PyObject* kwargs)
{
  return CompressAndAnswer(self, args, kwargs, 1);
}
#endif
