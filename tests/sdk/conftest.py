"""Fixtures for the SDK stage: an empty cache, no $ORTHANC_SDK_HEADERS, a local upstream server."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.sdk.manifest import Manifest, load_manifest

from .synthetic import FAKE_200, FAKE_210, SHARED_HEADERS, header_text, write_manifest


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty cache and no $ORTHANC_SDK_HEADERS unless it sets one."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("ORTHANC_PYTHON_CACHE", str(cache))
    monkeypatch.delenv("ORTHANC_SDK_HEADERS", raising=False)
    monkeypatch.setenv("ORTHANC_SDK_FETCH_TIMEOUT", "5")
    return cache


@pytest.fixture
def headers_dir(tmp_path: Path) -> Path:
    """A $ORTHANC_SDK_HEADERS-style folder with the fake releases."""
    root = tmp_path / "headers"
    for version, data in (("2.0.0", FAKE_200), ("2.0.1", FAKE_200), ("2.1.0", FAKE_210)):
        (root / version).mkdir(parents=True)
        (root / version / "OrthancCPlugin.h").write_bytes(data)
    return root


class _Server:
    """A real HTTP server on 127.0.0.1 serving a folder, counting the requests it answers."""

    def __init__(self, root: Path) -> None:
        server = self
        self.requests: list[str] = []

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
                super().__init__(*args, directory=str(root), **kwargs)

            def log_message(self, format: str, *args: object) -> None:
                server.requests.append(self.path)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def pattern(self) -> str:
        return f"http://127.0.0.1:{self.port}/{{version}}/OrthancCPlugin.h"


@pytest.fixture
def upstream(tmp_path: Path) -> Iterator[_Server]:
    """A local stand-in for the upstream server, with its own copy of the fake releases."""
    root = tmp_path / "upstream"
    for version, data in (("2.0.0", FAKE_200), ("2.1.0", FAKE_210), ("3.0.0", header_text(3, 0, 0))):
        (root / version).mkdir(parents=True)
        (root / version / "OrthancCPlugin.h").write_bytes(data)
    server = _Server(root)
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


@pytest.fixture
def fake_manifest(tmp_path: Path, upstream: _Server) -> Manifest:
    return load_manifest(write_manifest(tmp_path / "manifest.yaml", upstream.pattern, system=[]))


@pytest.fixture
def shared_headers() -> Path:
    if not (SHARED_HEADERS / "manifest.yaml").is_file():
        pytest.skip(f"shared SDK headers not found at {SHARED_HEADERS} (set ORTHANC_SDK_HEADERS)")
    return SHARED_HEADERS
