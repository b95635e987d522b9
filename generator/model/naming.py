"""Python names of SDK items (the compatibility contract of design.md)."""

from __future__ import annotations

import re

PREFIX = "OrthancPlugin"


def strip_prefix(name: str) -> str:
    """OrthancPluginXxx -> Xxx (the rest unchanged)."""
    return name[len(PREFIX):] if name.startswith(PREFIX) else name


def upper_snake(name: str) -> str:
    """NewStudy -> NEW_STUDY; RGB48 -> RGB48 (underscore only after a lower-case letter)."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).upper()


def enum_member_python_name(enum_name: str, member_name: str) -> str:
    """OrthancPluginChangeType_NewStudy -> NEW_STUDY."""
    prefix = enum_name + "_"
    rest = member_name[len(prefix):] if member_name.startswith(prefix) else strip_prefix(member_name)
    return upper_snake(rest)


def method_names(short_class: str, short_function: str) -> list[str]:
    """Python names of a method: the dropped-prefix name, and the name without the
    class name when it starts with it (FindMatcherIsMatch -> also IsMatch)."""
    names = [short_function]
    if short_function.startswith(short_class):
        rest = short_function[len(short_class):]
        if rest[:1].isupper():
            names.append(rest)
    return names
