"""The hand-over to HiGHS: compiled rows and bounds, and the guard against a
plan whose objective is not the one HiGHS reports."""

from __future__ import annotations

from pathlib import Path

import pytest

import planner
from planner.solver.session import Session

TOY = Path(__file__).parent.parent.parent / "instances" / "toy-two-sites.yaml"


def test_rows_keep_the_sense_of_their_constraints():
    s = Session(planner.load_instance(TOY))
    m = s.model
    (row,) = s.highs.constraint_rows(m.on_balance_sheet_debt[7])  # debt <= 800
    assert s.highs.row_bounds(row) == (-float("inf"), 800.0)
    (row,) = s.highs.constraint_rows(m.power_balance["alpha", 7])  # balance == 0
    assert s.highs.row_bounds(row) == (0.0, 0.0)


def test_a_misreported_objective_is_solved_again_from_scratch(monkeypatch):
    """If HiGHS reports an objective that is not the returned plan's (seen
    with highspy 1.16.0 from some MIP starts), the stage is solved again
    without the start and the true value is reported."""
    s = Session(planner.load_instance(TOY))
    status, stages = s.run(["capacity"])
    assert stages[0].value == pytest.approx(127.0)
    real_info = s.highs.h.getInfo
    calls = {"n": 0}

    class Lying:
        def __init__(self, info):
            self._info = info

        def __getattr__(self, name):
            if name == "objective_function_value":
                return 999.0  # not the plan's capacity
            return getattr(self._info, name)

    def lying_once():
        calls["n"] += 1
        return Lying(real_info()) if calls["n"] == 1 else real_info()

    monkeypatch.setattr(s.highs.h, "getInfo", lying_once)
    status, stages = s.run(["capacity"])  # warm-started from the first plan
    assert calls["n"] >= 2  # asked again after the misreport
    assert stages[0].value == pytest.approx(127.0)
