"""``import planner`` and ``planner --help`` load none of the heavy libraries:
each public name is imported from its layer when first used, and each command
imports what it needs when it runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

INSTANCES = Path(__file__).parent.parent.parent / "instances"
HEAVY = ("pyomo", "highspy", "pandas", "matplotlib", "rich")
PROBE = "import sys; {code}; print(' '.join(m for m in {heavy!r} if m in sys.modules))"


def _loaded(code: str, names: tuple[str, ...] = HEAVY) -> list[str]:
    """Which of ``names`` are imported after running ``code`` in a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(code=code, heavy=names)],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.split()


def test_import_planner_loads_no_heavy_library():
    assert _loaded("import planner") == []


def test_planner_help_loads_no_heavy_library():
    code = (
        "from click.testing import CliRunner; from planner.cli.main import main; "
        "r = CliRunner().invoke(main, ['--help']); assert r.exit_code == 0, r.output; "
        "assert 'solve' in r.output"
    )
    assert _loaded(code) == []


def test_the_entry_point_answers_help_without_heavy_libraries():
    code = (
        "import sys; sys.argv = ['planner', '--help']; from planner.cli.entry import run\n"
        "try:\n    run()\nexcept SystemExit as e:\n    assert e.code in (0, None)"
    )
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            code + "\nimport sys as s; print('LOADED', "
            f"' '.join(m for m in {HEAVY!r} if m in s.modules))",
        ],
        capture_output=True,
        text=True,
    )
    assert "Usage: planner" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "LOADED"


@pytest.mark.parametrize(
    "name, library", [("solve", "pyomo"), ("Session", "highspy"), ("Plan", "pandas")]
)
def test_a_public_name_loads_its_layer_when_used(name, library):
    assert library in _loaded(f"import planner; planner.{name}")


def test_public_api_is_unchanged():
    import planner

    assert planner.__all__ == [
        "Instance",
        "InstanceError",
        "Plan",
        "Session",
        "SolveOptions",
        "StageResult",
        "Status",
        "load_instance",
        "parse_instance",
        "solve",
        "verify",
    ]
    assert all(getattr(planner, name) is not None for name in planner.__all__)
    assert callable(planner.solve) and planner.solve.__module__ == "planner.solver.session"


def test_a_solve_does_not_load_scipy_stats():
    """Pyomo's import hook finalizes a first scipy import with scipy.stats
    (about 1 s); the compiler's hooks are set past it (planner.solver.highs)."""
    code = (
        "import planner; p = planner.solve(planner.load_instance("
        f"{str(INSTANCES / 'toy-two-sites.yaml')!r})); assert p.capacity_mw == 127.0"
    )
    assert _loaded(code, ("scipy.sparse", "scipy.stats")) == ["scipy.sparse"]


def test_validating_an_instance_loads_no_solver_and_no_study_schema():
    texas = str(INSTANCES / "texas-2028.yaml")
    code = f"from planner.io.load import load_instance; load_instance({texas!r})"
    names = ("pyomo", "highspy", "pandas", "planner.io.uncertainty", "planner.io.sections")
    assert _loaded(code, names) == []
