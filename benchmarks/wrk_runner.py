"""Run `wrk` against 127.0.0.1, always bounded in time, and read its figures as JSON.

wrk's Lua `done` hook prints the summary as one JSON line (requests, errors, latency percentiles
in microseconds), which is sturdier than parsing its human-readable report.  wrk runs for its
whole duration even when its threads stop early, so a run bounded by a request count is a series
of short runs (see memory.py), not a Lua counter.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPORT_MARK = "WRK-JSON "

# Lua run by wrk: `done` runs once with the totals (no `response` hook: defining one makes wrk
# parse every answer, which costs throughput).
_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '%s{"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, "read_errors": %d, '
    .. '"write_errors": %d, "status_errors": %d, "timeouts": %d, "p50_us": %d, "p90_us": %d, '
    .. '"p99_us": %d, "max_us": %d, "mean_us": %f}\\n',
    "REPORT_MARK", summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50.0), latency:percentile(90.0), latency:percentile(99.0),
    latency.max, latency.mean))
end
"""



class WrkError(RuntimeError):
    """wrk is missing, failed, or reported failed requests."""


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    errors: int  # connection errors, timeouts and non-2xx/3xx answers

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(port: int, path: str, *, duration: float = 5.0, connections: int = 8, threads: int = 2,
            headers: Mapping[str, str] | None = None) -> WrkResult:
    """One wrk run on http://127.0.0.1:port/path; raises WrkError if any request failed."""
    if not wrk_available():
        raise WrkError("wrk not found on PATH (Debian package `wrk`)")
    lua = _DONE.replace("REPORT_MARK", REPORT_MARK)
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as scratch:
        script = Path(scratch) / "report.lua"
        script.write_text(lua)
        command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "10s",
                   "-s", str(script)]
        for key, value in (headers or {}).items():
            command += ["-H", f"{key}: {value}"]
        command.append(f"http://127.0.0.1:{port}{path}")
        done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith(REPORT_MARK)]
    if done.returncode != 0 or not lines:
        raise WrkError(f"wrk failed (exit {done.returncode}): {' '.join(command)}\n{done.stdout}{done.stderr}")
    data = json.loads(lines[-1][len(REPORT_MARK):])
    errors = sum(int(data[key]) for key in ("connect_errors", "read_errors", "write_errors", "status_errors",
                                            "timeouts"))
    result = WrkResult(requests=int(data["requests"]), seconds=data["duration_us"] / 1e6,
                       p50_ms=data["p50_us"] / 1000, p90_ms=data["p90_us"] / 1000, p99_ms=data["p99_us"] / 1000,
                       errors=errors)
    if result.errors or result.requests == 0:
        raise WrkError(f"{result.errors} failed requests of {result.requests} on {path}: {data}")
    return result
