"""Checks of the ``uncertainty:`` and ``scenarios:`` sections: their schema's
errors as problem lines, and every name they refer to against the instance."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from pydantic import (
    BaseModel,
    ValidationError,
)

from planner.io import shocks
from planner.io.uncertainty import DeliverySlip, Entry, GridSlip, Scenario


def validate_section(model, value: Any, where: str, source: str, problems: list[str]):
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            problems.append(section_error_line(source, where, err))
        return None


def validate_scenarios(value: Any, source: str, problems: list[str]) -> list[Scenario] | None:
    if not isinstance(value, list) or not value:
        problems.append(
            section_line(source, "scenarios", "must be a non-empty list of scenarios", value)
        )
        return None
    out, ok = [], True
    for i, item in enumerate(value):
        sc = validate_section(Scenario, item, f"scenarios[{i}]", source, problems)
        ok = ok and sc is not None
        out.append(sc)
    if not ok:
        return None
    seen: dict[str, int] = {}
    for i, sc in enumerate(out):
        if sc.name in seen:
            problems.append(
                section_line(
                    source,
                    f"scenarios[{i}].name",
                    f"duplicate scenario name (first at scenarios[{seen[sc.name]}])",
                    sc.name,
                )
            )
        seen.setdefault(sc.name, i)
    total = sum(sc.probability for sc in out)
    if abs(total - 1) > 1e-6:
        problems.append(
            section_line(source, "scenarios", f"probabilities must add up to 1, got {total:.6g}")
        )
    return out


def section_references(
    entries: list[Entry], data: Mapping, where: str, source: str, owner: BaseModel
) -> list[str]:
    sites = {s["name"]: s for s in data["sites"]}
    supply = {e["technology"]: e for e in data.get("supply", [])}
    sources = [f["name"] for f in data.get("funding", [])]
    out = []

    def unknown(path: str, label: str, name: str, names) -> None:
        hint = difflib.get_close_matches(name, sorted(names), n=1)
        extra = f" (did you mean '{hint[0]}'?)" if hint else ""
        out.append(section_line(source, path, f"unknown {label}{extra}", name))

    out += shocks.references(getattr(owner, "money", []), data, where, source, section_line)
    for kind in ("grid", "deliveries", "funding"):
        for i, e in enumerate(getattr(owner, kind)):
            path = f"{where}.{kind}[{i}]"
            if isinstance(e, GridSlip):
                if e.site is not None and e.site not in sites:
                    unknown(f"{path}.site", "site", e.site, sites)
                    continue
                chosen = [sites[e.site]] if e.site else list(sites.values())
                if not any((s.get("grid") or {}).get("tranches") for s in chosen):
                    out.append(
                        section_line(source, path, "selects no grid tranche", e.site or "all")
                    )
                elif (
                    e.tranche is not None
                    and e.site is not None
                    and e.tranche >= len(sites[e.site]["grid"]["tranches"])
                ):
                    out.append(
                        section_line(
                            source,
                            f"{path}.tranche",
                            f"{e.site} has {len(sites[e.site]['grid']['tranches'])} tranches",
                            e.tranche,
                        )
                    )
            elif isinstance(e, DeliverySlip):
                if e.technology not in supply:
                    unknown(
                        f"{path}.technology", "technology with a supply entry", e.technology, supply
                    )
                elif e.delivery is not None and e.delivery >= len(
                    supply[e.technology]["deliveries"]
                ):
                    n = len(supply[e.technology]["deliveries"])
                    out.append(
                        section_line(
                            source,
                            f"{path}.delivery",
                            f"{e.technology} has {n} deliveries",
                            e.delivery,
                        )
                    )
            elif e.source not in sources:
                unknown(f"{path}.source", "source", e.source, sources)
    return out


_MESSAGES = {
    "extra_forbidden": "unknown key",
    "missing": "required key is missing",
    "float_type": "must be a number",
    "int_type": "must be a whole number",
    "string_type": "must be text",
    "list_type": "must be a list",
    "model_type": "must be a mapping of keys to values",
    "finite_number": "must be a finite number",
    "union_tag_invalid": "dist must be one of uniform, triangular, discrete",
    "union_tag_not_found": "a distribution needs 'dist' (uniform, triangular, discrete)",
}


_BRANCHES = {"number", "distribution", "uniform", "triangular", "discrete", *shocks.SHOCKS}


def section_error_line(source: str, where: str, err: Mapping[str, Any]) -> str:
    # Union errors name their branch; keep the path the user wrote.
    loc = [p for p in err["loc"] if p not in _BRANCHES]
    path = where
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    kind = err["type"]
    if kind.startswith("union_tag") and "shock" in str(
        (err.get("ctx") or {}).get("discriminator", "")
    ):
        message = "shock must be one of " + ", ".join(shocks.SHOCKS)
    elif kind in _MESSAGES:
        message = _MESSAGES[kind]
    elif kind == "value_error":
        message = str((err.get("ctx") or {}).get("error", err["msg"]))
    else:
        message = err["msg"][:1].lower() + err["msg"][1:]
    if kind == "missing":
        return section_line(source, path, message)
    return section_line(source, path, message, err.get("input"))


def section_line(source: str, path: str, message: str, value: Any = ...) -> str:
    if value is ...:
        return f"{source}: {path}: {message}"
    shown = repr(value) if isinstance(value, str) else str(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return f"{source}: {path}: {message}, got {shown}"
