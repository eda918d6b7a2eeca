"""The docs run as written: every fenced block of README.md and docs/*.md, in
a fresh copy of the checkout (its git-tracked and new files), in the order
written. Each file gets a copy of its own, shared by its blocks, so that a
block sees what the blocks above it wrote.

How a fence is read (docs/code.md says it in short):

- ```bash runs with ``bash -e -o pipefail``, in the copy, with this
  interpreter's ``planner`` first on PATH, and must exit 0; ```bash exit=N
  must exit N (under ``-e`` the first command that fails ends the block). It
  must leave no process running.
- A fence with no language right after a bash or python block (only blank
  lines between) is what that block prints on stdout: for bash, its last
  command (the commands above it are not shown); for python, the whole
  block. doctest's OutputChecker compares it with ELLIPSIS and
  NORMALIZE_WHITESPACE: ``...`` stands for what depends on the machine
  (timings, time-limited results), everything else must be as printed.
- ```python runs as a script in a fresh interpreter (cwd the copy) and must
  not raise.
- ```yaml must parse. One with ``horizon:`` and ``sites:`` must be a valid
  instance (with its sections); a fragment must make one of the shipped
  instances valid when put in place of the same top-level keys (a site,
  technology, source or supply entry in place of the one of its name).
- ```bash setup is a set-up command that installs the package or runs this
  suite, so it is checked, not run: its ``&&`` steps are read one by one. A
  venv is the one the block makes; ``pip install -e ".[X]"`` names extras of
  pyproject.toml, and a ``-c FILE`` pins every requirement of pyproject.toml
  at its lower bound; ``scripts/...`` exist; the suite (``scripts/check``,
  ``python -m pytest``) is this run; any other step runs (as a bash block),
  and a pip step not understood is an error. One of the README's is the last
  line of ``.ci/run``, exactly.
- Any other fence with no language is text (diagrams, layouts). A language
  or option not listed here is an error.
"""

from __future__ import annotations

import doctest
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

from planner.io.errors import InstanceError
from planner.io.load import parse_study

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest's own TOML reader
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
DOCS = ["README.md"] + sorted(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md"))
BLOCK_TIMEOUT_S = 300
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


@dataclass
class Block:
    line: int  # of the opening fence, 1-based
    lang: str
    options: list[str]
    text: str
    end: int  # line of the closing fence
    want: Block | None = None  # the output block that follows


@dataclass
class Failures:
    doc: str
    items: list[str] = field(default_factory=list)

    def add(self, block: Block, what: str) -> None:
        self.items.append(f"{self.doc}:{block.line}: ```{block.lang} block: {what}")


def fences(text: str) -> list[Block]:
    """The fenced blocks of a markdown text, each output block attached to
    the command block it follows."""
    lines = text.splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m or ("`" in m["info"] and m["fence"][0] == "`"):
            i += 1
            continue
        words = m["info"].split()
        close = re.compile(rf"^ {{0,3}}{m['fence'][0]}{{{len(m['fence'])},}}\s*$")
        j = i + 1
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        body = [line[len(m["indent"]) :] for line in lines[i + 1 : j]]
        block = Block(i + 1, words[0] if words else "", words[1:], "\n".join(body) + "\n", j + 1)
        previous = blocks[-1] if blocks else None
        gap = lines[previous.end : i] if previous else []
        if (
            not block.lang
            and previous is not None
            and previous.lang in ("bash", "python")
            and previous.want is None
            and all(not line.strip() for line in gap)
        ):
            previous.want = block
        else:
            blocks.append(block)
        i = j + 1
    return blocks


# ------------------------------------------------------------------ checkout
@pytest.fixture(scope="session")
def tracked() -> list[str]:
    """The files of a fresh checkout: tracked (as in the work tree) and new
    ones git does not ignore."""
    done = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    names = sorted(set(done.stdout.decode().split("\0")) - {""})
    return [n for n in names if (ROOT / n).is_file()]


def checkout(tracked: list[str], target: Path) -> Path:
    for name in tracked:
        dest = target / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dest)
    return target


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    for name in ("PYTHONPATH", "COLUMNS", "LINES"):
        env.pop(name, None)
    return env


# ------------------------------------------------------------------- running
@dataclass
class Run:
    code: int | None  # None: stopped at the time limit
    stdout: str
    stderr: str
    left_running: bool = False


def group_alive(pgid: int, grace_s: float = 10.0) -> bool:
    """Whether a process of the group is still there after ``grace_s`` (a
    pool's fork server or a Dask worker takes a moment to go)."""
    deadline = time.monotonic() + grace_s
    while True:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        if time.monotonic() > deadline:
            return True
        time.sleep(0.05)


def run(argv: list[str], cwd: Path, stdin: str) -> Run:
    """Run in a process group of its own; whatever is left of the group when
    the command ends (or its time is up) is ended."""
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=environment(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(stdin, timeout=BLOCK_TIMEOUT_S)
        code: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        code = None
    left = group_alive(proc.pid)
    if left:
        os.killpg(proc.pid, signal.SIGKILL)
    return Run(code, out, err, left)


def logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line index, command) of each command of a bash block: lines
    ending in a backslash continue, blank and comment lines are none."""
    lines = text.splitlines()
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        start, parts = i, [lines[i]]
        while parts[-1].endswith("\\") and i + 1 < len(lines):
            i += 1
            parts.append(lines[i])
        i += 1
        command = "\n".join(parts).strip()
        if command and not command.startswith("#"):
            out.append((start, command))
    return out


def bash_script(block: Block) -> str:
    """The block as written; with an output block, the stdout of every
    command before the last is set aside."""
    if block.want is None:
        return block.text
    lines = block.text.splitlines()
    last = logical_lines(block.text)[-1][0]
    before, after = "\n".join(lines[:last]), "\n".join(lines[last:])
    return f"exec 3>&1 >/dev/null\n{before}\nexec >&3 3>&-\n{after}\n"


def shown(text: str, limit: int = 30) -> str:
    lines = text.rstrip().splitlines()
    if len(lines) > limit:
        lines = ["..."] + lines[-limit:]
    return "\n".join("    " + line for line in lines) or "    (nothing)"


def check_run(block: Block, result: Run, expected_code: int, failures: Failures) -> None:
    command = shown(block.text)
    if result.code is None:
        failures.add(block, f"still running after {BLOCK_TIMEOUT_S} s\n{command}")
        return
    if result.code != expected_code:
        failures.add(
            block,
            f"exit {result.code}, expected {expected_code}\n{command}\n"
            f"  stdout:\n{shown(result.stdout)}\n  stderr:\n{shown(result.stderr)}",
        )
        return
    if result.left_running:
        failures.add(block, f"left processes running (ended now)\n{command}")
    if block.want is not None:
        checker = doctest.OutputChecker()
        if not checker.check_output(block.want.text, result.stdout, FLAGS):
            example = doctest.Example(block.text, block.want.text)
            diff = checker.output_difference(example, result.stdout, FLAGS)
            failures.add(
                block,
                f"output differs from the block at line {block.want.line}\n{command}\n{diff}"
                + (f"  stderr:\n{shown(result.stderr)}" if result.stderr.strip() else ""),
            )


def bash_block(block: Block, cwd: Path, failures: Failures) -> None:
    if re.search(r"\bpip3? install\b", block.text):
        failures.add(block, "installs with pip: a set-up block (```bash setup) is checked, not run")
        return
    code = 0
    for option in block.options:
        m = re.fullmatch(r"exit=(\d+)", option)
        if not m:
            failures.add(block, f"unknown option {option!r} (known: exit=N, setup)")
            return
        code = int(m[1])
    result = run(["bash", "-e", "-o", "pipefail", "-s"], cwd, bash_script(block))
    check_run(block, result, code, failures)


def python_block(block: Block, cwd: Path, failures: Failures) -> None:
    if block.options:
        failures.add(block, f"unknown options {block.options}")
        return
    # a file of its own beside the copy: a process pool's workers import the
    # main module again, which they cannot from stdin
    script = cwd.parent / "blocks" / f"line{block.line}.py"
    script.parent.mkdir(exist_ok=True)
    script.write_text(block.text)
    result = run([sys.executable, str(script)], cwd, "")
    check_run(block, result, 0, failures)


# ---------------------------------------------------------------------- yaml
def shipped(cwd: Path) -> list[tuple[str, dict]]:
    return [
        (p.name, yaml.safe_load(p.read_text())) for p in sorted((cwd / "instances").glob("*.yaml"))
    ]


NAMED = {"sites": "name", "technologies": "name", "funding": "name", "supply": "technology"}


def merged(instance: dict, fragment: dict) -> dict:
    """The instance with the fragment's top-level keys; in a list of named
    items (sites, technologies, funding, supply), an item of the fragment
    replaces the item of its name and the others stay."""
    out = dict(instance)
    for key, value in fragment.items():
        name = NAMED.get(key)
        if name and all(
            isinstance(v, list) and all(isinstance(i, dict) and name in i for i in v)
            for v in (out.get(key), value)
        ):
            new = {i[name]: i for i in value}
            out[key] = [new.pop(i[name], i) for i in out[key]] + list(new.values())
        else:
            out[key] = value
    return out


def yaml_block(block: Block, cwd: Path, failures: Failures) -> None:
    try:
        data = yaml.safe_load(block.text)
    except yaml.YAMLError as exc:
        failures.add(block, f"not YAML: {' '.join(str(exc).split())}")
        return
    if not isinstance(data, dict):
        failures.add(block, f"not a mapping of instance keys: {data!r}")
        return
    if "horizon" in data and "sites" in data:
        try:
            parse_study(data, source="block")
        except InstanceError as exc:
            failures.add(block, "not a valid instance:\n" + "\n".join(exc.problems))
        return
    refused: list[tuple[str, list[str]]] = []
    for name, instance in shipped(cwd):
        try:
            parse_study(merged(instance, data), source=f"block in {name}")
            return
        except InstanceError as exc:
            refused.append((name, exc.problems))
    name, problems = min(refused, key=lambda r: len(r[1]))
    failures.add(
        block,
        "a fragment no shipped instance accepts in place of its "
        f"{', '.join(data)}; in {name} (the fewest problems):\n" + "\n".join(problems),
    )


# --------------------------------------------------------------------- setup
VENV = re.compile(r"(?:\{ \[ -x (\S+)/bin/python \] \|\| )?python3? -m venv (\S+)(?:; \})?")
ACTIVATE = re.compile(r"\. (\S+)/bin/activate")
PIP = re.compile(r"(?:(\S+)/bin/)?pip install(?: -q)?(?: -c (\S+))? -e (\S+)")
SUITE = re.compile(r"(?:(\S+)/bin/)?python -m pytest(?: -q)?|scripts/check(?: .*)?")
SCRIPT = re.compile(r"scripts/[\w-]+")


def requirements(pyproject: dict, extras: list[str]) -> list[Requirement]:
    listed = pyproject["build-system"]["requires"] + pyproject["project"]["dependencies"]
    for extra in extras:
        listed += pyproject["project"]["optional-dependencies"][extra]
    return [Requirement(r) for r in listed]


def lower_bound(req: Requirement) -> Version | None:
    bounds = [Version(s.version) for s in req.specifier if s.operator in (">=", "==")]
    return min(bounds) if bounds else None


def pins(path: Path) -> dict[str, Version]:
    out = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            out[name.strip().lower()] = Version(version.strip())
    return out


def setup_problems(step: str, cwd: Path, venvs: set[str]) -> list[str] | None:
    """What is wrong with a step of a set-up block, or None for a step that
    is neither an install nor the suite (it runs)."""
    pyproject = tomllib.loads((cwd / "pyproject.toml").read_text())
    if m := VENV.fullmatch(step):
        if m[1] not in (None, m[2]):
            return [f"{step}: tests for {m[1]} but makes {m[2]}"]
        venvs.add(m[2])
        return []
    if m := ACTIVATE.fullmatch(step):
        return [] if m[1] in venvs else [f"{step}: activates a venv the block does not make"]
    if m := PIP.fullmatch(step):
        problems = []
        if m[1] is not None and m[1] not in venvs:
            problems.append(f"{step}: pip of a venv the block does not make")
        spec = shlex.split(m[3])[0]
        em = re.fullmatch(r"\.(?:\[([\w,]+)\])?", spec)
        if em is None:
            return problems + [f"{step}: installs {spec}, not the checkout"]
        extras = em[1].split(",") if em[1] else []
        known = pyproject["project"].get("optional-dependencies", {})
        problems += [f"{step}: pyproject.toml has no extra {e!r}" for e in extras if e not in known]
        if m[2] is not None and not problems:
            if not (cwd / m[2]).is_file():
                return [f"{step}: no file {m[2]}"]
            pinned = pins(cwd / m[2])
            for req in requirements(pyproject, extras):
                bound, got = lower_bound(req), pinned.get(req.name.lower())
                if bound is None or got != bound:
                    problems.append(
                        f"{m[2]} pins {req.name} at {got}, pyproject.toml's lower bound"
                        f" is {bound} ({req})"
                    )
        return problems
    if m := SUITE.fullmatch(step):
        if m[1] is not None and m[1] not in venvs:
            return [f"{step}: the python of a venv the block does not make"]
        if step.startswith("scripts/") and not os.access(cwd / step.split()[0], os.X_OK):
            return [f"{step}: no executable {step.split()[0]}"]
        return []
    if SCRIPT.fullmatch(step):
        return [] if os.access(cwd / step, os.X_OK) else [f"{step}: no executable {step}"]
    return None


def setup_block(block: Block, cwd: Path, failures: Failures) -> str:
    """Check the install and suite steps of each command, run the others;
    the block's text for the checks across blocks."""
    rest = []
    for _, command in logical_lines(block.text):
        command = re.sub(r"\s+#[^'\"]*$", "", command)  # a comment after the command
        venvs: set[str] = set()
        for step in (s.strip() for s in command.split("&&")):
            problems = setup_problems(step, cwd, venvs)
            if problems is None and re.search(r"\bpip\b", step):
                problems = [f"{step}: a pip step not understood (it would install here)"]
            if problems is None:
                rest.append(step)
            for problem in problems or []:
                failures.add(block, problem)
    if rest:
        shell = Block(block.line, "bash", [], "\n".join(rest) + "\n", block.end, block.want)
        result = run(["bash", "-e", "-o", "pipefail", "-s"], cwd, bash_script(shell))
        check_run(shell, result, 0, failures)
    elif block.want is not None:
        failures.add(block, "shows an output, but has no step that runs here")
    return block.text.strip()


# ---------------------------------------------------------------------- test
@pytest.mark.parametrize("doc", DOCS)
def test_every_block_runs_as_written(doc, tracked, tmp_path):
    here = Path(sys.executable).parent
    found = shutil.which("planner", path=environment()["PATH"])
    assert found and Path(found).parent == here, f"no planner script beside {sys.executable}"
    cwd = checkout(tracked, tmp_path / "checkout")
    blocks = fences((cwd / doc).read_text())
    failures = Failures(doc)
    setups = []
    for block in blocks:
        if block.lang == "bash" and block.options[:1] == ["setup"] and len(block.options) == 1:
            setups.append(setup_block(block, cwd, failures))
        elif block.lang == "bash":
            bash_block(block, cwd, failures)
        elif block.lang == "python":
            python_block(block, cwd, failures)
        elif block.lang == "yaml":
            yaml_block(block, cwd, failures)
        elif block.lang:
            failures.add(block, "unknown language (bash, python, yaml, or none for text)")
    if doc == "README.md":
        ci = (cwd / ".ci" / "run").read_text().strip().splitlines()[-1]
        if ci not in setups:
            failures.items.append(f"README.md: no ```bash setup block is .ci/run's last line {ci}")
    assert not failures.items, "\n\n".join(failures.items)


# ------------------------------------------------------- the harness itself
SAMPLE = """Text.

```bash exit=2
echo one   # a comment
echo two \\
  three
false
```

```
two three
```

A diagram:

```
a -> b
```
"""


def test_an_output_block_belongs_to_the_command_block_right_above_it():
    [bash, text] = fences(SAMPLE)
    assert (bash.line, bash.lang, bash.options) == (3, "bash", ["exit=2"])
    assert bash.want is not None and (bash.want.line, bash.want.text) == (10, "two three\n")
    assert (text.line, text.lang, text.want, text.text) == (16, "", None, "a -> b\n")
    assert [c for _, c in logical_lines(bash.text)] == [
        "echo one   # a comment",
        "echo two \\\n  three",
        "false",
    ]


def test_a_failing_block_says_where_what_and_how_its_output_differs(tmp_path):
    [bash, _] = fences(SAMPLE.replace("false", "echo four"))
    bash.options = []
    failures = Failures("DOC.md")
    bash_block(bash, tmp_path, failures)
    [message] = failures.items
    assert message.startswith("DOC.md:3: ```bash block: output differs from the block at line 10")
    assert "echo two" in message and "Expected:\n    two three\nGot:\n    four" in message


def test_the_exit_code_is_checked_and_the_last_command_is_the_output(tmp_path):
    [bash, _] = fences(SAMPLE)
    failures = Failures("DOC.md")
    bash_block(bash, tmp_path, failures)  # exit 1 (false), where 2 is written
    assert len(failures.items) == 1 and "exit 1, expected 2" in failures.items[0]
    bash.options, bash.text = [], bash.text.replace("false\n", "")
    failures = Failures("DOC.md")
    bash_block(bash, tmp_path, failures)
    assert failures.items == []


def test_a_setup_block_is_checked_against_pyproject_and_the_constraints(tmp_path):
    for name in ("pyproject.toml", "constraints/lowest.txt", ".ci/run"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, tmp_path / name)
    lowest = tmp_path / "constraints" / "lowest.txt"
    block = Block(1, "bash", ["setup"], "", 3)
    cases = {
        'pip install -e ".[test]"': [],
        'pip install -e ".[nosuch]"': ["no extra 'nosuch'"],
        "python -m venv /v && /w/bin/pip install -e .": ["pip of a venv the block does not make"],
        "pip install requests": ["a pip step not understood"],
        "echo ran > ran.txt": [],
    }
    for text, expected in cases.items():
        failures = Failures("DOC.md")
        setup_block(Block(1, "bash", ["setup"], text + "\n", 3), tmp_path, failures)
        assert len(failures.items) == len(expected), (text, failures.items)
        for e, f in zip(expected, failures.items, strict=True):
            assert e in f, (text, f)
    assert (tmp_path / "ran.txt").read_text() == "ran\n"
    lowest.write_text(lowest.read_text().replace("pyyaml==6.0\n", "pyyaml==6.0.1\n"))
    failures = Failures("DOC.md")
    block.text = 'python -m venv /v && /v/bin/pip install -c constraints/lowest.txt -e ".[test]"\n'
    setup_block(block, tmp_path, failures)
    [message] = failures.items
    assert "pins pyyaml at 6.0.1, pyproject.toml's lower bound is 6.0" in message
