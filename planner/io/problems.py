"""pydantic's errors as the planner's problem lines: the path the user wrote,
a plain message, and the closest known key."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

from pydantic import (
    BaseModel,
)

from planner.io.errors import Problems, preview, problem_line
from planner.io.schema import Instance

# ---------------------------------------------------------------- error lines
_TAGS = {"number", "schedule"}


_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in _TAGS:
            continue
        elif _KEY.fullmatch(str(part)):
            out += ("." if out else "") + str(part)
        else:
            out += f"[{preview(part)}]"
    return out or "(top level)"


def _fields_at(loc: tuple) -> list[str]:
    """The keys a mapping at ``loc`` may have, for 'did you mean' hints."""
    model: Any = Instance
    for part in loc:
        if isinstance(part, int) or part in _TAGS:
            continue
        field = model.model_fields.get(part)
        if field is None:
            return []
        model = _model_in(field.annotation)
        if model is None:
            return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    origin = getattr(annotation, "__origin__", None)
    if origin is not None and origin is not annotation:
        return _model_in(origin)
    return None


_MESSAGES = {
    "missing": "required key is missing",
    "float_type": "must be a number",
    "int_type": "must be a whole number",
    "string_type": "must be text",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "model_type": "must be a mapping of keys to values",
    "model_attributes_type": "must be a mapping of keys to values",
    "dict_type": "must be a mapping of keys to values",
    "finite_number": "must be a finite number",
    "string_too_short": "must not be empty",
    "too_short": "must not be empty",
    "recursion_loop": "refers to itself",
}


def closest_name(word: str, options: list[str] | set[str]) -> str | None:
    """The option a misspelt ``word`` most likely meant, if any is close."""
    by_case = {o.lower(): o for o in options}
    if word.lower() in by_case:
        return by_case[word.lower()]
    hint = difflib.get_close_matches(word, sorted(options), n=1, cutoff=0.65)
    return hint[0] if hint else None


def _message(err: Mapping[str, Any]) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "extra_forbidden":
        hint = closest_name(str(err["loc"][-1]), _fields_at(err["loc"][:-1]))
        return "unknown key" + (f" (did you mean '{hint}'?)" if hint else "")
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    msg = str(err.get("msg", "is not valid"))
    return msg[:1].lower() + msg[1:]


def problem_lines(source: str, err: Mapping[str, Any]) -> list[str]:
    """The line(s) of one pydantic error."""
    loc, kind = tuple(err["loc"]), err["type"]
    error = (err.get("ctx") or {}).get("error")
    if kind == "value_error" and isinstance(error, Problems):
        lines = []
        for inner in error.errors:
            lines += problem_lines(source, {**inner, "loc": loc + tuple(inner["loc"])})
        lines += [
            problem_line(source, _path(loc + sub), message, value)
            for sub, message, value in error.items
        ]
        return lines
    if kind == "invalid_key":
        return [
            problem_line(source, _path(loc[:-1]), "keys must be text", err.get("input", loc[-1]))
        ]
    if kind == "missing":
        return [problem_line(source, _path(loc), _message(err))]
    return [problem_line(source, _path(loc), _message(err), err.get("input"))]
