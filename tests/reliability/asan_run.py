"""`nox -s asan`: the plugin built with AddressSanitizer, under a subset of the integration suites.

1. Generate the sources for the system's SDK and build the plugin with -fsanitize=address
   (compile and link) into dist/asan/, with its orthanc.pyi beside it.
2. Write dist/asan/orthanc-asan, a wrapper that starts /usr/sbin/Orthanc with libasan preloaded
   (Orthanc itself is not instrumented, so the runtime must come first) and ASAN_OPTIONS:
   detect_leaks=0 (CPython keeps its allocations until exit, by design), allocator_may_return_null=1
   (the fuzz asks for absurd sizes on purpose: a failed allocation must be an error the wrapper
   handles, as with glibc, not an ASan report), reports written to dist/asan/logs/asan.PID.
   Orthanc 1.10.1 under preloaded ASan needs two fixes, with or without a plugin: a deadlock of
   glibc's setlocale lock during ASan's lazy start-up (explained in asan/swift_demangle_stub.c,
   built here and preloaded after libasan), and mallopt(M_ARENA_MAX), which ASan's allocator
   refuses, so Orthanc stops ("MallocArenaMax": 0 skips the call).  For the latter the wrapper
   passes Orthanc a folder holding the test's configuration file plus one with that key (Orthanc
   merges the .json files of a folder), so the tests need not know about ASan.
3. Check that the set-up catches errors at all: Orthanc with a script that reads freed memory
   (asan/canary.py) must stop with an AddressSanitizer report in the log folder.
4. Run pytest with ORTHANC_BINARY pointing at the wrapper and ORTHANC_PYTHON_TEST_PLUGIN at the
   ASan plugin (only Orthanc gets libasan, not pytest or the compilers it starts).
5. Fail if pytest failed or any report contains "ERROR: AddressSanitizer" (printed in full).

    python -m tests.reliability.asan_run [--out dist/asan] [--python 3.11] [PYTEST ARGS]  (default: SUBSET)
"""

from __future__ import annotations

import argparse
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

from generator.paths import REPO_ROOT
from tests.integration.conftest import PREBUILT_PLUGIN_ENV
from tests.orthanc_server import default_binary

ASAN_CFLAGS = ("-fsanitize=address", "-fno-omit-frame-pointer", "-g", "-O1")
ASAN_LDFLAGS = ("-fsanitize=address",)
ASAN_OPTIONS = ("detect_leaks=0", "allocator_may_return_null=1", "halt_on_error=1", "abort_on_error=0",
                "symbolize=1", "detect_stack_use_after_return=0")
ASAN_ERROR = "ERROR: AddressSanitizer"
# Every integration test that runs Orthanc with the plugin under test, and the whole reliability
# suite (fuzz, callback exceptions, twenty resets, hostile inputs).  Left out: the tests that build
# a plugin per Python version (not the ASan one), the compile-only tests, and the comparison with
# the reference plugin (which would run the reference plugin under ASan, not ours).
SUBSET = ("tests/integration", "tests/reliability", "-m", "integration",
          "--ignore=tests/integration/test_python_versions.py", "--ignore=tests/integration/test_compile.py",
          "--ignore=tests/integration/test_sdk_guards_compile.py",
          "--ignore=tests/integration/test_reference_compatibility.py")


def libasan() -> Path:
    """The libasan shared library of the compiler that builds the plugin."""
    done = subprocess.run(["gcc", "-print-file-name=libasan.so"], capture_output=True, text=True, check=False)
    path = Path(done.stdout.strip()).resolve()
    if done.returncode != 0 or not path.is_file():
        raise SystemExit(f"asan: libasan not found (gcc -print-file-name=libasan.so gave {done.stdout.strip()!r})")
    return path


def build(out_dir: Path, python: str) -> Path:
    from generator.build.compile import compile_plugin
    from generator.build.pipeline import generate, resolve_python, system_sdk_version

    with tempfile.TemporaryDirectory(prefix="orthanc-python-asan-") as work:
        generated = generate(system_sdk_version(), Path(work))
        result = compile_plugin(generated.sources, generated.sources, resolve_python(python), out_dir,
                                extra_cflags=ASAN_CFLAGS, extra_ldflags=ASAN_LDFLAGS)
        shutil.copyfile(generated.sources / "orthanc.pyi", out_dir / "orthanc.pyi")
    return result.path


WRAPPER = """#!/bin/bash
# Orthanc with the AddressSanitizer runtime preloaded (written by tests/reliability/asan_run.py).
# The last argument, a configuration file, becomes a folder: that file plus the ASan settings.
if [ $# -gt 0 ] && [ -f "${@: -1}" ]; then
  config="${@: -1}"
  set -- "${@:1:$#-1}"
  folder="$(dirname "$config")/asan-config"
  mkdir -p "$folder"
  cp "$config" "$folder/orthanc.json"
  echo '@SETTINGS@' > "$folder/zz-asan.json"
  set -- "$@" "$folder"
fi
LD_PRELOAD='@PRELOAD@' ASAN_OPTIONS='@OPTIONS@' exec '@ORTHANC@' "$@"
"""
ORTHANC_SETTINGS = '{"MallocArenaMax": 0}'
STUB_SOURCE = Path(__file__).resolve().parent / "asan" / "swift_demangle_stub.c"
CANARY = Path(__file__).resolve().parent / "asan" / "canary.py"


def build_stub(out_dir: Path) -> Path:
    """The preloaded swift_demangle stub (see its source for why)."""
    target = out_dir / "libswift_demangle_stub.so"
    subprocess.run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-O2", "-fPIC", "-shared", str(STUB_SOURCE),
                    "-o", str(target)], check=True)
    return target


def write_wrapper(path: Path, orthanc: str, preload: str, log_dir: Path) -> Path:
    options = ":".join((*ASAN_OPTIONS, f"log_path={log_dir / 'asan'}"))
    values = {"@SETTINGS@": ORTHANC_SETTINGS, "@PRELOAD@": preload, "@OPTIONS@": options, "@ORTHANC@": orthanc}
    text = WRAPPER
    for key, value in values.items():
        text = text.replace(key, value)
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def canary(wrapper: Path, plugin: Path, log_dir: Path, scratch: Path) -> str | None:
    """Run asan/canary.py; None if ASan reported its use-after-free, else what went wrong."""
    from tests.orthanc_server import OrthancServer

    server = OrthancServer(workdir=scratch, plugin=plugin, script=CANARY, binary=str(wrapper),
                           extra_config={"DicomServerEnabled": False, "WebDavEnabled": False})
    server.launch()
    assert server.process is not None
    code = server.wait_exit(timeout=120)
    report = log_dir / f"asan.{server.process.pid}"
    if not report.is_file():
        return f"no ASan report after the canary (Orthanc exit {code})\n{server.log_tail()}"
    text = report.read_text(errors="replace")
    report.unlink()
    if f"{ASAN_ERROR}: heap-use-after-free" not in text:
        return f"the canary's report is not a use-after-free:\n{text[:2000]}"
    return None


def asan_reports(log_dir: Path) -> list[str]:
    """The text of every ASan report that holds an error."""
    reports = []
    for report in sorted(log_dir.glob("asan*")):
        text = report.read_text(errors="replace")
        if ASAN_ERROR in text:
            reports.append(f"--- {report} ---\n{text}")
    return reports


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "dist" / "asan")
    parser.add_argument("--python", default="3.11", help="interpreter the plugin is built for (default 3.11)")
    # Everything else goes to pytest, in order (default: SUBSET).
    args, pytest_args = parser.parse_known_args(argv)

    out = args.out.resolve()
    log_dir = out / "logs"
    if log_dir.exists():
        shutil.rmtree(log_dir)
    log_dir.mkdir(parents=True)
    try:
        plugin = build(out, args.python)
    except Exception as error:  # noqa: BLE001 - a build failure is one message, not a traceback
        print(f"asan: cannot build the plugin: {error}", file=sys.stderr)
        return 2
    print(f"asan: built {plugin}", flush=True)
    preload = f"{libasan()}:{build_stub(out)}"  # libasan first: it must be the first object loaded
    wrapper = write_wrapper(out / "orthanc-asan", default_binary(), preload, log_dir)

    with tempfile.TemporaryDirectory(prefix="asan-canary-") as scratch:
        problem = canary(wrapper, plugin, log_dir, Path(scratch))
    if problem:
        print(f"asan: the set-up does not catch errors: {problem}", file=sys.stderr)
        return 2
    print("asan: canary use-after-free reported as expected", flush=True)

    env = dict(os.environ)
    env["ORTHANC_BINARY"] = str(wrapper)
    env[PREBUILT_PLUGIN_ENV] = str(plugin)
    pytest_args = [arg for arg in pytest_args if arg != "--"] or list(SUBSET)
    done = subprocess.run([sys.executable, "-m", "pytest", *pytest_args], cwd=REPO_ROOT, env=env, check=False)

    reports = asan_reports(log_dir)
    for report in reports:
        print(report)
    print(f"asan: pytest exit {done.returncode}; {len(reports)} AddressSanitizer report(s) with errors "
          f"in {log_dir}")
    return 1 if reports or done.returncode != 0 else 0


if __name__ == "__main__":
    raise SystemExit(main())
