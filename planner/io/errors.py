"""Refused input: :class:`InstanceError` and the one-line problem format
``file: path: message, got value``."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any


class InstanceError(Exception):
    """An instance was refused. ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = [one_line(p) for p in problems]
        super().__init__("\n".join(self.problems))


class Problems(ValueError):
    """Problems of one mapping reported together: checks across its fields,
    each ``(path parts below it, message, value)``, and the pydantic errors of
    its fields (``errors``, locations relative to the mapping)."""

    def __init__(
        self, items: list[tuple[tuple, str, Any]], errors: Sequence[Mapping[str, Any]] = ()
    ):
        self.items = list(items)
        self.errors = list(errors)
        super().__init__("; ".join(message for _, message, _ in self.items))


class Raw(str):
    """A value shown as written, without quotes (e.g. ``got both``)."""


def preview(value: Any, depth: int = 0, limit: int = 80) -> str:
    """A short, one-line picture of a value; never walks a big structure."""
    if isinstance(value, Raw):
        text = str(value)
    elif isinstance(value, bool) or value is None:
        text = {True: "true", False: "false", None: "null"}[value]
    elif isinstance(value, int):
        if value.bit_length() <= 50:
            text = str(value)
        elif value.bit_length() <= 1000:
            text = f"{float(value):.12g}"
        else:  # str() of a huge int is slow, or refused past 4300 digits
            text = f"a whole number of about {int(value.bit_length() * 0.30103)} digits"
    elif isinstance(value, float):
        text = f"{value:.12g}"
    elif isinstance(value, str):
        text = repr(value[:limit])
    elif isinstance(value, (list, tuple, set, frozenset)):
        if depth >= 2:
            return "[...]" if value else "[]"
        items = [preview(v, depth + 1) for v in list(value)[:5]]
        text = "[" + ", ".join(items) + (", ..." if len(value) > 5 else "") + "]"
    elif isinstance(value, Mapping):
        if depth >= 2:
            return "{...}" if value else "{}"
        items = [
            f"{preview(k, depth + 1)}: {preview(v, depth + 1)}" for k, v in list(value.items())[:5]
        ]
        text = "{" + ", ".join(items) + (", ..." if len(value) > 5 else "") + "}"
    elif isinstance(value, (datetime.date, datetime.datetime)):
        text = value.isoformat()
    elif isinstance(value, (bytes, bytearray)):
        text = repr(bytes(value[:limit]))
    else:
        text = repr(value)[:200]
    return text if len(text) <= limit else text[: limit - 3] + "..."


def one_line(text: str) -> str:
    """Escape anything that would break a problem line in two (or hide text)."""
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text
    )


def problem_line(source: str, path: str, message: str, value: Any = ...) -> str:
    got = "" if value is ... else f", got {preview(value)}"
    return f"{source}: {path}: {message}{got}"
