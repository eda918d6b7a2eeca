"""The staged solve of docs/model.md 5, one loop for the planner's
:class:`~planner.solver.session.Session` and the robust model.

Stages are solved in order, each with every earlier one held:

- **the hold rule**: a solved stage's term is held at the value found within
  ``(tolerance + NUMERICAL_SAFETY) * max(1, |value|) + give_back`` (docs/model.md
  5 allows the 1e-9 of numerical safety). A held value is HiGHS's, feasible
  only within its MIP feasibility tolerance; so when a later stage finds no
  plan under the holds, they are widened once by
  ``SOLVER_FEASIBILITY * max(1, |value|)`` and that stage is solved again.
  ``give_back`` is 0 for the planner's model (the contract's hold, exactly);
  the robust model gives back SOLVER_FEASIBILITY in every hold, because its
  stage values can overshoot what is reachable by that much and a later stage
  held that tightly finds a plan, but one worse by whole MW (seen on the toy's
  worst-then-expected capacity: 76 instead of 99.5);
- **time**: the first stage gets ``FIRST_STAGE_SHARE`` of a time limit, a later
  one an even share of what is left and half again, the last all that is left,
  less what the clean-up will take (one LP with the choices fixed per stage,
  each as long as the longest such LP so far);
  a stage that finds nothing better in time reports the held plan's value when
  that plan meets every hold;
- **the clean-up** (docs/model-notes.md, "The final clean-up LP"): the
  whole-number choices of the plan found are fixed at their rounded values
  and the stages solved again in order as LPs, each held for the next at the
  value it has with those choices, so the plan read back holds every rule and
  every hold exactly, and each stage reports this plan's value (its gap
  measured against the bound the MIP proved); when no plan has those choices,
  the run ends ``no_plan`` with :data:`UNCLEAN` as its message;
- **the outcome**: ``optimal`` when every stage was solved to the gap,
  ``feasible`` when a limit, a Ctrl-C or a later stage without a plan stopped
  the run after a first plan, else the first stage's own status.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping

from planner.results.status import StageResult, Status
from planner.solver.highs import INF, HighsModel, RunResult
from planner.solver.options import NUMERICAL_SAFETY, SOLVER_FEASIBILITY, SolverError
from planner.solver.progress import Progress, StageStarted, StageUpdate, stage_done

log = logging.getLogger(__name__)


class StagedSolve:
    """The staged loop over one model handed to HiGHS: ``maximize`` gives each
    term's sense; ``heuristic`` starts each stage from a rounded or polished
    plan; ``starts`` gives HiGHS the plan so far as its MIP start (both off:
    HiGHS alone, as benchmarks/stages.py compares)."""

    def __init__(
        self,
        highs: HighsModel,
        maximize: Mapping[str, bool],
        tolerance: float,
        mip_gap: float,
        heuristic: bool = True,
        give_back: float = 0.0,
        starts: bool = True,
        nonnegative: frozenset[str] = frozenset(),
        lookahead_moves: float = math.inf,
    ) -> None:
        self.highs = highs
        self.nonnegative = nonnegative  # terms never below 0: they may look ahead
        # the most the look-ahead's weight can move a stage, relative: none without it
        self.lookahead_moves = lookahead_moves
        self.starts = starts  # give HiGHS the plan so far as its MIP start
        self.give_back = give_back
        self.maximize = maximize
        self.tolerance = tolerance
        self.mip_gap = mip_gap
        self.heuristic = heuristic
        self.hold_rows: dict[str, int] = {}
        self.then: str | None = None  # the stage being solved looks ahead to this term
        self.message = ""  # what the last run has to say beyond its status
        self.progress: Progress | None = None  # told of each stage (planner.solver.progress)

    def release_holds(self) -> None:
        """Free every stage's hold row."""
        for row in self.hold_rows.values():
            self.highs.set_row_bounds(row, -INF, INF)

    def run(self, stages: list[str], limit: float | None) -> tuple[Status, list[StageResult]]:
        """Solve ``stages`` in order within ``limit`` seconds (None: no limit)."""
        self.release_holds()
        self.highs.interrupted = False  # a Ctrl-C stops one run, not the session
        self.message = ""
        deadline = None if limit is None else time.perf_counter() + limit
        results: list[StageResult] = []
        for i, term in enumerate(stages):
            # the clean-up's LPs (one per stage solved) come out of the limit too
            time_left = (
                None
                if deadline is None
                else deadline - time.perf_counter() - (i + 1) * self.highs.fixed_lp_s
            )
            if time_left is not None and time_left <= 0 and results:
                log.info("time limit reached before stage %s", term)
                break
            self._watch(i + 1, len(stages), term)
            self.then = self._lookahead(term, stages[i + 1] if i + 1 < len(stages) else None)
            stage = self.solve_stage(term, _share(time_left, len(stages) - i, i == 0))
            if stage.status is Status.infeasible and results:
                # The held value of a stage is the solver's, feasible within
                # its tolerances (1e-6); if holding it that tightly leaves no
                # plan, hold it within that tolerance and try once more.
                log.info("stage %s infeasible under the held stages: widening them", term)
                for held in results:
                    self.hold(held.term, held.value, extra=SOLVER_FEASIBILITY)
                stage = self.solve_stage(term, _share(time_left, len(stages) - i, i == 0))
            log.info(
                "stage %s: %s, value %s, gap %s", term, stage.status, stage.value, stage.mip_gap
            )
            self.highs.watch = None
            self._tell(stage_done(stage, i + 1, len(stages)))
            if not stage.status.has_plan:
                if not results:
                    return stage.status, [stage]
                break  # a later stage found nothing: the previous plan stands
            results.append(stage)
            if self.highs.interrupted:
                log.info("interrupted in stage %s: the best plan found stands", term)
                break
            if i < len(stages) - 1:
                self.hold(term, stage.value)
        if not self.clean_up(results):
            self.message = UNCLEAN
            return Status.no_plan, results
        self.highs.load()
        complete = len(results) == len(stages)
        optimal = complete and all(s.status is Status.optimal for s in results)
        return (Status.optimal if optimal else Status.feasible), results

    def _tell(self, event) -> None:
        if self.progress is not None:
            self.progress(event)

    def _watch(self, index: int, total: int, term: str) -> None:
        """Tell that a stage starts, and have HiGHS's progress in it told."""
        if self.progress is None:
            return
        self._tell(StageStarted(index, total, term))
        tell = self.progress

        def watch(elapsed, incumbent, bound, mip_gap) -> None:
            tell(StageUpdate(index, total, term, elapsed, incumbent, bound, mip_gap))

        self.highs.watch = watch

    def clean_up(self, results: list[StageResult]) -> bool:
        """Make the plan found exact (the clean-up of the module's doc).
        False when no plan has its rounded choices (say a rounding breaks a
        rule)."""
        self.release_holds()
        values: list[float] = []
        for i, stage in enumerate(results):
            self.highs.set_objective(stage.term, self.maximize[stage.term])
            if self.highs.clean_up() is None:
                if not i:
                    return False
                # the LP could not hold the previous stages that tightly:
                # hold them within the MIP's feasibility tolerance too
                log.info("clean-up LP infeasible under the held stages: widening them")
                for held, value in zip(results[:i], values, strict=True):
                    self.hold(held.term, value, extra=SOLVER_FEASIBILITY)
                if self.highs.clean_up() is None:
                    return False
            values.append(self.highs.value_of_solution())
            if i < len(results) - 1:
                self.hold(stage.term, values[-1])
        for stage, value in zip(results, values, strict=True):
            stage.value = value
            if stage.bound is not None and math.isfinite(stage.bound):
                stage.mip_gap = gap(value, stage.bound, self.maximize[stage.term])
        return True

    def _lookahead(self, term: str, then: str | None) -> str | None:
        """The next stage's term, when this stage may look ahead to it: both
        maximized and the next never negative (its weight then keeps
        HiGHS's bound a bound of this term alone), and a MIP gap at least
        as large as what the weight can move the stage by
        (``lookahead_moves``), so that the stage is still solved to its gap."""
        if then is None or not self.heuristic or self.mip_gap < self.lookahead_moves:
            return None
        both = self.maximize[term] and self.maximize[then]
        return then if both and then in self.nonnegative else None

    def solve_stage(self, term: str, time_left: float | None) -> StageResult:
        self.highs.set_objective(term, self.maximize[term])
        start = None
        if self.heuristic:
            started = time.perf_counter()
            # Rounding the LP relaxation is a fallback worth a little time;
            # polishing the previous stage's plan is worth more.
            share = 0.15 if self.highs.solution is None else 0.5
            start = self.highs.find_start(None if time_left is None else share * time_left)
            log.info(
                "stage %s: start %s found in %.2f s", term, start, time.perf_counter() - started
            )
            if time_left is not None:
                time_left -= time.perf_counter() - started
        if self.then is not None and self._time_to_look_ahead(time_left):
            # the next term in the objective makes the stage's LPs as hard as
            # the next stage's: only with time to spare against its own LP
            self.highs.set_objective(term, self.maximize[term], then=self.then)
        relaxed = self._relaxation_bound(time_left)
        if relaxed is not None and time_left is not None:
            time_left -= relaxed[1]
        res: RunResult = self.highs.run(time_left, self.mip_gap, warm=self.starts)
        if res.status == "error":
            raise SolverError(f"HiGHS failed in the {term} stage: {res.message}")
        if res.status == "infeasible":
            return StageResult(term, None, Status.infeasible, solve_s=res.seconds)
        bound = self._tighter(term, res.bound, None if relaxed is None else relaxed[0])
        if res.value is None and (start is not None or self.held_plan_stands()):
            # No better plan in time (or HiGHS stopped before it kept its
            # start), but the starting plan, or the previous stage's plan,
            # meets every rule and held bound: report its value.
            value = self.highs.value_of_solution()
            return StageResult(term, value, Status.feasible, float("inf"), bound, res.seconds)
        if res.value is None:
            return StageResult(term, None, Status.no_plan, solve_s=res.seconds)
        status = Status.optimal if res.status == "optimal" else Status.feasible
        stage_gap = res.gap
        if bound is not None and bound != res.bound:  # the LP's bound was the tighter
            stage_gap = gap(res.value, bound, self.maximize[term])
        return StageResult(term, res.value, status, stage_gap, bound, res.seconds)

    def _time_to_look_ahead(self, time_left: float | None) -> bool:
        """Whether the stage has LOOKAHEAD_FACTOR times its LP relaxation's
        time (measured by the starting plan) or more: at 2,000 sites the
        look-ahead's LPs kept HiGHS from finishing the capacity stage's root
        in 400 s (a gap of 5,400 %)."""
        solved = self.highs.relaxation_s
        return time_left is None or (solved > 0 and time_left >= LOOKAHEAD_FACTOR * solved)

    def _relaxation_bound(self, time_left: float | None) -> tuple[float, float] | None:
        """A later stage's LP relaxation bound and the seconds it took, when
        its time is too short for HiGHS's MIP to be sure of getting through
        its root (less than ROOT_FACTOR times the first stage's LP
        relaxation): then it may end with no bound, and this LP gives one.
        None otherwise, or when the LP did not finish in a third of the
        time."""
        solved = self.highs.relaxation_s
        if not self.heuristic or time_left is None or solved <= 0:
            return None
        if not self.held_plan_stands() or time_left >= ROOT_FACTOR * solved:
            return None  # the first stage (nothing held yet), or time enough
        clock = time.perf_counter()
        bound = self.highs.relaxation_bound(time_left / 3)
        return None if bound is None else (bound, time.perf_counter() - clock)

    def _tighter(self, term: str, mip: float | None, lp: float | None) -> float | None:
        """The tighter of two bounds of a stage (either may be missing)."""
        found = [b for b in (mip, lp) if b is not None and math.isfinite(b)]
        if not found:
            return mip
        return min(found) if self.maximize[term] else max(found)

    def held_plan_stands(self) -> bool:
        """A later stage starts from the previous stage's plan, which meets
        every bound held so far."""
        return self.highs.solution is not None and any(
            lower > -INF or upper < INF
            for lower, upper in (self.highs.row_bounds(r) for r in self.hold_rows.values())
        )

    def hold(self, term: str, value: float | None, extra: float = 0.0) -> None:
        """Keep a solved stage at its found value within the tolerance."""
        assert value is not None, "only a stage with a plan is held"
        tolerance = self.tolerance
        slack = (tolerance + NUMERICAL_SAFETY + extra) * max(1.0, abs(value)) + self.give_back
        if term not in self.hold_rows:
            self.hold_rows[term] = self.highs.add_term_row(term, -INF, INF)
        row = self.hold_rows[term]
        if self.maximize[term]:
            lower, upper = value - slack, INF
        else:
            lower, upper = -INF, value + slack
        off = float(self.highs.offsets[term])
        self.highs.set_row_bounds(row, lower - off, upper - off)


UNCLEAN = (
    "no exact plan: with its whole-number choices rounded, the solver's best plan "
    "breaks a rule or a stage hold, and no plan with those choices holds them all"
)


def gap(value: float, bound: float, maximize: bool) -> float:
    """The relative gap of a plan's value to a stage's bound, 0 when the
    plan is as good as the bound (within noise)."""
    short = (bound - value) if maximize else (value - bound)
    if short <= 1e-9 * max(1.0, abs(value)):
        return 0.0
    return short / max(abs(value), 1e-9)


LOOKAHEAD_FACTOR = 40  # a first stage looks ahead only with this many LP relaxations' time
ROOT_FACTOR = 20  # a later stage with less time than this many LP relaxations gets its own
FIRST_STAGE_SHARE = 0.7  # of a time limit: capacity at the deadline matters most
LATER_SHARE = 1.0  # times an even share of what is left, for a later stage but the last


def _share(time_left: float | None, stages_left: int, first: bool) -> float | None:
    """A stage's share of the time left. The first stage gets most of it; a
    later one an even share and half again (it starts from the previous
    stage's plan, polished); the last takes all that is left."""
    if time_left is None or stages_left <= 1:
        return time_left
    if first:
        return FIRST_STAGE_SHARE * time_left
    return min(time_left, LATER_SHARE * time_left / stages_left)
