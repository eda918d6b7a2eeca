"""Commands that read a solved plan (``plan.json`` of ``planner solve --out``):
``report`` writes the HTML page, ``show`` prints the plan, ``compare`` prints
two plans side by side.

Register them on the main group with ``main.add_command(report_cmd)`` etc.
Exit codes: 0 success, 1 an unreadable plan or an unwritable output, 2 an
invalid instance file given with ``--instance``. Errors are one line on stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from planner.cli.common import ExitCode, fail
from planner.io.errors import InstanceError

if TYPE_CHECKING:
    from planner.io.schema import Instance
    from planner.results.plan import Plan


def read_plan(path: str) -> Plan:
    """A plan from its JSON file (or the plan.json in a folder), or one error
    line and exit 1."""
    from planner.results.plan import Plan

    if Path(path).is_dir():
        path = str(Path(path) / "plan.json")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        fail(f"cannot read plan {path}: {reason}")
    try:
        return Plan.from_json(text)
    except Exception as exc:  # noqa: BLE001 (any malformed content is one line)
        detail = f"missing key {exc}" if isinstance(exc, KeyError) else str(exc)
        detail = detail.splitlines()[0] if detail else type(exc).__name__
        fail(f"{path} is not a plan file (plan.json of 'planner solve --out'): {detail}")


def _read_instance(path: str, plan: Plan) -> Instance:
    from planner.io.load import load_instance

    try:
        instance = load_instance(path)
    except InstanceError as exc:
        for line in exc.problems:
            click.echo(line, err=True)
        sys.exit(ExitCode.INVALID)
    periods = instance.calendar.labels()
    if plan.periods and periods != plan.periods:
        fail(f"{path} does not match the plan: its periods run {periods[0]} to "
              f"{periods[-1]}, the plan's {plan.periods[0]} to {plan.periods[-1]}")
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

    try:
        return list(explain_plan(plan).bottlenecks)
    except Exception as exc:  # noqa: BLE001 (the report still needs one clear line)
        fail(f"cannot explain the plan: {exc}")


def _write(path: str, write) -> None:
    try:
        write(path)
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")


@click.command("report")
@click.argument("plan_file", metavar="PLAN.json")
@click.option("--instance", "instance_file", metavar="FILE",
              help="The instance solved: adds lead times and rented units to the charts.")
@click.option("-o", "--out", "out", default="report.html", show_default=True,
              metavar="FILE", help="The HTML file to write.")
@click.option("--bottlenecks", "bottlenecks_file", metavar="FILE",
              help="Show the bottlenecks of 'planner explain --json' saved in FILE.")
@click.option("--explain", "run_explain", is_flag=True,
              help="Compute the bottlenecks now (re-solves the instance the plan carries).")
def report_cmd(plan_file: str, instance_file: str | None, out: str,
               bottlenecks_file: str | None, run_explain: bool) -> None:
    """Write a self-contained HTML report of a solved plan."""
    from planner.report.html import render_html
    from planner.results.export import atomic_write

    plan = read_plan(plan_file)
    instance = _read_instance(instance_file, plan) if instance_file else None
    bottlenecks = None
    if bottlenecks_file:
        bottlenecks = _read_bottlenecks(bottlenecks_file)
    elif run_explain and plan.status.has_plan:
        bottlenecks = _explain(plan)
    page = render_html(plan, instance, bottlenecks)
    _write(out, lambda p: atomic_write(Path(p), page))
    click.echo(f"wrote {out}")


@click.command("show")
@click.argument("plan_file", metavar="PLAN.json")
@click.option("--excel", metavar="FILE",
              help="Also write the tables to this .xlsx workbook, one sheet each.")
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


@click.command("compare")
@click.argument("a_file", metavar="A.json")
@click.argument("b_file", metavar="B.json")
@click.option("--json", "as_json", is_flag=True,
              help="Print the headline figures of both plans as one JSON object.")
def compare_cmd(a_file: str, b_file: str, as_json: bool) -> None:
    """Compare two solved plans side by side."""
    from planner.report.views import compare_text

    a, b = read_plan(a_file), read_plan(b_file)
    name_a, name_b = _names(a_file, b_file, a, b)
    if as_json:
        keys = ("status", "capacity_mw", "total_cost", "co2_mt")
        out = {n: {k: p.to_dict()[k] for k in keys} for n, p in ((name_a, a), (name_b, b))}
        click.echo(json.dumps(out, indent=1))
        return
    click.echo(compare_text(a, b, name_a, name_b))
