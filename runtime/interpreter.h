/*
 * The life cycle of the embedded interpreter: start-up, the user script,
 * who holds the GIL between callbacks, and shutdown. Can run several times
 * in one process (Orthanc's /tools/reset reloads the plugin).
 */
#pragma once

#include "config.h"

/* Starts the interpreter; on success the calling thread holds the GIL.
 * Returns 0, or -1 after logging why. */
int OrthancPyInterpreter_Start(const OrthancPyConfig* config);

/* GIL held: imports the script as a module named after its file, with its
 * folder first on sys.path. Returns 0, or -1 after logging the traceback. */
int OrthancPyInterpreter_RunScript(const char* path);

/* The thread that started the interpreter lets go of the GIL while Orthanc
 * runs, and takes it back for the shutdown. */
void OrthancPyInterpreter_ReleaseGil(void);
void OrthancPyInterpreter_AcquireGil(void);

/* GIL held by the thread that started the interpreter: Py_FinalizeEx. */
void OrthancPyInterpreter_Stop(void);
