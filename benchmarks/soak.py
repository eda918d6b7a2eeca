"""Soak: solve and verify many generated instances, and count the clean plans.

Two sources of instances:

* the property tests' strategy (tests/strategies.py), drawn under several
  hypothesis seeds: 1-3 sites, 2-8 periods of 1 to 12 months, every stage
  list, commitments, rented and bought units, schedules, funding and limits;
* the generator of ``planner generate`` (planner/io/generate.py) under its own
  seeds: larger, realistic instances at 1, 3, 6 and 12 months a period.

Each instance is solved (MIP gap 1e-4) and its plan checked: the verifier
finds no violation; without a time limit the status is optimal, or
infeasible only when the instance has commitments; the last stage reports
the value the plan achieves and each earlier stage holds within its
tolerance; the plan read back from its JSON verifies too. A failing
instance is written to ``--failures`` as YAML, with the command that
reproduces it.

    python benchmarks/soak.py                     # 2,000 instances
    python benchmarks/soak.py --seeds 0 1 --examples 300 --generated 100
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # strategies.py

import yaml  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import seed as hseed  # noqa: E402
from strategies import instances  # noqa: E402

import planner  # noqa: E402
from planner.io.generate import dump_yaml, generate_instance  # noqa: E402

MAXIMIZE = {"capacity": True, "capacity_time": True, "cost": False, "co2": False}
DEFAULT_STAGES = ["capacity", "capacity_time", "cost"]


def problems(data: dict) -> list[str]:
    """What is wrong with the solved plan of ``data`` (empty: clean)."""
    inst = planner.parse_instance(data, source="soak.yaml")
    plan = planner.solve(inst, mip_gap=1e-4)
    committed = any(c["it_mw"] > 0 for s in data["sites"] for c in s.get("commitments", []))
    if plan.status is planner.Status.infeasible:
        return [] if committed else ["infeasible without commitments"]
    if plan.status is not planner.Status.optimal:
        return [f"status {plan.status.value}: {plan.message}"]
    out = [str(v) for v in planner.verify(inst, plan).violations]
    again = planner.Plan.from_json(plan.to_json())
    out += [f"after JSON: {v}" for v in planner.verify(inst, again).violations]
    objective = data.get("objective", {})
    stages = objective.get("stages", DEFAULT_STAGES)
    tolerance = objective.get("tolerance", 1e-6)
    pm = data["horizon"].get("period_months", 3)
    achieved = {
        "capacity": plan.capacity_mw,
        "capacity_time": pm * float(plan.tables["capacity"]["online_mw"].sum()),
        "cost": plan.total_cost,
        "co2": plan.co2_mt,
    }
    if [s.term for s in plan.stages] != list(stages):
        out.append(f"stages {[s.term for s in plan.stages]}, asked {stages}")
        return out
    for i, stage in enumerate(plan.stages):
        value, reported = achieved[stage.term], stage.value
        noise = 1e-6 * max(1.0, abs(reported))
        if i == len(plan.stages) - 1:
            if abs(value - reported) > noise:
                out.append(f"last stage {stage.term} reports {reported!r}, plan has {value!r}")
            continue
        held = (tolerance + 1e-9) * max(1.0, abs(reported)) + noise
        worse = (reported - value) if MAXIMIZE[stage.term] else (value - reported)
        if worse > held:
            out.append(
                f"stage {stage.term} held at {reported!r}, plan has {value!r} "
                f"(beyond the hold by {worse - held:.3g})"
            )
    return out


class Soak:
    def __init__(self, failures: Path):
        self.failures_dir = failures
        self.count = self.clean = 0
        self.failed: list[tuple[str, Path, list[str]]] = []

    def check(self, label: str, data: dict) -> None:
        self.count += 1
        try:
            found = problems(data)
        except Exception:  # a crash is a failure to report, not to stop on
            found = ["crash: " + traceback.format_exc(limit=3).strip().splitlines()[-1]]
        if not found:
            self.clean += 1
            return
        self.failures_dir.mkdir(parents=True, exist_ok=True)
        path = self.failures_dir / f"{label}.yaml"
        path.write_text(
            dump_yaml(data) if "description" in data else yaml.safe_dump(data, sort_keys=False)
        )
        self.failed.append((label, path, found))
        print(f"FAIL {label}: {found[0]}", flush=True)

    def drawn(self, seed: int, examples: int) -> int:
        """``examples`` instances of tests/strategies.py under hypothesis seed ``seed``."""
        start, n = self.count, [0]

        @hseed(seed)
        @settings(
            max_examples=examples,
            database=None,
            deadline=None,
            derandomize=False,
            phases=(Phase.generate,),
            suppress_health_check=list(HealthCheck),
        )
        @given(instances())
        def run(data):
            n[0] += 1
            self.check(f"drawn-seed{seed}-{n[0]}", data)

        run()
        return self.count - start

    def generated(self, count: int) -> int:
        """``count`` instances of planner/io/generate.py, sizes and resolutions cycled."""
        shapes = [
            (1, 6, 1, 2, 3),
            (2, 8, 2, 3, 3),
            (3, 6, 2, 4, 6),
            (2, 12, 1, 2, 1),
            (4, 5, 3, 4, 12),
            (3, 10, 2, 3, 3),
        ]
        for seed in range(count):
            sites, periods, techs, sources, pm = shapes[seed % len(shapes)]
            data = generate_instance(sites, periods, techs, sources, seed, period_months=pm)
            self.check(f"generated-{sites}x{periods}-k{techs}-f{sources}-pm{pm}-s{seed}", data)
        return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seeds",
        type=int,
        nargs="*",
        default=[0, 1, 2, 3],
        help="hypothesis seeds (default 0 1 2 3)",
    )
    parser.add_argument("--examples", type=int, default=450, help="instances per seed")
    parser.add_argument(
        "--generated", type=int, default=200, help="instances of planner/io/generate.py"
    )
    parser.add_argument(
        "--failures",
        type=Path,
        default=HERE / "results" / "soak-failures",
        help="where failing instances are written",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("PYTHONHASHSEED", "0")

    soak = Soak(args.failures)
    started = time.perf_counter()
    for seed in args.seeds:
        clock = time.perf_counter()
        n = soak.drawn(seed, args.examples)
        print(
            f"hypothesis seed {seed}: {n} instances in {time.perf_counter() - clock:.0f} s",
            flush=True,
        )
    clock = time.perf_counter()
    n = soak.generated(args.generated)
    print(f"generator: {n} instances in {time.perf_counter() - clock:.0f} s", flush=True)
    elapsed = time.perf_counter() - started

    print(
        f"\n{soak.clean} of {soak.count} plans verify clean "
        f"({len(soak.failed)} failures) in {elapsed:.0f} s "
        f"({math.floor(elapsed / 60)} min {elapsed % 60:.0f} s)"
    )
    for label, path, found in soak.failed:
        print(f"- {label}: {found[0]}" + (f" (+{len(found) - 1} more)" if len(found) > 1 else ""))
        print(f"    reproduce: planner solve {path} --verify")
    return 0 if not soak.failed else 1


if __name__ == "__main__":
    sys.exit(main())
