"""Render the generated C sources and orthanc.pyi from a wrap plan."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jinja2

from generator.atomic_files import write_texts
from generator.paths import TEMPLATES_DIR
from generator.plan.plan import Plan
from generator.render.view import RenderView, build_view

TEMPLATES = TEMPLATES_DIR

# Output file -> template. One template per output file; per-kind C lives in macros.j2.
OUTPUTS = {
    "orthanc_sdk_features.h": "orthanc_sdk_features.h.j2",
    "orthanc_generated.h": "orthanc_generated.h.j2",
    "orthanc_generated.c": "orthanc_generated.c.j2",
    "orthanc.pyi": "orthanc.pyi.j2",
}


def c_string(text: str) -> str:
    """A C string literal (with quotes) holding text, split at line ends."""
    if text is None:
        return '""'
    escaped = json.dumps(text, ensure_ascii=True)[1:-1]
    escaped = escaped.replace("??", "?\\?")  # no trigraphs
    parts = escaped.split("\\n")
    if len(parts) == 1:
        return f'"{escaped}"'
    return " ".join(f'"{p}\\n"' for p in parts[:-1]) + f' "{parts[-1]}"'


def py_doc(text: str) -> str:
    """Text safe inside a triple-quoted Python docstring."""
    return (text or "").replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def c_comment(text: str) -> str:
    return (text or "").replace("*/", "* /")


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(c_string=c_string, py_doc=py_doc, c_comment=c_comment)
    return env


def tidy(text: str) -> str:
    """At most one blank line in a row: macros leave gaps where a kind has no C."""
    return re.sub(r"\n(?:[ \t]*\n){2,}", "\n\n", text)


def render_view(view: RenderView) -> dict[str, str]:
    env = environment()
    return {name: tidy(env.get_template(template).render(view=view)) for name, template in OUTPUTS.items()}


def render_plan(plan: Plan, output_dir: Path) -> list[Path]:
    """Write every output; files are written only after all rendered fine."""
    return write_texts(render_view(build_view(plan)), output_dir)
