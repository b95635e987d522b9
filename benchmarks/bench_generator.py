"""Generator timings: one header, the whole history, rendering, and one cell end to end.

Each figure is reported with a reference measured in the same run, so that a
slower or busier machine shifts both: libclang's own parse of the header is the
reference of the model build, and `cc -fsyntax-only` on the rendered sources the
reference of the compile. Targets from the issues are printed beside them; they are
never asserted.

    python benchmarks/bench_generator.py [--out dist/bench] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.model.history import model_from_history  # noqa: E402
from generator.parse.clang_setup import CLANG_ARGS, _index  # noqa: E402
from generator.parse.header_parser import model_from_header  # noqa: E402
from generator.plan.plan import build_plan  # noqa: E402
from generator.render.render import render_plan  # noqa: E402


def timed(function: Callable[[], object], repeat: int) -> float:
    """Median wall time of `repeat` runs, after one warm-up run."""
    function()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def headers_dir() -> Path:
    return Path(os.environ.get("ORTHANC_SDK_HEADERS", ROOT.parent / "shared" / "sdk_headers")).resolve()


def run(repeat: int, python: str) -> list[dict[str, object]]:
    headers = headers_dir()
    newest = headers / "1.12.10" / "OrthancCPlugin.h"
    rows: list[dict[str, object]] = []

    clang_only = timed(lambda: _index().parse(str(newest), args=CLANG_ARGS), repeat)
    one = timed(lambda: model_from_header(newest, "1.12.10"), repeat)
    rows.append({"name": "model of one header (1.12.10)", "seconds": one, "reference": "libclang parse alone",
                 "reference_seconds": clang_only, "ratio": one / clang_only, "target": "<= 0.3 s"})

    history = timed(lambda: model_from_history(headers), max(1, repeat // 3))
    count = len([p for p in headers.iterdir() if (p / "OrthancCPlugin.h").is_file()])
    rows.append({"name": f"history model ({count} headers)", "seconds": history,
                 "reference": f"{count} x model of one header", "reference_seconds": count * one,
                 "ratio": history / (count * one), "target": "<= 20 s"})

    model = model_from_header(newest, "1.12.10")
    with tempfile.TemporaryDirectory() as scratch:
        render = timed(lambda: render_plan(build_plan(model), Path(scratch)), repeat)
    rows.append({"name": "plan + render (1.12.10)", "seconds": render, "reference": "model of one header",
                 "reference_seconds": one, "ratio": render / one, "target": ""})

    from generator.build.compile import compile_plugin
    from generator.build.pipeline import generate, resolve_python

    interpreter = resolve_python(python)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)

        def cell() -> None:
            generated = generate("1.10.1", work / "w")
            compile_plugin(generated.sources, generated.sources, interpreter, work / "out")

        whole = timed(cell, max(1, repeat // 3))
        generated = generate("1.10.1", work / "ref")
        import subprocess

        from generator.build.python_info import query_python

        include = [f"-I{d}" for d in query_python(interpreter).include_dirs]
        command = ["cc", "-std=c11", "-fsyntax-only", f"-I{generated.sources}", f"-I{ROOT / 'runtime'}", *include,
                   str(generated.sources / "orthanc_generated.c")]
        syntax = timed(lambda: subprocess.run(command, check=True), repeat)
    rows.append({"name": "one cell: generate + compile + link (1.10.1)", "seconds": whole,
                 "reference": "cc -fsyntax-only on the generated C", "reference_seconds": syntax,
                 "ratio": whole / syntax, "target": "<= 10 s"})
    return rows


def markdown(rows: list[dict[str, object]]) -> str:
    lines = ["| measurement | seconds | reference | reference s | ratio | target |", "|---|---:|---|---:|---:|---|"]
    for row in rows:
        lines.append(f"| {row['name']} | {row['seconds']:.3f} | {row['reference']} | "
                     f"{row['reference_seconds']:.3f} | {row['ratio']:.2f} | {row['target']} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / "bench")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--python", default="3.11")
    args = parser.parse_args()
    rows = run(args.repeat, args.python)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "generator.json").write_text(json.dumps({"cpu_count": os.cpu_count(), "rows": rows}, indent=1) + "\n")
    text = markdown(rows)
    (args.out / "generator.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
