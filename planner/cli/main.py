"""The ``planner`` command: a thin layer over the API.

Exit codes (:class:`planner.cli.common.ExitCode`): 0 a plan was found, 1
anything else went wrong, 2 invalid instance or plan file, 3 infeasible, 4 no
plan found within the limits, 5 a plan breaks a rule of the model
(``verify``), 130 Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
import time
from typing import TYPE_CHECKING

import click

from planner.cli.common import (
    TOY_PLAN,
    ExitCode,
    example,
    exit_code,
    fail,
    libraries_loaded,
    pyomo_logs_to_stderr,
    solve_options,
    solver_options,
    time_left,
)
from planner.cli.generate import generate_cmd
from planner.cli.live import explain_progress, stage_progress
from planner.cli.plans import compare_cmd, report_cmd, show_cmd
from planner.cli.robust import robust_cmd
from planner.cli.stress import stress_cmd
from planner.cli.studies import COMMANDS as SCENARIO_COMMANDS
from planner.io.errors import InstanceError
from planner.io.strict_json import dumps
from planner.results.status import Status

if TYPE_CHECKING:
    from planner.results.plan import Plan


# What each command imports before it runs, loaded while the guard of the
# entry point (planner.cli.entry) still holds: a Ctrl-C or SIGTERM while Pyomo,
# HiGHS, pandas or matplotlib load ends the run with one line and exit 130.
PLAN_FILE = "planner.results.planfile"  # reads plan.json files (pydantic, pandas)
LOADS: dict[str, tuple[str, ...]] = {
    "validate": ("planner.io.load",),
    "solve": (
        "planner.solver.session",
        "planner.analysis.verify",
        "planner.report.text",
        "planner.results.export",
    ),
    "verify": ("planner.analysis.verify", "planner.io.load", PLAN_FILE),
    "explain": ("planner.analysis.explain", "planner.io.load", PLAN_FILE),
    "report": (
        "planner.report.html",
        "planner.analysis.explain",
        "planner.io.atomic",
        "planner.studies.stress",
        PLAN_FILE,
    ),
    "show": ("planner.report.views", PLAN_FILE),
    "compare": ("planner.report.views", PLAN_FILE),
    "generate": ("planner.io.generate", "planner.io.load"),
    "sweep": (
        "planner.studies.sweep",
        "planner.report.charts.studies",
        "planner.results.spreadsheet",
    ),
    "risk": (
        "planner.studies.risk",
        "planner.report.charts.studies",
        "planner.results.spreadsheet",
        PLAN_FILE,
    ),
    "robust": ("planner.studies.robust", "planner.results.export", "planner.results.spreadsheet"),
    "frontier": (
        "planner.studies.frontier",
        "planner.report.charts.studies",
        "planner.results.spreadsheet",
    ),
    "stress": (
        "planner.studies.stress",
        "planner.report.charts.studies",
        "planner.results.spreadsheet",
        PLAN_FILE,
    ),
}


HELP_OPTIONS = frozenset(("-h", "--help"))


class PlannerGroup(click.Group):
    """Turn any unexpected error into one line and exit 1 (``--debug`` shows
    the traceback); load what a command needs before it runs."""

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name, cmd, rest = super().resolve_command(ctx, args)
        if cmd is not None and not HELP_OPTIONS.intersection(rest):
            for module in LOADS.get(cmd.name or "", ()):
                importlib.import_module(module)
            pyomo_logs_to_stderr()
        if threading.current_thread() is threading.main_thread():
            # Loaded: from here a Ctrl-C (and a SIGTERM to the planner
            # command) is a KeyboardInterrupt, which a solve turns into its
            # best plan so far and invoke() into exit 130.
            libraries_loaded()
        return name, cmd, rest

    def invoke(self, ctx: click.Context):
        wants_json = "--json" in ctx.args  # the subcommand's arguments, before they are parsed
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            if wants_json:
                click.echo(
                    dumps({"status": "interrupted", "message": "interrupted before any result"})
                )
            click.echo("planner: interrupted", err=True)
            ctx.exit(ExitCode.INTERRUPTED)
        except Exception as exc:  # noqa: BLE001 (the one place errors become a line)
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"planner: error: {type(exc).__name__}: {exc}", err=True)
            ctx.exit(ExitCode.ERROR)


@click.group(
    cls=PlannerGroup,
    context_settings={"help_option_names": sorted(HELP_OPTIONS)},
    epilog=example("planner solve instances/toy-two-sites.yaml"),
)
@click.option("--debug", is_flag=True, help="Show tracebacks of unexpected errors.")
@click.option("-v", "--verbose", is_flag=True, help="Log progress to stderr.")
@click.option(
    "-q", "--quiet", is_flag=True, help="Draw no live progress on stderr (drawn on a terminal)."
)
@click.version_option(package_name="planner")
@click.pass_context
def main(ctx: click.Context, debug: bool, verbose: bool, quiet: bool) -> None:
    """Plan AI data-center capacity by a deadline when power and money bind."""
    ctx.obj = {"debug": debug, "verbose": verbose, "quiet": quiet}
    if verbose:
        logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")


def _load(path: str):
    from planner.io.load import load_instance

    started = time.perf_counter()
    instance = load_instance(path)
    return instance, time.perf_counter() - started


def _invalid(problems: list[str], as_json: bool) -> None:
    if as_json:
        click.echo(dumps({"status": Status.invalid.value, "errors": problems}))
    for line in problems:
        click.echo(line, err=True)
    sys.exit(ExitCode.INVALID)


@main.command("validate", epilog=example("planner validate instances/texas-2028.yaml"))
@click.argument("file", type=click.Path(dir_okay=True))
def validate_cmd(file: str) -> None:
    """Check an instance file: print 'ok' or every problem, one per line."""
    from planner.io.load import load_instance

    try:
        load_instance(file)
    except InstanceError as exc:
        _invalid(exc.problems, as_json=False)
    click.echo("ok")


@main.command("solve", epilog=example(f"{TOY_PLAN} --verify"))
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Write plan.json and one CSV per table to this folder (default: none).",
)
@solver_options(
    "Wall-clock seconds for all stages together (default: no limit).",
    threads="HiGHS threads (default: HiGHS's choice).",
    threads_default=None,
    seed="HiGHS random seed, 0 to 2^31-1 (default 0).",
)
@click.option(
    "--verify",
    "check",
    is_flag=True,
    help="Check the plan against every rule with the independent verifier.",
)
@click.pass_context
def solve_cmd(
    ctx: click.Context,
    file: str,
    as_json: bool,
    out: str | None,
    time_limit: float | None,
    mip_gap: float,
    threads: int | None,
    seed: int,
    check: bool,
) -> None:
    """Solve an instance file and print the plan."""
    from planner.analysis.verify import verify
    from planner.report.text import summary_dict, summary_text
    from planner.solver.session import solve

    try:
        instance, validate_s = _load(file)
    except InstanceError as exc:
        _invalid(exc.problems, as_json)
    if out:
        _check_out(out)
    with stage_progress() as progress:
        plan = solve(
            instance,
            time_limit=time_left(time_limit),
            mip_gap=mip_gap,
            threads=threads,
            seed=seed,
            verbose=ctx.obj["verbose"],
            progress=progress,
        )
    plan.timings = {"validate": validate_s, **plan.timings}
    if not plan.status.has_plan and plan.message.startswith("interrupted"):
        if as_json:
            click.echo(dumps({**summary_dict(plan), "interrupted": True}))
        click.echo("planner: interrupted before any plan was found", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    report = verify(instance, plan) if check and plan.status.has_plan else None
    write_error = _write_out(plan, out) if out and plan.status.has_plan else None
    if as_json:
        summary = summary_dict(plan)
        if plan.message.startswith("interrupted"):
            summary["interrupted"] = True
        if report is not None:
            summary["verified"] = report.ok
            summary["violations"] = [str(v) for v in report.violations]
        if write_error:
            summary["write_error"] = write_error
        click.echo(dumps(summary))
    else:
        click.echo(summary_text(plan))
        if report is not None:
            click.echo("\n" + str(report))
        if out and plan.status.has_plan and not write_error:
            click.echo(f"\nwrote {out}/plan.json and one CSV per table")
    if write_error:
        fail(write_error)
    if report is not None and not report.ok:
        sys.exit(ExitCode.VIOLATION)
    sys.exit(exit_code(plan.status))


def _check_out(out: str) -> None:
    """Refuse an --out that cannot be replaced whole, before any work."""
    from planner.results.export import out_problem

    problem = out_problem(out)
    if problem:
        fail(problem)


def _write_out(plan: Plan, out: str) -> str | None:
    """Write the plan folder; the reason it could not be written, or None."""
    from planner.results.export import write_plan

    try:
        write_plan(plan, out)
    except OSError as exc:
        return f"the plan could not be written to {out}: {exc.strerror or exc}"
    return None


@main.command("verify", epilog=example(TOY_PLAN, "planner verify out/toy/plan.json"))
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def verify_cmd(files: tuple[str, ...]) -> None:
    """Check a plan against every rule of the model, without a solver.

    FILES: INSTANCE PLAN.json, or PLAN.json alone (a plan carries its
    instance). Exit 0 when every rule holds, 5 with one line per violation.
    """
    from planner.analysis.verify import verify
    from planner.io.load import load_instance, parse_instance
    from planner.results.planfile import mismatch

    if len(files) > 2:
        raise click.UsageError("give INSTANCE PLAN.json, or PLAN.json")
    plan = _read_plan(files[-1])
    try:
        if len(files) == 2:
            instance = load_instance(files[0])
        elif plan.instance_data is not None:
            instance = parse_instance(plan.instance_data, source=f"{files[0]}: instance_data")
        else:
            raise click.UsageError("the plan does not carry its instance: give INSTANCE too")
    except InstanceError as exc:
        _invalid(exc.problems, as_json=False)
    if len(files) == 2:
        problem = mismatch(plan, instance, files[1], files[0])
        if problem:
            fail(problem, ExitCode.INVALID)
    report = verify(instance, plan)
    click.echo(str(report))
    sys.exit(ExitCode.OK if report.ok else ExitCode.VIOLATION)


def _read_plan(path: str) -> Plan:
    """The plan of a plan file, or one line and exit 2
    (:mod:`planner.results.planfile`)."""
    from planner.results.planfile import PlanFileError, read_plan_file

    try:
        return read_plan_file(path)
    except PlanFileError as exc:
        fail(str(exc), ExitCode.INVALID)


@main.command("explain", epilog=example(TOY_PLAN, "planner explain out/toy/plan.json"))
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@solver_options(
    "Wall-clock seconds for the whole command: the re-solves share it, and one "
    "stopped by it reports the MW found so far as 'at least' (default: no limit).",
    threads=None,
)
def explain_cmd(file: str, as_json: bool, time_limit: float | None, mip_gap: float) -> None:
    """What binds and what relaxing each limit is worth, in MW at the deadline.

    FILE is a plan.json written by 'planner solve --out' (it carries its
    instance and its choices: the plan is put back as it is, not searched
    for again) or an instance file (solved first, with half the time limit).
    """
    from planner.analysis.explain import NoPlan, explain
    from planner.io.load import load_instance, parse_instance
    from planner.results.planfile import looks_like_plan

    options = solve_options(time_left(time_limit), mip_gap, None)
    plan = None
    if looks_like_plan(file):
        plan = _read_plan(file)
        if plan.instance_data is None:
            fail(
                f"{file}: the plan carries no instance (instance_data is null); give its "
                "instance file instead",
                ExitCode.INVALID,
            )
        try:
            instance = parse_instance(plan.instance_data, source=f"{file}: instance_data")
        except InstanceError as exc:
            _invalid(exc.problems, as_json)
    else:
        try:
            instance = load_instance(file)
        except InstanceError as exc:
            _invalid(exc.problems, as_json)
    try:
        with explain_progress() as progress:
            result = explain(instance, options, progress=progress, plan=plan)
    except NoPlan as exc:
        fail(f"{file}: {exc}", exit_code(exc.status))
    except ValueError as exc:  # planner.solver.replay.ReplayError
        fail(f"{file}: {exc}", ExitCode.INVALID)
    click.echo(dumps(result.to_dict()) if as_json else str(result))


for command in (
    report_cmd,
    show_cmd,
    compare_cmd,
    generate_cmd,
    *SCENARIO_COMMANDS,
    robust_cmd,
    stress_cmd,
):
    main.add_command(command)


if __name__ == "__main__":  # pragma: no cover
    main()
