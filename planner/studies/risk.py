"""Monte Carlo: how a fixed plan holds up when dates slip.

Each sample draws every entry of the instance's ``uncertainty:`` section
(:mod:`planner.io.uncertainty`), moves the dates, and computes the capacity the
plan's commitments put online in the deadline period under the moved dates
(:mod:`planner.studies.evaluate` states the rules). The distribution of that capacity
is reported (mean, P10, P50, P90: the capacity that 10 %, 50 %, 90 % of the
samples fall below), with the probability of reaching a target, and for each
uncertain input alone (the same draws, every other input on time) its mean
loss against the plan on time: the input that hurts most comes first.

Slips are rounded to whole months and dates to periods, so many samples share
one instance: each distinct model is evaluated once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from planner.io.errors import InstanceError
from planner.io.load import parse_instance
from planner.io.uncertainty import MONEY_TYPES, Entry, Uncertainty, sample_slips
from planner.results.plan import Plan
from planner.solver.highs import STOP
from planner.solver.options import SolveOptions
from planner.studies import shocks
from planner.studies.evaluate import (
    Commitments,
    bought_technologies,
    evaluate,
    evaluation_data,
    prepare_keeping,
)
from planner.studies.parallel import (
    Failed,
    NotRun,
    item_done,
    run_until_stopped,
)
from planner.studies.slips import Slips, apply_slips, slips_of, whole_months

HIT = 1e-6  # relative: a capacity this close below the target reaches it


@dataclass
class EvalTask:
    items: list[tuple[str, dict]]  # (key, instance mapping)
    commitments: Commitments
    options: dict
    cases: list[int] = field(default_factory=list)  # how many cases share each item's model


def evaluate_task(task: EvalTask) -> list[tuple[str, str, float | None, str]]:
    """Evaluate a chunk of distinct instances: (key, status, capacity, message)."""
    from planner.studies.parallel import error_line

    options = SolveOptions(**task.options)
    out = []
    for key, data in task.items:
        if STOP.is_set():  # interrupted: the samples left are not evaluated
            break
        try:
            ev = evaluate(data, task.commitments, options)
            result = (key, ev.status, ev.capacity_mw, ev.message)
        except Exception as exc:  # noqa: BLE001 (a failed sample is reported, not fatal)
            result = (key, "error", None, error_line(exc))
        if STOP.is_set():
            break  # a stopped evaluation's capacity is a lower bound only: not kept
        out.append(result)
        item_done(task.cases[len(out) - 1] if len(task.cases) >= len(out) else 1)
    return out


def _key(data: Mapping, commitments: Commitments) -> str:
    """Samples whose models are the same get the same key."""
    inst = parse_instance(evaluation_data(data), source="sample")
    d = prepare_keeping(inst, commitments.tranches)
    money = shocks.money_of(data)
    shocks.apply_to_data(d, money)  # the data shocks, then the rows
    return hashlib.sha1((repr(d) + shocks.fingerprint(money)).encode()).hexdigest()


NOT_EVALUATED = ("interrupted", None, "interrupted before this sample was evaluated")


class Evaluator:
    """Evaluates many date changes of one plan, each distinct model once."""

    def __init__(
        self, data: Mapping, commitments: Commitments, options: SolveOptions, chunk: int = 8
    ):
        self.data = data
        self.commitments = commitments
        self.options = options
        self.chunk = chunk
        self.results: dict[str, tuple[str, float | None, str]] = {}
        self.evaluations = 0
        self.interrupted = False

    def run(
        self,
        cases: list[Slips],
        *,
        workers=None,
        scheduler=None,
        progress: Callable[[int], None] | None = None,
    ) -> list[tuple[str, float | None, str]]:
        keys, todo = [], {}
        seen: dict[tuple, str] = {}
        for slips in cases:
            same = (
                tuple(sorted(slips.grid.items())),
                tuple(sorted(slips.deliveries.items())),
                tuple(sorted(slips.funding.items())),
                shocks.fingerprint(slips.money),
            )
            if same in seen:
                keys.append(seen[same])
                continue
            data = apply_slips(self.data, slips)
            try:
                key = _key(data, self.commitments)
            except InstanceError as exc:
                key = "invalid:" + exc.problems[0]
                self.results[key] = ("invalid", None, exc.problems[0])
            seen[same] = key
            keys.append(key)
            if key not in self.results and key not in todo:
                todo[key] = data
        items = list(todo.items())
        count: dict[str, int] = {}
        for key in keys:
            count[key] = count.get(key, 0) + 1
        opts = dataclasses.asdict(self.options)  # plain data for the workers
        tasks = [
            EvalTask(
                items[k : k + self.chunk],
                self.commitments,
                opts,
                [count[key] for key, _ in items[k : k + self.chunk]],
            )
            for k in range(0, len(items), self.chunk)
        ]
        # progress counts cases: a model shared by many cases ticks for each
        results, stopped = run_until_stopped(
            evaluate_task,
            tasks,
            workers=workers,
            scheduler=scheduler,
            progress=progress,
            weight=lambda t: sum(count[k] for k, _ in t.items),
        )
        if stopped:
            self.interrupted = True
        if progress and not self.interrupted:
            progress(sum(n for k, n in count.items() if k not in todo))
        done = 0
        for task, result in zip(tasks, results, strict=True):
            if isinstance(result, NotRun):
                continue
            if isinstance(result, Failed):
                for key, _ in task.items:
                    self.results[key] = ("error", None, result.error)
                done += len(task.items)
            else:
                for key, status, cap, message in result:
                    self.results[key] = (status, cap, message)
                done += len(result)
        self.evaluations += done
        return [self.results.get(k, NOT_EVALUATED) for k in keys]


@dataclass
class RiskResult:
    instance: str
    samples: pd.DataFrame  # sample, one column of months per input, capacity_mw, status
    inputs: pd.DataFrame  # input, mean_mw, loss_mw, p_target (each input alone)
    plan_mw: float
    nominal_mw: float  # the plan's commitments evaluated on the file's dates
    target_mw: float
    seed: int
    evaluations: int = 0
    seconds: float = 0.0
    failed: int = 0
    extra: dict = field(default_factory=dict)
    interrupted: int = 0  # samples that Ctrl-C or SIGTERM left unevaluated

    @property
    def capacity(self) -> np.ndarray:
        return self.samples["capacity_mw"].dropna().to_numpy(dtype=float)

    def stats(self) -> dict[str, Any]:
        x = self.capacity
        if not len(x):
            return {"samples": 0}
        return {
            "samples": int(len(x)),
            "mean": float(x.mean()),
            "std": float(x.std(ddof=1)) if len(x) > 1 else 0.0,
            "min": float(x.min()),
            "p10": float(np.percentile(x, 10)),
            "p50": float(np.percentile(x, 50)),
            "p90": float(np.percentile(x, 90)),
            "max": float(x.max()),
            "p_target": reach(x, self.target_mw),
        }

    def hurts_most(self) -> str | None:
        """The input whose slips alone cost the most capacity on average
        (None when no input alone costs any)."""
        if self.inputs.empty:
            return None
        top = self.inputs.iloc[0]
        if not top["loss_mw"] > HIT * max(1.0, abs(self.nominal_mw)):
            return None
        return str(top["input"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "instance": self.instance,
            "plan_capacity_mw": self.plan_mw,
            "nominal_capacity_mw": self.nominal_mw,
            "target_mw": self.target_mw,
            "seed": self.seed,
            "capacity_mw": self.stats(),
            "inputs": self.inputs.to_dict(orient="records"),
            "hurts_most": self.hurts_most(),
            "evaluations": self.evaluations,
            "failed_samples": self.failed,
            "interrupted_samples": self.interrupted,
            "seconds": self.seconds,
        }

    def __str__(self) -> str:
        s = self.stats()
        lines = [
            f"{self.instance}: {s.get('samples', 0)} samples (seed {self.seed}), "
            f"{self.evaluations} distinct models evaluated in {self.seconds:.1f} s"
        ]
        lines.append(
            f"  the plan on its dates:  {self.nominal_mw:,.1f} MW online at the deadline"
            f" (planned {self.plan_mw:,.1f} MW)"
        )
        if s.get("samples"):
            lines += [
                f"  capacity at the deadline: mean {s['mean']:,.1f} MW, sd {s['std']:,.1f}",
                f"    P10 {s['p10']:,.1f}   P50 {s['p50']:,.1f}   P90 {s['p90']:,.1f}   "
                f"(min {s['min']:,.1f}, max {s['max']:,.1f})",
                f"  P(capacity >= {self.target_mw:,.1f} MW) = {s['p_target']:.1%}",
            ]
        if self.interrupted:
            lines.append(
                f"  interrupted: {self.interrupted} samples were not evaluated; the "
                "figures are of the samples done"
            )
        if self.failed:
            failed = self.samples["capacity_mw"].isna() & (self.samples["status"] != "interrupted")
            first = self.samples.loc[failed, "message"].iloc[0]
            lines.append(f"  {self.failed} samples could not be evaluated, e.g.: {first}")
        if not self.inputs.empty:
            lines.append("  each uncertain input alone (others on time), worst first:")
            width = max(len(str(n)) for n in self.inputs["input"])
            for r in self.inputs.itertuples(index=False):
                lines.append(
                    f"    {str(r.input):<{width}}  mean {r.mean_mw:>9,.1f} MW   "
                    f"loss {r.loss_mw:>8,.1f} MW   P(target) {r.p_target:.1%}"
                )
            worst = self.hurts_most()
            lines.append(
                f"  hurts most: {worst}"
                if worst
                else "  no input alone costs capacity at the deadline"
            )
        return "\n".join(lines)


def reach(x: np.ndarray, target: float) -> float:
    if not len(x):
        return float("nan")
    return float(np.mean(x >= target - HIT * max(1.0, abs(target))))


def case_count(samples: int, inputs: int, by_input: bool = True) -> int:
    """How many cases :func:`run_risk` evaluates (for a progress bar): the
    plan on its dates, the samples, and each input alone when there are
    several."""
    return 1 + samples * (1 + (inputs if by_input and inputs > 1 else 0))


def run_risk(
    data: Mapping,
    uncertainty: Uncertainty,
    plan: Plan,
    *,
    samples: int = 200,
    seed: int = 0,
    target: float | None = None,
    by_input: bool = True,
    options: SolveOptions | None = None,
    chunk: int = 8,
    workers: int | None = None,
    scheduler: Any = None,
    progress: Callable[[int], None] | None = None,
) -> RiskResult:
    """The distribution of the plan's capacity at the deadline over
    ``samples`` draws of the uncertain dates."""
    started = time.perf_counter()
    STOP.clear()
    options = options or SolveOptions(threads=1)
    commitments = Commitments.from_plan(plan, bought_technologies(data))
    entries, draws = sample_slips(uncertainty, data, samples, seed)
    months = np.vectorize(whole_months)(draws).astype(int) if draws.size else draws.astype(int)
    money = [j for j, e in enumerate(entries) if isinstance(e, MONEY_TYPES)]
    if money:  # a money shock's size is not a number of months: kept as drawn
        months = months.astype(float)
        months[:, money] = draws[:, money]
    labels = _labels(entries)

    def case(row: np.ndarray, only: int | None = None) -> Slips:
        return slips_of(
            [
                (e, float(m))
                for j, (e, m) in enumerate(zip(entries, row, strict=True))
                if only is None or j == only
            ],
            data,
        )

    cases = [Slips()] + [case(months[i]) for i in range(samples)]
    if by_input and len(entries) > 1:  # as case_count()
        for j in range(len(entries)):
            cases += [case(months[i], j) for i in range(samples)]
    ev = Evaluator(data, commitments, options, chunk)
    out = ev.run(cases, workers=workers, scheduler=scheduler, progress=progress)
    nominal = out[0][1]
    table = pd.DataFrame(months, columns=labels)
    table.insert(0, "sample", range(samples))
    table["status"] = [o[0] for o in out[1 : samples + 1]]
    table["capacity_mw"] = [o[1] for o in out[1 : samples + 1]]
    table["message"] = [o[2] for o in out[1 : samples + 1]]
    plan_mw = float(plan.capacity_mw or 0.0)
    target = plan_mw if target is None else float(target)
    rows = []
    if len(entries) == 1:
        x = table["capacity_mw"].dropna().to_numpy(dtype=float)
        rows.append(_input_row(labels[0], x, nominal, target))
    elif by_input:
        for j in range(len(entries)):
            part = out[1 + samples * (j + 1) : 1 + samples * (j + 2)]
            x = np.array([o[1] for o in part if o[1] is not None], dtype=float)
            rows.append(_input_row(labels[j], x, nominal, target))
    inputs = pd.DataFrame(rows, columns=["input", "mean_mw", "loss_mw", "p_target"])
    inputs = inputs.sort_values("loss_mw", ascending=False, kind="stable", ignore_index=True)
    return RiskResult(
        instance=str(data.get("name", "")),
        samples=table,
        inputs=inputs,
        plan_mw=plan_mw,
        nominal_mw=float("nan") if nominal is None else nominal,
        target_mw=target,
        seed=seed,
        evaluations=ev.evaluations,
        seconds=time.perf_counter() - started,
        failed=int((table["capacity_mw"].isna() & (table["status"] != "interrupted")).sum()),
        interrupted=int((table["status"] == "interrupted").sum()),
    )


def _input_row(label: str, x: np.ndarray, nominal: float | None, target: float) -> tuple:
    mean = float(x.mean()) if len(x) else float("nan")
    loss = (nominal - mean) + 0.0 if nominal is not None and len(x) else float("nan")
    if abs(loss) < HIT * max(1.0, abs(nominal or 0.0)):
        loss = 0.0  # solver noise, not a loss
    return (label, mean, loss, reach(x, target))


def _labels(entries: list[Entry]) -> list[str]:
    out: list[str] = []
    for e in entries:
        label = e.label()
        n, base = 2, label
        while label in out:
            label = f"{base} #{n}"
            n += 1
        out.append(label)
    return out
