/* Minimal stand-in, see stddef.h. */
#pragma once
#include <stddef.h>
int sprintf(char* str, const char* format, ...);
int snprintf(char* str, size_t size, const char* format, ...);
int sscanf(const char* str, const char* format, ...);
