"""Fuzz every callable of the `orthanc` module inside a real Orthanc: only Python exceptions, no crash.

The list of callables comes from the running module itself (dir(orthanc), route /fuzz/catalog of
scripts/fuzz_target.py), and is checked against the rendered orthanc.pyi, whose annotations also
guide half of the argument lists (fuzz_strategies.py).  Each callable gets its own hypothesis run;
each example is one request, so a crash or a hang is pinned on the call that caused it.  A crashed
server is restarted and the crash reported at the end, with the other callables still fuzzed.

    RELIABILITY_FUZZ_EXAMPLES=30   examples per callable (bound methods and functions)
    RELIABILITY_FUZZ_SEED=N        hypothesis seed (printed with every failure)
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from tests.orthanc_server import OrthancServer, Response
from tests.reliability.conftest import BuiltPlugin, new_server
from tests.reliability.fuzz_strategies import RECEIVERS, calls, output_call_lists, stub_signatures
from tests.stub_gates import absent_in, parse_version

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("RELIABILITY_FUZZ_EXAMPLES", "30"))
SEED = int(os.environ.get("RELIABILITY_FUZZ_SEED", str(random.randrange(2**32))))
CALL_TIMEOUT = 60.0

# Callables not fuzzed, and why: each would harm the machine or the server rather than test the wrapper.
SKIPPED = {
    "HttpGet": "requests the URL it is given: random URLs would leave 127.0.0.1 (DNS, remote hosts) "
               "and wait for Orthanc's HttpTimeout",
    "HttpPost": "same as HttpGet",
    "HttpPut": "same as HttpGet",
    "HttpDelete": "same as HttpGet",
    "WriteFile": "writes whatever path it is given, as the user running Orthanc",
    "RegisterDictionaryTag": "changes DCMTK's global dictionary, safe only during start-up (no lock against "
                             "the HTTP threads) and it would change how every later call parses DICOM",
    "RegisterPrivateDictionaryTag": "same as RegisterDictionaryTag",
}
# Callables whose integer arguments are sizes the SDK allocates: sizes stay small (and values that
# cannot convert at all), see fuzz_strategies.SIZE_SAFE_INTS.
SIZE_SAFE = {"CreateImage", "CreateMemoryBuffer", "CreateMemoryBuffer64"}
# Register* functions get no callable (fuzz_strategies.OBJECT_KINDS), so they only ever check their
# arguments: registering callbacks after start-up races with the HTTP threads reading Orthanc's lists.


class FuzzFailure(AssertionError):
    pass


class Fuzzer:
    """One Orthanc running the fuzz script; restarted (and the crash recorded) if it dies."""

    def __init__(self, plugin: BuiltPlugin, tmp_path_factory: pytest.TempPathFactory) -> None:
        self.plugin = plugin
        self.tmp_path_factory = tmp_path_factory
        self.server: OrthancServer | None = None
        self.crashes: list[str] = []
        self.outcomes: Counter[str] = Counter()

    def start(self) -> None:
        # A peer in the configuration so that GetPeers() returns an object (port 1: nothing is contacted).
        self.server = new_server(self.plugin.path, "fuzz_target.py", self.tmp_path_factory.mktemp("fuzz"),
                                 {"OrthancPeers": {"fuzz-peer": ["http://127.0.0.1:1/"]}})
        try:
            self.server.start()
        except BaseException:
            self.server.stop()
            raise
        # Objects kept beyond their callback ("stale_*" markers): a stored instance, a RestOutput.
        dicom = self.server.get("/fuzz/dicom").body
        assert self.server.post("/instances", dicom).status == 200, self.server.log_tail()
        self.server.post("/fuzz/output", json.dumps({"calls": [["SetHttpHeader", ["X-Fuzz", "1"], {}]]}).encode())

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    def restart(self, why: str) -> None:
        assert self.server is not None
        self.crashes.append(f"{why}\n--- log tail ---\n{self.server.log_tail(40)}")
        self.server.stop()
        self.start()

    def post(self, path: str, body: dict[str, Any]) -> Response:
        assert self.server is not None
        text = json.dumps(body)
        try:
            return self.server.post(path, text.encode(), timeout=CALL_TIMEOUT)
        except (OSError, http.client.HTTPException) as error:
            died = self.server.process is not None and self.server.process.poll() is not None
            what = f"{'Orthanc died' if died else 'no answer'} ({error!r}) on POST {path} {text[:600]}"
            self.restart(what)
            raise FuzzFailure(what) from None

    def call(self, body: dict[str, Any]) -> None:
        answer = self.post("/fuzz/call", body)
        if answer.status != 200:
            raise FuzzFailure(f"HTTP {answer.status} on {json.dumps(body)[:600]}: {answer.text[:300]}")
        result = answer.json()
        self.outcomes[result["type"] if result["outcome"] == "raised" else "returned"] += 1
        bad = [name for name, outcome in result.get("probed", {}).items() if outcome == "SystemError"]
        if result["type"] == "SystemError" or bad:
            raise FuzzFailure(f"SystemError (a C-API misuse) on {json.dumps(body)[:600]}: {result} {bad}")

    def output_calls(self, calls: list[Any]) -> None:
        """Any answer, or none (Orthanc drops the connection after some odd answers), as long as it serves on."""
        assert self.server is not None
        with contextlib.suppress(OSError, http.client.HTTPException):
            self.server.post("/fuzz/output", json.dumps({"calls": calls}).encode(), timeout=CALL_TIMEOUT)
        if not self.server.is_ours():
            died = self.server.process is not None and self.server.process.poll() is not None
            self.restart(f"/system does not answer after RestOutput calls {json.dumps(calls)[:600]}")
            raise FuzzFailure(f"{'Orthanc died' if died else 'no answer'} after RestOutput calls {calls!r:.600}")

    def catalog(self) -> dict[str, Any]:
        assert self.server is not None
        return dict(self.server.get_json("/fuzz/catalog"))


@pytest.fixture(scope="module")
def fuzzer(built_plugin: BuiltPlugin, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzer]:
    fuzz = Fuzzer(built_plugin, tmp_path_factory)
    fuzz.start()
    yield fuzz
    fuzz.stop()


@pytest.fixture(scope="module")
def catalog(fuzzer: Fuzzer) -> dict[str, Any]:
    return fuzzer.catalog()


@pytest.fixture(scope="module")
def signatures(built_plugin: BuiltPlugin) -> dict[str, Any]:
    return stub_signatures(built_plugin.stub) if built_plugin.stub else {}


def run(strategy: st.SearchStrategy[Any], action: Any, examples: int) -> str | None:
    """One hypothesis run; the failure message (with the falsifying example), or None."""
    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(strategy)
    def fuzz(value: Any) -> None:
        action(value)

    try:
        seed(SEED)(fuzz)()
    except Exception as failure:  # noqa: BLE001 - FuzzFailure, or a group of them (several distinct failures)
        return f"{failure_text(failure)} (RELIABILITY_FUZZ_SEED={SEED})"
    return None


def failure_text(failure: BaseException) -> str:
    inner = getattr(failure, "exceptions", None)
    if inner:
        return " | ".join(failure_text(one) for one in inner)
    return str(failure)


def report(failures: dict[str, str]) -> str:
    lines = [f"{len(failures)} callable(s) misbehaved (seed {SEED}):"]
    lines += [f"- {name}: {message}" for name, message in sorted(failures.items())]
    return "\n".join(lines)


def test_catalog_covers_the_stub(catalog: dict[str, Any], signatures: dict[str, Any],
                                built_plugin: BuiltPlugin) -> None:
    if not signatures:
        pytest.skip("no orthanc.pyi beside the plugin: nothing to compare the module with")
    in_module = set(catalog["functions"]) | {f"{cls}.{m}" for cls, methods in catalog["classes"].items()
                                              for m in methods}
    missing = sorted(set(signatures) - in_module)
    version = catalog.get("orthanc_version")
    if missing and built_plugin.stub is not None and version and version != "mainline":
        newer = absent_in(built_plugin.stub, parse_version(version))
        missing = [name for name in missing if name not in newer and name.split(".")[0] not in newer]
    assert not missing, f"in orthanc.pyi but not in the running module: {missing}"
    assert len(catalog["functions"]) > 40 and sum(map(len, catalog["classes"].values())) > 20


def test_module_functions(fuzzer: Fuzzer, catalog: dict[str, Any], signatures: dict[str, Any]) -> None:
    failures: dict[str, str] = {}
    fuzzed = 0
    for name in catalog["functions"]:
        if name in SKIPPED:
            continue
        strategy = calls("function", name, signatures.get(name), size_safe=name in SIZE_SAFE)
        message = run(strategy, fuzzer.call, EXAMPLES)
        fuzzed += 1
        if message:
            failures[name] = message
    assert not failures, report(failures)
    assert fuzzed == len(set(catalog["functions"]) - set(SKIPPED))


def test_methods_of_live_objects(fuzzer: Fuzzer, catalog: dict[str, Any], signatures: dict[str, Any]) -> None:
    failures: dict[str, str] = {}
    for cls, receiver in RECEIVERS.items():
        for method in catalog["classes"].get(cls, []):
            name = f"{cls}.{method}"
            message = run(calls("bound", name, signatures.get(name), receiver=receiver), fuzzer.call, EXAMPLES)
            if message:
                failures[name] = message
    assert not failures, report(failures)


def test_unbound_methods_and_constructors(fuzzer: Fuzzer, catalog: dict[str, Any],
                                          signatures: dict[str, Any]) -> None:
    """Every method through its class with a wrong `self`; every class called directly."""
    failures: dict[str, str] = {}
    few = max(5, EXAMPLES // 3)
    for cls, methods in catalog["classes"].items():
        message = run(calls("construct", cls, None), fuzzer.call, few)
        if message:
            failures[f"{cls}()"] = message
        for method in methods:
            name = f"{cls}.{method}"
            message = run(calls("unbound", name, signatures.get(name)), fuzzer.call, few)
            if message:
                failures[name] = message
    assert not failures, report(failures)


def test_rest_output_call_sequences(fuzzer: Fuzzer, catalog: dict[str, Any], signatures: dict[str, Any]) -> None:
    """Random sequences of calls on a request's own RestOutput (answers, errors, multipart, headers)."""
    methods = catalog["classes"].get("RestOutput", [])
    if not methods:
        pytest.skip("the module has no RestOutput methods")
    message = run(output_call_lists(signatures, methods), fuzzer.output_calls, EXAMPLES * 3)
    assert message is None, message


def test_server_survived_everything(fuzzer: Fuzzer) -> None:
    assert fuzzer.server is not None
    assert not fuzzer.crashes, "\n\n".join(fuzzer.crashes)
    assert fuzzer.server.is_ours()
    # The fuzz reached past the argument checks: some calls returned, several exception types came back.
    assert fuzzer.outcomes["returned"] > 0 and len(fuzzer.outcomes) >= 4, fuzzer.outcomes


def test_every_skip_is_a_real_callable(catalog: dict[str, Any]) -> None:
    unknown = sorted(set(SKIPPED) - set(catalog["functions"]))
    assert not unknown, f"SKIPPED names callables the module does not have: {unknown}"



def test_command_line_argument_at_count(make_server: Any) -> None:
    """Orthanc 1.10.1 checks `index + 1 > argc` instead of `>=`: index == count reads argv's NULL
    terminator and throws a C++ exception through the plugin, which aborts Orthanc. The hand-written
    wrapper refuses such indexes before Orthanc sees them."""
    server = make_server("fuzz_target.py")
    count = int(server.get_json("/fuzz/argc"))
    for index in (count, count + 1, 2**32 - 1):
        body = {"mode": "function", "target": "GetCommandLineArgument", "args": [index], "kwargs": {}}
        answer = server.post("/fuzz/call", json.dumps(body).encode())
        assert answer.status == 200, f"index {index} of {count}: HTTP {answer.status} {answer.text[:200]}"
        assert answer.json()["outcome"] == "raised", answer.text
    assert server.is_ours()
