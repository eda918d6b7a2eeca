"""What the commands share: exit codes, one-line errors, the solver and
parallel options, progress on stderr, and writing CSVs and charts."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections.abc import Iterator
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from planner.io.errors import InstanceError
from planner.results.status import Status
from planner.solver.options import MIP_GAP, SolveOptions

if TYPE_CHECKING:
    import pandas as pd


class ExitCode(IntEnum):
    """The exit codes of every command (the README lists them)."""

    OK = 0  # a plan was found (optimal or feasible), or the command did its job
    ERROR = 1  # an unexpected error, an unreadable plan, an unwritable output
    INVALID = 2  # an invalid instance, section or option value
    INFEASIBLE = 3  # no plan satisfies the instance
    NO_PLAN = 4  # a limit stopped the search before any plan was found
    VIOLATION = 5  # the verifier found a broken rule
    INTERRUPTED = 130  # Ctrl-C


def exit_code(status: Status) -> ExitCode:
    """The exit code of a solve that ended with ``status``."""
    return {
        Status.optimal: ExitCode.OK,
        Status.feasible: ExitCode.OK,
        Status.invalid: ExitCode.INVALID,
        Status.infeasible: ExitCode.INFEASIBLE,
        Status.no_plan: ExitCode.NO_PLAN,
    }[status]


# ----------------------------------------------------------------- helpers
def pyomo_logs_to_stderr() -> None:
    """Pyomo's own log handler writes to stdout, which is for plans and JSON.
    Called by the commands that solve, once they have imported the solver."""
    for handler in logging.getLogger("pyomo").handlers:
        if isinstance(handler, logging.StreamHandler) and handler.stream is sys.stdout:
            handler.setStream(sys.stderr)


def fail(message: str, code: int = ExitCode.ERROR) -> NoReturn:
    click.echo(f"planner: error: {message}", err=True)
    sys.exit(code)


def invalid(lines: list[str]) -> NoReturn:
    for line in lines:
        click.echo(line, err=True)
    sys.exit(ExitCode.INVALID)


def read_study(path: str):
    from planner.io.load import load_study

    try:
        return load_study(path)
    except InstanceError as exc:
        invalid(exc.problems)


@contextlib.contextmanager
def progress_bar(total: int, label: str) -> Iterator[Any]:
    """``update(n)`` of a progress bar on stderr, or None when stderr is not
    a terminal."""
    if total <= 1 or not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr,
                           show_eta=True, show_percent=True) as bar:
        yield bar.update


def solve_options(time_limit, mip_gap, threads, seed=0) -> SolveOptions:
    return SolveOptions(time_limit=time_limit, mip_gap=mip_gap, threads=threads, seed=seed)


def records(df: pd.DataFrame) -> list[dict]:
    return json.loads(df.to_json(orient="records", double_precision=15))


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def write_csv(df: pd.DataFrame, path: str) -> None:
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(path, index=False)
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")


def write_chart(fig, path: str) -> None:
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")


def parallel_options(f):
    f = click.option("--scheduler", metavar="ADDRESS",
                     help="Run on this Dask scheduler, e.g. tcp://10.0.0.5:8786.")(f)
    f = click.option("--workers", type=click.IntRange(min=1), metavar="N",
                     help="Local worker processes (default: one per core; 1: no pool).")(f)
    return f


def solver_options(time_limit: str = "Seconds for each solve.", *,
                   threads: str | None = "HiGHS threads per solve.",
                   threads_default: int | None = 1, seed: str | None = None):
    """The solver's options of every command, in one place: ``--time-limit``
    (its help says what the seconds are for), ``--mip-gap`` (default MIP_GAP,
    the API's), and ``--threads`` and ``--seed`` where the command has them,
    shown in that order. Their values make a SolveOptions with
    :func:`solve_options`."""

    def decorate(f):
        if seed is not None:
            f = click.option("--seed", type=int, default=0, show_default=True, help=seed)(f)
        if threads is not None:
            f = click.option("--threads", type=click.IntRange(min=1), default=threads_default,
                             show_default=threads_default is not None, help=threads)(f)
        f = click.option("--mip-gap", type=click.FloatRange(min=0), default=MIP_GAP,
                         show_default=True)(f)
        f = click.option("--time-limit", type=click.FloatRange(min=0, min_open=True),
                         help=time_limit)(f)
        return f

    return decorate


GAP = "{:.2%}"


FORMATS = {"capacity_mw": "{:,.1f}", "total_cost": "{:,.1f}", "co2_mt": "{:,.3f}",
           "mip_gap": GAP, "solve_s": "{:.2f}", "target_mw": "{:,.1f}"}
