"""Sweeps, Monte Carlo and frontiers on a real Dask cluster (a LocalCluster of
two worker processes on loopback) give the rows of a serial run; a failed
task is reported in its place and does not stop the others."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import pandas as pd
import pytest
from dask.distributed import Client, LocalCluster
from test_risk import UNCERTAINTY, toy_commitments, toy_plan

from planner.io.load import load_study
from planner.io.uncertainty import Uncertainty
from planner.studies.frontier import run_frontier
from planner.studies.parallel import Failed, run_tasks
from planner.studies.risk import run_risk
from planner.studies.sweep import run_sweep
from planner.studies.vary import Vary

ROOT = Path(__file__).parent.parent.parent
TOY = ROOT / "instances" / "toy-two-sites.yaml"


@pytest.fixture(scope="module")
def scheduler():
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=logging.ERROR,
    ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def toy():
    return load_study(TOY).data


def test_a_sweep_on_the_cluster_gives_the_rows_of_a_serial_run(scheduler, toy):
    varies = [
        Vary.parse("horizon.deadline=2025-06,2027-06,2027-12"),
        Vary.parse("limits.max_debt_on_balance_sheet=0:800:200"),
    ]
    serial = run_sweep(toy, varies, workers=1, chunk=3)
    distributed = run_sweep(toy, varies, scheduler=scheduler, chunk=3)
    pd.testing.assert_frame_equal(serial.comparable(), distributed.comparable(), check_exact=True)
    rows = distributed.rows
    assert (rows["status"] == "invalid").sum() == 5  # the deadline before the start
    assert set(rows.loc[rows["status"] != "invalid", "status"]) == {"optimal"}
    assert "resolve" in set(rows["mode"])


def test_a_failed_task_is_reported_in_its_place(scheduler):
    out = run_tasks(math.sqrt, [4.0, -1.0, 9.0], scheduler=scheduler)
    assert out[0] == 2.0 and out[2] == 3.0
    assert isinstance(out[1], Failed) and "ValueError" in out[1].error
    with Client(scheduler) as client:  # a Client given is used and left open
        assert run_tasks(math.sqrt, [16.0], scheduler=client) == [4.0]
        assert client.status == "running"
    pooled = run_tasks(math.sqrt, [4.0, -1.0, 9.0], workers=2)
    assert pooled[0] == 2.0 and isinstance(pooled[1], Failed) and pooled[2] == 3.0


def test_monte_carlo_on_the_cluster_gives_the_samples_of_a_serial_run(scheduler, toy):
    unc = Uncertainty.model_validate(UNCERTAINTY)
    plan = toy_plan(toy_commitments())
    serial = run_risk(toy, unc, plan, samples=40, seed=11, workers=1, chunk=1)
    distributed = run_risk(toy, unc, plan, samples=40, seed=11, scheduler=scheduler, chunk=1)
    pd.testing.assert_frame_equal(serial.samples, distributed.samples, check_exact=True)
    pd.testing.assert_frame_equal(serial.inputs, distributed.inputs, check_exact=True)


def test_a_frontier_on_the_cluster_gives_the_points_of_a_serial_run(scheduler, toy):
    serial = run_frontier(toy, points=5, workers=1, chunk=2)
    distributed = run_frontier(toy, points=5, scheduler=scheduler, chunk=2)
    pd.testing.assert_frame_equal(
        serial.rows.drop(columns="solve_s"),
        distributed.rows.drop(columns="solve_s"),
        check_exact=True,
    )
