"""Structured documentation from the Doxygen comments of OrthancCPlugin.h."""

from __future__ import annotations

import re

from generator.model.entities import Doc

_COMMAND = re.compile(r"^[@\\](\w+)\s*(.*)$")
_VERSION = re.compile(r"\bnew in (?:orthanc |version |orthanc sdk )?(\d+\.\d+\.\d+)", re.IGNORECASE)


def comment_lines(raw: str | None) -> list[str]:
    """The text lines of a C comment without its delimiters and leading stars."""
    if not raw:
        return []
    text = raw.strip()
    text = re.sub(r"^/\*+!?<?", "", text)
    text = re.sub(r"\*+/$", "", text)
    if text.startswith("//"):
        text = "\n".join(re.sub(r"^\s*//+[!<]*", "", line) for line in text.splitlines())
    lines = []
    for line in text.splitlines():
        lines.append(re.sub(r"^\s*\*(?!/)\s?", "", line).rstrip())
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _squash(lines: list[str]) -> str:
    """Join wrapped lines into paragraphs separated by one blank line."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)


def parse_doc(raw: str | None) -> Doc:
    """Split a Doxygen comment into brief, description, params, return, group."""
    doc = Doc()
    description: list[str] = []
    target: list[str] | None = description
    sections: dict[str, list[str]] = {}
    params: dict[str, list[str]] = {}
    for line in comment_lines(raw):
        match = _COMMAND.match(line.strip())
        if not match:
            if not line.strip() and target is sections.get("brief"):
                # A blank line ends @brief; the description follows.
                target = description
            if target is not None:
                target.append(line)
            continue
        command, rest = match.group(1), match.group(2)
        if command == "brief":
            target = sections.setdefault("brief", [])
            target.append(rest)
        elif command == "param":
            name_match = re.match(r"(?:\[[a-z, ]+\]\s*)?(\w+)\s*(.*)", rest)
            if not name_match:
                target = None
                continue
            target = params.setdefault(name_match.group(1), [])
            target.append(name_match.group(2))
        elif command in ("return", "returns", "retval"):
            target = sections.setdefault("return", [])
            target.append(rest)
        elif command == "ingroup":
            doc.group = rest.strip()
            target = None
        elif command == "deprecated":
            target = sections.setdefault("deprecated", [])
            target.append(rest)
        elif command in ("note", "warning", "see", "remark"):
            target = sections.setdefault(f"note:{len(sections)}", [])
            target.append(rest)
        else:
            # Other commands (\mainpage, @defgroup, ...) carry no per-item meaning.
            target = None
    doc.brief = _squash(sections.get("brief", []))
    doc.description = _squash(description)
    if not doc.brief and doc.description:
        # Member comments (/*!< ... */) and older headers have no @brief.
        first, _, rest = doc.description.partition("\n\n")
        doc.brief, doc.description = first, rest
    doc.params = {name: _squash(lines) for name, lines in params.items()}
    doc.returns = _squash(sections.get("return", []))
    if "deprecated" in sections:
        doc.deprecated = _squash(sections["deprecated"])
    doc.notes = [_squash(lines) for key, lines in sorted(sections.items()) if key.startswith("note:")]
    return doc


def plain_text(raw: str | None) -> str:
    """A one-paragraph text of a short comment (enum members, fields)."""
    return _squash(comment_lines(raw))


def new_in_versions(text: str) -> list[str]:
    """Versions named by "New in Orthanc X.Y.Z" style notes in free text."""
    return _VERSION.findall(text or "")
