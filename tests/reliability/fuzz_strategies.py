"""Hypothesis strategies for the fuzz test: argument lists for any callable of the `orthanc` module.

Two kinds of argument lists are drawn.  Random ones (any count, any type) check that the wrapper
refuses what it cannot convert; guided ones follow the parameter annotations of the rendered
orthanc.pyi (right count, right Python types) but with hostile values (edge integers, huge and
empty strings, lone surrogates, NUL characters, truncated DICOM files), so that calls get past the
argument checks into the SDK.  Values JSON cannot carry travel as markers that
tests/reliability/scripts/fuzz_target.py decodes (see its docstring).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

EDGE_INTS = [0, 1, -1, 2, 255, 256, 65535, 65536, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**32 - 1, 2**32,
             2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64 - 1, 2**64, 10**30, -(10**30)]
# For callables whose integers are sizes that the SDK allocates (an image of 2**31 x 2**31 pixels
# would take the machine's memory, not test the wrapper): small values, and values that cannot be
# converted at all (negative, or beyond 64 bits), which must be refused before any allocation.
SIZE_SAFE_INTS = [0, 1, -1, 2, 255, 256, 1024, -(2**31), -(2**63), -(2**63) - 1, 2**64, 10**30, -(10**30)]

MEANINGFUL_STRINGS = ["", "/", "/system", "/patients", "/instances", "/nope", "/fuzz/catalog", "PatientID",
                      "0010,0020", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.90",
                      "application/json", "text/plain", "{}", "[]", '{"PatientID": "X"}', "null", "ReceptionDate",
                      "RemoteAET", "/etc/hostname", "/nonexistent/file", "..", "%s%s%n", "\x00", "a\x00b",
                      "\udcff", "\ud800x", "é€𝄞", "x" * 300]
# No callable among them: a callable handed to a Register* function would register a callback after
# start-up (see SKIPPED in test_fuzz.py for why that is left out).
OBJECT_KINDS = ["image", "gray_image", "instance", "matcher", "peers", "stale_output", "stale_instance", "module",
                "exception"]
# Classes the fuzz script can make an object of, and the kind it uses for them.
RECEIVERS = {"Image": "image", "DicomInstance": "instance", "FindMatcher": "matcher", "Peers": "peers"}


def ints(size_safe: bool = False) -> st.SearchStrategy[int]:
    edges = SIZE_SAFE_INTS if size_safe else EDGE_INTS
    small = st.integers(-300, 1024) if size_safe else st.integers(-300, 300)
    return st.one_of(small, st.sampled_from(edges))


def strings() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.text(max_size=40),
        st.sampled_from(MEANINGFUL_STRINGS),
        st.builds(lambda n: {"$repeat": ["x", n]}, st.sampled_from([2**16, 2**20, 2**22])),
    )


def byte_values() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.binary(max_size=64).map(lambda b: {"$bytes": b.hex()}),
        st.sampled_from([{"$dicom": "plain"}, {"$dicom": "image"}]),
        st.integers(0, 400).map(lambda n: {"$dicom_cut": n}),
        st.builds(lambda n: {"$repeat_bytes": ["ff00", n]}, st.sampled_from([2**16, 2**20])),
    )


def objects(*kinds: str) -> st.SearchStrategy[dict[str, str]]:
    return st.sampled_from(list(kinds) or OBJECT_KINDS).map(lambda kind: {"$object": kind})


def scalars(size_safe: bool = False) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), st.booleans(), ints(size_safe), st.floats(), strings(), byte_values(), objects())


def any_value(size_safe: bool = False) -> st.SearchStrategy[Any]:
    return st.recursive(scalars(size_safe),
                        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                       max_size=3),
                        max_leaves=5)


def for_annotation(annotation: str, size_safe: bool) -> st.SearchStrategy[Any]:
    """Values of the annotated Python type (hostile ones), sometimes of another type."""
    if annotation == "int":
        typed = ints(size_safe)
    elif annotation == "float":
        typed = st.one_of(st.floats(), ints())
    elif annotation == "str":
        typed = strings()
    elif annotation in ("bytes", "bytes | str"):
        typed = st.one_of(byte_values(), strings()) if "str" in annotation else byte_values()
    else:
        kinds = [kind for name, kind in RECEIVERS.items() if name in annotation]
        if "Image" in annotation:
            kinds.append("gray_image")
        if "DicomInstance" in annotation:
            kinds.append("stale_instance")
        typed = st.one_of(st.none(), objects(*kinds)) if kinds else st.one_of(st.none(), objects())
    return st.one_of(typed, typed, typed, scalars(size_safe))


@dataclass(frozen=True)
class Signature:
    parameters: tuple[tuple[str, str], ...]  # (name, annotation) without self


def stub_signatures(stub: Path) -> dict[str, Signature]:
    """"Name" and "Class.Method" -> parameters, from the rendered orthanc.pyi."""
    tree = ast.parse(stub.read_text())
    found: dict[str, Signature] = {}

    def signature(node: ast.FunctionDef, skip_self: bool) -> Signature:
        args = node.args.args[1:] if skip_self else node.args.args
        return Signature(tuple((a.arg, ast.unparse(a.annotation) if a.annotation else "") for a in args))

    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            found[node.name] = signature(node, False)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and not item.name.startswith("_"):
                    found[f"{node.name}.{item.name}"] = signature(item, True)
    return found


def argument_lists(signature: Signature | None, size_safe: bool = False) -> st.SearchStrategy[list[Any]]:
    random_lists = st.lists(any_value(size_safe), max_size=8)
    if signature is None:
        return random_lists
    guided = st.tuples(*(for_annotation(annotation, size_safe) for _, annotation in signature.parameters)).map(list)
    # A guided list with one argument too many or too few: the count check next to real values.
    off_by_one = st.one_of(guided.map(lambda a: a[:-1]), st.tuples(guided, scalars(size_safe)).map(
        lambda pair: [*pair[0], pair[1]]))
    return st.one_of(guided, guided, guided, off_by_one, random_lists)


def keyword_arguments(signature: Signature | None) -> st.SearchStrategy[dict[str, Any]]:
    names = [name for name, _ in signature.parameters] if signature else []
    keys = st.sampled_from([*names, "x", "self", "callback"])
    return st.one_of(st.just({}), st.just({}), st.just({}), st.dictionaries(keys, scalars(), max_size=2))


def calls(mode: str, target: str, signature: Signature | None, size_safe: bool = False,
          receiver: str | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Request bodies of /fuzz/call.  Unbound methods get a random first argument (the wrong `self`)."""
    args = argument_lists(signature, size_safe)
    if mode == "unbound":
        args = st.tuples(scalars(), args).map(lambda pair: [pair[0], *pair[1]])
    base: dict[str, Any] = {"mode": mode, "target": target}
    if receiver is not None:
        base["receiver"] = receiver
    return st.builds(lambda a, k: {**base, "args": a, "kwargs": k}, args, keyword_arguments(signature))


def output_call_lists(signatures: dict[str, Signature], methods: list[str]) -> st.SearchStrategy[list[Any]]:
    """Sequences of calls on a RestOutput: [[method, args, kwargs], ...]."""
    def one(method: str) -> st.SearchStrategy[list[Any]]:
        signature = signatures.get(f"RestOutput.{method}")
        return st.tuples(st.just(method), argument_lists(signature), keyword_arguments(signature)).map(list)

    return st.lists(st.sampled_from(methods).flatmap(one), min_size=1, max_size=4)
