"""The shocks of the stress test: a ``--shock`` selector parsed into a
:class:`Shock` of the instance (docs/scenarios.md section 8), and the sizes
each kind of shock is tried at."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from planner.studies import shocks

STAGES = ("capacity", "capacity_time", "cost")  # the plan keeps building where it can
LOSS = 1e-6  # relative: less than this below the base capacity is no loss
GRIDS = {  # the sizes of a curve, by kind of shock
    "cut": [i / 20 for i in range(21)],
    "limit": [i / 20 for i in range(21)],
    "rate": [float(b) for b in range(0, 1001, 100)],
    "capex": [i / 10 for i in range(11)],
}
UNITS = {"cut": "fraction", "limit": "fraction", "rate": "bp", "capex": "overrun"}


class StressError(ValueError):
    """A --shock that names nothing in the instance."""


@dataclass(frozen=True)
class Shock:
    kind: str  # cut | rate | limit | capex
    label: str
    sources: tuple[str, ...] = ()
    limit: str | None = None
    site: str | None = None
    technology: str | None = None
    start: str | None = None  # the date it hits from

    def applied(self, size: float) -> dict:
        """The shock of this size, as :mod:`planner.studies.shocks` applies it."""
        if self.kind == "cut":
            return {
                "shock": "cut",
                "sources": list(self.sources),
                "from": self.start,
                "fraction": size,
            }
        if self.kind == "rate":
            return {"shock": "rate", "sources": list(self.sources), "from": self.start, "bp": size}
        if self.kind == "limit":
            return {"shock": "limit", "limit": self.limit, "from": self.start, "fraction": size}
        return {
            "shock": "capex",
            "site": self.site,
            "technology": self.technology,
            "factor": 1 + size,
        }


def parse_shock(text: str, data: Mapping, start: str | None = None) -> Shock:
    """A ``--shock`` selector: ``[KIND:]TARGET`` (see the module's table)."""
    kind, _, target = text.partition(":")
    if not target:
        kind, target = ("limit" if text in shocks.LIMITS else "cut"), text
    if kind not in UNITS:
        raise StressError(f"unknown shock {kind!r} in {text!r}: shocks are " + ", ".join(UNITS))
    suffix = "" if start is None or kind == "capex" else f" from {start}"
    if kind == "limit":
        if target not in shocks.LIMITS:
            raise StressError(f"unknown limit {target!r}: limits are " + ", ".join(shocks.LIMITS))
        if data.get("limits", {}).get(target) is None:
            raise StressError(f"the instance sets no {target}")
        return Shock("limit", f"limit {target}{suffix}", limit=target, start=start)
    if kind == "capex":
        sites = [s["name"] for s in data["sites"]]
        techs = [k["name"] for k in data.get("technologies", [])]
        if target == "all":
            return Shock("capex", "capex every site")
        key, _, name = target.partition("=")
        if key == "site" and name in sites:
            return Shock("capex", f"capex {name}", site=name)
        if key == "technology" and name in techs:
            return Shock("capex", f"capex {name}", technology=name)
        raise StressError(
            f"capex shock {target!r}: give all, site=SITE or technology=TECH "
            f"(sites {', '.join(sites)}; technologies {', '.join(techs) or 'none'})"
        )
    names = [f["name"] for f in data.get("funding", [])]
    if target == "all":
        chosen = names
    elif target == "off_balance_sheet":
        chosen = shocks.select_sources(shocks.SourceFilter(off_balance_sheet=True), data)
    elif target.startswith("kind="):
        kinds = target[5:].split(",")
        bad = [k for k in kinds if k not in shocks.KINDS]
        if bad:
            raise StressError(f"unknown kind {bad[0]!r}: kinds are " + ", ".join(shocks.KINDS))
        chosen = shocks.select_sources(shocks.SourceFilter(kind=kinds), data)  # type: ignore[arg-type]  # checked above
    else:
        wanted = target.split(",")
        bad = [n for n in wanted if n not in names]
        if bad:
            raise StressError(f"unknown source {bad[0]!r}: sources are {', '.join(names)}")
        chosen = [n for n in names if n in wanted]
    if not chosen:
        raise StressError(f"{text!r} selects no source")
    return Shock(kind, f"{kind} {target}{suffix}", sources=tuple(chosen), start=start)


def default_shocks(data: Mapping, start: str | None = None) -> list[Shock]:
    """Every source (a cut) and every limit the instance sets (lowered)."""
    out = [parse_shock(f"cut:{f['name']}", data, start) for f in data.get("funding", [])]
    out += [
        parse_shock(f"limit:{k}", data, start)
        for k in shocks.LIMITS
        if data.get("limits", {}).get(k) is not None
    ]
    return out


def tidy(x: float) -> float:
    r = round(x)
    return float(r) + 0.0 if abs(x - r) < 1e-7 else float(x)
