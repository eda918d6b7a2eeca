"""The generator's ranges (technologies, funding kinds, shares) and its seeded
draws, rounded to the precision a planner would write."""

from __future__ import annotations

import random
from typing import Any

from planner.calendar import shift_month

START_YEAR, START_MONTH = 2026, 1


PERIOD_MONTHS = (1, 2, 3, 4, 6, 12)


# Base technologies (DOMAIN.md "Bring-your-own power"), in the order they are
# added. Ranges are (low, high); capex in $M per nameplate MW, rent in $M per
# unit-month for a 35 MW unit, lead time in months.
TECH_KINDS: tuple[dict[str, Any], ...] = (
    dict(
        kind="aero",
        unit_mw=(34, 50),
        ownership="buy",
        capex_per_mw=(1.5, 2.2),
        lead=(12, 24),
        availability=(0.85, 0.95),
        variable=(35, 60),
        co2=(0.45, 0.50),
        fixed_om=(0.015, 0.025),
    ),
    dict(
        kind="mobile",
        unit_mw=(12, 48),
        ownership="rent",
        rent_35mw=(0.15, 0.30),
        lead=(1, 4),
        availability=(0.85, 0.90),
        variable=(45, 70),
        co2=(0.50, 0.55),
    ),
    dict(
        kind="fuelcell",
        unit_mw=(1, 10),
        ownership="buy",
        capex_per_mw=(3.0, 4.5),
        lead=(2, 6),
        availability=(0.95, 0.95),
        variable=(35, 50),
        co2=(0.35, 0.40),
        fixed_om=(0.02, 0.04),
    ),
    dict(
        kind="recip",
        unit_mw=(10, 19),
        ownership="buy",
        capex_per_mw=(1.3, 1.8),
        lead=(30, 36),
        availability=(0.90, 0.95),
        variable=(30, 45),
        co2=(0.36, 0.40),
        fixed_om=(0.02, 0.03),
    ),
    dict(
        kind="solar",
        unit_mw=(80, 120),
        ownership="buy",
        capex_per_mw=(2.2, 2.6),
        lead=(18, 20),
        availability=(0.20, 0.20),
        variable=(0, 0),
        co2=(0, 0),
        fixed_om=(0.01, 0.02),
    ),
)


# Technologies whose deliveries are scarce: gas turbines, engines and fuel cells.
SCARCE = {"aero", "mobile", "recip", "fuelcell"}


SUPPLY_TIGHTNESS = 0.3  # units of all scarce technologies, MW / the sites' on-site permits


# Funding kinds in the order they are added (DOMAIN.md "Money"); annual rates.
SOURCE_ORDER = ("cash", "bond", "equity", "loan", "private_credit", "spv", "lease")


RATES = {
    "cash": (0.0, 0.0),
    "equity": (0.12, 0.20),
    "bond": (0.050, 0.060),
    "loan": (0.060, 0.070),
    "private_credit": (0.10, 0.15),
    "spv": (0.062, 0.070),
    "lease": (0.10, 0.12),
}


# Share of what the sites could usefully spend by the deadline that all
# sources together can fund.
MONEY_SHARE = (0.4, 0.6)


# The balance-sheet limit as a share of the on-balance-sheet debt sources' amounts.
DEBT_LIMIT_SHARE = (0.5, 0.7)


def month_label(months_from_start: int) -> str:
    return shift_month(f"{START_YEAR:04d}-{START_MONTH:02d}", months_from_start)


def rounded(x: float, digits: int = 2) -> float:
    return float(round(x, digits))


def mw_step(x: float, step: float = 50) -> float:
    return float(max(step, step * round(x / step)))


class Draw:
    """A seeded random stream with the few draws the generator needs."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def u(self, lo: float, hi: float) -> float:
        return lo if hi <= lo else self.rng.uniform(lo, hi)

    def i(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def tri(self, lo: float, mode: float, hi: float) -> float:
        return self.rng.triangular(lo, hi, mode)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, items):
        return self.rng.choice(list(items))

    def sample(self, items, n: int) -> list:
        return self.rng.sample(list(items), n)
