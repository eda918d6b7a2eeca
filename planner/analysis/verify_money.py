"""The verifier's checks of money: spending, coverage, draws, sources, the
balance sheet and the reported totals."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from planner.analysis.verify_base import (
    COST_ITEMS,
    USES,
    CheckerBase,
    fmt,
    num,
    rows,
)


class MoneyChecks(CheckerBase):
    # -- 4.1 spending and coverage ----------------------------------------
    def spending(self) -> dict[tuple, float]:
        """spend[site, use, t], paid when committed (4.1)."""
        cal = self.cal
        spend: dict[tuple, float] = defaultdict(float)
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
                            n - prev
                        )
                    else:
                        spend[name, "rent", t] += float(k.rent_per_unit_month) * cal.pm * n
                    prev = n
            for i, g in enumerate(s.grid.tranches if s.grid is not None else []):
                if self.chosen.get((name, i), False):
                    spend[name, "grid", 0 if g.paid is None else cal.p(g.paid)] += float(g.cost)
        return spend

    def check_spending(self, spend: dict[tuple, float]) -> None:
        shown: dict[tuple, float] = defaultdict(float)
        for r in rows(self.plan, "spending"):
            shown[r.site, r.use, int(r.period)] += float(r.spend_musd)
        for key in sorted(set(spend) | set(shown), key=str):
            a, b = shown.get(key, 0.0), spend.get(key, 0.0)
            if self.differ(a, b):
                self.add(
                    "spending",
                    f"{key[1]} spending reported {fmt(a)} $M, recomputed {fmt(b)} $M",
                    key[0],
                    key[2],
                    a - b,
                )
        for r in rows(self.plan, "grid"):
            s = self.sites.get(r.site)
            if s is None or s.grid is None or not 0 <= int(r.tranche) < len(s.grid.tranches):
                continue
            g = s.grid.tranches[int(r.tranche)]
            paid = 0 if g.paid is None else self.cal.p(g.paid)
            if self.differ(float(r.cost_musd), float(g.cost)) or int(r.paid_period) != paid:
                self.add(
                    "spending",
                    f"tranche {r.tranche} reported to cost "
                    f"{fmt(r.cost_musd)} $M in period {r.paid_period}, not "
                    f"{fmt(g.cost)} $M in period {paid}",
                    r.site,
                )

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
                        self.add(
                            "coverage",
                            f"{use}: cumulative draws {fmt(cum_draw)} $M < "
                            f"cumulative spending {fmt(cum_spend)} $M",
                            name,
                            t,
                            cum_spend - cum_draw,
                        )

    # -- 4.2 funding sources ----------------------------------------------
    def window(self, src: Any) -> tuple[int, int]:
        first = 0 if src.available is None else self.cal.u(src.available)
        last = self.cal.D if src.until is None else min(self.cal.p(src.until), self.cal.D)
        return first, last

    def check_draws(self) -> None:
        for f, s, c, t, x in self.draws:
            src = self.sources.get(f)
            if src is None:
                self.add(
                    "source_eligibility", f"draw of {fmt(x)} $M on unknown source {f}", s, t, x
                )
                continue
            if s not in self.sites or (src.sites is not None and s not in src.sites):
                self.add("source_eligibility", f"{f} is not eligible for this site", s, t, x)
            if c not in USES or (src.uses is not None and c not in src.uses):
                self.add("source_eligibility", f"{f} is not eligible for use {c}", s, t, x)
            first, last = self.window(src)
            if not first <= t <= last:
                self.add(
                    "source_window",
                    f"{f} drawn {fmt(x)} $M outside its window (periods {first}..{last})",
                    s,
                    t,
                    x,
                )
            if self.over(0, x):
                self.add("source_amount", f"{f} has a negative draw {fmt(x)} $M", s, t, -x)

    def check_sources(self) -> None:
        per_site: dict[tuple, float] = defaultdict(float)
        for f, s, _c, _t, x in self.draws:
            per_site[f, s] += x
        shown = {r.source: r for r in rows(self.plan, "sources")}
        for f, src in self.sources.items():
            total = sum(x for (g, _s), x in per_site.items() if g == f)
            if self.over(total, float(src.amount)):
                self.add(
                    "source_amount",
                    f"{f} drawn {fmt(total)} $M > amount {fmt(src.amount)} $M",
                    amount=total - src.amount,
                )
            if src.per_month is not None:
                first = self.window(src)[0]
                for t in range(first, self.cal.T):
                    cap, drawn = (
                        float(src.per_month) * self.cal.pm * (t - first + 1),
                        self.outstanding[f][t],
                    )
                    if self.over(drawn, cap):
                        self.add(
                            "source_per_month",
                            f"{f} drawn {fmt(drawn)} $M by now > {fmt(cap)} $M",
                            None,
                            t,
                            drawn - cap,
                        )
            for (g, s), x in sorted(per_site.items()):
                if g == f and src.max_per_site is not None and self.over(x, src.max_per_site):
                    self.add(
                        "source_max_per_site",
                        f"{f} drawn {fmt(x)} $M > max_per_site {fmt(src.max_per_site)} $M",
                        s,
                        amount=x - src.max_per_site,
                    )
            used = self.used.get(f, False)
            if not used and total > self.tol(float(src.amount)):
                self.add(
                    "source_setup",
                    f"{f} drawn {fmt(total)} $M but not marked used (setup fee unpaid)",
                    amount=total,
                )
            fee = float(src.setup_cost or 0.0) if used else 0.0
            if f in shown and self.differ(num(shown[f].setup_cost_musd), fee):
                self.add(
                    "source_setup",
                    f"{f} reports a setup fee of "
                    f"{fmt(shown[f].setup_cost_musd)} $M, not {fmt(fee)} $M",
                )

    def check_balance_sheet(self) -> None:
        limits = self.inst.limits
        shown = {int(r.period): r for r in rows(self.plan, "balance_sheet")}
        for rule, what, limit, members, col in (
            (
                "on_balance_sheet_debt",
                "on-balance-sheet debt",
                limits.max_debt_on_balance_sheet,
                [f for f, s in self.sources.items() if s.debt and s.on_balance_sheet],
                "on_bs_debt",
            ),
            (
                "off_balance_sheet",
                "off-balance-sheet money",
                limits.max_off_balance_sheet,
                [f for f, s in self.sources.items() if not s.on_balance_sheet],
                "off_bs",
            ),
        ):
            for t in self.periods:
                total = sum(self.outstanding[f][t] for f in members)
                cap = self.cal.limit(limit, t)
                if cap is not None and self.over(total, cap):
                    self.add(
                        rule,
                        f"{what} outstanding {fmt(total)} $M > limit {fmt(cap)} $M",
                        None,
                        t,
                        total - cap,
                    )
                if t not in shown:
                    continue
                a, a_cap = (
                    num(getattr(shown[t], f"{col}_musd")),
                    num(getattr(shown[t], f"{col}_limit_musd")),
                )
                cap_differs = (a_cap != a_cap) != (cap is None) or (
                    cap is not None and self.differ(a_cap, cap)
                )
                if self.differ(a, total) or cap_differs:
                    self.add(
                        rule,
                        f"balance_sheet table shows {fmt(a)} $M (limit "
                        f"{fmt(a_cap)}), recomputed {fmt(total)} $M (limit "
                        f"{fmt(cap)})",
                        None,
                        t,
                    )

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
                items["fixed_om"] += (
                    float(k.fixed_om_per_mw_year) * float(k.unit_mw) * n * cal.pm / 12
                )
        interest = {
            f: float(src.rate) * cal.pm / 12 * sum(self.outstanding[f])
            for f, src in self.sources.items()
        }
        items["interest"] = sum(interest.values())
        items["setup"] = sum(
            float(src.setup_cost or 0.0)
            for f, src in self.sources.items()
            if self.used.get(f, False)
        )
        total = sum(items.values())
        capacity = sum(self.online(name, cal.D) for name in self.sites)

        for rule, name, shown, value in (
            ("reported_capacity", "capacity_mw", self.plan.capacity_mw, capacity),
            ("reported_cost", "total_cost", self.plan.total_cost, total),
            ("reported_co2", "co2_mt", self.plan.co2_mt, co2),
        ):
            if shown is None or not math.isfinite(float(shown)) or self.differ(float(shown), value):
                self.add(
                    rule,
                    f"{name} reported {fmt(shown)}, recomputed {fmt(value)}",
                    amount=None if shown is None else float(shown) - value,
                )
        shown_items = {r.item: float(r.cost_musd) for r in rows(self.plan, "costs")}
        for item in sorted(set(items) | set(shown_items)):
            a, b = shown_items.get(item, 0.0), items.get(item, 0.0)
            if self.differ(a, b):
                self.add(
                    "reported_cost",
                    f"cost item {item} reported {fmt(a)} $M, recomputed {fmt(b)} $M",
                    amount=a - b,
                )
        for r in rows(self.plan, "sources"):
            if r.source in interest and self.differ(num(r.interest_musd), interest[r.source]):
                self.add(
                    "reported_cost",
                    f"interest of {r.source} reported "
                    f"{fmt(r.interest_musd)} $M, recomputed {fmt(interest[r.source])} $M",
                )
        if limits.max_total_cost is not None and self.over(total, limits.max_total_cost):
            self.add(
                "max_total_cost",
                f"total cost {fmt(total)} $M > max_total_cost {fmt(limits.max_total_cost)} $M",
                amount=total - limits.max_total_cost,
            )
        if limits.max_co2_mt is not None and self.over(co2, limits.max_co2_mt):
            self.add(
                "max_co2",
                f"CO2 {fmt(co2)} Mt > max_co2_mt {fmt(limits.max_co2_mt)} Mt",
                amount=co2 - limits.max_co2_mt,
            )
