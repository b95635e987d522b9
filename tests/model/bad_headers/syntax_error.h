/* Looks like the SDK but breaks on line 8. */
#pragma once
#include <stdint.h>
#define ORTHANC_PLUGINS_MINIMAL_MAJOR_NUMBER 1
#define ORTHANC_PLUGINS_MINIMAL_MINOR_NUMBER 12
#define ORTHANC_PLUGINS_MINIMAL_REVISION_NUMBER 10
typedef struct _OrthancPluginContext_t { void* pluginsManager; } OrthancPluginContext;
typedef enum { OrthancPluginErrorCode_Success = 0 OrthancPluginErrorCode_Plugin = 1 } OrthancPluginErrorCode;
