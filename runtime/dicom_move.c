/*
 * C-MOVE SCP in Python.
 *
 *   RegisterMoveCallback(cb)
 *     cb(**request) performs the whole move, as one sub-operation.
 *   RegisterMoveCallback2(create, get_size, apply, free)
 *     create(**request) -> driver (any object); get_size(driver) -> number of
 *     sub-operations; apply(driver) is called that many times, each call
 *     performing one sub-operation; free(driver) ends the move.
 *   RegisterMoveCallback3(create, get_size, apply, free)          SDK 1.12.10+
 *     the same with the DICOM connection: the SDK's RegisterMoveCallback2.
 *
 * request: Level ("PATIENT", "STUDY", "SERIES", "INSTANCE", or "" when the
 * query has no QueryRetrieveLevel), PatientID, AccessionNumber,
 * StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID (str, "" when absent),
 * OriginatorAET, SourceAET, TargetAET (str), OriginatorID (int); for
 * RegisterMoveCallback3, Connection (a DicomConnection valid during create
 * only) replaces OriginatorAET and SourceAET.
 *
 * Orthanc has one C-MOVE handler: the three registrations share one slot and
 * a second registration raises RuntimeError. Exceptions are logged with
 * their traceback and fail the move (create, apply) or its current
 * sub-operation, so that the DICOM peer receives a failure status.
 */
#include "callback_results.h"

#include <limits.h>
#include <stdlib.h>

#if ORTHANC_PY_HAS_OrthancPluginRegisterMoveCallback || ORTHANC_PY_HAS_OrthancPluginRegisterMoveCallback2

typedef enum
{
  MOVE_SIMPLE,     /* RegisterMoveCallback: one Python call per move */
  MOVE_DRIVEN      /* RegisterMoveCallback2/3: the four callbacks */
} MoveStyle;

/* Strong references, GIL-protected. */
static struct
{
  MoveStyle style;
  PyObject* create;    /* the simple callback, or create() */
  PyObject* getSize;
  PyObject* apply;
  PyObject* free;
} g_move;


/* What Orthanc carries from create to free: the driver is the Python
 * object create() returned (or, in the simple style, the request itself). */
typedef struct
{
  PyObject* driver;
  int failed;        /* get_size raised: the only sub-operation fails */
} MoveDriver;


typedef struct
{
  OrthancPluginResourceType level;
  const char* patientId;
  const char* accessionNumber;
  const char* studyInstanceUid;
  const char* seriesInstanceUid;
  const char* sopInstanceUid;
  const char* originatorAet;
  const char* sourceAet;
  const char* targetAet;
  uint16_t originatorId;
  const void* connection;       /* RegisterMoveCallback3 */
  MoveDriver* result;
} CreateCall;


static const char* LevelName(OrthancPluginResourceType level)
{
  switch (level)
  {
    case OrthancPluginResourceType_Patient:
      return "PATIENT";
    case OrthancPluginResourceType_Study:
      return "STUDY";
    case OrthancPluginResourceType_Series:
      return "SERIES";
    case OrthancPluginResourceType_Instance:
      return "INSTANCE";
    default:
      return "";
  }
}


static int SetString(PyObject* dict, const char* key, const char* value)
{
  PyObject* text = (value != NULL) ? OrthancPy_StringFromSdk(value) : PyUnicode_FromString("");
  int status = (text != NULL) ? PyDict_SetItemString(dict, key, text) : -1;
  Py_XDECREF(text);
  return status;
}


/* New reference to the keyword arguments of create(); `*connection` gets
 * the wrapper to invalidate afterwards (or stays NULL). */
static PyObject* BuildRequest(const CreateCall* call, PyObject** connection)
{
  PyObject* request = PyDict_New();
  if (request == NULL)
  {
    return NULL;
  }

  PyObject* originatorId = PyLong_FromLong((long) call->originatorId);
  int failed = (originatorId == NULL ||
                PyDict_SetItemString(request, "OriginatorID", originatorId) < 0 ||
                SetString(request, "Level", LevelName(call->level)) < 0 ||
                SetString(request, "PatientID", call->patientId) < 0 ||
                SetString(request, "AccessionNumber", call->accessionNumber) < 0 ||
                SetString(request, "StudyInstanceUID", call->studyInstanceUid) < 0 ||
                SetString(request, "SeriesInstanceUID", call->seriesInstanceUid) < 0 ||
                SetString(request, "SOPInstanceUID", call->sopInstanceUid) < 0 ||
                SetString(request, "TargetAET", call->targetAet) < 0);
  Py_XDECREF(originatorId);

  if (!failed && call->connection != NULL)
  {
#if ORTHANC_PY_HAS_CLASS_DicomConnection
    *connection = OrthancPy_WrapObject(ORTHANC_PY_CLASS_DicomConnection, call->connection, 0);
    failed = (*connection == NULL || PyDict_SetItemString(request, "Connection", *connection) < 0);
#else
    (void) connection;
    PyErr_SetString(PyExc_SystemError, "this SDK has no DicomConnection");
    failed = 1;
#endif
  }
  else if (!failed)
  {
    failed = (SetString(request, "OriginatorAET", call->originatorAet) < 0 ||
              SetString(request, "SourceAET", call->sourceAet) < 0);
  }

  if (failed)
  {
    Py_DECREF(request);
    return NULL;
  }
  return request;
}


/* GIL held. */
static OrthancPyStatus CreateBody(void* payload)
{
  CreateCall* call = payload;
  call->result = NULL;
  if (g_move.create == NULL)
  {
    return ORTHANC_PY_ERROR_BAD_SEQUENCE;
  }
  PyObject* create = g_move.create;
  Py_INCREF(create);

  PyObject* connection = NULL;
  PyObject* request = BuildRequest(call, &connection);
  PyObject* driver = NULL;
  if (request != NULL)
  {
    if (g_move.style == MOVE_SIMPLE)
    {
      /* The simple callback runs as the single sub-operation. */
      driver = request;
      Py_INCREF(driver);
    }
    else
    {
      PyObject* empty = PyTuple_New(0);
      driver = (empty != NULL) ? PyObject_Call(create, empty, request) : NULL;
      Py_XDECREF(empty);
    }
  }

  MoveDriver* moveDriver = (driver != NULL) ? calloc(1, sizeof(MoveDriver)) : NULL;
  if (driver != NULL && moveDriver == NULL)
  {
    PyErr_NoMemory();
  }

  OrthancPyStatus code = ORTHANC_PY_SUCCESS;
  if (moveDriver == NULL)
  {
    OrthancPy_LogPythonError("Error in the Python C-MOVE callback (create)");
    Py_XDECREF(driver);
    code = ORTHANC_PY_ERROR_PLUGIN;
  }
  else
  {
    moveDriver->driver = driver;   /* the reference moves into the driver */
    call->result = moveDriver;
  }

  OrthancPy_Invalidate(connection);
  Py_XDECREF(connection);
  Py_XDECREF(request);
  Py_DECREF(create);
  return code;
}


static void* CreateMove(CreateCall* call)
{
  call->result = NULL;
  if (OrthancPy_RunCallback(CreateBody, call) != ORTHANC_PY_SUCCESS)
  {
    return NULL;   /* Orthanc answers the C-MOVE with a failure */
  }
  return call->result;
}


typedef struct
{
  MoveDriver* driver;
  uint32_t size;
} SizeCall;


/* GIL held. */
static OrthancPyStatus SizeBody(void* payload)
{
  SizeCall* call = payload;
  call->size = 1;
  if (g_move.style == MOVE_SIMPLE)
  {
    return ORTHANC_PY_SUCCESS;
  }
  if (g_move.getSize == NULL)
  {
    call->driver->failed = 1;
    return ORTHANC_PY_ERROR_BAD_SEQUENCE;
  }

  PyObject* getSize = g_move.getSize;
  Py_INCREF(getSize);
  PyObject* result = PyObject_CallFunctionObjArgs(getSize, call->driver->driver, NULL);
  long size = 0;
  if (result == NULL ||
      OrthancPy_ResultToInt(result, 0, (long) (UINT32_MAX > LONG_MAX ? LONG_MAX : UINT32_MAX), &size,
                            "the C-MOVE get_size()") < 0)
  {
    OrthancPy_LogPythonError("Error in the Python C-MOVE callback (get_size)");
    /* One sub-operation that fails, so that the peer sees the error. */
    call->driver->failed = 1;
  }
  else
  {
    call->size = (uint32_t) size;
  }
  Py_XDECREF(result);
  Py_DECREF(getSize);
  return ORTHANC_PY_SUCCESS;
}


static uint32_t GetMoveSize(void* moveDriver)
{
  SizeCall call;
  call.driver = moveDriver;
  call.size = 1;
  if (OrthancPy_RunCallback(SizeBody, &call) != ORTHANC_PY_SUCCESS)
  {
    call.driver->failed = 1;
    return 1;
  }
  return call.size;
}


/* GIL held. */
static OrthancPyStatus ApplyBody(void* payload)
{
  MoveDriver* driver = payload;
  if (driver->failed)
  {
    return ORTHANC_PY_ERROR_PLUGIN;
  }

  PyObject* result = NULL;
  if (g_move.style == MOVE_SIMPLE)
  {
    if (g_move.create == NULL)
    {
      return ORTHANC_PY_ERROR_BAD_SEQUENCE;
    }
    PyObject* callback = g_move.create;
    Py_INCREF(callback);
    PyObject* empty = PyTuple_New(0);
    result = (empty != NULL) ? PyObject_Call(callback, empty, driver->driver) : NULL;
    Py_XDECREF(empty);
    Py_DECREF(callback);
  }
  else
  {
    if (g_move.apply == NULL)
    {
      return ORTHANC_PY_ERROR_BAD_SEQUENCE;
    }
    PyObject* apply = g_move.apply;
    Py_INCREF(apply);
    result = PyObject_CallFunctionObjArgs(apply, driver->driver, NULL);
    Py_DECREF(apply);
  }

  if (result == NULL)
  {
    OrthancPy_LogPythonError(g_move.style == MOVE_SIMPLE ? "Error in the Python C-MOVE callback" :
                             "Error in the Python C-MOVE callback (apply)");
    return ORTHANC_PY_ERROR_PLUGIN;
  }
  Py_DECREF(result);
  return ORTHANC_PY_SUCCESS;
}


static OrthancPyStatus ApplyMove(void* moveDriver)
{
  return OrthancPy_RunCallback(ApplyBody, moveDriver);
}


/* GIL held: calls free(driver), then drops the driver. */
static OrthancPyStatus FreeBody(void* payload)
{
  MoveDriver* driver = payload;
  if (g_move.style == MOVE_DRIVEN && g_move.free != NULL)
  {
    PyObject* callback = g_move.free;
    Py_INCREF(callback);
    PyObject* result = PyObject_CallFunctionObjArgs(callback, driver->driver, NULL);
    if (result == NULL)
    {
      OrthancPy_LogPythonError("Error in the Python C-MOVE callback (free)");
    }
    Py_XDECREF(result);
    Py_DECREF(callback);
  }
  Py_CLEAR(driver->driver);
  return ORTHANC_PY_SUCCESS;
}


static void FreeMove(void* moveDriver)
{
  MoveDriver* driver = moveDriver;
  /* Without a running interpreter the Python object is left behind: the
   * interpreter that owned it is gone or going. */
  OrthancPy_RunCallback(FreeBody, driver);
  free(driver);
}


/* GIL held: the registration's arguments, checked and kept. */
static int Claim(MoveStyle style, PyObject* create, PyObject* getSize, PyObject* apply, PyObject* freeMove)
{
  if (OrthancPy_CheckCallable(create, style == MOVE_SIMPLE ? "callback" : "create") < 0 ||
      (getSize != NULL && OrthancPy_CheckCallable(getSize, "get_size") < 0) ||
      (apply != NULL && OrthancPy_CheckCallable(apply, "apply") < 0) ||
      (freeMove != NULL && OrthancPy_CheckCallable(freeMove, "free") < 0))
  {
    return -1;
  }
  if (g_move.create != NULL)
  {
    PyErr_SetString(PyExc_RuntimeError, "a C-MOVE callback is already registered (Orthanc accepts one)");
    return -1;
  }
  Py_INCREF(create);
  Py_XINCREF(getSize);
  Py_XINCREF(apply);
  Py_XINCREF(freeMove);
  g_move.style = style;
  g_move.create = create;
  g_move.getSize = getSize;
  g_move.apply = apply;
  g_move.free = freeMove;
  return 0;
}


static PyObject* Registered(OrthancPyStatus code)
{
  if (code != ORTHANC_PY_SUCCESS)
  {
    OrthancPyDicomMove_Clear();
    return OrthancPy_SetStatusError(code);
  }
  Py_RETURN_NONE;
}


static int ParseDriven(PyObject* args, PyObject* kwargs, const char* format)
{
  static char* keywords[] = { "create", "get_size", "apply", "free", NULL };
  PyObject* create = NULL;
  PyObject* getSize = NULL;
  PyObject* apply = NULL;
  PyObject* freeMove = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, format, keywords, &create, &getSize, &apply, &freeMove))
  {
    return -1;
  }
  return Claim(MOVE_DRIVEN, create, getSize, apply, freeMove);
}

#endif


#if ORTHANC_PY_HAS_OrthancPluginRegisterMoveCallback

static void* OnMove(OrthancPluginResourceType resourceType, const char* patientId, const char* accessionNumber,
                    const char* studyInstanceUid, const char* seriesInstanceUid, const char* sopInstanceUid,
                    const char* originatorAet, const char* sourceAet, const char* targetAet,
                    uint16_t originatorId)
{
  CreateCall call;
  call.level = resourceType;
  call.patientId = patientId;
  call.accessionNumber = accessionNumber;
  call.studyInstanceUid = studyInstanceUid;
  call.seriesInstanceUid = seriesInstanceUid;
  call.sopInstanceUid = sopInstanceUid;
  call.originatorAet = originatorAet;
  call.sourceAet = sourceAet;
  call.targetAet = targetAet;
  call.originatorId = originatorId;
  call.connection = NULL;
  return CreateMove(&call);
}


static PyObject* RegisterClassic(void)
{
  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPyStatus code;
  Py_BEGIN_ALLOW_THREADS
  code = OrthancPluginRegisterMoveCallback(context, OnMove, GetMoveSize, ApplyMove, FreeMove);
  Py_END_ALLOW_THREADS
  return Registered(code);
}


PyObject* OrthancPyCustom_RegisterMoveCallback(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  static char* keywords[] = { "callback", NULL };
  PyObject* callback = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O:RegisterMoveCallback", keywords, &callback) ||
      Claim(MOVE_SIMPLE, callback, NULL, NULL, NULL) < 0)
  {
    return NULL;
  }
  return RegisterClassic();
}


PyObject* OrthancPyCustom_RegisterMoveCallback2(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  if (ParseDriven(args, kwargs, "OOOO:RegisterMoveCallback2") < 0)
  {
    return NULL;
  }
  return RegisterClassic();
}

#endif


#if ORTHANC_PY_HAS_OrthancPluginRegisterMoveCallback2

static void* OnMoveWithConnection(OrthancPluginResourceType resourceType, const char* patientId,
                                  const char* accessionNumber, const char* studyInstanceUid,
                                  const char* seriesInstanceUid, const char* sopInstanceUid,
                                  const OrthancPluginDicomConnection* connection, const char* targetAet,
                                  uint16_t originatorId)
{
  CreateCall call;
  call.level = resourceType;
  call.patientId = patientId;
  call.accessionNumber = accessionNumber;
  call.studyInstanceUid = studyInstanceUid;
  call.seriesInstanceUid = seriesInstanceUid;
  call.sopInstanceUid = sopInstanceUid;
  call.originatorAet = NULL;
  call.sourceAet = NULL;
  call.targetAet = targetAet;
  call.originatorId = originatorId;
  call.connection = connection;
  return CreateMove(&call);
}


PyObject* OrthancPyCustom_RegisterMoveCallback3(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  if (ParseDriven(args, kwargs, "OOOO:RegisterMoveCallback3") < 0)
  {
    return NULL;
  }
  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPyStatus code;
  Py_BEGIN_ALLOW_THREADS
  code = OrthancPluginRegisterMoveCallback2(context, OnMoveWithConnection, GetMoveSize, ApplyMove, FreeMove);
  Py_END_ALLOW_THREADS
  return Registered(code);
}

#endif


void OrthancPyDicomMove_Clear(void)
{
#if ORTHANC_PY_HAS_OrthancPluginRegisterMoveCallback || ORTHANC_PY_HAS_OrthancPluginRegisterMoveCallback2
  Py_CLEAR(g_move.create);
  Py_CLEAR(g_move.getSize);
  Py_CLEAR(g_move.apply);
  Py_CLEAR(g_move.free);
#endif
}
