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
