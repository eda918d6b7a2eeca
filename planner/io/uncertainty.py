"""Uncertain dates: the ``uncertainty:`` and ``scenarios:`` sections of an
instance file, and the slips they apply to an instance.

Both sections are optional top-level keys beside the instance's own. They are
split off the raw file before the instance is validated, and checked here
with the same one-line problem format (``file: path: message, got value``)::

    uncertainty:                 # for 'planner risk' (Monte Carlo)
      grid:                      # energization slips, months later
        - {site: roscoe, slip_months: {dist: triangular, low: 0, mode: 3, high: 12}}
      deliveries:                # delivery slips of a technology's supply
        - {technology: mobile, slip_months: {dist: uniform, low: 0, high: 6}}
      funding:                   # a source becomes available later
        - source: bank_loan
          delay_months: {dist: discrete, values: [0, 6], probabilities: [0.8, 0.2]}

    scenarios:                   # for 'planner robust'
      - {name: on-time, probability: 0.5}
      - name: grid-late
        probability: 0.5
        grid: [{site: roscoe, slip_months: 6}]

An entry without ``site`` (``tranche``), ``delivery`` applies to every
tranche (of every site with a grid), every delivery of its technology. One
value is drawn per entry and sample and applies to every item it selects, so
a site's tranches slip together; items selected by two entries add up. Slips
are rounded to whole months; a negative slip brings a date forward.
"""

from __future__ import annotations

import copy
import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    model_validator,
)

from planner.io.errors import InstanceError
from planner.io.fields import SCENARIO_SECTIONS
from planner.io.load import parse_instance
from planner.io.reader import read_yaml
from planner.io.schema import Instance

SECTIONS = SCENARIO_SECTIONS
MAX_SLIP = 1200  # months: a hundred years is surely a unit mistake


# ------------------------------------------------------------ distributions
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


Number = Annotated[float, Field(allow_inf_nan=False, ge=-MAX_SLIP, le=MAX_SLIP)]


class Uniform(_Strict):
    dist: Literal["uniform"]
    low: Number
    high: Number

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high must be >= low {self.low:g}")
        return self

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, n)


class Triangular(_Strict):
    dist: Literal["triangular"]
    low: Number
    mode: Number
    high: Number

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError("must have low <= mode <= high")
        return self

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.high == self.low:
            return np.full(n, self.low)
        return rng.triangular(self.low, self.mode, self.high, n)


class Discrete(_Strict):
    dist: Literal["discrete"]
    values: Annotated[list[Number], Field(min_length=1)]
    probabilities: Annotated[list[Annotated[float, Field(ge=0, le=1)]], Field(min_length=1)]

    @model_validator(mode="after")
    def _matching(self) -> Discrete:
        if len(self.values) != len(self.probabilities):
            raise ValueError("values and probabilities must have the same length")
        if abs(sum(self.probabilities) - 1) > 1e-6:
            raise ValueError(f"probabilities must add up to 1, they add up to "
                             f"{sum(self.probabilities):g}")
        return self

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        p = np.asarray(self.probabilities) / sum(self.probabilities)
        return np.asarray(self.values, dtype=float)[rng.choice(len(self.values), n, p=p)]


Distribution = Annotated[Uniform | Triangular | Discrete, Field(discriminator="dist")]


def _slip_tag(value: Any) -> str:
    return "distribution" if isinstance(value, Mapping) else "number"


# A number is a slip that is certain; a mapping is a distribution.
SlipSpec = Annotated[
    Annotated[Number, Tag("number")] | Annotated[Distribution, Tag("distribution")],
    Discriminator(_slip_tag),
]


def _draw(spec: SlipSpec, rng: np.random.Generator, n: int) -> np.ndarray:
    if isinstance(spec, (int, float)):
        return np.full(n, float(spec))
    return spec.draw(rng, n)


# ------------------------------------------------------------------ entries
class GridSlip(_Strict):
    name: str | None = None
    site: str | None = None
    tranche: Annotated[int, Field(ge=0)] | None = None
    slip_months: SlipSpec

    def label(self) -> str:
        where = self.site or "all sites"
        return self.name or f"grid {where}" + ("" if self.tranche is None else f"[{self.tranche}]")


class DeliverySlip(_Strict):
    name: str | None = None
    technology: str
    delivery: Annotated[int, Field(ge=0)] | None = None
    slip_months: SlipSpec

    def label(self) -> str:
        tail = "" if self.delivery is None else f"[{self.delivery}]"
        return self.name or f"deliveries {self.technology}{tail}"


class FundingDelay(_Strict):
    name: str | None = None
    source: str
    delay_months: SlipSpec

    def label(self) -> str:
        return self.name or f"funding {self.source}"


Entry = GridSlip | DeliverySlip | FundingDelay


class Uncertainty(_Strict):
    grid: list[GridSlip] = []
    deliveries: list[DeliverySlip] = []
    funding: list[FundingDelay] = []

    def entries(self) -> list[Entry]:
        return [*self.grid, *self.deliveries, *self.funding]


class FixedGridSlip(GridSlip):
    slip_months: Number


class FixedDeliverySlip(DeliverySlip):
    slip_months: Number


class FixedFundingDelay(FundingDelay):
    delay_months: Number


class Scenario(_Strict):
    name: Annotated[str, Field(min_length=1)]
    probability: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
    grid: list[FixedGridSlip] = []
    deliveries: list[FixedDeliverySlip] = []
    funding: list[FixedFundingDelay] = []

    def entries(self) -> list[Entry]:
        return [*self.grid, *self.deliveries, *self.funding]


# -------------------------------------------------------------------- slips
@dataclass
class Slips:
    """Months each dated item moves: tranches ``(site, index)``, deliveries
    ``(technology, index)``, sources by name. Missing items do not move."""

    grid: dict[tuple[str, int], int] = field(default_factory=dict)
    deliveries: dict[tuple[str, int], int] = field(default_factory=dict)
    funding: dict[str, int] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not any(self.grid.values()) and not any(self.deliveries.values()) \
            and not any(self.funding.values())


def whole_months(x: float) -> int:
    """Round half away from zero: 2.5 -> 3, -2.5 -> -3."""
    return int(math.copysign(math.floor(abs(x) + 0.5), x))


def targets(entry: Entry, data: Mapping) -> list:
    """The items an entry selects in an instance mapping: tranche keys,
    delivery keys or source names."""
    if isinstance(entry, GridSlip):
        out = []
        for s in data["sites"]:
            if entry.site is not None and s["name"] != entry.site:
                continue
            tranches = (s.get("grid") or {}).get("tranches", [])
            for g in range(len(tranches)):
                if entry.tranche is None or g == entry.tranche:
                    out.append((s["name"], g))
        return out
    if isinstance(entry, DeliverySlip):
        out = []
        for e in data.get("supply", []):
            if e["technology"] == entry.technology:
                for i in range(len(e["deliveries"])):
                    if entry.delivery is None or i == entry.delivery:
                        out.append((entry.technology, i))
        return out
    return [entry.source]


def slips_of(entries: list[tuple[Entry, float]], data: Mapping) -> Slips:
    """The slips of entries with one value each (months), added up per item."""
    out = Slips()
    for entry, months in entries:
        m = whole_months(months)
        if isinstance(entry, GridSlip):
            book = out.grid
        elif isinstance(entry, DeliverySlip):
            book = out.deliveries
        else:
            book = out.funding
        for key in targets(entry, data):
            book[key] = book.get(key, 0) + m
    return out


def scenario_slips(scenario: Scenario, data: Mapping) -> Slips:
    return slips_of(
        [(e, e.delay_months if isinstance(e, FundingDelay) else e.slip_months)
         for e in scenario.entries()],
        data,
    )


def shift_month(date: str, months: int) -> str:
    y, m = map(int, date.split("-"))
    total = y * 12 + (m - 1) + months
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def apply_slips(data: Mapping, slips: Slips) -> dict:
    """A copy of an instance mapping (as ``model_dump(mode="json",
    by_alias=True, exclude_none=True)`` gives it) with its dates moved.

    - a tranche's ``energized`` moves by the slip, its ``wait_months`` grows
      by it (never below 0);
    - a delivery's ``date`` moves by the slip;
    - a source's ``available`` (default: the start) moves by the delay; if it
      is then after the source's ``until``, the window has closed and the
      source lends nothing (its amount becomes 0).
    """
    out = copy.deepcopy(dict(data))
    start = out["horizon"]["start"]
    for s in out["sites"]:
        for g, tr in enumerate((s.get("grid") or {}).get("tranches", [])):
            m = slips.grid.get((s["name"], g), 0)
            if not m:
                continue
            if "energized" in tr:
                tr["energized"] = shift_month(tr["energized"], m)
            else:
                tr["wait_months"] = max(0.0, tr["wait_months"] + m)
    for e in out.get("supply", []):
        for i, dlv in enumerate(e["deliveries"]):
            m = slips.deliveries.get((e["technology"], i), 0)
            if m:
                dlv["date"] = shift_month(dlv["date"], m)
    for f in out.get("funding", []):
        m = slips.funding.get(f["name"], 0)
        if not m:
            continue
        available = shift_month(f.get("available", start), m)
        f["available"] = available
        if "until" in f and f["until"] < available:
            f["until"] = available
            f["amount"] = 0.0
    return out


# ------------------------------------------------------------------ loading
@dataclass
class Study:
    """An instance file with its optional uncertainty and scenarios."""

    instance: Instance
    data: dict  # the validated instance as a mapping (defaults filled in)
    source: str
    uncertainty: Uncertainty | None = None
    scenarios: list[Scenario] = field(default_factory=list)


def load_study(path: str) -> Study:
    """Read an instance file and its ``uncertainty:`` and ``scenarios:``
    sections. Raises :class:`InstanceError` listing every problem."""
    raw = read_yaml(path)
    return parse_study(raw, source=str(path))


def parse_study(raw: Any, source: str = "<instance>") -> Study:
    sections: dict[str, Any] = {}
    if isinstance(raw, Mapping):
        sections = {k: raw[k] for k in SECTIONS if k in raw}
        raw = {k: v for k, v in raw.items() if k not in SECTIONS}
    problems: list[str] = []
    instance = None
    try:
        instance = parse_instance(raw, source=source)
    except InstanceError as exc:
        problems += exc.problems
    uncertainty, scenarios = None, []
    if sections.get("uncertainty") is not None:
        uncertainty = _validate(Uncertainty, sections["uncertainty"], "uncertainty", source,
                                problems)
    if sections.get("scenarios") is not None:
        scenarios = _validate_scenarios(sections["scenarios"], source, problems)
    if instance is not None:
        data = instance.model_dump(mode="json", by_alias=True, exclude_none=True)
        if uncertainty is not None:
            problems += _references(uncertainty.entries(), data, "uncertainty", source,
                                    uncertainty)
        for i, sc in enumerate(scenarios or []):
            problems += _references(sc.entries(), data, f"scenarios[{i}]", source, sc)
    if problems:
        raise InstanceError(problems)
    assert instance is not None
    return Study(instance, data, source, uncertainty, scenarios or [])


def _validate(model, value: Any, where: str, source: str, problems: list[str]):
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            problems.append(_error_line(source, where, err))
        return None


def _validate_scenarios(value: Any, source: str, problems: list[str]) -> list[Scenario] | None:
    if not isinstance(value, list) or not value:
        problems.append(_line(source, "scenarios", "must be a non-empty list of scenarios", value))
        return None
    out, ok = [], True
    for i, item in enumerate(value):
        sc = _validate(Scenario, item, f"scenarios[{i}]", source, problems)
        ok = ok and sc is not None
        out.append(sc)
    if not ok:
        return None
    seen: dict[str, int] = {}
    for i, sc in enumerate(out):
        if sc.name in seen:
            problems.append(_line(source, f"scenarios[{i}].name",
                                  f"duplicate scenario name (first at scenarios[{seen[sc.name]}])",
                                  sc.name))
        seen.setdefault(sc.name, i)
    total = sum(sc.probability for sc in out)
    if abs(total - 1) > 1e-6:
        problems.append(_line(source, "scenarios", "probabilities must add up to 1, got "
                              f"{total:.6g}"))
    return out


def _references(entries: list[Entry], data: Mapping, where: str, source: str,
                owner: BaseModel) -> list[str]:
    sites = {s["name"]: s for s in data["sites"]}
    supply = {e["technology"]: e for e in data.get("supply", [])}
    sources = [f["name"] for f in data.get("funding", [])]
    out = []

    def unknown(path: str, label: str, name: str, names) -> None:
        hint = difflib.get_close_matches(name, sorted(names), n=1)
        extra = f" (did you mean '{hint[0]}'?)" if hint else ""
        out.append(_line(source, path, f"unknown {label}{extra}", name))

    for kind in ("grid", "deliveries", "funding"):
        for i, e in enumerate(getattr(owner, kind)):
            path = f"{where}.{kind}[{i}]"
            if isinstance(e, GridSlip):
                if e.site is not None and e.site not in sites:
                    unknown(f"{path}.site", "site", e.site, sites)
                    continue
                chosen = [sites[e.site]] if e.site else list(sites.values())
                if not any((s.get("grid") or {}).get("tranches") for s in chosen):
                    out.append(_line(source, path, "selects no grid tranche", e.site or "all"))
                elif e.tranche is not None and e.site is not None and e.tranche >= len(
                        sites[e.site]["grid"]["tranches"]):
                    out.append(_line(source, f"{path}.tranche",
                                     f"{e.site} has {len(sites[e.site]['grid']['tranches'])} "
                                     "tranches", e.tranche))
            elif isinstance(e, DeliverySlip):
                if e.technology not in supply:
                    unknown(f"{path}.technology", "technology with a supply entry",
                            e.technology, supply)
                elif e.delivery is not None and e.delivery >= len(
                        supply[e.technology]["deliveries"]):
                    n = len(supply[e.technology]["deliveries"])
                    out.append(_line(source, f"{path}.delivery",
                                     f"{e.technology} has {n} deliveries", e.delivery))
            elif e.source not in sources:
                unknown(f"{path}.source", "source", e.source, sources)
    return out


_MESSAGES = {
    "extra_forbidden": "unknown key",
    "missing": "required key is missing",
    "float_type": "must be a number",
    "int_type": "must be a whole number",
    "string_type": "must be text",
    "list_type": "must be a list",
    "model_type": "must be a mapping of keys to values",
    "finite_number": "must be a finite number",
    "union_tag_invalid": "dist must be one of uniform, triangular, discrete",
    "union_tag_not_found": "a distribution needs 'dist' (uniform, triangular, discrete)",
}


_BRANCHES = {"number", "distribution", "uniform", "triangular", "discrete"}


def _error_line(source: str, where: str, err: dict) -> str:
    # Union errors name their branch; keep the path the user wrote.
    loc = [p for p in err["loc"] if p not in _BRANCHES]
    path = where
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    kind = err["type"]
    if kind in _MESSAGES:
        message = _MESSAGES[kind]
    elif kind == "value_error":
        message = str((err.get("ctx") or {}).get("error", err["msg"]))
    else:
        message = err["msg"][:1].lower() + err["msg"][1:]
    if kind == "missing":
        return _line(source, path, message)
    return _line(source, path, message, err.get("input"))


def _line(source: str, path: str, message: str, value: Any = ...) -> str:
    if value is ...:
        return f"{source}: {path}: {message}"
    shown = repr(value) if isinstance(value, str) else str(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return f"{source}: {path}: {message}, got {shown}"


def sample_slips(uncertainty: Uncertainty, data: Mapping, n: int, seed: int
                 ) -> tuple[list[Entry], np.ndarray]:
    """``n`` draws of every entry: the entries and an (n, entries) array of
    months, reproducible from the seed (one stream per entry, so adding an
    entry does not change the draws of the others)."""
    entries = uncertainty.entries()
    draws = np.zeros((n, len(entries)))
    for j, entry in enumerate(entries):
        rng = np.random.default_rng([seed, j])
        spec = entry.delay_months if isinstance(entry, FundingDelay) else entry.slip_months
        draws[:, j] = _draw(spec, rng, n)
    return entries, draws
