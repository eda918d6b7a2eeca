"""Honest status: what a solve says about itself when limits stop it, and
what the CLI leaves behind when a run fails or is interrupted.

- a time-limited solve of a large instance is ``feasible`` (never
  ``optimal`` unless proven within the gap), with a finite gap and a bound,
  and the CLI exits 0 with it;
- ``no_plan`` when the limit stops the search before any plan is found,
  exit code 4;
- the same instance and options give the same plan twice;
- ``--out DIR`` never leaves DIR half-written by a failed run;
- Ctrl-C stops a solve promptly and without a traceback.

The large instances come from :func:`planner.io.generate.generate_instance`.
Sizes and limits were picked on 2 cores so that the limit stops the solve
well before it could finish (a 30-site, 12-quarter instance needs minutes).
"""

from __future__ import annotations

import copy
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import planner
import planner.io.atomic
from planner.cli.main import main
from planner.io.generate import dump_yaml, generate_instance
from planner.report.text import gap_phrase, summary_dict, summary_text
from planner.results.status import Status

ROOT = Path(__file__).parent.parent.parent
TOY = ROOT / "instances" / "toy-two-sites.yaml"
MIP_GAP = 1e-4  # the default


def run_cli(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def large(sites: int = 30, periods: int = 12, seed: int = 1) -> dict:
    return generate_instance(sites=sites, periods=periods, technologies=8, sources=6, seed=seed)


def with_commitments(data: dict, share: float) -> dict:
    """Each site commits, by the deadline, to ``share`` of the IT MW that its
    grid tranches usable by the deadline could carry: a plan must build, so
    the empty plan is not one."""
    out = copy.deepcopy(data)
    cal = planner.parse_instance(out).calendar
    for site in out["sites"]:
        mw = 0.0
        for tr in (site.get("grid") or {}).get("tranches", []):
            if "energized" in tr:
                usable = cal.from_(tr["energized"])
            else:
                usable = cal.lead(tr["wait_months"])
            if usable <= cal.deadline_period:
                mw += tr["mw"]
        it_mw = round(share * min(site["max_it_mw"], mw / site.get("pue", 1.0)))
        if it_mw > 0:
            site["commitments"] = [{"by": out["horizon"]["deadline"], "it_mw": float(it_mw)}]
    assert any("commitments" in s for s in out["sites"])
    return out


def write(tmp_path: Path, data: dict, name: str = "instance.yaml") -> Path:
    path = tmp_path / name
    path.write_text(dump_yaml(data), encoding="utf-8")
    return path


def check_honest(plan, mip_gap: float = MIP_GAP) -> None:
    """A stage is optimal only within the gap; each stage's bound lies on
    the right side of its value; the plan is optimal only if every stage of
    the objective was solved and is."""
    maximize = {"capacity": True, "capacity_time": True, "cost": False, "co2": False}
    for stage in plan.stages:
        assert stage.value is not None and math.isfinite(stage.value), stage
        if stage.status is Status.optimal:
            assert stage.mip_gap is not None and stage.mip_gap <= mip_gap * (1 + 1e-9), stage
        if stage.bound is not None and math.isfinite(stage.bound):
            slack = 1e-6 * max(1.0, abs(stage.value))
            if maximize[stage.term]:
                assert stage.bound >= stage.value - slack, stage
            else:
                assert stage.bound <= stage.value + slack, stage
    if plan.status is Status.optimal:
        assert all(s.status is Status.optimal for s in plan.stages)


# ------------------------------------------------------------ time limits
def capacity_only(data: dict) -> dict:
    """The instance with the capacity stage alone: the plan's gap and bound
    are then those of the capacity stage."""
    out = copy.deepcopy(data)
    out["objective"] = {"stages": ["capacity"]}
    return out


def test_a_limit_that_stops_the_proof_gives_feasible_with_a_gap_and_a_bound():
    """A node limit (counted by HiGHS, the same on a fast or a busy machine):
    one branch-and-bound node is too few to prove the capacity stage of 60
    sites, and the root gives a plan and a finite bound."""
    inst = planner.parse_instance(capacity_only(large(sites=60)))
    plan = planner.Session(inst, planner.SolveOptions(node_limit=1)).solve()
    assert plan.status is Status.feasible, [(s.term, s.status, s.mip_gap) for s in plan.stages]
    check_honest(plan)
    assert plan.mip_gap is not None and math.isfinite(plan.mip_gap) and plan.mip_gap > MIP_GAP
    assert plan.bound is not None and math.isfinite(plan.bound)
    assert plan.capacity_mw <= plan.bound * (1 + 1e-9)
    assert planner.verify(inst, plan).ok


def test_a_stage_without_a_bound_makes_the_plan_gap_unknown_in_every_view(tmp_path):
    """With no branch-and-bound node at all HiGHS has a plan (the start) but
    no bound: the stage's gap, and so the plan's, is unknown, and the JSON,
    the summary and ``show`` all say so, naming the stage."""
    data = capacity_only(large(sites=30, periods=12))
    plan = planner.Session(planner.parse_instance(data), planner.SolveOptions(node_limit=0)).solve()
    assert plan.status is Status.feasible
    assert plan.largest_gap() == ("capacity", math.inf)
    out = summary_dict(plan)
    assert out["mip_gap"] is None and out["mip_gap_stage"] == "capacity"
    assert out["mip_gap_note"] == "stage capacity has no bound: its gap is unknown"
    assert out["stages"][0]["mip_gap"] is None and out["stages"][0]["bound"] is None
    phrase = "largest stage gap unknown (capacity has no bound)"
    assert phrase in summary_text(plan)
    from planner.report.views import show_text

    assert phrase in show_text(plan)
    assert phrase in show_text(planner.Plan.from_json(plan.to_json()))


def test_the_plan_gap_is_the_largest_stage_gap_in_every_view():
    """One node per stage of [capacity, capacity_time, cost] at 60 sites:
    each stage reports status, value, bound and gap; the plan's gap is the
    largest of them, and the JSON, summary and show name the same one."""
    inst = planner.parse_instance(large(sites=60, periods=16))
    plan = planner.Session(inst, planner.SolveOptions(node_limit=1)).solve()
    assert plan.status is Status.feasible
    check_honest(plan)
    out = summary_dict(plan)
    gaps = [math.inf if s["mip_gap"] is None else s["mip_gap"] for s in out["stages"]]
    assert all({"term", "status", "value", "bound", "mip_gap"} <= set(s) for s in out["stages"])
    worst = out["stages"][gaps.index(max(gaps))]
    assert out["mip_gap_stage"] == worst["term"]
    assert out["mip_gap"] == worst["mip_gap"]
    from planner.report.views import show_text

    again = planner.Plan.from_json(plan.to_json())
    phrase = gap_phrase(plan)
    assert worst["term"] in phrase
    assert phrase in summary_text(plan) and phrase in show_text(again)


def test_cli_exits_0_with_a_time_limited_plan(tmp_path):
    """A wall-clock limit: how far the search gets depends on the machine, so
    only what holds at any speed is asserted: a plan, exit 0, and a gap that
    is honest (a finite gap with a bound on the right side, or none and a
    note naming the stage without a bound)."""
    path = write(tmp_path, capacity_only(large()))
    # a gap of 1e-6 is far from reach in 2 s at 30 sites (about 2e-4 here)
    res = run_cli("solve", path, "--time-limit", "2", "--mip-gap", "1e-6", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["status"] in ("feasible", "optimal")
    if out["mip_gap"] is None:
        assert "has no bound" in out["mip_gap_note"]
    else:
        assert out["bound"] is not None and out["bound"] >= out["capacity_mw"] * (1 - 1e-9)
        assert out["status"] == "feasible" or out["mip_gap"] <= 1e-6


def test_no_plan_when_the_limit_stops_the_search_first(tmp_path):
    data = with_commitments(large(), 0.2)
    plan = planner.solve(planner.parse_instance(data), time_limit=0.01)
    assert plan.status is Status.no_plan
    assert plan.capacity_mw is None and plan.tables["capacity"].empty
    assert plan.message
    res = run_cli("solve", write(tmp_path, data), "--time-limit", "0.01", "--json")
    assert res.exit_code == 4, res.output
    assert json.loads(res.stdout)["status"] == "no_plan"


# ------------------------------------------------------------ determinism
def test_the_same_instance_and_options_give_the_same_plan_twice():
    inst = planner.parse_instance(large(sites=6, periods=8, seed=2))
    first = planner.solve(inst, mip_gap=1e-4, seed=0)
    second = planner.solve(inst, mip_gap=1e-4, seed=0)
    assert first.status is Status.optimal
    a, b = first.to_dict(), second.to_dict()
    assert a["tables"] == b["tables"]
    for key in ("status", "capacity_mw", "total_cost", "co2_mt", "mip_gap", "bound"):
        assert a[key] == b[key], key
    assert [s["value"] for s in a["stages"]] == [s["value"] for s in b["stages"]]


# ------------------------------------------------------------ --out DIR
def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


@pytest.fixture
def written(tmp_path):
    """A directory holding the plan of a successful run."""
    out = tmp_path / "out"
    res = run_cli("solve", TOY, "--out", out)
    assert res.exit_code == 0, res.output
    before = snapshot(out)
    assert "plan.json" in before and len(before) > 3
    return out, before


def test_an_infeasible_run_leaves_the_out_dir_untouched(written):
    out, before = written
    infeasible = ROOT / "tests" / "data" / "infeasible" / "too-early.yaml"
    res = run_cli("solve", infeasible, "--out", out)
    assert res.exit_code == 3, res.output
    assert snapshot(out) == before


def test_a_failure_while_writing_leaves_the_out_dir_untouched(written, monkeypatch):
    out, before = written
    real = planner.io.atomic._write_content
    calls = []

    def failing(path, content):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real(path, content)

    monkeypatch.setattr(planner.io.atomic, "_write_content", failing)
    res = CliRunner().invoke(main, ["solve", str(TOY), "--out", str(out), "--mip-gap", "0"])
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output
    assert "toy-two-sites: optimal" in res.stdout  # the plan is still printed
    assert res.stderr.strip().splitlines() == [
        f"planner: error: the plan could not be written to {out}: No space left on device"
    ]
    assert len(calls) == 3
    assert snapshot(out) == before
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".planner-")] == []


# ------------------------------------------------------------ Ctrl-C
@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("big") / "big.yaml"
    path.write_text(dump_yaml(large(sites=60, periods=16)), encoding="utf-8")
    return path


# The solve logs its progress to stderr; the test waits for a line that says
# where the run is, then interrupts: the same moment on a fast or a busy machine.
CHILD = (
    "import logging, sys; "
    "logging.basicConfig(level=logging.INFO, stream=sys.stderr, format='%(name)s: %(message)s'); "
    "sys.argv = ['planner', 'solve', sys.argv[1]]; "
    "from planner.cli.entry import run; run()"
)


def interrupt(path: Path, ready: str, after: float = 0.0) -> tuple[int, str, str, float]:
    """Run ``planner solve`` (no time limit), wait for a stderr line holding
    ``ready``, then ``after`` seconds more, and send SIGINT; the exit code,
    stdout, stderr and the seconds from SIGINT to exit."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        seen = []
        for line in proc.stderr:  # blocks until the run says it got there
            seen.append(line)
            if ready in line:
                break
        assert proc.poll() is None, f"the solve ended before {ready!r}: {''.join(seen)}"
        time.sleep(after)
        assert proc.poll() is None, "the solve ended before it could be interrupted"
        proc.send_signal(signal.SIGINT)
        sent = time.perf_counter()
        out, err = proc.communicate(timeout=120)
        return proc.returncode, out, "".join(seen) + err, time.perf_counter() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def check_interrupted(code: int, out: str, err: str, seconds: float) -> None:
    assert seconds < 60, f"exited {seconds:.1f} s after SIGINT"  # minutes without it
    assert "Traceback" not in err, err
    if ": feasible" in out or ": optimal" in out:  # it printed a plan
        assert ": feasible" in out.splitlines()[0], out
        assert code == 0
    else:
        # Interrupted before any plan: exit 130 (or 4, no plan) and a line
        # saying so, not a solver failure; stdout, which is for plans, holds
        # nothing else.
        assert code in (130, 4), (code, out, err)
        assert "interrupted" in err + out
        if code == 130:
            assert out == "", out


def test_ctrl_c_once_the_model_is_built(big_file):
    """Interrupted as the first stage begins (its starting plan is sought):
    the libraries are loaded and the model is in HiGHS."""
    check_interrupted(*interrupt(big_file, ready="model handed to HiGHS"))


def test_ctrl_c_while_highs_runs(big_file):
    """Interrupted in the first stage's branch and bound, after its start."""
    check_interrupted(*interrupt(big_file, ready="stage capacity: start", after=1.0))
