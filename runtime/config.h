/*
 * The configuration keys of the plugin, read from Orthanc's configuration:
 *   "PythonScript": path              "Python": { "Path": path,
 *   "PythonVerbose": bool                         "Verbose": bool,
 *                                                  "DisplayMemoryUsage": bool,
 *                                                  "AllowThreads": bool,
 *                                                  "VirtualEnv": path }
 * Path and Verbose in the section are aliases of the two global keys.
 */
#pragma once

typedef struct
{
  char* script;              /* malloc'd; NULL when no script is configured */
  int verbose;
  int displayMemoryUsage;
  int allowThreads;
  char* virtualEnv;          /* malloc'd "Python" > "VirtualEnv"; NULL when not configured */
} OrthancPyConfig;

/* Returns 0, or -1 after logging why the configuration is unusable. */
int OrthancPyConfig_Read(OrthancPyConfig* config);

/* Same, from a JSON document (the part that tests can reach without
 * Orthanc). */
int OrthancPyConfig_Parse(OrthancPyConfig* config, const char* json);

void OrthancPyConfig_Clear(OrthancPyConfig* config);
