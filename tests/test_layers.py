"""The layers of planner/ import only downward, with no cycle and no private
name imported across modules (imports inside functions count too):

    cli > report > studies > analysis > solver > results > model > io > calendar

The package's own __init__ (the lazy public API) and __main__ stand above all.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "planner"
LAYERS = ["calendar", "io", "model", "results", "solver", "analysis", "studies", "report", "cli"]


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(("planner", *path.relative_to(PACKAGE).with_suffix("").parts))
        out[name.removesuffix(".__init__")] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, str | None]]:
    """(module imported, name imported from it or None) for every import."""
    is_package = path.name == "__init__.py"
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(a.name, None) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = name.split(".") if is_package else name.split(".")[:-1]
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            for a in node.names:
                target = f"{base}.{a.name}"
                found.append((target, None) if target in modules else (base, a.name))
    return [(m, n) for m, n in found if m in modules]


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def _graph() -> dict[str, list[tuple[str, str | None]]]:
    modules = _modules()
    return {m: _imports(m, p, modules) for m, p in modules.items()}


def test_imports_run_downward():
    wrong = []
    for module, imports in _graph().items():
        here = _layer(module)
        if here is None:
            continue  # planner/__init__.py and __main__.py: the front door
        for target, _ in imports:
            there = _layer(target)
            if target == "planner" and module.endswith(".html"):
                continue  # the report's footer shows planner.__version__
            if there is None or there > here:
                wrong.append(f"{module} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle():
    graph = {
        m: {t for t, _ in imports if not m.startswith(t + ".")} for m, imports in _graph().items()
    }
    state: dict[str, int] = {}

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for t in sorted(graph[m]):
            if state.get(t) == 1:
                raise AssertionError("cycle: " + " -> ".join(path[path.index(t) :] + [t]))
            if t not in state:
                visit(t, path + [t])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])


def test_no_private_name_is_imported_across_modules():
    private = [
        f"{m} imports {t}.{n}"
        for m, imports in _graph().items()
        for t, n in imports
        if n and n.startswith("_") and not n.startswith("__")
    ]
    assert not private, "\n".join(private)


def test_no_module_is_over_400_lines():
    long = [
        f"{p.relative_to(PACKAGE.parent)}: {n}"
        for p in PACKAGE.rglob("*.py")
        if (n := p.read_text(encoding="utf-8").count("\n")) > 400
    ]
    assert not long, long


def test_the_checks_see_a_wrong_import(tmp_path):
    source = "from planner.cli.main import main\nfrom planner.io.fields import _x\n"
    (tmp_path / "m.py").write_text(source)
    found = _imports(
        "planner.model.m",
        tmp_path / "m.py",
        {"planner.cli.main": Path(), "planner.io.fields": Path()},
    )
    assert found == [("planner.cli.main", "main"), ("planner.io.fields", "_x")]
    assert _layer("planner.cli.main") > _layer("planner.model.m")
