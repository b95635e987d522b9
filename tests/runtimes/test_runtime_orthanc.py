"""Each existing runtime, used for real: build against its SDK and libpython, run its own Orthanc.

These tests never create a runtime (``nox -s runtimes`` does); they skip with the reason when a
runtime is absent or the process is not root.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.build.chroot import Runtime
from tests.runtimes.orthanc_harness import orthanc_in

pytestmark = [pytest.mark.chroot, pytest.mark.slow]

DATA = Path(__file__).with_name("data")
# The project's own warning policy (brief: C11, -Wall -Wextra -Werror) applied to the runtime's header.
CFLAGS = "-std=c11 -Wall -Wextra -Werror -O1"


@pytest.fixture
def workdir(runtime: Runtime) -> Iterator[str]:
    """A folder inside the runtime's /tmp for build products, removed afterwards."""
    with runtime.scratch(prefix="runtime-probe-") as (inside, _):
        yield inside


def _build(runtime: Runtime, workdir: str, source: str, output: str, *, shared: bool) -> str:
    """Compile a file from tests/runtimes/data inside the runtime, with its own python3.X-config;
    returns the output's path inside the chroot."""
    runtime.copy_in(DATA / source, f"{workdir}/{source}")
    config = runtime.python_config
    shape = "-shared -fPIC" if shared else ""
    script = (f"gcc {CFLAGS} {shape} $({config} --includes) -o {output} {source} "
              f"$({config} --embed --ldflags)")
    result = runtime.run(["/bin/sh", "-c", script], cwd=workdir, capture_output=True, text=True,
                         check=False)
    assert result.returncode == 0, f"{script}\n{result.stdout}{result.stderr}"
    return f"{workdir}/{output}"


def test_embedding_program_builds_against_its_sdk_and_libpython(runtime: Runtime, workdir: str) -> None:
    info = runtime.info()
    program = _build(runtime, workdir, "embed_probe.c", "embed_probe", shared=False)
    result = runtime.run([program], capture_output=True, text=True)
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert lines == {"sdk": info.sdk_version, "pointer-bits": str(info.python_bits),
                     "python": info.python_version}
    assert info.python_version.startswith(runtime.spec.python + ".")
    assert info.python_bits == (32 if runtime.spec.arch == "i386" else 64)


def test_its_orthanc_answers_with_our_name(runtime: Runtime) -> None:
    info = runtime.info()
    with orthanc_in(runtime) as orthanc:
        system = orthanc.get_json("/system")
        assert system["Name"] == orthanc.name
        assert system["Version"] == info.orthanc_version
    assert orthanc.process is not None and orthanc.process.returncode == 0, "no clean stop on SIGTERM"


def test_a_plugin_built_inside_loads_into_its_orthanc(runtime: Runtime, workdir: str) -> None:
    info = runtime.info()
    plugin = _build(runtime, workdir, "probe_plugin.c", "libRuntimeProbe.so", shared=True)
    with orthanc_in(runtime, plugin=plugin) as orthanc:
        answer = orthanc.get_json("/runtime-probe/c")
        plugins = orthanc.get_json("/plugins")
    assert answer == {"python": info.python_version, "sdk": info.sdk_version,
                      "orthanc": info.orthanc_version}
    assert "runtime-probe" in plugins


def test_its_reference_python_plugin_runs_a_script(runtime: Runtime) -> None:
    info = runtime.info()
    script = (DATA / "reference_script.py").read_text(encoding="utf-8")
    with orthanc_in(runtime, plugin=info.reference_plugin, script=script) as orthanc:
        answer = orthanc.get_json("/runtime-probe/python")
        plugins = orthanc.get_json("/plugins")
    assert answer == {"python": info.python_version, "bits": info.python_bits, "module": "orthanc"}
    assert "python" in plugins, plugins
