"""Every command's help: ``-h`` and ``--help`` answer, every option says what
it is (and, when it takes a value, its default), and the help ends with an
example that runs as written on the shipped instances, so that the examples
cannot drift from the commands."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from planner.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = sorted(main.commands)
HEAVY = ("pyomo", "highspy", "pandas", "matplotlib")


def help_text(*args: str) -> str:
    result = CliRunner().invoke(main, [*args, "-h"], prog_name="planner", catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def example_lines(text: str) -> list[str]:
    """The commands of the help's example block (the lines after 'Example:')."""
    lines = text.rstrip().splitlines()
    assert "  Example:" in lines, text
    block = [line.strip() for line in lines[lines.index("  Example:") + 1 :]]
    assert block and all(line.startswith("planner ") for line in block), block
    return block


def test_the_group_answers_h_and_lists_every_command():
    text = help_text()
    assert text.startswith("Usage: planner")
    for name in COMMANDS:
        assert f"  {name} " in text
    assert example_lines(text) == ["planner solve instances/toy-two-sites.yaml"]


@pytest.mark.parametrize("name", COMMANDS)
def test_h_and_help_answer_alike_and_end_with_an_example(name):
    text = help_text(name)
    assert text.startswith(f"Usage: planner {name} ")
    assert CliRunner().invoke(main, [name, "--help"], prog_name="planner").output == text
    assert text.rstrip().splitlines()[-1].strip().startswith("planner ")
    assert any(line.startswith(f"planner {name} ") for line in example_lines(text))


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_has_help_and_each_value_option_its_default(name):
    command = main.commands[name]
    ctx = click.Context(command, info_name=name, parent=click.Context(main, info_name="planner"))
    for param in command.get_params(ctx):
        if not isinstance(param, click.Option):
            continue
        assert param.help and param.help.strip(), f"{name} {param.opts}: no help"
        takes_value = not param.is_flag and not param.count
        if takes_value and not param.required:
            shown = "default" in param.help or param.show_default
            assert shown, f"{name} {param.opts}: its help does not say its default"


def test_h_of_a_command_loads_no_heavy_library():
    """``planner solve -h`` is answered before the command's libraries load."""
    code = (
        "import sys; sys.argv = ['planner', 'solve', '-h']\n"
        "from planner.cli.entry import run\n"
        "try:\n    run()\nexcept SystemExit as e:\n    assert e.code in (0, None)\n"
        f"print('LOADED', ' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "Usage: planner solve" in out.stdout, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "LOADED"


@pytest.mark.parametrize("name", COMMANDS)
def test_the_example_of_each_command_runs_as_written(name, tmp_path, monkeypatch):
    """Each line of the example, in order, in a fresh folder holding a copy of
    instances/: every one exits 0 and the last prints something."""
    shutil.copytree(ROOT / "instances", tmp_path / "instances")
    monkeypatch.chdir(tmp_path)
    for line in example_lines(help_text(name)):
        result = CliRunner().invoke(main, shlex.split(line)[1:], catch_exceptions=False)
        assert result.exit_code == 0, f"{line}\n{result.output}"
    assert result.output.strip(), line
