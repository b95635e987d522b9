/*
 * FindQuery.GetFindQueryTagGroup/Element(index): the SDK answers both parts
 * of a tag through two output pointers; scripts ask for one at a time.
 */
#include "runtime_internal.h"
#include "orthanc_convert.h"

#if ORTHANC_PY_HAS_OrthancPluginGetFindQueryTag

static PyObject* GetTagPart(PyObject* self, PyObject* args, PyObject* kwargs, int element, const char* format)
{
  static char* keywords[] = { "index", NULL };
  PyObject* indexObject = NULL;
  uint64_t index = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, format, keywords, &indexObject) ||
      OrthancPy_ArgToUInt64(indexObject, "index", UINT32_MAX, &index) != 0)
  {
    return NULL;
  }
  const OrthancPluginFindQuery* query = OrthancPy_GetHandle(self, ORTHANC_PY_CLASS_FindQuery);
  if (query == NULL)
  {
    return NULL;
  }
  uint16_t group = 0;
  uint16_t elementValue = 0;
  OrthancPluginErrorCode code;
  Py_BEGIN_ALLOW_THREADS
  code = OrthancPluginGetFindQueryTag(OrthancPy_GetContext(), &group, &elementValue, query, (uint32_t) index);
  Py_END_ALLOW_THREADS
  if (code != OrthancPluginErrorCode_Success)
  {
    return OrthancPy_SetSdkError(code);
  }
  return PyLong_FromLong(element ? (long) elementValue : (long) group);
}

PyObject* OrthancPyCustom_GetFindQueryTagGroup(PyObject* self, PyObject* args, PyObject* kwargs)
{
  return GetTagPart(self, args, kwargs, 0, "O:GetFindQueryTagGroup");
}

PyObject* OrthancPyCustom_GetFindQueryTagElement(PyObject* self, PyObject* args, PyObject* kwargs)
{
  return GetTagPart(self, args, kwargs, 1, "O:GetFindQueryTagElement");
}

#endif
