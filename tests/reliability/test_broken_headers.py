"""Ten broken SDK headers (tests/reliability/broken_headers/), each refused by `python -m generator model`
with one line naming the file and the line of the fault, exit code 2, and no model written.

They look like the SDK (version macros, context type, error codes) so that the parser gets past
its "is this the SDK?" check and must find the fault itself.  tests/model/bad_headers covers the
other refusals (missing, empty, not C, another library, a syntax error in an enum).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BROKEN = Path(__file__).resolve().parent / "broken_headers"
REPO = Path(__file__).resolve().parents[2]

# file, line of the fault, words of the message
CASES = [
    ("unbalanced_braces.h", 15, "end of enumerator definition"),
    ("extra_closing_brace.h", 17, "extraneous closing brace"),
    ("unterminated_comment.h", 12, "unterminated /* comment"),
    ("bad_macro.h", 12, "macro parameter list"),
    ("truncated_function_body.h", 17, "expected '}'"),
    ("garbage_bytes.h", 12, "not valid UTF-8"),
    ("unterminated_conditional.h", 12, "unterminated conditional directive"),
    ("missing_include.h", 12, "file not found"),
    ("conflicting_types.h", 13, "conflicting types for 'OrthancPluginSetValue'"),
    ("unterminated_string.h", 14, "expected expression"),
]


def test_every_fixture_has_a_case() -> None:
    assert sorted(p.name for p in BROKEN.glob("*.h")) == sorted(name for name, _, _ in CASES)


@pytest.mark.parametrize(("name", "line", "words"), CASES, ids=[name for name, _, _ in CASES])
def test_broken_header_is_refused_with_file_and_line(tmp_path: Path, name: str, line: int, words: str) -> None:
    out = tmp_path / "model.json"
    done = subprocess.run([sys.executable, "-m", "generator", "model", str(BROKEN / name), "-o", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"{name}:{line}:" in lines[0], lines[0]
    assert words in lines[0], lines[0]
    assert "Traceback" not in done.stderr
    assert not out.exists()
