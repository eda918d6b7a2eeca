"""A 50-scenario sweep of shipped instances: re-solves of one built model
against 50 separate builds and solves, and the same sweep on a Dask
LocalCluster and on the local process pool (rows identical to serial).

    python benchmarks/sweep_resolve.py [--repeat 3] [--no-cluster]

Times are the best of ``--repeat`` serial runs (one process, HiGHS on one
thread), after a warm-up that pays the one-time imports.
"""

from __future__ import annotations

import argparse
import logging
import platform
import time
from pathlib import Path

import pandas as pd

from planner.io.load import load_study
from planner.studies.sweep import run_sweep
from planner.studies.vary import Vary

ROOT = Path(__file__).parent.parent
SWEEPS = [
    ("bridge-power", "funding[cash_flow].amount=520:1500:20"),
    ("tight-commitments", "funding[bank_loan].amount=1000:3450:50"),
    ("spv-financing", "limits.max_debt_on_balance_sheet=1000:5900:100"),
]


def best(data, varies, repeat: int, **kw):
    runs = [run_sweep(data, varies, **kw) for _ in range(repeat)]
    return min(runs, key=lambda r: r.seconds)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-cluster", action="store_true")
    args = ap.parse_args()
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    out = []
    cluster = None
    if not args.no_cluster:
        from dask.distributed import LocalCluster

        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
    try:
        for name, text in SWEEPS:
            data = load_study(ROOT / "instances" / f"{name}.yaml").data
            varies = [Vary.parse(text)]
            run_sweep(data, [Vary.parse(text.split(":")[0])], workers=1)  # warm-up
            again = best(data, varies, args.repeat, workers=1, chunk=50)
            fresh = best(data, varies, args.repeat, workers=1, resolve=False)
            assert len(again.rows) == 50 and again.resolves == 49
            row = {
                "instance": name,
                "vary": text,
                "resolve_s": round(again.seconds, 2),
                "separate_s": round(fresh.seconds, 2),
                "speedup": round(fresh.seconds / again.seconds, 2),
                "max_capacity_diff": float(
                    (again.rows["capacity_mw"] - fresh.rows["capacity_mw"]).abs().max()
                ),
            }
            serial = run_sweep(data, varies, workers=1)  # chunks of 10, as the others
            clock = time.perf_counter()
            pooled = run_sweep(data, varies, workers=2)
            row["pool_2_s"] = round(time.perf_counter() - clock, 2)
            row["pool_identical"] = serial.comparable().equals(pooled.comparable())
            if cluster is not None:
                clock = time.perf_counter()
                dist = run_sweep(data, varies, scheduler=cluster.scheduler_address)
                row["dask_2_s"] = round(time.perf_counter() - clock, 2)
                row["dask_identical"] = serial.comparable().equals(dist.comparable())
            out.append(row)
            print(row, flush=True)
    finally:
        if cluster is not None:
            cluster.close()
    print()
    print(
        pd.DataFrame(out).to_markdown(index=False)
        if _has_tabulate()
        else pd.DataFrame(out).to_string(index=False)
    )


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
