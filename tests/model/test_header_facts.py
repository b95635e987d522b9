"""The model agrees with facts read independently from the header text."""

from __future__ import annotations

import re

import pytest

from generator.model.entities import Kind
from tests.headers import header

INLINE_FUNCTION = re.compile(r"ORTHANC_PLUGIN_INLINE\s+[^;{(]*?\b(OrthancPlugin\w+)\s*\(", re.S)
TYPEDEF_ENUM = re.compile(r"typedef\s+enum\b[^{]*\{[^}]*\}\s*(\w+)\s*;", re.S)
OPAQUE = re.compile(r"typedef\s+struct\s+(?:ORTHANC_PLUGIN_SINCE_SDK\(\"[\d.]+\"\)\s+)?_\w+_t\s+(OrthancPlugin\w+)\s*;")


@pytest.mark.parametrize("version", ["1.12.10", "1.10.1", "1.5.7", "0.9.5"])
def test_every_inline_function_is_a_model_function(model_of, version):
    text = header(version).read_text()
    expected = set(INLINE_FUNCTION.findall(text))
    assert expected, "the regex found no function: the test itself is broken"
    assert {f.name for f in model_of(version).functions} == expected


@pytest.mark.parametrize("version", ["1.12.10", "1.10.1", "0.9.5"])
def test_every_typedef_enum_is_an_enumeration(model_of, version):
    text = header(version).read_text()
    expected = {name for name in TYPEDEF_ENUM.findall(text) if not name.startswith("_")}
    assert {e.name for e in model_of(version).enumerations} == expected


def test_opaque_structs_are_classes(model_of):
    text = header("1.12.10").read_text()
    assert {c.name for c in model_of("1.12.10").classes} == set(OPAQUE.findall(text))


def test_since_from_annotation(model_of):
    member = next(m for m in model_of("1.12.10").enumeration("OrthancPluginPixelFormat").members
                  if m.name == "OrthancPluginPixelFormat_RGB48")
    assert (member.since.version, member.since.source) == ("1.3.1", "annotation")
    assert member.python_name == "RGB48"


def test_since_from_service_note_without_annotation(model_of):
    # 1.12.9 annotates nothing on this function? Either way the service-code note is recorded.
    function = model_of("1.12.10").function("OrthancPluginRegisterStorageArea3")
    assert function.since.version == "1.12.8"
    assert ("service-note", "1.12.8") in [(e.source, e.version) for e in function.since.evidence]
    assert function.service == "_OrthancPluginService_RegisterStorageArea3"


def test_since_from_history(history_model):
    function = history_model.function("OrthancPluginRegisterIncomingCStoreInstanceFilter")
    assert function.since.version == "1.10.0"
    assert ("history", "1.10.0") in [(e.source, e.version) for e in function.since.evidence]


def test_history_keeps_earliest_well_founded_claim(history_model):
    # The shared corpus lacks 1.12.8: history says 1.12.9, the annotation 1.12.8.
    since = history_model.function("OrthancPluginEnqueueValue").since
    assert since.version == "1.12.8"
    assert since.disagreement and "history=1.12.9" in since.disagreement
    # A service note that history contradicts (absent in 1.12.0..1.12.9) loses.
    since = history_model.function("OrthancPluginRegisterStorageCommitmentScpCallback2").since
    assert since.version == "1.12.10"
    assert "contradicted" in (since.disagreement or "")


def test_enum_value_and_python_name(model_of):
    text = header("1.12.10").read_text()
    value = int(re.search(r"OrthancPluginChangeType_NewStudy\s*=\s*(\d+)", text).group(1))
    member = next(m for m in model_of("1.12.10").enumeration("OrthancPluginChangeType").members
                  if m.name == "OrthancPluginChangeType_NewStudy")
    assert (member.value, member.python_name) == (value, "NEW_STUDY")


def test_destructor_and_methods(model_of):
    cls = model_of("1.12.10").object_class("OrthancPluginDicomInstance")
    assert cls.destructor == "OrthancPluginFreeDicomInstance"
    assert "OrthancPluginGetInstanceRemoteAet" in cls.methods
    method = model_of("1.12.10").function("OrthancPluginGetInstanceRemoteAet")
    assert method.class_name == "OrthancPluginDicomInstance"
    assert method.method_names == ["GetInstanceRemoteAet"]


def test_method_short_alias(model_of):
    assert model_of("1.12.10").function("OrthancPluginFindMatcherIsMatch").method_names == [
        "FindMatcherIsMatch", "IsMatch"]
    assert "GetKey" in model_of("1.12.10").function("OrthancPluginKeysValuesIteratorGetKey").method_names


def test_deprecated_items_flagged(model_of):
    model = model_of("1.12.10")
    text = header("1.12.10").read_text()
    marked = set(re.findall(r"ORTHANC_PLUGIN_DEPRECATED\s+ORTHANC_PLUGIN_INLINE\s+[^(]*?\b(OrthancPlugin\w+)\s*\(",
                            text))
    assert marked
    deprecated = {f.name for f in model.functions if f.deprecated}
    assert marked <= deprecated
    assert "OrthancPluginRegisterStorageArea2" in deprecated  # @deprecated in its doc only
    assert model.enumeration("OrthancPluginIdentifierConstraint").deprecated


def test_parameter_kinds(model_of):
    model = model_of("1.12.10")
    answer = model.function("OrthancPluginAnswerBuffer")
    kinds = [p.type.kind for p in answer.parameters]
    assert kinds == [Kind.CONTEXT, Kind.OBJECT, Kind.BUFFER_IN, Kind.BUFFER_SIZE, Kind.STRING_IN]
    get = model.function("OrthancPluginRestApiGet")
    assert get.parameters[1].type.kind == Kind.MEMORY_BUFFER_OUT
    assert get.returns.kind == Kind.ERROR_CODE
    path = model.function("OrthancPluginGetOrthancPath")
    assert path.returns.kind == Kind.STRING_OUT_OWNED
    aet = model.function("OrthancPluginGetInstanceRemoteAet")
    assert aet.returns.kind == Kind.STRING_OUT_BORROWED
    tag = model.function("OrthancPluginGetFindQueryTag")
    assert [p.type.kind for p in tag.parameters[1:3]] == [Kind.OUTPUT_POINTER, Kind.OUTPUT_POINTER]
    assert tag.parameters[1].type.width == 16 and tag.parameters[1].type.signed is False
    register = model.function("OrthancPluginRegisterRestCallback")
    assert register.parameters[2].type.kind == Kind.CALLBACK
    assert register.parameters[2].type.ref == "OrthancPluginRestCallback"


def test_documentation_and_location(model_of):
    function = model_of("1.12.10").function("OrthancPluginGetInstanceRemoteAet")
    text = header("1.12.10").read_text().splitlines()
    assert "OrthancPluginGetInstanceRemoteAet" in text[function.location.line - 1]
    assert function.doc.brief == "Get the AET of a DICOM instance."
    assert function.doc.group == "DicomInstance"
    assert function.doc.params["instance"] == "The instance of interest."
    assert function.doc.returns.startswith("The AET if success")


def test_callbacks_and_structs(model_of):
    model = model_of("1.12.10")
    rest = next(c for c in model.callbacks if c.name == "OrthancPluginRestCallback")
    assert [p.name for p in rest.parameters] == ["output", "url", "request"] or \
        [p.name for p in rest.parameters][0] == "output"
    request = next(s for s in model.structs if s.name == "OrthancPluginHttpRequest")
    assert "method" in [f.name for f in request.fields]
    assert model.sdk.declared == "1.12.10"
