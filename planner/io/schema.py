"""The instance file's schema, and every check of one section's fields.

All validation lives in planner.io (docs/model.md sections 7 and 8): field
types in fields.py, these sections, checks across sections in
references.py, the YAML reader in reader.py. Past
:func:`~planner.io.load.load_instance` / :func:`~planner.io.load.parse_instance`
the rest of the planner trusts its data. Every problem is reported at once,
one line each, as ``file: path: message, got value``.

Field names are docs/model.md's keys; units are in each field's description.

Beyond the rules of docs/model.md section 7, two kinds of input are refused:

- numbers far outside any sane range (a capex of 1e12 $M, a rate of 7 meaning
  7 %): almost surely a unit mistake, reported with the unit the field is in;
- files that would hang or exhaust the reader: over 50 MB, nested more than
  64 levels deep, YAML aliases that expand to over a million values, more
  than MAX_NODES values in all or a list of more than MAX_LIST_ITEMS (reader.py;
  counted from the parser's events, before anything is built or validated);
- names the plan's tables use themselves (:data:`~planner.io.fields.RESERVED_NAMES`: ``grid``
  is the grid's row among the power sources, ``period`` a column), and text
  with control characters.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Discriminator,
    Field,
    PlainValidator,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from planner.calendar import Calendar
from planner.io.errors import Problems, Raw
from planner.io.fields import (
    MAX_HORIZON_MONTHS,
    MW,
    CapexPerMW,
    Co2PerMWh,
    EntityName,
    Fraction,
    Kind,
    MoneyM,
    Month,
    Months,
    Name,
    PositiveMW,
    PricePerMWh,
    Rate,
    Strict,
    Term,
    Text,
    Title,
    Units,
    Use,
    check_period_months,
    get_field,
    horizon_bounds,
    is_number,
    number_field,
)


# --------------------------------------------------------------------- horizon
class Horizon(Strict):
    start: Month
    period_months: Annotated[Literal[1, 2, 3, 4, 6, 12], PlainValidator(check_period_months)] = 3
    deadline: Month

    @classmethod
    def _cross_check(cls, values, given, context):
        start, deadline = values.get("start"), values.get("deadline")
        if not (isinstance(start, str) and isinstance(deadline, str)):
            return []
        if deadline < start:
            return [(("deadline",), f"must not be before the start {start}", deadline)]
        if _months_between(start, deadline) > MAX_HORIZON_MONTHS:
            return [
                (
                    ("deadline",),
                    f"must be at most {MAX_HORIZON_MONTHS // 12} years after the start {start}",
                    deadline,
                )
            ]
        return []


def _months_between(a: str, b: str) -> int:
    (ya, ma), (yb, mb) = (map(int, d.split("-")) for d in (a, b))
    return 12 * (yb - ya) + (mb - ma)


# ----------------------------------------------------------------------- sites
class Build(Strict):
    capex_per_mw: CapexPerMW = Field(description="$M per IT MW: shell, electrical, cooling")
    lead_months: Months = Field(description="months from start of works to halls online")
    max_mw_per_month: MW | None = Field(None, description="commissioning rate, IT MW/month")
    block_mw: PositiveMW | None = Field(None, description="halls come in whole blocks of IT MW")


def _check_by_date(value: str, info: ValidationInfo) -> None:
    """A by-date (a commitment's ``by``, a tranche's ``paid``) lies in the horizon."""
    start, deadline = horizon_bounds(info)
    if start is not None and value < start:
        raise ValueError(f"must not be before the start {start}")
    if deadline is not None and value > deadline:
        raise ValueError(f"must not be after the deadline {deadline}")


class Tranche(Strict):
    mw: PositiveMW
    energized: Month | None = None
    wait_months: Months | None = None
    cost: MoneyM = 0.0
    paid: Month | None = None

    @classmethod
    def _cross_check(cls, values, given, context):
        timing = given & {"energized", "wait_months"}
        if len(timing) == 1:
            return []
        got = Raw("both") if timing else Raw("neither")
        return [((), "give exactly one of 'energized' and 'wait_months'", got)]

    @field_validator("paid")
    @classmethod
    def _paid_in_horizon(cls, value: str, info: ValidationInfo) -> str:
        _check_by_date(value, info)
        return value


class Grid(Strict):
    price_per_mwh: PricePerMWh = 0.0
    co2_t_per_mwh: Co2PerMWh = 0.0
    tranches: list[Tranche]


class Onsite(Strict):
    max_mw: MW = Field(description="permitted on-site nameplate MW")
    reserve_margin: Fraction = 0.0
    technologies: list[Name] | None = None


class Commitment(Strict):
    by: Month
    it_mw: MW

    @field_validator("by")
    @classmethod
    def _by_in_horizon(cls, value: str, info: ValidationInfo) -> str:
        _check_by_date(value, info)
        return value


class Site(Strict):
    name: EntityName
    max_it_mw: MW = Field(description="campus limit on IT MW")
    existing_it_mw: MW = 0.0
    pue: Annotated[
        float, number_field(ge=1, sane=10, note="pue is facility MW per IT MW, e.g. 1.25")
    ] = 1.0
    build: Build
    compute_capex_per_mw: CapexPerMW = 0.0
    grid: Grid | None = None
    onsite: Onsite | None = None
    commitments: list[Commitment] = []

    @classmethod
    def _cross_check(cls, values, given, context):
        problems = []
        cal = context.get("calendar")
        existing, most = values.get("existing_it_mw", 0.0), values.get("max_it_mw")
        if is_number(existing) and is_number(most) and existing > most:
            problems.append(
                (("existing_it_mw",), f"must not be above max_it_mw {most:g}", existing)
            )
        build = values.get("build")
        block, rate = get_field(build, "block_mw"), get_field(build, "max_mw_per_month")
        if cal and is_number(block) and is_number(rate) and block > rate * cal.pm + 1e-9:
            problems.append(
                (
                    ("build", "block_mw"),
                    "must not be larger than one period's commissioning, "
                    f"max_mw_per_month * period_months = {rate * cal.pm:g}",
                    block,
                )
            )
        return problems


# ---------------------------------------------------------------- technologies
class Technology(Strict):
    name: EntityName
    unit_mw: PositiveMW
    availability: Annotated[
        float, number_field(gt=0, le=1, le_hint=" (a fraction: 0.95 for 95 %)")
    ] = 1.0
    ownership: Literal["buy", "rent"] = "buy"
    capex_per_unit: Annotated[float, number_field(ge=0, sane=1e5, unit="$M per unit")] = 0.0
    rent_per_unit_month: Annotated[
        float, number_field(ge=0, sane=1e3, unit="$M per unit-month")
    ] = 0.0
    fixed_om_per_mw_year: Annotated[float, number_field(ge=0, sane=100, unit="$M per MW-year")] = (
        0.0
    )
    variable_cost_per_mwh: PricePerMWh = 0.0
    co2_t_per_mwh: Co2PerMWh = 0.0
    lead_months: Months = 0.0


class Delivery(Strict):
    date: Month
    units: Units


class SupplyEntry(Strict):
    technology: Name
    deliveries: list[Delivery]


# ----------------------------------------------------------------------- money
class Source(Strict):
    name: EntityName
    kind: Kind
    amount: MoneyM
    per_month: MoneyM | None = None
    available: Month | None = None
    until: Month | None = None
    rate: Rate = 0.0
    debt: bool | None = None
    on_balance_sheet: bool | None = None
    sites: Annotated[list[Name], Field(min_length=1)] | None = None
    uses: list[Use] | None = None
    max_per_site: MoneyM | None = None
    setup_cost: MoneyM = 0.0

    @model_validator(mode="after")
    def _defaults_by_kind(self) -> Source:
        # docs/model.md 4.2: debt is false for cash and equity, true otherwise;
        # off the balance sheet for spv and lease.
        if self.debt is None:
            object.__setattr__(self, "debt", self.kind not in ("cash", "equity"))
        if self.on_balance_sheet is None:
            object.__setattr__(self, "on_balance_sheet", self.kind not in ("spv", "lease"))
        return self

    @classmethod
    def _cross_check(cls, values, given, context):
        until, available = values.get("until"), values.get("available")
        start = context.get("start")
        if not isinstance(until, str):
            return []
        if start is not None and until < start:
            return [(("until",), f"must not be before the start {start}", until)]
        if isinstance(available, str) and until < available:
            return [(("until",), f"must not be before available {available}", until)]
        return []


class ScheduleEntry(Strict):
    from_: Month = Field(alias="from")
    value: MoneyM


def _schedule_tag(value: Any) -> str:
    return "schedule" if isinstance(value, list) else "number"


def _increasing(entries: list[ScheduleEntry]) -> list[ScheduleEntry]:
    if not entries:
        raise ValueError("a schedule must have at least one entry")
    problems = [
        (
            (i, "from"),
            f"must be after the previous entry's {a.from_} (dates strictly increase)",
            b.from_,
        )
        for i, (a, b) in enumerate(zip(entries, entries[1:], strict=False), start=1)
        if b.from_ <= a.from_
    ]
    if problems:
        raise Problems(problems)
    return entries


Schedule = Annotated[list[ScheduleEntry], AfterValidator(_increasing)]


_LimitNumber = Annotated[
    float,
    number_field(
        ge=0,
        sane=1e7,
        unit="$M",
        what="a number, or a schedule [{from: 'YYYY-MM', value: ...}, ...]",
    ),
    Tag("number"),
]


NumberOrSchedule = Annotated[
    _LimitNumber | Annotated[Schedule, Tag("schedule")],
    Discriminator(_schedule_tag),
]


class Limits(Strict):
    max_debt_on_balance_sheet: NumberOrSchedule | None = None
    max_off_balance_sheet: NumberOrSchedule | None = None
    max_total_cost: MoneyM | None = None
    max_co2_mt: Annotated[float, number_field(ge=0, sane=1e4, unit="Mt")] | None = None


class Objective(Strict):
    stages: Annotated[list[Term], Field(min_length=1)] = ["capacity", "capacity_time", "cost"]
    tolerance: Annotated[float, number_field(ge=0, le=1)] = 1.0e-6

    @field_validator("stages")
    @classmethod
    def _no_repeats(cls, stages: list[str]) -> list[str]:
        repeated = sorted({s for s in stages if stages.count(s) > 1})
        if repeated:
            raise ValueError(f"a term may be a stage once, repeated: {', '.join(repeated)}")
        return stages


class Instance(Strict):
    name: Title = "instance"
    description: Text = ""
    horizon: Horizon
    sites: Annotated[list[Site], Field(min_length=1)]
    technologies: list[Technology] = []
    supply: list[SupplyEntry] = []
    funding: list[Source] = []
    limits: Limits = Limits()
    objective: Objective = Objective()

    @property
    def calendar(self) -> Calendar:
        h = self.horizon
        return Calendar(h.start, h.period_months, h.deadline)


def schedule_value(limit: float | list[ScheduleEntry] | None, cal: Calendar, t: int):
    """A limit's value in period t (docs/model.md 4.2): a number, or the value of the
    schedule's latest entry with u(from) <= t, else its first entry's."""
    if limit is None or isinstance(limit, (int, float)):
        return limit
    value = limit[0].value
    for entry in limit:
        if cal.from_(entry.from_) <= t:
            value = entry.value
    return value
