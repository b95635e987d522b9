/*
 * A validating skip-parser: values are located, never built, and only the
 * strings that are asked for are decoded.
 */
#include "json_mini.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NESTING 64

/* Skips white space and the comments that Orthanc's configuration files may
 * carry (Orthanc's reader accepts // and block comments). */
static const char* SkipSpace(const char* p)
{
  for (;;)
  {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
    {
      p++;
    }
    if (p[0] == '/' && p[1] == '/')
    {
      while (*p != '\0' && *p != '\n')
      {
        p++;
      }
    }
    else if (p[0] == '/' && p[1] == '*')
    {
      const char* end = strstr(p + 2, "*/");
      if (end == NULL)
      {
        return p;   /* unterminated: the caller sees invalid JSON */
      }
      p = end + 2;
    }
    else
    {
      return p;
    }
  }
}


/* `p` at the opening quote; returns the position after the closing one. */
static const char* SkipString(const char* p)
{
  p++;
  while (*p != '\0' && *p != '"')
  {
    if ((unsigned char) *p < 0x20)
    {
      return NULL;
    }
    if (*p == '\\')
    {
      p++;
      if (*p == '\0')
      {
        return NULL;
      }
    }
    p++;
  }
  return (*p == '"') ? p + 1 : NULL;
}


static const char* SkipLiteral(const char* p, const char* literal)
{
  size_t length = strlen(literal);
  return (strncmp(p, literal, length) == 0) ? p + length : NULL;
}


static const char* SkipNumber(const char* p)
{
  const char* start = p;
  while ((*p >= '0' && *p <= '9') || *p == '-' || *p == '+' || *p == '.' || *p == 'e' || *p == 'E')
  {
    p++;
  }
  return (p != start) ? p : NULL;
}


static const char* SkipValue(const char* p, OrthancPyJsonValue* value, int nesting);


/* `p` at '{' or '['; returns the position after the closing bracket. */
static const char* SkipContainer(const char* p, int isObject, int nesting)
{
  if (nesting > MAX_NESTING)
  {
    return NULL;
  }

  char close = isObject ? '}' : ']';
  p = SkipSpace(p + 1);
  if (*p == close)
  {
    return p + 1;
  }

  for (;;)
  {
    if (isObject)
    {
      if (*p != '"' || (p = SkipString(p)) == NULL)
      {
        return NULL;
      }
      p = SkipSpace(p);
      if (*p != ':')
      {
        return NULL;
      }
      p++;
    }

    OrthancPyJsonValue ignored;
    p = SkipValue(p, &ignored, nesting + 1);
    if (p == NULL)
    {
      return NULL;
    }
    p = SkipSpace(p);
    if (*p == ',')
    {
      p = SkipSpace(p + 1);
    }
    else if (*p == close)
    {
      return p + 1;
    }
    else
    {
      return NULL;
    }
  }
}


static const char* SkipValue(const char* p, OrthancPyJsonValue* value, int nesting)
{
  p = SkipSpace(p);
  value->begin = p;

  switch (*p)
  {
    case '"':
      value->kind = ORTHANC_PY_JSON_STRING;
      p = SkipString(p);
      break;
    case '{':
      value->kind = ORTHANC_PY_JSON_OBJECT;
      p = SkipContainer(p, 1, nesting);
      break;
    case '[':
      value->kind = ORTHANC_PY_JSON_ARRAY;
      p = SkipContainer(p, 0, nesting);
      break;
    case 't':
      value->kind = ORTHANC_PY_JSON_TRUE;
      p = SkipLiteral(p, "true");
      break;
    case 'f':
      value->kind = ORTHANC_PY_JSON_FALSE;
      p = SkipLiteral(p, "false");
      break;
    case 'n':
      value->kind = ORTHANC_PY_JSON_NULL;
      p = SkipLiteral(p, "null");
      break;
    default:
      value->kind = ORTHANC_PY_JSON_NUMBER;
      p = SkipNumber(p);
      break;
  }

  value->end = p;
  return p;
}


static int HexDigit(char c)
{
  if (c >= '0' && c <= '9')
  {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f')
  {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F')
  {
    return c - 'A' + 10;
  }
  return -1;
}


/* Reads the 4 hex digits after "\u"; -1 if malformed. */
static long ReadHex4(const char* p)
{
  long result = 0;
  for (int i = 0; i < 4; i++)
  {
    int digit = HexDigit(p[i]);
    if (digit < 0)
    {
      return -1;
    }
    result = result * 16 + digit;
  }
  return result;
}


static char* EncodeUtf8(char* target, uint32_t codePoint)
{
  if (codePoint < 0x80)
  {
    *target++ = (char) codePoint;
  }
  else if (codePoint < 0x800)
  {
    *target++ = (char) (0xC0 | (codePoint >> 6));
    *target++ = (char) (0x80 | (codePoint & 0x3F));
  }
  else if (codePoint < 0x10000)
  {
    *target++ = (char) (0xE0 | (codePoint >> 12));
    *target++ = (char) (0x80 | ((codePoint >> 6) & 0x3F));
    *target++ = (char) (0x80 | (codePoint & 0x3F));
  }
  else
  {
    *target++ = (char) (0xF0 | (codePoint >> 18));
    *target++ = (char) (0x80 | ((codePoint >> 12) & 0x3F));
    *target++ = (char) (0x80 | ((codePoint >> 6) & 0x3F));
    *target++ = (char) (0x80 | (codePoint & 0x3F));
  }
  return target;
}


char* OrthancPyJson_DecodeString(const OrthancPyJsonValue* value)
{
  if (value->kind != ORTHANC_PY_JSON_STRING || value->end - value->begin < 2)
  {
    return NULL;
  }

  /* An escape never decodes to more bytes than it spells. */
  char* result = malloc((size_t) (value->end - value->begin));
  if (result == NULL)
  {
    return NULL;
  }

  char* target = result;
  const char* p = value->begin + 1;
  const char* last = value->end - 1;   /* the closing quote */
  while (p < last)
  {
    if (*p != '\\')
    {
      *target++ = *p++;
      continue;
    }

    p++;
    switch (*p)
    {
      case '"': *target++ = '"'; p++; break;
      case '\\': *target++ = '\\'; p++; break;
      case '/': *target++ = '/'; p++; break;
      case 'b': *target++ = '\b'; p++; break;
      case 'f': *target++ = '\f'; p++; break;
      case 'n': *target++ = '\n'; p++; break;
      case 'r': *target++ = '\r'; p++; break;
      case 't': *target++ = '\t'; p++; break;
      case 'u':
      {
        if (last - p < 5)
        {
          free(result);
          return NULL;
        }
        long unit = ReadHex4(p + 1);
        p += 5;
        if (unit < 0)
        {
          free(result);
          return NULL;
        }
        uint32_t codePoint = (uint32_t) unit;
        if (unit >= 0xD800 && unit <= 0xDBFF && last - p >= 6 && p[0] == '\\' && p[1] == 'u')
        {
          long low = ReadHex4(p + 2);
          if (low >= 0xDC00 && low <= 0xDFFF)
          {
            codePoint = 0x10000 + (((uint32_t) unit - 0xD800) << 10) + ((uint32_t) low - 0xDC00);
            p += 6;
          }
        }
        target = EncodeUtf8(target, codePoint);
        break;
      }
      default:
        free(result);
        return NULL;
    }
  }

  *target = '\0';
  return result;
}


/* 1 if the key string at `key` (a JSON string value) decodes to `wanted`. */
static int KeyEquals(const char* keyBegin, const char* keyEnd, const char* wanted)
{
  OrthancPyJsonValue key = { ORTHANC_PY_JSON_STRING, keyBegin, keyEnd };
  char* decoded = OrthancPyJson_DecodeString(&key);
  int equal = (decoded != NULL && strcmp(decoded, wanted) == 0);
  free(decoded);
  return equal;
}


int OrthancPyJson_Find(const char* document, const char* const* path, size_t depth,
                       OrthancPyJsonValue* found)
{
  OrthancPyJsonValue current;
  const char* after = SkipValue(document, &current, 0);
  if (after == NULL || *SkipSpace(after) != '\0')
  {
    return -1;
  }

  for (size_t level = 0; level < depth; level++)
  {
    if (current.kind != ORTHANC_PY_JSON_OBJECT)
    {
      return 0;
    }

    /* The document is valid, so members can be walked without checks. */
    const char* p = SkipSpace(current.begin + 1);
    int matched = 0;
    while (*p == '"')
    {
      const char* keyEnd = SkipString(p);
      int isWanted = KeyEquals(p, keyEnd, path[level]);
      p = SkipSpace(keyEnd) + 1;   /* past ':' */

      OrthancPyJsonValue member;
      p = SkipSpace(SkipValue(p, &member, 0));
      if (isWanted)
      {
        /* Later duplicates win, as in Orthanc's own reader. */
        current = member;
        matched = 1;
      }
      if (*p == ',')
      {
        p = SkipSpace(p + 1);
      }
    }

    if (!matched)
    {
      return 0;
    }
  }

  *found = current;
  return 1;
}
