"""Every rule of docs/model.md has a hand-derived test, and the model has no
constraint that is not a named rule."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pyomo.environ as pyo

import planner
from planner.analysis.verify import RULES as VERIFIER_RULES
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


def _code_names_in(doc: Path) -> set[str]:
    """The names written as code in a Markdown file: `name`."""
    return set(re.findall(r"`([a-z][a-z0-9_]*)`", doc.read_text(encoding="utf-8")))


def test_every_rule_name_is_in_docs_model_md():
    """From the contract to the code in one jump: each rule of the registry, each
    defining constraint and each rule the verifier reports is named in the doc."""
    written = _code_names_in(HERE.parent.parent / "docs" / "model.md")
    for names, where in (
        (RULES, "planner/model/rules.py RULES"),
        (DEFINITIONS, "planner/model/rules.py DEFINITIONS"),
        (VERIFIER_RULES, "planner/analysis/verify.py RULES"),
    ):
        missing = sorted(set(names) - written)
        assert not missing, f"names of {where} missing from docs/model.md: {missing}"


def test_the_doc_check_sees_a_missing_name(tmp_path):
    doc = tmp_path / "model.md"
    doc.write_text("- `C <= B` (`online_le_built`), and `firm_power`.\n", encoding="utf-8")
    assert _code_names_in(doc) >= {"online_le_built", "firm_power"}
    assert "coverage" not in _code_names_in(doc)
