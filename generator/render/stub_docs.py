"""Docstrings of generated functions as a script author reads them: Python names, arguments, result.

The header documents C: `OrthancPluginRestApiGet()`, `OrthancPluginErrorCode_UnknownResource`, a
context argument, memory buffers to free.  Here every C name of the model becomes its Python
spelling (`orthanc.RestApiGet()`, `orthanc.ErrorCode.UNKNOWN_RESOURCE`), sentences about freeing
memory go (the wrapper frees it), and the text gains Google-style `Args:`, `Returns:` and `Raises:`
sections built from the wrapper's Python arguments and result.  The plugin's `__doc__` and the stub
share the result.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from generator.model.entities import Function, Model
from generator.model.naming import strip_prefix

if TYPE_CHECKING:
    from generator.render.view import ArgView, ResultView

_C_NAME = re.compile(r"\bOrthancPlugin[A-Za-z0-9]+(?:_[A-Za-z0-9]+)?\b(\(\))?")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"])")
# Sentences that only concern C memory management: the wrapper frees what it allocates.
_C_ONLY = re.compile(r"must be freed|OrthancPluginFree|\bfreed by\b|^The target memory buffer", re.IGNORECASE)


def _enum_members(model: Model) -> dict[str, str]:
    return {m.name: f"orthanc.{e.python_name}.{m.python_name}" for e in model.enumerations for m in e.members}


def pythonize(text: str, model: Model) -> str:
    """text with the model's C names in their Python spelling and C-only sentences dropped."""
    if not text:
        return ""
    members = _enum_members(model)

    def replace(match: re.Match[str]) -> str:
        name, call = match.group(0).removesuffix("()"), match.group(1) or ""
        if name in members:
            return members[name]
        return f"orthanc.{strip_prefix(name)}{call}"

    paragraphs = []
    for paragraph in text.split("\n\n"):
        sentences = [s for s in _SENTENCE_END.split(paragraph.strip()) if s and not _C_ONLY.search(s)]
        paragraphs.append(" ".join(sentences))
    result = "\n\n".join(p for p in paragraphs if p)
    return re.sub(r"\bNULL\b", "None", _C_NAME.sub(replace, result))


def _dedupe(text: str) -> str:
    """The header often repeats the brief as the description's first sentence: say it once."""
    parts = text.split("\n\n", 1)
    if len(parts) == 2 and parts[1].startswith(parts[0]):
        rest = parts[1][len(parts[0]):].strip()
        return parts[0] + ("\n\n" + rest if rest else "")
    return text


def _indent(text: str) -> str:
    return " ".join(text.split())


def python_doc(text: str, function: Function, model: Model, python_args: list[ArgView],
               result: ResultView, outputs: list[ArgView]) -> str:
    """The docstring of one generated wrapper (text: the brief, description and deprecation note)."""
    parts = [pythonize(_dedupe(text), model)]
    params = function.doc.params
    args = [f"    {a.py_name}: {_indent(pythonize(params.get(a.name, ''), model)) or a.pyi}" for a in python_args]
    if args:
        parts.append("Args:\n" + "\n".join(args))
    returns = []
    if result.convert not in ("none", "error_code"):
        returns.append(_indent(pythonize(function.doc.returns, model)) or result.pyi)
    for output in outputs:
        described = _indent(pythonize(params.get(output.name, ""), model))
        returns.append(described or ("The content, as bytes." if output.pyi == "bytes" else output.pyi))
    if len(returns) == 1:
        parts.append("Returns:\n    " + returns[0])
    elif returns:
        parts.append("Returns:\n    A tuple: " + "; ".join(f"({i}) {r}" for i, r in enumerate(returns, 1)))
    if result.convert == "error_code":
        parts.append("Raises:\n    OrthancException: when Orthanc reports an error.")
    see_also, notes = [], []
    for note in function.doc.notes:
        if _C_NAME.fullmatch(note.strip()) or re.fullmatch(r"(OrthancPlugin\w+\(\),?\s*)+", note.strip()):
            see_also.append(pythonize(note, model))
        else:
            notes.append(pythonize(note, model))
    parts.extend(f"Note:\n    {_indent(n)}" for n in notes if n)
    if see_also:
        parts.append("See also: " + ", ".join(see_also) + ".")
    return "\n\n".join(p for p in parts if p).strip()


def deprecation(function: Function, model: Model) -> str | None:
    """The @deprecated message of a wrapper, or None when the SDK does not deprecate it."""
    if not function.deprecated:
        return None
    message = pythonize(function.doc.deprecated or "", model)
    if message and not re.search(r"[a-z]{3}", message.replace("orthanc.", "")):
        message = f"use {message} instead"
    return f"deprecated by the Orthanc SDK: {message}" if message else "deprecated by the Orthanc SDK"
