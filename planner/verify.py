"""Independent check of a plan against its instance (MODEL.md, version 1.1).

The verifier reads only the plan's decisions -- `capacity` (built_mw,
online_mw), `power` (units, generation_mw; for source `grid` the grid draw),
`grid` (chosen), `funding` (draw_musd) and `sources` (used) -- and re-derives
every rule of MODEL.md from them in plain Python. The derived tables
(`spending`, `balance_sheet`, `supply`, `costs`) and the reported totals are
checked against its own recomputation. It shares no code with the model: no
Pyomo, no solver, and its own date arithmetic.

    report = verify(instance, plan)
    if not report.ok:
        print(report)   # one violation per line
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

USES = ("facility", "compute", "power", "grid", "rent")
COST_ITEMS = USES + ("fixed_om", "energy", "interest", "setup")

RULES = (
    "built_before_lead", "built_nondecreasing", "build_rate", "max_it_mw",
    "built_blocks", "online_le_built", "grid_tranche_timing", "grid_draw_limit",
    "units_integer", "unit_lead", "onsite_technologies",
    "bought_units_nondecreasing", "supply_limit", "onsite_permit",
    "generation_limit", "power_balance", "firm_power", "commitment", "spending",
    "coverage", "source_eligibility", "source_window", "source_amount",
    "source_per_month", "source_max_per_site", "source_setup",
    "on_balance_sheet_debt", "off_balance_sheet", "max_total_cost", "max_co2",
    "reported_capacity", "reported_cost", "reported_co2",
)


def _fmt(x: float) -> str:
    """A number for a message: 38.0, 45.6, 0.3333."""
    text = f"{x:.4f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


@dataclass
class Violation:
    rule: str
    message: str
    site: str | None = None
    period: int | None = None
    amount: float | None = None  # size of the breach, in the rule's unit

    def __str__(self) -> str:
        where = []
        if self.site is not None:
            where.append(f"site {self.site}")
        if self.period is not None:
            where.append(f"period {self.period}")
        prefix = f"{self.rule}: " + (", ".join(where) + ": " if where else "")
        return prefix + self.message


@dataclass
class Report:
    violations: list[Violation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    def rules(self) -> set[str]:
        """The names of the rules that are broken."""
        return {v.rule for v in self.violations}

    def __str__(self) -> str:
        if self.ok:
            return "plan verified: every rule of the model holds"
        return "\n".join(str(v) for v in self.violations)


class _Calendar:
    """mo, p, u, lead and H of MODEL.md section 1."""

    def __init__(self, horizon: Any) -> None:
        self.y0, self.m0 = self._ym(horizon.start)
        self.pm = int(horizon.period_months)
        self.D = self.p(horizon.deadline)
        self.T = self.D + 1
        self.H = 730.0 * self.pm

    @staticmethod
    def _ym(d: Any) -> tuple[int, int]:
        year, month = str(d).split("-")[:2]
        return int(year), int(month)

    def mo(self, d: Any) -> int:
        y, m = self._ym(d)
        return 12 * (y - self.y0) + (m - self.m0)

    def p(self, d: Any) -> int:
        return self.mo(d) // self.pm

    def u(self, d: Any) -> int:
        return max(0, -(-self.mo(d) // self.pm))

    def lead(self, months: float) -> int:
        return max(0, math.ceil(float(months) / self.pm - 1e-9))


def _rows(plan: Any, table: str) -> list[Any]:
    df = getattr(plan, table, None)
    return [] if df is None or len(df) == 0 else list(df.itertuples(index=False))


def _schedule(limit: Any, cal: _Calendar, t: int) -> float | None:
    """A limit's value at period t: None, a number, or a schedule (4.2)."""
    if limit is None:
        return None
    if isinstance(limit, (int, float)):
        return float(limit)
    entries = list(limit)
    value = float(entries[0].value)
    for e in entries:
        start = getattr(e, "from_", None) or getattr(e, "from", None)
        if cal.u(start) <= t:
            value = float(e.value)
    return value


class _Checker:
    def __init__(self, inst: Any, plan: Any, rel_tol: float) -> None:
        self.inst, self.plan, self.rel_tol = inst, plan, rel_tol
        self.cal = cal = _Calendar(inst.horizon)
        self.periods = range(cal.T)
        self.sites = {s.name: s for s in inst.sites}
        self.techs = {k.name: k for k in inst.technologies}
        self.sources = {f.name: f for f in inst.funding}
        self.violations: list[Violation] = []
        self._read_decisions()

    # -- helpers --------------------------------------------------------
    def add(self, rule: str, message: str, site: str | None = None,
            period: int | None = None, amount: float | None = None) -> None:
        self.violations.append(Violation(rule, message, site, period, amount))

    def tol(self, *values: float) -> float:
        return self.rel_tol * max([1.0] + [abs(v) for v in values if v == v])

    def over(self, a: float, b: float) -> bool:
        """a > b beyond tolerance (NaN counts as a breach)."""
        return not a <= b + self.tol(a, b)

    def differ(self, a: float, b: float) -> bool:
        return not abs(a - b) <= self.tol(a, b)

    def allowed(self, s: Any) -> set[str]:
        if s.onsite is None:
            return set()
        techs = s.onsite.technologies
        return set(self.techs) if techs is None else set(techs)

    # -- the plan's decisions -------------------------------------------
    def _read_decisions(self) -> None:
        self.B: dict[tuple, float] = {}
        self.C: dict[tuple, float] = {}
        for r in _rows(self.plan, "capacity"):
            self.B[r.site, int(r.period)] = float(r.built_mw)
            self.C[r.site, int(r.period)] = float(r.online_mw)
        self.N: dict[tuple, float] = defaultdict(float)
        self.P: dict[tuple, float] = defaultdict(float)
        self.Q: dict[tuple, float] = defaultdict(float)
        self.grid_reported: dict[tuple, tuple[float, float]] = {}
        for r in _rows(self.plan, "power"):
            key = (r.site, int(r.period))
            if r.source == "grid":
                self.Q[key] += float(r.generation_mw)
                self.grid_reported[key] = (float(r.units), float(r.capacity_mw))
            else:
                self.N[r.site, r.source, key[1]] += float(r.units)
                self.P[r.site, r.source, key[1]] += float(r.generation_mw)
        self.chosen = {(r.site, int(r.tranche)): bool(r.chosen)
                       for r in _rows(self.plan, "grid")}
        self.draws = [(r.source, r.site, r.use, int(r.period), float(r.draw_musd))
                      for r in _rows(self.plan, "funding")]
        self.used = {r.source: bool(r.used) for r in _rows(self.plan, "sources")}

    def b(self, s: str, t: int) -> float:
        return self.B.get((s, t), 0.0)

    def c(self, s: str, t: int) -> float:
        return self.C.get((s, t), 0.0)

    # -- 2.1 facility ----------------------------------------------------
    def check_facility(self) -> None:
        cal = self.cal
        for name, s in self.sites.items():
            existing, build = float(s.existing_it_mw), s.build
            lead, prev = cal.lead(build.lead_months), existing
            for t in self.periods:
                b, c = self.b(name, t), self.c(name, t)
                if t < lead and self.differ(b, existing):
                    self.add("built_before_lead", f"built {_fmt(b)} MW != existing "
                             f"{_fmt(existing)} MW before the build lead "
                             f"(period {lead})", name, t, abs(b - existing))
                if self.over(prev, b):
                    self.add("built_nondecreasing", f"built {_fmt(b)} MW < "
                             f"{_fmt(prev)} MW the period before", name, t, prev - b)
                if build.max_mw_per_month is not None:
                    rate = float(build.max_mw_per_month) * cal.pm
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
                        self.add("built_blocks", f"built {_fmt(b - existing)} MW over "
                                 f"existing is not a multiple of {_fmt(build.block_mw)} MW",
                                 name, t, off)
                if self.over(c, b) or self.over(0.0, c):
                    self.add("online_le_built", f"online {_fmt(c)} MW outside "
                             f"[0, built {_fmt(b)} MW]", name, t, max(c - b, -c))
                prev = b

    # -- 2.2 grid ----------------------------------------------------------
    def usable_from(self, tranche: Any) -> int:
        if tranche.energized is not None:
            return self.cal.u(tranche.energized)
        return self.cal.lead(tranche.wait_months)

    def grid_mw(self, name: str, t: int) -> float:
        s = self.sites[name]
        if s.grid is None:
            return 0.0
        return sum(float(g.mw) for i, g in enumerate(s.grid.tranches)
                   if self.chosen.get((name, i), False) and t >= self.usable_from(g))

    def check_grid_timing(self) -> None:
        for r in _rows(self.plan, "grid"):
            s = self.sites.get(r.site)
            tranches = s.grid.tranches if s is not None and s.grid is not None else []
            if not 0 <= int(r.tranche) < len(tranches):
                if bool(r.chosen):
                    self.add("grid_tranche_timing", f"chosen tranche {r.tranche} does "
                             "not exist", r.site)
                continue
            start = self.usable_from(tranches[int(r.tranche)])
            if int(r.usable_from) != start:
                self.add("grid_tranche_timing", f"tranche {r.tranche} reported usable "
                         f"from period {r.usable_from}, not {start}", r.site)
        for (name, t), (units, mw) in self.grid_reported.items():
            if name in self.sites and 0 <= t < self.cal.T:
                g = self.grid_mw(name, t)
                if self.differ(mw, g):
                    self.add("grid_tranche_timing", f"reported usable grid {_fmt(mw)} MW "
                             f"!= {_fmt(g)} MW from the chosen tranches", name, t, mw - g)

    # -- 2.3 and 3: units, supply, dispatch ----------------------------------
    def check_units(self) -> None:
        cal = self.cal
        for name, s in self.sites.items():
            allowed = self.allowed(s)
            nameplate = defaultdict(float)
            for kname in sorted({k for (sn, k, _t) in self.N if sn == name} | set(self.techs)):
                k, prev = self.techs.get(kname), 0.0
                for t in self.periods:
                    n, gen = self.N.get((name, kname, t), 0.0), self.P.get((name, kname, t), 0.0)
                    if kname not in allowed and (self.over(n, 0) or self.over(gen, 0)):
                        self.add("onsite_technologies", f"{_fmt(n)} units of {kname} "
                                 "not allowed here", name, t, n)
                    if k is None:
                        continue
                    if not abs(n - round(n)) <= self.tol(n) or self.over(0, n):
                        self.add("units_integer", f"{_fmt(n)} units of {kname} is not a "
                                 "whole number", name, t, abs(n - round(n)))
                    if t < cal.lead(k.lead_months) and self.over(n, 0):
                        self.add("unit_lead", f"{_fmt(n)} units of {kname} online before "
                                 f"its lead (period {cal.lead(k.lead_months)})", name, t, n)
                    if k.ownership == "buy" and self.over(prev, n):
                        self.add("bought_units_nondecreasing", f"bought {kname} units fall "
                                 f"from {_fmt(prev)} to {_fmt(n)}", name, t, prev - n)
                    nameplate[t] += float(k.unit_mw) * n
                    prev = n
            if s.onsite is not None:
                for t, mw in nameplate.items():
                    if self.over(mw, float(s.onsite.max_mw)):
                        self.add("onsite_permit", f"on-site nameplate {_fmt(mw)} MW > "
                                 f"max_mw {_fmt(s.onsite.max_mw)}", name, t,
                                 mw - s.onsite.max_mw)

    def delivered(self, entry: Any, t: int) -> float:
        return sum(float(d.units) for d in entry.deliveries if self.cal.u(d.date) <= t)

    def check_supply(self) -> None:
        reported = {(r.technology, int(r.period)): r for r in _rows(self.plan, "supply")}
        for entry in self.inst.supply:
            kname = entry.technology
            for t in self.periods:
                used = sum(self.N.get((s, kname, t), 0.0) for s in self.sites)
                available = self.delivered(entry, t)
                if self.over(used, available):
                    self.add("supply_limit", f"{_fmt(used)} units of {kname} online > "
                             f"{_fmt(available)} delivered", None, t, used - available)
                r = reported.get((kname, t))
                if r is not None and (self.differ(float(r.used_units), used)
                                      or self.differ(float(r.available_units), available)):
                    self.add("supply_limit", f"supply table says {kname} {_fmt(r.used_units)}"
                             f" used of {_fmt(r.available_units)}, recomputed "
                             f"{_fmt(used)} of {_fmt(available)}", None, t)

    def check_dispatch(self) -> None:
        for name, s in self.sites.items():
            r = float(s.onsite.reserve_margin) if s.onsite is not None else 0.0
            for t in self.periods:
                g, q, load = self.grid_mw(name, t), self.Q.get((name, t), 0.0), 0.0
                firm, gen_total = 0.0, 0.0
                for kname, k in self.techs.items():
                    n, gen = self.N.get((name, kname, t), 0.0), self.P.get((name, kname, t), 0.0)
                    cap = float(k.availability) * float(k.unit_mw) * n
                    if self.over(gen, cap) or self.over(0, gen):
                        self.add("generation_limit", f"{kname} generates {_fmt(gen)} MW "
                                 f"outside [0, {_fmt(cap)} MW]", name, t, max(gen - cap, -gen))
                    firm += cap
                    gen_total += gen
                if self.over(q, g) or self.over(0, q):
                    self.add("grid_draw_limit", f"grid draw {_fmt(q)} MW outside "
                             f"[0, {_fmt(g)} MW usable]", name, t, max(q - g, -q))
                load = float(s.pue) * self.c(name, t)
                if self.differ(q + gen_total, load):
                    self.add("power_balance", f"grid {_fmt(q)} + generation "
                             f"{_fmt(gen_total)} MW != pue * online {_fmt(load)} MW",
                             name, t, q + gen_total - load)
                firm += (1 + r) * g
                if self.over((1 + r) * load, firm):
                    self.add("firm_power", f"firm {_fmt(firm)} MW < required "
                             f"{_fmt((1 + r) * load)} MW", name, t, (1 + r) * load - firm)

    def check_commitments(self) -> None:
        for name, s in self.sites.items():
            for cm in s.commitments:
                for t in range(max(0, self.cal.p(cm.by)), self.cal.T):
                    c = self.c(name, t)
                    if self.over(float(cm.it_mw), c):
                        self.add("commitment", f"online {_fmt(c)} MW < committed "
                                 f"{_fmt(cm.it_mw)} MW due {cm.by}", name, t, cm.it_mw - c)

    # -- 4.1 spending and coverage ---------------------------------------
    def recompute_spending(self) -> dict[tuple, float]:
        cal, spend = self.cal, defaultdict(float)
        for name, s in self.sites.items():
            prev, lead = float(s.existing_it_mw), cal.lead(s.build.lead_months)
            for t in self.periods:
                delta, prev = self.b(name, t) - prev, self.b(name, t)
                spend[name, "facility", max(0, t - lead)] += float(s.build.capex_per_mw) * delta
                spend[name, "compute", t] += float(s.compute_capex_per_mw) * delta
            for kname, k in self.techs.items():
                prev, lead = 0.0, cal.lead(k.lead_months)
                for t in self.periods:
                    n = self.N.get((name, kname, t), 0.0)
                    if k.ownership == "buy":
                        spend[name, "power", max(0, t - lead)] += float(k.capex_per_unit) * (n - prev)
                    else:
                        spend[name, "rent", t] += float(k.rent_per_unit_month) * cal.pm * n
                    prev = n
            if s.grid is not None:
                for i, g in enumerate(s.grid.tranches):
                    if self.chosen.get((name, i), False):
                        paid = 0 if g.paid is None else cal.p(g.paid)
                        spend[name, "grid", paid] += float(g.cost)
        return spend

    def check_spending(self, spend: dict[tuple, float]) -> None:
        reported = defaultdict(float)
        for r in _rows(self.plan, "spending"):
            reported[r.site, r.use, int(r.period)] += float(r.spend_musd)
        for key in sorted(set(spend) | set(reported), key=str):
            if self.differ(reported.get(key, 0.0), spend.get(key, 0.0)):
                self.add("spending", f"{key[1]} spending reported {_fmt(reported.get(key, 0.0))}"
                         f" $M, recomputed {_fmt(spend.get(key, 0.0))} $M", key[0], key[2],
                         reported.get(key, 0.0) - spend.get(key, 0.0))
        for r in _rows(self.plan, "grid"):
            s = self.sites.get(r.site)
            if s is not None and s.grid is not None and 0 <= int(r.tranche) < len(s.grid.tranches):
                g = s.grid.tranches[int(r.tranche)]
                paid = 0 if g.paid is None else self.cal.p(g.paid)
                if self.differ(float(r.cost_musd), float(g.cost)) or int(r.paid_period) != paid:
                    self.add("spending", f"tranche {r.tranche} reported cost "
                             f"{_fmt(r.cost_musd)} $M in period {r.paid_period}, "
                             f"expected {_fmt(g.cost)} $M in period {paid}", r.site)

    def check_coverage(self, spend: dict[tuple, float]) -> None:
        drawn = defaultdict(float)
        for _f, s, c, t, x in self.draws:
            drawn[s, c, t] += x
        for name in self.sites:
            for use in USES:
                cum_draw = cum_spend = 0.0
                for t in self.periods:
                    cum_draw += drawn.get((name, use, t), 0.0)
                    cum_spend += spend.get((name, use, t), 0.0)
                    if self.over(cum_spend, cum_draw):
                        self.add("coverage", f"{use}: cumulative draws {_fmt(cum_draw)} $M "
                                 f"< cumulative spending {_fmt(cum_spend)} $M", name, t,
                                 cum_spend - cum_draw)

    # -- 4.2 funding sources and the balance sheet -------------------------
    def outstanding(self) -> dict[str, list[float]]:
        per_period = {f: [0.0] * self.cal.T for f in self.sources}
        for f, _s, _c, t, x in self.draws:
            if f in per_period and t < self.cal.T:
                per_period[f][max(0, t)] += x
        return {f: [sum(xs[: t + 1]) for t in self.periods] for f, xs in per_period.items()}

    def check_sources(self) -> None:
        cal = self.cal
        for f, s, c, t, x in self.draws:
            src = self.sources.get(f)
            if src is None:
                self.add("source_eligibility", f"draw of {_fmt(x)} $M on unknown source "
                         f"{f}", s, t, x)
                continue
            if s not in self.sites or (src.sites is not None and s not in src.sites):
                self.add("source_eligibility", f"{f} is not eligible for this site", s, t, x)
            if c not in USES or (src.uses is not None and c not in src.uses):
                self.add("source_eligibility", f"{f} is not eligible for use {c}", s, t, x)
            first = 0 if src.available is None else cal.u(src.available)
            last = cal.D if src.until is None else min(cal.p(src.until), cal.D)
            if not first <= t <= last:
                self.add("source_window", f"{f} drawn {_fmt(x)} $M outside its window "
                         f"(periods {first}..{last})", s, t, x)
            if self.over(0, x):
                self.add("source_amount", f"{f} has a negative draw {_fmt(x)} $M", s, t, -x)
        totals = {f: 0.0 for f in self.sources}
        per_site: dict[tuple, float] = defaultdict(float)
        for f, s, _c, _t, x in self.draws:
            if f in totals:
                totals[f] += x
                per_site[f, s] += x
        outstanding = self.outstanding()
        reported = {r.source: r for r in _rows(self.plan, "sources")}
        for f, src in self.sources.items():
            if self.over(totals[f], float(src.amount)):
                self.add("source_amount", f"{f} drawn {_fmt(totals[f])} $M > amount "
                         f"{_fmt(src.amount)} $M", amount=totals[f] - src.amount)
            if f in reported and self.differ(float(reported[f].drawn_musd), totals[f]):
                self.add("source_amount", f"{f} reported drawn {_fmt(reported[f].drawn_musd)}"
                         f" $M, recomputed {_fmt(totals[f])} $M")
            if src.per_month is not None:
                first = 0 if src.available is None else cal.u(src.available)
                for t in range(first, cal.T):
                    cap = float(src.per_month) * cal.pm * (t - first + 1)
                    if self.over(outstanding[f][t], cap):
                        self.add("source_per_month", f"{f} drawn {_fmt(outstanding[f][t])} $M"
                                 f" by now > {_fmt(cap)} $M", None, t, outstanding[f][t] - cap)
            if src.max_per_site is not None:
                for (g, s), x in per_site.items():
                    if g == f and self.over(x, float(src.max_per_site)):
                        self.add("source_max_per_site", f"{f} drawn {_fmt(x)} $M > "
                                 f"max_per_site {_fmt(src.max_per_site)} $M", s,
                                 amount=x - src.max_per_site)
            used = self.used.get(f, False)
            if not used and totals[f] > self.tol(float(src.amount)):
                self.add("source_setup", f"{f} drawn {_fmt(totals[f])} $M but not marked used"
                         " (setup fee unpaid)", amount=totals[f])
            fee = float(src.setup_cost or 0.0) if used else 0.0
            if f in reported and self.differ(float(reported[f].setup_cost_musd), fee):
                self.add("source_setup", f"{f} reports setup fee "
                         f"{_fmt(reported[f].setup_cost_musd)} $M, expected {_fmt(fee)} $M")

    def check_balance_sheet(self) -> None:
        limits, outstanding = self.inst.limits, self.outstanding()
        reported = {int(r.period): r for r in _rows(self.plan, "balance_sheet")}
        groups = (
            ("on_balance_sheet_debt", "on-balance-sheet debt", limits.max_debt_on_balance_sheet,
             [f for f, s in self.sources.items() if s.debt and s.on_balance_sheet],
             "on_bs_debt_musd", "on_bs_debt_limit_musd"),
            ("off_balance_sheet", "off-balance-sheet money", limits.max_off_balance_sheet,
             [f for f, s in self.sources.items() if not s.on_balance_sheet],
             "off_bs_musd", "off_bs_limit_musd"),
        )
        for rule, what, limit, members, col, limit_col in groups:
            for t in self.periods:
                total = sum(outstanding[f][t] for f in members)
                cap = _schedule(limit, self.cal, t)
                if cap is not None and self.over(total, cap):
                    self.add(rule, f"{what} outstanding {_fmt(total)} $M > limit "
                             f"{_fmt(cap)} $M", None, t, total - cap)
                r = reported.get(t)
                if r is None:
                    continue
                shown, shown_cap = float(getattr(r, col)), float(getattr(r, limit_col))
                cap_differs = (cap is None) != (shown_cap != shown_cap) or (
                    cap is not None and self.differ(shown_cap, cap))
                if self.differ(shown, total) or cap_differs:
                    self.add(rule, f"balance_sheet table shows {_fmt(shown)} $M (limit "
                             f"{_fmt(shown_cap)}), recomputed {_fmt(total)} $M (limit "
                             f"{'none' if cap is None else _fmt(cap)})", None, t)

    # -- 4.3 cost, CO2 and the reported numbers ----------------------------
    def check_totals(self, spend: dict[tuple, float]) -> None:
        cal, inst = self.cal, self.inst
        items = {item: 0.0 for item in COST_ITEMS}
        for (_s, use, t), x in spend.items():
            if t <= cal.D:
                items[use] += x
        co2 = 0.0
        for (name, t), q in self.Q.items():
            grid = self.sites[name].grid if name in self.sites else None
            if grid is not None and 0 <= t < cal.T:
                items["energy"] += float(grid.price_per_mwh) * q * cal.H / 1e6
                co2 += float(grid.co2_t_per_mwh) * q * cal.H / 1e6
        for (name, kname, t), gen in self.P.items():
            k = self.techs.get(kname)
            if k is not None and name in self.sites and 0 <= t < cal.T:
                items["energy"] += float(k.variable_cost_per_mwh) * gen * cal.H / 1e6
                co2 += float(k.co2_t_per_mwh) * gen * cal.H / 1e6
        for (name, kname, t), n in self.N.items():
            k = self.techs.get(kname)
            if k is not None and k.ownership == "buy" and name in self.sites and 0 <= t < cal.T:
                items["fixed_om"] += float(k.fixed_om_per_mw_year) * float(k.unit_mw) * n * cal.pm / 12
        interest = {f: float(src.rate) * cal.pm / 12 * sum(self.outstanding()[f])
                    for f, src in self.sources.items()}
        items["interest"] = sum(interest.values())
        items["setup"] = sum(float(src.setup_cost or 0.0) for f, src in self.sources.items()
                             if self.used.get(f, False))
        total = sum(items.values())
        capacity = sum(self.c(name, cal.D) for name in self.sites)

        for rule, name, shown, value in (
            ("reported_capacity", "capacity_mw", self.plan.capacity_mw, capacity),
            ("reported_cost", "total_cost", self.plan.total_cost, total),
            ("reported_co2", "co2_mt", self.plan.co2_mt, co2),
        ):
            if shown is None or self.differ(float(shown), value):
                self.add(rule, f"{name} reported {shown}, recomputed {_fmt(value)}",
                         amount=None if shown is None else float(shown) - value)
        shown_items = {r.item: float(r.cost_musd) for r in _rows(self.plan, "costs")}
        for item in sorted(set(items) | set(shown_items)):
            if self.differ(shown_items.get(item, 0.0), items.get(item, 0.0)):
                self.add("reported_cost", f"cost item {item} reported "
                         f"{_fmt(shown_items.get(item, 0.0))} $M, recomputed "
                         f"{_fmt(items.get(item, 0.0))} $M")
        for r in _rows(self.plan, "sources"):
            if r.source in interest and self.differ(float(r.interest_musd), interest[r.source]):
                self.add("reported_cost", f"interest of {r.source} reported "
                         f"{_fmt(r.interest_musd)} $M, recomputed {_fmt(interest[r.source])} $M")
        if inst.limits.max_total_cost is not None and self.over(total, inst.limits.max_total_cost):
            self.add("max_total_cost", f"total cost {_fmt(total)} $M > max_total_cost "
                     f"{_fmt(inst.limits.max_total_cost)} $M",
                     amount=total - inst.limits.max_total_cost)
        if inst.limits.max_co2_mt is not None and self.over(co2, inst.limits.max_co2_mt):
            self.add("max_co2", f"CO2 {_fmt(co2)} Mt > max_co2_mt "
                     f"{_fmt(inst.limits.max_co2_mt)} Mt", amount=co2 - inst.limits.max_co2_mt)

    def run(self) -> Report:
        self.check_facility()
        self.check_grid_timing()
        self.check_units()
        self.check_supply()
        self.check_dispatch()
        self.check_commitments()
        spend = self.recompute_spending()
        self.check_spending(spend)
        self.check_coverage(spend)
        self.check_sources()
        self.check_balance_sheet()
        self.check_totals(spend)
        return Report(self.violations)


def verify(instance: Any, plan: Any, rel_tol: float = 1e-6) -> Report:
    """Check `plan` against every rule of MODEL.md for `instance`.

    Tolerance: a quantity may exceed its bound by `rel_tol * max(1, |a|, |b|)`.
    """
    if getattr(plan, "capacity", None) is None or len(plan.capacity) == 0:
        status = getattr(plan, "status", None)
        return Report([Violation("no_plan", f"the plan has no tables to check (status {status})")])
    return _Checker(instance, plan, rel_tol).run()


def verify_files(instance_path: str, plan_path: str) -> Report:
    """Load an instance file and a plan JSON file, and verify the plan."""
    from pathlib import Path

    from planner import load_instance
    from planner.plan import Plan

    instance = load_instance(instance_path)
    plan = Plan.from_json(Path(plan_path).read_text(encoding="utf-8"))
    return verify(instance, plan)
