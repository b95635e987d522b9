/*
 * Just enough JSON to read a few keys of Orthanc's configuration before the
 * interpreter exists (whether to start it at all depends on them).
 * Pure C, no Python. Comments (// and block) are skipped like white space.
 */
#pragma once

#include <stddef.h>

typedef enum
{
  ORTHANC_PY_JSON_NULL,
  ORTHANC_PY_JSON_TRUE,
  ORTHANC_PY_JSON_FALSE,
  ORTHANC_PY_JSON_NUMBER,
  ORTHANC_PY_JSON_STRING,
  ORTHANC_PY_JSON_ARRAY,
  ORTHANC_PY_JSON_OBJECT
} OrthancPyJsonKind;

typedef struct
{
  OrthancPyJsonKind kind;
  const char* begin;   /* first character of the value in the document */
  const char* end;     /* one past its last character */
} OrthancPyJsonValue;

/* Follows `path` (object keys, outermost first) from the root object of
 * `document`. Returns 1 and fills `found`, 0 if a key is absent or a value
 * on the way is not an object, -1 if the document is not valid JSON. */
int OrthancPyJson_Find(const char* document, const char* const* path, size_t depth,
                       OrthancPyJsonValue* found);

/* The text of a string value, unescaped, as a malloc'd UTF-8 string; NULL
 * if the value is not a valid string or memory is short. */
char* OrthancPyJson_DecodeString(const OrthancPyJsonValue* value);
