"""Time ``planner solve`` on every shipped instance in instances/.

    python benchmarks/instances.py     # best of 3 per instance, ~1 minute

For each instance: the wall time of the whole command (process start,
imports, validation, build, hand-over, solve, report), best of 3, and from
the best run's ``--json`` output its status and phase timings (the solve
phase is HiGHS and the starting plans of every stage). Results go to
``benchmarks/results/instances.json``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RUNS = 3


def main() -> None:
    exe = shutil.which("planner") or sys.exit("the planner command is not installed")
    rows = []
    for path in sorted((ROOT / "instances").glob("*.yaml")):
        runs = []
        for _ in range(RUNS):
            clock = time.perf_counter()
            proc = subprocess.run(
                [exe, "solve", str(path), "--json"], capture_output=True, text=True
            )
            wall = time.perf_counter() - clock
            out = json.loads(proc.stdout)
            runs.append(
                {
                    "wall_s": wall,
                    "exit": proc.returncode,
                    "status": out["status"],
                    "timings": out.get("timings", {}),
                    "stages": out.get("stages", []),
                }
            )
        best = min(runs, key=lambda r: r["wall_s"])
        rows.append(
            {
                "instance": path.name,
                "best_wall_s": best["wall_s"],
                "walls_s": [r["wall_s"] for r in runs],
                "statuses": [r["status"] for r in runs],
                "best_solve_s": min(r["timings"].get("solve", float("nan")) for r in runs),
                "best": best,
            }
        )
        t = best["timings"]
        print(
            f"{path.name:32s} {best['status']:9s} best wall {best['wall_s']:.2f} s  "
            + "  ".join(f"{k} {v:.2f}" for k, v in t.items()),
            flush=True,
        )
    (HERE / "results" / "instances.json").write_text(
        json.dumps({"load_average": os.getloadavg(), "runs": RUNS, "instances": rows}, indent=1)
    )


if __name__ == "__main__":
    main()
