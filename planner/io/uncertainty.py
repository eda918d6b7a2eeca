"""Uncertain dates: the ``uncertainty:`` and ``scenarios:`` sections of an
instance file (their schema here, their checks in planner.io.sections, the
slips they apply to an instance in planner.studies.slips).

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

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union, cast

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from planner.io import shocks
from planner.io.fields import SCENARIO_SECTIONS, Name

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
            raise ValueError(
                f"probabilities must add up to 1, they add up to {sum(self.probabilities):g}"
            )
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


# ------------------------------------------------------------ money shocks
# Their schema lives in planner.io.shocks, their rules in planner.studies.shocks
# (docs/scenarios.md section 7).
_UNCERTAIN_SHOCKS = shocks.make_entries(SlipSpec)
_FIXED_SHOCKS = shocks.make_entries(Number)
if TYPE_CHECKING:  # made at run time from the shock schema: opaque to a type checker
    MoneyShock = Any
    FixedMoneyShock = Any
else:
    MoneyShock = Annotated[Union[_UNCERTAIN_SHOCKS], Field(discriminator="shock")]  # noqa: UP007
    FixedMoneyShock = Annotated[Union[_FIXED_SHOCKS], Field(discriminator="shock")]  # noqa: UP007
MONEY_TYPES = _UNCERTAIN_SHOCKS + _FIXED_SHOCKS


# ------------------------------------------------------------------ entries
class GridSlip(_Strict):
    name: Name | None = None
    site: str | None = None
    tranche: Annotated[int, Field(ge=0)] | None = None
    slip_months: SlipSpec

    def label(self) -> str:
        where = self.site or "all sites"
        return self.name or f"grid {where}" + ("" if self.tranche is None else f"[{self.tranche}]")


class DeliverySlip(_Strict):
    name: Name | None = None
    technology: str
    delivery: Annotated[int, Field(ge=0)] | None = None
    slip_months: SlipSpec

    def label(self) -> str:
        tail = "" if self.delivery is None else f"[{self.delivery}]"
        return self.name or f"deliveries {self.technology}{tail}"


class FundingDelay(_Strict):
    name: Name | None = None
    source: str
    delay_months: SlipSpec

    def label(self) -> str:
        return self.name or f"funding {self.source}"


Entry = GridSlip | DeliverySlip | FundingDelay  # or a money shock (planner.io.shocks)


class Uncertainty(_Strict):
    grid: list[GridSlip] = []
    deliveries: list[DeliverySlip] = []
    funding: list[FundingDelay] = []
    money: list[MoneyShock] = []

    def entries(self) -> list[Entry]:
        return [*self.grid, *self.deliveries, *self.funding, *self.money]


class FixedGridSlip(GridSlip):
    slip_months: Number


class FixedDeliverySlip(DeliverySlip):
    slip_months: Number


class FixedFundingDelay(FundingDelay):
    delay_months: Number


class Scenario(_Strict):
    name: Name
    probability: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
    grid: list[FixedGridSlip] = []
    deliveries: list[FixedDeliverySlip] = []
    funding: list[FixedFundingDelay] = []
    money: list[FixedMoneyShock] = []

    def entries(self) -> list[Entry]:
        return [*self.grid, *self.deliveries, *self.funding, *self.money]


def entry_spec(entry: Entry):
    """An entry's value: its slip, delay or money shock's size (a number, or in
    ``uncertainty:`` a distribution)."""
    if isinstance(entry, MONEY_TYPES):
        return cast(Any, entry).spec()
    return entry.delay_months if isinstance(entry, FundingDelay) else entry.slip_months


def sample_slips(
    uncertainty: Uncertainty, data: Mapping, n: int, seed: int
) -> tuple[list[Entry], np.ndarray]:
    """``n`` draws of every entry: the entries and an (n, entries) array of
    months, reproducible from the seed (one stream per entry, so adding an
    entry does not change the draws of the others)."""
    entries = uncertainty.entries()
    draws = np.zeros((n, len(entries)))
    for j, entry in enumerate(entries):
        rng = np.random.default_rng([seed, j])
        draws[:, j] = _draw(entry_spec(entry), rng, n)
    return entries, draws
