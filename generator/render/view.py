"""View model for the templates: the decisions, already made, as plain data.

Templates receive a `convert` kind per argument and result and spell the C
for it in templates/macros.j2; no C syntax is built here.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field

from generator.model.entities import Function, Kind, Model, Parameter, Since
from generator.model.naming import strip_prefix
from generator.model.since import version_key
from generator.plan.plan import CustomEntry, Plan, Status, load_yaml
from generator.render.stub_docs import deprecation, python_doc

INT_LIMITS = {
    (8, True): ("INT8_MIN", "INT8_MAX"),
    (16, True): ("INT16_MIN", "INT16_MAX"),
    (32, True): ("INT32_MIN", "INT32_MAX"),
    (64, True): ("INT64_MIN", "INT64_MAX"),
    (8, False): (None, "UINT8_MAX"),
    (16, False): (None, "UINT16_MAX"),
    (32, False): (None, "UINT32_MAX"),
    (64, False): (None, "UINT64_MAX"),
}


@dataclass
class ArgView:
    name: str  # C parameter name, also the Python keyword
    py_name: str
    convert: str  # typemap "convert" value
    c_type: str
    pyi: str = ""
    class_id: str | None = None
    signed: bool = True
    minimum: str | None = None
    maximum: str | None = None
    pair: str | None = None  # buffer_size: the buffer's name; buffer: the size's name
    size_max: str | None = None  # buffer: largest size the C size type holds
    python: bool = True  # a Python argument (False: supplied by the wrapper)
    pointee: str = ""  # output arguments: the type written through the pointer
    nullable: bool = False  # None is accepted and passed as NULL (typemap.yaml: nullable)
    explicit_size: str | None = None  # buffer: Python name of its optional explicit size (typemap.yaml)


@dataclass
class ResultView:
    convert: str
    c_type: str
    pyi: str
    class_id: str | None = None
    owned: bool = False
    signed: bool = True


@dataclass
class WrapperView:
    sdk_name: str
    c_name: str
    doc: str
    receiver: ArgView | None
    args: list[ArgView]  # every C argument in order, context included
    result: ResultView
    outputs: list[ArgView]  # hidden arguments that are part of the Python result
    pyi_params: str
    pyi_result: str
    python_name: str = ""
    deprecated: bool = False
    gate: Gate | None = None  # the Orthanc release it needs, when newer than the floor
    code_in_result: bool = False  # the error code is the first item of the result (typemap.yaml)

    @property
    def n_items(self) -> int:
        """How many values make the Python result (a tuple when more than one)."""
        first = 1 if self.code_in_result else 0 if self.result.convert in ("none", "error_code") else 1
        return first + len(self.outputs)

    @property
    def needs_done(self) -> bool:
        """Whether any step can fail after parsing (C warns about an unused label)."""
        failing_args = any(a.convert in ("buffer", "integer", "enum", "object") for a in self.python_args)
        failing_result = self.result.convert in ("error_code", "string_owned", "string_borrowed", "object")
        return self.receiver is not None or failing_args or failing_result or self.n_items > 0

    @property
    def python_args(self) -> list[ArgView]:
        return [a for a in self.args if a.python and a is not self.receiver]

    @property
    def explicit_size(self) -> ArgView | None:
        """The buffer argument that also takes an optional explicit size, last (typemap.yaml)."""
        return next((a for a in self.python_args if a.explicit_size), None)


@dataclass(frozen=True)
class Gate:
    """An Orthanc release newer than the floor: what an item needs from the running Orthanc."""

    version: str  # "1.12.8"
    code: int  # ORTHANC_PY_VERSION(1, 12, 8) = 1012008, compared with the running Orthanc's


@dataclass
class MethodView:
    python: str
    c_function: str
    doc: str
    custom: bool
    pyi_signature: str = ""
    flags: str = "METH_VARARGS | METH_KEYWORDS"
    gate: Gate | None = None
    deprecated: str | None = None  # the stub's @deprecated message


@dataclass
class ClassView:
    name: str  # SDK name
    python: str
    class_id: str
    doc: str
    destructor: str | None
    methods: list[MethodView] = field(default_factory=list)
    gate: Gate | None = None


@dataclass
class EnumView:
    name: str
    python: str
    doc: str
    members: list[tuple[str, int, str, Gate | None]]
    gate: Gate | None = None


@dataclass
class RenderView:
    sdk_version: str
    sdk_declared: str
    header_sha256: str
    features: list[str]
    classes: list[ClassView]
    enums: list[EnumView]
    wrappers: list[WrapperView]
    module_functions: list[MethodView]
    custom: list[CustomEntry]
    floor: tuple[int, int, int] = (0, 0, 0)
    since: dict[str, int] = field(default_factory=dict)  # every SDK function -> its release's code (0: unknown)


def version_code(version: str) -> int:
    """The number runtime/orthanc_python.h's ORTHANC_PY_VERSION makes of a release."""
    major, minor, revision = (version_key(version) + (0, 0, 0))[:3]
    return major * 1_000_000 + minor * 1_000 + revision


def runtime_floor(model: Model) -> tuple[int, int, int]:
    """The oldest Orthanc a plugin of this SDK starts in (generator/plan/runtime.yaml), never
    newer than the SDK itself."""
    floor = version_key(load_yaml("runtime.yaml")["floor"])
    sdk = version_key(model.sdk.release or model.sdk.declared)
    return tuple(min(floor, sdk)[:3])  # type: ignore[return-value]


class Gates:
    """Gate of each item: None when every Orthanc at or above the floor has it (or when its
    release is unknown, as in a model of one header without annotations)."""

    def __init__(self, model: Model) -> None:
        self.floor = runtime_floor(model)
        self.functions = {f.name: f.since for f in model.functions}

    def of(self, since: Since) -> Gate | None:
        if since.version is None or version_key(since.version) <= self.floor:
            return None
        return Gate(since.version, version_code(since.version))

    def newest(self, gates: list[Gate | None]) -> Gate | None:
        known = [g for g in gates if g is not None]
        return max(known, key=lambda g: g.code) if known else None

    def of_functions(self, names: tuple[str, ...] | list[str]) -> Gate | None:
        return self.newest([self.of(self.functions[n]) for n in names if n in self.functions])


def _py_name(name: str) -> str:
    return name + "_" if keyword.iskeyword(name) else name


def _doc(function: Function) -> str:
    text = function.doc.brief
    if function.doc.description:
        text += "\n\n" + function.doc.description
    if function.deprecated:
        text += "\n\nDeprecated" + (f": {function.doc.deprecated}" if function.doc.deprecated else ".")
    return text.strip()


def class_id(sdk_class: str) -> str:
    return f"ORTHANC_PY_CLASS_{strip_prefix(sdk_class)}"


def _arg(param: Parameter, model: Model, typemap: dict) -> ArgView:
    kind = param.type.kind
    entry = typemap["arguments"].get(kind.value) or typemap["hidden"][kind.value]
    view = ArgView(name=param.name, py_name=_py_name(param.name), convert=entry["convert"],
                   c_type=param.type.c_type, pair=param.pair)
    if kind == Kind.OUTPUT_POINTER:
        view.pointee = param.type.c_type.rstrip().removesuffix("*").strip()
    if kind.value in typemap["hidden"]:
        view.python = False
        view.pyi = typemap["hidden"][kind.value].get("pyi", "")
    else:
        view.pyi = entry["pyi"]
    if kind == Kind.OBJECT:
        view.class_id = class_id(param.type.ref or "")
        view.pyi = view.pyi.format(**{"class": strip_prefix(param.type.ref or "")})
    nullable = typemap.get("nullable", {})
    if (kind.value in nullable.get("kinds", ()) and
            re.search(nullable["doc_pattern"], param.doc or "", re.IGNORECASE)):
        view.nullable = True
        view.pyi += " | None"
    if kind in (Kind.INTEGER, Kind.ENUM, Kind.BUFFER_SIZE) or (kind == Kind.OUTPUT_POINTER and param.type.width):
        width, signed = (param.type.width or 32, bool(param.type.signed)) if kind != Kind.ENUM else (32, True)
        view.signed = signed
        view.minimum, view.maximum = INT_LIMITS[(width, signed)]
    if kind == Kind.OUTPUT_POINTER and param.type.ref and param.type.width is None:
        # An enum written through a pointer.
        view.signed, view.minimum, view.maximum = True, "INT32_MIN", "INT32_MAX"
    if kind in (Kind.ENUM, Kind.OUTPUT_POINTER) and param.type.ref and param.type.width is None \
            and not param.type.ref.endswith("Flags"):
        # The stub types enum values with their enum class; bit sets stay int (A | B is an int).
        view.pyi = strip_prefix(param.type.ref)
    return view


def _result(function: Function, model: Model, typemap: dict) -> ResultView:
    rtype = function.returns
    entry = typemap["returns"][rtype.kind.value]
    view = ResultView(convert=entry["convert"], c_type=rtype.c_type, pyi=entry["pyi"])
    if rtype.kind == Kind.OBJECT and rtype.ref:
        cls = model.object_class(rtype.ref)
        view.class_id = class_id(rtype.ref)
        view.pyi = view.pyi.format(**{"class": cls.python_name})
        # Returned objects are new ones the caller frees, exactly when the SDK
        # gives their class a destructor and does not hand them out as const.
        view.owned = cls.destructor is not None and not rtype.const
    if rtype.kind == Kind.INTEGER:
        view.signed = bool(rtype.signed)
    if rtype.kind == Kind.ENUM and rtype.ref:
        view.pyi = strip_prefix(rtype.ref)
    return view


def wrapper_view(function: Function, model: Model) -> WrapperView:
    typemap = load_yaml("typemap.yaml")
    args = [_arg(p, model, typemap) for p in function.parameters]
    explicit = function.name in typemap.get("explicit_size", {}).get("functions", [])
    for arg in args:
        if arg.convert == "buffer":
            size = next(a for a in args if a.name == arg.pair)
            arg.size_max = size.maximum
            if explicit and size is args[-1]:
                arg.explicit_size = size.py_name
    receiver = None
    if function.class_name:
        receiver = next(a for a in args if a.convert == "object")
        receiver.convert = "receiver"
    result = _result(function, model, typemap)
    outputs = [a for a in args if a.convert in ("memory_buffer", "memory_buffer64", "output")]
    python_args = [a for a in args if a.python and a is not receiver]
    params = ([] if receiver is None else ["self"]) + [f"{a.py_name}: {a.pyi}" for a in python_args]
    params += [f"{a.explicit_size}: int | None = None" for a in python_args if a.explicit_size]
    code_in_result = (result.convert == "error_code" and
                      function.name in typemap.get("code_in_result", {}).get("functions", []))
    results = ([result.pyi] if result.pyi != "None" else ["int"] if code_in_result else []) + [a.pyi for a in outputs]
    pyi_result = "None" if not results else results[0] if len(results) == 1 else f"tuple[{', '.join(results)}]"
    return WrapperView(
        sdk_name=function.name,
        c_name=f"OrthancPyGen_{strip_prefix(function.name)}",
        doc=python_doc(_doc(function), function, model, python_args, result, outputs),
        receiver=receiver,
        args=args,
        result=result,
        outputs=outputs,
        pyi_params=", ".join(params),
        pyi_result=pyi_result,
        python_name=strip_prefix(function.name),
        deprecated=function.deprecated,
        code_in_result=code_in_result,
    )


def build_view(plan: Plan) -> RenderView:
    model = plan.model
    gates = Gates(model)
    wrappers: dict[str, WrapperView] = {}
    for planned in plan.functions:
        if planned.status == Status.GENERATED and planned.python_names:
            wrappers[planned.name] = wrapper_view(model.function(planned.name), model)
            wrappers[planned.name].gate = gates.of(model.function(planned.name).since)

    classes = {
        c.python_name: ClassView(c.name, c.python_name, class_id(c.name), c.doc.brief, c.destructor,
                                 gate=gates.of(c.since))
        for c in model.classes
    }
    module_functions: list[MethodView] = []
    for planned in plan.functions:
        wrapper = wrappers.get(planned.name)
        if wrapper is None:
            continue
        for name in planned.python_names:
            method = MethodView(name, wrapper.c_name, wrapper.doc, custom=False,
                                pyi_signature=f"({wrapper.pyi_params}) -> {wrapper.pyi_result}",
                                gate=wrapper.gate,
                                deprecated=deprecation(model.function(planned.name), model))
            if planned.scope == "module":
                module_functions.append(method)
            else:
                classes[planned.scope].methods.append(method)
    for entry in plan.custom:
        method = MethodView(entry.python, entry.c_function, entry.doc, custom=True, pyi_signature=entry.signature,
                            gate=gates.of_functions(entry.requires))
        if entry.scope == "module":
            module_functions.append(method)
        else:
            classes[entry.scope].methods.append(method)
    for cls in classes.values():
        cls.methods.sort(key=lambda m: m.python)
    module_functions.sort(key=lambda m: m.python)

    enums = [
        EnumView(e.name, e.python_name, e.doc.brief,
                 [(m.python_name, m.value, m.doc, gates.of(m.since)) for m in e.members], gate=gates.of(e.since))
        for e in model.enumerations
    ]
    return RenderView(
        sdk_version=model.sdk.release or model.sdk.declared,
        sdk_declared=model.sdk.declared,
        header_sha256=model.sdk.sha256,
        features=sorted(f.name for f in model.functions),
        classes=sorted(classes.values(), key=lambda c: c.python),
        enums=enums,
        wrappers=[wrappers[name] for name in sorted(wrappers)],
        module_functions=module_functions,
        custom=sorted(plan.custom, key=lambda e: e.c_function),
        floor=gates.floor,
        since={f.name: version_code(f.since.version) if f.since.version else 0 for f in model.functions},
    )
