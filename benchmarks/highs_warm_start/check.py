"""A MIP start that makes HiGHS 1.16.0 report a wrong optimum.

``cost_stage.mps`` is the cost stage (minimize total cost, capacity and
capacity_time held) of ``generate_instance(5, 6, 5, 5, seed=2)`` as the
planner handed it to HiGHS through Pyomo's APPSI interface; ``start.txt`` is
the previous stage's plan, which APPSI passes as the MIP start
(``setSolution``). The start is feasible (row violations ~1e-12, integers
whole).

    python benchmarks/highs_warm_start/check.py

With highspy 1.16.0 and presolve on, the run with the start returns the start
itself (cost 13,052.9) as "optimal" and reports an objective of 12,444.6,
below the true optimum 12,698.0 that the cold run finds. With presolve off,
or with highspy 1.15.1, both runs find 12,698.0.
"""

from __future__ import annotations

from pathlib import Path

import highspy
import numpy as np

HERE = Path(__file__).resolve().parent


def run(start: np.ndarray | None, presolve: str = "choose") -> tuple[str, float, float]:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 1e-4)
    h.setOptionValue("presolve", presolve)
    h.readModel(str(HERE / "cost_stage.mps"))
    lp = h.getLp()
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = list(start)
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    x = np.array(h.getSolution().col_value)
    recomputed = float(np.dot(lp.col_cost_, x) + lp.offset_)
    reported = h.getInfo().objective_function_value
    return h.modelStatusToString(h.getModelStatus()), reported, recomputed


def main() -> None:
    start = np.loadtxt(HERE / "start.txt")
    print(f"highspy {highspy.Highs().version()}")
    for label, x0, presolve in (
        ("cold", None, "choose"),
        ("with start", start, "choose"),
        ("with start, presolve off", start, "off"),
    ):
        status, reported, recomputed = run(x0, presolve)
        flag = "" if abs(reported - recomputed) <= 1e-6 * abs(recomputed) else "  <-- differ"
        print(
            f"{label:26s} {status:8s} reported {reported:12.3f}  "
            f"cost of the returned plan {recomputed:12.3f}{flag}"
        )


if __name__ == "__main__":
    main()
