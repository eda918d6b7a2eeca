"""The ``--vary PATH=VALUES`` language of sweeps: values, paths into an
instance mapping, and the scenarios they make (a grid, or zipped)."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from planner.calendar import month_index, shift_month
from planner.io.errors import InstanceError
from planner.io.load import parse_instance

MAX_VALUES = 10_000


class SweepError(ValueError):
    """A --vary that cannot be applied (bad syntax, a path that matches
    nothing, a value of the wrong kind)."""


# ------------------------------------------------------------------ values
_DATE = re.compile(r"\d{4}-\d{2}")


_NUMBER = re.compile(r"\d+(\.\d*)?([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?")


@dataclass(frozen=True)
class Value:
    text: str  # as written (ranges expanded): the value shown in the rows
    kind: str  # "number", "date" or "shift"
    number: float = 0.0  # the number or the shift
    date: str = ""

    @property
    def cell(self) -> Any:
        """The row's cell: a number, or the text of a date or a shift."""
        if self.kind == "number":
            return int(self.number) if float(self.number).is_integer() else self.number
        return self.text

    @property
    def x(self) -> float:
        """A numeric position for charts: the number, the shift, or months
        since year 0 for a date."""
        if self.kind == "date":
            return month_index(self.date)
        return self.number


def _one(token: str, where: str) -> Value:
    t = token.strip()
    if _DATE.fullmatch(t):
        if not 1 <= int(t[5:]) <= 12:
            raise SweepError(f"{where}: {t!r} is not a month 'YYYY-MM'")
        return Value(t, "date", date=t)
    if t[:1] in "+-" and _NUMBER.fullmatch(t[1:]):
        return Value(t, "shift", float(t))
    if _NUMBER.fullmatch(t):
        return Value(t, "number", float(t))
    raise SweepError(f"{where}: {token!r} is not a number, a date 'YYYY-MM' or a shift '+N'")


def _fmt(x: float) -> str:
    return f"{x:g}" if abs(x) < 1e15 else repr(x)


def parse_values(text: str, where: str = "values") -> list[Value]:
    out: list[Value] = []
    for item in text.split(","):
        if not item.strip():
            raise SweepError(f"{where}: an empty value in {text!r}")
        if ":" not in item:
            out.append(_one(item, where))
            continue
        parts = item.split(":")
        if len(parts) != 3:
            raise SweepError(f"{where}: a range is FIRST:LAST:STEP, got {item!r}")
        first, last = _one(parts[0], where), _one(parts[1], where)
        step = _one(parts[2].lstrip("+"), where)
        if first.kind != last.kind or step.kind != "number" or step.number <= 0:
            raise SweepError(
                f"{where}: a range needs two values of one kind and a step > 0, got {item!r}"
            )
        if first.kind == "date":
            if not step.number.is_integer():
                raise SweepError(f"{where}: a date range steps by whole months, got {item!r}")
            n = _range_count((last.x - first.x) / step.number, item, where)
            out += [
                Value(d, "date", date=d)
                for d in (shift_month(first.date, int(i * step.number)) for i in range(n))
            ]
        else:
            n = _range_count((last.number - first.number) / step.number + 1e-9, item, where)
            for i in range(n):
                x = first.number + i * step.number
                x = round(x, 9)
                text_x = ("+" if x >= 0 else "") + _fmt(x) if first.kind == "shift" else _fmt(x)
                out.append(Value(text_x, first.kind, x))
    _check_count(len(out), where)
    return out


def _range_count(steps: float, item: str, where: str) -> int:
    """The values of a range that spans ``steps`` steps (a float, perhaps
    huge or infinite for a tiny step), refused past MAX_VALUES."""
    if not math.isfinite(steps) or steps + 1 > MAX_VALUES:
        raise SweepError(
            f"{where}: the range {item!r} has more than {MAX_VALUES:,} values; take a larger step"
        )
    n = math.floor(steps) + 1
    _check_count(n, where)
    return n


def _check_count(n: int, where: str) -> None:
    if n < 1:
        raise SweepError(f"{where}: the range is empty")
    if n > MAX_VALUES:
        raise SweepError(f"{where}: {n} values, more than {MAX_VALUES}")


# ------------------------------------------------------------------- paths
_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[([^\]]*)\]|\.")


def parse_path(path: str) -> list[Any]:
    """``sites[*].grid.tranches[0].mw`` -> ``["sites", "*", "grid", "tranches", 0, "mw"]``;
    a selector by name is kept as ``("name", text)``."""
    parts: list[Any] = []
    pos = 0
    expect_key = True
    while pos < len(path):
        m = _SEGMENT.match(path, pos)
        if m is None or m.end() == pos:
            raise SweepError(f"{path}: cannot read the path at {path[pos:]!r}")
        if m.group(1) is not None:
            if not expect_key:
                raise SweepError(f"{path}: a '.' is missing before {m.group(1)!r}")
            parts.append(m.group(1))
            expect_key = False
        elif m.group(0) == ".":
            if expect_key:
                raise SweepError(f"{path}: a key is missing before '.'")
            expect_key = True
        else:
            inner = m.group(2).strip()
            if expect_key and parts:
                raise SweepError(f"{path}: a selector [...] must follow a key")
            if inner == "*":
                parts.append("*")
            elif re.fullmatch(r"\d+", inner):
                parts.append(int(inner))
            elif inner:
                parts.append(("name", inner))
            else:
                raise SweepError(f"{path}: an empty selector []")
            expect_key = False
        pos = m.end()
    if not parts or expect_key or not isinstance(parts[-1], str) or parts[-1] == "*":
        raise SweepError(f"{path}: the path must end with a field name")
    return parts


def _matches(data: Any, parts: list[Any], create: bool) -> list[tuple[Any, Any]]:
    """(container, key) pairs the path selects. A missing last key is created
    only when nothing before it selects more than one item."""
    nodes = [data]
    unique = True
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        nxt: list[tuple[Any, Any]] = []
        for node in nodes:
            if part == "*" or isinstance(part, (int, tuple)):
                if not isinstance(node, list):
                    continue
                if part == "*":
                    unique = False
                    nxt += [(node, i) for i in range(len(node))]
                elif isinstance(part, int):
                    if part < len(node):
                        nxt.append((node, part))
                else:
                    nxt += [
                        (node, i)
                        for i, item in enumerate(node)
                        if isinstance(item, Mapping)
                        and part[1] in (item.get("name"), item.get("technology"))
                    ]
            elif isinstance(node, Mapping):
                if part in node or (last and create and unique):
                    nxt.append((node, part))
        if last:
            return nxt
        nodes = [c[k] for c, k in nxt if c[k] is not None]
    return []


@dataclass
class Vary:
    path: str
    parts: list[Any]
    values: list[Value]

    @classmethod
    def parse(cls, text: str) -> Vary:
        if "=" not in text:
            raise SweepError(f"{text}: write PATH=VALUES, e.g. horizon.deadline=2027-12,2028-06")
        path, values = text.split("=", 1)
        path = path.strip()
        return cls(path, parse_path(path), parse_values(values, path))

    def check(self, data: Mapping) -> None:
        """Refuse a path that selects nothing, and values of the wrong kind."""
        create = any(v.kind != "shift" for v in self.values)
        found = _matches(data, self.parts, create)
        if not found:
            raise SweepError(f"{self.path}: matches nothing in the instance")
        created = False
        for c, k in found:
            current = c.get(k) if isinstance(c, Mapping) else c[k]
            created = created or (isinstance(c, Mapping) and k not in c)
            for v in self.values:
                _check_kind(self.path, current, v)
        if created:  # a key the instance does not have: is it one it may have?
            import copy

            trial = copy.deepcopy(dict(data))
            self.apply(trial, self.values[0])
            try:
                parse_instance(trial)
            except InstanceError as exc:
                unknown = [p.split(": ", 1)[1] for p in exc.problems if "unknown key" in p]
                if unknown:
                    raise SweepError(
                        f"{self.path}: not a field of the instance ({unknown[0]})"
                    ) from None

    def apply(self, data: dict, value: Value) -> None:
        for c, k in _matches(data, self.parts, create=value.kind != "shift"):
            current = c.get(k) if isinstance(c, Mapping) else c[k]
            c[k] = _new_value(current, value)


def _is_date(x: Any) -> bool:
    return isinstance(x, str) and bool(_DATE.fullmatch(x))


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _check_kind(path: str, current: Any, v: Value) -> None:
    if current is None:
        if v.kind == "shift":
            raise SweepError(f"{path}: a shift needs a current value, the field is absent")
        return
    if isinstance(current, (list, Mapping)) and v.kind == "shift":
        raise SweepError(f"{path}: holds a list or a mapping, not a number or a date")
    if _is_date(current) and v.kind == "number":
        raise SweepError(f"{path}: holds a date, {v.text!r} is a number (write YYYY-MM or +N)")
    if _is_number(current) and v.kind == "date":
        raise SweepError(f"{path}: holds a number, {v.text!r} is a date")
    if not (_is_date(current) or _is_number(current) or isinstance(current, (list, Mapping))):
        raise SweepError(f"{path}: holds {current!r}, not a number or a date")
    if _is_date(current) and v.kind == "shift" and not v.number.is_integer():
        raise SweepError(f"{path}: a date shifts by whole months, got {v.text!r}")


def _new_value(current: Any, v: Value) -> Any:
    if v.kind == "date":
        return v.date
    if v.kind == "number":
        return v.cell
    if _is_date(current):
        return shift_month(current, int(v.number))
    x = current + v.number
    return int(x) if isinstance(current, int) and float(x).is_integer() else x


# --------------------------------------------------------------- scenarios
@dataclass
class SweepScenario:
    index: int
    values: dict[str, Any]  # path -> cell
    data: dict | None  # the instance mapping, None when invalid
    message: str = ""


def scenarios(data: Mapping, varies: list[Vary], zipped: bool = False) -> list[SweepScenario]:
    """Every scenario of the sweep, as instance mappings (not yet validated)."""
    for v in varies:
        v.check(data)
    if zipped:
        lengths = {len(v.values) for v in varies}
        if len(lengths) > 1:
            raise SweepError(
                "--zip needs the same number of values for every --vary, got "
                + ", ".join(f"{v.path}: {len(v.values)}" for v in varies)
            )
        combos = list(zip(*(v.values for v in varies), strict=True))
    else:
        combos = list(itertools.product(*(v.values for v in varies)))
        if len(combos) > MAX_VALUES:
            raise SweepError(f"the grid has {len(combos)} scenarios, more than {MAX_VALUES}")
    import copy

    out = []
    for i, combo in enumerate(combos):
        d = copy.deepcopy(dict(data))
        for vary, value in zip(varies, combo, strict=True):
            vary.apply(d, value)
        cells = {v.path: val.cell for v, val in zip(varies, combo, strict=True)}
        out.append(SweepScenario(i, cells, d))
    return out
