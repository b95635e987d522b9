/* Broken header: A documentation comment that never ends. */
#pragma once
#include <stdint.h>
#define ORTHANC_PLUGINS_MINIMAL_MAJOR_NUMBER 1
#define ORTHANC_PLUGINS_MINIMAL_MINOR_NUMBER 10
#define ORTHANC_PLUGINS_MINIMAL_REVISION_NUMBER 1
typedef struct _OrthancPluginContext_t { void* pluginsManager; } OrthancPluginContext;
typedef enum {
  OrthancPluginErrorCode_Success = 0,
  OrthancPluginErrorCode_Plugin = 1
} OrthancPluginErrorCode;
/**
 * @brief Checks a value.
 * The comment is never closed, so the rest of the file is swallowed.
static inline OrthancPluginErrorCode OrthancPluginCheck(OrthancPluginContext* context, int32_t value)
{
  (void) context;
  return value > 0 ? OrthancPluginErrorCode_Success : OrthancPluginErrorCode_Plugin;
}
