"""Numbers and periods as text, the same way in charts, the report and the
terminal.

- A value that rounds to zero is shown as ``0``, never ``-0`` (a float a hair
  below zero, or IEEE ``-0.0``): :func:`number`.
- A period is shown as its months, ``2028-10 to 2028-12`` (``2028-10–12`` on
  a chart's axis), so that every date of the user's file that falls in it is
  in what is shown: :func:`period_span` (docs/plan.md).
"""

from __future__ import annotations


def number(value: float, spec: str = ",.1f") -> str:
    """``value`` formatted with the format ``spec``; negative zero shown unsigned.

    >>> number(-1e-9), number(-0.0, "+,.0f"), number(-2.5, ",.0f")
    ('0.0', '+0', '-2')
    """
    text = format(value, spec)
    mantissa = text.split("e")[0]
    if text.startswith("-") and "inf" not in text and not any(c in "123456789" for c in mantissa):
        rest = text[1:]
        return ("+" + rest) if "+" in spec.split(".")[0] else rest
    return text


def _month(first: str, add: int) -> str:
    y, m = map(int, first.split("-"))
    months = 12 * y + m - 1 + add
    return f"{months // 12:04d}-{months % 12 + 1:02d}"


def period_months(periods: list[str], default: int = 1) -> int:
    """Months per period, read from the first months of two periods."""
    if len(periods) < 2:
        return default
    y0, m0 = map(int, periods[0].split("-"))
    y1, m1 = map(int, periods[1].split("-"))
    return max(1, 12 * (y1 - y0) + m1 - m0)


def period_span(first: str, months: int, short: bool = False) -> str:
    """A period shown as its months: ``2028-10 to 2028-12`` (``2028-10–12``
    with ``short``), or ``2028-12`` for a one-month period. docs/plan.md."""
    last = _month(first, months - 1)
    if last == first:
        return first
    if short:
        return f"{first}\u2013{last[5:] if last[:4] == first[:4] else last}"
    return f"{first} to {last}"


def period_spans(periods: list[str], short: bool = False, months: int | None = None) -> list[str]:
    months = months or period_months(periods)
    return [period_span(p, months, short) for p in periods]


def plan_spans(plan, short: bool = False) -> list[str]:
    """Every period of a plan shown as its months; the period length is the
    horizon's ``period_months`` of the instance the plan carries, else read
    from the periods themselves."""
    horizon = (getattr(plan, "instance_data", None) or {}).get("horizon", {})
    return period_spans(plan.periods, short, horizon.get("period_months"))
