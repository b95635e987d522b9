"""A runtime's own Orthanc, started inside its chroot by the shared harness (tests/orthanc_server.py).

The chroot shares the host's network, so the server inside listens on the host's ports; the shared
harness picks free ones, a unique Name, and trusts the port once GET /system answers with that
Name.  Here it only gets a command prefix (chroot + a clean environment), a translation of host
paths into chroot paths, and a working folder inside the chroot's /tmp.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from generator.build.chroot import Runtime
from tests.orthanc_server import OrthancServer


@contextlib.contextmanager
def orthanc_in(runtime: Runtime, *, plugin: str | None = None, script: str | None = None,
               extra_config: Mapping[str, Any] | None = None,
               timeout: float = 60.0) -> Iterator[OrthancServer]:
    """Run ``runtime``'s Orthanc, with ``plugin`` (a path inside the chroot) and a Python ``script``
    (its text), with the chroot's mounts in place; stopped with SIGTERM on leaving."""
    with runtime.scratch(prefix="orthanc-") as (_, workdir), runtime.mounted():
        script_path = None
        if script is not None:
            script_path = workdir / "probe.py"
            script_path.write_text(script, encoding="utf-8")
        server = OrthancServer(
            workdir=workdir,
            plugin=runtime.host_path(plugin) if plugin else None,
            script=script_path,
            extra_config=extra_config or {},
            binary=runtime.orthanc,
            command_prefix=runtime.command([]),
            path_in_server=runtime.inside_path,
        )
        try:
            server.start(timeout)
            yield server
        finally:
            server.stop()
