"""The plugin benchmark's measurements other than throughput: start-up, concurrency, memory.

Each takes a server (tests/orthanc_server.py) or a way to make one, and returns plain numbers;
bench_plugin.py puts them side by side for our plugin and the reference plugin.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.wrk_runner import run_wrk
from tests.orthanc_server import Connection, OrthancError, OrthancServer

# ---- start-up -------------------------------------------------------------------------------


def startup_seconds(make_server: Callable[[], OrthancServer], path: str, timeout: float = 60.0) -> float:
    """Seconds from launching Orthanc to the first 200 answer on `path` (then the server is stopped)."""
    server = make_server()
    started = time.perf_counter()
    server.launch()
    try:
        deadline = started + timeout
        while True:
            try:
                if server.request("GET", path, timeout=2.0).status == 200:
                    elapsed = time.perf_counter() - started
                    break
            except OSError:
                pass
            if server.process is not None and server.process.poll() is not None:
                raise OrthancError(f"Orthanc exited before answering {path}\n{server.log_tail()}")
            if time.perf_counter() > deadline:
                raise OrthancError(f"no answer on {path} within {timeout} s\n{server.log_tail()}")
            time.sleep(0.005)
        if not server.is_ours():
            raise OrthancError(f"port {server.http_port} is answered by another server")
        return elapsed
    finally:
        server.stop()


# ---- concurrency ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Concurrency:
    requests: int
    serial_seconds: float
    concurrent_seconds: float

    @property
    def speedup(self) -> float:
        return self.serial_seconds / self.concurrent_seconds


def _get_ok(server: OrthancServer, path: str) -> None:
    answer = server.request("GET", path, timeout=60.0)
    if answer.status != 200:
        raise OrthancError(f"GET {path} answered {answer.status}\n{server.log_tail()}")


def concurrency(server: OrthancServer, path: str, requests: int = 16, repeat: int = 3) -> Concurrency:
    """`requests` requests one after the other, then all at once (each on its own connection).

    Medians of `repeat` runs.  One warm-up round first: Orthanc creates its HTTP threads lazily.
    """
    def concurrent_once() -> float:
        barrier = threading.Barrier(requests + 1)
        failures: list[BaseException] = []

        def one() -> None:
            barrier.wait()
            try:
                _get_ok(server, path)
            except BaseException as error:  # noqa: BLE001 - reported below
                failures.append(error)

        threads = [threading.Thread(target=one) for _ in range(requests)]
        for thread in threads:
            thread.start()
        barrier.wait()
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        if failures:
            raise failures[0]
        return elapsed

    def serial_once() -> float:
        started = time.perf_counter()
        for _ in range(requests):
            _get_ok(server, path)
        return time.perf_counter() - started

    concurrent_once()
    serial = [serial_once() for _ in range(repeat)]
    parallel = [concurrent_once() for _ in range(repeat)]
    return Concurrency(requests, statistics.median(serial), statistics.median(parallel))


# ---- memory -----------------------------------------------------------------------------------


def rss_bytes(pid: int) -> int:
    """VmRSS of a process, from /proc/PID/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            value, unit = line.split()[1:3]
            assert unit == "kB", line
            return int(value) * 1024
    raise OrthancError(f"no VmRSS for process {pid}")


@dataclass(frozen=True)
class MemoryGrowth:
    requests: int
    rss_before: int
    rss_after: int
    samples: list[tuple[int, int]] = field(default_factory=list)  # (requests so far, RSS)

    @property
    def growth(self) -> int:
        return self.rss_after - self.rss_before

    @property
    def bytes_per_request(self) -> float:
        return self.growth / self.requests if self.requests else 0.0


def memory_growth(server: OrthancServer, path: str, requests: int, *, headers: dict[str, str] | None = None,
                  warmup: int = 2000, connections: int = 8, threads: int = 2) -> MemoryGrowth:
    """RSS before and after at least `requests` requests on `path` (wrk runs of one second each).

    The warm-up (on one keep-alive connection, then one wrk second) lets Orthanc create its HTTP
    threads and the interpreter fill its caches, so that what remains is growth per request.
    """
    assert server.process is not None
    pid = server.process.pid
    connection = Connection(server.http_port, 30.0)
    try:
        for _ in range(warmup):
            answer = connection.request("GET", path, headers=headers)
            if answer.status != 200:
                raise OrthancError(f"GET {path} answered {answer.status}\n{server.log_tail()}")
    finally:
        connection.close()
    run_wrk(server.http_port, path, duration=1, connections=connections, threads=threads, headers=headers)
    before = rss_bytes(pid)
    done = 0
    samples = [(0, before)]
    while done < requests:
        done += run_wrk(server.http_port, path, duration=1, connections=connections, threads=threads,
                        headers=headers).requests
        samples.append((done, rss_bytes(pid)))
    return MemoryGrowth(done, before, rss_bytes(pid), samples)
