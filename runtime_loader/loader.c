/*
 * The plugin Orthanc loads in a late-binding Linux build: it has no
 * dependency on libpython, finds one when Orthanc initializes the plugin,
 * then loads the real plugin (the "core", built next to it without
 * libpython) and hands Initialize and Finalize over to it.
 *
 * Why: the CPython of cibuildwheel's manylinux images has no shared
 * libpython to link against, and the machine running Orthanc keeps its
 * libpython wherever its distribution or installer put it.
 *
 * Compiled with (see generator/build/compile.py):
 *   ORTHANC_PYTHON_PLUGIN_VERSION  the plugin's version
 *   ORTHANC_PY_PYTHON_VERSION      "3.11": libpython must be of that version
 *   ORTHANC_PY_LIBPYTHON_SONAME    "libpython3.11.so.1.0"
 *   ORTHANC_PY_LIBPYTHON_DIR       LIBDIR of the interpreter of the build
 *   ORTHANC_PY_CORE_FILENAME       "libOrthancPython-cp311-core.so"
 */
#if !defined(__linux__)
#  error "the late-binding loader is for Linux only"
#endif

#define _GNU_SOURCE  /* dladdr */

#include "orthanc_sdk_features.h"
#include "OrthancCPlugin.h"
#include "json_mini.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOADER_EXPORT __attribute__((visibility("default")))

#define LIBRARY_OPTION "\"Python\" > \"Library\""
#define LIBRARY_ENV "ORTHANC_PYTHON_LIBRARY"

typedef int32_t (*InitializeFunction)(OrthancPluginContext*);
typedef void (*FinalizeFunction)(void);
typedef const char* (*VersionFunction)(void);

/* Set once the core is initialized: Finalize goes to it. */
static void* g_core = NULL;
static FinalizeFunction g_coreFinalize = NULL;

/* What was tried, for the log: "where path (why not); ...". */
typedef struct
{
  char text[4096];
  size_t used;
} Attempts;


static void Note(Attempts* attempts, const char* where, const char* path, const char* reason)
{
  size_t room = sizeof(attempts->text) - attempts->used;
  int written = snprintf(attempts->text + attempts->used, room, "%s%s %s (%s)",
                         attempts->used > 0 ? "; " : "", where, path, reason);
  if (written > 0)
  {
    attempts->used += ((size_t) written < room) ? (size_t) written : room - 1;
  }
}


/* "3.11.7 (main, ...)" is of version "3.11", "3.110.0" is not. */
static int SameMinorVersion(const char* version)
{
  size_t length = strlen(ORTHANC_PY_PYTHON_VERSION);
  return strncmp(version, ORTHANC_PY_PYTHON_VERSION, length) == 0 &&
         (version[length] < '0' || version[length] > '9');
}


/* Its symbols go global (RTLD_GLOBAL): the core and the C extension modules
 * the script imports resolve their Python symbols there. A library that
 * loads is never closed: an interpreter started from it may outlive the
 * plugin (/tools/reset reloads the plugin, extension modules stay). */
static void* OpenLibpython(const char* where, const char* path, Attempts* attempts)
{
  void* handle = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
  if (handle == NULL)
  {
    const char* reason = dlerror();
    Note(attempts, where, path, reason != NULL ? reason : "cannot be loaded");
    return NULL;
  }

  VersionFunction getVersion = (VersionFunction) dlsym(handle, "Py_GetVersion");
  if (getVersion == NULL)
  {
    Note(attempts, where, path, "not a libpython: no Py_GetVersion");
    dlclose(handle);
    return NULL;
  }
  const char* version = getVersion();
  if (!SameMinorVersion(version))
  {
    char reason[160];
    int length = (int) strcspn(version, " ");
    snprintf(reason, sizeof(reason), "Python %.*s, the plugin is built for Python %s",
             length < 40 ? length : 40, version, ORTHANC_PY_PYTHON_VERSION);
    Note(attempts, where, path, reason);
    dlclose(handle);
    return NULL;
  }
  return handle;
}


/* The configuration's "Python" > "Library", malloc'd; NULL if not set. */
static char* ConfiguredLibrary(OrthancPluginContext* context, Attempts* attempts)
{
#if ORTHANC_PY_HAS_OrthancPluginGetConfiguration
  char* json = OrthancPluginGetConfiguration(context);
  if (json == NULL)
  {
    return NULL;
  }
  const char* path[] = { "Python", "Library" };
  OrthancPyJsonValue value;
  char* library = NULL;
  if (OrthancPyJson_Find(json, path, 2, &value) == 1)
  {
    library = (value.kind == ORTHANC_PY_JSON_STRING) ? OrthancPyJson_DecodeString(&value) : NULL;
    if (library == NULL)
    {
      Note(attempts, LIBRARY_OPTION, "", "not a string");
    }
  }
  OrthancPluginFreeString(context, json);
  return library;
#else
  (void) context;
  (void) attempts;
  return NULL;
#endif
}


static void* FindLibpython(OrthancPluginContext* context, Attempts* attempts, char* used, size_t usedSize)
{
  void* handle = NULL;
  char* configured = ConfiguredLibrary(context, attempts);
  if (configured != NULL)
  {
    handle = OpenLibpython(LIBRARY_OPTION, configured, attempts);
    snprintf(used, usedSize, "%s, from the configuration", configured);
    free(configured);
  }

  const char* fromEnv = getenv(LIBRARY_ENV);
  if (handle == NULL && fromEnv != NULL && fromEnv[0] != '\0')
  {
    handle = OpenLibpython("$" LIBRARY_ENV, fromEnv, attempts);
    snprintf(used, usedSize, "%s, from $%s", fromEnv, LIBRARY_ENV);
  }

  if (handle == NULL)
  {
    handle = OpenLibpython("the library search path:", ORTHANC_PY_LIBPYTHON_SONAME, attempts);
    snprintf(used, usedSize, "%s, from the library search path", ORTHANC_PY_LIBPYTHON_SONAME);
  }

  if (handle == NULL)
  {
    const char* path = ORTHANC_PY_LIBPYTHON_DIR "/" ORTHANC_PY_LIBPYTHON_SONAME;
    handle = OpenLibpython("the build's LIBDIR:", path, attempts);
    snprintf(used, usedSize, "%s, from the build's LIBDIR", path);
  }
  return handle;
}


/* The core's path: the folder of this very file, whatever Orthanc was given. */
static int CorePath(char* path, size_t size)
{
  Dl_info info;
  if (dladdr((void*) &CorePath, &info) == 0 || info.dli_fname == NULL)
  {
    return -1;
  }
  const char* slash = strrchr(info.dli_fname, '/');
  int folder = (slash != NULL) ? (int) (slash - info.dli_fname + 1) : 0;
  int written = snprintf(path, size, "%.*s%s", folder, info.dli_fname, ORTHANC_PY_CORE_FILENAME);
  return (written > 0 && (size_t) written < size) ? 0 : -1;
}


static int32_t Fail(OrthancPluginContext* context, const char* message)
{
  OrthancPluginLogError(context, message);
  return -1;
}


LOADER_EXPORT int32_t OrthancPluginInitialize(OrthancPluginContext* context)
{
  Attempts attempts = { .used = 0 };
  attempts.text[0] = '\0';
  char used[1200] = "";
  char message[6000];

  void* python = FindLibpython(context, &attempts, used, sizeof(used));
  if (python == NULL)
  {
    snprintf(message, sizeof(message),
             "Python plugin: no libpython %s found; tried %s. Set %s in the configuration (or $%s) "
             "to the path of a libpython%s.so",
             ORTHANC_PY_PYTHON_VERSION, attempts.text, LIBRARY_OPTION, LIBRARY_ENV, ORTHANC_PY_PYTHON_VERSION);
    return Fail(context, message);
  }

  /* The file the dynamic linker actually chose, when a bare name was searched. */
  Dl_info info;
  void* symbol = dlsym(python, "Py_GetVersion");
  const char* actual = (symbol != NULL && dladdr(symbol, &info) != 0 && info.dli_fname != NULL) ?
                       info.dli_fname : "?";
  snprintf(message, sizeof(message), "Python plugin: using libpython %s (%s)%s%s",
           actual, used, attempts.used > 0 ? "; not usable: " : "", attempts.text);
  OrthancPluginLogWarning(context, message);

  char corePath[4096];
  if (CorePath(corePath, sizeof(corePath)) < 0)
  {
    return Fail(context, "Python plugin: cannot tell the folder of the plugin, where " ORTHANC_PY_CORE_FILENAME
                " must be");
  }
  void* core = dlopen(corePath, RTLD_NOW | RTLD_LOCAL);
  if (core == NULL)
  {
    const char* reason = dlerror();
    snprintf(message, sizeof(message), "Python plugin: cannot load %s (%s)", corePath,
             reason != NULL ? reason : "?");
    return Fail(context, message);
  }

  InitializeFunction initialize = (InitializeFunction) dlsym(core, "OrthancPluginInitialize");
  FinalizeFunction finalize = (FinalizeFunction) dlsym(core, "OrthancPluginFinalize");
  if (initialize == NULL || finalize == NULL)
  {
    snprintf(message, sizeof(message), "Python plugin: %s lacks the plugin's entry points", corePath);
    dlclose(core);
    return Fail(context, message);
  }

  g_core = core;
  g_coreFinalize = finalize;
  return initialize(context);
}


LOADER_EXPORT void OrthancPluginFinalize(void)
{
  if (g_coreFinalize != NULL)
  {
    g_coreFinalize();
  }
  /* Closed like Orthanc closes a plugin: the next load (after /tools/reset)
   * starts from a fresh copy of the core, as it would without this loader. */
  if (g_core != NULL)
  {
    dlclose(g_core);
  }
  g_core = NULL;
  g_coreFinalize = NULL;
}


/* Orthanc asks these before Initialize, when no libpython is loaded yet. */
LOADER_EXPORT const char* OrthancPluginGetName(void)
{
  return "python";
}


LOADER_EXPORT const char* OrthancPluginGetVersion(void)
{
  return ORTHANC_PYTHON_PLUGIN_VERSION;
}
