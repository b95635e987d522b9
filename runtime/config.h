/*
 * The configuration keys of the plugin, read from Orthanc's configuration:
 *   "PythonScript": path              "Python": { "Path": path,
 *   "PythonVerbose": bool                         "Verbose": bool,
 *                                                  "DisplayMemoryUsage": bool,
 *                                                  "AllowThreads": bool,
 *                                                  "VirtualEnv": path,
 *                                                  "Output": "console" | "log",
 *                                                  "StopGracePeriod": seconds }
 * Path and Verbose in the section are aliases of the two global keys.
 * Output says where sys.stdout and sys.stderr go: Orthanc's own standard
 * output and error (the default, as with the Orthanc project's plugin), or
 * Orthanc's log (stdout at warning level, stderr at error level).
 */
#pragma once

typedef struct
{
  char* script;              /* malloc'd; NULL when no script is configured */
  int verbose;
  int displayMemoryUsage;
  int allowThreads;
  char* virtualEnv;          /* malloc'd "Python" > "VirtualEnv"; NULL when not configured */
  int outputToLog;           /* "Output": "log" */
  double stopGracePeriod;    /* see gate.c: bound of every wait at stop */
} OrthancPyConfig;

/* Returns 0, or -1 after logging why the configuration is unusable. */
int OrthancPyConfig_Read(OrthancPyConfig* config);

/* Same, from a JSON document (the part that tests can reach without
 * Orthanc). */
int OrthancPyConfig_Parse(OrthancPyConfig* config, const char* json);

void OrthancPyConfig_Clear(OrthancPyConfig* config);
