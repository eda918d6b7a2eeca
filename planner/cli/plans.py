"""Commands that read a solved plan (``plan.json`` of ``planner solve --out``):
``report`` writes the HTML page, ``show`` prints the plan, ``compare`` prints
two plans side by side.

Register them on the main group with ``main.add_command(report_cmd)`` etc.
Exit codes: 0 success, 1 an unwritable output, 2 a file that is not a plan
(:mod:`planner.results.planfile`), an invalid instance file given with
``--instance``, or an instance the plan is not of. Errors are one line on
stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from planner.cli.common import TOY_PLAN, ExitCode, example, fail
from planner.io.errors import InstanceError
from planner.io.strict_json import dumps

if TYPE_CHECKING:
    from planner.io.schema import Instance
    from planner.results.plan import Plan


def read_plan(path: str) -> Plan:
    """A plan from its JSON file (or the plan.json in a folder), checked
    against the plan file's schema, or one error line and exit 2."""
    from planner.results.planfile import PlanFileError, read_plan_file

    try:
        return read_plan_file(path)
    except PlanFileError as exc:
        fail(str(exc), ExitCode.INVALID)


def _read_instance(path: str, plan: Plan, plan_path: str = "the plan") -> Instance:
    from planner.io.load import load_instance
    from planner.results.planfile import mismatch

    try:
        instance = load_instance(path)
    except InstanceError as exc:
        for line in exc.problems:
            click.echo(line, err=True)
        sys.exit(ExitCode.INVALID)
    problem = mismatch(plan, instance, plan_path, path)
    if problem:
        fail(problem, ExitCode.INVALID)
    return instance


def _read_bottlenecks(path: str) -> list:
    """The bottleneck list of an explanation saved as JSON."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        items = data["bottlenecks"] if isinstance(data, dict) else data
        if not isinstance(items, list) or not all(isinstance(b, dict) for b in items):
            raise ValueError("expected a list of bottlenecks")
        return items
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read bottlenecks {path}: {getattr(exc, 'strerror', None) or exc}")
    except (ValueError, KeyError) as exc:
        fail(f"{path} is not the output of 'planner explain --json': {exc}")


def _explain(plan: Plan) -> list:
    from planner.analysis.explain import explain_plan
    from planner.cli.live import explain_progress

    try:
        with explain_progress() as progress:
            return list(explain_plan(plan, progress=progress).bottlenecks)
    except Exception as exc:  # noqa: BLE001 (the report still needs one clear line)
        fail(f"cannot explain the plan: {exc}")


def _write(path: str, content) -> None:
    """Write one file all or nothing (:func:`planner.io.atomic.write_file`), or
    one error line and exit 1."""
    from planner.io.atomic import write_file

    try:
        write_file(path, content)
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")


@click.command(
    "report",
    epilog=example(TOY_PLAN, "planner report out/toy/plan.json --explain -o out/toy.html"),
)
@click.argument("plan_file", metavar="PLAN.json")
@click.option(
    "--instance",
    "instance_file",
    metavar="FILE",
    help="The instance solved: adds lead times and rented units to the charts (default: none).",
)
@click.option(
    "-o",
    "--out",
    "out",
    default="report.html",
    metavar="FILE",
    help="The HTML file to write (default report.html).",
)
@click.option(
    "--bottlenecks",
    "bottlenecks_file",
    metavar="FILE",
    help="Show the bottlenecks of 'planner explain --json' saved in FILE (default: none).",
)
@click.option(
    "--explain",
    "run_explain",
    is_flag=True,
    help="Compute the bottlenecks now (re-solves the instance the plan carries).",
)
@click.option(
    "--stress",
    "run_stress",
    is_flag=True,
    help="Add a Credit stress section: 'planner stress' of the plan's commitments.",
)
@click.option(
    "--stress-from",
    metavar="YYYY-MM",
    help="The month the stress shocks hit from (default: the horizon's start).",
)
def report_cmd(
    plan_file: str,
    instance_file: str | None,
    out: str,
    bottlenecks_file: str | None,
    run_explain: bool,
    run_stress: bool = False,
    stress_from: str | None = None,
) -> None:
    """Write a self-contained HTML report of a solved plan."""
    from planner.report.html import render_html

    plan = read_plan(plan_file)
    instance = _read_instance(instance_file, plan, plan_file) if instance_file else None
    bottlenecks = None
    if bottlenecks_file:
        bottlenecks = _read_bottlenecks(bottlenecks_file)
    elif run_explain and plan.status.has_plan:
        bottlenecks = _explain(plan)
    stress = _stress(plan, instance, stress_from) if run_stress and plan.status.has_plan else None
    page = render_html(plan, instance, bottlenecks, stress)
    _write(out, page)
    click.echo(f"wrote {out}")


def _stress(plan: Plan, instance, start: str | None):
    from planner.cli.live import count_progress
    from planner.studies.stress import StressError, run_stress

    data = (
        instance.model_dump(mode="json", by_alias=True, exclude_none=True)
        if instance is not None
        else plan.instance_data
    )
    if not data:
        fail("--stress needs the instance: the plan carries none, give --instance")
    try:
        with count_progress("stress shocks") as progress:
            return run_stress(data, plan, start=start, progress=progress)
    except StressError as exc:
        fail(f"--stress: {exc}")


@click.command(
    "show", epilog=example(TOY_PLAN, "planner show out/toy/plan.json --excel out/toy.xlsx")
)
@click.argument("plan_file", metavar="PLAN.json")
@click.option(
    "--excel",
    metavar="FILE",
    help="Also write the tables to this .xlsx workbook, one sheet each (default: none).",
)
def show_cmd(plan_file: str, excel: str | None) -> None:
    """Print a solved plan: summary and main tables."""
    from planner.report.views import show_text, write_excel

    plan = read_plan(plan_file)
    click.echo(show_text(plan))
    if excel:
        _write(excel, lambda p: write_excel(plan, p))
        click.echo(f"\nwrote {excel}")


def _names(a_file: str, b_file: str, a: Plan, b: Plan) -> tuple[str, str]:
    """Column names for the two plans: their instance names if they differ,
    else their file names, else their folders' names, else A and B."""
    candidates = [
        (a.instance_name, b.instance_name),
        (Path(a_file).stem, Path(b_file).stem),
        (Path(a_file).resolve().parent.name, Path(b_file).resolve().parent.name),
    ]
    for na, nb in candidates:
        if na and nb and na != nb:
            return na, nb
    return "A", "B"


@click.command(
    "compare",
    epilog=example(
        TOY_PLAN,
        "planner solve instances/bridge-power.yaml --out out/bridge",
        "planner compare out/toy/plan.json out/bridge/plan.json",
    ),
)
@click.argument("a_file", metavar="A.json")
@click.argument("b_file", metavar="B.json")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the headline figures of both plans as one JSON object.",
)
def compare_cmd(a_file: str, b_file: str, as_json: bool) -> None:
    """Compare two solved plans side by side."""
    from planner.report.views import compare_text

    a, b = read_plan(a_file), read_plan(b_file)
    name_a, name_b = _names(a_file, b_file, a, b)
    if as_json:
        keys = ("status", "capacity_mw", "total_cost", "co2_mt")
        out = {n: {k: p.to_dict()[k] for k in keys} for n, p in ((name_a, a), (name_b, b))}
        click.echo(dumps(out))
        return
    click.echo(compare_text(a, b, name_a, name_b))
