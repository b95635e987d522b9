"""Writing outputs so that a failure never leaves a half-written file behind."""

from __future__ import annotations

from pathlib import Path


def write_text_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    tmp.replace(path)


def write_texts(texts: dict[str, str], output_dir: Path) -> list[Path]:
    """Write name -> text into output_dir (created), in name order; the paths written."""
    output_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in sorted(texts):
        path = output_dir / name
        write_text_atomically(path, texts[name])
        written.append(path)
    return written
