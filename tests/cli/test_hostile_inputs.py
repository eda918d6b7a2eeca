"""Hostile and unlucky input: what a user can type or send that must end in
one clear line (or a kept result), never in a wrong answer, a runaway, a
hang or a process left behind.

- names the plan's tables use themselves (``grid``, ``period`` ...) are
  refused in every name field; control characters in every text field;
- names with ``$`` go into every chart literally (not as math text);
- instance files and mappings are bounded by what they hold (values, list
  lengths, depth), before the schema runs;
- every count option has an upper bound, NaN and infinities are refused, a
  MIP gap lies in [0, 1), a tiny sweep step is one line with exit 2;
- ``-v`` keeps HiGHS's log off stdout, an unreachable ``--scheduler`` answers
  within seconds;
- real SIGINT and SIGTERM to solves, sweeps and Monte Carlo runs stop them
  within seconds, print what was finished (JSON included) and leave no
  process behind.

Interrupt tests wait for a line the run writes when it is ready (a progress
line or a HiGHS log line), never for a fixed time.
"""

from __future__ import annotations

import copy
import io
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from matplotlib.legend import Legend
from matplotlib.text import Text

import planner.io.reader as instance_module
from planner.cli import options
from planner.cli.main import main
from planner.io.errors import InstanceError
from planner.io.fields import RESERVED_NAMES
from planner.io.generate import dump_yaml, generate_instance
from planner.io.load import load_instance, parse_instance, parse_study
from planner.io.reader import MAX_DEPTH, MAX_LIST_ITEMS, read_yaml
from planner.report.charts import figures as charts
from planner.solver.session import solve

ROOT = Path(__file__).resolve().parents[2]
TOY = str(ROOT / "instances" / "toy-two-sites.yaml")
BRIDGE = str(ROOT / "instances" / "bridge-power-scenarios.yaml")
ENV = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))


@pytest.fixture(scope="module")
def toy() -> dict:
    return read_yaml(TOY)


def refused(data, source: str = "hostile.yaml") -> list[str]:
    with pytest.raises(InstanceError) as info:
        parse_instance(data, source=source)
    return info.value.problems


def renamed(data: dict, old: str, new: str) -> dict:
    """The instance with a name replaced everywhere it is used."""
    return json.loads(json.dumps(data).replace(json.dumps(old), json.dumps(new)))


# ------------------------------------------------------------ reserved names
NAME_FIELDS = [("sites", "alpha"), ("technologies", "aero"), ("funding", "cash")]


@pytest.mark.parametrize("word", ["grid", "period", "total", "site", "source", "online_mw"])
@pytest.mark.parametrize(("section", "old"), NAME_FIELDS)
def test_a_reserved_name_is_refused_in_every_name_field(toy, section, old, word):
    """A technology named ``grid`` was accepted and its units vanished from
    the plan; a site named ``period`` crashed ``show``. Now: one line."""
    problems = refused(renamed(toy, old, word))
    lines = [p for p in problems if "reserved" in p]
    assert len(lines) == 1, problems
    assert f"{section}[" in lines[0] and f"'{word}'" in lines[0]


def test_every_table_column_is_reserved():
    from planner.results.tables import COLUMNS

    columns = {c for cols in COLUMNS.values() for c in cols}
    assert columns <= RESERVED_NAMES
    assert {"grid", "total"} <= RESERVED_NAMES


def test_a_name_like_a_reserved_one_is_kept(toy):
    """Only the exact names are reserved: 'Grid' and 'grid-west' are fine."""
    data = renamed(renamed(toy, "aero", "Grid"), "alpha", "grid-west")
    inst = parse_instance(data)
    assert {t.name for t in inst.technologies} == {"Grid"}
    assert "grid-west" in {s.name for s in inst.sites}


# ---------------------------------------------------------- control characters
BAD_CHARS = {
    "newline": "\n",
    "ESC": "\x1b[31m",
    "RLO": "\u202e",
    "NUL": "\x00",
    "bell": "\x07",
    "line separator": "\u2028",
}


@pytest.mark.parametrize("char", list(BAD_CHARS))
@pytest.mark.parametrize("field", ["name", "sites", "technologies", "funding"])
def test_control_characters_are_refused_in_names(toy, field, char):
    data = copy.deepcopy(toy)
    text = "a" + BAD_CHARS[char] + "b"
    if field == "name":
        data["name"] = text
    else:
        data = renamed(data, dict(NAME_FIELDS)[field], text)
    problems = refused(data)
    assert any("printable" in p for p in problems), problems
    assert all("\n" not in p and "\x1b" not in p and "\x00" not in p for p in problems)


@pytest.mark.parametrize("char", ["ESC", "RLO", "NUL", "bell", "line separator"])
def test_control_characters_are_refused_in_the_description(toy, char):
    data = dict(toy, description="first" + BAD_CHARS[char] + "second")
    problems = refused(data)
    assert len(problems) == 1 and problems[0].startswith("hostile.yaml: description: ")
    assert "\x1b" not in problems[0] and "\u202e" not in problems[0]


def test_the_description_may_have_lines_and_tabs(toy):
    text = "Two sites in Texas.\n\tGrid first, then turbines.\n"
    assert parse_instance(dict(toy, description=text)).description == text


@pytest.mark.parametrize("char", ["newline", "ESC", "RLO", "NUL"])
def test_control_characters_are_refused_in_scenario_and_uncertainty_names(char):
    raw = read_yaml(BRIDGE)
    text = "late" + BAD_CHARS[char]
    for section in ("scenarios", "uncertainty"):
        data = copy.deepcopy(raw)
        if section == "scenarios":
            data["scenarios"][0]["name"] = text
        else:
            data["uncertainty"]["grid"][0]["name"] = text
        with pytest.raises(InstanceError) as info:
            parse_study(data, "hostile.yaml")
        assert any("printable" in p for p in info.value.problems), info.value.problems


# ------------------------------------------------------------ literal charts
@pytest.fixture(scope="module")
def dollar_plan(toy):
    """The toy instance with a site, a technology and a source whose names
    matplotlib would read as math: one is not even valid math text."""
    data = renamed(renamed(toy, "alpha", "$\\bad{$ campus"), "aero", "$x^2$")
    data["funding"][0]["name"] = "$1 and $2"
    inst = parse_instance(data)
    return inst, solve(inst)


SHOWN = {"capacity": "$\\bad{$ campus", "power-mix": "$x^2$", "money": "draw: $1 and $2"}


@pytest.mark.parametrize("name", list(charts.CHARTS))
def test_dollar_names_are_drawn_literally_in_every_plan_chart(dollar_plan, name):
    inst, plan = dollar_plan
    fig = charts.CHARTS[name](plan, inst)
    fig.savefig(io.BytesIO(), format="png")  # math text '$\bad{$' would raise here
    texts = [t for t in fig.findobj(Text) if "$" in t.get_text()]
    assert all(not t.get_parse_math() for t in texts)
    if name in SHOWN:  # the name as written, dollar signs and all
        assert SHOWN[name] in {t.get_text() for t in texts}


def test_a_name_with_a_leading_underscore_stays_in_the_legend(toy):
    """matplotlib leaves labels that begin with '_' out of a legend; a
    technology named '_aero' is in the power mix's legend as written."""
    inst = parse_instance(renamed(toy, "aero", "_aero"))
    fig = charts.CHARTS["power-mix"](solve(inst), inst)
    fig.savefig(io.BytesIO(), format="png")
    legends = [t.get_text() for leg in fig.findobj(Legend) for t in leg.get_texts()]
    assert "_aero" in {text.lstrip("\u200b") for text in legends}, legends


def test_sweep_frontier_and_risk_charts_are_literal():
    from planner.io.load import load_study
    from planner.report.charts.studies import frontier_chart, risk_chart, sweep_chart
    from planner.studies.frontier import FrontierResult
    from planner.studies.risk import run_risk
    from planner.studies.sweep import run_sweep
    from planner.studies.vary import Vary

    study = load_study(TOY)
    data = dict(study.data, name="$a$ and $\\frac{$")
    sweep = run_sweep(data, [Vary.parse("limits.max_total_cost=1000,500")], workers=1)
    frontier = FrontierResult("$a$ $\\bad{$", sweep.rows.assign(dominated=False), 0.0)
    bridge = load_study(BRIDGE)
    plan = solve(bridge.instance)
    risk = run_risk(
        dict(bridge.data, name="$p$ $\\bad{$"),
        bridge.uncertainty,
        plan,
        samples=3,
        by_input=False,
        workers=1,
    )
    for fig in (sweep_chart(sweep, "$t$ \\bad{ $"), frontier_chart(frontier), risk_chart(risk)):
        fig.savefig(io.BytesIO(), format="png")
        assert all(not t.get_parse_math() for t in fig.findobj(Text))


# ----------------------------------------------------------- bounded files
def with_line(tmp_path: Path, line: str) -> Path:
    """The toy instance's file with one more top-level line (written as
    text: dumping a huge structure through PyYAML takes long)."""
    path = tmp_path / "big.yaml"
    path.write_text(Path(TOY).read_text(encoding="utf-8") + "\n" + line + "\n", encoding="utf-8")
    return path


def test_a_huge_yaml_list_is_refused_before_the_schema_runs(tmp_path):
    """A 44 MB list took 334 s and 9.7 GB to validate; now the parser's
    events stop at the limit of one list."""
    items = ", ".join(["{it_mw: 1, by: 2027-06}"] * (MAX_LIST_ITEMS + 1))
    with pytest.raises(InstanceError) as info:
        load_instance(with_line(tmp_path, f"extra: [{items}]"))
    (line,) = info.value.problems
    assert f"more than {MAX_LIST_ITEMS:,} entries" in line and "refused" in line


def test_a_huge_mapping_is_refused(tmp_path):
    items = ", ".join(f"k{i}: {i}" for i in range(MAX_LIST_ITEMS + 1))
    with pytest.raises(InstanceError) as info:
        load_instance(with_line(tmp_path, f"extra: {{{items}}}"))
    assert "a mapping holds more than" in info.value.problems[0]


def test_too_many_values_are_refused(tmp_path, toy, monkeypatch):
    """The limit on values in all, lowered so the test is quick: many short
    lists that each pass the limit of one list."""
    monkeypatch.setattr(instance_module, "MAX_NODES", 5_000)
    data = dict(toy, extra=[list(range(50))] * 200)
    with pytest.raises(InstanceError) as info:
        load_instance(with_line(tmp_path, "extra: " + json.dumps(data["extra"])))
    assert "more than 5,000 values" in info.value.problems[0]
    with pytest.raises(InstanceError) as info:
        parse_instance(data, source="mapping")
    assert info.value.problems == [
        "mapping: refused: more than 5,000 values (the limit of an instance)"
    ]


def test_a_long_list_given_as_a_mapping_is_refused(toy):
    data = copy.deepcopy(toy)
    data["sites"] = data["sites"] * (MAX_LIST_ITEMS // 2 + 1)
    (line,) = refused(data, "api")
    assert line.startswith("api: refused: a list or mapping holds")


def test_a_deep_mapping_is_refused(toy):
    deep: dict = {}
    node = deep
    for _ in range(MAX_DEPTH + 5):
        node["x"] = {}
        node = node["x"]
    (line,) = refused(dict(toy, extra=deep), "api")
    assert f"nested more than {MAX_DEPTH} levels" in line


def test_a_portfolio_of_ten_thousand_sites_is_within_the_limits():
    """The limits leave room for real portfolios: a generated 10,000-site
    instance (about 450,000 values in 40 periods; fewer here) is counted,
    not refused."""
    data = generate_instance(10_000, 2, 1, 1, seed=0)
    assert instance_module.data_limits(data) is None
    assert len(data["sites"]) <= MAX_LIST_ITEMS


def test_generate_makes_valid_instances_of_thousands_of_sites():
    """Its money used to outgrow the schema's bounds (an 'invalid
    instance' past about 2,000 sites with one source)."""
    parse_instance(generate_instance(2_500, 2, 1, 1, seed=0))


def test_generate_at_the_longest_horizon_is_valid():
    """Grid waits used to run past the 1200 months the schema allows."""
    parse_instance(generate_instance(300, 1200 // 3, 2, 2, seed=3))


# --------------------------------------------------------- bounded options
def run_cli(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env=env)


OVER_BOUND = [
    ("generate", "--sites", str(options.MAX_SITES + 1)),
    ("generate", "--periods", "10000"),
    ("generate", "--technologies", str(options.MAX_TECHNOLOGIES + 1)),
    ("generate", "--sources", str(options.MAX_SOURCES + 1)),
    ("solve", "--threads", str(options.MAX_THREADS + 1)),
    ("solve", "--seed", str(2**31)),
    ("sweep", "--threads", "100000"),
    ("sweep", "--workers", str(options.MAX_WORKERS + 1)),
    ("sweep", "--chunk", str(options.MAX_CHUNK + 1)),
    ("risk", "--samples", str(options.MAX_SAMPLES + 1)),
    ("risk", "--workers", "1000000"),
    ("frontier", "--points", str(options.MAX_POINTS + 1)),
    ("frontier", "--threads", "999999999999"),
    ("robust", "--threads", "300"),
]
NOT_FINITE = [
    (cmd, opt, value)
    for cmd in ("solve", "explain", "sweep", "risk", "frontier", "robust")
    for opt, value in (
        ("--time-limit", "nan"),
        ("--time-limit", "inf"),
        ("--time-limit", "-1"),
        ("--time-limit", "0"),
        ("--mip-gap", "nan"),
        ("--mip-gap", "5"),
        ("--mip-gap", "1"),
        ("--mip-gap", "-0.1"),
        ("--mip-gap", "inf"),
    )
] + [("risk", "--target", "nan"), ("risk", "--target", "-inf"), ("risk", "--seed", "-1")]


def _command_args(cmd: str, opt: str, value: str) -> list[str]:
    extra = {
        "generate": ["--sites", "2", "--periods", "4", "-o", "x.yaml"],
        "sweep": [TOY, "--vary", "limits.max_total_cost=1000"],
        "risk": [BRIDGE, "--plan", "plan.json"],
    }.get(cmd, [TOY])
    if cmd == "generate":
        given = dict(zip(extra[::2], extra[1::2], strict=False))
        given[opt] = value
        return [cmd, *[x for kv in given.items() for x in kv]]
    return [cmd, *extra, opt, value]


@pytest.mark.parametrize(("cmd", "opt", "value"), OVER_BOUND + NOT_FINITE)
def test_an_option_out_of_its_bounds_is_one_usage_error(cmd, opt, value, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = run_cli(*_command_args(cmd, opt, value))
    assert res.exit_code == 2, res.output
    assert f"Invalid value for '{opt}'" in res.output, res.output
    assert "Traceback" not in res.output and "invalid instance" not in res.output
    assert not (tmp_path / "x.yaml").exists()


def test_generate_periods_past_the_horizon_is_an_option_error(tmp_path):
    """401 quarterly periods run past the 100 years an instance may span:
    an option error, not "generated an invalid instance"."""
    out = tmp_path / "x.yaml"
    res = run_cli("generate", "--sites", "1", "--periods", "401", "-o", str(out))
    assert res.exit_code == 2 and "at most 400" in res.output, res.output
    res = run_cli("generate", "--sites", "1", "--periods", "400", "-o", str(out))
    assert res.exit_code == 0, res.output
    load_instance(out)


def test_a_mip_gap_just_below_one_is_accepted():
    res = run_cli("solve", TOY, "--mip-gap", "0.5", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["capacity_mw"] > 0


@pytest.mark.parametrize(
    "values",
    ["0:1:1e-300", "0:1:1e-320", "1e308:1.7e308:1e-308", "0:100000:1", "2027-01:2900-12:1"],
)
def test_a_sweep_range_of_too_many_values_is_one_line_with_exit_2(values):
    field = "horizon.deadline" if values.startswith("2027") else "limits.max_total_cost"
    res = run_cli("sweep", TOY, "--vary", f"{field}={values}", "--workers", "1")
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln]
    assert len(lines) == 1 and "more than 10,000 values" in lines[0], res.output
    assert len(lines[0]) < 300 and "OverflowError" not in res.output


# ------------------------------------------------------------ output streams
def test_verbose_json_on_stdout_still_parses():
    """-v used to put HiGHS's log on stdout (the C one), breaking --json."""
    proc = subprocess.run(
        [sys.executable, "-m", "planner", "-v", "solve", TOY, "--json"],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "optimal"
    assert "Presolving model" in proc.stderr  # the log is there, on stderr


def test_an_unreachable_scheduler_answers_within_its_timeout():
    with socket.socket() as s:  # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.perf_counter()
    res = run_cli(
        "sweep",
        TOY,
        "--vary",
        "limits.max_total_cost=1000,2000",
        "--scheduler",
        f"tcp://127.0.0.1:{port}",
        env={"PLANNER_DASK_TIMEOUT": "1"},
    )
    seconds = time.perf_counter() - started
    assert res.exit_code == 1
    lines = [ln for ln in res.output.splitlines() if ln]
    assert len(lines) == 1 and "no Dask scheduler answered" in lines[0], res.output
    assert "within 1 s" in lines[0]
    assert seconds < 20, f"{seconds:.0f} s"  # the old connect waited 30 s


def test_the_default_connect_timeout_is_short(monkeypatch):
    from planner.studies import parallel

    monkeypatch.delenv("PLANNER_DASK_TIMEOUT", raising=False)
    assert parallel.connect_timeout() == parallel.CONNECT_S <= 10
    for bad in ("nan", "inf", "-1", "0", "x"):
        monkeypatch.setenv("PLANNER_DASK_TIMEOUT", bad)
        assert parallel.connect_timeout() == parallel.CONNECT_S


# ----------------------------------------------------------------- signals
def _tree(pid: int) -> list[int]:
    """The pids of a process's descendants (psutil if installed, else /proc)."""
    try:
        import psutil
    except ImportError:  # pragma: no cover
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        out, todo = [], [pid]
        while todo:
            p = todo.pop()
            kids = [c for c, parent in parents.items() if parent == p]
            out += kids
            todo += kids
        return out
    return [c.pid for c in psutil.Process(pid).children(recursive=True)]


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def interrupt(args: list[str], ready: str, sig: int) -> dict:
    """Run ``planner -v ARGS``; when a line of stderr contains ``ready``,
    send ``sig``. The exit code, stdout, stderr, the seconds from the signal
    to the exit, and the descendants that outlived it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "planner", "-v", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    try:
        seen = []
        for line in proc.stderr:
            seen.append(line)
            if ready in line:
                break
        else:
            pytest.fail("the run ended before it was ready:\n" + "".join(seen[-20:]))
        kids = _tree(proc.pid)
        proc.send_signal(sig)
        sent = time.perf_counter()
        out, err = proc.communicate(timeout=60)
        seconds = time.perf_counter() - sent
        deadline = time.monotonic() + 5
        while any(_alive(k) for k in kids) and time.monotonic() < deadline:
            time.sleep(0.1)
        return {
            "code": proc.returncode,
            "out": out,
            "err": "".join(seen) + err,
            "seconds": seconds,
            "left": [k for k in kids if _alive(k)],
            "kids": kids,
        }
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("hostile") / "big.yaml"
    path.write_text(dump_yaml(generate_instance(30, 12, 5, 5, seed=0)), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def mid_file(tmp_path_factory) -> str:
    """An instance that a half-second time limit stops before it is solved."""
    path = tmp_path_factory.mktemp("hostile") / "mid.yaml"
    path.write_text(dump_yaml(generate_instance(10, 10, 3, 3, seed=0)), encoding="utf-8")
    return str(path)


def test_sigterm_keeps_the_best_plan_as_ctrl_c_does(big_file):
    """SIGTERM used to kill the solve and lose its plan. The signal is sent
    once HiGHS has the start plan in hand."""
    r = interrupt(["solve", big_file, "--json"], "MIP start solution is feasible", signal.SIGTERM)
    assert r["seconds"] < 10, r["seconds"]
    assert "Traceback" not in r["err"]
    assert r["code"] == 0, r["err"][-2000:]
    summary = json.loads(r["out"])
    assert summary["status"] == "feasible" and summary["interrupted"] is True
    assert summary["capacity_mw"] > 0
    assert summary["message"].startswith("interrupted")


def test_an_interrupt_before_any_plan_still_prints_the_json(big_file):
    """Ctrl-C before any plan printed nothing on stdout with --json. The
    signal is sent while the first LP (the search for a start) runs."""
    r = interrupt(["solve", big_file, "--json"], "Presolving model", signal.SIGINT)
    assert r["seconds"] < 10 and "Traceback" not in r["err"]
    body = json.loads(r["out"])
    if body["status"] == "feasible":  # the LP's start was a plan already
        assert r["code"] == 0
    else:
        assert r["code"] == 130 and body["status"] in ("no_plan", "interrupted")
        assert "interrupted" in r["err"]


def test_an_interrupted_pool_sweep_stops_and_prints_the_rows_done(mid_file):
    """Ctrl-C used to leave the pool's workers computing every scenario, and
    SIGTERM the fork server and workers behind. The signal is sent when the
    first scenario is done."""
    r = interrupt(
        [
            "sweep",
            mid_file,
            "--vary",
            "limits.max_debt_on_balance_sheet=20000:27000:1000",
            "--time-limit",
            "0.5",
            "--workers",
            "2",
            "--chunk",
            "1",
            "--json",
        ],
        "sweep: 1 of 8 done",
        signal.SIGINT,
    )
    assert r["seconds"] < 10, r["seconds"]
    assert r["code"] == 130, r["err"][-2000:]
    assert r["kids"] and not r["left"], "processes left behind"
    body = json.loads(r["out"])
    assert body["interrupted"] is True
    statuses = [row["status"] for row in body["rows"]]
    assert len(statuses) == 8
    assert any(s in ("optimal", "feasible") for s in statuses), statuses
    assert "interrupted" in statuses
    done = sum(s != "interrupted" for s in statuses)
    assert f"interrupted: {done} of 8 scenarios done" in r["err"]
    for row in body["rows"]:
        assert (row["capacity_mw"] is None) == (row["status"] == "interrupted")


@pytest.fixture(scope="module")
def bridge_plan(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("hostile") / "plan"
    res = run_cli("solve", BRIDGE, "--out", str(out))
    assert res.exit_code == 0, res.output
    return str(out / "plan.json")


def test_an_interrupted_monte_carlo_prints_the_samples_done(bridge_plan):
    """SIGTERM to a Monte Carlo run on the pool, once the first samples are
    done: the samples done are summarized, the others counted."""
    r = interrupt(
        [
            "risk",
            BRIDGE,
            "--plan",
            bridge_plan,
            "--samples",
            "500",
            "--no-inputs",
            "--workers",
            "2",
            "--json",
        ],
        "samples: ",
        signal.SIGTERM,
    )
    assert r["seconds"] < 10, r["seconds"]
    assert r["code"] == 130, r["err"][-2000:]
    assert not r["left"], "processes left behind"
    body = json.loads(r["out"])
    assert body["interrupted"] is True
    assert 0 < body["interrupted_samples"] < 500
    stats = body["capacity_mw"]
    assert stats["samples"] == 500 - body["interrupted_samples"] - body["failed_samples"]
    assert math.isfinite(stats["mean"])
    assert f"{500 - body['interrupted_samples']} of 500 samples done" in r["err"]
