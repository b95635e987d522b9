/* A minimal Orthanc plugin built inside a runtime against that runtime's SDK header and libpython:
 * it embeds Python at load time and answers GET /runtime-probe/c with the versions it saw. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <orthanc/OrthancCPlugin.h>
#include <stdio.h>
#include <string.h>

static OrthancPluginContext *context_ = NULL;
static char answer_[256];

static OrthancPluginErrorCode AnswerVersions(OrthancPluginRestOutput *output, const char *url,
                                             const OrthancPluginHttpRequest *request)
{
  (void) url;
  (void) request;
  OrthancPluginAnswerBuffer(context_, output, answer_, (uint32_t) strlen(answer_), "application/json");
  return OrthancPluginErrorCode_Success;
}

ORTHANC_PLUGINS_API int32_t OrthancPluginInitialize(OrthancPluginContext *context)
{
  context_ = context;
  if (!OrthancPluginCheckVersion(context))
  {
    return -1;
  }
  Py_InitializeEx(0);
  /* Computed once here, so the HTTP threads never need the interpreter; "3.13.5 (main, ...)" is cut
   * at the first space. */
  const char *version = Py_GetVersion();
  int length = (int) strcspn(version, " ");
  snprintf(answer_, sizeof(answer_), "{\"python\": \"%.*s\", \"sdk\": \"%d.%d.%d\", \"orthanc\": \"%s\"}",
           length, version, ORTHANC_PLUGINS_MINIMAL_MAJOR_NUMBER, ORTHANC_PLUGINS_MINIMAL_MINOR_NUMBER,
           ORTHANC_PLUGINS_MINIMAL_REVISION_NUMBER, context->orthancVersion);
  OrthancPluginRegisterRestCallback(context, "/runtime-probe/c", AnswerVersions);
  return 0;
}

ORTHANC_PLUGINS_API void OrthancPluginFinalize(void)
{
  Py_FinalizeEx();
}

ORTHANC_PLUGINS_API const char *OrthancPluginGetName(void)
{
  return "runtime-probe";
}

ORTHANC_PLUGINS_API const char *OrthancPluginGetVersion(void)
{
  return "0.1";
}
