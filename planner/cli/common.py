"""What the commands share: exit codes, one-line errors, the solver and
parallel options (their bounds are those of :mod:`planner.cli.options`),
progress on stderr, and writing CSVs and charts all or nothing."""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import sys
import time
from collections.abc import Callable, Iterator
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from planner.cli import options
from planner.io.errors import InstanceError
from planner.results.status import Status
from planner.solver.options import MIP_GAP, SolveOptions

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger("planner.progress")


class ExitCode(IntEnum):
    """The exit codes of every command (the README lists them)."""

    OK = 0  # a plan was found (optimal or feasible), or the command did its job
    ERROR = 1  # an unexpected error, an unreadable plan, an unwritable output
    INVALID = 2  # an invalid instance, section or option value
    INFEASIBLE = 3  # no plan satisfies the instance
    NO_PLAN = 4  # a limit stopped the search before any plan was found
    VIOLATION = 5  # the verifier found a broken rule
    INTERRUPTED = 130  # Ctrl-C or SIGTERM (what was finished is printed first)


def exit_code(status: Status) -> ExitCode:
    """The exit code of a solve that ended with ``status``."""
    return {
        Status.optimal: ExitCode.OK,
        Status.feasible: ExitCode.OK,
        Status.invalid: ExitCode.INVALID,
        Status.infeasible: ExitCode.INFEASIBLE,
        Status.no_plan: ExitCode.NO_PLAN,
    }[status]


def libraries_loaded() -> None:
    """A command's libraries are loaded: from here a Ctrl-C is a
    KeyboardInterrupt again, which a solve turns into its best plan so far and
    PlannerGroup.invoke into exit 130. So is a SIGTERM when the entry point
    (planner.cli.entry) guarded it with the Ctrl-C guard; a command run in
    another program, as by click's test runner, leaves that program's SIGTERM
    alone."""
    guarded = signal.getsignal(signal.SIGTERM) is signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if guarded:
        signal.signal(signal.SIGTERM, terminated)


def terminated(signum, frame) -> NoReturn:  # noqa: ARG001
    """SIGTERM: the path of Ctrl-C (the best plan found stands, rows done are kept)."""
    raise KeyboardInterrupt


# ----------------------------------------------------------------- helpers
def example(*lines: str) -> str:
    """A command's epilog: its example, each line a command that runs as
    written from the repository's root (tests/cli/test_help.py runs them)."""
    return "\b\nExample:\n" + "\n".join(f"  {line}" for line in lines)


TOY_PLAN = "planner solve instances/toy-two-sites.yaml --out out/toy"


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


def check_plan(plan, study, plan_path: str) -> None:
    """A plan of the study's instance that holds a plan, or one line and exit 2."""
    from planner.results.planfile import mismatch

    problem = mismatch(plan, study.instance, plan_path, study.source)
    if problem:
        fail(problem, ExitCode.INVALID)
    if not plan.status.has_plan:
        fail(f"{plan_path} holds no plan (status {plan.status.value})", ExitCode.INVALID)


@contextlib.contextmanager
def progress_bar(total: int, label: str) -> Iterator[Any]:
    """``update(n)`` of a progress bar on stderr (rich's, counting each
    scenario or sample as it is done; none with --quiet); when stderr is not
    a terminal, a log line ``label: N of TOTAL done`` (shown with -v) as
    work finishes."""
    from planner.cli.live import counter

    if not sys.stderr.isatty():
        done = 0

        def log_line(n: int) -> None:
            nonlocal done
            done += n
            log.info("%s: %d of %d done", label, done, total)

        yield log_line if log.isEnabledFor(logging.INFO) else None
        return
    with counter(total, label) as bar:
        yield None if bar is None else bar.advance


def solve_options(time_limit, mip_gap, threads, seed=0) -> SolveOptions:
    return SolveOptions(time_limit=time_limit, mip_gap=mip_gap, threads=threads, seed=seed)


WRITE_SHARE = 0.02  # of a time limit, kept for printing and writing the outputs


def time_left(time_limit: float | None) -> float | None:
    """What is left of ``--time-limit`` for the work itself: the limit holds
    for the whole command, so the seconds spent since it started (imports,
    reading the instance) and a share for writing its outputs come out."""
    if time_limit is None:
        return None
    from planner.cli import STARTED

    spent = time.perf_counter() - STARTED
    return max(time_limit * (1 - WRITE_SHARE) - spent, 0.01)


def records(df: pd.DataFrame) -> list[dict]:
    return json.loads(df.to_json(orient="records", double_precision=15))


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def write_csv(df: pd.DataFrame, path: str) -> str | None:
    """Write ``df`` to ``path`` all or nothing, spreadsheet-safe; the reason
    it could not be written, or None."""
    from planner.io.atomic import write_file
    from planner.results.spreadsheet import csv_text

    try:
        write_file(path, csv_text(df))
    except OSError as exc:
        return f"cannot write {path}: {exc.strerror or exc}"
    return None


def write_chart(make_figure: Callable[[], Any], path: str) -> str | None:
    """Draw and write a chart all or nothing; the reason it could not be
    written, or None."""
    from planner.io.atomic import write_file

    try:
        fig = make_figure()
        write_file(path, lambda p: fig.savefig(p, format=Path(path).suffix[1:] or "png"))
    except OSError as exc:
        return f"cannot write {path}: {exc.strerror or exc}"
    except ValueError as exc:  # e.g. a file type matplotlib cannot write
        return f"cannot write {path}: {str(exc).splitlines()[0] if str(exc) else exc}"
    return None


def outputs(
    wanted: list[tuple[str | None, Callable[[str], str | None]]],
) -> tuple[list[str], list[str]]:
    """Write each (path, writer) whose path is given; the paths written and
    the error lines."""
    written: list[str] = []
    errors: list[str] = []
    for path, write in wanted:
        if not path:
            continue
        error = write(path)
        (errors if error else written).append(error or path)
    return written, errors


def finish(
    written: list[str],
    errors: list[str],
    as_json: bool,
    interrupted: tuple[int, int, str] | None = None,
) -> None:
    """After the results were printed: say what was written, then each
    error on stderr; exit 130 when Ctrl-C or SIGTERM stopped the run
    (``interrupted``: how many of how many what were done), else 1 if any file
    could not be written."""
    if not as_json:
        for path in written:
            click.echo(f"wrote {path}")
    for line in errors:
        click.echo(f"planner: error: {line}", err=True)
    if interrupted:
        done, total, what = interrupted
        click.echo(f"planner: interrupted: {done} of {plural(total, what)} done", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    if errors:
        sys.exit(ExitCode.ERROR)


def outputs_options(rows: str, chart: str):
    """``--csv FILE`` (the rows, e.g. "the rows"), ``--chart FILE.png`` (the
    chart, e.g. "Chart MW against $M") and ``--json``; no file by default."""

    def decorate(f):
        f = click.option(
            "--json", "as_json", is_flag=True, help="Print one JSON object on stdout."
        )(f)
        f = click.option(
            "--chart", "chart_path", metavar="FILE.png", help=f"{chart} (default: none)."
        )(f)
        return click.option(
            "--csv",
            "csv_path",
            metavar="FILE",
            help=f"Write {rows} to this CSV file (default: none).",
        )(f)

    return decorate


def parallel_options(f):
    f = click.option(
        "--scheduler",
        metavar="ADDRESS",
        help="Run on this Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: local processes).",
    )(f)
    f = click.option(
        "--workers",
        type=options.WORKERS,
        metavar="N",
        help="Local worker processes (default: one per core; 1: no pool).",
    )(f)
    return f


def solver_options(
    time_limit: str = "Wall-clock seconds for each solve (default: no limit).",
    *,
    threads: str | None = "HiGHS threads per solve (default 1).",
    threads_default: int | None = 1,
    seed: str | None = None,
):
    """The solver's options of every command, in one place: ``--time-limit``
    (its help says what the seconds are for), ``--mip-gap`` (default MIP_GAP,
    the API's), and ``--threads`` and ``--seed`` where the command has them,
    shown in that order, each within the bounds of :mod:`planner.cli.options`
    (finite, a gap in [0, 1), at most MAX_THREADS threads, a seed HiGHS
    takes). Their values make a SolveOptions with :func:`solve_options`."""

    def decorate(f):
        if seed is not None:
            f = click.option("--seed", type=options.SEED, default=0, metavar="N", help=seed)(f)
        if threads is not None:
            f = click.option(
                "--threads",
                type=options.THREADS,
                default=threads_default,
                metavar="N",
                help=threads,
            )(f)
        f = click.option(
            "--mip-gap",
            type=options.MIP_GAP,
            default=MIP_GAP,
            metavar="GAP",
            help=f"Relative MIP gap of each stage, in [0, 1) (default {MIP_GAP:g}).",
        )(f)
        f = click.option(
            "--time-limit", type=options.TIME_LIMIT, metavar="SECONDS", help=time_limit
        )(f)
        return f

    return decorate


GAP = "{:.2%}"


FORMATS = {
    "capacity_mw": "{:,.1f}",
    "total_cost": "{:,.1f}",
    "co2_mt": "{:,.3f}",
    "mip_gap": GAP,
    "solve_s": "{:.2f}",
    "target_mw": "{:,.1f}",
}
