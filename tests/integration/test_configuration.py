"""The plugin's configuration keys, and how it refuses a configuration that cannot work."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.helpers import write_script
from tests.orthanc_server import OrthancServer

pytestmark = pytest.mark.integration

PING_SCRIPT = """\
import orthanc

def ping(output, uri, **kwargs):
    output.AnswerBuffer("pong", "text/plain")

orthanc.RegisterRestCallback("/cfg/ping", ping)
"""

MakeServer = Callable[..., OrthancServer]


def refused(make_server: MakeServer, plugin: Path, **kwargs: object) -> str:
    """Start a server whose plugin must refuse to start; returns its log."""
    server = make_server(plugin=plugin, **kwargs)
    server.launch()
    code = server.wait_exit(timeout=30)
    log = server.log_text()
    assert code != 0, f"Orthanc started although the plugin should have refused\n{log[-3000:]}"
    assert "Error while initializing plugin" in log
    return log


def test_missing_script_is_refused(make_server: MakeServer, plugin: Path, tmp_path: Path) -> None:
    log = refused(make_server, plugin, script=tmp_path / "absent.py")
    assert f"cannot open the script {tmp_path / 'absent.py'}" in log
    assert "start-up refused" in log


def test_script_that_is_a_directory_is_refused(make_server: MakeServer, plugin: Path, tmp_path: Path) -> None:
    folder = tmp_path / "folder.py"
    folder.mkdir()
    log = refused(make_server, plugin, script=folder)
    assert f"cannot read the script {folder}" in log


def test_unreadable_script_is_refused(make_server: MakeServer, plugin: Path, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("running as root: file permissions do not stop root from reading the script")
    script = write_script(tmp_path, "secret.py", PING_SCRIPT)
    script.chmod(0)
    log = refused(make_server, plugin, script=script)
    assert "cannot open the script" in log


def test_script_with_syntax_error_is_refused(make_server: MakeServer, plugin: Path, tmp_path: Path) -> None:
    script = write_script(tmp_path, "broken.py", "import orthanc\n\ndef broken(:\n    pass\n")
    log = refused(make_server, plugin, script=script)
    assert "SyntaxError" in log
    assert f"error while loading the script {script}" in log
    assert "start-up refused" in log


def test_script_raising_at_import_is_refused(make_server: MakeServer, plugin: Path, tmp_path: Path) -> None:
    script = write_script(tmp_path, "raises.py", "raise RuntimeError('refused-at-import')\n")
    log = refused(make_server, plugin, script=script)
    assert "RuntimeError: refused-at-import" in log
    assert "Traceback (most recent call last)" in log


def test_script_named_orthanc_py_is_refused(make_server: MakeServer, plugin: Path, tmp_path: Path) -> None:
    script = write_script(tmp_path, "orthanc.py", PING_SCRIPT)
    log = refused(make_server, plugin, script=script)
    assert "is named orthanc.py" in log


def test_script_named_like_a_loaded_module_is_refused(make_server: MakeServer, plugin: Path,
                                                      tmp_path: Path) -> None:
    script = write_script(tmp_path, "os.py", PING_SCRIPT)
    log = refused(make_server, plugin, script=script)
    assert "a module of that name is already loaded" in log


@pytest.mark.parametrize(("config", "message"), [
    ({"PythonScript": 42}, '"PythonScript" must be a string'),
    ({"Python": "script.py"}, '"Python" must be an object'),
    ({"Python": {"Verbose": "yes"}}, '"Python" > "Verbose" must be true or false'),
])
def test_mistyped_options_are_refused(make_server: MakeServer, plugin: Path, config: dict[str, object],
                                      message: str) -> None:
    log = refused(make_server, plugin, extra_config=config)
    assert message in log


def test_no_script_disables_python_with_a_warning(make_server: MakeServer, plugin: Path) -> None:
    server = make_server(plugin=plugin).start()
    assert server.get_json("/plugins/python")["ID"] == "python"
    assert server.get("/cfg/ping").status == 404
    log = server.log_text()
    assert 'no "PythonScript" option in the configuration, Python scripting is disabled' in log
    warning = next(line for line in log.splitlines() if "Python scripting is disabled" in line)
    assert warning.startswith("W")
    assert server.stop() == 0


def test_section_keys(make_server: MakeServer, plugin: Path, tmp_path: Path) -> None:
    script = write_script(tmp_path, "ping.py", PING_SCRIPT)
    server = make_server(plugin=plugin, extra_config={"Python": {
        "Path": str(script), "Verbose": True, "DisplayMemoryUsage": True, "AllowThreads": False}})
    server.start()
    assert server.get("/cfg/ping").body == b"pong"  # "Path" names the script
    log = server.wait_for_log("Python memory usage:")  # DisplayMemoryUsage, after the callback
    assert "# installing zipimport hook" in log  # Verbose: the interpreter reports its imports
    assert '"AllowThreads" is false' in log
    assert server.stop() == 0


def test_global_keys(make_server: MakeServer, plugin: Path, tmp_path: Path) -> None:
    script = write_script(tmp_path, "ping.py", PING_SCRIPT)
    server = make_server(plugin=plugin, script=script, extra_config={"PythonVerbose": True})
    server.start()
    assert server.get("/cfg/ping").body == b"pong"
    log = server.log_text()
    assert "# installing zipimport hook" in log
    assert "Python memory usage:" not in log
    assert server.stop() == 0


def test_python_script_wins_over_section_path(make_server: MakeServer, plugin: Path, tmp_path: Path) -> None:
    used = write_script(tmp_path / "used", "ping.py", PING_SCRIPT)
    ignored = write_script(tmp_path / "ignored", "other.py", "raise RuntimeError('must not run')\n")
    server = make_server(plugin=plugin, script=used, extra_config={"Python": {"Path": str(ignored)}})
    server.start()
    assert server.get("/cfg/ping").body == b"pong"
    assert 'using "PythonScript"' in server.log_text()
    assert server.stop() == 0
