"""The instance file: its schema, and every check that makes an instance valid.

All validation lives here (MODEL.md sections 7 and 8). Past
:func:`load_instance` / :func:`parse_instance` the rest of the planner trusts
its data. Every problem is reported at once, one line each, as
``file: path: message, got value``.

Field names are MODEL.md's keys; units are in each field's description.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from planner.calendar import Calendar

MAX_FILE_BYTES = 50 * 1024 * 1024
USES = ("facility", "compute", "power", "grid", "rent")
KINDS = ("cash", "equity", "bond", "loan", "private_credit", "spv", "lease")
TERMS = ("capacity", "capacity_time", "cost", "co2")
Use = Literal["facility", "compute", "power", "grid", "rent"]
Kind = Literal["cash", "equity", "bond", "loan", "private_credit", "spv", "lease"]
Term = Literal["capacity", "capacity_time", "cost", "co2"]


class InstanceError(Exception):
    """An instance was refused. ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# ---------------------------------------------------------------- field types
def _sane(limit: float, unit: str):
    """Refuse magnitudes that are almost surely a unit mistake."""

    def check(value: float) -> float:
        if value is not None and value > limit:
            raise ValueError(f"must be at most {limit:g} {unit}: is it given in {unit}?")
        return value

    return AfterValidator(check)


def _month(value: str) -> str:
    year, month = value.split("-")
    if not 1 <= int(month) <= 12:
        raise ValueError("must be a date 'YYYY-MM' with a month from 01 to 12")
    return value


Month = Annotated[
    str, Field(pattern=r"^\d{4}-\d{2}$", description="'YYYY-MM'"), AfterValidator(_month)
]
Name = Annotated[str, Field(min_length=1)]
MoneyM = Annotated[float, Field(ge=0, description="$M"), _sane(1e7, "$M")]
MW = Annotated[float, Field(ge=0, description="MW"), _sane(1e6, "MW")]
PositiveMW = Annotated[float, Field(gt=0, description="MW"), _sane(1e6, "MW")]
Months = Annotated[float, Field(ge=0, description="months"), _sane(1200, "months")]
PricePerMWh = Annotated[float, Field(ge=0, description="$/MWh"), _sane(1e5, "$/MWh")]
Co2PerMWh = Annotated[float, Field(ge=0, description="t CO2/MWh"), _sane(100, "t CO2/MWh")]
Rate = Annotated[float, Field(ge=0, description="annual fraction"), _sane(10, "annual fraction")]
Units = Annotated[int, Field(ge=0, description="units"), _sane(1e6, "units")]


class _Strict(BaseModel):
    """Unknown keys are errors, numbers written as strings are refused, NaN and
    infinities are refused, and a key with an empty value counts as absent."""

    model_config = ConfigDict(
        extra="forbid", strict=True, allow_inf_nan=False, frozen=True, populate_by_name=True
    )

    @model_validator(mode="before")
    @classmethod
    def _empty_is_absent(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            return {k: v for k, v in data.items() if v is not None}
        return data


def _calendar(info: ValidationInfo) -> Calendar | None:
    return (info.context or {}).get("calendar")


# --------------------------------------------------------------------- horizon
class Horizon(_Strict):
    start: Month
    period_months: Literal[1, 2, 3, 4, 6, 12] = 3
    deadline: Month

    @model_validator(mode="after")
    def _deadline_after_start(self) -> Horizon:
        if self.deadline < self.start:
            raise ValueError(f"deadline {self.deadline} is before start {self.start}")
        return self


# ----------------------------------------------------------------------- sites
class Build(_Strict):
    capex_per_mw: MoneyM = Field(description="$M per IT MW: shell, electrical, cooling")
    lead_months: Months = Field(description="months from start of works to halls online")
    max_mw_per_month: MW | None = Field(None, description="commissioning rate, IT MW/month")
    block_mw: PositiveMW | None = Field(None, description="halls come in whole blocks of IT MW")


class Tranche(_Strict):
    mw: PositiveMW
    energized: Month | None = None
    wait_months: Months | None = None
    cost: MoneyM = 0.0
    paid: Month | None = None

    @model_validator(mode="after")
    def _one_timing(self) -> Tranche:
        if (self.energized is None) == (self.wait_months is None):
            raise ValueError("give exactly one of 'energized' and 'wait_months'")
        return self

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
    reserve_margin: Annotated[float, Field(ge=0), _sane(10, "fraction")] = 0.0
    technologies: list[Name] | None = None


class Commitment(_Strict):
    by: Month
    it_mw: MW

    @field_validator("by")
    @classmethod
    def _by_in_horizon(cls, value: str, info: ValidationInfo) -> str:
        _check_by_date(value, info)
        return value


def _check_by_date(value: str, info: ValidationInfo) -> None:
    cal = _calendar(info)
    if cal is None:
        return
    if value < cal.start:
        raise ValueError(f"must not be before the start {cal.start}")
    if value > cal.deadline:
        raise ValueError(f"must not be after the deadline {cal.deadline}")


class Site(_Strict):
    name: Name
    max_it_mw: MW = Field(description="campus limit on IT MW")
    existing_it_mw: MW = 0.0
    pue: Annotated[float, Field(ge=1), _sane(10, "facility MW per IT MW")] = 1.0
    build: Build
    compute_capex_per_mw: MoneyM = 0.0
    grid: Grid | None = None
    onsite: Onsite | None = None
    commitments: list[Commitment] = []

    @model_validator(mode="after")
    def _existing_within_campus(self) -> Site:
        if self.existing_it_mw > self.max_it_mw:
            raise ValueError(
                f"existing_it_mw {self.existing_it_mw:g} is above max_it_mw {self.max_it_mw:g}"
            )
        return self

    @model_validator(mode="after")
    def _block_fits_a_period(self, info: ValidationInfo) -> Site:
        cal, b = _calendar(info), self.build
        if cal and b.block_mw is not None and b.max_mw_per_month is not None:
            if b.block_mw > b.max_mw_per_month * cal.pm + 1e-9:
                raise ValueError(
                    f"build.block_mw {b.block_mw:g} is larger than one period's commissioning "
                    f"(max_mw_per_month * period_months = {b.max_mw_per_month * cal.pm:g})"
                )
        return self


# ---------------------------------------------------------------- technologies
class Technology(_Strict):
    name: Name
    unit_mw: PositiveMW
    availability: Annotated[float, Field(gt=0, le=1)] = 1.0
    ownership: Literal["buy", "rent"] = "buy"
    capex_per_unit: MoneyM = 0.0
    rent_per_unit_month: MoneyM = 0.0
    fixed_om_per_mw_year: MoneyM = 0.0
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
    name: Name
    kind: Kind
    amount: MoneyM
    per_month: MoneyM | None = None
    available: Month | None = None
    until: Month | None = None
    rate: Rate = 0.0
    debt: bool | None = None
    on_balance_sheet: bool | None = None
    sites: list[Name] | None = None
    uses: list[Use] | None = None
    max_per_site: MoneyM | None = None
    setup_cost: MoneyM = 0.0

    @model_validator(mode="after")
    def _defaults_by_kind(self) -> Source:
        # MODEL.md 4.2: debt is false for cash and equity, true otherwise;
        # off the balance sheet for spv and lease.
        if self.debt is None:
            object.__setattr__(self, "debt", self.kind not in ("cash", "equity"))
        if self.on_balance_sheet is None:
            object.__setattr__(self, "on_balance_sheet", self.kind not in ("spv", "lease"))
        return self

    @model_validator(mode="after")
    def _window(self, info: ValidationInfo) -> Source:
        cal = _calendar(info)
        if self.until is not None:
            if cal is not None and self.until < cal.start:
                raise ValueError(f"until {self.until} is before the start {cal.start}")
            if self.available is not None and self.until < self.available:
                raise ValueError(f"until {self.until} is before available {self.available}")
        return self


class ScheduleEntry(_Strict):
    from_: Month = Field(alias="from")
    value: MoneyM


def _schedule_tag(value: Any) -> str:
    return "schedule" if isinstance(value, list) else "number"


def _increasing(entries: list[ScheduleEntry]) -> list[ScheduleEntry]:
    if not entries:
        raise ValueError("a schedule must have at least one entry")
    for a, b in zip(entries, entries[1:]):
        if b.from_ <= a.from_:
            raise ValueError(f"schedule dates must strictly increase: {b.from_} after {a.from_}")
    return entries


Schedule = Annotated[list[ScheduleEntry], AfterValidator(_increasing)]
NumberOrSchedule = Annotated[
    Union[Annotated[MoneyM, Tag("number")], Annotated[Schedule, Tag("schedule")]],
    Discriminator(_schedule_tag),
]


class Limits(_Strict):
    max_debt_on_balance_sheet: NumberOrSchedule | None = None
    max_off_balance_sheet: NumberOrSchedule | None = None
    max_total_cost: MoneyM | None = None
    max_co2_mt: Annotated[float, Field(ge=0), _sane(1e4, "Mt")] | None = None


class Objective(_Strict):
    stages: Annotated[list[Term], Field(min_length=1)] = ["capacity", "capacity_time", "cost"]
    tolerance: Annotated[float, Field(ge=0, le=1)] = 1.0e-6

    @field_validator("stages")
    @classmethod
    def _no_repeats(cls, stages: list[str]) -> list[str]:
        repeated = sorted({s for s in stages if stages.count(s) > 1})
        if repeated:
            raise ValueError(f"a term may be a stage once, repeated: {', '.join(repeated)}")
        return stages


class Instance(_Strict):
    name: str = "instance"
    description: str = ""
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
def _names(items: Any) -> list[tuple[int, Any]]:
    if not isinstance(items, list):
        return []
    return [(i, it.get("name")) for i, it in enumerate(items) if isinstance(it, Mapping)]


def _cross_references(data: Mapping) -> list[tuple[str, str, Any]]:
    """Duplicate names and references to unknown names, read off the raw
    mapping so they are reported together with the schema's problems."""
    problems: list[tuple[str, str, Any]] = []

    def unique(key: str, label: str) -> set:
        seen: set = set()
        for i, name in _names(data.get(key)):
            if isinstance(name, str) and name in seen:
                problems.append((f"{key}[{i}].name", f"duplicate {label} name", name))
            seen.add(name)
        return {n for n in seen if isinstance(n, str)}

    def known(path: str, name: Any, names: set, label: str) -> None:
        if isinstance(name, str) and name not in names:
            hint = difflib.get_close_matches(name, sorted(names), n=1)
            extra = f" (did you mean '{hint[0]}'?)" if hint else ""
            problems.append((path, f"unknown {label}{extra}", name))

    sites = unique("sites", "site")
    techs = unique("technologies", "technology")
    unique("funding", "source")
    supply = data.get("supply")
    if isinstance(supply, list):
        seen: set = set()
        for i, entry in enumerate(supply):
            if not isinstance(entry, Mapping):
                continue
            tech = entry.get("technology")
            known(f"supply[{i}].technology", tech, techs, "technology")
            if isinstance(tech, str) and tech in seen:
                problems.append((f"supply[{i}].technology", "a second supply entry for", tech))
            seen.add(tech)
    for i, site in enumerate(data.get("sites") or []):
        onsite = site.get("onsite") if isinstance(site, Mapping) else None
        listed = onsite.get("technologies") if isinstance(onsite, Mapping) else None
        for j, tech in enumerate(listed if isinstance(listed, list) else []):
            known(f"sites[{i}].onsite.technologies[{j}]", tech, techs, "technology")
    for i, source in enumerate(data.get("funding") or []):
        listed = source.get("sites") if isinstance(source, Mapping) else None
        for j, site in enumerate(listed if isinstance(listed, list) else []):
            known(f"funding[{i}].sites[{j}]", site, sites, "site")
    return problems


# ---------------------------------------------------------------- error lines
_TAGS = {"number", "schedule"}


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in _TAGS:
            continue
        else:
            out += ("." if out else "") + str(part)
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
    "int_from_float": "must be a whole number",
    "string_type": "must be a text",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "model_type": "must be a mapping of keys to values",
    "model_attributes_type": "must be a mapping of keys to values",
    "dict_type": "must be a mapping of keys to values",
    "finite_number": "must be a finite number",
    "string_pattern_mismatch": "must be a date 'YYYY-MM'",
    "string_too_short": "must not be empty",
}


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def _message(err: dict) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "extra_forbidden":
        key = err["loc"][-1]
        hint = difflib.get_close_matches(str(key), _fields_at(err["loc"][:-1]), n=1)
        return "unknown key" + (f" (did you mean '{hint[0]}'?)" if hint else "")
    if kind == "greater_than":
        return f"must be > {_num(ctx['gt'])}"
    if kind == "greater_than_equal":
        return f"must be >= {_num(ctx['ge'])}"
    if kind == "less_than_equal":
        return f"must be <= {_num(ctx['le'])}"
    if kind == "too_short":
        return "must not be empty"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return _MESSAGES.get(kind, err["msg"][:1].lower() + err["msg"][1:])


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    if isinstance(value, (dict, list)):
        text = type(value).__name__ + (" " + text if len(text) <= 60 else "")
    return text if len(text) <= 80 else text[:77] + "..."


def _line(source: str, path: str, message: str, value: Any = ..., has_value: bool = True) -> str:
    got = f", got {_show(value)}" if has_value else ""
    return f"{source}: {path}: {message}{got}"


# ------------------------------------------------------------------- loading
def _horizon_calendar(data: Mapping) -> Calendar | None:
    try:
        h = Horizon.model_validate(data.get("horizon"))
    except ValidationError:
        return None
    return Calendar(h.start, h.period_months, h.deadline)


def parse_instance(data: Any, source: str = "<instance>") -> Instance:
    """Validate a mapping shaped like an instance file.

    Raises :class:`InstanceError` listing every problem, one line each.
    """
    if not isinstance(data, Mapping):
        raise InstanceError([_line(source, "(top level)", "must be a mapping of keys", data)])
    problems: list[str] = []
    try:
        instance = Instance.model_validate(data, context={"calendar": _horizon_calendar(data)})
    except ValidationError as exc:
        instance = None
        for err in exc.errors(include_url=False):
            has_value = err["type"] != "missing"
            problems.append(
                _line(source, _path(err["loc"]), _message(err), err.get("input"), has_value)
            )
    problems += [_line(source, p, m, v) for p, m, v in _cross_references(data)]
    if problems:
        raise InstanceError(problems)
    assert instance is not None
    return instance


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML loading that refuses a key given twice in one mapping, so that
    nothing a user wrote is silently dropped."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    seen: dict = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if isinstance(key, (str, int, float, bool)) and key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key '{key}' is given twice", key_node.start_mark
            )
        seen[key] = True
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)


def read_yaml(path: str | os.PathLike) -> Any:
    """Read an instance file's mapping, refusing unreadable, huge or malformed
    files with one clear line."""
    source = str(path)
    if os.path.isdir(path):
        raise InstanceError([f"{source}: is a directory, not an instance file"])
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise InstanceError([f"{source}: cannot read: {exc.strerror or exc}"]) from None
    if size > MAX_FILE_BYTES:
        raise InstanceError(
            [f"{source}: file is {size / 1e6:.0f} MB, over the {MAX_FILE_BYTES // 10**6} MB limit"]
        )
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
        text = raw.decode("utf-8")
    except OSError as exc:
        raise InstanceError([f"{source}: cannot read: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError:
        raise InstanceError([f"{source}: not a text file (expected UTF-8 YAML)"]) from None
    if not text.strip():
        raise InstanceError([f"{source}: the file is empty"])
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InstanceError([f"{source}: {where}not valid YAML: {problem}"]) from None
    except RecursionError:
        raise InstanceError([f"{source}: not valid YAML: nested too deeply"]) from None


def load_instance(path: str | os.PathLike) -> Instance:
    """Read and validate an instance file (YAML or JSON).

    Raises :class:`InstanceError` listing every problem, one line each.
    """
    return parse_instance(read_yaml(path), source=str(path))


def schedule_value(limit: float | list[ScheduleEntry] | None, cal: Calendar, t: int):
    """A limit's value in period t (MODEL.md 4.2): a number, or the value of the
    schedule's latest entry with u(from) <= t, else its first entry's."""
    if limit is None or isinstance(limit, (int, float)):
        return limit
    value = limit[0].value
    for entry in limit:
        if cal.from_(entry.from_) <= t:
            value = entry.value
    return value


__all__ = [
    "Instance",
    "InstanceError",
    "load_instance",
    "parse_instance",
    "read_yaml",
    "schedule_value",
]
