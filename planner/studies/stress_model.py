"""The stress test's one built model: the shocks a ``--shock`` names
(:class:`Shock`) and :class:`StressModel`, the plan's commitments on one
evaluation model with a row for every shock, moved in place point by point
(docs/scenarios.md section 8)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyomo.core as pyo

from planner.io.load import parse_instance
from planner.model import build_model
from planner.model.funding import spending_terms
from planner.model.linear import le
from planner.solver.highs import INF, HighsModel
from planner.solver.options import SolveOptions
from planner.studies import shocks
from planner.studies.evaluate import (
    Commitments,
    evaluation_data,
    prepare_keeping,
)
from planner.studies.stress_shocks import STAGES, Shock, tidy


class StressModel:
    """A plan's commitments on one built evaluation model with a row for
    every shock, moved in place point by point."""

    def __init__(
        self,
        data: Mapping,
        commitments: Commitments,
        shock_list: list[Shock],
        options: SolveOptions,
    ):
        self.options = options
        self.commitments = commitments
        # The caps stay: with no shock the plan keeps exactly its own capacity
        # (without them, a plan held back by its CO2 or cost cap would gain MW).
        inst = parse_instance(
            evaluation_data(data, keep_caps=True), source=str(data.get("name", "stress"))
        )
        self.d = d = prepare_keeping(inst, commitments.tranches)
        self.m = m = build_model(d)
        out = m.outstanding_musd
        for key in m.tranche_chosen:  # held (bounds, not fixed: a point may give them up)
            var = m.tranche_chosen[key]
            var.setlb(1 if key in commitments.tranches else 0)
            var.setub(1 if key in commitments.tranches else 0)
        for s, t in m.site_periods:
            var = m.built_mw[s, t]
            cap = commitments.built.get((s, t), d.existing[s])
            var.setub(max(min(var.ub, cap), var.lb))
        for s, k, t in m.units:
            if d.bought[k]:
                var = m.units[s, k, t]
                var.setub(min(var.ub, commitments.units.get((s, k, t), 0)))
        # a cut row per (shock, source): O_f(D) - c * O_f(p-1) <= (1 - c) * A_f
        self.cut_rows: dict[tuple[int, str], tuple[int, int | None]] = {}
        cut_index, early_index = [], []
        for i, sh in enumerate(shock_list):
            fs: list[str] = []
            if sh.kind == "cut":
                fs = [f for f in sh.sources if (f, d.D) in out]
            elif sh.kind == "limit":
                fs = d.debt_on_bs if sh.limit == "max_debt_on_balance_sheet" else d.off_bs
            p = 0 if sh.start is None else d.cal.from_(sh.start)
            if p > d.D:
                continue  # a shock after the deadline period changes nothing
            for f in fs:
                if sh.kind == "cut":
                    cut_index.append((i, f))
                early_index += [
                    (i, f, t)
                    for t in range(d.first_draw.get(f, 0), min(p, d.D + 1))
                    if (f, t) in out
                ]
        self.p = {
            i: (0 if sh.start is None else d.cal.from_(sh.start)) for i, sh in enumerate(shock_list)
        }

        def cut_rule(m, i, f):
            p = self.p[i]
            terms = [(1.0, out[f, d.D])]
            if p - 1 >= d.first_draw[f] and (f, p - 1) in out and p <= d.D:
                terms.append((-0.5, out[f, p - 1]))  # the coefficient is set point by point
            return le(terms, d.amount[f])

        m.stress_cut = pyo.Constraint(cut_index, rule=cut_rule)
        drawn = commitments.drawn
        m.stress_early = pyo.Constraint(
            early_index, rule=lambda m, i, f, t: le([(1, out[f, t])], shocks._stand(drawn, f, t))
        )
        m.stress_terms = pyo.Objective(
            STAGES,
            rule=lambda m, k: {
                "capacity": m.capacity,
                "capacity_time": m.capacity_time,
                "cost": m.total_cost,
            }[k],
            sense=pyo.minimize,
        )
        self.hm = hm = HighsModel(
            m, {k: m.stress_terms[k] for k in STAGES}, options.highs_options()
        )
        self.base_cost = hm.costs["cost"].copy()
        self.base_offset = float(hm.offsets["cost"])
        self.holds = {k: hm.add_term_row(k, -INF, INF) for k in STAGES[:-1]}
        self.shocks = shock_list
        self.rows = {}  # (i, f) -> (row, column of O_f(p-1) or None)
        for i, f in cut_index:
            (row,) = hm.constraint_rows(m.stress_cut[i, f])
            p = self.p[i]
            col = (
                hm.column(out[f, p - 1])
                if (f, p - 1) in out and p - 1 >= d.first_draw[f] and p <= d.D
                else None
            )
            self.rows[i, f] = (row, col)
            hm.set_row_bounds(row, -INF, INF)
        self.early: dict[int, list[tuple[int, float]]] = {}  # shock -> (row, bound)
        for i, f, t in early_index:
            (row,) = hm.constraint_rows(m.stress_early[i, f, t])
            self.early.setdefault(i, []).append((row, hm.row_bounds(row)[1]))
            hm.set_row_bounds(row, -INF, INF)
        self.limit_rows = {}
        for name, book in (
            ("max_debt_on_balance_sheet", d.on_bs_limit),
            ("max_off_balance_sheet", d.off_bs_limit),
        ):
            con = m.on_balance_sheet_debt if name.startswith("max_debt") else m.off_balance_sheet
            self.limit_rows[name] = [
                (t, row, book[t]) for t in book if t in con for row in hm.constraint_rows(con[t])
            ]
        cols = [
            hm.column(m.tranche_chosen[k]) for k in m.tranche_chosen if k in commitments.tranches
        ]
        self.tranche_cols: list[int] = [c for c in cols if c is not None]
        self.coverage = self._coverage_coefficients()
        self.solves = 0

    def _coverage_coefficients(self) -> dict[tuple[str, str], list]:
        """Per (site, use) of facility, power and rent: each coverage row with
        its spending coefficients and bound, to scale for a capex overrun."""
        m, d, hm = self.m, self.d, self.hm
        out: dict[tuple[str, str], list] = {}
        for s, c, t in m.spend_index:
            if c not in ("facility", "power", "rent"):
                continue
            terms, _ = spending_terms(m, d, s, c, t)
            coefs: dict[int, float] = {}
            for coef, var in terms:
                col = hm.column(var)
                if col is not None:
                    coefs[col] = coefs.get(col, 0.0) + coef
            for row in hm.constraint_rows(m.coverage[s, c, t]):
                out.setdefault((s, c), []).append((row, coefs, hm.row_bounds(row)[0], terms))
        return out

    # ---------------------------------------------------------- one point
    def _set(self, i: int, size: float, on: bool) -> None:
        """Put shock i at ``size`` (on) or back to nothing (off)."""
        sh, hm, d = self.shocks[i], self.hm, self.d
        active = on and size > 0
        for row, bound in self.early.get(i, []):
            hm.set_row_bounds(row, -INF, bound if active else INF)
        if sh.kind == "cut":
            for f in sh.sources:
                if (i, f) not in self.rows:
                    continue
                row, col = self.rows[i, f]
                if col is not None:
                    hm.h.changeCoeff(row, col, -size if active else 0.0)
                hm.set_row_bounds(row, -INF, (1 - size) * d.amount[f] if active else INF)
        elif sh.kind == "limit":
            p = self.p[i]
            for t, row, value in self.limit_rows[str(sh.limit)]:
                hm.set_row_bounds(row, -INF, value * (1 - size) if active and t >= p else value)
        elif sh.kind == "rate":
            cost = self.base_cost.copy()
            if active:
                extra = shocks.extra_interest(d, [sh.applied(size)])
                for (f, t), v in extra.items():
                    col = (
                        hm.column(self.m.outstanding_musd[f, t])
                        if (f, t) in self.m.outstanding_musd
                        else None
                    )
                    if col is not None:
                        cost[col] += v
            hm.costs["cost"] = cost
        else:
            factor = 1 + size if on else 1.0
            cost, offset = self.base_cost.copy(), self.base_offset
            for (s, c), rows in self.coverage.items():
                if not self._capex_hits(sh, s, c):
                    continue
                for row, coefs, bound, _ in rows:
                    for col, coef in coefs.items():
                        hm.h.changeCoeff(row, col, coef * factor)
                    hm.set_row_bounds(row, bound * factor, bound * factor)
            if on:
                offset += self._capex_cost(sh, cost, size)
            hm.costs["cost"], hm.offsets["cost"] = cost, offset

    def _capex_hits(self, sh: Shock, s: str, c: str) -> bool:
        if sh.technology is not None:
            k = sh.technology
            return c == ("power" if self.d.bought.get(k) else "rent") and k in self.d.site_techs[s]
        return c == "facility" and (sh.site is None or sh.site == s)

    def _capex_cost(self, sh: Shock, cost: np.ndarray, size: float) -> float:
        """Add the overrun to the cost vector; return the change of its offset."""
        m, d, hm = self.m, self.d, self.hm
        offset = 0.0
        if sh.technology is None:
            for s in d.sites:
                if (sh.site is None or s == sh.site) and (s, "facility") in d.use_index:
                    col = hm.column(m.built_mw[s, d.D])
                    cost[col] += size * d.build_capex[s]
                    offset -= size * d.build_capex[s] * d.existing[s]
            return offset
        k = sh.technology
        for s, k2, t in d.unit_index:
            if k2 != k:
                continue
            col = hm.column(m.units[s, k, t])
            if col is None:
                continue
            if d.bought[k] and t == d.D:
                cost[col] += size * d.capex_per_unit[k]
            elif not d.bought[k]:
                cost[col] += size * d.rent_per_period[k]
        return offset

    def point(self, i: int | None, size: float) -> dict[str, Any]:
        """Capacity, built MW and cost at the deadline with shock i at ``size``
        (None: no shock)."""
        if i is not None:
            self._set(i, size, True)
        try:
            row = self._solve()
        finally:
            if i is not None:
                self._set(i, size, False)
        return row

    def _solve(self) -> dict[str, Any]:
        hm, opts = self.hm, self.options
        given_up = False
        hm.set_objective("capacity", True)
        res = hm.run(opts.time_limit, opts.mip_gap, warm=True)
        self.solves += 1
        if res.status == "infeasible":  # a tranche's payment uncovered: it may be given up
            given_up = True
            for col in self.tranche_cols:
                hm.lower[col] = 0.0
                hm.h.changeColBounds(col, 0.0, hm.upper[col])
            res = hm.run(opts.time_limit, opts.mip_gap, warm=True)
            self.solves += 1
        try:
            if res.value is None:
                return {
                    "status": res.status,
                    "capacity_mw": None,
                    "built_mw": None,
                    "total_cost": None,
                    "tranches_given_up": given_up,
                }
            capacity = max(res.value, 0.0)
            status = "optimal" if res.status == "optimal" else "feasible"
            value = res.value
            for held, term in zip(STAGES, STAGES[1:], strict=False):
                slack = 1e-6  # HiGHS's feasibility tolerance: the stage is held as found
                off = float(hm.offsets[held])
                hm.set_row_bounds(self.holds[held], value - slack - off, INF)
                hm.set_objective(term, term != "cost")
                res = hm.run(opts.time_limit, opts.mip_gap, warm=True)
                self.solves += 1
                if res.value is None:
                    break
                value = res.value
                if res.status != "optimal":
                    status = "feasible"
            cost = value if res.value is not None and term == "cost" else None
            x = hm.solution
            assert x is not None, "a run with a plan stores it"
            built = 0.0
            for s in self.d.sites:
                j = hm.column(self.m.built_mw[s, self.d.D])
                built += x[j] if j is not None else pyo.value(self.m.built_mw[s, self.d.D])
            return {
                "status": status,
                "capacity_mw": tidy(capacity),
                "built_mw": tidy(built),
                "total_cost": None if cost is None else tidy(cost),
                "tranches_given_up": given_up,
            }
        finally:
            for row in self.holds.values():
                hm.set_row_bounds(row, -INF, INF)
            if given_up:
                for col in self.tranche_cols:
                    hm.lower[col] = 1.0
                    hm.h.changeColBounds(col, 1.0, hm.upper[col])


# ------------------------------------------------------------- the test
