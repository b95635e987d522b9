/*
 * orthanc.RegisterWebDavCollection(uri, is_existing_folder, list_folder,
 *                                  retrieve_file, store_file, create_folder,
 *                                  delete_item)
 *
 * Maps a virtual WebDAV file system onto `uri` of Orthanc's HTTP server
 * (SDK 1.10.1+). Every callback gets `path`, a tuple of str (the levels below
 * `uri`; () is the root):
 *
 *   is_existing_folder(path) -> bool
 *   list_folder(path) -> None | (folders, files)
 *       None: no such folder. folders: names (str). files: tuples
 *       (name, size[, mime_type[, date_time]]); mime_type None or "" lets
 *       Orthanc guess from the extension; date_time is an ISO string
 *       "YYYYMMDDTHHMMSS" in UTC (the listing's time when left out).
 *   retrieve_file(path) -> None | bytes | (bytes, mime_type[, date_time])
 *       None: no such file (404).
 *   store_file(path, data: bytes) -> bool | None
 *   create_folder(path) -> bool | None
 *   delete_item(path) -> bool | None
 *       False: refused, the collection is read-only (403); True or None:
 *       done (201 for PUT and MKCOL, 204 for DELETE).
 *
 * Several collections may be registered, each on its own URI, while the
 * script loads (Orthanc maps them when its HTTP server starts). An exception
 * is logged with its traceback and the request fails; Orthanc keeps serving.
 * The SDK's `collection` handle and its add/retrieve functions stay inside
 * the runtime: Python returns values, so nothing outlives the call.
 */
#include "runtime_internal.h"
#include "callback_results.h"

#include <string.h>

/* One tuple of six callables per registered collection; the index in this
 * list is the payload Orthanc hands back. GIL-protected. */
static PyObject* g_collections = NULL;

#if ORTHANC_PY_HAS_OrthancPluginRegisterWebDavCollection

enum
{
  CB_IS_EXISTING_FOLDER,
  CB_LIST_FOLDER,
  CB_RETRIEVE_FILE,
  CB_STORE_FILE,
  CB_CREATE_FOLDER,
  CB_DELETE_ITEM,
  CB_COUNT
};

static const char* const g_names[CB_COUNT] = {
  "is_existing_folder", "list_folder", "retrieve_file", "store_file", "create_folder", "delete_item"
};


/* GIL held: the callable `which` of the collection `payload`, borrowed, or
 * NULL with an exception set (the script was reset meanwhile). */
static PyObject* Callback(void* payload, int which)
{
  Py_ssize_t index = (Py_ssize_t) (intptr_t) payload;
  if (g_collections == NULL || index < 0 || index >= PyList_GET_SIZE(g_collections))
  {
    PyErr_SetString(PyExc_RuntimeError, "this WebDAV collection is no longer registered");
    return NULL;
  }
  return PyTuple_GET_ITEM(PyList_GET_ITEM(g_collections, index), which);
}


/* GIL held: "YYYYMMDDTHHMMSS" of now, UTC, the form Orthanc parses
 * (boost's from_iso_string). Python's time module avoids the thread-unsafe
 * gmtime() of C. New reference or NULL. */
static PyObject* NowIso(void)
{
  PyObject* time = PyImport_ImportModule("time");
  PyObject* now = (time != NULL) ? PyObject_CallMethod(time, "gmtime", NULL) : NULL;
  PyObject* text = (now != NULL) ? PyObject_CallMethod(time, "strftime", "sO", "%Y%m%dT%H%M%S", now) : NULL;
  Py_XDECREF(now);
  Py_XDECREF(time);
  return text;
}


/* GIL held: UTF-8 of an optional str (None -> NULL, no error). Borrowed from
 * `value`. Returns -1 with TypeError for other types. */
static int OptionalUtf8(PyObject* value, const char** target, const char* what)
{
  *target = NULL;
  if (value == NULL || value == Py_None)
  {
    return 0;
  }
  if (!PyUnicode_Check(value))
  {
    PyErr_Format(PyExc_TypeError, "%s must be a str or None, not %.100s", what, Py_TYPE(value)->tp_name);
    return -1;
  }
  *target = PyUnicode_AsUTF8(value);
  return (*target == NULL) ? -1 : 0;
}


/* ---- the read-only side ---------------------------------------------------- */

typedef struct
{
  void* payload;
  uint32_t pathSize;
  const char* const* pathItems;
  uint8_t* flag;                    /* isExisting / isReadOnly */
  OrthancPluginWebDavCollection* collection;
  OrthancPluginWebDavAddFile addFile;
  OrthancPluginWebDavAddFolder addFolder;
  OrthancPluginWebDavRetrieveFile retrieveFile;
  const void* data;                 /* store_file */
  uint64_t size;
  int which;
} WebDavCall;


/* GIL held: calls the Python callback of `call` with the path (and the data
 * for store_file). New reference or NULL. */
static PyObject* CallPython(WebDavCall* call)
{
  PyObject* callback = Callback(call->payload, call->which);
  PyObject* path = (callback != NULL) ? OrthancPy_TupleFromStrings(call->pathSize, call->pathItems) : NULL;
  if (path == NULL)
  {
    return NULL;
  }
  PyObject* result;
  if (call->which == CB_STORE_FILE)
  {
    PyObject* data = (call->size <= (uint64_t) PY_SSIZE_T_MAX) ?
      PyBytes_FromStringAndSize(call->data, (Py_ssize_t) call->size) : PyErr_NoMemory();
    result = (data != NULL) ? PyObject_CallFunctionObjArgs(callback, path, data, NULL) : NULL;
    Py_XDECREF(data);
  }
  else
  {
    result = PyObject_CallFunctionObjArgs(callback, path, NULL);
  }
  Py_DECREF(path);
  return result;
}


static OrthancPyStatus Failed(WebDavCall* call)
{
  char context[96];
  snprintf(context, sizeof(context), "Error in the Python WebDAV callback %s", g_names[call->which]);
  OrthancPy_LogPythonError(context);
  return ORTHANC_PY_ERROR_PLUGIN;
}


/* GIL held: calls the callback of the answers where None means "nothing
 * there": 1 with its other result in *result (new reference), 0 when it
 * returned None (nothing held), -1 with the exception set (for Failed). */
static int CallUnlessNone(WebDavCall* call, PyObject** result)
{
  *result = CallPython(call);
  if (*result == NULL)
  {
    return -1;
  }
  if (*result == Py_None)
  {
    Py_CLEAR(*result);
    return 0;
  }
  return 1;
}


/* GIL held: is_existing_folder. */
static OrthancPyStatus IsExistingBody(void* payload)
{
  WebDavCall* call = payload;
  PyObject* result = CallPython(call);
  int truth = (result != NULL) ? PyObject_IsTrue(result) : -1;
  Py_XDECREF(result);
  if (truth < 0)
  {
    return Failed(call);
  }
  *call->flag = (uint8_t) truth;
  return ORTHANC_PY_SUCCESS;
}


/* One entry of a listing, as C strings borrowed from Python objects that the
 * listing keeps alive. */
typedef struct
{
  const char* name;
  uint64_t size;
  const char* mimeType;
  const char* dateTime;
  int isFolder;
} Entry;


/* GIL held: reads one file tuple (name, size[, mime_type[, date_time]]). */
static int ReadFile(PyObject* item, Entry* entry, const char* now)
{
  if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) < 2 || PyTuple_GET_SIZE(item) > 4)
  {
    PyErr_Format(PyExc_TypeError, "list_folder: a file must be a tuple (name, size[, mime_type[, date_time]]), "
                 "not %.100s", Py_TYPE(item)->tp_name);
    return -1;
  }
  Py_ssize_t n = PyTuple_GET_SIZE(item);
  PyObject* name = PyTuple_GET_ITEM(item, 0);
  if (!PyUnicode_Check(name) || OptionalUtf8(name, &entry->name, "list_folder: a file name") < 0)
  {
    if (!PyErr_Occurred())
    {
      PyErr_SetString(PyExc_TypeError, "list_folder: a file name must be a str");
    }
    return -1;
  }
  entry->size = PyLong_AsUnsignedLongLong(PyTuple_GET_ITEM(item, 1));
  if (PyErr_Occurred())
  {
    return -1;
  }
  if (OptionalUtf8(n > 2 ? PyTuple_GET_ITEM(item, 2) : NULL, &entry->mimeType, "list_folder: a MIME type") < 0 ||
      OptionalUtf8(n > 3 ? PyTuple_GET_ITEM(item, 3) : NULL, &entry->dateTime, "list_folder: a date_time") < 0)
  {
    return -1;
  }
  entry->mimeType = (entry->mimeType != NULL) ? entry->mimeType : "";
  entry->dateTime = (entry->dateTime != NULL) ? entry->dateTime : now;
  entry->isFolder = 0;
  return 0;
}


/* GIL held: list_folder. The Python objects are kept until the SDK calls
 * (made without the GIL) are over. */
static OrthancPyStatus ListBody(void* payload)
{
  WebDavCall* call = payload;
  PyObject* result = NULL;   /* owned once answered */
  int answered = CallUnlessNone(call, &result);
  if (answered < 0)
  {
    return Failed(call);
  }
  if (answered == 0)
  {
    *call->flag = 0;   /* no such folder */
    return ORTHANC_PY_SUCCESS;
  }

  PyObject* folders = NULL;   /* owned lists of the two iterables */
  PyObject* files = NULL;
  PyObject* now = NULL;
  Entry* entries = NULL;
  Py_ssize_t count = 0;
  if (!PyTuple_Check(result) || PyTuple_GET_SIZE(result) != 2)
  {
    PyErr_Format(PyExc_TypeError, "list_folder must return None or a pair (folders, files), not %.100s",
                 Py_TYPE(result)->tp_name);
    goto error;
  }
  folders = PySequence_List(PyTuple_GET_ITEM(result, 0));
  files = (folders != NULL) ? PySequence_List(PyTuple_GET_ITEM(result, 1)) : NULL;
  now = (files != NULL) ? NowIso() : NULL;
  const char* nowText = (now != NULL) ? PyUnicode_AsUTF8(now) : NULL;
  if (nowText == NULL)
  {
    goto error;
  }
  Py_ssize_t total = PyList_GET_SIZE(folders) + PyList_GET_SIZE(files);
  entries = PyMem_Calloc((size_t) (total > 0 ? total : 1), sizeof(Entry));
  if (entries == NULL)
  {
    PyErr_NoMemory();
    goto error;
  }
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(folders); i++, count++)
  {
    PyObject* name = PyList_GET_ITEM(folders, i);
    if (!PyUnicode_Check(name))
    {
      PyErr_Format(PyExc_TypeError, "list_folder: a folder must be a str name, not %.100s", Py_TYPE(name)->tp_name);
      goto error;
    }
    entries[count].name = PyUnicode_AsUTF8(name);
    if (entries[count].name == NULL)
    {
      goto error;
    }
    entries[count].dateTime = nowText;
    entries[count].isFolder = 1;
  }
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(files); i++, count++)
  {
    if (ReadFile(PyList_GET_ITEM(files, i), &entries[count], nowText) < 0)
    {
      goto error;
    }
  }

  OrthancPluginErrorCode code = OrthancPluginErrorCode_Success;
  Py_BEGIN_ALLOW_THREADS
  for (Py_ssize_t i = 0; code == OrthancPluginErrorCode_Success && i < count; i++)
  {
    code = entries[i].isFolder ?
      call->addFolder(call->collection, entries[i].name, entries[i].dateTime) :
      call->addFile(call->collection, entries[i].name, entries[i].size, entries[i].mimeType, entries[i].dateTime);
  }
  Py_END_ALLOW_THREADS
  PyMem_Free(entries);
  Py_DECREF(now);
  Py_DECREF(files);
  Py_DECREF(folders);
  Py_DECREF(result);
  *call->flag = 1;
  return code;

error:
  PyMem_Free(entries);
  Py_XDECREF(now);
  Py_XDECREF(files);
  Py_XDECREF(folders);
  Py_DECREF(result);
  return Failed(call);
}


/* GIL held: retrieve_file. */
static OrthancPyStatus RetrieveBody(void* payload)
{
  WebDavCall* call = payload;
  PyObject* result = NULL;   /* owned once answered */
  int answered = CallUnlessNone(call, &result);
  if (answered <= 0)
  {
    return (answered < 0) ? Failed(call) : ORTHANC_PY_ERROR_UNKNOWN_RESOURCE;
  }

  PyObject* content = result;   /* borrowed from result */
  const char* mimeType = NULL;
  const char* dateTime = NULL;
  PyObject* now = NULL;
  if (PyTuple_Check(result))
  {
    Py_ssize_t n = PyTuple_GET_SIZE(result);
    if (n < 2 || n > 3)
    {
      PyErr_SetString(PyExc_TypeError, "retrieve_file must return None, bytes or (bytes, mime_type[, date_time])");
      Py_DECREF(result);
      return Failed(call);
    }
    content = PyTuple_GET_ITEM(result, 0);
    if (OptionalUtf8(PyTuple_GET_ITEM(result, 1), &mimeType, "retrieve_file: the MIME type") < 0 ||
        OptionalUtf8(n > 2 ? PyTuple_GET_ITEM(result, 2) : NULL, &dateTime, "retrieve_file: the date_time") < 0)
    {
      Py_DECREF(result);
      return Failed(call);
    }
  }
  if (dateTime == NULL)
  {
    now = NowIso();
    dateTime = (now != NULL) ? PyUnicode_AsUTF8(now) : NULL;
  }
  Py_buffer view;
  if (dateTime == NULL || OrthancPy_ResultBuffer(content, &view, "retrieve_file") < 0)
  {
    Py_XDECREF(now);
    Py_DECREF(result);
    return Failed(call);
  }

  OrthancPluginErrorCode code;
  Py_BEGIN_ALLOW_THREADS
  code = call->retrieveFile(call->collection, view.buf, (uint64_t) view.len, mimeType != NULL ? mimeType : "",
                            dateTime);
  Py_END_ALLOW_THREADS
  PyBuffer_Release(&view);
  Py_XDECREF(now);
  Py_DECREF(result);
  return code;
}


/* GIL held: store_file, create_folder, delete_item. False = read-only. */
static OrthancPyStatus ModifyBody(void* payload)
{
  WebDavCall* call = payload;
  PyObject* result = CallPython(call);
  if (result == NULL)
  {
    return Failed(call);
  }
  int done = (result == Py_None) ? 1 : PyObject_IsTrue(result);
  Py_DECREF(result);
  if (done < 0)
  {
    return Failed(call);
  }
  /* The SDK names this flag isReadOnly, but Orthanc's plugin engine hands
   * `flag != 0` to its WebDAV server as "the operation succeeded" (1.10.1 and
   * later): 1 answers 201/204, 0 answers 403. Set it the way Orthanc reads
   * it, so that False refuses and True/None succeed as documented. */
  *call->flag = done ? 1 : 0;
  return ORTHANC_PY_SUCCESS;
}


/* ---- the C callbacks Orthanc invokes (no GIL) ------------------------------ */

static OrthancPluginErrorCode IsExistingFolder(uint8_t* isExisting, uint32_t pathSize, const char* const* pathItems,
                                               void* payload)
{
  WebDavCall call = { payload, pathSize, pathItems, isExisting, NULL, NULL, NULL, NULL, NULL, 0,
                      CB_IS_EXISTING_FOLDER };
  *isExisting = 0;
  return OrthancPy_RunCallback(IsExistingBody, &call);
}


static OrthancPluginErrorCode ListFolder(uint8_t* isExisting, OrthancPluginWebDavCollection* collection,
                                         OrthancPluginWebDavAddFile addFile, OrthancPluginWebDavAddFolder addFolder,
                                         uint32_t pathSize, const char* const* pathItems, void* payload)
{
  WebDavCall call = { payload, pathSize, pathItems, isExisting, collection, addFile, addFolder, NULL, NULL, 0,
                      CB_LIST_FOLDER };
  *isExisting = 0;
  return OrthancPy_RunCallback(ListBody, &call);
}


static OrthancPluginErrorCode RetrieveFile(OrthancPluginWebDavCollection* collection,
                                           OrthancPluginWebDavRetrieveFile retrieveFile, uint32_t pathSize,
                                           const char* const* pathItems, void* payload)
{
  WebDavCall call = { payload, pathSize, pathItems, NULL, collection, NULL, NULL, retrieveFile, NULL, 0,
                      CB_RETRIEVE_FILE };
  return OrthancPy_RunCallback(RetrieveBody, &call);
}


static OrthancPluginErrorCode StoreFile(uint8_t* isReadOnly, uint32_t pathSize, const char* const* pathItems,
                                        const void* data, uint64_t size, void* payload)
{
  WebDavCall call = { payload, pathSize, pathItems, isReadOnly, NULL, NULL, NULL, NULL, data, size, CB_STORE_FILE };
  *isReadOnly = 0;
  return OrthancPy_RunCallback(ModifyBody, &call);
}


static OrthancPluginErrorCode CreateFolder(uint8_t* isReadOnly, uint32_t pathSize, const char* const* pathItems,
                                           void* payload)
{
  WebDavCall call = { payload, pathSize, pathItems, isReadOnly, NULL, NULL, NULL, NULL, NULL, 0, CB_CREATE_FOLDER };
  *isReadOnly = 0;
  return OrthancPy_RunCallback(ModifyBody, &call);
}


static OrthancPluginErrorCode DeleteItem(uint8_t* isReadOnly, uint32_t pathSize, const char* const* pathItems,
                                         void* payload)
{
  WebDavCall call = { payload, pathSize, pathItems, isReadOnly, NULL, NULL, NULL, NULL, NULL, 0, CB_DELETE_ITEM };
  *isReadOnly = 0;
  return OrthancPy_RunCallback(ModifyBody, &call);
}


PyObject* OrthancPyCustom_RegisterWebDavCollection(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  static char* keywords[] = { "uri", "is_existing_folder", "list_folder", "retrieve_file", "store_file",
                              "create_folder", "delete_item", NULL };
  const char* uri = NULL;
  PyObject* callbacks[CB_COUNT] = { NULL };   /* borrowed from args/kwargs */
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "sOOOOOO:RegisterWebDavCollection", keywords, &uri,
                                   &callbacks[0], &callbacks[1], &callbacks[2], &callbacks[3], &callbacks[4],
                                   &callbacks[5]))
  {
    return NULL;
  }
  for (int i = 0; i < CB_COUNT; i++)
  {
    if (OrthancPy_CheckCallable(callbacks[i], g_names[i]) < 0)
    {
      return NULL;
    }
  }
  if (uri[0] != '/')
  {
    PyErr_SetString(PyExc_ValueError, "the URI of a WebDAV collection must start with '/'");
    return NULL;
  }

  if (g_collections == NULL && (g_collections = PyList_New(0)) == NULL)
  {
    return NULL;
  }
  PyObject* entry = PyTuple_Pack(CB_COUNT, callbacks[0], callbacks[1], callbacks[2], callbacks[3], callbacks[4],
                                 callbacks[5]);
  if (entry == NULL)
  {
    return NULL;
  }
  /* Appended first, so that the payload (its index) is valid when Orthanc calls. */
  Py_ssize_t index = PyList_GET_SIZE(g_collections);
  int appended = PyList_Append(g_collections, entry);
  Py_DECREF(entry);
  if (appended < 0)
  {
    return NULL;
  }

  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPluginErrorCode code;
  Py_BEGIN_ALLOW_THREADS
  code = OrthancPluginRegisterWebDavCollection(context, uri, IsExistingFolder, ListFolder, RetrieveFile, StoreFile,
                                               CreateFolder, DeleteItem, (void*) (intptr_t) index);
  Py_END_ALLOW_THREADS
  if (code != OrthancPluginErrorCode_Success)
  {
    /* The slot stays (Orthanc never calls with its index): removing it
     * would shift the payloads of collections registered meanwhile. */
    return OrthancPy_SetSdkError(code);
  }
  Py_RETURN_NONE;
}

#endif


void OrthancPyWebDav_Clear(void)
{
  Py_CLEAR(g_collections);
}
