"""Hostile output: names a spreadsheet, a browser or matplotlib would read as
code, plan files changed by hand, and writes that are interrupted or race.

The plan is the toy instance of docs/model.md 6 with every name replaced by
a hostile one (a formula, a leading ``+ - @``, HTML, chart math, a pandas
missing-value token); renaming changes no number, so it solves to the
toy's hand-derived optimum, 127 IT MW. It is solved once; every other probe
reads its files.

- every output (CSV, Excel, JSON, text, HTML report, charts) holds the names
  as text that nothing evaluates, and reads back to the same names;
- a generated set of tampered plan files (each required key dropped, each
  field and table cell of a wrong type, each number not finite, lists for
  mappings, truncated JSON, an instance given as a plan, a plan of another
  instance) is refused by verify, show, compare, explain, report and risk
  with exit 2 and one line;
- writes interrupted by an error or SIGKILL leave the old file or folder
  whole and, after the next write, nothing beside it; two writers into one
  folder leave one whole plan; files get the umask's permissions; a write
  that fails after a solve still prints the result and exits 1.

``PROBES`` counts the probes run (printed at the end of the module, ``-s``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from html import escape
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

import planner
import planner.io.atomic
from planner.cli.main import main
from planner.io import atomic
from planner.report.charts import figures as charts
from planner.results.plan import TABLES
from planner.results.planfile import FLAGS, TEXT, WHOLE, read_plan_file
from planner.results.spreadsheet import read_csv

ROOT = Path(__file__).resolve().parents[2]
TOY = ROOT / "instances" / "toy-two-sites.yaml"
NAMES = {
    "alpha": '=HYPERLINK("http://x","y")',
    "bravo": "+<b>bravo</b> $x$",
    "aero": "@aero",
    "cash": r"-cash $\nope$",
    "bond": "NA",
}
INSTANCE_NAME = "=cmd|' /C calc'!A0"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PROBES = {"count": 0}


@pytest.fixture(scope="module", autouse=True)
def count_probes():
    yield
    print(f"\nhostile output probes run: {PROBES['count']}")


def probe(n: int = 1) -> None:
    PROBES["count"] += n


def run(*args) -> object:
    return CliRunner().invoke(main, [str(a) for a in args])


def hostile_data() -> dict:
    data = yaml.safe_load(TOY.read_text())
    data["name"] = INSTANCE_NAME
    for site in data["sites"]:
        site["name"] = NAMES[site["name"]]
    for tech in data["technologies"]:
        tech["name"] = NAMES[tech["name"]]
    for entry in data["supply"]:
        entry["technology"] = NAMES[entry["technology"]]
    for source in data["funding"]:
        source["name"] = NAMES[source["name"]]
    return data


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    """The hostile instance solved by ``planner solve --out --json``."""
    root = tmp_path_factory.mktemp("hostile")
    inst = root / "hostile.yaml"
    inst.write_text(yaml.safe_dump(hostile_data(), allow_unicode=True), encoding="utf-8")
    out = root / "out"
    res = run("solve", inst, "--out", out, "--json")
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout, parse_constant=_strict)
    assert summary["capacity_mw"] == pytest.approx(127.0)
    return inst, out, summary


def _strict(token):
    raise AssertionError(f"bare {token} in JSON output")


# ------------------------------------------------------------ hostile names
def test_json_summary_is_strict_and_keeps_the_names(solved):
    _, _, summary = solved
    probe()
    assert summary["instance"] == INSTANCE_NAME
    assert {s["name"] for s in summary["sites"]} == {NAMES["alpha"], NAMES["bravo"]}
    assert set(summary["draws"]) == {NAMES["cash"], NAMES["bond"]}


def test_out_csvs_are_guarded_and_read_back_as_the_plan(solved):
    _, out, _ = solved
    plan = read_plan_file(out / "plan.json")
    for name in TABLES:
        probe()
        raw = (out / f"{name}.csv").read_text(encoding="utf-8")
        for row in csv.reader(io.StringIO(raw)):
            for cell in row:
                if cell.startswith(TRIGGERS):  # only numbers may start so
                    float(cell)
        back = read_csv(out / f"{name}.csv", text_columns=TEXT)
        expected = plan.tables[name]
        assert list(back.columns) == list(expected.columns)
        for col in expected.columns:
            if col in TEXT | FLAGS:
                assert list(back[col]) == list(expected[col]), (name, col)
            else:  # an all-blank limit column reads back from JSON as None
                pd.testing.assert_series_equal(
                    back[col].astype(float), expected[col].astype(float), check_names=False
                )
    sites = set(read_csv(out / "capacity.csv")["site"])
    assert sites == {NAMES["alpha"], NAMES["bravo"]}
    assert f"'{NAMES['alpha']}" in (out / "capacity.csv").read_text().replace('""', '"')


def test_excel_has_no_formula_and_reads_back_the_names(solved, tmp_path):
    _, out, _ = solved
    book_path = tmp_path / "plan.xlsx"
    res = run("show", out, "--excel", book_path)
    assert res.exit_code == 0, res.output
    book = openpyxl.load_workbook(book_path)
    formulas, prefixed, cells = 0, 0, 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                cells += 1
                formulas += cell.data_type == "f"
                if isinstance(cell.value, str) and cell.value.startswith(TRIGGERS):
                    assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate
                    prefixed += 1
    probe(cells)
    assert formulas == 0 and prefixed >= 4
    capacity = pd.read_excel(book_path, sheet_name="plan capacity")
    assert set(capacity["site"]) == {NAMES["alpha"], NAMES["bravo"]}
    sources = pd.read_excel(book_path, sheet_name="plan sources", keep_default_na=False)
    assert list(sources["source"]) == [NAMES["cash"], NAMES["bond"]]


def test_text_views_show_the_names_literally(solved):
    _, out, _ = solved
    probe(2)
    shown = run("show", out)
    assert shown.exit_code == 0, shown.output
    for name in NAMES.values():
        assert name in shown.output
    compared = run("compare", out / "plan.json", out / "plan.json")
    assert compared.exit_code == 0 and NAMES["aero"] in compared.output
    assert NAMES["cash"] in compared.output and INSTANCE_NAME in compared.output


def test_html_report_escapes_and_charts_draw_names_literally(solved, tmp_path):
    inst, out, _ = solved
    page = tmp_path / "r.html"
    res = run("report", out, "--instance", inst, "-o", page)
    assert res.exit_code == 0, res.output  # chart math in a name would crash here
    html = page.read_text(encoding="utf-8")
    probe(len(NAMES))
    assert "<b>bravo</b>" not in html and escape(NAMES["bravo"]) in html
    assert escape(NAMES["alpha"]) in html
    plan = read_plan_file(out)
    for name, chart in charts.CHARTS.items():
        probe()
        fig = chart(plan, planner.load_instance(inst))
        fig.savefig(io.BytesIO(), format="png")
        texts = [t for t in fig.findobj(lambda a: hasattr(a, "get_parse_math"))]
        assert all(not t.get_parse_math() for t in texts), name


def test_spreadsheet_guard_round_trips_awkward_text():
    from planner.results.spreadsheet import csv_text

    values = [
        "=1+2",
        "+1",
        "-x",
        "@SUM(A1)",
        "\tx",
        "\rx",
        "'quoted",
        "''",
        "NA",
        "null",
        "007",
        "plain",
        "-",
        "=",
    ]
    df = pd.DataFrame({"name": values, "n": range(len(values))})
    probe(len(values))
    text = csv_text(df)
    for row in list(csv.reader(io.StringIO(text)))[1:]:
        assert not row[0].startswith(TRIGGERS)
    back = read_csv(io.StringIO(text))
    assert list(back["name"]) == values and list(back["n"]) == list(range(len(values)))


# ------------------------------------------------------------ tampered plans
def _plan_dict(out: Path) -> dict:
    return json.loads((out / "plan.json").read_text(encoding="utf-8"))


def _wrong(value):
    """A value of another JSON type than ``value``."""
    if isinstance(value, bool):
        return 1
    if isinstance(value, (int, float)):
        return "5"
    if isinstance(value, str):
        return 5
    if isinstance(value, list):
        return {"a": 1}
    if isinstance(value, dict):
        return [1, 2]
    return "x"


def tampered(out: Path) -> list[tuple[str, str]]:
    """(label, file text) of plan files no solve writes."""
    base = _plan_dict(out)
    cases: list[tuple[str, object]] = []

    def edit(label, change):
        data = json.loads(json.dumps(base))
        change(data)
        cases.append((label, data))

    for key in (
        "instance",
        "status",
        "capacity_mw",
        "total_cost",
        "co2_mt",
        "stages",
        "periods",
        "tables",
    ):
        edit(f"drop {key}", lambda d, k=key: d.pop(k))
    for key, value in base.items():
        if value is not None:
            edit(f"wrong type {key}", lambda d, k=key, v=value: d.__setitem__(k, _wrong(v)))
    for key in ("capacity_mw", "total_cost", "co2_mt", "mip_gap", "bound"):
        for bad in (float("inf"), float("-inf"), float("nan")):
            edit(f"{bad} {key}", lambda d, k=key, b=bad: d.__setitem__(k, b))
    edit("inf stage value", lambda d: d["stages"][0].__setitem__("value", float("inf")))
    edit("nan solve_s", lambda d: d["stages"][0].__setitem__("solve_s", float("nan")))
    edit("stage a list", lambda d: d["stages"].__setitem__(0, [1]))
    edit("inf timing", lambda d: d["timings"].__setitem__("solve", float("inf")))
    edit("bad status", lambda d: d.__setitem__("status", "great"))
    edit("bad period label", lambda d: d["periods"].__setitem__(0, "Jan 2026"))
    edit("no periods", lambda d: d.__setitem__("periods", []))
    edit("unknown key", lambda d: d.__setitem__("extra", 1))
    edit(
        "control character in a name",
        lambda d: d["tables"]["capacity"]["data"][0].__setitem__(0, "a\x1bb"),
    )
    for name in TABLES:
        edit(f"drop table {name}", lambda d, n=name: d["tables"].pop(n))
        edit(f"table {name} a list", lambda d, n=name: d["tables"].__setitem__(n, []))
        edit(
            f"columns of {name} text",
            lambda d, n=name: d["tables"][n].__setitem__("columns", "site"),
        )
        edit(
            f"data of {name} a mapping",
            lambda d, n=name: d["tables"][n].__setitem__("data", {"0": 1}),
        )
        table = base["tables"][name]
        if not table["data"]:
            continue
        edit(f"short row in {name}", lambda d, n=name: d["tables"][n]["data"][0].pop())
        for j, column in enumerate(table["columns"]):

            def drop_column(d, n=name, j=j):
                d["tables"][n]["columns"].pop(j)
                for row in d["tables"][n]["data"]:
                    row.pop(j)

            edit(f"drop column {name}.{column}", drop_column)
            value = table["data"][0][j]
            edit(
                f"wrong type {name}.{column}",
                lambda d, n=name, j=j, v=value: d["tables"][n]["data"][0].__setitem__(
                    j, _wrong(v) if v is not None else "x"
                ),
            )
            if column not in TEXT | FLAGS:
                for bad in (float("inf"), float("nan")):
                    edit(
                        f"{bad} {name}.{column}",
                        lambda d, n=name, j=j, b=bad: d["tables"][n]["data"][0].__setitem__(j, b),
                    )
            if column in WHOLE:
                edit(
                    f"fraction {name}.{column}",
                    lambda d, n=name, j=j: d["tables"][n]["data"][0].__setitem__(j, 0.5),
                )
        if "period" in table["columns"]:
            j = table["columns"].index("period")
            edit(
                f"period past the horizon in {name}",
                lambda d, n=name, j=j: d["tables"][n]["data"][0].__setitem__(j, 99),
            )
    texts = [(label, json.dumps(data, allow_nan=True)) for label, data in cases]
    texts.append(("top level a list", json.dumps([base])))
    full = (out / "plan.json").read_text(encoding="utf-8")
    for cut in (0, 1, 10, len(full) // 2, len(full) - 2):
        texts.append((f"truncated at {cut}", full[:cut]))
    texts.append(("not UTF-8", "\udcff"))
    texts.append(("instance as JSON", json.dumps(hostile_data())))
    texts.append(("instance as YAML", TOY.read_text()))
    return texts


def _one_line_refusal(res, path: Path) -> None:
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    lines = res.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("planner: error: "), res.output
    assert str(path) in lines[0]


def test_tampered_plans_are_refused_in_one_line_by_every_reader(solved, tmp_path):
    inst, out, _ = solved
    risky = tmp_path / "risky.yaml"
    risky.write_text(
        inst.read_text(encoding="utf-8")
        + "\n"
        + yaml.safe_dump(
            {
                "uncertainty": {
                    "grid": [
                        {
                            "site": NAMES["alpha"],
                            "slip_months": {
                                "dist": "discrete",
                                "values": [0, 6],
                                "probabilities": [0.5, 0.5],
                            },
                        }
                    ]
                }
            }
        ),
        encoding="utf-8",
    )
    cases = tampered(out)
    assert len(cases) > 150
    for i, (label, text) in enumerate(cases):
        bad = tmp_path / f"bad{i}.json"
        if text == "\udcff":
            bad.write_bytes(b"\xff{}")
        else:
            bad.write_text(text, encoding="utf-8")
        commands = [
            ("verify", bad),
            ("show", bad),
            ("compare", bad, out / "plan.json"),
            ("compare", out / "plan.json", bad),
            ("explain", bad),
            ("report", bad, "-o", tmp_path / "r.html"),
        ]
        if i % 7 == 0:
            commands.append(("risk", risky, "--plan", bad, "--workers", "1"))
        for args in commands:
            if args[0] == "explain" and label.startswith("instance"):
                continue  # explain reads an instance as an instance
            probe()
            res = run(*args)
            try:
                _one_line_refusal(res, bad)
            except AssertionError as exc:
                raise AssertionError(f"{label}: {' '.join(map(str, args))}: {exc}") from None
    assert not (tmp_path / "r.html").exists()


def test_explain_refuses_a_plan_that_carries_no_instance(solved, tmp_path):
    _, out, _ = solved
    data = _plan_dict(out)
    data["instance_data"] = None
    bad = tmp_path / "bare.json"
    bad.write_text(json.dumps(data))
    probe()
    _one_line_refusal(run("explain", bad), bad)


def test_a_plan_of_another_instance_is_one_line(solved):
    _, out, _ = solved
    probe(2)
    res = run("verify", TOY, out / "plan.json")
    _one_line_refusal(res, out / "plan.json")
    assert "site names the instance does not have" in res.output
    assert "violation" not in res.output
    res = run("report", out / "plan.json", "--instance", TOY, "-o", "never.html")
    _one_line_refusal(res, out / "plan.json")
    assert not Path("never.html").exists()


def test_non_finite_numbers_never_verify_and_json_is_strict(solved, tmp_path):
    _, out, _ = solved
    data = _plan_dict(out)
    data["capacity_mw"] = float("inf")
    bad = tmp_path / "inf.json"
    bad.write_text(json.dumps(data))
    probe(3)
    res = run("verify", bad)
    _one_line_refusal(res, bad)
    assert "plan verified" not in res.output and "capacity_mw" in res.output
    assert "finite" in res.output
    # in memory, the verifier itself refuses an infinite total
    plan = read_plan_file(out)
    plan.total_cost = float("inf")
    report = planner.verify(planner.parse_instance(plan.instance_data), plan)
    assert "reported_cost" in report.rules()
    plan.mip_gap = float("nan")
    plan.capacity_mw = float("inf")
    text = plan.to_json()
    assert "Infinity" not in text and "NaN" not in text
    json.loads(text, parse_constant=_strict)
    from planner.io.strict_json import dumps

    shown = json.loads(dumps({"a": [1.0, float("inf")], "b": float("nan")}), parse_constant=_strict)
    assert shown == {"a": [1.0, None], "b": None, "non_finite": ["a[1] was inf", "b was nan"]}


# ------------------------------------------------------------ all-or-nothing
def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def debris(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(atomic.PREFIX))


@pytest.fixture
def old_folder(tmp_path):
    target = tmp_path / "out"
    atomic.write_folder(target, {"plan.json": "old plan", "capacity.csv": "old,csv\n"})
    (target / "notes.txt").write_text("mine")
    return target, snapshot(target)


def test_a_folder_is_replaced_whole_and_keeps_other_files(old_folder):
    target, _ = old_folder
    probe()
    atomic.write_folder(target, {"plan.json": "new plan", "capacity.csv": "new,csv\n"})
    assert snapshot(target) == {
        "capacity.csv": b"new,csv\n",
        "notes.txt": b"mine",
        "plan.json": b"new plan",
    }
    assert debris(target.parent) == []


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
@pytest.mark.parametrize("where", ["write", "swap"])
def test_a_failure_leaves_the_old_folder_whole(old_folder, monkeypatch, exchange, where):
    target, before = old_folder
    probe()
    if not exchange:
        monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    if where == "write":

        def half(path):
            path.write_text("half")
            raise OSError(28, "No space left on device")

        files = {"plan.json": "new", "capacity.csv": half}
    else:
        real = os.rename

        def failing(a, b):  # the new folder cannot be put in place
            if Path(b) == target and "-new-" in Path(a).name:
                raise OSError(5, "Input/output error")
            return real(a, b)

        monkeypatch.setattr(atomic.os, "rename", failing)
        monkeypatch.setattr(
            atomic,
            "_exchange",
            lambda a, b: (
                (_ for _ in ()).throw(OSError(5, "Input/output error")) if exchange else False
            ),
        )
        files = {"plan.json": "new", "capacity.csv": "new"}
    with pytest.raises(OSError):
        atomic.write_folder(target, files)
    assert snapshot(target) == before
    assert debris(target.parent) == []


def test_targets_that_cannot_be_replaced_whole_are_refused_untouched(tmp_path, solved):
    inst, _, _ = solved
    probe(3)
    a_file = tmp_path / "out.txt"
    a_file.write_text("keep")
    res = run("solve", inst, "--out", a_file)  # click's own check of --out
    assert res.exit_code == 2 and "is a file" in res.output, res.output
    assert a_file.read_text() == "keep"
    with pytest.raises(atomic.WriteError, match="exists and is not a folder"):
        atomic.write_folder(a_file, {"plan.json": "x"})
    assert a_file.read_text() == "keep"
    holder = tmp_path / "holder"
    (holder / "plan.json").mkdir(parents=True)
    (holder / "capacity.csv").write_text("old")
    res = run("solve", inst, "--out", holder)
    assert res.exit_code == 1 and "holds plan.json, which is not a file" in res.output
    assert (holder / "capacity.csv").read_text() == "old"
    with pytest.raises(atomic.WriteError):
        atomic.write_file(holder, "x")


def test_a_write_that_fails_after_the_solve_still_prints_the_plan(solved, tmp_path, monkeypatch):
    inst, _, _ = solved
    blocker = tmp_path / "file"
    blocker.write_text("x")
    probe(3)
    res = run("solve", inst, "--out", blocker / "out", "--json")
    assert res.exit_code == 1
    summary = json.loads(res.stdout)
    assert summary["capacity_mw"] == pytest.approx(127.0)
    assert "could not be written" in summary["write_error"]
    assert res.stderr.count("\n") == 1 and str(blocker / "out") in res.stderr

    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "mkdir", read_only)
    res = run("solve", inst, "--out", tmp_path / "ro" / "out")
    assert res.exit_code == 1 and "127.0 MW" in res.stdout
    assert res.stderr.strip() == (
        f"planner: error: the plan could not be written to "
        f"{tmp_path / 'ro' / 'out'}: Permission denied"
    )
    monkeypatch.undo()
    res = run(
        "sweep",
        inst,
        "--vary",
        "limits.max_debt_on_balance_sheet=800,1200",
        "--workers",
        "1",
        "--csv",
        blocker / "rows.csv",
    )
    assert res.exit_code == 1 and "2 scenarios" in res.stdout
    assert res.stderr.strip().startswith(f"planner: error: cannot write {blocker / 'rows.csv'}")


def test_single_files_are_replaced_whole(tmp_path, monkeypatch, solved):
    _, out, _ = solved
    book = tmp_path / "plan.xlsx"
    assert run("show", out, "--excel", book).exit_code == 0
    before = book.read_bytes()
    probe(2)

    def broken_save(self, path):
        Path(path).write_bytes(b"PK partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    res = run("show", out, "--excel", book)
    assert res.exit_code == 1 and "No space left on device" in res.stderr
    assert book.read_bytes() == before and debris(tmp_path) == []
    monkeypatch.undo()
    link = tmp_path / "link.html"
    real = tmp_path / "real.html"
    real.write_text("old")
    link.symlink_to(real)
    atomic.write_file(link, "new")
    assert link.is_symlink() and real.read_text() == "new"


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077])
def test_files_get_the_umask_permissions(tmp_path, mask):
    probe()
    old = os.umask(mask)
    try:
        assert atomic.umask() == mask
        atomic.write_file(tmp_path / "a.txt", "x")
        atomic.write_folder(tmp_path / "d", {"plan.json": "x"})
    finally:
        os.umask(old)
    for path, full in (
        (tmp_path / "a.txt", 0o666),
        (tmp_path / "d" / "plan.json", 0o666),
        (tmp_path / "d", 0o777),
    ):
        assert stat.S_IMODE(path.stat().st_mode) == full & ~mask, path
    os.chmod(tmp_path / "a.txt", 0o640)
    atomic.write_file(tmp_path / "a.txt", "y")  # a replaced file keeps its mode
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o640


WRITER = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from planner.io import atomic
    target, mode = Path(sys.argv[1]), sys.argv[2]
    def stall(path):
        path.write_text("half")
        Path(sys.argv[3]).write_text("ready")
        time.sleep(60)
    if mode == "write":
        atomic.write_folder(target, {"plan.json": "new", "capacity.csv": stall})
    elif mode == "swap":
        atomic._exchange = lambda a, b: False
        real = os.rename
        def rename(a, b):
            real(a, b)
            if Path(a) == target:  # moved aside; killed before the new one is in
                Path(sys.argv[3]).write_text("ready")
                time.sleep(60)
        atomic.os.rename = rename
        atomic.write_folder(target, {"plan.json": "new", "capacity.csv": "new"})
    else:
        tag = sys.argv[3]
        for i in range(int(mode)):
            atomic.write_folder(target, {f"{n}.csv": f"{tag} {i}" for n in "abcdef"})
""")


def _writer(*args) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-c", WRITER, *map(str, args)], env=env)


def _wait_for(path: Path, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        assert proc.poll() is None, "the writer ended early"
        assert time.monotonic() < deadline
        time.sleep(0.02)


@pytest.mark.parametrize("mode", ["write", "swap"])
def test_sigkill_leaves_the_old_folder_and_the_next_write_cleans_up(old_folder, mode):
    target, before = old_folder
    ready = target.parent / "ready"
    proc = _writer(target, mode, ready)
    probe()
    try:
        _wait_for(ready, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    ready.unlink()
    assert debris(target.parent)  # a SIGKILL cannot clean up ...
    if mode == "swap":
        assert not target.exists()  # ... and fell between the two renames
    atomic.write_file(target.parent / "other.txt", "x")  # another target's write: not ours
    assert debris(target.parent)
    atomic._clean_stale(target)  # what the next write to the target does first
    assert snapshot(target) == before and debris(target.parent) == []
    atomic.write_folder(target, {"plan.json": "new"})
    assert (target / "plan.json").read_text() == "new" and debris(target.parent) == []


def test_two_writers_into_one_folder_leave_one_whole_plan(tmp_path):
    target = tmp_path / "out"
    writers = [_writer(target, 25, tag) for tag in ("first", "second")]
    probe(50)
    for proc in writers:
        assert proc.wait(timeout=120) == 0
    contents = {p.read_text() for p in target.iterdir()}
    assert len(contents) == 1 and len(list(target.iterdir())) == 6, contents
    assert contents.pop() in {"first 24", "second 24"}
    assert debris(tmp_path) == []


def test_two_solves_into_one_folder_leave_one_whole_plan(solved, tmp_path):
    inst, _, _ = solved
    other = tmp_path / "other.yaml"
    data = hostile_data()
    data["name"] = "other"
    data["limits"]["max_debt_on_balance_sheet"] = 1200
    other.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    target = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "planner", "solve", str(f), "--out", str(target)],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        for f in (inst, other)
    ]
    probe()
    for proc in procs:
        assert proc.wait(timeout=300) == 0
    plan = read_plan_file(target)
    assert plan.instance_name in {INSTANCE_NAME, "other"}
    for name in TABLES:
        back = read_csv(target / f"{name}.csv", text_columns=TEXT)
        for col in plan.tables[name].columns:
            expected = plan.tables[name][col]
            if col in TEXT | FLAGS:
                assert list(back[col]) == list(expected), (name, col)
            else:  # an all-blank limit column reads back from JSON as None
                pd.testing.assert_series_equal(
                    back[col].astype(float), expected.astype(float), check_names=False
                )
    assert debris(tmp_path) == []


@pytest.mark.parametrize("name", ["period", "total", "site"])
def test_a_site_named_like_a_column_is_shown(solved, tmp_path, name):
    """A plan file whose site is named like a column of a view (instances
    may refuse such names; old plan files may still hold them)."""
    _, out, _ = solved
    text = (out / "plan.json").read_text(encoding="utf-8")
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(text.replace(json.dumps(NAMES["alpha"]), json.dumps(name)))
    probe(2)
    shown = run("show", plan_file, "--excel", tmp_path / "p.xlsx")
    assert shown.exit_code == 0, shown.output
    assert f"{name} (IT MW)" in shown.output and "100.0" in shown.output
    capacity = pd.read_excel(tmp_path / "p.xlsx", sheet_name="capacity by site")
    assert name in set(capacity["site"])
