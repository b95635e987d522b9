/*
 * Virtual environments (venv.c): the program the interpreter presents
 * itself as when the script runs in a venv.
 */
#pragma once

#include "config.h"

/* Before the interpreter starts. *program gets the malloc'd path of the
 * venv's python (config->virtualEnv, else the venv the plugin binary is
 * installed in), or NULL when there is no venv. Returns 0, or -1 after
 * logging why the venv is refused (not a venv, another Python version). */
int OrthancPyVenv_Resolve(const OrthancPyConfig* config, char** program);
