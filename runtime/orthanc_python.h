/*
 * Contract between the hand-written runtime (the C files of runtime/) and the code that
 * the generator renders from the SDK model (orthanc_generated.{h,c}).
 *
 * The generated side provides: one Python class per SDK enumeration, one
 * Python type per opaque SDK object, a wrapper per mechanically mappable SDK
 * function, and the method tables that also point at the hand-written
 * ("custom") functions listed in generator/plan/custom.yaml.
 *
 * The runtime side provides: the plugin entry points, the interpreter life
 * cycle, the OrthancException type, object wrapping/invalidation, and every
 * custom function.
 */
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>

/* Rendered per SDK release: ORTHANC_PY_SDK_VERSION and one
 * ORTHANC_PY_HAS_<SdkFunction> / ORTHANC_PY_HAS_CLASS_<Class> per item the
 * SDK has, so that hand-written code exists exactly when the SDK backs it. */
#include "orthanc_sdk_features.h"

#include "OrthancCPlugin.h"

/* Rendered: OrthancPyClassId (ORTHANC_PY_CLASS_<Name>), the prototypes of
 * the custom functions, OrthancPy_GetType(), OrthancPy_AddGenerated(). */
#include "orthanc_generated.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Provided by the runtime ------------------------------------------ */

/* The context Orthanc handed to OrthancPluginInitialize(). */
OrthancPluginContext* OrthancPy_GetContext(void);

/* orthanc.OrthancException (borrowed reference, valid while the
 * interpreter runs). Its args are (error_code: int, description: str). */
PyObject* OrthancPy_GetExceptionType(void);

/* Raises orthanc.OrthancException for an SDK error code; returns NULL so
 * that callers can write `return OrthancPy_SetSdkError(code);`. */
#ifdef ORTHANC_PY_HAS_ENUM_ErrorCode  /* releases before 0.9.5 had no error codes */
PyObject* OrthancPy_SetSdkError(OrthancPluginErrorCode code);
#endif

/* A str from bytes the SDK returned. Orthanc does not promise UTF-8 (URIs,
 * headers, DICOM values), so invalid sequences are kept as surrogate escapes
 * instead of failing. NULL input gives None. New reference. */
PyObject* OrthancPy_StringFromSdk(const char* value);

/* Every wrapped SDK object has this layout. */
typedef struct
{
  PyObject_HEAD
  void* handle;        /* NULL once invalidated or destroyed */
  int owned;           /* the destructor runs when the Python object dies */
  OrthancPyClassId classId;
} OrthancPyObject;

/* New reference to a Python object around `handle`. `owned` = the wrapper
 * must call the SDK destructor; 0 = Orthanc or a parent owns it. NULL
 * handle gives None. */
PyObject* OrthancPy_WrapObject(OrthancPyClassId cls, const void* handle, int owned);

/* The handle inside `obj`, or NULL with TypeError (not an instance of the
 * class) or ValueError (the object was invalidated) set. */
void* OrthancPy_GetHandle(PyObject* obj, OrthancPyClassId cls);

/* Marks an object handed to a callback as unusable once the callback has
 * returned. Safe on NULL and on None. */
void OrthancPy_Invalidate(PyObject* obj);

/* Orthanc releases as comparable numbers (1.12.10 -> 1012010); "mainline"
 * is newer than every release. */
#define ORTHANC_PY_VERSION(major, minor, revision) \
  ((long) (major) * 1000000L + (long) (minor) * 1000L + (long) (revision))
#define ORTHANC_PY_VERSION_MAINLINE 999999999L

/* 1 if the running Orthanc has what appeared in release `since`
 * (an ORTHANC_PY_VERSION number; 0 = any Orthanc). */
int OrthancPy_OrthancHas(long since);

/* Raises exceptionType("<what> needs Orthanc X.Y.Z or later; this is Orthanc
 * ..."); returns NULL. */
PyObject* OrthancPy_SetNeedsOrthanc(PyObject* exceptionType, const char* what, long since);

/* At the top of a wrapper of an item that appeared in `since`: Orthanc is
 * never asked for a service it does not have. */
#define ORTHANC_PY_REQUIRE_ORTHANC(since, what) \
  do { if (!OrthancPy_OrthancHas(since)) { return OrthancPy_SetNeedsOrthanc(PyExc_NotImplementedError, what, since); } } while (0)

/* ---- Provided by the generated code ----------------------------------- */
/* (declared in orthanc_generated.h)
 *   PyTypeObject* OrthancPy_GetType(OrthancPyClassId cls);
 *   const char*   OrthancPy_GetClassName(OrthancPyClassId cls);
 *   int           OrthancPy_AddGenerated(PyObject* module);  -1 on error
 *   void          OrthancPy_DestroyHandle(OrthancPyClassId cls, void* handle);
 */

#ifdef __cplusplus
}
#endif
