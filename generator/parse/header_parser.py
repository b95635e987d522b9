"""Walk the libclang AST of one OrthancCPlugin.h into a Model.

Only cursors located in the parsed header are visited; one handler per
cursor kind; problems are recorded on the model (Model.unsupported), never
printed.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import clang.cindex as ci

from generator.model.entities import (
    CallbackType,
    Doc,
    Enumeration,
    EnumMember,
    Evidence,
    Function,
    Kind,
    Location,
    Model,
    ObjectClass,
    Parameter,
    SdkInfo,
    Since,
    Struct,
    StructField,
    Unsupported,
)
from generator.model.naming import enum_member_python_name, method_names, strip_prefix
from generator.parse.clang_setup import ParsedUnit, ParseError, parse_header
from generator.parse.doxygen import new_in_versions, parse_doc
from generator.parse.type_kinds import Names, classify, pair_parameters

CK = ci.CursorKind
TK = ci.TypeKind

PREFIX = "OrthancPlugin"
SERVICE_ENUM = "_OrthancPluginService"
_ANNOTATION = re.compile(r"^ORTHANC_PLUGIN_SINCE_SDK\s+(\S+)$")
_SERVICE_REF = re.compile(r"\b(_OrthancPluginService_\w+)")
_VERSION_MACRO = re.compile(r"#define\s+ORTHANC_PLUGINS_MINIMAL_(MAJOR|MINOR|REVISION)_NUMBER\s+(\d+)")


def declared_version(text: str) -> str | None:
    parts = dict(_VERSION_MACRO.findall(text))
    if set(parts) != {"MAJOR", "MINOR", "REVISION"}:
        return None
    return f"{parts['MAJOR']}.{parts['MINOR']}.{parts['REVISION']}"


def _annotation(cursor: ci.Cursor) -> str | None:
    for child in cursor.get_children():
        if child.kind == CK.ANNOTATE_ATTR:
            match = _ANNOTATION.match(child.spelling)
            if match:
                return match.group(1)
    return None


class _Walker:
    def __init__(self, unit: ParsedUnit, release: str | None):
        self.unit = unit
        self.path = unit.path
        self.lines = unit.text.splitlines()
        self.release = release
        self.names = Names()
        self.model: Model | None = None
        self.service_notes: dict[str, str] = {}
        self.unsupported: list[Unsupported] = []

    # -- helpers ---------------------------------------------------------
    def location(self, cursor: ci.Cursor) -> Location:
        return Location(self.path.name, cursor.location.line)

    def in_header(self, cursor: ci.Cursor) -> bool:
        loc = cursor.location
        return loc.file is not None and Path(loc.file.name) == self.path

    def source_line(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""

    def extent_text(self, cursor: ci.Cursor) -> str:
        start, end = cursor.extent.start.line, cursor.extent.end.line
        return "\n".join(self.lines[start - 1 : end])

    def top_level(self) -> list[ci.Cursor]:
        return [c for c in self.unit.tu.cursor.get_children() if self.in_header(c)]

    # -- pass 1: names ---------------------------------------------------
    def collect_names(self, cursors: list[ci.Cursor]) -> None:
        for cursor in cursors:
            if cursor.kind != CK.TYPEDEF_DECL:
                continue
            name = cursor.spelling
            underlying = cursor.underlying_typedef_type
            canonical = underlying.get_canonical()
            if canonical.kind == TK.ENUM:
                self.names.enums.add(name)
            elif canonical.kind == TK.POINTER and canonical.get_pointee().kind in (
                TK.FUNCTIONPROTO,
                TK.FUNCTIONNOPROTO,
            ):
                self.names.callbacks.add(name)
            elif canonical.kind == TK.RECORD:
                record = canonical.get_declaration()
                if name.startswith("_") or name == f"{PREFIX}Context":
                    continue
                if record.get_definition() is None:
                    self.names.classes.add(name)
                else:
                    self.names.structs.add(name)

    # -- pass 2: entities ------------------------------------------------
    def build(self) -> Model:
        cursors = self.top_level()
        self.collect_names(cursors)
        declared = declared_version(self.unit.text)
        assert declared is not None
        model = Model(
            sdk=SdkInfo(
                release=self.release,
                declared=declared,
                header=self.path.name,
                sha256=hashlib.sha256(self.path.read_bytes()).hexdigest(),
            )
        )
        self.model = model
        for cursor in cursors:
            if cursor.kind == CK.ENUM_DECL and cursor.spelling == SERVICE_ENUM:
                self.read_service_notes(cursor)
        seen: set[str] = set()
        for cursor in cursors:
            handler = {
                CK.TYPEDEF_DECL: self.on_typedef,
                CK.FUNCTION_DECL: self.on_function,
            }.get(cursor.kind)
            if handler and cursor.spelling not in seen and handler(cursor):
                seen.add(cursor.spelling)
        self.link_classes()
        model.unsupported = self.unsupported
        sort_model(model)
        return model

    def read_service_notes(self, enum: ci.Cursor) -> None:
        for member in enum.get_children():
            if member.kind != CK.ENUM_CONSTANT_DECL:
                continue
            versions = new_in_versions(self.source_line(member.location.line))
            if versions:
                self.service_notes[member.spelling] = versions[0]

    def since_from(self, annotation: str | None, doc_text: str = "", service: str | None = None) -> Since:
        evidence: list[Evidence] = []
        if annotation:
            evidence.append(Evidence("annotation", annotation))
        if service and service in self.service_notes:
            evidence.append(Evidence("service-note", self.service_notes[service], service))
        for version in new_in_versions(doc_text)[:1]:
            evidence.append(Evidence("doc-note", version))
        return Since(evidence=evidence)

    def on_typedef(self, cursor: ci.Cursor) -> bool:
        name = cursor.spelling
        if name in self.names.enums and not name.startswith("_"):
            return self.on_enum(cursor)
        if name in self.names.callbacks:
            return self.on_callback(cursor)
        if name in self.names.classes:
            return self.on_class(cursor)
        if name in self.names.structs:
            return self.on_struct(cursor)
        return False

    def _underlying_decl(self, cursor: ci.Cursor) -> ci.Cursor:
        return cursor.underlying_typedef_type.get_canonical().get_declaration()

    def on_enum(self, cursor: ci.Cursor) -> bool:
        assert self.model is not None
        decl = self._underlying_decl(cursor)
        doc = parse_doc(cursor.raw_comment or decl.raw_comment)
        annotation = _annotation(decl) or _annotation(cursor)
        members: list[EnumMember] = []
        for member in decl.get_children():
            if member.kind != CK.ENUM_CONSTANT_DECL or member.spelling.startswith("_"):
                # "_ORTHANC_PLUGIN_..._INTERNAL = 0x7fffffff" only forces the enum's size.
                continue
            text = self.member_doc(member)
            member_annotation = _annotation(member)
            since = self.since_from(member_annotation, text)
            members.append(
                EnumMember(
                    name=member.spelling,
                    python_name=enum_member_python_name(cursor.spelling, member.spelling),
                    value=member.enum_value,
                    doc=text,
                    location=self.location(member),
                    since=since,
                    deprecated=member.availability == ci.AvailabilityKind.DEPRECATED,
                )
            )
        self.model.enumerations.append(
            Enumeration(
                name=cursor.spelling,
                python_name=strip_prefix(cursor.spelling),
                members=members,
                doc=doc,
                location=self.location(cursor),
                since=self.since_from(annotation, doc.description),
                deprecated=doc.deprecated is not None,
            )
        )
        return True

    def member_doc(self, cursor: ci.Cursor) -> str:
        """Doc of an enum member or field: its own comment, before or after it."""
        line_text = self.source_line(cursor.location.line)
        trailing = _trailing_comment(line_text)
        if trailing:
            return trailing
        raw = cursor.raw_comment
        if raw and cursor.extent.start.line > 0:
            doc = parse_doc(raw)
            return "\n\n".join(part for part in (doc.brief, doc.description) if part)
        return ""

    def parameters_of(self, cursors: list[ci.Cursor], doc: Doc) -> list[Parameter]:
        params = []
        for index, arg in enumerate(cursors):
            name = arg.spelling or f"arg{index}"
            params.append(
                Parameter(name=name, type=classify(arg.type, self.names, is_return=False),
                          doc=doc.params.get(name, ""))
            )
        pair_parameters(params)
        return params

    def on_callback(self, cursor: ci.Cursor) -> bool:
        assert self.model is not None
        doc = parse_doc(cursor.raw_comment)
        proto = cursor.underlying_typedef_type.get_canonical().get_pointee()
        args = [c for c in cursor.get_children() if c.kind == CK.PARM_DECL]
        declared = list(proto.argument_types()) if proto.kind == TK.FUNCTIONPROTO else []
        if len(args) != len(declared):
            self.unsupported.append(
                Unsupported(cursor.spelling, "unnamed-parameters", "callback parameters could not be read",
                            self.location(cursor))
            )
        self.model.callbacks.append(
            CallbackType(
                name=cursor.spelling,
                returns=classify(proto.get_result(), self.names, is_return=True),
                parameters=self.parameters_of(args, doc),
                doc=doc,
                location=self.location(cursor),
                since=self.since_from(_annotation(cursor), doc.description),
                deprecated=doc.deprecated is not None,
            )
        )
        return True

    def on_class(self, cursor: ci.Cursor) -> bool:
        assert self.model is not None
        doc = parse_doc(cursor.raw_comment)
        annotation = _annotation(cursor) or _annotation(self._underlying_decl(cursor))
        for child in cursor.get_children():
            annotation = annotation or _annotation(child)
        self.model.classes.append(
            ObjectClass(
                name=cursor.spelling,
                python_name=strip_prefix(cursor.spelling),
                doc=doc,
                location=self.location(cursor),
                since=self.since_from(annotation, doc.description),
            )
        )
        return True

    def on_struct(self, cursor: ci.Cursor) -> bool:
        assert self.model is not None
        decl = self._underlying_decl(cursor)
        doc = parse_doc(cursor.raw_comment or decl.raw_comment)
        fields = []
        for child in decl.get_children():
            if child.kind == CK.FIELD_DECL:
                fields.append(StructField(child.spelling, classify(child.type, self.names, is_return=False),
                                          self.member_doc(child)))
        annotation = _annotation(cursor) or _annotation(decl)
        self.model.structs.append(
            Struct(
                name=cursor.spelling,
                fields=fields,
                doc=doc,
                location=self.location(cursor),
                since=self.since_from(annotation, doc.description),
            )
        )
        return True

    def on_function(self, cursor: ci.Cursor) -> bool:
        assert self.model is not None
        name = cursor.spelling
        if not name.startswith(PREFIX) or not cursor.is_definition():
            return False
        doc = parse_doc(cursor.raw_comment)
        body = self.extent_text(cursor)
        services = _SERVICE_REF.findall(body)
        service = services[0] if services else None
        args = list(cursor.get_arguments())
        if cursor.type.kind == TK.FUNCTIONPROTO and cursor.type.is_function_variadic():
            self.unsupported.append(Unsupported(name, "variadic", "variadic function", self.location(cursor)))
        params = self.parameters_of(args, doc)
        returns = classify(cursor.result_type, self.names, is_return=True)
        for item in [returns] + [p.type for p in params]:
            if item.kind == Kind.UNSUPPORTED:
                self.unsupported.append(
                    Unsupported(name, "unmapped-type", item.reason or "", self.location(cursor))
                )
        deprecated = cursor.availability == ci.AvailabilityKind.DEPRECATED or doc.deprecated is not None
        self.model.functions.append(
            Function(
                name=name,
                python_name=strip_prefix(name),
                returns=returns,
                parameters=params,
                doc=doc,
                location=self.location(cursor),
                since=self.since_from(_annotation(cursor), " ".join([doc.description, *doc.notes]), service),
                deprecated=deprecated,
                service=service,
            )
        )
        return True

    def link_classes(self) -> None:
        """Attach methods and destructors to the opaque classes."""
        assert self.model is not None
        classes = {c.name: c for c in self.model.classes}
        for function in self.model.functions:
            # The receiver is the first argument a script passes: outputs such as a
            # leading "target" memory buffer come before it in some signatures.
            hidden = (Kind.CONTEXT, Kind.MEMORY_BUFFER_OUT, Kind.MEMORY_BUFFER64_OUT, Kind.OUTPUT_POINTER)
            params = [p for p in function.parameters if p.type.kind not in hidden]
            if not params or params[0].type.kind != Kind.OBJECT or params[0].type.ref not in classes:
                continue
            cls = classes[params[0].type.ref]
            short_class = strip_prefix(cls.name)
            if (
                function.name == f"{PREFIX}Free{short_class}"
                and len(params) == 1
                and function.returns.kind == Kind.VOID
            ):
                cls.destructor = function.name
                function.destructor_of = cls.name
                continue
            function.class_name = cls.name
            function.method_names = method_names(short_class, function.python_name)
            cls.methods.append(function.name)
        for cls in self.model.classes:
            cls.methods.sort()


def _trailing_comment(line: str) -> str:
    match = re.search(r"/\*!?<?(.*?)\*/", line) or re.search(r"//!?<?(.*)$", line)
    return match.group(1).strip() if match else ""


def sort_model(model: Model) -> None:
    """Canonical order: by name, so output never depends on walk order."""
    model.enumerations.sort(key=lambda e: e.name)
    model.classes.sort(key=lambda c: c.name)
    model.functions.sort(key=lambda f: f.name)
    model.callbacks.sort(key=lambda c: c.name)
    model.structs.sort(key=lambda s: s.name)
    model.unsupported.sort(key=lambda u: (u.name, u.reason, u.message))


def model_from_header(path: Path, release: str | None = None) -> Model:
    """One header in, one model out (since-versions from the header alone)."""
    from generator.model.since import resolve_single

    unit = parse_header(path)
    if declared_version(unit.text) is None or f"typedef struct _{PREFIX}Context_t" not in unit.text:
        raise ParseError(path, "not an Orthanc plugin SDK header (no ORTHANC_PLUGINS_MINIMAL_*_NUMBER "
                               "macros or OrthancPluginContext)")
    model = _Walker(unit, release).build()
    if not model.functions:
        raise ParseError(path, "no OrthancPlugin* functions found: not an Orthanc plugin SDK header")
    resolve_single(model)
    return model
