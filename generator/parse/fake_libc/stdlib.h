/* Minimal stand-in, see stddef.h. */
#pragma once
#include <stddef.h>
void free(void* p);
void* malloc(size_t n);
void* calloc(size_t n, size_t size);
void* realloc(void* p, size_t n);
