"""Live progress: drawn on stderr when it is a terminal, never on stdout,
nothing on a pipe, nothing with --quiet."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from rich.console import Console

import planner
from planner.analysis.explain import explain
from planner.cli.live import explain_progress, stage_progress
from planner.solver.session import Session

TOY = str(Path(__file__).parent.parent.parent / "instances" / "toy-two-sites.yaml")


def _console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=True, width=160), out


def _toy(stages: list[str]):
    instance = planner.load_instance(TOY)
    objective = instance.objective.model_copy(update={"stages": stages})
    return instance.model_copy(update={"objective": objective})


def test_a_solve_draws_each_stage_k_of_n():
    console, out = _console()
    with stage_progress(console) as progress:
        Session(_toy(["capacity", "capacity_time", "cost"]), progress=progress).solve()
    text = out.getvalue()
    for k, term in enumerate(["capacity", "capacity_time", "cost"], start=1):
        assert f"stage {k} of 3 ({term}): optimal" in text
    assert "value 127," in text  # the toy's capacity optimum, 127 MW


def test_explain_counts_its_re_solves():
    console, out = _console()
    with explain_progress(console) as progress:
        result = explain(_toy(["capacity", "cost"]), progress=progress)
    assert result.resolves > 0
    assert f"{result.resolves}/{result.resolves}" in out.getvalue()


def _run(args: list[str]) -> tuple[int, str, str]:
    """``planner ARGS`` with stderr on a pseudo-terminal: exit code, stdout, stderr."""
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "planner", *args], stdout=subprocess.PIPE, stderr=child
    )
    os.close(child)
    chunks = []
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:  # the terminal's other side closed
            break
        if not data:
            break
        chunks.append(data)
    os.close(main)
    stdout = proc.stdout.read().decode() if proc.stdout else ""
    proc.wait()
    return proc.returncode, stdout, b"".join(chunks).decode(errors="replace")


def test_on_a_terminal_the_stages_go_to_stderr_and_json_stays_clean():
    code, stdout, stderr = _run(["solve", TOY, "--json"])
    assert code == 0
    assert json.loads(stdout)["capacity_mw"] == 127.0
    assert "stage 1 of 2 (capacity)" in stderr
    assert " of 2 (" not in stdout and "\x1b" not in stdout


def test_quiet_draws_nothing_on_a_terminal():
    code, stdout, stderr = _run(["--quiet", "solve", TOY, "--json"])
    assert code == 0
    assert json.loads(stdout)["status"] == "optimal"
    assert stderr == ""


def test_on_a_pipe_nothing_extra_is_printed():
    proc = subprocess.run(
        [sys.executable, "-m", "planner", "solve", TOY, "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["capacity_mw"] == 127.0
    assert proc.stderr == ""
