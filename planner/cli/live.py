"""Live progress on stderr, drawn by rich: only when stderr is a terminal and
``--quiet`` was not given; stdout (plans, JSON) is never touched. rich is
imported only when something is drawn."""

from __future__ import annotations

import contextlib
import math
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import click


def wanted() -> bool:
    """Progress is drawn: stderr is a terminal and --quiet was not given."""
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    if isinstance(obj, dict) and obj.get("quiet"):
        return False
    return sys.stderr.isatty()


def stderr_console() -> Any:
    from rich.console import Console

    return Console(file=sys.stderr, stderr=True)


def number(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x:,.6g}" if abs(x) < 1e6 else f"{x:,.0f}"


def percent(gap: float | None) -> str:
    return "-" if gap is None or not math.isfinite(gap) else f"{100 * gap:.2f}%"


class StageView:
    """The line of the stage being solved (redrawn by rich's Live), and one
    line kept for each stage done. ``tell`` takes the events of
    :mod:`planner.solver.progress`."""

    def __init__(self, console: Any, label: str = "") -> None:
        self.console = console
        self.label = label  # e.g. "re-solve 3 of 9: " before the stage
        self.stage: Any = None  # the StageStarted being solved
        self.started = time.perf_counter()
        self.values: tuple = (None, None, None)
        self.between = "building the model"  # what is done outside a stage

    def tell(self, event: Any) -> None:
        from planner.solver.progress import SolveDone, StageDone, StageStarted, StageUpdate

        if isinstance(event, StageStarted):
            self.stage, self.values = event, (None, None, None)
            self.started = time.perf_counter()
        elif isinstance(event, StageUpdate):
            self.values = (event.incumbent, event.bound, event.gap)
        elif isinstance(event, StageDone):
            self.stage, self.started = None, time.perf_counter()
            last = event.index == event.total or event.value is None
            self.between = "finishing" if last else "holding the stage"
            if not self.label:
                self.console.print(
                    f"stage {event.index} of {event.total} ({event.term}): {event.status}, "
                    f"value {number(event.value)}, bound {number(event.bound)}, "
                    f"gap {percent(event.gap)}, {event.seconds:.1f} s",
                    highlight=False,
                )
        elif isinstance(event, SolveDone):  # an infeasible solve is diagnosed next
            self.stage, self.started = None, time.perf_counter()
            self.between = (
                "finding what makes it infeasible" if event.status == "infeasible" else ""
            )

    def __rich__(self) -> Any:
        from rich.text import Text

        stage = self.stage
        if stage is None:
            seconds = time.perf_counter() - self.started
            return Text(f"{self.label}{self.between} · {seconds:.1f} s" if self.between else "")
        incumbent, bound, gap = self.values
        return Text(
            f"{self.label}stage {stage.index} of {stage.total} ({stage.term}) · "
            f"{time.perf_counter() - self.started:.1f} s · incumbent {number(incumbent)} · "
            f"bound {number(bound)} · gap {percent(gap)}"
        )


@contextlib.contextmanager
def stage_progress(console: Any = None) -> Iterator[Callable[[Any], None] | None]:
    """A ``progress`` callable for a staged solve that draws each stage
    live, or None when nothing is to be drawn (``console`` forces drawing)."""
    if console is None:
        if not wanted():
            yield None
            return
        console = stderr_console()
    from rich.live import Live

    view = StageView(console)
    with Live(view, console=console, refresh_per_second=4, transient=True):
        yield view.tell


class Counter:
    """A bar of ``done of total`` with a label (rich's Progress), for work
    counted in scenarios, samples, points or re-solves."""

    def __init__(self, progress: Any, task: Any) -> None:
        self.progress, self.task = progress, task

    def advance(self, n: int = 1) -> None:
        self.progress.advance(self.task, n)

    def set(self, done: int, total: int, description: str | None = None) -> None:
        fields = {} if description is None else {"description": description}
        self.progress.update(self.task, completed=done, total=total, **fields)


@contextlib.contextmanager
def counter(total: int | None, label: str, console: Any = None) -> Iterator[Counter | None]:
    """A :class:`Counter` drawn on stderr, or None when nothing is to be
    drawn (``console`` forces drawing)."""
    if console is None:
        if not wanted():
            yield None
            return
        console = stderr_console()
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        yield Counter(bar, bar.add_task(label, total=total))


class ExplainView:
    """One bar for explain: the first solve's stage as its description,
    then ``re-solve`` counted done of total."""

    def __init__(self, bar: Counter) -> None:
        self.bar = bar

    def tell(self, event: Any) -> None:
        from planner.analysis.explain import Resolved
        from planner.solver.progress import StageStarted, StageUpdate

        if isinstance(event, Resolved):
            self.bar.set(event.done, event.total, "re-solve")
        elif isinstance(event, StageStarted):
            text = f"solve: stage {event.index} of {event.total} ({event.term})"
            self.bar.set(0, 0, text)
        elif isinstance(event, StageUpdate):
            text = (
                f"solve: stage {event.index} of {event.total} ({event.term}) · "
                f"incumbent {number(event.incumbent)} · bound {number(event.bound)} · "
                f"gap {percent(event.gap)}"
            )
            self.bar.set(0, 0, text)


@contextlib.contextmanager
def explain_progress(console: Any = None) -> Iterator[Callable[[Any], None] | None]:
    """A ``progress`` callable for explain, or None when nothing is to be
    drawn (``console`` forces drawing)."""
    if console is None and not wanted():
        yield None
        return
    with counter(None, "solve", console or stderr_console()) as bar:
        assert bar is not None
        yield ExplainView(bar).tell


@contextlib.contextmanager
def count_progress(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A ``progress(done, total)`` callable drawn as a bar, or None when
    nothing is to be drawn."""
    with counter(None, label) as bar:
        yield None if bar is None else (lambda done, total: bar.set(done, total))
