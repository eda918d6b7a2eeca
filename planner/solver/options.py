"""How every solve runs: :class:`SolveOptions` (one set for every command),
the solver's tolerances, and :class:`SolverError`."""

from __future__ import annotations

from dataclasses import dataclass

MIP_GAP = 1e-4  # the default relative MIP gap of each stage, for the API and every command
NUMERICAL_SAFETY = 1e-9  # docs/model.md 5: may be added to the stage tolerance
SOLVER_FEASIBILITY = 1e-6  # HiGHS's MIP feasibility tolerance: a retry's extra room
# The weight of the next stage's term in a stage's objective (planner.solver.staged):
# small against the stage's own term, large against HiGHS's dual tolerance (1e-7).
LOOKAHEAD = 1e-6


class SolverError(RuntimeError):
    """HiGHS stopped with an error (not a limit, not infeasibility)."""


@dataclass(frozen=True)
class SolveOptions:
    time_limit: float | None = None  # seconds: Session.solve's whole solve (build included)
    mip_gap: float = MIP_GAP  # relative MIP gap of each stage
    threads: int | None = None
    seed: int = 0
    verbose: bool = False  # stream HiGHS's log
    heuristic: bool = True  # start each stage from a rounded or polished plan
    starts: bool = True  # give HiGHS the plan so far as each stage's MIP start (both
    # off: HiGHS alone on the compiled model, as benchmarks/stages.py compares)
    node_limit: int | None = None  # branch-and-bound nodes of each stage: a limit HiGHS
    # counts the same on any machine, where a time limit depends on its speed and load

    def highs_options(self) -> dict:
        options: dict = {"random_seed": self.seed, "output_flag": self.verbose}
        if self.node_limit is not None:
            options["mip_max_nodes"] = self.node_limit
        if self.threads:
            import highspy  # only a solve needs HiGHS; options are read by every command

            # HiGHS fixes its thread pool at the first run in a process; a new
            # thread count needs the pool reset first.
            highspy.Highs.resetGlobalScheduler(True)
            options["threads"] = self.threads
        return options
