/* Broken header: A function-like macro whose parameter list is not closed. */
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
#define ORTHANC_PLUGIN_CALL(name, value
static inline OrthancPluginErrorCode OrthancPluginCheck(OrthancPluginContext* context, int32_t value)
{
  (void) context;
  return value > 0 ? OrthancPluginErrorCode_Success : OrthancPluginErrorCode_Plugin;
}
