"""Dates and periods (docs/model.md section 1).

A date is a string ``"YYYY-MM"``. Months are counted from the horizon's start;
period t covers months ``[t*pm, (t+1)*pm)``.

- by-dates (deadline, commitments, ``until``, ``paid``) mean the period that
  contains the month: :meth:`Calendar.by`;
- from-dates (energization, deliveries, ``available``, a schedule's ``from``)
  mean the first period that starts at or after the month: :meth:`Calendar.from_`;
- a lead time of L months is ``ceil(L/pm)`` periods: :meth:`Calendar.lead`;
- a grid tranche is usable from u(energized), or lead(wait_months):
  :meth:`Calendar.tranche_start`.

Month arithmetic on ``"YYYY-MM"`` lives here too (:func:`month_index`,
:func:`month_at`, :func:`shift_month`, :func:`whole_months`), for every layer but the verifier,
which keeps its own date arithmetic on purpose (it shares no code with the
model).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

HOURS_PER_MONTH = 730


def parse_month(date: str) -> tuple[int, int]:
    """``"2027-09"`` -> ``(2027, 9)``. The schema has checked the format."""
    year, month = date.split("-")
    return int(year), int(month)


def month_index(date: str) -> int:
    """Months since year 0: ``"2027-09"`` -> 2027 * 12 + 8."""
    year, month = parse_month(date)
    return year * 12 + month - 1


def month_at(index: int) -> str:
    """The month ``index`` months after year 0 (the inverse of :func:`month_index`)."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def shift_month(date: str, months: int) -> str:
    """``date`` moved by ``months`` (negative: earlier)."""
    return month_at(month_index(date) + months)


def whole_months(x: float) -> int:
    """Round half away from zero: 2.5 -> 3, -2.5 -> -3."""
    return int(math.copysign(math.floor(abs(x) + 0.5), x))


def _ceil_div(numerator: float, denominator: int) -> int:
    # Durations may be fractional months; round away float noise before ceil.
    return math.ceil(round(numerator / denominator, 9))


@dataclass(frozen=True)
class Calendar:
    start: str
    period_months: int
    deadline: str

    @property
    def pm(self) -> int:
        return self.period_months

    def mo(self, date: str) -> int:
        """Months from the start to ``date`` (negative before the start)."""
        y0, m0 = parse_month(self.start)
        y, m = parse_month(date)
        return 12 * (y - y0) + (m - m0)

    def by(self, date: str) -> int:
        """p(d): the period containing the month (floor)."""
        return self.mo(date) // self.pm

    def from_(self, date: str) -> int:
        """u(d): the first period starting at or after the month (ceil, >= 0)."""
        return max(0, _ceil_div(self.mo(date), self.pm))

    def lead(self, months: float) -> int:
        """lead(L) = ceil(L/pm) periods."""
        return _ceil_div(months, self.pm)

    def tranche_start(self, energized: str | None, wait_months: float | None) -> int:
        """The first period a grid tranche is usable (docs/model.md 2.2):
        u(energized) when it has an energization date, else lead(wait_months)."""
        if energized:
            return self.from_(energized)
        if wait_months is None:
            raise ValueError("a tranche needs 'energized' or 'wait_months'")
        return self.lead(wait_months)

    @property
    def deadline_period(self) -> int:
        """D = p(deadline)."""
        return self.by(self.deadline)

    @property
    def n_periods(self) -> int:
        """T = D + 1: nothing after the deadline period is modelled."""
        return self.deadline_period + 1

    @property
    def hours(self) -> int:
        """H = 730 * pm hours in a period."""
        return HOURS_PER_MONTH * self.pm

    def label(self, t: int) -> str:
        """The first month of period t, ``"YYYY-MM"``."""
        return shift_month(self.start, t * self.pm)

    def span(self, t: int) -> str:
        """Period t's months, ``"2028-10 to 2028-12"``."""
        first, last = self.label(t), self.label(t)
        if self.pm > 1:
            last = shift_month(first, self.pm - 1)
        return first if first == last else f"{first} to {last}"

    def labels(self) -> list[str]:
        return [self.label(t) for t in range(self.n_periods)]
