"""Every rule of docs/model.md has a hand-derived test, and the model has no
constraint that is not a named rule."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pyomo.environ as pyo

import planner
from planner.model import build_model, prepare
from planner.model.rules import DEFINITIONS, RULES

HERE = Path(__file__).parent


def _family_markers() -> set[str]:
    covered: set[str] = set()
    for path in sorted(HERE.glob("test_*.py")):
        spec = importlib.util.spec_from_file_location(f"_families_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for name in dir(module):
            obj = getattr(module, name)
            if name.startswith("test") and callable(obj):
                for mark in getattr(obj, "pytestmark", []):
                    if mark.name == "family":
                        covered.update(mark.args)
    return covered


def test_every_rule_has_a_hand_derived_test():
    missing = sorted(set(RULES) - _family_markers())
    assert not missing, f"rules with no @pytest.mark.family test: {missing}"


def test_family_markers_name_known_rules():
    unknown = sorted(_family_markers() - set(RULES))
    assert not unknown, f"family markers naming no rule of docs/model.md: {unknown}"


def test_every_constraint_of_the_model_is_a_named_rule():
    inst = planner.load_instance(HERE.parent / "data" / "every-feature.yaml")
    m = build_model(prepare(inst))
    names = {c.name for c in m.component_objects(pyo.Constraint)}
    unnamed = sorted(names - set(RULES) - set(DEFINITIONS))
    assert not unnamed, f"constraints that are no rule of rules.RULES: {unnamed}"
    # and the every-feature instance really exercises every constraint family
    expected = {n for n in RULES if n in dir(m) and isinstance(getattr(m, n), pyo.Constraint)}
    assert {"firm_power", "supply_limit", "coverage", "source_setup", "built_blocks"} <= expected
    assert all(len(getattr(m, n)) > 0 for n in names - {"stage_bound"})
