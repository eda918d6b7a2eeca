"""A study's progress counts each scenario as it is done, not each chunk of
scenarios solved on one model, in this process and on a pool."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.io.load import load_study
from planner.studies.parallel import run_tasks
from planner.studies.sweep import run_sweep
from planner.studies.vary import Vary

TOY = Path(__file__).parent.parent.parent / "instances" / "toy-two-sites.yaml"


@pytest.mark.parametrize(("workers", "chunk"), [(1, 10), (2, 3)])
def test_a_sweep_ticks_once_per_scenario_of_a_chunk(workers, chunk):
    """Five debt limits: in one chunk of five here, or in chunks of three and
    two on two workers, five ticks of one either way."""
    ticks: list[int] = []
    vary = Vary.parse("limits.max_debt_on_balance_sheet=400:1200:200")
    result = run_sweep(
        load_study(str(TOY)).data, [vary], chunk=chunk, workers=workers, progress=ticks.append
    )
    assert len(result.rows) == 5
    assert ticks == [1, 1, 1, 1, 1]


def test_a_task_without_item_reports_ticks_its_weight_when_it_ends():
    ticks: list[int] = []
    out = run_tasks(abs, [-3, 4], workers=1, progress=ticks.append, weight=lambda t: abs(t))
    assert out == [3, 4]
    assert ticks == [3, 4]
