"""The README's set-up: scripts/install-chromium installs the browser as
root, through sudo, or not at all (one line saying what to do), each path run
with fake ``id``, ``sudo`` and ``apt-get`` that log what they were asked.
That CI runs the README's test command exactly is checked with the README's
other blocks (tests/docs/test_docs.py)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "install-chromium"
BASH = shutil.which("bash") or "/bin/bash"


def fake_bin(tmp_path: Path, uid: int, tools: tuple[str, ...]) -> Path:
    """A PATH of fakes: ``id -u`` prints ``uid``; each of ``tools`` logs its
    arguments to LOG (sudo then runs the rest of its line)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    scripts = {"id": f"#!{BASH}\necho {uid}\n"}
    for tool in tools:
        body = f'echo "{tool}$(printf \' %s\' "$@")" >> "$LOG"\n'
        scripts[tool] = f"#!{BASH}\n{body}" + ('"$@"\n' if tool == "sudo" else "")
    for name, text in scripts.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    return bin_dir


def run_script(tmp_path: Path, uid: int, tools: tuple[str, ...]):
    bin_dir = fake_bin(tmp_path, uid, tools)
    log = tmp_path / "log"
    log.write_text("")
    env = {"PATH": str(bin_dir), "LOG": str(log), "HOME": str(tmp_path)}
    done = subprocess.run(
        [BASH, str(SCRIPT)], env=env, capture_output=True, text=True, cwd=tmp_path
    )
    return done, log.read_text().splitlines()


APT = [
    "apt-get update -qq",
    "apt-get install -y -qq chromium chromium-driver",
]


def test_as_root_it_runs_apt_get_itself(tmp_path):
    done, log = run_script(tmp_path, 0, ("apt-get", "sudo"))
    assert done.returncode == 0, done.stderr
    assert log == APT


def test_as_a_user_with_sudo_it_runs_apt_get_through_sudo(tmp_path):
    done, log = run_script(tmp_path, 1000, ("apt-get", "sudo"))
    assert done.returncode == 0, done.stderr
    assert log == [entry for line in APT for entry in (f"sudo {line}", line)]


def test_without_root_or_sudo_it_installs_nothing_and_says_what_to_do(tmp_path):
    done, log = run_script(tmp_path, 1000, ("apt-get",))
    assert done.returncode == 1
    assert log == []
    [line] = done.stderr.strip().splitlines()
    assert "needs root or sudo" in line and "-k 'not browser'" in line


@pytest.mark.parametrize("uid", [0, 1000])
def test_with_both_installed_it_does_nothing(tmp_path, uid):
    done, log = run_script(tmp_path, uid, ("apt-get", "sudo", "chromium", "chromedriver"))
    assert done.returncode == 0, done.stderr
    assert log == [] and done.stderr == ""
