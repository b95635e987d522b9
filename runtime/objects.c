/*
 * Python objects around SDK handles: creation, access, invalidation.
 */
#include "runtime_internal.h"


PyObject* OrthancPy_WrapObject(OrthancPyClassId cls, const void* handle, int owned)
{
  if (handle == NULL)
  {
    Py_RETURN_NONE;
  }

  PyTypeObject* type = OrthancPy_GetType(cls);
  if (type == NULL)
  {
    PyErr_Format(PyExc_SystemError, "orthanc.%s is not initialized", OrthancPy_GetClassName(cls));
    return NULL;
  }

  /* tp_alloc zeroes the object and takes the reference to the heap type
   * that tp_dealloc gives back. */
  OrthancPyObject* self = (OrthancPyObject*) type->tp_alloc(type, 0);
  if (self == NULL)
  {
    return NULL;
  }

  /* The SDK hands out const handles for objects Orthanc owns; the wrapper
   * never frees those (owned == 0), so dropping const is harmless. */
  self->handle = (void*) (uintptr_t) handle;
  self->owned = owned;
  self->classId = cls;
  return (PyObject*) self;
}


/* Non-zero if `obj` is one of the wrapper types (or a subclass). */
static int IsWrapper(PyObject* obj)
{
  for (int cls = 0; cls < (int) ORTHANC_PY_CLASS__COUNT; cls++)
  {
    PyTypeObject* type = OrthancPy_GetType((OrthancPyClassId) cls);
    if (type != NULL && PyObject_TypeCheck(obj, type))
    {
      return 1;
    }
  }
  return 0;
}


void* OrthancPy_GetHandle(PyObject* obj, OrthancPyClassId cls)
{
  PyTypeObject* type = OrthancPy_GetType(cls);
  if (obj == NULL || type == NULL || !PyObject_TypeCheck(obj, type))
  {
    PyErr_Format(PyExc_TypeError, "expected an orthanc.%s, got %s",
                 OrthancPy_GetClassName(cls), obj != NULL ? Py_TYPE(obj)->tp_name : "NULL");
    return NULL;
  }

  OrthancPyObject* self = (OrthancPyObject*) obj;
  if (self->handle == NULL)
  {
    PyErr_Format(PyExc_ValueError,
                 "this orthanc.%s is no longer valid: objects handed to a callback "
                 "can only be used while the callback runs", OrthancPy_GetClassName(cls));
    return NULL;
  }

  return self->handle;
}


void OrthancPy_Invalidate(PyObject* obj)
{
  if (obj == NULL || obj == Py_None || !IsWrapper(obj))
  {
    return;
  }

  OrthancPyObject* self = (OrthancPyObject*) obj;
  if (!self->owned)
  {
    self->handle = NULL;
  }
}
