"""An independent check of a plan against its instance (docs/model.md, version 1.1).

The verifier reads only the plan's decisions: ``capacity`` (built_mw,
online_mw), ``power`` (units, generation_mw; for source ``grid`` the grid
draw), ``grid`` (chosen), ``funding`` (draw_musd) and ``sources`` (used). From
them it re-derives every rule of docs/model.md in plain Python, and checks the
derived tables (``spending``, ``balance_sheet``, ``costs``, the grid's timing)
and the reported totals against its own recomputation. It shares no code with
the model: no Pyomo, no solver, and its own date arithmetic.

    report = verify(instance, plan)
    if not report.ok:
        print(report)   # one violation per line

A quantity may pass its bound by ``rel_tol * max(1, |a|, |b|)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from planner.analysis.verify_base import Violation
from planner.analysis.verify_money import MoneyChecks
from planner.analysis.verify_power import PowerChecks

RULES = (
    "built_before_lead",
    "built_nondecreasing",
    "build_rate",
    "max_it_mw",
    "built_blocks",
    "online_le_built",
    "grid_tranche_timing",
    "grid_draw_limit",
    "units_integer",
    "unit_lead",
    "onsite_technologies",
    "bought_units_nondecreasing",
    "supply_limit",
    "onsite_permit",
    "generation_limit",
    "power_balance",
    "firm_power",
    "commitment",
    "spending",
    "coverage",
    "source_eligibility",
    "source_window",
    "source_amount",
    "source_per_month",
    "source_max_per_site",
    "source_setup",
    "on_balance_sheet_debt",
    "off_balance_sheet",
    "max_total_cost",
    "max_co2",
    "reported_capacity",
    "reported_cost",
    "reported_co2",
)


@dataclass
class Report:
    violations: list[Violation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    def rules(self) -> set[str]:
        """The names of the rules the plan breaks."""
        return {v.rule for v in self.violations}

    def __str__(self) -> str:
        if self.ok:
            return "plan verified: every rule of the model holds"
        return "\n".join(str(v) for v in self.violations)


class _Checker(PowerChecks, MoneyChecks):
    """Every rule family's checks, run in the order of docs/model.md."""

    def run(self) -> Report:
        self.check_facility()
        self.check_grid_timing()
        self.check_units()
        self.check_supply()
        self.check_dispatch()
        self.check_commitments()
        spend = self.spending()
        self.check_spending(spend)
        self.check_coverage(spend)
        self.check_draws()
        self.check_sources()
        self.check_balance_sheet()
        self.check_totals(spend)
        return Report(self.violations)


def verify(instance: Any, plan: Any, rel_tol: float = 1e-6) -> Report:
    """Check `plan` against every rule of docs/model.md for `instance`.

    A quantity may pass its bound by `rel_tol * max(1, |a|, |b|)`. A plan
    without tables (no plan was found) is reported under the rule `no_plan`.
    """
    if getattr(plan, "capacity", None) is None or len(plan.capacity) == 0:
        status = getattr(plan, "status", None)
        return Report([Violation("no_plan", f"the plan has no tables to check (status {status})")])
    return _Checker(instance, plan, rel_tol).run()


def verify_files(instance_path: str, plan_path: str, rel_tol: float = 1e-6) -> Report:
    """Load an instance file and a plan's JSON file, and verify the plan."""
    from planner.io.load import load_instance
    from planner.results.planfile import read_plan_file

    instance = load_instance(instance_path)
    plan = read_plan_file(plan_path)
    return verify(instance, plan, rel_tol)
