"""View model of the mock module: every Python function and method with its checked parameters.

The signatures come from the same place as orthanc.pyi (`MethodView.pyi_signature`: the typemap
for generated functions, custom.yaml for hand-written ones); each annotation becomes a *check
kind* that orthanc_mock.check() understands, and integer parameters of generated functions carry
the range of their C type, so the mock raises TypeError and ValueError where the plugin does.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from generator.render.view import MethodView, RenderView, WrapperView

# The C limits named by view.INT_LIMITS, as numbers.
C_LIMITS = {
    "INT8_MIN": -(2**7), "INT8_MAX": 2**7 - 1, "UINT8_MAX": 2**8 - 1,
    "INT16_MIN": -(2**15), "INT16_MAX": 2**15 - 1, "UINT16_MAX": 2**16 - 1,
    "INT32_MIN": -(2**31), "INT32_MAX": 2**31 - 1, "UINT32_MAX": 2**32 - 1,
    "INT64_MIN": -(2**63), "INT64_MAX": 2**63 - 1, "UINT64_MAX": 2**64 - 1,
}


class MockSignatureError(ValueError):
    """A stub signature that the mock cannot turn into a Python definition."""


@dataclass
class MockParam:
    name: str
    check: str  # check kind, see orthanc_mock.check()
    default: str | None = None  # Python source of the default value
    keyword_only: bool = False


@dataclass
class MockFunction:
    python: str
    qualified: str  # "Name" or "Class.Name": the key of its fake implementation
    doc: str
    params: list[MockParam]

    @property
    def definition(self) -> str:
        """The parameter list of the `def`, self excluded."""
        parts: list[str] = []
        star = False
        for p in self.params:
            if p.keyword_only and not star:
                parts.append("*")
                star = True
            parts.append(p.name if p.default is None else f"{p.name}={p.default}")
        return ", ".join(parts)

    @property
    def checks(self) -> str:
        """A tuple literal of (name, value, kind) for orthanc_mock.call()."""
        items = "".join(f"({p.name!r}, {p.name}, {p.check!r}), " for p in self.params)
        return f"({items})"


@dataclass
class MockClass:
    python: str
    doc: str
    methods: list[MockFunction] = field(default_factory=list)


@dataclass
class MockEnum:
    python: str
    doc: str
    members: list[tuple[str, int]]


@dataclass
class MockView:
    sdk_version: str
    sdk_declared: str
    header_sha256: str
    enums: list[MockEnum]
    classes: list[MockClass]
    functions: list[MockFunction]


def _strip_optional(annotation: str) -> tuple[str, bool]:
    text = annotation.strip()
    if text.startswith("Optional[") and text.endswith("]"):
        return text[len("Optional["):-1].strip(), True
    if text.endswith("| None"):
        return text[: -len("| None")].strip(), True
    return text, False


def check_kind(annotation: str | None, class_names: set[str], limits: tuple[int, int] | None = None,
               enum_names: frozenset[str] = frozenset()) -> str:
    """The check kind of one stub annotation ("any" where the plugin accepts anything)."""
    if annotation is None:
        return "any"
    text, optional = _strip_optional(annotation)
    prefix = "?" if optional else ""
    if text == "str":
        return prefix + "str"
    if text in ("bytes", "bytes | str", "str | bytes"):
        return prefix + "bytes"
    if text == "int" or text in enum_names:
        if limits is not None:
            return prefix + f"int:{limits[0]}:{limits[1]}"
        return prefix + "int"
    if text == "float":
        return prefix + "float"
    if text in class_names:
        return prefix + "object:" + text
    if text.startswith("Callable") or (text.startswith("_") and text.endswith("Callback")):
        return prefix + "callable"
    if text.startswith(("Mapping", "Dict", "dict")):
        return prefix + "mapping"
    return "any"


def _default_source(node: ast.expr) -> str:
    if not isinstance(node, ast.Constant):
        raise MockSignatureError(f"default {ast.unparse(node)} is not a constant")
    return repr(node.value)


def _int_limits(wrapper: WrapperView | None) -> dict[str, tuple[int, int]]:
    if wrapper is None:
        return {}
    limits = {}
    for arg in wrapper.python_args:
        if arg.convert in ("integer", "enum") and arg.maximum:
            low = C_LIMITS[arg.minimum] if arg.minimum else 0
            limits[arg.py_name] = (low, C_LIMITS[arg.maximum])
    return limits


def mock_function(method: MethodView, qualified: str, class_names: set[str],
                  wrapper: WrapperView | None, enum_names: frozenset[str] = frozenset()) -> MockFunction:
    try:
        tree = ast.parse(f"def f{method.pyi_signature}: ...")
    except SyntaxError as error:
        raise MockSignatureError(f"{qualified}: bad signature {method.pyi_signature!r}: {error}") from None
    definition = tree.body[0]
    assert isinstance(definition, ast.FunctionDef)
    arguments = definition.args
    limits = _int_limits(wrapper)
    positional = [a for a in arguments.args if a.arg != "self"]
    first_default = len(positional) - len(arguments.defaults)
    params = []
    for index, arg in enumerate(positional):
        annotation = ast.unparse(arg.annotation) if arg.annotation else None
        default = _default_source(arguments.defaults[index - first_default]) if index >= first_default else None
        kind = check_kind(annotation, class_names, limits.get(arg.arg), enum_names)
        params.append(MockParam(arg.arg, kind, default))
    for arg, kw_default in zip(arguments.kwonlyargs, arguments.kw_defaults):
        annotation = ast.unparse(arg.annotation) if arg.annotation else None
        default = None if kw_default is None else _default_source(kw_default)
        params.append(MockParam(arg.arg, check_kind(annotation, class_names, None, enum_names), default,
                                keyword_only=True))
    first_paragraph = (method.doc or "").strip().split("\n\n")[0]
    return MockFunction(method.python, qualified, first_paragraph, params)


def build_mock_view(view: RenderView) -> MockView:
    class_names = {c.python for c in view.classes}
    enum_names = frozenset(e.python for e in view.enums)
    wrappers = {w.c_name: w for w in view.wrappers}
    classes = []
    for cls in view.classes:
        mock = MockClass(cls.python, cls.doc)
        for method in cls.methods:
            mock.methods.append(mock_function(method, f"{cls.python}.{method.python}", class_names,
                                              None if method.custom else wrappers.get(method.c_function),
                                              enum_names))
        classes.append(mock)
    functions = [
        mock_function(f, f.python, class_names, None if f.custom else wrappers.get(f.c_function), enum_names)
        for f in view.module_functions
    ]
    enums = [MockEnum(e.python, e.doc, [(name, value) for name, value, _doc, _gate in e.members]) for e in view.enums]
    return MockView(view.sdk_version, view.sdk_declared, view.header_sha256, enums, classes, functions)
