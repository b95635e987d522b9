"""The cost of the gate (runtime/gate.c) on the REST routes, in instructions, gate on against gate off.

The machine is shared and its load changes from second to second, so this counts instructions
instead of timing: Orthanc runs under valgrind's callgrind with instrumentation off during start-up;
it is switched on (`callgrind_control -i on`) for a fixed number of sequential requests to one route,
then the counts are dumped. The same plugin runs twice in the same run, with the gate
(the default) and with ORTHANC_PYTHON_GATE=0 (Orthanc's context handed out as is). Figures:
instructions per request on each side and the gate's share; the target (not asserted) is that the
REST route figures drop by less than 2 %, i.e. a share under 2 %. Output: dist/bench/gate.{json,md}.

    python benchmarks/bench_gate.py [--requests 2000] [--python /usr/bin/python3.11] [--plugin P.so]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.orthanc_server import OrthancServer, default_binary  # noqa: E402

SCRIPT = ROOT / "benchmarks" / "plugin_scripts" / "bench_routes.py"
QUIET_CONFIG = {"WebDavEnabled": False, "DicomServerEnabled": False, "KeepAlive": True}
ROUTES = {"constant": "/bench/constant", "rest_api": "/bench/rest-api"}
DEFAULT_PYTHON = "/usr/bin/python3.11"


def build(python: str, out_dir: Path) -> Path:
    from generator.build.host import build_into
    from generator.build.pipeline import system_sdk_version

    return build_into(system_sdk_version(), python, out_dir).plugin


def callgrind_control(*args: str) -> None:
    subprocess.run(["callgrind_control", *args], check=True, capture_output=True, timeout=120)


def total_instructions(dump_dir: Path) -> int:
    """Sum of the `totals:`/`summary:` lines of every dump (one file per thread with --separate-threads=no
    is one file per dump)."""
    total = 0
    for path in dump_dir.glob("callgrind.out*"):
        for line in path.read_text(errors="replace").splitlines():
            match = re.match(r"(?:totals|summary):\s+(\d+)", line)
            if match:
                total += int(match.group(1))
                break
    return total


def gate_instructions(dump_dir: Path) -> int:
    """Instructions spent in the gate function itself (its exclusive cost), from callgrind_annotate."""
    total = 0
    for path in dump_dir.glob("callgrind.out*"):
        out = subprocess.run(["callgrind_annotate", "--threshold=100", "--inclusive=no", str(path)],
                             capture_output=True, text=True, timeout=300).stdout
        for line in out.splitlines():
            if "GateInvoke" in line or "SlowPath" in line or "PassCounted" in line:
                match = re.match(r"\s*([\d,]+)", line)
                if match:
                    total += int(match.group(1).replace(",", ""))
    return total


def measure(plugin: Path, gate: bool, route: str, requests: int, scratch: Path) -> tuple[int, int]:
    """Instructions of the whole Orthanc process while it answers `requests` requests to `route`, and
    those of the gate's own code."""
    dump_dir = scratch / f"dumps-{route}-{'on' if gate else 'off'}"
    dump_dir.mkdir(parents=True)
    server = OrthancServer(
        workdir=scratch / f"orthanc-{route}-{'on' if gate else 'off'}", plugin=plugin, script=SCRIPT,
        extra_config=QUIET_CONFIG, arguments=(),
        command_prefix=("valgrind", "--tool=callgrind", "--instr-atstart=no", "--dump-instr=no",
                        f"--callgrind-out-file={dump_dir}/callgrind.out.%p"),
        env={"ORTHANC_PYTHON_GATE": "1" if gate else "0"})
    server.start(timeout=300.0)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=120)
        connection.request("GET", route)  # warm-up (first imports, first worker thread)
        connection.getresponse().read()
        pid = str(server.process.pid) if server.process else ""
        callgrind_control("-i", "on", pid)
        callgrind_control("--zero", pid)
        for _ in range(requests):
            try:
                connection.request("GET", route)
                answer = connection.getresponse()
            except (http.client.RemoteDisconnected, ConnectionError):
                # Orthanc closed the kept-alive connection: the same request again on a new one.
                connection.close()
                connection.request("GET", route)
                answer = connection.getresponse()
            answer.read()
            if answer.status != 200:
                raise RuntimeError(f"{route} answered {answer.status}\n{server.log_tail()}")
        for path in dump_dir.glob("callgrind.out*"):
            path.unlink()
        callgrind_control("--dump", pid)
        connection.close()
        deadline = time.monotonic() + 60
        while not any(dump_dir.glob("callgrind.out*")) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)
        return total_instructions(dump_dir), gate_instructions(dump_dir)
    finally:
        server.stop(timeout=300.0)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / "bench")
    parser.add_argument("--python", default=DEFAULT_PYTHON if Path(DEFAULT_PYTHON).exists() else "3.11")
    parser.add_argument("--plugin", type=Path, help="a prebuilt plugin instead of building one")
    parser.add_argument("--gate-requests", type=int, default=2000, help="requests per route and side")
    args, ignored = parser.parse_known_args(argv)
    if ignored:
        print(f"bench_gate: ignoring {' '.join(ignored)}", file=sys.stderr)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for tool in ("valgrind", "callgrind_control"):
        if shutil.which(tool) is None:
            print(f"bench_gate: skipped, {tool} not found (Debian package valgrind)", file=sys.stderr)
            return 0
    if not Path(default_binary()).exists():
        print(f"bench_gate: skipped, Orthanc not found at {default_binary()}", file=sys.stderr)
        return 0

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-gate-") as scratch_name:
        scratch = Path(scratch_name)
        plugin = args.plugin or build(args.python, scratch / "build")
        for key, route in ROUTES.items():
            counts = {gate: measure(plugin, gate, route, args.gate_requests, scratch) for gate in (True, False)}
            on, off = counts[True][0] / args.gate_requests, counts[False][0] / args.gate_requests
            own = counts[True][1] / args.gate_requests
            share = (on - off) / off * 100.0
            rows.append({"route": key, "path": route, "requests": args.gate_requests,
                         "instructions_per_request_gate_on": round(on), "instructions_per_request_gate_off": round(off),
                         "gate_share_percent": round(share, 3), "gate_own_instructions_per_request": round(own, 1),
                         "gate_own_share_percent": round(own / on * 100.0, 4)})
            print(f"  {key:9} gate on {on:12.0f}  off {off:12.0f} instructions/request  ({share:+.2f} %); "
                  f"in the gate's own code {own:.1f}", flush=True)

    lines = [
        f"Instructions per request (callgrind, {args.gate_requests} sequential requests per route and side, "
        f"{time.strftime('%Y-%m-%d')}, load {' '.join(f'{v:.1f}' for v in os.getloadavg())}):",
        "",
        "| route | gate on | gate off (ORTHANC_PYTHON_GATE=0) | difference | in the gate's own code | target |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        met = "met" if max(row["gate_share_percent"], row["gate_own_share_percent"]) < 2.0 else "NOT met"
        lines.append(f"| `{row['path']}` | {row['instructions_per_request_gate_on']:,} | "
                     f"{row['instructions_per_request_gate_off']:,} | {row['gate_share_percent']:+.2f} % | "
                     f"{row['gate_own_instructions_per_request']:.1f} ({row['gate_own_share_percent']:.3f} %) | "
                     f"< 2 %: {met} |")
    text = "\n".join(lines) + "\n"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "gate.json").write_text(json.dumps({"rows": rows}, indent=1) + "\n")
    (args.out / "gate.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
