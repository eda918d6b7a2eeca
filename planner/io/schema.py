"""The instance file: its schema, and every check that makes an instance valid.

All validation lives here (docs/model.md sections 7 and 8). Past
:func:`load_instance` / :func:`parse_instance` the rest of the planner trusts
its data. Every problem is reported at once, one line each, as
``file: path: message, got value``.

Field names are docs/model.md's keys; units are in each field's description.

Beyond the rules of docs/model.md section 7, two kinds of input are refused:

- numbers far outside any sane range (a capex of 1e12 $M, a rate of 7 meaning
  7 %): almost surely a unit mistake, reported with the unit the field is in;
- files that would hang or exhaust the reader: over 50 MB, nested more than
  64 levels deep, YAML aliases that expand to over a million values, more
  than MAX_NODES values in all or a list of more than MAX_LIST_ITEMS (counted
  from the parser's events, before anything is built or validated);
- names the plan's tables use themselves (:data:`RESERVED_NAMES`: ``grid``
  is the grid's row among the power sources, ``period`` a column), and text
  with control characters.
"""

from __future__ import annotations

import datetime
import difflib
import math
import os
import re
import unicodedata
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from planner.calendar import Calendar

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_DEPTH = 64  # nesting levels of a YAML file; an instance needs about 6
MAX_ALIAS_EXPANSION = 1_000_000  # values that YAML aliases may add to a file
MAX_HORIZON_MONTHS = 1200  # 100 years from start to deadline
MAX_PROBLEMS = 1000  # lines reported for one file; the rest are counted
# What an instance may hold (docs/model-notes.md): a portfolio of 10,000
# sites as 'planner generate' writes it is about 450,000 values (3.5 MB, 7 s
# to validate); past these limits the schema's work and memory run away.
MAX_NODES = 2_000_000  # values in a file: scalars, lists, mappings and keys
MAX_LIST_ITEMS = 100_000  # entries of one list or mapping
# Names the plan's tables use as a column or a key: a site, technology or
# source of one of these names would be mistaken for it (docs/plan.md).
RESERVED_NAMES = frozenset({
    "grid", "total", "index",
    "site", "period", "built_mw", "online_mw", "source", "units", "capacity_mw",
    "generation_mw", "tranche", "mw", "usable_from", "chosen", "cost_musd", "paid_period",
    "use", "draw_musd", "spend_musd", "on_bs_debt_musd", "on_bs_debt_limit_musd",
    "off_bs_musd", "off_bs_limit_musd", "technology", "used_units", "available_units",
    "drawn_musd", "used", "setup_cost_musd", "interest_musd", "item",
})
USES = ("facility", "compute", "power", "grid", "rent")
SCENARIO_SECTIONS = ("uncertainty", "scenarios")  # read by planner.scenarios
KINDS = ("cash", "equity", "bond", "loan", "private_credit", "spv", "lease")
TERMS = ("capacity", "capacity_time", "cost", "co2")
PERIOD_MONTHS = (1, 2, 3, 4, 6, 12)
Use = Literal["facility", "compute", "power", "grid", "rent"]
Kind = Literal["cash", "equity", "bond", "loan", "private_credit", "spv", "lease"]
Term = Literal["capacity", "capacity_time", "cost", "co2"]


class InstanceError(Exception):
    """An instance was refused. ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = [_one_line(p) for p in problems]
        super().__init__("\n".join(self.problems))


class _Problems(ValueError):
    """Problems of one mapping reported together: checks across its fields,
    each ``(path parts below it, message, value)``, and the pydantic errors of
    its fields (``errors``, locations relative to the mapping)."""

    def __init__(self, items: list[tuple[tuple, str, Any]], errors: list[dict] = ()):
        self.items = list(items)
        self.errors = list(errors)
        super().__init__("; ".join(message for _, message, _ in self.items))


class _Raw(str):
    """A value shown as written, without quotes (e.g. ``got both``)."""


# ---------------------------------------------------------------- field types
def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number(
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    le_hint: str = "",
    sane: float | None = None,
    unit: str = "",
    whole: bool = False,
    what: str = "",
    note: str = "",
):
    """A number validator: a real number (not text, not true/false), finite,
    within its bounds, and below ``sane``, past which it is almost surely given
    in the wrong unit. Whole numbers may be written 2 or 2.0."""
    kind = what or ("a whole number" if whole else "a number")

    def check(value: Any) -> float | int:
        if not _is_number(value):
            if isinstance(value, str) and _looks_numeric(value):
                raise ValueError(f"must be {kind}, not text: write it without quotes")
            raise ValueError(f"must be {kind}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("must be a finite number")
        if whole and isinstance(value, float) and not value.is_integer():
            raise ValueError("must be a whole number")
        if ge is not None and value < ge:
            raise ValueError(f"must be >= {ge:g}")
        if gt is not None and value <= gt:
            raise ValueError(f"must be > {gt:g}")
        if le is not None and value > le:
            raise ValueError(f"must be <= {le:g}{le_hint}")
        if sane is not None and value > sane:
            raise ValueError(
                f"must be at most {sane:g}{' ' + unit if unit else ''}, a probable unit "
                f"mistake: {note or 'the value is in ' + unit}"
            )
        return int(value) if whole else float(value)

    return PlainValidator(check)


_NUMERIC = re.compile(r"\s*[-+]?(\d[\d_,]*\.?\d*|\.\d+)([eE][-+]?\d+)?\s*|\s*[-+]?\.?(nan|inf)\s*")


def _looks_numeric(text: str) -> bool:
    return bool(_NUMERIC.fullmatch(text.lower()))


_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


def _month(value: Any) -> str:
    if isinstance(value, (datetime.date, datetime.datetime)):
        raise ValueError("must be a month 'YYYY-MM', without a day")
    match = _MONTH.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError("must be a date 'YYYY-MM'")
    if not 1 <= int(match.group(2)) <= 12:
        raise ValueError("must be a date 'YYYY-MM' with a month from 01 to 12")
    return value


def _period_months(value: Any) -> int:
    if _is_number(value) and value in PERIOD_MONTHS:
        return int(value)
    raise ValueError(f"must be one of {', '.join(map(str, PERIOD_MONTHS))}")


def _single_line(value: str) -> str:
    if not value.isprintable():
        raise ValueError("must be one line of printable text")
    return value


def _text(value: str) -> str:
    """Lines of text: printable characters, spaces, tabs and line breaks; no
    other control or format character (ESC, NUL, U+202E ...)."""
    bad = next((c for c in value if c not in "\n\t" and not c.isprintable()
                and unicodedata.category(c) != "Zs"), None)
    if bad is not None:
        raise ValueError(f"must be printable text (lines, tabs and spaces allowed), "
                         f"not the control or format character U+{ord(bad):04X}")
    return value


def _not_reserved(value: str) -> str:
    if value in RESERVED_NAMES:
        raise ValueError(f"'{value}' is reserved (the plan's tables use it as a column or a "
                         "row of their own): choose another name")
    return value


Month = Annotated[str, PlainValidator(_month), Field(description="'YYYY-MM'")]
Name = Annotated[str, Field(min_length=1), AfterValidator(_single_line)]
# The name of a site, technology or source: also not one of RESERVED_NAMES.
EntityName = Annotated[str, Field(min_length=1), AfterValidator(_single_line),
                       AfterValidator(_not_reserved)]
MoneyM = Annotated[float, _number(ge=0, sane=1e7, unit="$M"), Field(description="$M")]
CapexPerMW = Annotated[
    float, _number(ge=0, sane=1e3, unit="$M per MW"), Field(description="$M per IT MW")
]
MW = Annotated[float, _number(ge=0, sane=1e6, unit="MW"), Field(description="MW")]
PositiveMW = Annotated[float, _number(gt=0, sane=1e6, unit="MW"), Field(description="MW")]
Months = Annotated[float, _number(ge=0, sane=1200, unit="months"), Field(description="months")]
PricePerMWh = Annotated[
    float, _number(ge=0, sane=1e5, unit="$/MWh"), Field(description="$/MWh")
]
Co2PerMWh = Annotated[
    float, _number(ge=0, sane=100, unit="t CO2/MWh"), Field(description="t CO2/MWh")
]
Rate = Annotated[
    float,
    _number(ge=0, sane=1, note="rates are annual fractions, 0.07 for 7 %"),
    Field(description="annual fraction"),
]
Fraction = Annotated[float, _number(ge=0, sane=1, note="a fraction, 0.15 for 15 %")]
Units = Annotated[int, _number(ge=0, sane=1e6, unit="units", whole=True)]


class _Strict(BaseModel):
    """Unknown keys are errors, numbers written as strings are refused, NaN and
    infinities are refused, and a key with an empty value counts as absent.

    Checks across fields (:meth:`_cross_check`) are made on the fields that are
    valid on their own, also when other fields are not, so that every problem
    of a file is reported at once."""

    model_config = ConfigDict(
        extra="forbid", strict=True, allow_inf_nan=False, frozen=True, populate_by_name=True
    )

    @classmethod
    def _cross_check(
        cls, values: Mapping[str, Any], given: set, context: Mapping[str, Any]
    ) -> list[tuple[tuple, str, Any]]:
        """Problems across ``values`` (the fields valid on their own; ``given``
        the keys present in the file; ``context`` what is known of the
        horizon), as ``(path parts, message, value)``."""
        return []

    @model_validator(mode="wrap")
    @classmethod
    def _validate(cls, data: Any, handler: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, Mapping):
            return handler(data)
        known = _keys(cls)
        data = {k: v for k, v in data.items() if v is not None or k not in known}
        context = info.context or {}
        try:
            model = handler(data)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            bad = {e["loc"][0] for e in errors if e["loc"]}
            if any(not e["loc"] for e in errors):
                raise
            values = {k: v for k, v in data.items() if k not in bad}
            found = cls._cross_check(values, set(data), context)
            if not found:
                raise
            raise _Problems(found, errors) from None
        values = {name: getattr(model, name) for name in cls.model_fields}
        found = cls._cross_check(values, {k for k, v in values.items() if v is not None}, context)
        if found:
            raise _Problems(found)
        return model


_KEYS: dict[type, frozenset] = {}


def _keys(model: type[BaseModel]) -> frozenset:
    """The keys a mapping of this model may have (aliases where given)."""
    if model not in _KEYS:
        _KEYS[model] = frozenset(f.alias or n for n, f in model.model_fields.items())
    return _KEYS[model]


def _get(obj: Any, key: str, default: Any = None) -> Any:
    """A key of a raw mapping or a field of a model."""
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, key, default)


def _bounds(info: ValidationInfo) -> tuple[str | None, str | None]:
    """The horizon's start and deadline, each when valid on its own, so that
    by-dates are checked even when, say, period_months is wrong."""
    context = info.context or {}
    return context.get("start"), context.get("deadline")


# --------------------------------------------------------------------- horizon
class Horizon(_Strict):
    start: Month
    period_months: Annotated[Literal[1, 2, 3, 4, 6, 12], PlainValidator(_period_months)] = 3
    deadline: Month

    @classmethod
    def _cross_check(cls, values, given, context):
        start, deadline = values.get("start"), values.get("deadline")
        if not (isinstance(start, str) and isinstance(deadline, str)):
            return []
        if deadline < start:
            return [(("deadline",), f"must not be before the start {start}", deadline)]
        if _months_between(start, deadline) > MAX_HORIZON_MONTHS:
            return [(
                ("deadline",),
                f"must be at most {MAX_HORIZON_MONTHS // 12} years after the start {start}",
                deadline,
            )]
        return []


def _months_between(a: str, b: str) -> int:
    (ya, ma), (yb, mb) = (map(int, d.split("-")) for d in (a, b))
    return 12 * (yb - ya) + (mb - ma)


# ----------------------------------------------------------------------- sites
class Build(_Strict):
    capex_per_mw: CapexPerMW = Field(description="$M per IT MW: shell, electrical, cooling")
    lead_months: Months = Field(description="months from start of works to halls online")
    max_mw_per_month: MW | None = Field(None, description="commissioning rate, IT MW/month")
    block_mw: PositiveMW | None = Field(None, description="halls come in whole blocks of IT MW")


def _check_by_date(value: str, info: ValidationInfo) -> None:
    """A by-date (a commitment's ``by``, a tranche's ``paid``) lies in the horizon."""
    start, deadline = _bounds(info)
    if start is not None and value < start:
        raise ValueError(f"must not be before the start {start}")
    if deadline is not None and value > deadline:
        raise ValueError(f"must not be after the deadline {deadline}")


class Tranche(_Strict):
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
        got = _Raw("both") if timing else _Raw("neither")
        return [((), "give exactly one of 'energized' and 'wait_months'", got)]

    @field_validator("paid")
    @classmethod
    def _paid_in_horizon(cls, value: str, info: ValidationInfo) -> str:
        _check_by_date(value, info)
        return value


class Grid(_Strict):
    price_per_mwh: PricePerMWh = 0.0
    co2_t_per_mwh: Co2PerMWh = 0.0
    tranches: list[Tranche]


class Onsite(_Strict):
    max_mw: MW = Field(description="permitted on-site nameplate MW")
    reserve_margin: Fraction = 0.0
    technologies: list[Name] | None = None


class Commitment(_Strict):
    by: Month
    it_mw: MW

    @field_validator("by")
    @classmethod
    def _by_in_horizon(cls, value: str, info: ValidationInfo) -> str:
        _check_by_date(value, info)
        return value


class Site(_Strict):
    name: EntityName
    max_it_mw: MW = Field(description="campus limit on IT MW")
    existing_it_mw: MW = 0.0
    pue: Annotated[
        float, _number(ge=1, sane=10, note="pue is facility MW per IT MW, e.g. 1.25")
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
        if _is_number(existing) and _is_number(most) and existing > most:
            problems.append(
                (("existing_it_mw",), f"must not be above max_it_mw {most:g}", existing)
            )
        build = values.get("build")
        block, rate = _get(build, "block_mw"), _get(build, "max_mw_per_month")
        if cal and _is_number(block) and _is_number(rate) and block > rate * cal.pm + 1e-9:
            problems.append((
                ("build", "block_mw"),
                "must not be larger than one period's commissioning, "
                f"max_mw_per_month * period_months = {rate * cal.pm:g}",
                block,
            ))
        return problems


# ---------------------------------------------------------------- technologies
class Technology(_Strict):
    name: EntityName
    unit_mw: PositiveMW
    availability: Annotated[
        float, _number(gt=0, le=1, le_hint=" (a fraction: 0.95 for 95 %)")
    ] = 1.0
    ownership: Literal["buy", "rent"] = "buy"
    capex_per_unit: Annotated[float, _number(ge=0, sane=1e5, unit="$M per unit")] = 0.0
    rent_per_unit_month: Annotated[
        float, _number(ge=0, sane=1e3, unit="$M per unit-month")
    ] = 0.0
    fixed_om_per_mw_year: Annotated[
        float, _number(ge=0, sane=100, unit="$M per MW-year")
    ] = 0.0
    variable_cost_per_mwh: PricePerMWh = 0.0
    co2_t_per_mwh: Co2PerMWh = 0.0
    lead_months: Months = 0.0


class Delivery(_Strict):
    date: Month
    units: Units


class SupplyEntry(_Strict):
    technology: Name
    deliveries: list[Delivery]


# ----------------------------------------------------------------------- money
class Source(_Strict):
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


class ScheduleEntry(_Strict):
    from_: Month = Field(alias="from")
    value: MoneyM


def _schedule_tag(value: Any) -> str:
    return "schedule" if isinstance(value, list) else "number"


def _increasing(entries: list[ScheduleEntry]) -> list[ScheduleEntry]:
    if not entries:
        raise ValueError("a schedule must have at least one entry")
    problems = [
        ((i, "from"), f"must be after the previous entry's {a.from_} (dates strictly increase)",
         b.from_)
        for i, (a, b) in enumerate(zip(entries, entries[1:], strict=False), start=1)
        if b.from_ <= a.from_
    ]
    if problems:
        raise _Problems(problems)
    return entries


Schedule = Annotated[list[ScheduleEntry], AfterValidator(_increasing)]
_LimitNumber = Annotated[
    float,
    _number(ge=0, sane=1e7, unit="$M",
            what="a number, or a schedule [{from: 'YYYY-MM', value: ...}, ...]"),
    Tag("number"),
]
NumberOrSchedule = Annotated[
    _LimitNumber | Annotated[Schedule, Tag("schedule")],
    Discriminator(_schedule_tag),
]


class Limits(_Strict):
    max_debt_on_balance_sheet: NumberOrSchedule | None = None
    max_off_balance_sheet: NumberOrSchedule | None = None
    max_total_cost: MoneyM | None = None
    max_co2_mt: Annotated[float, _number(ge=0, sane=1e4, unit="Mt")] | None = None


class Objective(_Strict):
    stages: Annotated[list[Term], Field(min_length=1)] = ["capacity", "capacity_time", "cost"]
    tolerance: Annotated[float, _number(ge=0, le=1)] = 1.0e-6

    @field_validator("stages")
    @classmethod
    def _no_repeats(cls, stages: list[str]) -> list[str]:
        repeated = sorted({s for s in stages if stages.count(s) > 1})
        if repeated:
            raise ValueError(f"a term may be a stage once, repeated: {', '.join(repeated)}")
        return stages


class Instance(_Strict):
    name: Annotated[str, AfterValidator(_single_line)] = "instance"
    description: Annotated[str, AfterValidator(_text)] = ""
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


# ------------------------------------------------------------ cross references
def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _mapping(value: Any) -> Mapping:
    return value if isinstance(value, Mapping) else {}


def _valid_name(name: Any) -> bool:
    return isinstance(name, str) and name != "" and name.isprintable()


def _cross_references(data: Mapping) -> list[tuple[str, str, Any]]:
    """Duplicate names and references to unknown names, read off the raw
    mapping so they are reported together with the schema's problems.

    A catalogue (sites, technologies) that is not a list, or holds an entry
    without a valid name, is not used to judge references: its own problems
    are reported and the references are checked once they are fixed.
    """
    problems: list[tuple[str, str, Any]] = []

    def catalogue(key: str, label: str, required: bool = False) -> set[str] | None:
        items = data.get(key)
        # an empty list of sites is a problem of its own; of technologies, it is none
        complete = (isinstance(items, list) or items is None) and (bool(items) or not required)
        first: dict[str, int] = {}
        for i, item in enumerate(_list(items)):
            name = item.get("name") if isinstance(item, Mapping) else None
            if not _valid_name(name):
                complete = False
                continue
            if name in first:
                problems.append((
                    f"{key}[{i}].name", f"duplicate {label} name (first at {key}[{first[name]}])",
                    name,
                ))
            else:
                first[name] = i
        return set(first) if complete else None

    def known(path: str, name: Any, names: set[str] | None, label: str) -> None:
        if names is None or not _valid_name(name) or name in names:
            return
        hint = _closest(name, names)
        extra = f" (did you mean '{hint}'?)" if hint else ""
        problems.append((path, f"unknown {label}{extra}", name))

    sites = catalogue("sites", "site", required=True)
    techs = catalogue("technologies", "technology")
    catalogue("funding", "source")
    first_entry: dict[str, int] = {}
    for i, entry in enumerate(_list(data.get("supply"))):
        tech = _mapping(entry).get("technology")
        known(f"supply[{i}].technology", tech, techs, "technology")
        if not _valid_name(tech):
            continue
        if tech in first_entry:
            problems.append((
                f"supply[{i}].technology",
                f"a second supply entry for this technology (first at supply[{first_entry[tech]}])",
                tech,
            ))
        else:
            first_entry[tech] = i
    for i, site in enumerate(_list(data.get("sites"))):
        listed = _mapping(_mapping(site).get("onsite")).get("technologies")
        for j, tech in enumerate(_list(listed)):
            known(f"sites[{i}].onsite.technologies[{j}]", tech, techs, "technology")
    for i, source in enumerate(_list(data.get("funding"))):
        for j, site in enumerate(_list(_mapping(source).get("sites"))):
            known(f"funding[{i}].sites[{j}]", site, sites, "site")
    return problems


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
            out += f"[{_preview(part)}]"
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


def _closest(word: str, options: list[str] | set[str]) -> str | None:
    """The option a misspelt ``word`` most likely meant, if any is close."""
    by_case = {o.lower(): o for o in options}
    if word.lower() in by_case:
        return by_case[word.lower()]
    hint = difflib.get_close_matches(word, sorted(options), n=1, cutoff=0.65)
    return hint[0] if hint else None


def _message(err: dict) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "extra_forbidden":
        hint = _closest(str(err["loc"][-1]), _fields_at(err["loc"][:-1]))
        return "unknown key" + (f" (did you mean '{hint}'?)" if hint else "")
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    msg = str(err.get("msg", "is not valid"))
    return msg[:1].lower() + msg[1:]


def _problem_lines(source: str, err: dict) -> list[str]:
    """The line(s) of one pydantic error."""
    loc, kind = tuple(err["loc"]), err["type"]
    error = (err.get("ctx") or {}).get("error")
    if kind == "value_error" and isinstance(error, _Problems):
        lines = []
        for inner in error.errors:
            lines += _problem_lines(source, {**inner, "loc": loc + tuple(inner["loc"])})
        lines += [_line(source, _path(loc + sub), message, value)
                  for sub, message, value in error.items]
        return lines
    if kind == "invalid_key":
        return [_line(source, _path(loc[:-1]), "keys must be text", err.get("input", loc[-1]))]
    if kind == "missing":
        return [_line(source, _path(loc), _message(err))]
    return [_line(source, _path(loc), _message(err), err.get("input"))]


def _preview(value: Any, depth: int = 0, limit: int = 80) -> str:
    """A short, one-line picture of a value; never walks a big structure."""
    if isinstance(value, _Raw):
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
        items = [_preview(v, depth + 1) for v in list(value)[:5]]
        text = "[" + ", ".join(items) + (", ..." if len(value) > 5 else "") + "]"
    elif isinstance(value, Mapping):
        if depth >= 2:
            return "{...}" if value else "{}"
        items = [f"{_preview(k, depth + 1)}: {_preview(v, depth + 1)}"
                 for k, v in list(value.items())[:5]]
        text = "{" + ", ".join(items) + (", ..." if len(value) > 5 else "") + "}"
    elif isinstance(value, (datetime.date, datetime.datetime)):
        text = value.isoformat()
    elif isinstance(value, (bytes, bytearray)):
        text = repr(bytes(value[:limit]))
    else:
        text = repr(value)[:200]
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _one_line(text: str) -> str:
    """Escape anything that would break a problem line in two (or hide text)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)


def _line(source: str, path: str, message: str, value: Any = ...) -> str:
    got = "" if value is ... else f", got {_preview(value)}"
    return f"{source}: {path}: {message}{got}"


# ------------------------------------------------------------------- loading
def _horizon_context(data: Mapping) -> dict[str, Any]:
    """What the checks of dates and commissioning may rely on: the horizon's
    start, deadline and calendar, each only when valid."""
    horizon = data.get("horizon")
    if not isinstance(horizon, Mapping):
        return {}

    def valid(check: Any, value: Any) -> Any:
        try:
            return check(value)
        except ValueError:
            return None

    start = valid(_month, horizon.get("start"))
    deadline = valid(_month, horizon.get("deadline"))
    given_pm = horizon.get("period_months")
    pm = 3 if given_pm is None else valid(_period_months, given_pm)
    if start is not None and deadline is not None and deadline < start:
        deadline = None
    context: dict[str, Any] = {"start": start, "deadline": deadline}
    if start is not None and deadline is not None and pm is not None:
        context["calendar"] = Calendar(start, pm, deadline)
    return context


def parse_instance(data: Any, source: str = "<instance>") -> Instance:
    """Validate a mapping shaped like an instance file.

    Raises :class:`InstanceError` listing every problem, one line each.
    The optional ``uncertainty:`` and ``scenarios:`` sections (docs/scenarios.md)
    are validated with their own schema and left out of the instance.
    """
    source = _one_line(str(source))
    if isinstance(data, Mapping) and any(k in data for k in SCENARIO_SECTIONS):
        from planner.io.uncertainty import parse_study  # the sections' schema builds on this one

        return parse_study(data, source).instance
    if data is None:
        raise InstanceError([f"{source}: the file holds no instance (it is empty)"])
    if not isinstance(data, Mapping):
        raise InstanceError([_line(
            source, "(top level)", "must be a mapping of keys to values (horizon, sites, ...)",
            data,
        )])
    refused = _data_limits(data)
    if refused:
        raise InstanceError([f"{source}: refused: {refused}"])
    problems: list[str] = []
    instance = None
    try:
        instance = Instance.model_validate(data, context=_horizon_context(data))
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            problems += _problem_lines(source, err)
    except RecursionError:
        problems.append(f"{source}: (top level): nested too deeply")
    problems += [_line(source, p, m, v) for p, m, v in _cross_references(data)]
    if problems:
        if len(problems) > MAX_PROBLEMS:
            more = len(problems) - MAX_PROBLEMS
            problems = problems[:MAX_PROBLEMS] + [f"{source}: ... and {more} more problems"]
        raise InstanceError(problems)
    assert instance is not None
    return instance


# libyaml's parser when PyYAML has it (several times faster), else PyYAML's own.
_SafeLoader: Any = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader


class _UniqueKeyLoader(_SafeLoader):
    """Safe YAML loading that refuses a key given twice in one mapping, so that
    nothing a user wrote is silently dropped, and reads ``1e3`` as a number
    (YAML 1.2, and JSON) rather than as the text '1e3' (YAML 1.1)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    seen: dict = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # '<<: *defaults' merges; explicit keys override merged ones
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, (str, int, float, bool, type(None))):
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain value, not a list or mapping",
                key_node.start_mark,
            )
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key '{key}' is given twice", key_node.start_mark
            )
        seen[key] = True
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)
_UniqueKeyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def _check_nodes(root: yaml.Node) -> str | None:
    """Why a composed YAML document is refused before it is built into Python
    objects, or None: nested too deeply, an alias that contains itself, or
    aliases that would expand it past MAX_ALIAS_EXPANSION values ("billion
    laughs"). Iterative, and linear in the number of distinct nodes."""
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]

    def children(node: yaml.Node) -> list[yaml.Node]:
        if isinstance(node, yaml.SequenceNode):
            return list(node.value)
        if isinstance(node, yaml.MappingNode):
            return [n for pair in node.value for n in pair]
        return []

    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            kids = children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            height[key] = 1 + max((height[id(k)] for k in kids), default=0)
            on_path.discard(key)
            if height[key] > MAX_DEPTH:
                return f"nested more than {MAX_DEPTH} levels deep"
            continue
        if key in size:
            continue
        if key in on_path:
            return "an alias refers to a node that contains it (a recursive structure)"
        on_path.add(key)
        stack.append((node, True))
        for kid in children(node):
            if id(kid) in on_path:
                return "an alias refers to a node that contains it (a recursive structure)"
            if id(kid) not in size:
                stack.append((kid, False))
        if len(on_path) > MAX_DEPTH:
            return f"nested more than {MAX_DEPTH} levels deep"
    distinct = len(size)
    if size[id(root)] > distinct + MAX_ALIAS_EXPANSION:
        return f"YAML aliases expand to over {MAX_ALIAS_EXPANSION:,} values"
    return None


def _too_much(text: str) -> str | None:
    """Why a YAML document is refused before it is composed, found from the
    parser's events alone (bounded memory), or None: collections nested more
    than MAX_DEPTH levels (composing recurses once per level, in C with
    libyaml, where it is not caught but crashes the process), more than
    MAX_NODES values, or a list or mapping of more than MAX_LIST_ITEMS."""
    open_counts: list[list] = []  # [children so far, is a mapping] of each open collection
    nodes = 0
    node_events = (yaml.ScalarEvent, yaml.AliasEvent, yaml.MappingStartEvent,
                   yaml.SequenceStartEvent)
    for event in yaml.parse(text, Loader=_SafeLoader):
        if isinstance(event, node_events):
            nodes += 1
            if nodes > MAX_NODES:
                return f"more than {MAX_NODES:,} values (the limit of an instance file)"
            if open_counts:
                parent = open_counts[-1]
                parent[0] += 1
                if parent[0] > MAX_LIST_ITEMS * (2 if parent[1] else 1):
                    what = "a mapping holds" if parent[1] else "a list holds"
                    return (f"{what} more than {MAX_LIST_ITEMS:,} entries (line "
                            f"{event.start_mark.line + 1}; the limit of one list)")
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                open_counts.append([0, isinstance(event, yaml.MappingStartEvent)])
                if len(open_counts) > MAX_DEPTH:
                    return f"nested more than {MAX_DEPTH} levels deep"
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            open_counts.pop()
    return None


def _data_limits(data: Any) -> str | None:
    """The limits of :func:`_too_much` on data already built (a mapping
    given to :func:`parse_instance`), or None. Iterative."""
    nodes = 0
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            return f"more than {MAX_NODES:,} values (the limit of an instance)"
        if isinstance(node, Mapping):
            kids: Any = [v for pair in node.items() for v in pair]
        elif isinstance(node, (list, tuple)):
            kids = node
        else:
            continue
        if len(node) > MAX_LIST_ITEMS:
            return f"a list or mapping holds {len(node):,} entries, more than {MAX_LIST_ITEMS:,}"
        if depth > MAX_DEPTH:
            return f"nested more than {MAX_DEPTH} levels deep"
        stack.extend((kid, depth + 1) for kid in kids)
    return None


def _parse_yaml(text: str, source: str) -> Any:
    refused = _too_much(text)
    if refused:
        raise InstanceError([f"{source}: refused: {refused}"])
    loader = _UniqueKeyLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        refused = _check_nodes(node)
        if refused:
            raise InstanceError([f"{source}: refused: {refused}"])
        return loader.construct_document(node)
    finally:
        loader.dispose()


def read_yaml(path: str | os.PathLike) -> Any:
    """Read an instance file's mapping, refusing unreadable, huge or malformed
    files with one clear line."""
    source = _one_line(str(path))
    if os.path.isdir(path):
        raise InstanceError([f"{source}: is a directory, not an instance file"])
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise InstanceError([_too_big(source, size)])
        with open(path, "rb") as fh:
            # A pipe or device reports no size: read at most one byte too many.
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InstanceError([f"{source}: cannot read: {exc.strerror or exc}"]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise InstanceError([_too_big(source, None)])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InstanceError(
            [f"{source}: not a text file (expected UTF-8 YAML), byte {exc.start} is not UTF-8"]
        ) from None
    if not text.strip():
        raise InstanceError([f"{source}: the file is empty"])
    try:
        data = _parse_yaml(text, source)
    except InstanceError:
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        detail = f"{problem} ({context})" if context else problem
        raise InstanceError([f"{source}: {where}not valid YAML: {detail}"]) from None
    except RecursionError:
        raise InstanceError(
            [f"{source}: not valid YAML: nested more than {MAX_DEPTH} levels deep"]
        ) from None
    except Exception as exc:  # noqa: BLE001 (a value YAML cannot build, e.g. a 5000-digit int)
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "integer string conversion" in detail:
            detail = "a number has more than 4300 digits"
        raise InstanceError([f"{source}: not valid YAML: {detail}"]) from None
    if data is None:
        raise InstanceError([f"{source}: the file holds no instance (empty, or only comments)"])
    return data


def _too_big(source: str, size: int | None) -> str:
    if MAX_FILE_BYTES % 2**20 == 0:
        limit = f"{MAX_FILE_BYTES // 2**20} MB"
    else:
        limit = f"{MAX_FILE_BYTES:,} bytes"
    if size is None:
        return f"{source}: file is over the {limit} limit"
    return f"{source}: file is {size / 2**20:.0f} MB, over the {limit} limit"


def load_instance(path: str | os.PathLike) -> Instance:
    """Read and validate an instance file (YAML or JSON).

    Raises :class:`InstanceError` listing every problem, one line each.
    """
    return parse_instance(read_yaml(path), source=str(path))


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


__all__ = [
    "USES",
    "Instance",
    "InstanceError",
    "load_instance",
    "parse_instance",
    "read_yaml",
    "schedule_value",
]
