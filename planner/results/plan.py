"""The plan: tidy tables read off a solved model, and its JSON form.

The tables' names, columns and units are in planner.results.tables;
docs/plan.md lists every table and column.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from planner.results.status import StageResult, Status
from planner.results.tables import TABLES


def _empty_tables() -> dict[str, pd.DataFrame]:
    return {name: pd.DataFrame() for name in TABLES}


@dataclass
class Plan:
    status: Status
    instance_name: str = ""
    capacity_mw: float | None = None
    total_cost: float | None = None
    co2_mt: float | None = None
    stages: list[StageResult] = field(default_factory=list)
    mip_gap: float | None = None
    bound: float | None = None
    timings: dict[str, float] = field(default_factory=dict)
    periods: list[str] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=_empty_tables)
    message: str = ""
    explanation: list[str] = field(default_factory=list)  # why infeasible, one line each
    instance_data: dict[str, Any] | None = None  # the validated instance, for plan-only tools

    def __getattr__(self, name: str) -> pd.DataFrame:
        # plan.capacity, plan.power, ... are the tables
        tables = self.__dict__.get("tables")
        if tables is not None and name in TABLES:
            return tables[name]
        raise AttributeError(name)

    # ------------------------------------------------------------- summaries
    def site_capacity(self) -> pd.DataFrame:
        """Per site at the deadline: IT MW online and built."""
        cap = self.tables["capacity"]
        if cap.empty:
            return pd.DataFrame(columns=["site", "online_mw", "built_mw"])
        last = cap[cap["period"] == cap["period"].max()]
        return last[["site", "online_mw", "built_mw"]].reset_index(drop=True)

    def draws_by_source(self) -> dict[str, float]:
        src = self.tables["sources"]
        if src.empty:
            return {}
        return {r.source: float(r.drawn_musd) for r in src.itertuples()}

    def largest_gap(self) -> tuple[str | None, float | None]:
        """The stage with the largest MIP gap and that gap (inf for a stage
        with a plan but no bound: its gap is unknown); (None, None) without
        stages that found a plan. The plan's gap is this one."""
        worst: tuple[str | None, float | None] = (None, None)
        for s in self.stages:
            if s.value is None:
                continue
            gap = math.inf if s.mip_gap is None or not math.isfinite(s.mip_gap) else s.mip_gap
            if worst[1] is None or gap > worst[1]:
                worst = (s.term, gap)
        return worst

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        return {
            "instance": self.instance_name,
            "status": self.status.value,
            "message": self.message,
            "explanation": self.explanation,
            "capacity_mw": self.capacity_mw,
            "total_cost": self.total_cost,
            "co2_mt": self.co2_mt,
            "mip_gap": _finite(self.mip_gap),
            "bound": _finite(self.bound),
            "stages": [
                {
                    "term": s.term,
                    "value": s.value,
                    "status": s.status.value,
                    "mip_gap": _finite(s.mip_gap),
                    "bound": _finite(s.bound),
                    "solve_s": s.solve_s,
                }
                for s in self.stages
            ],
            "timings": self.timings,
            "periods": self.periods,
            "instance_data": self.instance_data,
            "tables": {
                name: {
                    "columns": list(df.columns),
                    "data": json.loads(df.to_json(orient="values", double_precision=15))
                    if len(df)
                    else [],
                }
                for name, df in self.tables.items()
            },
        }

    def to_json(self, indent: int | None = 1) -> str:
        """Strict JSON (a number that is not finite is written as null)."""
        from planner.io.strict_json import dumps

        return dumps(self.to_dict(), indent=indent, note=False)

    @classmethod
    def from_dict(cls, obj: dict[str, Any]) -> Plan:
        tables = {
            name: pd.DataFrame(t["data"], columns=t["columns"])
            for name, t in obj.get("tables", {}).items()
        }
        for name in TABLES:
            tables.setdefault(name, pd.DataFrame())
        return cls(
            status=Status(obj["status"]),
            instance_name=obj.get("instance", ""),
            message=obj.get("message", ""),
            explanation=list(obj.get("explanation", [])),
            instance_data=obj.get("instance_data"),
            capacity_mw=obj.get("capacity_mw"),
            total_cost=obj.get("total_cost"),
            co2_mt=obj.get("co2_mt"),
            mip_gap=obj.get("mip_gap"),
            bound=obj.get("bound"),
            stages=[
                StageResult(
                    s["term"],
                    s["value"],
                    Status(s["status"]),
                    s.get("mip_gap"),
                    s.get("bound"),
                    s.get("solve_s", 0.0),
                )
                for s in obj.get("stages", [])
            ],
            timings=dict(obj.get("timings", {})),
            periods=list(obj.get("periods", [])),
            tables=tables,
        )

    @classmethod
    def from_json(cls, text: str) -> Plan:
        """The plan of a plan file's text, checked against the plan file's
        schema (:mod:`planner.results.plan_schema`); raises ``PlanFileError``."""
        from planner.results.plan_schema import plan_data

        return cls.from_dict(plan_data(text))


def _finite(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else x
