"""The plan's tables: their names, columns and units, in one place.

The reader (planner.results.read) builds each table with these columns, the
views and charts read them, and docs/plan.md documents them (a test holds
the doc to this list). A column's name carries its unit:

- ``_mw``: MW (IT MW for ``built_mw`` and ``online_mw``, electric MW otherwise);
- ``_musd``: $M;
- ``units``, ``_units``: whole units of a technology;
- ``period``, ``usable_from``, ``paid_period``: period numbers t = 0 … D
  (``Plan.periods[t]`` is period t's first month).
"""

from __future__ import annotations

COLUMNS: dict[str, tuple[str, ...]] = {
    "capacity": ("site", "period", "built_mw", "online_mw"),
    "power": ("site", "period", "source", "units", "capacity_mw", "generation_mw"),
    "grid": ("site", "tranche", "mw", "usable_from", "chosen", "cost_musd", "paid_period"),
    "funding": ("source", "site", "use", "period", "draw_musd"),
    "spending": ("site", "use", "period", "spend_musd"),
    "sources": ("source", "drawn_musd", "used", "setup_cost_musd", "interest_musd"),
    "balance_sheet": (
        "period",
        "on_bs_debt_musd",
        "on_bs_debt_limit_musd",
        "off_bs_musd",
        "off_bs_limit_musd",
    ),
    "supply": ("technology", "period", "used_units", "available_units"),
    "costs": ("item", "cost_musd"),
}
TABLES = tuple(COLUMNS)  # in the order of docs/plan.md and of plan.json

# The rows of the costs table, in order (docs/model.md 4.3).
COST_ITEMS = (
    "facility",
    "compute",
    "power",
    "grid",
    "rent",
    "fixed_om",
    "energy",
    "interest",
    "setup",
)


def columns(name: str) -> list[str]:
    """The columns of table ``name``, as a list for pandas."""
    return list(COLUMNS[name])
