"""Typed entities of the SDK model.

The model is the contract between the parser and every later stage: the wrap
plan, the renderer and the coverage report read only these classes (or their
JSON form), never libclang. Entities compare by value, so tests can assert on
them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

SCHEMA_VERSION = 1


class Kind(str, Enum):
    """Canonical kind of a parameter or return value.

    One value per way a C type crosses into Python; the renderer and the stub
    writer both dispatch on it (see generator/render/typemap.yaml).
    """

    VOID = "void"
    CONTEXT = "context"  # OrthancPluginContext*, supplied by the runtime
    STRING_IN = "string_in"  # const char* argument
    STRING_OUT_OWNED = "string_out_owned"  # char* result, freed with OrthancPluginFreeString
    STRING_OUT_BORROWED = "string_out_borrowed"  # const char* result owned by Orthanc
    BUFFER_IN = "buffer_in"  # const void*/const char* data of a (data, size) pair
    BUFFER_SIZE = "buffer_size"  # the size of the pair; not a Python argument
    MEMORY_BUFFER_OUT = "memory_buffer_out"  # OrthancPluginMemoryBuffer* target
    MEMORY_BUFFER64_OUT = "memory_buffer64_out"  # OrthancPluginMemoryBuffer64* target
    INTEGER = "integer"  # exact width and sign in Type.width / Type.signed
    FLOAT = "float"
    DOUBLE = "double"
    BOOLEAN_INT = "boolean_int"  # an int used as a boolean (documented 0/1)
    ENUM = "enum"
    ERROR_CODE = "error_code"  # OrthancPluginErrorCode result
    OBJECT = "object"  # pointer to an opaque SDK type, in or out
    OBJECT_OUT = "object_out"  # OrthancPluginXxx** target
    CALLBACK = "callback"  # function-pointer typedef
    STRUCT_POINTER = "struct_pointer"  # pointer to a public struct
    STRUCT_VALUE = "struct_value"  # a public struct passed by value
    ARRAY_IN = "array_in"  # pointer to several values, with a count
    OUTPUT_POINTER = "output_pointer"  # scalar written through a pointer
    VOID_POINTER = "void_pointer"  # untyped payload (void*)
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class Location:
    """Where an item is declared in the header."""

    file: str  # file name only: models must not depend on where the header sits
    line: int


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence for the release where an item appeared."""

    source: str  # "annotation", "service-note", "doc-note", "history", "first-release"
    version: str
    detail: str = ""


@dataclass
class Since:
    """The release where an item appeared, with the evidence behind it."""

    version: str | None = None  # None: present in the oldest release known
    source: str | None = None
    evidence: list[Evidence] = field(default_factory=list)
    disagreement: str | None = None


@dataclass
class Doc:
    """Documentation of an item, split from its Doxygen comment."""

    brief: str = ""
    description: str = ""
    params: dict[str, str] = field(default_factory=dict)
    returns: str = ""
    group: str = ""
    deprecated: str | None = None  # text of @deprecated, "" when present but empty
    notes: list[str] = field(default_factory=list)


@dataclass
class Type:
    """A parameter or return type, classified into a canonical kind."""

    c_type: str  # spelling as written in the header
    kind: Kind
    ref: str | None = None  # enum, class, callback or struct name this type refers to
    width: int | None = None  # integers: 8, 16, 32, 64
    signed: bool | None = None
    const: bool = False
    reason: str | None = None  # for Kind.UNSUPPORTED


@dataclass
class Parameter:
    """One parameter of an SDK function or callback."""

    name: str
    type: Type
    doc: str = ""
    pair: str | None = None  # BUFFER_IN <-> BUFFER_SIZE / ARRAY_IN <-> count partner


@dataclass
class Function:
    """An SDK function (an ORTHANC_PLUGIN_INLINE wrapper around a service)."""

    name: str
    python_name: str
    returns: Type
    parameters: list[Parameter]
    doc: Doc
    location: Location
    since: Since = field(default_factory=Since)
    deprecated: bool = False
    service: str | None = None  # _OrthancPluginService_* used by the body
    class_name: str | None = None  # receiver class when this is a method
    method_names: list[str] = field(default_factory=list)  # Python names as a method
    destructor_of: str | None = None


@dataclass
class EnumMember:
    """One member of an enumeration."""

    name: str
    python_name: str
    value: int
    doc: str
    location: Location
    since: Since = field(default_factory=Since)
    deprecated: bool = False


@dataclass
class Enumeration:
    """An SDK enumeration (typedef enum)."""

    name: str
    python_name: str
    members: list[EnumMember]
    doc: Doc
    location: Location
    since: Since = field(default_factory=Since)
    deprecated: bool = False
    internal: bool = False  # names starting with "_": service codes, not for Python


@dataclass
class ObjectClass:
    """An opaque SDK object type; a Python class."""

    name: str
    python_name: str
    doc: Doc
    location: Location
    since: Since = field(default_factory=Since)
    destructor: str | None = None
    methods: list[str] = field(default_factory=list)  # SDK function names


@dataclass
class CallbackType:
    """A callback typedef (pointer to function) with its signature."""

    name: str
    returns: Type
    parameters: list[Parameter]
    doc: Doc
    location: Location
    since: Since = field(default_factory=Since)
    deprecated: bool = False


@dataclass
class StructField:
    """One field of a public struct."""

    name: str
    type: Type
    doc: str = ""


@dataclass
class Struct:
    """A public struct of the SDK."""

    name: str
    fields: list[StructField]
    doc: Doc
    location: Location
    since: Since = field(default_factory=Since)


@dataclass
class Unsupported:
    """A construct the parser saw and could not represent, kept as data."""

    name: str
    reason: str  # short code, e.g. "variadic", "unnamed-type"
    message: str
    location: Location


@dataclass
class SdkInfo:
    """Which header the model was built from."""

    release: str | None  # Orthanc release the header belongs to, when known
    declared: str  # ORTHANC_PLUGINS_MINIMAL_*_NUMBER
    header: str  # file name
    sha256: str


@dataclass
class RemovedItem:
    """An item of an older release that the newest release no longer has."""

    kind: str  # "function", "enumeration", "enum_member", "class", "callback", "struct"
    name: str
    since: Since
    last_seen: str
    removed_in: str


@dataclass
class HistoryInfo:
    """The releases a history model was built from."""

    releases: list[str]  # the releases compared, oldest first


@dataclass
class Model:
    """The model of one SDK header (schema_version names the format)."""

    sdk: SdkInfo
    enumerations: list[Enumeration] = field(default_factory=list)
    classes: list[ObjectClass] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)
    callbacks: list[CallbackType] = field(default_factory=list)
    structs: list[Struct] = field(default_factory=list)
    unsupported: list[Unsupported] = field(default_factory=list)
    history: HistoryInfo | None = None
    removed: list[RemovedItem] = field(default_factory=list)
    schema_version: int = SCHEMA_VERSION

    def function(self, name: str) -> Function:
        for f in self.functions:
            if f.name == name:
                return f
        raise KeyError(name)

    def enumeration(self, name: str) -> Enumeration:
        for e in self.enumerations:
            if e.name == name:
                return e
        raise KeyError(name)

    def object_class(self, name: str) -> ObjectClass:
        for c in self.classes:
            if c.name == name:
                return c
        raise KeyError(name)
