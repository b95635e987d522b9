"""The wrap plan gives every SDK function exactly one status, from YAML rules."""

from __future__ import annotations

from collections import Counter

import pytest

from generator.plan.plan import Status, build_plan, custom_entries, load_yaml


@pytest.mark.parametrize("version", ["1.0.0", "1.10.1", "1.12.10"])
def test_every_function_has_exactly_one_status(model_of, version):
    model = model_of(version)
    plan = build_plan(model)
    assert [p.name for p in plan.functions] == [f.name for f in model.functions]
    for planned in plan.functions:
        assert isinstance(planned.status, Status)
        if planned.status in (Status.NOT_WRAPPED, Status.NOT_APPLICABLE):
            assert planned.reason in plan.reasons, planned
        if planned.status == Status.CUSTOM:
            assert planned.custom
        if planned.status == Status.GENERATED and planned.reason != "destructor":
            assert planned.python_names


def test_known_decisions(model_of):
    plan = build_plan(model_of("1.10.1"))
    assert plan.get("OrthancPluginRestApiGet").status == Status.GENERATED
    assert plan.get("OrthancPluginRestApiGet").python_names == ["RestApiGet"]
    answer = plan.get("OrthancPluginAnswerBuffer")
    assert (answer.status, answer.scope, answer.python_names) == (Status.GENERATED, "RestOutput", ["AnswerBuffer"])
    assert plan.get("OrthancPluginFreeString").status == Status.NOT_APPLICABLE
    assert plan.get("OrthancPluginFreeImage").reason == "destructor"
    assert plan.get("OrthancPluginRegisterRestCallback").status == Status.CUSTOM
    assert plan.get("OrthancPluginRegisterRestCallback").custom == ["RegisterRestCallback"]
    assert plan.get("OrthancPluginRegisterDecodeImageCallback").custom == ["RegisterDecodeImageCallback"]
    assert plan.get("OrthancPluginRegisterWebDavCollection").custom == ["RegisterWebDavCollection"]
    assert plan.get("OrthancPluginRegisterWorklistCallback").custom == ["RegisterWorklistCallback"]
    # One SDK registration behind two Python forms (one callback, or create/get_size/apply/free).
    assert plan.get("OrthancPluginRegisterMoveCallback").custom == ["RegisterMoveCallback", "RegisterMoveCallback2"]
    assert plan.get("OrthancPluginHttpClient").custom == ["HttpClient"]
    # Custom entries win over a not_wrapped pattern of rules.yaml ("OrthancPluginChunked*").
    assert plan.get("OrthancPluginChunkedHttpClient").status == Status.CUSTOM
    assert plan.get("OrthancPluginCallRestApi").custom == ["CallRestApi"]


def test_custom_entries_need_their_sdk_functions(model_of):
    old = {e.python for e in build_plan(model_of("1.0.0")).custom}
    new = {e.python for e in build_plan(model_of("1.10.1")).custom}
    assert "GenerateRestApiAuthorizationToken" not in old  # SDK 1.8.1+
    assert "GenerateRestApiAuthorizationToken" in new
    assert "RegisterRestCallback" in old


def test_yaml_rules_are_consistent():
    rules = load_yaml("rules.yaml")
    typemap = load_yaml("typemap.yaml")
    for code in list(rules["not_applicable"].values()) + list(rules["not_wrapped"].values()):
        assert code in rules["reasons"]
    for code in typemap["unmapped"].values():
        assert code in rules["reasons"]
    pythons = Counter((e.scope, e.python) for e in custom_entries())
    assert all(count == 1 for count in pythons.values())
    assert all(e.c_function.startswith("OrthancPyCustom_") for e in custom_entries())


def test_no_python_name_is_defined_twice(model_of):
    from generator.render.view import build_view

    view = build_view(build_plan(model_of("1.12.10")))
    names = Counter(f.python for f in view.module_functions)
    assert [n for n, c in names.items() if c > 1] == []
    for cls in view.classes:
        methods = Counter(m.python for m in cls.methods)
        assert [n for n, c in methods.items() if c > 1] == [], cls.python
