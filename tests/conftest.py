"""Every plan the test suite solves is checked by the independent verifier."""

from __future__ import annotations

import pytest

from planner.analysis.verify import verify
from planner.solver.session import Session

_read = Session.read


def _read_and_verify(self, status, stages):
    plan = _read(self, status, stages)
    if plan.status.has_plan:
        report = verify(self.instance, plan)
        assert report.ok, f"{self.instance.name}: the verifier rejects the plan:\n{report}"
    return plan


@pytest.fixture(autouse=True)
def every_plan_is_verified(monkeypatch):
    monkeypatch.setattr(Session, "read", _read_and_verify)


@pytest.fixture(autouse=True)
def no_stop_left_over():
    """A test that interrupts a run in this process leaves the process-wide
    stop request set (as a Ctrl-C does for the rest of a command): clear it,
    so that it cannot stop the runs of the tests after it."""
    from planner.solver.highs import STOP

    yield
    STOP.clear()
