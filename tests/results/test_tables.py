"""One schema of the plan's tables (planner/results/tables.py): the reader
builds exactly these columns, and docs/plan.md lists them in this order."""

from __future__ import annotations

import re
from pathlib import Path

import planner
from planner.results.tables import COLUMNS, COST_ITEMS, TABLES

ROOT = Path(__file__).resolve().parents[2]


def _documented() -> dict[str, list[str]]:
    """docs/plan.md's table of tables: each row's columns, in order (words in
    parentheses and after a semicolon describe a column, they are none)."""
    out = {}
    for line in (ROOT / "docs" / "plan.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| `(\w+)` \| (.*) \|$", line)
        if not m or m.group(1) not in COLUMNS:
            continue
        cell = m.group(2)
        while re.search(r"\([^()]*\)", cell):
            cell = re.sub(r"\([^()]*\)", "", cell)
        out[m.group(1)] = re.findall(r"`(\w+)`", cell.split(";")[0])
    return out


def test_docs_plan_md_lists_every_table_with_its_columns_in_order():
    assert _documented() == {name: list(cols) for name, cols in COLUMNS.items()}


def test_the_costs_items_are_documented():
    doc = (ROOT / "docs" / "plan.md").read_text(encoding="utf-8")
    row = next(line for line in doc.splitlines() if line.startswith("| `costs` |"))
    assert re.findall(r"`(\w+)`", row.split("items", 1)[1]) == list(COST_ITEMS)


def test_a_solved_plan_has_exactly_these_columns():
    plan = planner.solve(planner.load_instance(ROOT / "instances" / "toy-two-sites.yaml"))
    assert tuple(plan.tables) == TABLES
    for name in TABLES:
        assert tuple(plan.tables[name].columns) == COLUMNS[name], name
