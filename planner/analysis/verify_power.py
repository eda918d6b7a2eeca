"""The verifier's checks of power: grid timing and draw, units, supply,
dispatch and commitments."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from planner.analysis.verify_base import (
    CheckerBase,
    fmt,
    rows,
)


class PowerChecks(CheckerBase):
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
        return sum(
            float(g.mw)
            for i, g in enumerate(grid.tranches)
            if self.chosen.get((name, i), False) and (t is None or t >= self.usable_from(g))
        )

    def check_grid_timing(self) -> None:
        for r in rows(self.plan, "grid"):
            s = self.sites.get(r.site)
            tranches = s.grid.tranches if s is not None and s.grid is not None else []
            if not 0 <= int(r.tranche) < len(tranches):
                if bool(r.chosen):
                    self.add(
                        "grid_tranche_timing", f"chosen tranche {r.tranche} does not exist", r.site
                    )
            elif int(r.usable_from) != self.usable_from(tranches[int(r.tranche)]):
                self.add(
                    "grid_tranche_timing",
                    f"tranche {r.tranche} reported usable from "
                    f"period {r.usable_from}, not "
                    f"{self.usable_from(tranches[int(r.tranche)])}",
                    r.site,
                )
        for (name, t), shown in self.grid_shown.items():
            if name in self.sites and 0 <= t < self.cal.T:
                g = self.grid_mw(name, t)
                if self.differ(shown, g):
                    self.add(
                        "grid_tranche_timing",
                        f"reported usable grid {fmt(shown)} MW "
                        f"!= {fmt(g)} MW of the chosen tranches",
                        name,
                        t,
                        shown - g,
                    )

    # -- 2.3 and 3: units, permit and supply --------------------------------
    def check_units(self) -> None:
        for name, s in self.sites.items():
            allowed = (
                set()
                if s.onsite is None
                else (
                    set(self.techs) if s.onsite.technologies is None else set(s.onsite.technologies)
                )
            )
            nameplate: dict[int, float] = defaultdict(float)
            for kname in sorted({k for (sn, k, _t) in self.N if sn == name} | set(self.techs)):
                k, prev = self.techs.get(kname), 0.0
                for t in self.periods:
                    n, gen = self.units(name, kname, t), self.P.get((name, kname, t), 0.0)
                    if kname not in allowed and (self.over(n, 0) or self.over(gen, 0)):
                        self.add(
                            "onsite_technologies",
                            f"{fmt(n)} units of {kname}, which this site may not use",
                            name,
                            t,
                            n,
                        )
                    if k is None:
                        continue
                    if not abs(n - round(n)) <= self.tol(n) or self.over(0, n):
                        self.add(
                            "units_integer",
                            f"{fmt(n)} units of {kname} is not a whole number",
                            name,
                            t,
                            abs(n - round(n)),
                        )
                    lead = self.cal.lead(k.lead_months)
                    if t < lead and self.over(n, 0):
                        self.add(
                            "unit_lead",
                            f"{fmt(n)} units of {kname} online before its lead (period {lead})",
                            name,
                            t,
                            n,
                        )
                    if k.ownership == "buy" and self.over(prev, n):
                        self.add(
                            "bought_units_nondecreasing",
                            f"bought {kname} units fall from {fmt(prev)} to {fmt(n)}",
                            name,
                            t,
                            prev - n,
                        )
                    nameplate[t] += float(k.unit_mw) * n
                    prev = n
            permit = float(s.onsite.max_mw) if s.onsite is not None else math.inf
            for t, mw in sorted(nameplate.items()):
                if self.over(mw, permit):
                    self.add(
                        "onsite_permit",
                        f"on-site nameplate {fmt(mw)} MW > max_mw {fmt(permit)}",
                        name,
                        t,
                        mw - permit,
                    )

    def check_supply(self) -> None:
        for entry in self.inst.supply:
            for t in self.periods:
                used = sum(self.units(s, entry.technology, t) for s in self.sites)
                delivered = sum(float(d.units) for d in entry.deliveries if self.cal.u(d.date) <= t)
                if self.over(used, delivered):
                    self.add(
                        "supply_limit",
                        f"{fmt(used)} units of {entry.technology} online"
                        f" > {fmt(delivered)} delivered",
                        None,
                        t,
                        used - delivered,
                    )

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
                        self.add(
                            "generation_limit",
                            f"{kname} generates {fmt(gen)} MW outside [0, {fmt(cap)} MW]",
                            name,
                            t,
                            max(gen - cap, -gen),
                        )
                    firm, generation = firm + cap, generation + gen
                if self.over(q, g) and not self.over(q, self.grid_mw(name, None)):
                    self.add(
                        "grid_tranche_timing",
                        f"grid draw {fmt(q)} MW > {fmt(g)} MW "
                        "usable: a chosen tranche is drawn before it is usable",
                        name,
                        t,
                        q - g,
                    )
                elif self.over(q, g) or self.over(0, q):
                    self.add(
                        "grid_draw_limit",
                        f"grid draw {fmt(q)} MW outside [0, {fmt(g)} MW usable]",
                        name,
                        t,
                        max(q - g, -q),
                    )
                load = float(s.pue) * self.online(name, t)
                if self.differ(q + generation, load):
                    self.add(
                        "power_balance",
                        f"grid {fmt(q)} + generation {fmt(generation)}"
                        f" MW != pue * online {fmt(load)} MW",
                        name,
                        t,
                        q + generation - load,
                    )
                firm, required = firm + (1 + r) * g, (1 + r) * load
                if self.over(required, firm):
                    self.add(
                        "firm_power",
                        f"firm {fmt(firm)} MW < required {fmt(required)} MW",
                        name,
                        t,
                        required - firm,
                    )

    def check_commitments(self) -> None:
        for name, s in self.sites.items():
            for cm in s.commitments:
                for t in range(max(0, self.cal.p(cm.by)), self.cal.T):
                    c = self.online(name, t)
                    if self.over(float(cm.it_mw), c):
                        self.add(
                            "commitment",
                            f"online {fmt(c)} MW < committed {fmt(cm.it_mw)} MW due {cm.by}",
                            name,
                            t,
                            cm.it_mw - c,
                        )
