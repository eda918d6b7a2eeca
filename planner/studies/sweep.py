"""Sweeps: solve an instance for every value of one or more of its fields.

``--vary PATH=VALUES`` names a numeric or date field and its values:

- PATH is dotted, with list selectors: ``[3]`` (an index), ``[*]`` (every
  item), ``[roscoe]`` (the item whose ``name``, or ``technology``, is roscoe),
  e.g. ``horizon.deadline``, ``funding[bank_loan].amount``,
  ``sites[*].grid.tranches[*].wait_months``;
- VALUES are separated by commas; an item is a number (``5000``), a date
  (``2028-06``), a shift of the current value (``+6``, ``-3``: months for a
  date, the field's unit for a number; applied to every match), or an
  inclusive range ``FIRST:LAST:STEP`` of any of these (``10000:30000:5000``,
  ``2027-06:2028-12:6``, ``+0:+12:3``).

Several ``--vary`` make a grid of every combination (the first varies
slowest), or with ``zip`` are paired value by value.

Scenarios that share a model structure (the same index sets and coefficients:
they differ only in money caps, supply, permits, campus limits, commissioning
rates or commitment floors) are solved as re-solves of one built model,
warm-started, in chunks of ``chunk`` scenarios; the others are built one by
one. The rows depend only on the scenarios and the chunk size, never on the
number of workers or where they run.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from planner.io.errors import InstanceError
from planner.io.load import parse_instance
from planner.model import prepare
from planner.results.plan import Status
from planner.solver.options import SolveOptions
from planner.solver.session import Session
from planner.solver.whatif import apply_rhs, same_structure, structure_key, term_values
from planner.studies.parallel import Failed, run_tasks
from planner.studies.slips import shift_month

MAX_VALUES = 10_000
ROW_COLUMNS = ["scenario", "status", "capacity_mw", "total_cost", "co2_mt", "mip_gap",
               "solve_s", "mode", "message"]
# Columns that depend on the machine, not on the plan: left out when rows
# of two runs are compared.
TIMING_COLUMNS = ("solve_s",)


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
            y, m = map(int, self.date.split("-"))
            return y * 12 + m - 1
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
            raise SweepError(f"{where}: a range needs two values of one kind and a step > 0, "
                             f"got {item!r}")
        if first.kind == "date":
            if not step.number.is_integer():
                raise SweepError(f"{where}: a date range steps by whole months, got {item!r}")
            n = int((last.x - first.x) // step.number) + 1
            _check_count(n, where)
            out += [Value(d, "date", date=d)
                    for d in (shift_month(first.date, int(i * step.number)) for i in range(n))]
        else:
            n = int(math.floor((last.number - first.number) / step.number + 1e-9)) + 1
            _check_count(n, where)
            for i in range(n):
                x = first.number + i * step.number
                x = round(x, 9)
                text_x = ("+" if x >= 0 else "") + _fmt(x) if first.kind == "shift" else _fmt(x)
                out.append(Value(text_x, first.kind, x))
    _check_count(len(out), where)
    return out


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
        nxt = []
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
                    nxt += [(node, i) for i, item in enumerate(node)
                            if isinstance(item, Mapping)
                            and part[1] in (item.get("name"), item.get("technology"))]
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
                    raise SweepError(f"{self.path}: not a field of the instance "
                                     f"({unknown[0]})") from None

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
            raise SweepError("--zip needs the same number of values for every --vary, got "
                             + ", ".join(f"{v.path}: {len(v.values)}" for v in varies))
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


# ------------------------------------------------------------------ chunks
@dataclass
class Chunk:
    """Scenarios solved one after another on one built model."""

    items: list[tuple[int, dict]]  # (scenario index, instance mapping)
    options: dict  # SolveOptions fields
    resolve: bool = True


def plan_chunks(items: list[tuple[int, dict]], options: SolveOptions, chunk: int,
                resolve: bool = True) -> tuple[list[Chunk], dict[int, str]]:
    """Group scenarios whose models differ only in bounds, then cut the groups
    into chunks of at most ``chunk``. Returns the chunks and the scenarios
    refused as invalid (index -> message)."""
    groups: dict[Any, list[tuple[int, dict]]] = {}  # structure -> members, in order
    invalid: dict[int, str] = {}
    for index, d in items:
        try:
            inst = parse_instance(d, source=f"scenario {index}")
        except InstanceError as exc:
            invalid[index] = "; ".join(exc.problems[:3])
            continue
        key = (structure_key(prepare(inst)), repr(inst.objective)) if resolve else index
        groups.setdefault(key, []).append((index, d))
    opts = _options_dict(options)
    chunks = []
    for members in groups.values():
        for k in range(0, len(members), max(1, chunk)):
            chunks.append(Chunk(members[k:k + max(1, chunk)], opts, resolve))
    chunks.sort(key=lambda c: c.items[0][0])
    return chunks, invalid


def _options_dict(o: SolveOptions) -> dict:
    return dataclasses.asdict(o)  # plain data for the workers


def solve_chunk(chunk: Chunk) -> list[dict]:
    """Solve a chunk's scenarios: the first on a new model, the others as
    re-solves of it where their structure allows. One row each."""
    options = SolveOptions(**chunk.options)
    session: Session | None = None
    rows = []
    for index, d in chunk.items:
        clock = time.perf_counter()
        mode = "build"
        try:
            inst = parse_instance(d, source=f"scenario {index}")
            new = prepare(inst)
            if (chunk.resolve and session is not None and session.instance.objective
                    == inst.objective and same_structure(session.data, new)):
                apply_rhs(session, new)
                mode = "resolve"
            else:
                session = Session(inst, options)
            status, stages = session.run(list(inst.objective.stages))
            row = _row(index, status, stages, session, mode)
            session.restore()
        except Exception as exc:  # noqa: BLE001 (a failed scenario is reported in its row)
            from planner.studies.parallel import error_line

            row = _failed_row(index, "error", error_line(exc))
            session = None  # its state is unknown: build the next one afresh
        row["solve_s"] = time.perf_counter() - clock
        rows.append(row)
    return rows


def outcome(status: Status, stages, session: Session, infeasible: str) -> dict:
    """A run's columns of a result row: status, capacity, cost, CO2, the
    largest stage gap, and a message when there is no plan."""
    row = {"status": status.value, "capacity_mw": None, "total_cost": None, "co2_mt": None,
           "mip_gap": None, "message": ""}
    if status.has_plan:
        row["capacity_mw"], row["total_cost"], row["co2_mt"] = term_values(session.model)
        gaps = [s.mip_gap for s in stages if s.mip_gap is not None]
        row["mip_gap"] = max(gaps) if gaps else None
    elif status is Status.infeasible:
        row["message"] = infeasible
    else:
        row["message"] = "the time limit stopped the search before any plan was found"
    return row


def _row(index: int, status: Status, stages, session: Session, mode: str) -> dict:
    row = {"scenario": index, **outcome(status, stages, session,
                                        "no plan satisfies every commitment and limit")}
    row["mode"] = mode
    return row


def _failed_row(index: int, status: str, message: str) -> dict:
    return {"scenario": index, "status": status, "capacity_mw": None, "total_cost": None,
            "co2_mt": None, "mip_gap": None, "solve_s": 0.0, "mode": "", "message": message}


# --------------------------------------------------------------------- run
@dataclass
class SweepResult:
    rows: pd.DataFrame
    paths: list[str]
    seconds: float = 0.0
    chunks: int = 0
    builds: int = 0
    resolves: int = 0
    extra: dict = field(default_factory=dict)

    def comparable(self) -> pd.DataFrame:
        """The rows without the columns that depend on the machine."""
        return self.rows.drop(columns=list(TIMING_COLUMNS))


def run_sweep(
    data: Mapping,
    varies: list[Vary],
    *,
    zipped: bool = False,
    options: SolveOptions | None = None,
    chunk: int = 10,
    resolve: bool = True,
    workers: int | None = None,
    scheduler: Any = None,
    progress: Callable[[int], None] | None = None,
) -> SweepResult:
    """Solve every scenario of the sweep; one row each, in scenario order."""
    started = time.perf_counter()
    options = options or SolveOptions(threads=1)
    cases = scenarios(data, varies, zipped)
    chunks, invalid = plan_chunks([(c.index, c.data) for c in cases], options, chunk, resolve)
    results = run_tasks(solve_chunk, chunks, workers=workers, scheduler=scheduler,
                        progress=progress, weight=lambda c: len(c.items))
    by_index: dict[int, dict] = {i: _failed_row(i, "invalid", m) for i, m in invalid.items()}
    if progress and invalid:
        progress(len(invalid))
    for c, result in zip(chunks, results, strict=True):
        if isinstance(result, Failed):
            for index, _ in c.items:
                by_index[index] = _failed_row(index, "error", result.error)
        else:
            for row in result:
                by_index[row["scenario"]] = row
    records = []
    for case in cases:
        row = by_index[case.index]
        records.append({"scenario": case.index, **case.values,
                        **{k: v for k, v in row.items() if k != "scenario"}})
    paths = [v.path for v in varies]
    df = pd.DataFrame(records, columns=["scenario", *paths, *ROW_COLUMNS[1:]])
    modes = df["mode"].value_counts()
    return SweepResult(df, paths, time.perf_counter() - started, len(chunks),
                       int(modes.get("build", 0)), int(modes.get("resolve", 0)))


# ------------------------------------------------------------------- chart
def sweep_chart(result: SweepResult, title: str = ""):
    """Capacity (left axis) and cost (right axis) against the first swept
    value; one line per combination of the other swept values."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    df = result.rows
    x_path = result.paths[0]
    others = result.paths[1:]
    fig = Figure(figsize=(9, 4.5), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax2 = ax.twinx()
    values = list(dict.fromkeys(df[x_path]))
    kinds = {type(v) for v in values}
    categorical = str in kinds
    position = {v: i for i, v in enumerate(values)} if categorical else None
    groups = df.groupby(others, sort=False) if others else [((), df)]
    for n, (key, part) in enumerate(groups):
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{p}={k}" for p, k in zip(others, key, strict=True))
        xs = [position[v] if categorical else v for v in part[x_path]]
        color = f"C{n % 10}"
        ax.plot(xs, part["capacity_mw"], marker="o", color=color,
                label=("capacity " + label).strip(), gid=f"capacity-{n}")
        ax2.plot(xs, part["total_cost"], marker="s", linestyle="--", color=color, alpha=0.6,
                 label=("cost " + label).strip(), gid=f"cost-{n}")
    if categorical:
        ax.set_xticks(range(len(values)))
        ax.set_xticklabels([str(v) for v in values], rotation=45, ha="right", fontsize=8)
    ax.set_xlabel(x_path)
    ax.set_ylabel("IT MW online at the deadline")
    ax2.set_ylabel("total cost ($M)")
    ax.grid(alpha=0.3)
    lines = ax.get_lines() + ax2.get_lines()
    ax.legend(lines, [ln.get_label() for ln in lines], fontsize=8, loc="best")
    ax.set_title(title or f"capacity and cost against {x_path}")
    return fig
