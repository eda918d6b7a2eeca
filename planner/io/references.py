"""Checks across the sections of an instance: every name a section refers to
exists (sites, technologies, sources), with a "did you mean" hint."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from planner.io.problems import closest_name


# ------------------------------------------------------------ cross references
def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _mapping(value: Any) -> Mapping:
    return value if isinstance(value, Mapping) else {}


def _valid_name(name: Any) -> bool:
    return isinstance(name, str) and name != "" and name.isprintable()


def cross_references(data: Mapping) -> list[tuple[str, str, Any]]:
    """Duplicate names and references to unknown names, read off the raw
    mapping so they are reported together with the schema's problems.

    A catalogue (sites, technologies) that is not a list, or holds an entry
    without a valid name, is not used to judge references: its own problems
    are reported and the references are checked once they are fixed.
    """
    problems: list[tuple[str, str, Any]] = []

    def catalogue(key: str, label: str, required: bool = False) -> set[str] | None:
        items = data.get(key)
        # an empty list of sites is a problem of its own; of technologies, it is none
        complete = (isinstance(items, list) or items is None) and (bool(items) or not required)
        first: dict[str, int] = {}
        for i, item in enumerate(_list(items)):
            name = item.get("name") if isinstance(item, Mapping) else None
            if not isinstance(name, str) or not _valid_name(name):
                complete = False
                continue
            if name in first:
                problems.append(
                    (
                        f"{key}[{i}].name",
                        f"duplicate {label} name (first at {key}[{first[name]}])",
                        name,
                    )
                )
            else:
                first[name] = i
        return set(first) if complete else None

    def known(path: str, name: Any, names: set[str] | None, label: str) -> None:
        if names is None or not _valid_name(name) or name in names:
            return
        hint = closest_name(name, names)
        extra = f" (did you mean '{hint}'?)" if hint else ""
        problems.append((path, f"unknown {label}{extra}", name))

    sites = catalogue("sites", "site", required=True)
    techs = catalogue("technologies", "technology")
    catalogue("funding", "source")
    first_entry: dict[str, int] = {}
    for i, entry in enumerate(_list(data.get("supply"))):
        tech = _mapping(entry).get("technology")
        known(f"supply[{i}].technology", tech, techs, "technology")
        if not isinstance(tech, str) or not _valid_name(tech):
            continue
        if tech in first_entry:
            problems.append(
                (
                    f"supply[{i}].technology",
                    f"a second supply entry for this technology (first "
                    f"at supply[{first_entry[tech]}])",
                    tech,
                )
            )
        else:
            first_entry[tech] = i
    for i, site in enumerate(_list(data.get("sites"))):
        listed = _mapping(_mapping(site).get("onsite")).get("technologies")
        for j, tech in enumerate(_list(listed)):
            known(f"sites[{i}].onsite.technologies[{j}]", tech, techs, "technology")
    for i, source in enumerate(_list(data.get("funding"))):
        for j, site in enumerate(_list(_mapping(source).get("sites"))):
            known(f"funding[{i}].sites[{j}]", site, sites, "site")
    return problems
