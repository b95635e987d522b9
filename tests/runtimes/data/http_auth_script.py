"""HTTP authentication and audit logs (SDK 1.12.9+), run by tests/runtimes/test_http_auth_audit.py."""

import json

import orthanc

SEEN = {"authenticated": [], "audit": [], "errors": {}}
Status = orthanc.HttpAuthenticationStatus


def authenticate(uri, ip, headers, get):
    SEEN["authenticated"].append([uri, ip, headers.get("authorization"), get])
    if uri.startswith("/auth/raise"):
        raise RuntimeError("boom-from-authentication")
    if uri.startswith("/auth/none"):
        return None
    token = headers.get("authorization", "")
    if uri == "/system" or token == "Bearer good":
        return (Status.GRANTED, "payload-for-" + uri)
    if uri.startswith("/auth/login-needed"):
        return (Status.REDIRECT, "/app/login.html")
    if token == "Bearer forbidden":
        return Status.FORBIDDEN
    return Status.UNAUTHORIZED


orthanc.RegisterHttpAuthentication(authenticate)
try:
    orthanc.RegisterHttpAuthentication(authenticate)
except RuntimeError as error:
    SEEN["errors"]["second_authentication"] = str(error)


def first_handler(source_plugin, user_id, resource_type, resource_id, action, log_data):
    SEEN["audit"].append([source_plugin, user_id, resource_type, resource_id, action, log_data.hex()])
    if action == "raise":
        raise RuntimeError("boom-from-audit-handler")


def second_handler(source_plugin, user_id, resource_type, resource_id, action, log_data):
    SEEN["audit"].append(["second", action])


orthanc.RegisterAuditLogHandler(first_handler)
orthanc.RegisterAuditLogHandler(second_handler)


def on_emit(output, uri, **request):
    action = request["groups"][0]
    orthanc.EmitAuditLog("python-test", "alice", orthanc.ResourceType.STUDY, "study-1", action, b"\x00audit")
    output.AnswerBuffer("emitted", "text/plain")


def on_seen(output, uri, **request):
    output.AnswerBuffer(json.dumps(SEEN), "application/json")


orthanc.RegisterRestCallback("/audit/emit/(.*)", on_emit)
orthanc.RegisterRestCallback("/auth/seen", on_seen)
