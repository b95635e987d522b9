/*
 * STAND-IN for the rendered file (hand-written, tests/integration/standin),
 * in the shape the renderer emits, reduced to three classes.
 */
#pragma once

typedef enum
{
  ORTHANC_PY_CLASS_DicomInstance,
  ORTHANC_PY_CLASS_Image,
  ORTHANC_PY_CLASS_RestOutput,
  ORTHANC_PY_CLASS__COUNT
} OrthancPyClassId;

PyTypeObject* OrthancPy_GetType(OrthancPyClassId cls);
const char*   OrthancPy_GetClassName(OrthancPyClassId cls);
void          OrthancPy_DestroyHandle(OrthancPyClassId cls, void* handle);
int           OrthancPy_AddGenerated(PyObject* module);

/* Custom functions (generator/plan/custom.yaml) whose requirements hold. */
PyObject* OrthancPyCustom_CreateDicom(PyObject* self, PyObject* args, PyObject* kwargs);
PyObject* OrthancPyCustom_CreateImageFromBuffer(PyObject* self, PyObject* args, PyObject* kwargs);
PyObject* OrthancPyCustom_ExtendOrthancExplorer(PyObject* self, PyObject* args, PyObject* kwargs);
PyObject* OrthancPyCustom_GenerateRestApiAuthorizationToken(PyObject* self, PyObject* args, PyObject* kwargs);
PyObject* OrthancPyCustom_GetImageBuffer(PyObject* self, PyObject* args, PyObject* kwargs);
PyObject* OrthancPyCustom_GetInstanceData(PyObject* self, PyObject* args, PyObject* kwargs);
PyObject* OrthancPyCustom_LookupDictionary(PyObject* self, PyObject* args, PyObject* kwargs);
PyObject* OrthancPyCustom_RegisterIncomingHttpRequestFilter(PyObject* self, PyObject* args, PyObject* kwargs);
PyObject* OrthancPyCustom_RegisterOnChangeCallback(PyObject* self, PyObject* args, PyObject* kwargs);
PyObject* OrthancPyCustom_RegisterOnStoredInstanceCallback(PyObject* self, PyObject* args, PyObject* kwargs);
PyObject* OrthancPyCustom_RegisterRestCallback(PyObject* self, PyObject* args, PyObject* kwargs);
