/*
 * Reading the plugin's configuration keys (see config.h). Runs before the
 * interpreter starts: no Python here.
 */
#include "config.h"

#include "json_mini.h"
#include "runtime_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 found, 0 absent, -1 unusable (logged). */
static int FindKey(const char* json, const char* section, const char* key, OrthancPyJsonValue* value)
{
  const char* path[2];
  size_t depth = 0;
  if (section != NULL)
  {
    path[depth++] = section;
  }
  path[depth++] = key;

  int status = OrthancPyJson_Find(json, path, depth, value);
  if (status < 0)
  {
    OrthancPy_Log(ORTHANC_PY_LOG_ERROR, "Python plugin: Orthanc's configuration is not valid JSON");
  }
  return status;
}


static void DescribeKey(char* target, size_t size, const char* section, const char* key)
{
  if (section != NULL)
  {
    snprintf(target, size, "\"%s\" > \"%s\"", section, key);
  }
  else
  {
    snprintf(target, size, "\"%s\"", key);
  }
}


/* Converts a found value into the caller's target: 1, or -1 (logged under the
 * key's printable `name`). */
typedef int (*ValueConverter)(const OrthancPyJsonValue* value, const char* name, void* target);


/* The lookup shared by the typed readers below: 1 converted, 0 absent (the
 * target unchanged), -1 unusable (logged). */
static int ReadKey(const char* json, const char* section, const char* key, ValueConverter convert, void* target)
{
  OrthancPyJsonValue value;
  int status = FindKey(json, section, key, &value);
  if (status <= 0)
  {
    return status;
  }

  char name[128];
  DescribeKey(name, sizeof(name), section, key);
  return convert(&value, name, target);
}


static int ToBool(const OrthancPyJsonValue* value, const char* name, void* target)
{
  if (value->kind != ORTHANC_PY_JSON_TRUE && value->kind != ORTHANC_PY_JSON_FALSE)
  {
    OrthancPy_Logf(ORTHANC_PY_LOG_ERROR, "Python plugin: the configuration option %s must be true or false", name);
    return -1;
  }

  *(int*) target = (value->kind == ORTHANC_PY_JSON_TRUE);
  return 1;
}


/* A number of seconds, 0 or more. */
static int ToSeconds(const OrthancPyJsonValue* value, const char* name, void* target)
{
  char text[64];
  size_t length = (size_t) (value->end - value->begin);
  char* end = NULL;
  double seconds = -1.0;
  if (value->kind == ORTHANC_PY_JSON_NUMBER && length < sizeof(text))
  {
    memcpy(text, value->begin, length);
    text[length] = '\0';
    seconds = strtod(text, &end);
  }
  if (end == NULL || *end != '\0' || !(seconds >= 0.0 && seconds <= 86400.0))
  {
    OrthancPy_Logf(ORTHANC_PY_LOG_ERROR,
                   "Python plugin: the configuration option %s must be a number of seconds (0 to 86400)", name);
    return -1;
  }
  *(double*) target = seconds;
  return 1;
}


/* A malloc'd copy. */
static int ToString(const OrthancPyJsonValue* value, const char* name, void* target)
{
  if (value->kind != ORTHANC_PY_JSON_STRING)
  {
    OrthancPy_Logf(ORTHANC_PY_LOG_ERROR, "Python plugin: the configuration option %s must be a string", name);
    return -1;
  }

  char** copy = target;
  *copy = OrthancPyJson_DecodeString(value);
  if (*copy == NULL)
  {
    OrthancPy_Logf(ORTHANC_PY_LOG_ERROR, "Python plugin: cannot read the configuration option %s", name);
    return -1;
  }
  return 1;
}


/* Typed entry points, so that a target of the wrong type does not compile. */
static int ReadBool(const char* json, const char* section, const char* key, int* target)
{
  return ReadKey(json, section, key, ToBool, target);
}


static int ReadSeconds(const char* json, const char* section, const char* key, double* target)
{
  return ReadKey(json, section, key, ToSeconds, target);
}


static int ReadString(const char* json, const char* section, const char* key, char** target)
{
  return ReadKey(json, section, key, ToString, target);
}


int OrthancPyConfig_Parse(OrthancPyConfig* config, const char* json)
{
  memset(config, 0, sizeof(*config));
  config->allowThreads = 1;
  config->stopGracePeriod = 10.0;

  const char* path[] = { "Python" };
  OrthancPyJsonValue section;
  int hasSection = OrthancPyJson_Find(json, path, 1, &section);
  if (hasSection < 0)
  {
    OrthancPy_Log(ORTHANC_PY_LOG_ERROR, "Python plugin: Orthanc's configuration is not valid JSON");
    return -1;
  }
  if (hasSection && section.kind != ORTHANC_PY_JSON_OBJECT)
  {
    OrthancPy_Log(ORTHANC_PY_LOG_ERROR, "Python plugin: the configuration option \"Python\" must be an object");
    return -1;
  }

  char* globalScript = NULL;
  char* sectionScript = NULL;
  char* output = NULL;
  int globalVerbose = 0;
  int sectionVerbose = 0;

  if (ReadString(json, NULL, "PythonScript", &globalScript) < 0 ||
      ReadString(json, "Python", "Path", &sectionScript) < 0 ||
      ReadBool(json, NULL, "PythonVerbose", &globalVerbose) < 0 ||
      ReadBool(json, "Python", "Verbose", &sectionVerbose) < 0 ||
      ReadBool(json, "Python", "DisplayMemoryUsage", &config->displayMemoryUsage) < 0 ||
      ReadBool(json, "Python", "AllowThreads", &config->allowThreads) < 0 ||
      ReadString(json, "Python", "VirtualEnv", &config->virtualEnv) < 0 ||
      ReadString(json, "Python", "Output", &output) < 0 ||
      ReadSeconds(json, "Python", "StopGracePeriod", &config->stopGracePeriod) < 0)
  {
    free(globalScript);
    free(sectionScript);
    free(output);
    OrthancPyConfig_Clear(config);
    return -1;
  }

  if (output != NULL)
  {
    int known = (strcmp(output, "log") == 0 || strcmp(output, "console") == 0);
    if (!known)
    {
      OrthancPy_Logf(ORTHANC_PY_LOG_ERROR, "Python plugin: the configuration option \"Python\" > \"Output\" "
                     "must be \"console\" or \"log\", not \"%s\"", output);
    }
    config->outputToLog = (strcmp(output, "log") == 0);
    free(output);
    if (!known)
    {
      free(globalScript);
      free(sectionScript);
      OrthancPyConfig_Clear(config);
      return -1;
    }
  }

  if (globalScript != NULL && sectionScript != NULL && strcmp(globalScript, sectionScript) != 0)
  {
    OrthancPy_Logf(ORTHANC_PY_LOG_WARNING,
                   "Python plugin: both \"PythonScript\" (%s) and \"Python\" > \"Path\" (%s) are set; "
                   "using \"PythonScript\"", globalScript, sectionScript);
  }

  if (globalScript != NULL)
  {
    config->script = globalScript;
    free(sectionScript);
  }
  else
  {
    config->script = sectionScript;
  }

  config->verbose = globalVerbose || sectionVerbose;
  return 0;
}


#if !ORTHANC_PY_HAS_OrthancPluginGetConfiguration
/* The whole file as a malloc'd string, or NULL. */
static char* ReadFile(const char* path)
{
  FILE* file = fopen(path, "rb");
  if (file == NULL)
  {
    return NULL;
  }

  size_t size = 0;
  size_t capacity = 4096;
  char* text = malloc(capacity);
  while (text != NULL)
  {
    size += fread(text + size, 1, capacity - size - 1, file);
    if (size + 1 < capacity)
    {
      break;
    }
    capacity *= 2;
    char* larger = realloc(text, capacity);
    if (larger == NULL)
    {
      free(text);
    }
    text = larger;
  }

  int failed = ferror(file);
  fclose(file);
  if (text == NULL || failed)
  {
    free(text);
    return NULL;
  }
  text[size] = '\0';
  return text;
}
#endif


int OrthancPyConfig_Read(OrthancPyConfig* config)
{
  memset(config, 0, sizeof(*config));
  OrthancPluginContext* context = OrthancPy_GetContext();

#if ORTHANC_PY_HAS_OrthancPluginGetConfiguration
  char* json = OrthancPluginGetConfiguration(context);
  if (json == NULL)
  {
    OrthancPy_Log(ORTHANC_PY_LOG_ERROR, "Python plugin: cannot read Orthanc's configuration");
    return -1;
  }
  int status = OrthancPyConfig_Parse(config, json);
  OrthancPluginFreeString(context, json);
  return status;
#else
  /* SDK 0.8.6 and 0.9.0 only tell where the configuration file is. */
  char* path = OrthancPluginGetConfigurationPath(context);
  char* json = (path != NULL) ? ReadFile(path) : NULL;
  if (json == NULL)
  {
    OrthancPy_Logf(ORTHANC_PY_LOG_ERROR, "Python plugin: cannot read Orthanc's configuration file %s",
                   path != NULL ? path : "(unknown)");
  }
  if (path != NULL)
  {
    OrthancPluginFreeString(context, path);
  }
  if (json == NULL)
  {
    return -1;
  }
  int status = OrthancPyConfig_Parse(config, json);
  free(json);
  return status;
#endif
}


void OrthancPyConfig_Clear(OrthancPyConfig* config)
{
  free(config->script);
  config->script = NULL;
  free(config->virtualEnv);
  config->virtualEnv = NULL;
}
