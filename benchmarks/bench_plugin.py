"""Plugin benchmark: our plugin beside the reference plugin (Debian's orthanc-python 4.0).

Both plugins run the same script (benchmarks/plugin_scripts/bench_routes.py), each in its own
Orthanc, measured in the same run and interleaved (round after round, route after route, ours
then the reference), so that a busy machine shifts both sides alike.  Our plugin is built against
the interpreter the reference plugin uses (Debian's /usr/bin/python3.11) unless told otherwise,
so the comparison is between the two plugins, not between two builds of CPython.

Figures: requests/s and p50/p99 latency (wrk on 127.0.0.1, bounded in time) for Orthanc's own
/system (the ceiling), a constant route, a route reading headers and GET arguments, and a route
calling RestApiGet('/system'); RSS growth over many requests; the speedup of 16 concurrent
requests to a route that sleeps 0.1 s and calls the REST API; start-up to the first answer.
Targets are printed beside the figures, never asserted.  Output: dist/bench/plugin.{json,md}.

    python benchmarks/bench_plugin.py [--requests 100000] [--duration 5] [--rounds 3]
        [--python /usr/bin/python3.11] [--plugin PREBUILT.so] [--reference PLUGIN.so] [--out dist/bench]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.plugin_measures import concurrency, memory_growth, startup_seconds  # noqa: E402
from benchmarks.wrk_runner import WrkResult, run_wrk, wrk_available  # noqa: E402
from tests.orthanc_server import OrthancServer, default_binary  # noqa: E402

SCRIPT = ROOT / "benchmarks" / "plugin_scripts" / "bench_routes.py"
REFERENCE_PLUGIN = Path("/usr/lib/orthanc/libOrthancPython.so.4.0")
REFERENCE_PYTHON = "/usr/bin/python3.11"  # the interpreter Debian built the reference plugin for
# Orthanc features the benchmark does not use and that only slow start-up and shutdown down.
QUIET_CONFIG = {"WebDavEnabled": False, "DicomServerEnabled": False}
HEADERS = {"X-Bench": "yes", "User-Agent": "bench-plugin"}


@dataclass(frozen=True)
class Route:
    key: str
    label: str
    path: str


ROUTES = (
    Route("core", "Orthanc's own /system (ceiling)", "/system"),
    Route("constant", "Python route answering a constant", "/bench/constant"),
    Route("echo", "Python route reading headers + GET, answering JSON", "/bench/echo?patient=bench&limit=10&x=%C3%A9"),
    Route("rest_api", "Python route calling RestApiGet('/system')", "/bench/rest-api"),
)
ECHO = ROUTES[2]
SLEEP_PATH = "/bench/sleep"
CONSTANT_PATH = "/bench/constant"


# ---- servers -------------------------------------------------------------------------------------

def server_factory(plugin: Path | None, scratch: Path, tag: str) -> Callable[[], OrthancServer]:
    """Servers without --verbose: logging every request would dominate what is measured."""
    counter = iter(range(1_000_000))

    def make() -> OrthancServer:
        return OrthancServer(workdir=scratch / f"{tag}-{next(counter)}", plugin=plugin,
                             script=SCRIPT if plugin is not None else None, extra_config=QUIET_CONFIG, arguments=())

    return make


@contextmanager
def running(make: Callable[[], OrthancServer]) -> Iterator[OrthancServer]:
    server = make()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def build_ours(python: str, out_dir: Path) -> Path:
    from generator.build.host import build_into
    from generator.build.pipeline import system_sdk_version

    built = build_into(system_sdk_version(), python, out_dir)
    print(f"built {built.plugin} (SDK {built.sdk}, Python {built.python_version}); {built.summary}", flush=True)
    return built.plugin


# ---- measurements --------------------------------------------------------------------------------

def measure_rest(servers: dict[str, OrthancServer], args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Median over rounds of each (route, plugin) wrk run; runs interleaved, the two plugins one right
    after the other (in alternating order), so that each round gives a paired ratio."""
    runs: dict[tuple[str, str], list[WrkResult]] = {}
    for round_number in range(1, args.rounds + 1):
        order = list(servers.items())
        if round_number % 2 == 0:
            order.reverse()
        for route in ROUTES:
            for side, server in order:
                result = run_wrk(server.http_port, route.path, duration=args.duration,
                                 connections=args.connections, threads=args.threads, headers=HEADERS)
                runs.setdefault((route.key, side), []).append(result)
                print(f"  round {round_number} {route.key:9} {side:9} {result.requests_per_second:9.0f} req/s  "
                      f"p50 {result.p50_ms:.2f} ms  p99 {result.p99_ms:.2f} ms", flush=True)
    figures: dict[str, dict[str, Any]] = {}
    for (key, side), results in runs.items():
        figures.setdefault(key, {})[side] = {
            "requests_per_second": statistics.median(r.requests_per_second for r in results),
            "p50_ms": statistics.median(r.p50_ms for r in results),
            "p99_ms": statistics.median(r.p99_ms for r in results),
            "rounds": [r.requests_per_second for r in results],
        }
    for sides in figures.values():
        # Median of per-round ratios: a round's two runs are adjacent in time, so machine load
        # that changes from round to round cancels out of each ratio.
        sides["paired_ratio"] = statistics.median(
            ours / ref for ours, ref in zip(sides["ours"]["rounds"], sides["reference"]["rounds"]))
    constant, core = figures["constant"]["ours"]["rounds"], figures["core"]["ours"]["rounds"]
    figures["constant"]["ours_vs_core"] = statistics.median(c / k for c, k in zip(constant, core))
    constant, core = figures["constant"]["reference"]["rounds"], figures["core"]["reference"]["rounds"]
    figures["constant"]["reference_vs_core"] = statistics.median(c / k for c, k in zip(constant, core))
    return figures


def measure_startup(makers: dict[str, Callable[[], OrthancServer]], repeat: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {side: [] for side in makers}
    for _ in range(repeat):
        for side, make in makers.items():
            path = "/system" if side == "no_plugin" else CONSTANT_PATH
            samples[side].append(startup_seconds(make, path))
    for side, values in samples.items():
        print(f"  start-up {side:9} " + " ".join(f"{v:.3f}" for v in values) + " s", flush=True)
    return {side: statistics.median(values) for side, values in samples.items()}


# ---- report ----------------------------------------------------------------------------------------

def ratio(ours: float, reference: float) -> float:
    return ours / reference if reference else float("nan")


def rows_of(figures: dict[str, Any], requests: int) -> list[dict[str, Any]]:
    """The table: one row per figure, ours and the reference side by side, target and verdict."""
    rows: list[dict[str, Any]] = []

    def add(figure: str, ours: float, reference: float, unit: str, target: str = "", met: bool | None = None,
            digits: int = 0, paired: float | None = None) -> None:
        value = ratio(ours, reference) if paired is None else paired
        rows.append({"figure": figure, "unit": unit, "ours": round(ours, digits + 3),
                     "reference": round(reference, digits + 3), "ratio": round(value, 3),
                     "target": target, "met": met, "digits": digits})

    rest = figures["rest"]
    for route in ROUTES:
        ours = rest[route.key]["ours"]
        ref = rest[route.key]["reference"]
        paired = rest[route.key]["paired_ratio"]
        target, met = "", None
        if route.key == "constant":
            target, met = ">= 1.2x reference", paired >= 1.2
        add(f"{route.label}: requests/s", ours["requests_per_second"], ref["requests_per_second"], "req/s",
            target, met, paired=paired)
        add(f"{route.label}: p50 latency", ours["p50_ms"], ref["p50_ms"], "ms", digits=2)
        add(f"{route.label}: p99 latency", ours["p99_ms"], ref["p99_ms"], "ms", digits=2)
    constant_ours, constant_ref = rest["constant"]["ours_vs_core"], rest["constant"]["reference_vs_core"]
    add("constant route / core /system (same server)", constant_ours, constant_ref, "x", ">= 0.9x (ours)",
        constant_ours >= 0.9, digits=2)

    memory = figures["memory"]
    mib = 1024 * 1024
    counts = f"{memory['ours']['requests']} / {memory['reference']['requests']} requests"
    add(f"RSS growth over >= {requests} requests to the headers + GET route ({counts})", memory["ours"]["growth"] / mib,
        memory["reference"]["growth"] / mib, "MiB", "< 1 MiB (ours)", memory["ours"]["growth"] < mib, digits=2)
    add("RSS growth per request", memory["ours"]["bytes_per_request"], memory["reference"]["bytes_per_request"],
        "bytes", digits=1)

    conc = figures["concurrency"]
    add("16 concurrent sleep(0.1) + RestApiGet: speedup over serial", conc["ours"]["speedup"],
        conc["reference"]["speedup"], "x", ">= 12x (ours)", conc["ours"]["speedup"] >= 12, digits=1)

    start = figures["startup"]
    add("start-up to first answered Python request", start["ours"], start["reference"], "s",
        f"(Orthanc without plugin: {start['no_plugin']:.3f} s)", digits=3)
    return rows


def markdown(rows: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    lines = [
        f"Plugin benchmark ({meta['date']}): ours = {meta['ours']['plugin']} (Python {meta['ours']['python']}), "
        f"reference = {meta['reference']['plugin']}; wrk -t{meta['wrk']['threads']} -c{meta['wrk']['connections']} "
        f"-d{meta['wrk']['duration']}s, median of {meta['wrk']['rounds']} interleaved rounds (requests/s ratios: "
        f"median of the per-round ratios of adjacent runs); "
        f"{meta['cpu_count']} CPUs, load {meta['load_before']} before / {meta['load_after']} after.",
        "",
        "| figure | ours | reference | ratio (ours/ref) | target | met |",
        "|---|---:|---:|---:|---|---|",
    ]
    for row in rows:
        digits = row["digits"]
        unit = row["unit"]
        met = "" if row["met"] is None else ("yes" if row["met"] else "**no**")
        lines.append(f"| {row['figure']} | {row['ours']:.{digits}f} {unit} | {row['reference']:.{digits}f} {unit} | "
                     f"{row['ratio']:.2f} | {row['target']} | {met} |")
    return "\n".join(lines) + "\n"


# ---- main ------------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / "bench")
    parser.add_argument("--python", default=REFERENCE_PYTHON if Path(REFERENCE_PYTHON).exists() else "3.11",
                        help="interpreter our plugin is built for (default: the reference plugin's)")
    parser.add_argument("--plugin", type=Path, help="a prebuilt plugin of ours instead of building one")
    parser.add_argument("--reference", type=Path, default=REFERENCE_PLUGIN)
    parser.add_argument("--requests", type=int, default=100_000, help="requests of the memory figure")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of each wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved wrk rounds (median taken)")
    parser.add_argument("--startup-repeat", type=int, default=5)
    # `nox -s bench` hands the same arguments to every benchmark: ignore the other scripts' options.
    args, ignored = parser.parse_known_args(argv)
    if ignored:
        print(f"bench_plugin: ignoring {' '.join(ignored)}", file=sys.stderr)
    return args


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for needed, why in ((default_binary(), "Orthanc"), (str(args.reference), "the reference plugin")):
        if not Path(needed).exists():
            print(f"bench_plugin: skipped, {why} not found at {needed}", file=sys.stderr)
            return 0
    if not wrk_available():
        print("bench_plugin: skipped, wrk not found (Debian package wrk)", file=sys.stderr)
        return 0

    load_before = load()
    with tempfile.TemporaryDirectory(prefix="bench-plugin-") as scratch_name, ExitStack() as stack:
        scratch = Path(scratch_name)
        plugin = args.plugin or build_ours(args.python, scratch / "build")
        makers = {"ours": server_factory(plugin, scratch, "ours"),
                  "reference": server_factory(args.reference, scratch, "reference")}
        figures: dict[str, Any] = {}

        print("start-up", flush=True)
        figures["startup"] = measure_startup({**makers, "no_plugin": server_factory(None, scratch, "none")},
                                             args.startup_repeat)

        servers = {side: stack.enter_context(running(make)) for side, make in makers.items()}
        print("REST throughput", flush=True)
        figures["rest"] = measure_rest(servers, args)

        print("concurrency", flush=True)
        figures["concurrency"] = {}
        for side, server in servers.items():
            result = concurrency(server, SLEEP_PATH)
            figures["concurrency"][side] = {"requests": result.requests, "serial_s": result.serial_seconds,
                                            "concurrent_s": result.concurrent_seconds, "speedup": result.speedup}
            print(f"  {side:9} serial {result.serial_seconds:.3f} s, concurrent {result.concurrent_seconds:.3f} s, "
                  f"speedup {result.speedup:.1f}x", flush=True)

        print(f"memory ({args.requests} requests each)", flush=True)
        figures["memory"] = {}
        for side, server in servers.items():
            grown = memory_growth(server, ECHO.path, args.requests, headers=HEADERS,
                                  connections=args.connections, threads=args.threads)
            figures["memory"][side] = {"requests": grown.requests, "rss_before": grown.rss_before,
                                       "rss_after": grown.rss_after, "growth": grown.growth,
                                       "bytes_per_request": grown.bytes_per_request, "samples": grown.samples}
            print(f"  {side:9} {grown.requests} requests: RSS {grown.rss_before / 2**20:.1f} -> "
                  f"{grown.rss_after / 2**20:.1f} MiB ({grown.bytes_per_request:.1f} bytes/request)", flush=True)

        python_of_ours = args.python if args.plugin is None else "of the prebuilt plugin"
        meta = {
            "date": time.strftime("%Y-%m-%d %H:%M:%S"),
            "machine": platform.machine(),
            "cpu_count": os.cpu_count(),
            "load_before": load_before,
            "load_after": load(),
            "orthanc": default_binary(),
            "ours": {"plugin": plugin.name if args.plugin is None else str(plugin), "python": python_of_ours},
            "reference": {"plugin": str(args.reference), "python": REFERENCE_PYTHON},
            "wrk": {"threads": args.threads, "connections": args.connections, "duration": args.duration,
                    "rounds": args.rounds},
            "memory_requests": args.requests,
        }

    rows = rows_of(figures, args.requests)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "plugin.json").write_text(json.dumps({"meta": meta, "rows": rows, "figures": figures}, indent=1) + "\n")
    text = markdown(rows, meta)
    (args.out / "plugin.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
