"""Harness of the mock `orthanc` module: unit tests of Orthanc Python scripts without Orthanc.

The generated `orthanc.py` next to this file has every name of one SDK release and checks
arguments as the plugin does (wrong count or type: TypeError; out-of-range integer: ValueError);
each call then lands here, in the active `Mock`, which

- records registrations (`mock.registrations`) and drives the callbacks like Orthanc would:
  `rest()`, `change()`, `store_instance()`, `http_filter()`, `storage_create/read/remove()`,
  `find()`, `worklist()`, `move()`, `received_instance()`, `cstore_filter()`, `dicom_filter()`,
  `refresh_metrics()`;
- answers REST calls (`RestApiGet`, `CallRestApi`, …) from `mock.rest_api`, where a test serves
  canned JSON by URI, and, after plugins, from the script's own routes;
- records what a `RestOutput` receives (`Answer`: status, body, content type, headers, cookies);
- builds `DicomInstance` objects from DICOM bytes (their JSON getters use pydicom when installed);
- logs into `mock.logs`; anything else raises `OrthancException(NOT_IMPLEMENTED)` until the test
  gives it a fake with `mock.implement("Name", function)` (methods: "Class.Name", first argument
  the object).

    import orthanc_mock
    mock = orthanc_mock.Mock()
    mock.rest_api.serve("/system", {"Name": "test"})
    script = mock.load_script("my_script.py")
    answer = mock.rest("GET", "/my/route")
    assert answer.status == 200 and answer.json() == {...}

Exceptions raised by a callback reach the test (Orthanc would log them and answer HTTP 500).
Pure Python, Python 3.8+; pydicom is optional.
"""

from __future__ import annotations

import functools
import importlib
import json
import re
import sys
import uuid
from pathlib import Path
from typing import Any, Callable

_active: Mock | None = None


def current() -> Mock:
    """The active mock (the last one created); one is created on first use."""
    global _active
    if _active is None:
        _active = Mock()
    return _active


def _orthanc() -> Any:
    return importlib.import_module("orthanc")


def _error(code_name: str, description: str) -> Exception:
    orthanc = _orthanc()
    code = getattr(orthanc.ErrorCode, code_name, orthanc.ErrorCode.INTERNAL_ERROR)
    return orthanc.OrthancException(code, description)


# ---------------------------------------------------------------------------------------------
# Argument checks: the generated functions pass (name, value, kind) for each parameter.

def _type_error(function: str, parameter: str, expected: str, value: Any) -> TypeError:
    return TypeError(f"{function}() argument '{parameter}' must be {expected}, not {type(value).__name__}")


def check(function: str, parameter: str, value: Any, kind: str) -> None:
    """Raise TypeError/ValueError where the plugin's argument parsing would."""
    if kind.startswith("?"):
        if value is None:
            return
        kind = kind[1:]
    if kind == "any":
        return
    if kind == "str":
        if not isinstance(value, str):
            raise _type_error(function, parameter, "str", value)
    elif kind == "bytes":
        if not isinstance(value, (bytes, bytearray, memoryview, str)):
            raise _type_error(function, parameter, "bytes-like object or str", value)
    elif kind.startswith("int"):
        if not isinstance(value, int) and not hasattr(type(value), "__index__"):
            raise _type_error(function, parameter, "int", value)
        if kind != "int":
            low, high = (int(x) for x in kind.split(":")[1:])
            number = int(value.__index__())
            if not low <= number <= high:
                raise ValueError(f"{function}() argument '{parameter}' is out of range [{low}, {high}]: {number}")
    elif kind == "float":
        if isinstance(value, str) or not isinstance(value, (int, float)):
            raise _type_error(function, parameter, "float", value)
    elif kind == "callable":
        if not callable(value):
            raise _type_error(function, parameter, "callable", value)
    elif kind == "mapping":
        if not hasattr(value, "items"):
            raise _type_error(function, parameter, "a mapping", value)
    elif kind.startswith("object:"):
        cls = getattr(_orthanc(), kind.split(":", 1)[1])
        if not isinstance(value, cls):
            raise _type_error(function, parameter, "orthanc." + cls.__name__, value)


def call(qualified: str, obj: MockObject | None, checked: tuple) -> Any:
    """Entry point of every generated function: check the arguments, then run the fake."""
    for parameter, value, kind in checked:
        check(qualified, parameter, value, kind)
    if obj is not None:
        obj._mock_check_valid(qualified)
    fake = current()._fake(qualified)
    values = {parameter: value for parameter, value, _ in checked}
    return fake(**values) if obj is None else fake(obj, **values)


class MockObject:
    """Base of the mock's classes: built by the harness, valid while the callback runs."""

    def __init__(self) -> None:
        # As in the plugin, a script may create one, but it wraps nothing: its methods raise ValueError.
        self._mock_valid = False

    @classmethod
    def _mock_new(cls, **state: Any) -> Any:
        obj = object.__new__(cls)
        obj._mock_valid = True
        obj.__dict__.update(state)
        return obj

    def _mock_check_valid(self, qualified: str) -> None:
        if not getattr(self, "_mock_valid", True):
            raise ValueError(f"{qualified}: this orthanc.{type(self).__name__} is no longer valid: objects "
                             "handed to a callback can only be used while the callback runs")


# ---------------------------------------------------------------------------------------------
# What scripts receive and produce.

class Answer:
    """What a REST callback did with its RestOutput."""

    def __init__(self) -> None:
        self.status: int | None = None  # None: the callback answered nothing
        self.body = b""
        self.content_type: str | None = None
        self.headers: dict[str, str] = {}
        self.cookies: dict[str, str] = {}
        self.multipart: list[bytes] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []  # every RestOutput method called, in order

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def __repr__(self) -> str:
        return f"<Answer {self.status} {self.content_type} {self.body[:60]!r}>"


def _as_bytes(value: Any) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def _encode_answer(answer: Any) -> bytes:
    if isinstance(answer, (bytes, bytearray, str)):
        return _as_bytes(answer)
    return json.dumps(answer, indent=3).encode("utf-8")


class FakeRestApi:
    """Orthanc's REST API as the script's RestApiXxx calls see it: canned answers by URI."""

    def __init__(self, mock: Mock) -> None:
        self._mock = mock
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., Any]]] = []
        self.requests: list[tuple[str, str, bytes]] = []  # (method, uri, body) of every call

    def serve(self, uri: str, answer: Any, *, method: str = "GET", status: int = 200) -> None:
        """Answer `method uri` with answer (JSON-encoded unless bytes or str)."""
        body = _encode_answer(answer)
        self.route(method, re.escape(uri), lambda **_: (status, body))

    def route(self, method: str, pattern: str, handler: Callable[..., Any]) -> None:
        """handler(uri=, body=, headers=, groups=) -> answer, or (status, answer); latest first."""
        self._routes.insert(0, (method.upper(), re.compile(pattern), handler))

    def handle(self, method: str, uri: str, body: bytes, headers: dict[str, str],
               after_plugins: bool) -> tuple[int, bytes, dict[str, str]]:
        self.requests.append((method, uri, body))
        path = uri.split("?", 1)[0]
        for route_method, pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if route_method == method and match:
                result = handler(uri=uri, body=body, headers=headers, groups=match.groups())
                status, answer = result if isinstance(result, tuple) else (200, result)
                return status, _encode_answer(answer), {}
        if after_plugins:
            answer = self._mock.rest(method, uri, body=body, headers=headers)
            if answer.status is not None and answer.status != 404:
                return answer.status, answer.body, dict(answer.headers)
        return 404, b"", {}


_HTTP_ERRORS = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN_ACCESS", 404: "UNKNOWN_RESOURCE",
                415: "UNSUPPORTED_MEDIA_TYPE"}


# ---------------------------------------------------------------------------------------------
# DICOM instances from bytes.

def _dataset(data: bytes) -> Any:
    try:
        import pydicom
    except ImportError:
        raise _error("NOT_IMPLEMENTED", "orthanc mock: reading DICOM needs pydicom (pip install pydicom)") from None
    from io import BytesIO

    try:
        return pydicom.dcmread(BytesIO(data), force=True)
    except Exception as error:  # pydicom raises many kinds
        raise _error("BAD_FILE_FORMAT", f"orthanc mock: not DICOM: {error}") from None


def _simple_value(element: Any) -> Any:
    if element.VR == "SQ":
        return [_simplified(item) for item in element.value]
    if element.VR in ("OB", "OW", "OF", "OD", "OL", "OV", "UN"):
        return None
    value = element.value
    if value is None:
        return ""
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return "\\".join(str(v) for v in value)
    return str(value)


def _simplified(dataset: Any) -> dict[str, Any]:
    result = {}
    for element in dataset:
        if element.tag == 0x7FE00010 or element.tag.is_private:
            continue
        name = element.keyword or f"{element.tag.group:04x},{element.tag.element:04x}"
        result[name] = _simple_value(element)
    return result


def _full(dataset: Any) -> dict[str, Any]:
    result = {}
    for element in dataset:
        if element.tag == 0x7FE00010:
            continue
        key = f"{element.tag.group:04x},{element.tag.element:04x}"
        name = element.keyword or "Unknown Tag & Data"
        if element.VR == "SQ":
            result[key] = {"Name": name, "Type": "Sequence", "Value": [_full(item) for item in element.value]}
        elif element.VR in ("OB", "OW", "OF", "OD", "OL", "OV", "UN"):
            result[key] = {"Name": name, "Type": "Binary", "Value": None}
        else:
            result[key] = {"Name": name, "Type": "String", "Value": _simple_value(element)}
    return result


def _instance_fakes() -> dict[str, Callable[..., Any]]:
    def dataset(obj: Any) -> Any:
        if obj._mock_dataset is None:
            obj._mock_dataset = _dataset(obj._mock_data)
        return obj._mock_dataset

    def metadata(obj: Any, metadata: str) -> str:
        if metadata not in obj._mock_metadata:
            raise _error("INEXISTENT_ITEM", f"no metadata {metadata}")
        return obj._mock_metadata[metadata]

    def frames(obj: Any) -> int:
        return int(getattr(dataset(obj), "NumberOfFrames", 1) or 1) if "PixelData" in dataset(obj) else 0

    return {
        "GetInstanceData": lambda obj: obj._mock_data,
        "SerializeDicomInstance": lambda obj: obj._mock_data,
        "GetInstanceSize": lambda obj: len(obj._mock_data),
        "GetInstanceRemoteAet": lambda obj: obj._mock_remote_aet,
        "GetInstanceOrigin": lambda obj: obj._mock_origin,
        "GetInstanceSimplifiedJson": lambda obj: json.dumps(_simplified(dataset(obj))),
        "GetInstanceJson": lambda obj: json.dumps(_full(dataset(obj))),
        "GetInstanceDicomWebJson": lambda obj: json.dumps(dataset(obj).to_json_dict()),
        "GetInstanceTransferSyntaxUid": lambda obj: str(dataset(obj).file_meta.TransferSyntaxUID),
        "HasInstancePixelData": lambda obj: int("PixelData" in dataset(obj)),
        "GetInstanceFramesCount": frames,
        "HasInstanceMetadata": lambda obj, metadata: int(metadata in obj._mock_metadata),
        "GetInstanceMetadata": metadata,
    }


# ---------------------------------------------------------------------------------------------
# The mock.

# Registrations Orthanc accepts only once (a second one raises RuntimeError in the plugin).
_SINGLE = {
    "RegisterStorageArea": "storage", "RegisterStorageArea2": "storage", "RegisterStorageArea3": "storage",
    "RegisterFindCallback": "find", "RegisterFindCallback2": "find",
    "RegisterWorklistCallback": "worklist", "RegisterWorklistCallback2": "worklist",
    "RegisterMoveCallback": "move", "RegisterMoveCallback2": "move", "RegisterMoveCallback3": "move",
    "RegisterStorageCommitmentScpCallback": "commitment", "RegisterStorageCommitmentScpCallback2": "commitment",
}


class Mock:
    """The fake Orthanc behind the mock module. Creating one makes it the active one."""

    def __init__(self, configuration: dict[str, Any] | None = None) -> None:
        global _active
        _active = self
        self.configuration: dict[str, Any] = dict(configuration or {})
        self.logs: list[tuple[str, str]] = []  # (level, message)
        self.registrations: dict[str, list[tuple[Any, ...]]] = {}  # registration name -> argument tuples
        self.rest_api = FakeRestApi(self)
        self.global_properties: dict[int, str] = {}
        self.metrics: dict[str, float] = {}
        self.explorer_javascript: list[str] = []
        self._fakes: dict[str, Callable[..., Any]] = {}
        self._install_default_fakes()

    # -- fakes ----------------------------------------------------------------------------------

    def implement(self, qualified: str, fake: Callable[..., Any]) -> None:
        """Give `orthanc.<qualified>` a fake (methods: "Class.Name", called with the object first)."""
        self._fakes[qualified] = fake

    def _fake(self, qualified: str) -> Callable[..., Any]:
        fake = self._fakes.get(qualified)
        if fake is not None:
            return fake

        def missing(*args: Any, **kwargs: Any) -> Any:
            raise _error("NOT_IMPLEMENTED", f"orthanc mock: {qualified} has no fake; give one with "
                                            f"mock.implement({qualified!r}, function)")
        return missing

    def _install_default_fakes(self) -> None:
        fakes = self._fakes
        for level in ("Info", "Warning", "Error"):
            fakes["Log" + level] = functools.partial(self._log, level.upper())
        fakes["LogMessage"] = lambda message, plugin, file, line, category, level: \
            self.logs.append((str(level), message))
        for name in _REGISTRATIONS:
            fakes[name] = functools.partial(self._register, name)
        fakes["RegisterRestCallback"] = self._register_rest
        fakes["GetConfiguration"] = lambda: json.dumps(self.configuration)
        fakes["GenerateUuid"] = lambda: str(uuid.uuid4())
        fakes["GetGlobalProperty"] = lambda property, defaultValue: self.global_properties.get(property, defaultValue)
        fakes["SetGlobalProperty"] = lambda property, value: self.global_properties.__setitem__(property, value)
        fakes["SetMetricsValue"] = lambda name, value, type: self.metrics.__setitem__(name, value)
        fakes["ExtendOrthancExplorer"] = self.explorer_javascript.append
        fakes["SetDescription"] = lambda description: None
        fakes["SetRootUri"] = lambda uri: None
        fakes["CreateDicomInstance"] = lambda buffer: self.dicom_instance(_as_bytes(buffer))
        fakes["GetDicomForInstance"] = lambda instanceId: self._rest_call("GET", f"/instances/{instanceId}/file")
        self._install_rest_api_fakes()
        for name, fake in _instance_fakes().items():
            fakes["DicomInstance." + name] = fake
        fakes["FindQuery.GetFindQuerySize"] = lambda obj: len(obj._mock_tags)
        fakes["FindQuery.GetFindQueryTagGroup"] = lambda obj, index: obj._mock_tags[index][0][0]
        fakes["FindQuery.GetFindQueryTagElement"] = lambda obj, index: obj._mock_tags[index][0][1]
        fakes["FindQuery.GetFindQueryValue"] = lambda obj, index: obj._mock_tags[index][1]
        fakes["FindAnswers.FindAddAnswer"] = lambda obj, dicom: obj._mock_answers.append(_as_bytes(dicom))
        fakes["FindAnswers.FindMarkIncomplete"] = lambda obj: None
        fakes["WorklistQuery.WorklistGetDicomQuery"] = lambda obj: obj._mock_query
        fakes["WorklistAnswers.WorklistAddAnswer"] = lambda obj, query, dicom: obj._mock_answers.append(
            _as_bytes(dicom))
        fakes["WorklistAnswers.WorklistMarkIncomplete"] = lambda obj: None
        self._install_rest_output_fakes()

    def _install_rest_api_fakes(self) -> None:
        fakes = self._fakes
        for suffix, after in (("", False), ("AfterPlugins", True)):
            fakes["RestApiGet" + suffix] = functools.partial(self._rest_call, "GET", after_plugins=after)
            fakes["RestApiDelete" + suffix] = functools.partial(self._rest_delete, after_plugins=after)
            for method in ("POST", "PUT"):
                fakes["RestApi" + method.title() + suffix] = functools.partial(
                    self._rest_call, method, after_plugins=after)
        fakes["RestApiGet2"] = lambda uri, headers, afterPlugins: self._rest_call(
            "GET", uri, headers=dict(headers or {}), after_plugins=bool(afterPlugins))

        def call_rest_api(method: int, uri: str, headers: Any, body: Any, afterPlugins: bool) -> Any:
            names = {v: k for k, v in vars(_orthanc().HttpMethod).items() if isinstance(v, int)}
            if method not in names:
                raise ValueError(f"CallRestApi: unknown HTTP method {method}")
            status, answer, answer_headers = self.rest_api.handle(
                names[method], uri, _as_bytes(body), dict(headers or {}), bool(afterPlugins))
            return answer, answer_headers, status
        fakes["CallRestApi"] = call_rest_api

    def _log(self, level: str, message: str) -> None:
        self.logs.append((level, message))

    def _rest_delete(self, uri: str, *, after_plugins: bool) -> None:
        self._rest_call("DELETE", uri, after_plugins=after_plugins)

    def _rest_call(self, method: str, uri: str, body: Any = b"", *, headers: dict[str, str] | None = None,
                   after_plugins: bool = False) -> bytes:
        status, answer, _ = self.rest_api.handle(method, uri, _as_bytes(body), headers or {}, after_plugins)
        if status >= 300:
            raise _error(_HTTP_ERRORS.get(status, "INTERNAL_ERROR"), f"{method} {uri}: HTTP status {status}")
        return answer

    def _install_rest_output_fakes(self) -> None:
        # Each fake gets the output's Answer as `state` (not `answer`: AnswerBuffer has that argument).
        def record(name: str, apply: Callable[..., None]) -> None:
            def fake(output: Any, **values: Any) -> None:
                state = output._mock_answer
                state.calls.append((name, values))
                apply(state, **values)
            self._fakes["RestOutput." + name] = fake

        def answer_buffer(state: Answer, answer: Any, mimeType: str) -> None:
            state.status, state.body, state.content_type = 200, _as_bytes(answer), mimeType

        def status_body(state: Answer, status: int, body: Any = b"", bodySize: Any = None) -> None:
            # bodySize: the SDK 1.10 form (status, body, bodySize) sends the first bodySize bytes.
            data = _as_bytes(body)
            state.status, state.body = status, data if bodySize is None else data[:bodySize]

        def redirect(state: Answer, redirection: str) -> None:
            state.status, state.headers["Location"] = 301, redirection

        def unauthorized(state: Answer, realm: str) -> None:
            state.status, state.headers["WWW-Authenticate"] = 401, f'Basic realm="{realm}"'

        def not_allowed(state: Answer, allowedMethods: str) -> None:
            state.status, state.headers["Allow"] = 405, allowedMethods

        def multipart_start(state: Answer, subType: str, contentType: str) -> None:
            state.status, state.content_type = 200, f"multipart/{subType}; type={contentType}"

        record("AnswerBuffer", answer_buffer)
        record("SendHttpStatusCode", lambda state, status: status_body(state, status))
        record("SendHttpStatus", status_body)
        record("SetHttpHeader", lambda state, key, value: state.headers.__setitem__(key, value))
        record("SetCookie", lambda state, cookie, value: state.cookies.__setitem__(cookie, value))
        record("Redirect", redirect)
        record("SendUnauthorized", unauthorized)
        record("SendMethodNotAllowed", not_allowed)
        record("StartMultipartAnswer", multipart_start)
        record("SendMultipartItem", lambda state, answer: state.multipart.append(_as_bytes(answer)))
        record("SetHttpErrorDetails", lambda state, details, log: None)
        for name in ("CompressAndAnswerPngImage", "CompressAndAnswerJpegImage"):
            record(name, lambda state, **values: setattr(state, "status", 200))

    # -- registrations --------------------------------------------------------------------------

    def _register(self, name: str, *args: Any, **kwargs: Any) -> None:
        group = _SINGLE.get(name)
        if group is not None and any(_SINGLE.get(other) == group for other in self.registrations):
            raise RuntimeError(f"{name}: Orthanc accepts only one such callback (already registered)")
        self.registrations.setdefault(name, []).append(args + tuple(kwargs.values()))

    def _register_rest(self, pathRegularExpression: str, callback: Callable[..., Any]) -> None:
        try:
            re.compile(pathRegularExpression)
        except re.error as error:
            raise ValueError(f"RegisterRestCallback: bad regular expression: {error}") from None
        self._register("RegisterRestCallback", pathRegularExpression, callback)

    def callbacks(self, *names: str) -> list[tuple[Any, ...]]:
        """The argument tuples of every registration named, in registration order."""
        return [args for name in names for args in self.registrations.get(name, [])]

    def _single(self, *names: str) -> tuple[Any, ...]:
        found = self.callbacks(*names)
        if not found:
            raise LookupError(f"the script registered no {' / '.join(names)}")
        return found[0]

    # -- scripts --------------------------------------------------------------------------------

    def load_script(self, path: str | Path) -> Any:
        """Import a script as the plugin does: a module named after its file, its folder on sys.path."""
        path = Path(path).resolve()
        folder = str(path.parent)
        if folder not in sys.path:
            sys.path.insert(0, folder)
        sys.modules.pop(path.stem, None)
        return importlib.import_module(path.stem)

    def _invalidate(self, *objects: Any) -> None:
        for obj in objects:
            obj._mock_valid = False

    # -- driving callbacks ----------------------------------------------------------------------

    def rest(self, method: str, uri: str, *, body: bytes | str = b"", get: dict[str, str] | None = None,
             headers: dict[str, str] | None = None) -> Answer:
        """Call the script's REST route matching uri (the first registered); status 404 if none."""
        method = method.upper()
        path, _, query = uri.partition("?")
        if get is None:
            from urllib.parse import parse_qsl

            get = dict(parse_qsl(query))
        answer = Answer()
        for pattern, callback in self.callbacks("RegisterRestCallback"):
            match = re.fullmatch(pattern, path)
            if match is None:
                continue
            output = _orthanc().RestOutput._mock_new(_mock_answer=answer)
            kwargs: dict[str, Any] = {"method": method, "groups": match.groups(), "headers": dict(headers or {})}
            if method == "GET":
                kwargs["get"] = dict(get)
            if method in ("POST", "PUT"):
                kwargs["body"] = _as_bytes(body)
            try:
                callback(output, path, **kwargs)
            finally:
                self._invalidate(output)
            return answer
        answer.status = 404
        return answer

    def change(self, change_type: int, resource_type: int, resource_id: str) -> None:
        """Call the on-change callbacks in order (Orthanc calls them from a worker thread)."""
        for (callback,) in self.callbacks("RegisterOnChangeCallback"):
            callback(change_type, resource_type, resource_id)

    def dicom_instance(self, data: bytes, *, remote_aet: str = "", origin: int | None = None,
                       metadata: dict[str, str] | None = None) -> Any:
        """An orthanc.DicomInstance whose getters read data (a DICOM file's bytes)."""
        orthanc = _orthanc()
        if origin is None:
            origin = getattr(getattr(orthanc, "InstanceOrigin", None), "REST_API", 0)
        return orthanc.DicomInstance._mock_new(_mock_data=bytes(data), _mock_dataset=None,
                                               _mock_remote_aet=remote_aet, _mock_origin=origin,
                                               _mock_metadata=dict(metadata or {}))

    def store_instance(self, data: bytes, instance_id: str = "", **instance: Any) -> None:
        """Call the stored-instance callbacks with a DicomInstance of data."""
        for (callback,) in self.callbacks("RegisterOnStoredInstanceCallback"):
            dicom = self.dicom_instance(data, **instance)
            try:
                callback(dicom, instance_id)
            finally:
                self._invalidate(dicom)

    def http_filter(self, uri: str, method: str = "GET", ip: str = "127.0.0.1",
                    headers: dict[str, str] | None = None, get: dict[str, str] | None = None) -> bool:
        """Whether the HTTP filters allow this request (all must; False means HTTP 403)."""
        for (callback,) in self.callbacks("RegisterIncomingHttpRequestFilter"):
            if not callback(uri, method=method.upper(), ip=ip, headers=dict(headers or {}), get=dict(get or {})):
                return False
        return True

    def _storage(self) -> tuple[Any, ...]:
        return self._single("RegisterStorageArea", "RegisterStorageArea2", "RegisterStorageArea3")

    def storage_create(self, uuid: str, content_type: int, data: bytes) -> None:
        self._storage()[0](uuid, content_type, bytes(data))

    def storage_read(self, uuid: str, content_type: int) -> bytes:
        return bytes(self._storage()[1](uuid, content_type))

    def storage_remove(self, uuid: str, content_type: int) -> None:
        self._storage()[2](uuid, content_type)

    def find(self, query: dict[tuple[int, int], str], issuer_aet: str = "SCU",
             called_aet: str = "ORTHANC") -> list[bytes]:
        """Call the C-FIND callback with {(group, element): value}; the answers it added."""
        orthanc = _orthanc()
        answers: list[bytes] = []
        (callback,) = self._single("RegisterFindCallback")
        found = orthanc.FindAnswers._mock_new(_mock_answers=answers)
        request = orthanc.FindQuery._mock_new(_mock_tags=list(query.items()))
        try:
            callback(found, request, issuer_aet, called_aet)
        finally:
            self._invalidate(found, request)
        return answers

    def worklist(self, query: bytes, issuer_aet: str = "SCU", called_aet: str = "ORTHANC") -> list[bytes]:
        """Call the worklist callback with a query (DICOM bytes); the answers it added.
        (WorklistIsMatch has no fake: give one with mock.implement("WorklistQuery.WorklistIsMatch", …).)"""
        orthanc = _orthanc()
        answers: list[bytes] = []
        (callback,) = self._single("RegisterWorklistCallback")
        found = orthanc.WorklistAnswers._mock_new(_mock_answers=answers)
        request = orthanc.WorklistQuery._mock_new(_mock_query=bytes(query))
        try:
            callback(found, request, issuer_aet, called_aet)
        finally:
            self._invalidate(found, request)
        return answers

    def move(self, **request: Any) -> Any:
        """Call the C-MOVE callback with the request's keys (Level, PatientID, …)."""
        keys = ("Level", "PatientID", "AccessionNumber", "StudyInstanceUID", "SeriesInstanceUID",
                "SOPInstanceUID", "OriginatorAET", "SourceAET", "TargetAET", "OriginatorID")
        full = {key: request.get(key, 0 if key == "OriginatorID" else "") for key in keys}
        (callback,) = self._single("RegisterMoveCallback")
        return callback(**full)

    def received_instance(self, data: bytes, origin: int) -> Any:
        """Chain the received-instance callbacks; the last (action, bytes or None)."""
        result: Any = None
        for (callback,) in self.callbacks("RegisterReceivedInstanceCallback"):
            result = callback(bytes(data), origin)
        return result

    def cstore_filter(self, data: bytes, **instance: Any) -> int:
        """The C-STORE filters' verdict: 0 accepts, else the first refusal's DIMSE status."""
        for (callback,) in self.callbacks("RegisterIncomingCStoreInstanceFilter"):
            dicom = self.dicom_instance(data, **instance)
            try:
                status = callback(dicom)
            finally:
                self._invalidate(dicom)
            if status != 0:
                return int(status)
        return 0

    def dicom_filter(self, data: bytes, **instance: Any) -> bool:
        """Whether every incoming-DICOM-instance filter accepts data."""
        for (callback,) in self.callbacks("RegisterIncomingDicomInstanceFilter"):
            dicom = self.dicom_instance(data, **instance)
            try:
                if not callback(dicom):
                    return False
            finally:
                self._invalidate(dicom)
        return True

    def refresh_metrics(self) -> None:
        for (callback,) in self.callbacks("RegisterRefreshMetricsCallback"):
            callback()


# Registrations recorded as they come (RegisterRestCallback also checks its pattern).
_REGISTRATIONS = (
    "RegisterOnChangeCallback", "RegisterOnStoredInstanceCallback", "RegisterIncomingHttpRequestFilter",
    "RegisterReceivedInstanceCallback", "RegisterIncomingCStoreInstanceFilter",
    "RegisterIncomingDicomInstanceFilter", "RegisterRefreshMetricsCallback", *_SINGLE,
)
