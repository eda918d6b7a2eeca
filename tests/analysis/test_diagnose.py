"""Infeasible instances are explained in business terms (exit 3)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import planner
from planner.cli.main import main
from planner.solver.diagnose import relaxations

DATA = Path(__file__).parent.parent / "data" / "infeasible"


def explain(name: str) -> planner.Plan:
    plan = planner.solve(planner.load_instance(DATA / f"{name}.yaml"))
    assert plan.status is planner.Status.infeasible
    return plan


@pytest.mark.family("infeasible_status")
def test_commitment_too_early_names_site_amounts_and_reasons():
    """200 MW are due in 2027-10 (period 7); the grid tranche energizes 2028-01
    and supply allows 2 aero units: 2 * 40 * 0.95 = 76 MW of firm power, which
    carries 76 / 1.25 = 60.8 IT MW."""
    (line,) = explain("too-early").explanation
    assert line.startswith("alpha: 200.0 MW committed from 2027-10 (period 7)")
    assert "at most 60.8 MW possible" in line
    assert "tranche 0 (300 MW) energizes 2028-01" in line
    assert "on-site (supply and permit): at most 2 aero units" in line


def test_not_enough_money_says_how_much_more_and_that_cash_and_debt_are_alternatives():
    """200 MW at 10 $M/MW cost 2000 $M; cash gives 1500 and the debt limit lets
    300 of the bond count: 200 $M short, made up by 200 $M more cash or
    200 $M more debt allowed, either alone."""
    header, cash, debt = explain("not-enough-money").explanation
    assert header == "any one of these changes alone makes the instance feasible:"
    assert cash.startswith("funding: source cash") and "(200.0 $M more)" in cash
    assert debt.startswith("money: the on-balance-sheet debt limit needs 200.0 $M more")


def raised(data: dict, r) -> dict:
    """The instance mapping with limit ``r`` raised by ``r.amount``, as a user
    would edit the file."""
    out = copy.deepcopy(data)
    if r.rule in ("on_balance_sheet_debt", "off_balance_sheet"):
        key = {
            "on_balance_sheet_debt": "max_debt_on_balance_sheet",
            "off_balance_sheet": "max_off_balance_sheet",
        }[r.rule]
        out["limits"][key] += r.amount
    elif r.rule in ("max_total_cost", "max_co2"):
        key = {"max_total_cost": "max_total_cost", "max_co2": "max_co2_mt"}[r.rule]
        out["limits"][key] += r.amount
    else:
        field = {
            "source_amount": "amount",
            "source_per_month": "per_month",
            "source_max_per_site": "max_per_site",
        }[r.rule]
        (source,) = [f for f in out["funding"] if f["name"] == r.source]
        source[field] += r.amount
    return out


def status_after(data: dict, changes) -> planner.Status:
    for r in changes:
        data = raised(data, r)
    return planner.solve(planner.parse_instance(data)).status


@pytest.mark.parametrize(
    "name", ["not-enough-money", "two-commitments", "co2-cap", "cash-amount-and-rate"]
)
def test_every_amount_stated_is_enough(name):
    """Each change an explanation states alone makes the instance feasible
    when applied alone; changes stated as "together" do so together (and
    none of them alone does). The amounts are the ones printed."""
    data = yaml.safe_load((DATA / f"{name}.yaml").read_text())
    inst = planner.parse_instance(data)
    found = relaxations(inst)
    assert found
    lines = explain(name).explanation
    for r in found:
        assert any(
            f"{r.amount:,.1f}" in line or f"{r.limit + r.amount:,.5g}" in line for line in lines
        ), (r, lines)
    if found[0].alone:
        for r in found:
            assert status_after(data, [r]).has_plan, r
    else:
        assert status_after(data, found).has_plan, found
        for r in found:
            assert status_after(data, [r]) is planner.Status.infeasible, r


def test_two_commitments_amounts_are_true():
    """250 MW due by 2028-06 at 10 $M/MW cost 2500 $M; cash 1200 and 900 of
    debt allowed give 2100: 400 $M short. Raising the debt limit by less
    (say 300) is not enough, and 400 more cash or 400 more debt each is."""
    header, cash, debt = explain("two-commitments").explanation
    assert header.startswith("any one of these")
    assert "(400.0 $M more)" in cash and "needs 400.0 $M more" in debt
    data = yaml.safe_load((DATA / "two-commitments.yaml").read_text())
    data["limits"]["max_debt_on_balance_sheet"] += 300
    assert planner.solve(planner.parse_instance(data)).status is planner.Status.infeasible


def test_limits_that_must_change_together_are_said_to():
    """Cash of 1000 $M at 50 $M a month cannot pay 2000 $M of halls: more
    cash alone stops at the rate, a higher rate alone at the amount."""
    header, amount, rate = explain("cash-amount-and-rate").explanation
    assert header.startswith("these limits must change together")
    assert "(1,000.0 $M more)" in amount and "per_month" in rate


def test_co2_cap_too_tight_gives_the_least_emission():
    """100 MW online on aero units from 2026-10 through 2027-12 (5 quarters of
    2190 h) at 0.45 t/MWh emit 100 * 2190 * 0.45 * 5 / 1e6 = 0.49275 Mt."""
    (line,) = explain("co2-cap").explanation
    assert line == "co2: max_co2_mt is 0.2 Mt, the commitments emit at least 0.49275 Mt"


def test_cli_exits_3_and_prints_the_explanation():
    res = CliRunner().invoke(main, ["solve", str(DATA / "co2-cap.yaml")])
    assert res.exit_code == 3
    assert "the commitments emit at least 0.49275 Mt" in res.output


def test_limits_short_beside_a_commitment_are_not_said_to_be_enough():
    """too-early with 1,000 $M of cash instead of 10,000: the commitment is
    still too early (60.8 MW possible by 2027-10), and paying for 200 MW needs
    2,140 $M. The money line follows the commitment's under a line that says
    raising the limit does not make the commitment possible on time; and it
    does not: with the 1,140 $M more, the instance is still infeasible."""
    from planner.solver.diagnose import AND_LIMITS

    commitment, heading, cash = explain("too-early-and-short").explanation
    assert commitment.startswith("alpha: 200.0 MW committed from 2027-10")
    assert heading == AND_LIMITS
    assert cash.startswith("funding: source cash") and "(1,140.0 $M more)" in cash
    data = yaml.safe_load((DATA / "too-early-and-short.yaml").read_text())
    data["funding"][0]["amount"] += 1140
    assert planner.solve(planner.parse_instance(data)).status is planner.Status.infeasible
