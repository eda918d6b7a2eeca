"""The verifier's base: violations, its own reading of a plan's tables and
of dates (no code shared with the model), and the checks of the facility."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

USES = ("facility", "compute", "power", "grid", "rent")
COST_ITEMS = USES + ("fixed_om", "energy", "interest", "setup")


@dataclass
class Violation:
    rule: str  # one of RULES (or "no_plan" for a plan without tables)
    message: str
    site: str | None = None
    period: int | None = None
    amount: float | None = None  # how far the bound is passed, in the rule's unit

    def __str__(self) -> str:
        where = ([f"site {self.site}"] if self.site is not None else []) + (
            [f"period {self.period}"] if self.period is not None else []
        )
        return f"{self.rule}: " + (", ".join(where) + ": " if where else "") + self.message


def fmt(x: Any) -> str:
    """A number for a message: 38.0, 45.6, and as many digits as it takes
    to show the amount that breaks a rule: 3.5e-05 (not 0.0), 45.60002."""
    if x is None or x != x:
        return "none"
    x = float(x)
    text = f"{x:.4f}".rstrip("0")
    text = text + "0" if text.endswith(".") else text
    if abs(float(text) - x) <= 1e-12 * max(1.0, abs(x)):
        return text
    return f"{x:.10g}"


def num(x: Any) -> float:
    """A table cell as a float; a missing one (None after JSON) is NaN."""
    return math.nan if x is None else float(x)


def rows(plan: Any, table: str) -> list[Any]:
    df = getattr(plan, table, None)
    return [] if df is None or len(df) == 0 else list(df.itertuples(index=False))


class VerifyCalendar:
    """mo, p, u, lead and H of docs/model.md section 1."""

    def __init__(self, horizon: Any) -> None:
        self.y0, self.m0 = self._ym(horizon.start)
        self.pm = int(horizon.period_months)
        self.D = self.p(horizon.deadline)
        self.T, self.H = self.D + 1, 730.0 * self.pm

    @staticmethod
    def _ym(date: Any) -> tuple[int, int]:
        year, month = str(date).split("-")[:2]
        return int(year), int(month)

    def mo(self, date: Any) -> int:
        y, m = self._ym(date)
        return 12 * (y - self.y0) + (m - self.m0)

    def p(self, date: Any) -> int:  # by-dates: the period containing the month
        return self.mo(date) // self.pm

    def u(self, date: Any) -> int:  # from-dates: the first period starting at or after it
        return max(0, -(-self.mo(date) // self.pm))

    def lead(self, months: float) -> int:
        return max(0, math.ceil(float(months) / self.pm - 1e-9))

    def limit(self, limit: Any, t: int) -> float | None:
        """A balance-sheet limit at t: none, a number, or a schedule (4.2)."""
        if limit is None or isinstance(limit, (int, float)):
            return None if limit is None else float(limit)
        value = float(limit[0].value)
        for entry in limit:
            start = getattr(entry, "from_", None) or getattr(entry, "from", None)
            if self.u(start) <= t:
                value = float(entry.value)
        return value


class CheckerBase:
    """Reads the plan's decisions once; one `check_*` method per rule family."""

    def __init__(self, inst: Any, plan: Any, rel_tol: float) -> None:
        self.inst, self.plan, self.rel_tol = inst, plan, rel_tol
        self.cal = VerifyCalendar(inst.horizon)
        self.periods = range(self.cal.T)
        self.sites = {s.name: s for s in inst.sites}
        self.techs = {k.name: k for k in inst.technologies}
        self.sources = {f.name: f for f in inst.funding}
        self.violations: list[Violation] = []

        self.B: dict[tuple, float] = {}  # built MW by (site, t)
        self.C: dict[tuple, float] = {}  # online MW by (site, t)
        for r in rows(plan, "capacity"):
            self.B[r.site, int(r.period)] = float(r.built_mw)
            self.C[r.site, int(r.period)] = float(r.online_mw)
        self.N: dict[tuple, float] = defaultdict(float)  # units by (site, tech, t)
        self.P: dict[tuple, float] = defaultdict(float)  # generation MW by (site, tech, t)
        self.Q: dict[tuple, float] = defaultdict(float)  # grid draw MW by (site, t)
        self.grid_shown: dict[tuple, float] = {}  # the power table's usable grid MW
        for r in rows(plan, "power"):
            t = int(r.period)
            if r.source == "grid":
                self.Q[r.site, t] += float(r.generation_mw)
                self.grid_shown[r.site, t] = num(r.capacity_mw)
            else:
                self.N[r.site, r.source, t] += float(r.units)
                self.P[r.site, r.source, t] += float(r.generation_mw)
        self.chosen = {(r.site, int(r.tranche)): bool(r.chosen) for r in rows(plan, "grid")}
        self.draws = [
            (r.source, r.site, r.use, int(r.period), float(r.draw_musd))
            for r in rows(plan, "funding")
        ]
        self.used = {r.source: bool(r.used) for r in rows(plan, "sources")}
        self.outstanding = self._outstanding()

    # -- helpers ----------------------------------------------------------
    def add(
        self,
        rule: str,
        message: str,
        site: str | None = None,
        period: int | None = None,
        amount: float | None = None,
    ) -> None:
        self.violations.append(Violation(rule, message, site, period, amount))

    def tol(self, *values: float) -> float:
        # Only finite values scale the tolerance: an infinite figure is never
        # within any tolerance of a finite one.
        return self.rel_tol * max([1.0] + [abs(v) for v in values if math.isfinite(v)])

    def over(self, a: float, b: float) -> bool:
        """a > b beyond the tolerance (NaN counts as a breach)."""
        return not a <= b + self.tol(a, b)

    def differ(self, a: float, b: float) -> bool:
        return not abs(a - b) <= self.tol(a, b)

    def built(self, s: str, t: int) -> float:
        return self.B.get((s, t), 0.0)

    def online(self, s: str, t: int) -> float:
        return self.C.get((s, t), 0.0)

    def units(self, s: str, k: str, t: int) -> float:
        return self.N.get((s, k, t), 0.0)

    def _outstanding(self) -> dict[str, list[float]]:
        """O_f(t): cumulative draws of each source (no repayment)."""
        drawn = {f: [0.0] * self.cal.T for f in self.sources}
        for f, _s, _c, t, x in self.draws:
            if f in drawn and t < self.cal.T:
                drawn[f][max(0, t)] += x
        return {f: [sum(xs[: t + 1]) for t in self.periods] for f, xs in drawn.items()}

    # -- 2.1 facility -----------------------------------------------------
    def check_facility(self) -> None:
        for name, s in self.sites.items():
            existing, build = float(s.existing_it_mw), s.build
            lead, prev = self.cal.lead(build.lead_months), existing
            for t in self.periods:
                b, c = self.built(name, t), self.online(name, t)
                if t < lead and self.differ(b, existing):
                    self.add(
                        "built_before_lead",
                        f"built {fmt(b)} MW != existing "
                        f"{fmt(existing)} MW before the build lead (period {lead})",
                        name,
                        t,
                        abs(b - existing),
                    )
                if self.over(prev, b):
                    self.add(
                        "built_nondecreasing",
                        f"built {fmt(b)} MW < {fmt(prev)} MW the period before",
                        name,
                        t,
                        prev - b,
                    )
                if build.max_mw_per_month is not None:
                    rate = float(build.max_mw_per_month) * self.cal.pm
                    if self.over(b - prev, rate):
                        self.add(
                            "build_rate",
                            f"commissioned {fmt(b - prev)} MW > {fmt(rate)} MW per period",
                            name,
                            t,
                            b - prev - rate,
                        )
                if self.over(b, float(s.max_it_mw)):
                    self.add(
                        "max_it_mw",
                        f"built {fmt(b)} MW > max_it_mw {fmt(s.max_it_mw)}",
                        name,
                        t,
                        b - s.max_it_mw,
                    )
                if build.block_mw:
                    blocks = (b - existing) / float(build.block_mw)
                    off = abs(blocks - round(blocks)) * float(build.block_mw)
                    if not off <= self.tol(b):
                        self.add(
                            "built_blocks",
                            f"built {fmt(b - existing)} MW over existing "
                            f"is not a multiple of {fmt(build.block_mw)} MW",
                            name,
                            t,
                            off,
                        )
                if self.over(c, b) or self.over(0.0, c):
                    self.add(
                        "online_le_built",
                        f"online {fmt(c)} MW outside [0, built {fmt(b)} MW]",
                        name,
                        t,
                        max(c - b, -c),
                    )
                prev = b
