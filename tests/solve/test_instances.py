"""Every shipped instance validates and gives the capacity and cost written
beside it (instances/NAME.expected.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import planner

INSTANCES = sorted((Path(__file__).parent.parent.parent / "instances").glob("*.yaml"))


def test_instances_are_shipped():
    names = {p.stem for p in INSTANCES}
    assert {
        "toy-two-sites",
        "texas-2028",
        "bridge-power",
        "spv-financing",
        "tight-commitments",
    } <= names


@pytest.mark.parametrize("path", INSTANCES, ids=[p.stem for p in INSTANCES])
def test_instance_gives_its_expected_numbers(path):
    expected_file = path.with_suffix(".expected.json")
    assert expected_file.exists(), f"{path.name} has no expected results beside it"
    expected = json.loads(expected_file.read_text())
    plan = planner.solve(planner.load_instance(path))
    assert plan.status is planner.Status.optimal
    rel = max(expected.get("rel_tol", 1e-4), 1e-5)
    assert plan.capacity_mw == pytest.approx(expected["capacity_mw"], rel=rel, abs=1e-6)
    assert plan.total_cost == pytest.approx(expected["total_cost"], rel=rel, abs=1e-6)
