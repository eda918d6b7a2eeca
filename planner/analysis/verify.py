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

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

USES = ("facility", "compute", "power", "grid", "rent")
COST_ITEMS = USES + ("fixed_om", "energy", "interest", "setup")
RULES = (
    "built_before_lead", "built_nondecreasing", "build_rate", "max_it_mw", "built_blocks",
    "online_le_built", "grid_tranche_timing", "grid_draw_limit", "units_integer", "unit_lead",
    "onsite_technologies", "bought_units_nondecreasing", "supply_limit", "onsite_permit",
    "generation_limit", "power_balance", "firm_power", "commitment", "spending", "coverage",
    "source_eligibility", "source_window", "source_amount", "source_per_month",
    "source_max_per_site", "source_setup", "on_balance_sheet_debt", "off_balance_sheet",
    "max_total_cost", "max_co2", "reported_capacity", "reported_cost", "reported_co2",
)


@dataclass
class Violation:
    rule: str  # one of RULES (or "no_plan" for a plan without tables)
    message: str
    site: str | None = None
    period: int | None = None
    amount: float | None = None  # how far the bound is passed, in the rule's unit

    def __str__(self) -> str:
        where = ([f"site {self.site}"] if self.site is not None else []) + (
            [f"period {self.period}"] if self.period is not None else [])
        return f"{self.rule}: " + (", ".join(where) + ": " if where else "") + self.message


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


def _fmt(x: Any) -> str:
    """A number for a message: 38.0, 45.6, 0.3333."""
    if x is None or x != x:
        return "none"
    text = f"{float(x):.4f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def _num(x: Any) -> float:
    """A table cell as a float; a missing one (None after JSON) is NaN."""
    return math.nan if x is None else float(x)


def _rows(plan: Any, table: str) -> list[Any]:
    df = getattr(plan, table, None)
    return [] if df is None or len(df) == 0 else list(df.itertuples(index=False))


class _Calendar:
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


class _Checker:
    """Reads the plan's decisions once; one `check_*` method per rule family."""

    def __init__(self, inst: Any, plan: Any, rel_tol: float) -> None:
        self.inst, self.plan, self.rel_tol = inst, plan, rel_tol
        self.cal = _Calendar(inst.horizon)
        self.periods = range(self.cal.T)
        self.sites = {s.name: s for s in inst.sites}
        self.techs = {k.name: k for k in inst.technologies}
        self.sources = {f.name: f for f in inst.funding}
        self.violations: list[Violation] = []

        self.B: dict[tuple, float] = {}  # built MW by (site, t)
        self.C: dict[tuple, float] = {}  # online MW by (site, t)
        for r in _rows(plan, "capacity"):
            self.B[r.site, int(r.period)] = float(r.built_mw)
            self.C[r.site, int(r.period)] = float(r.online_mw)
        self.N: dict[tuple, float] = defaultdict(float)  # units by (site, tech, t)
        self.P: dict[tuple, float] = defaultdict(float)  # generation MW by (site, tech, t)
        self.Q: dict[tuple, float] = defaultdict(float)  # grid draw MW by (site, t)
        self.grid_shown: dict[tuple, float] = {}  # the power table's usable grid MW
        for r in _rows(plan, "power"):
            t = int(r.period)
            if r.source == "grid":
                self.Q[r.site, t] += float(r.generation_mw)
                self.grid_shown[r.site, t] = _num(r.capacity_mw)
            else:
                self.N[r.site, r.source, t] += float(r.units)
                self.P[r.site, r.source, t] += float(r.generation_mw)
        self.chosen = {(r.site, int(r.tranche)): bool(r.chosen) for r in _rows(plan, "grid")}
        self.draws = [(r.source, r.site, r.use, int(r.period), float(r.draw_musd))
                      for r in _rows(plan, "funding")]
        self.used = {r.source: bool(r.used) for r in _rows(plan, "sources")}
        self.outstanding = self._outstanding()

    # -- helpers ----------------------------------------------------------
    def add(self, rule: str, message: str, site: str | None = None,
            period: int | None = None, amount: float | None = None) -> None:
        self.violations.append(Violation(rule, message, site, period, amount))

    def tol(self, *values: float) -> float:
        return self.rel_tol * max([1.0] + [abs(v) for v in values if v == v])

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
                    self.add("built_before_lead", f"built {_fmt(b)} MW != existing "
                             f"{_fmt(existing)} MW before the build lead (period {lead})",
                             name, t, abs(b - existing))
                if self.over(prev, b):
                    self.add("built_nondecreasing", f"built {_fmt(b)} MW < {_fmt(prev)} MW "
                             "the period before", name, t, prev - b)
                if build.max_mw_per_month is not None:
                    rate = float(build.max_mw_per_month) * self.cal.pm
                    if self.over(b - prev, rate):
                        self.add("build_rate", f"commissioned {_fmt(b - prev)} MW > "
                                 f"{_fmt(rate)} MW per period", name, t, b - prev - rate)
                if self.over(b, float(s.max_it_mw)):
                    self.add("max_it_mw", f"built {_fmt(b)} MW > max_it_mw "
                             f"{_fmt(s.max_it_mw)}", name, t, b - s.max_it_mw)
                if build.block_mw:
                    blocks = (b - existing) / float(build.block_mw)
                    off = abs(blocks - round(blocks)) * float(build.block_mw)
                    if not off <= self.tol(b):
                        self.add("built_blocks", f"built {_fmt(b - existing)} MW over existing "
                                 f"is not a multiple of {_fmt(build.block_mw)} MW", name, t, off)
                if self.over(c, b) or self.over(0.0, c):
                    self.add("online_le_built", f"online {_fmt(c)} MW outside "
                             f"[0, built {_fmt(b)} MW]", name, t, max(c - b, -c))
                prev = b

    # -- 2.2 grid ---------------------------------------------------------
    def usable_from(self, tranche: Any) -> int:
        if tranche.energized is not None:
            return self.cal.u(tranche.energized)
        return self.cal.lead(tranche.wait_months)

    def grid_mw(self, name: str, t: int | None) -> float:
        """G[s,t]; with t None, the MW of every chosen tranche, usable or not."""
        grid = self.sites[name].grid
        if grid is None:
            return 0.0
        return sum(float(g.mw) for i, g in enumerate(grid.tranches) if self.chosen.get(
            (name, i), False) and (t is None or t >= self.usable_from(g)))

    def check_grid_timing(self) -> None:
        for r in _rows(self.plan, "grid"):
            s = self.sites.get(r.site)
            tranches = s.grid.tranches if s is not None and s.grid is not None else []
            if not 0 <= int(r.tranche) < len(tranches):
                if bool(r.chosen):
                    self.add("grid_tranche_timing", f"chosen tranche {r.tranche} does not "
                             "exist", r.site)
            elif int(r.usable_from) != self.usable_from(tranches[int(r.tranche)]):
                self.add("grid_tranche_timing", f"tranche {r.tranche} reported usable from "
                         f"period {r.usable_from}, not "
                         f"{self.usable_from(tranches[int(r.tranche)])}", r.site)
        for (name, t), shown in self.grid_shown.items():
            if name in self.sites and 0 <= t < self.cal.T:
                g = self.grid_mw(name, t)
                if self.differ(shown, g):
                    self.add("grid_tranche_timing", f"reported usable grid {_fmt(shown)} MW "
                             f"!= {_fmt(g)} MW of the chosen tranches", name, t, shown - g)

    # -- 2.3 and 3: units, permit and supply --------------------------------
    def check_units(self) -> None:
        for name, s in self.sites.items():
            allowed = set() if s.onsite is None else (
                set(self.techs) if s.onsite.technologies is None else set(s.onsite.technologies))
            nameplate: dict[int, float] = defaultdict(float)
            for kname in sorted({k for (sn, k, _t) in self.N if sn == name} | set(self.techs)):
                k, prev = self.techs.get(kname), 0.0
                for t in self.periods:
                    n, gen = self.units(name, kname, t), self.P.get((name, kname, t), 0.0)
                    if kname not in allowed and (self.over(n, 0) or self.over(gen, 0)):
                        self.add("onsite_technologies", f"{_fmt(n)} units of {kname}, which "
                                 "this site may not use", name, t, n)
                    if k is None:
                        continue
                    if not abs(n - round(n)) <= self.tol(n) or self.over(0, n):
                        self.add("units_integer", f"{_fmt(n)} units of {kname} is not a "
                                 "whole number", name, t, abs(n - round(n)))
                    lead = self.cal.lead(k.lead_months)
                    if t < lead and self.over(n, 0):
                        self.add("unit_lead", f"{_fmt(n)} units of {kname} online before its "
                                 f"lead (period {lead})", name, t, n)
                    if k.ownership == "buy" and self.over(prev, n):
                        self.add("bought_units_nondecreasing", f"bought {kname} units fall "
                                 f"from {_fmt(prev)} to {_fmt(n)}", name, t, prev - n)
                    nameplate[t] += float(k.unit_mw) * n
                    prev = n
            permit = float(s.onsite.max_mw) if s.onsite is not None else math.inf
            for t, mw in sorted(nameplate.items()):
                if self.over(mw, permit):
                    self.add("onsite_permit", f"on-site nameplate {_fmt(mw)} MW > max_mw "
                             f"{_fmt(permit)}", name, t, mw - permit)

    def check_supply(self) -> None:
        for entry in self.inst.supply:
            for t in self.periods:
                used = sum(self.units(s, entry.technology, t) for s in self.sites)
                delivered = sum(float(d.units) for d in entry.deliveries
                                if self.cal.u(d.date) <= t)
                if self.over(used, delivered):
                    self.add("supply_limit", f"{_fmt(used)} units of {entry.technology} online"
                             f" > {_fmt(delivered)} delivered", None, t, used - delivered)

    # -- 2.3 dispatch, firm power and commitments ----------------------------
    def check_dispatch(self) -> None:
        for name, s in self.sites.items():
            r = float(s.onsite.reserve_margin) if s.onsite is not None else 0.0
            for t in self.periods:
                g, q = self.grid_mw(name, t), self.Q.get((name, t), 0.0)
                firm = generation = 0.0
                for kname, k in self.techs.items():
                    gen = self.P.get((name, kname, t), 0.0)
                    cap = float(k.availability) * float(k.unit_mw) * self.units(name, kname, t)
                    if self.over(gen, cap) or self.over(0, gen):
                        self.add("generation_limit", f"{kname} generates {_fmt(gen)} MW "
                                 f"outside [0, {_fmt(cap)} MW]", name, t, max(gen - cap, -gen))
                    firm, generation = firm + cap, generation + gen
                if self.over(q, g) and not self.over(q, self.grid_mw(name, None)):
                    self.add("grid_tranche_timing", f"grid draw {_fmt(q)} MW > {_fmt(g)} MW "
                             "usable: a chosen tranche is drawn before it is usable",
                             name, t, q - g)
                elif self.over(q, g) or self.over(0, q):
                    self.add("grid_draw_limit", f"grid draw {_fmt(q)} MW outside "
                             f"[0, {_fmt(g)} MW usable]", name, t, max(q - g, -q))
                load = float(s.pue) * self.online(name, t)
                if self.differ(q + generation, load):
                    self.add("power_balance", f"grid {_fmt(q)} + generation {_fmt(generation)}"
                             f" MW != pue * online {_fmt(load)} MW", name, t,
                             q + generation - load)
                firm, required = firm + (1 + r) * g, (1 + r) * load
                if self.over(required, firm):
                    self.add("firm_power", f"firm {_fmt(firm)} MW < required "
                             f"{_fmt(required)} MW", name, t, required - firm)

    def check_commitments(self) -> None:
        for name, s in self.sites.items():
            for cm in s.commitments:
                for t in range(max(0, self.cal.p(cm.by)), self.cal.T):
                    c = self.online(name, t)
                    if self.over(float(cm.it_mw), c):
                        self.add("commitment", f"online {_fmt(c)} MW < committed "
                                 f"{_fmt(cm.it_mw)} MW due {cm.by}", name, t, cm.it_mw - c)

    # -- 4.1 spending and coverage ----------------------------------------
    def spending(self) -> dict[tuple, float]:
        """spend[site, use, t], paid when committed (4.1)."""
        cal, spend = self.cal, defaultdict(float)
        for name, s in self.sites.items():
            prev, lead = float(s.existing_it_mw), cal.lead(s.build.lead_months)
            for t in self.periods:
                added, prev = self.built(name, t) - prev, self.built(name, t)
                spend[name, "facility", max(0, t - lead)] += float(s.build.capex_per_mw) * added
                spend[name, "compute", t] += float(s.compute_capex_per_mw) * added
            for kname, k in self.techs.items():
                prev, lead = 0.0, cal.lead(k.lead_months)
                for t in self.periods:
                    n = self.units(name, kname, t)
                    if k.ownership == "buy":
                        spend[name, "power", max(0, t - lead)] += float(k.capex_per_unit) * (
                            n - prev)
                    else:
                        spend[name, "rent", t] += float(k.rent_per_unit_month) * cal.pm * n
                    prev = n
            for i, g in enumerate(s.grid.tranches if s.grid is not None else []):
                if self.chosen.get((name, i), False):
                    spend[name, "grid", 0 if g.paid is None else cal.p(g.paid)] += float(g.cost)
        return spend

    def check_spending(self, spend: dict[tuple, float]) -> None:
        shown: dict[tuple, float] = defaultdict(float)
        for r in _rows(self.plan, "spending"):
            shown[r.site, r.use, int(r.period)] += float(r.spend_musd)
        for key in sorted(set(spend) | set(shown), key=str):
            a, b = shown.get(key, 0.0), spend.get(key, 0.0)
            if self.differ(a, b):
                self.add("spending", f"{key[1]} spending reported {_fmt(a)} $M, recomputed "
                         f"{_fmt(b)} $M", key[0], key[2], a - b)
        for r in _rows(self.plan, "grid"):
            s = self.sites.get(r.site)
            if s is None or s.grid is None or not 0 <= int(r.tranche) < len(s.grid.tranches):
                continue
            g = s.grid.tranches[int(r.tranche)]
            paid = 0 if g.paid is None else self.cal.p(g.paid)
            if self.differ(float(r.cost_musd), float(g.cost)) or int(r.paid_period) != paid:
                self.add("spending", f"tranche {r.tranche} reported to cost "
                         f"{_fmt(r.cost_musd)} $M in period {r.paid_period}, not "
                         f"{_fmt(g.cost)} $M in period {paid}", r.site)

    def check_coverage(self, spend: dict[tuple, float]) -> None:
        drawn: dict[tuple, float] = defaultdict(float)
        for _f, s, c, t, x in self.draws:
            drawn[s, c, t] += x
        for name in self.sites:
            for use in USES:
                cum_draw = cum_spend = 0.0
                for t in self.periods:
                    cum_draw += drawn.get((name, use, t), 0.0)
                    cum_spend += spend.get((name, use, t), 0.0)
                    if self.over(cum_spend, cum_draw):
                        self.add("coverage", f"{use}: cumulative draws {_fmt(cum_draw)} $M < "
                                 f"cumulative spending {_fmt(cum_spend)} $M", name, t,
                                 cum_spend - cum_draw)

    # -- 4.2 funding sources ----------------------------------------------
    def window(self, src: Any) -> tuple[int, int]:
        first = 0 if src.available is None else self.cal.u(src.available)
        last = self.cal.D if src.until is None else min(self.cal.p(src.until), self.cal.D)
        return first, last

    def check_draws(self) -> None:
        for f, s, c, t, x in self.draws:
            src = self.sources.get(f)
            if src is None:
                self.add("source_eligibility", f"draw of {_fmt(x)} $M on unknown source {f}",
                         s, t, x)
                continue
            if s not in self.sites or (src.sites is not None and s not in src.sites):
                self.add("source_eligibility", f"{f} is not eligible for this site", s, t, x)
            if c not in USES or (src.uses is not None and c not in src.uses):
                self.add("source_eligibility", f"{f} is not eligible for use {c}", s, t, x)
            first, last = self.window(src)
            if not first <= t <= last:
                self.add("source_window", f"{f} drawn {_fmt(x)} $M outside its window "
                         f"(periods {first}..{last})", s, t, x)
            if self.over(0, x):
                self.add("source_amount", f"{f} has a negative draw {_fmt(x)} $M", s, t, -x)

    def check_sources(self) -> None:
        per_site: dict[tuple, float] = defaultdict(float)
        for f, s, _c, _t, x in self.draws:
            per_site[f, s] += x
        shown = {r.source: r for r in _rows(self.plan, "sources")}
        for f, src in self.sources.items():
            total = sum(x for (g, _s), x in per_site.items() if g == f)
            if self.over(total, float(src.amount)):
                self.add("source_amount", f"{f} drawn {_fmt(total)} $M > amount "
                         f"{_fmt(src.amount)} $M", amount=total - src.amount)
            if src.per_month is not None:
                first = self.window(src)[0]
                for t in range(first, self.cal.T):
                    cap, drawn = float(src.per_month) * self.cal.pm * (t - first + 1), \
                        self.outstanding[f][t]
                    if self.over(drawn, cap):
                        self.add("source_per_month", f"{f} drawn {_fmt(drawn)} $M by now > "
                                 f"{_fmt(cap)} $M", None, t, drawn - cap)
            for (g, s), x in sorted(per_site.items()):
                if g == f and src.max_per_site is not None and self.over(x, src.max_per_site):
                    self.add("source_max_per_site", f"{f} drawn {_fmt(x)} $M > max_per_site "
                             f"{_fmt(src.max_per_site)} $M", s, amount=x - src.max_per_site)
            used = self.used.get(f, False)
            if not used and total > self.tol(float(src.amount)):
                self.add("source_setup", f"{f} drawn {_fmt(total)} $M but not marked used "
                         "(setup fee unpaid)", amount=total)
            fee = float(src.setup_cost or 0.0) if used else 0.0
            if f in shown and self.differ(_num(shown[f].setup_cost_musd), fee):
                self.add("source_setup", f"{f} reports a setup fee of "
                         f"{_fmt(shown[f].setup_cost_musd)} $M, not {_fmt(fee)} $M")

    def check_balance_sheet(self) -> None:
        limits = self.inst.limits
        shown = {int(r.period): r for r in _rows(self.plan, "balance_sheet")}
        for rule, what, limit, members, col in (
            ("on_balance_sheet_debt", "on-balance-sheet debt", limits.max_debt_on_balance_sheet,
             [f for f, s in self.sources.items() if s.debt and s.on_balance_sheet], "on_bs_debt"),
            ("off_balance_sheet", "off-balance-sheet money", limits.max_off_balance_sheet,
             [f for f, s in self.sources.items() if not s.on_balance_sheet], "off_bs"),
        ):
            for t in self.periods:
                total = sum(self.outstanding[f][t] for f in members)
                cap = self.cal.limit(limit, t)
                if cap is not None and self.over(total, cap):
                    self.add(rule, f"{what} outstanding {_fmt(total)} $M > limit {_fmt(cap)} $M",
                             None, t, total - cap)
                if t not in shown:
                    continue
                a, a_cap = _num(getattr(shown[t], f"{col}_musd")), \
                    _num(getattr(shown[t], f"{col}_limit_musd"))
                cap_differs = (a_cap != a_cap) != (cap is None) or (
                    cap is not None and self.differ(a_cap, cap))
                if self.differ(a, total) or cap_differs:
                    self.add(rule, f"balance_sheet table shows {_fmt(a)} $M (limit "
                             f"{_fmt(a_cap)}), recomputed {_fmt(total)} $M (limit "
                             f"{_fmt(cap)})", None, t)

    # -- 4.3 cost, CO2 and the reported numbers -----------------------------
    def check_totals(self, spend: dict[tuple, float]) -> None:
        cal, limits, per_mwh = self.cal, self.inst.limits, self.cal.H / 1e6
        items = dict.fromkeys(COST_ITEMS, 0.0)
        for (_s, use, _t), x in spend.items():
            items[use] += x
        co2 = 0.0
        for (name, t), q in self.Q.items():
            grid = self.sites[name].grid if name in self.sites else None
            if grid is not None and 0 <= t < cal.T:
                items["energy"] += float(grid.price_per_mwh) * q * per_mwh
                co2 += float(grid.co2_t_per_mwh) * q * per_mwh
        for (name, kname, t), gen in self.P.items():
            k = self.techs.get(kname)
            if k is not None and name in self.sites and 0 <= t < cal.T:
                items["energy"] += float(k.variable_cost_per_mwh) * gen * per_mwh
                co2 += float(k.co2_t_per_mwh) * gen * per_mwh
        for (name, kname, t), n in self.N.items():
            k = self.techs.get(kname)
            if k is not None and k.ownership == "buy" and name in self.sites and 0 <= t < cal.T:
                items["fixed_om"] += float(k.fixed_om_per_mw_year) * float(k.unit_mw) * n \
                    * cal.pm / 12
        interest = {f: float(src.rate) * cal.pm / 12 * sum(self.outstanding[f])
                    for f, src in self.sources.items()}
        items["interest"] = sum(interest.values())
        items["setup"] = sum(float(src.setup_cost or 0.0) for f, src in self.sources.items()
                             if self.used.get(f, False))
        total = sum(items.values())
        capacity = sum(self.online(name, cal.D) for name in self.sites)

        for rule, name, shown, value in (
            ("reported_capacity", "capacity_mw", self.plan.capacity_mw, capacity),
            ("reported_cost", "total_cost", self.plan.total_cost, total),
            ("reported_co2", "co2_mt", self.plan.co2_mt, co2),
        ):
            if shown is None or self.differ(float(shown), value):
                self.add(rule, f"{name} reported {_fmt(shown)}, recomputed {_fmt(value)}",
                         amount=None if shown is None else float(shown) - value)
        shown_items = {r.item: float(r.cost_musd) for r in _rows(self.plan, "costs")}
        for item in sorted(set(items) | set(shown_items)):
            a, b = shown_items.get(item, 0.0), items.get(item, 0.0)
            if self.differ(a, b):
                self.add("reported_cost", f"cost item {item} reported {_fmt(a)} $M, "
                         f"recomputed {_fmt(b)} $M", amount=a - b)
        for r in _rows(self.plan, "sources"):
            if r.source in interest and self.differ(_num(r.interest_musd), interest[r.source]):
                self.add("reported_cost", f"interest of {r.source} reported "
                         f"{_fmt(r.interest_musd)} $M, recomputed {_fmt(interest[r.source])} $M")
        if limits.max_total_cost is not None and self.over(total, limits.max_total_cost):
            self.add("max_total_cost", f"total cost {_fmt(total)} $M > max_total_cost "
                     f"{_fmt(limits.max_total_cost)} $M", amount=total - limits.max_total_cost)
        if limits.max_co2_mt is not None and self.over(co2, limits.max_co2_mt):
            self.add("max_co2", f"CO2 {_fmt(co2)} Mt > max_co2_mt {_fmt(limits.max_co2_mt)} Mt",
                     amount=co2 - limits.max_co2_mt)

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
        return Report([Violation("no_plan", f"the plan has no tables to check (status "
                                 f"{status})")])
    return _Checker(instance, plan, rel_tol).run()


def verify_files(instance_path: str, plan_path: str, rel_tol: float = 1e-6) -> Report:
    """Load an instance file and a plan's JSON file, and verify the plan."""
    from pathlib import Path

    from planner.io.load import load_instance
    from planner.results.plan import Plan

    instance = load_instance(instance_path)
    plan = Plan.from_json(Path(plan_path).read_text(encoding="utf-8"))
    return verify(instance, plan, rel_tol)
