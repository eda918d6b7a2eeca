"""The field types of the instance file: numbers with their unit and sane range,
months, names, and the strict base of every section (units in one place)."""

from __future__ import annotations

import datetime
import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from planner.io.errors import Problems

MAX_HORIZON_MONTHS = 1200  # 100 years from start to deadline


MAX_PROBLEMS = 1000  # lines reported for one file; the rest are counted


# Names the plan's tables use as a column or a key: a site, technology or
# source of one of these names would be mistaken for it (docs/plan.md).
RESERVED_NAMES = frozenset(
    {
        "grid",
        "total",
        "index",
        "site",
        "period",
        "built_mw",
        "online_mw",
        "source",
        "units",
        "capacity_mw",
        "generation_mw",
        "tranche",
        "mw",
        "usable_from",
        "chosen",
        "cost_musd",
        "paid_period",
        "use",
        "draw_musd",
        "spend_musd",
        "on_bs_debt_musd",
        "on_bs_debt_limit_musd",
        "off_bs_musd",
        "off_bs_limit_musd",
        "technology",
        "used_units",
        "available_units",
        "drawn_musd",
        "used",
        "setup_cost_musd",
        "interest_musd",
        "item",
    }
)


USES = ("facility", "compute", "power", "grid", "rent")


SCENARIO_SECTIONS = ("uncertainty", "scenarios")  # read by planner.io.load


KINDS = ("cash", "equity", "bond", "loan", "private_credit", "spv", "lease")


TERMS = ("capacity", "capacity_time", "cost", "co2")


PERIOD_MONTHS = (1, 2, 3, 4, 6, 12)


Use = Literal["facility", "compute", "power", "grid", "rent"]


Kind = Literal["cash", "equity", "bond", "loan", "private_credit", "spv", "lease"]


Term = Literal["capacity", "capacity_time", "cost", "co2"]


# ---------------------------------------------------------------- field types
def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def number_field(
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
        if not is_number(value):
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


def check_month(value: Any) -> str:
    if isinstance(value, (datetime.date, datetime.datetime)):
        raise ValueError("must be a month 'YYYY-MM', without a day")
    match = _MONTH.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError("must be a date 'YYYY-MM'")
    if not 1 <= int(match.group(2)) <= 12:
        raise ValueError("must be a date 'YYYY-MM' with a month from 01 to 12")
    return value


def check_period_months(value: Any) -> int:
    if is_number(value) and value in PERIOD_MONTHS:
        return int(value)
    raise ValueError(f"must be one of {', '.join(map(str, PERIOD_MONTHS))}")


def _single_line(value: str) -> str:
    if not value.isprintable():
        raise ValueError("must be one line of printable text")
    return value


def _text(value: str) -> str:
    """Lines of text: printable characters, spaces, tabs and line breaks; no
    other control or format character (ESC, NUL, U+202E ...)."""
    bad = next(
        (
            c
            for c in value
            if c not in "\n\t" and not c.isprintable() and unicodedata.category(c) != "Zs"
        ),
        None,
    )
    if bad is not None:
        raise ValueError(
            f"must be printable text (lines, tabs and spaces allowed), "
            f"not the control or format character U+{ord(bad):04X}"
        )
    return value


def _not_reserved(value: str) -> str:
    if value in RESERVED_NAMES:
        raise ValueError(
            f"'{value}' is reserved (the plan's tables use it as a column or a "
            "row of their own): choose another name"
        )
    return value


Month = Annotated[str, PlainValidator(check_month), Field(description="'YYYY-MM'")]


Name = Annotated[str, Field(min_length=1), AfterValidator(_single_line)]


# The name of a site, technology or source: also not one of RESERVED_NAMES.
EntityName = Annotated[
    str, Field(min_length=1), AfterValidator(_single_line), AfterValidator(_not_reserved)
]


# The instance's own name (one line, may be empty) and description (lines of text).
Title = Annotated[str, AfterValidator(_single_line)]


Text = Annotated[str, AfterValidator(_text)]


MoneyM = Annotated[float, number_field(ge=0, sane=1e7, unit="$M"), Field(description="$M")]


CapexPerMW = Annotated[
    float, number_field(ge=0, sane=1e3, unit="$M per MW"), Field(description="$M per IT MW")
]


MW = Annotated[float, number_field(ge=0, sane=1e6, unit="MW"), Field(description="MW")]


PositiveMW = Annotated[float, number_field(gt=0, sane=1e6, unit="MW"), Field(description="MW")]


Months = Annotated[float, number_field(ge=0, sane=1200, unit="months"), Field(description="months")]


PricePerMWh = Annotated[
    float, number_field(ge=0, sane=1e5, unit="$/MWh"), Field(description="$/MWh")
]


Co2PerMWh = Annotated[
    float, number_field(ge=0, sane=100, unit="t CO2/MWh"), Field(description="t CO2/MWh")
]


Rate = Annotated[
    float,
    number_field(ge=0, sane=1, note="rates are annual fractions, 0.07 for 7 %"),
    Field(description="annual fraction"),
]


Fraction = Annotated[float, number_field(ge=0, sane=1, note="a fraction, 0.15 for 15 %")]


Units = Annotated[int, number_field(ge=0, sane=1e6, unit="units", whole=True)]


class Strict(BaseModel):
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
            raise Problems(found, errors) from None
        values = {name: getattr(model, name) for name in cls.model_fields}
        found = cls._cross_check(values, {k for k, v in values.items() if v is not None}, context)
        if found:
            raise Problems(found)
        return model


_KEYS: dict[type, frozenset] = {}


def _keys(model: type[BaseModel]) -> frozenset:
    """The keys a mapping of this model may have (aliases where given)."""
    if model not in _KEYS:
        _KEYS[model] = frozenset(f.alias or n for n, f in model.model_fields.items())
    return _KEYS[model]


def get_field(obj: Any, key: str, default: Any = None) -> Any:
    """A key of a raw mapping or a field of a model."""
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, key, default)


def horizon_bounds(info: ValidationInfo) -> tuple[str | None, str | None]:
    """The horizon's start and deadline, each when valid on its own, so that
    by-dates are checked even when, say, period_months is wrong."""
    context = info.context or {}
    return context.get("start"), context.get("deadline")
