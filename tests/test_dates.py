"""The calendar's month arithmetic and a tranche's first usable period
(planner/calendar.py), the one home of both for every layer but the verifier."""

from __future__ import annotations

import pytest

from planner.calendar import Calendar, month_at, month_index, shift_month


def test_month_index_and_month_at_are_inverse():
    assert month_index("2027-09") == 2027 * 12 + 8
    assert month_at(2027 * 12 + 8) == "2027-09"
    assert all(month_at(month_index(f"2026-{m:02d}")) == f"2026-{m:02d}" for m in range(1, 13))


@pytest.mark.parametrize(
    "date, months, expected",
    [
        ("2026-01", 0, "2026-01"),
        ("2026-11", 2, "2027-01"),  # across the year's end
        ("2026-01", -1, "2025-12"),  # earlier
        ("2026-06", 30, "2028-12"),
        ("2026-06", -18, "2024-12"),
    ],
)
def test_shift_month(date, months, expected):
    assert shift_month(date, months) == expected


def test_labels_and_spans_of_quarters_across_a_year():
    cal = Calendar("2026-11", 3, "2027-12")  # periods start 2026-11, 2027-02, 2027-05, ...
    assert cal.labels()[:3] == ["2026-11", "2027-02", "2027-05"]
    assert cal.span(0) == "2026-11 to 2027-01"


def test_tranche_start_from_a_date_or_a_wait():
    """Quarters from 2026-01: energized 2026-05 is usable from the first period
    starting at or after May, u = ceil(4/3) = 2; a wait of 7 months is
    lead(7) = ceil(7/3) = 3 periods; a date before the start is period 0."""
    cal = Calendar("2026-01", 3, "2027-12")
    assert cal.tranche_start("2026-05", None) == 2
    assert cal.tranche_start(None, 7) == 3
    assert cal.tranche_start("2020-01", None) == 0
    assert cal.tranche_start("2026-04", 99) == 1  # the date wins when both are given
    with pytest.raises(ValueError, match="energized"):
        cal.tranche_start(None, None)
