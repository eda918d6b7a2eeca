"""Fuzzing the instance reader with broken files.

Over a thousand files are generated from the two reference instances
(tests/data/every-feature.yaml and instances/toy-two-sites.yaml) by seeded
random mutations that each make the instance invalid: wrong types, negative,
non-finite and absurdly large numbers, numbers as text, unknown and misspelt
keys, missing keys, dangling references, duplicate names, malformed and
out-of-order dates, and text damage (truncation, control characters,
duplicate keys). Hand-made files add what a mutation cannot reach: binary
bytes, an empty file, a list or scalar instead of a mapping, YAML tags that
would construct Python objects, a file over the size limit, a directory, a
missing path, deep nesting, alias bombs ("billion laughs") and recursive
aliases. Hypothesis adds arbitrary bytes and arbitrary text inserted into a
valid file.

Every broken file must be refused by ``load_instance`` with ``InstanceError``
(never another exception, never a hang), every problem line must start with
the file name and be one line without a traceback, and the CLI must exit 2.
"""

from __future__ import annotations

import copy
import json
import math
import os
import random
import re
import string
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import planner.io.reader as reader_module
import planner.io.schema as instance_module
from planner.cli.main import main
from planner.io.errors import InstanceError
from planner.io.load import load_instance

ROOT = Path(__file__).parent.parent.parent
BASE_FILES = {
    "every": ROOT / "tests" / "data" / "every-feature.yaml",
    "toy": ROOT / "instances" / "toy-two-sites.yaml",
}
BASE_TEXT = {k: p.read_text() for k, p in BASE_FILES.items()}
BASE_DATA = {k: yaml.safe_load(t) for k, t in BASE_TEXT.items()}
SEED = 20261124
N_SINGLE = 700  # one mutation each: the problem line at the mutated path is checked
N_MULTI = 200  # two or three mutations each
N_TEXT = 200  # damage to the text of the file

# Every key of the schema, so that a misspelt key is sure to be unknown.
FIELDS = {
    f.alias or name
    for obj in vars(instance_module).values()
    if isinstance(obj, type) and issubclass(obj, BaseModel) and obj is not BaseModel
    for name, f in obj.model_fields.items()
}
DATE_KEYS = {"start", "deadline", "energized", "paid", "by", "date", "available", "until", "from"}
BAD_DATES = [
    "2026-13",
    "2026-00",
    "2026-1",
    "26-01",
    "2026/01",
    "2026-01-01",
    "",
    "January",
    "2026-1-1",
    "１２３４-01",
    " 2026-01",
    "2026-01 ",
    "20260-01",
    202601,
    2026.01,
]
ENUMS = {"kind", "ownership", "stages", "uses"}  # values from a fixed list

# Required keys by the path of their mapping (docs/model.md section 8).
REQUIRED = [
    (r"", ["horizon", "sites"]),
    (r"horizon", ["start", "deadline"]),
    (r"sites\[\d+\]", ["name", "max_it_mw", "build"]),
    (r"sites\[\d+\]\.build", ["capex_per_mw", "lead_months"]),
    (r"sites\[\d+\]\.grid", ["tranches"]),
    (r"sites\[\d+\]\.grid\.tranches\[\d+\]", ["mw"]),
    (r"sites\[\d+\]\.onsite", ["max_mw"]),
    (r"sites\[\d+\]\.commitments\[\d+\]", ["by", "it_mw"]),
    (r"technologies\[\d+\]", ["name", "unit_mw"]),
    (r"supply\[\d+\]", ["technology", "deliveries"]),
    (r"supply\[\d+\]\.deliveries\[\d+\]", ["date", "units"]),
    (r"funding\[\d+\]", ["name", "kind", "amount"]),
    (r"limits\.max_(debt_on|off)_balance_sheet\[\d+\]", ["from", "value"]),
]


# ------------------------------------------------------------ tree helpers
def nodes(data, path=()):
    """Every (path, value) below the root, containers included."""
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return
    for key, value in items:
        yield path + (key,), value
        yield from nodes(value, path + (key,))


def show(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + part
    return out


def parent_of(data, path):
    for part in path[:-1]:
        data = data[part]
    return data


def put(data, path, value):
    parent_of(data, path)[path[-1]] = value


def last_key(path) -> str | None:
    keys = [p for p in path if isinstance(p, str)]
    return keys[-1] if keys else None


def is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def misspell(key: str, rng: random.Random) -> str:
    for _ in range(50):
        i = rng.randrange(len(key))
        how = rng.choice(["drop", "double", "swap", "replace", "suffix", "case"])
        if how == "drop" and len(key) > 1:
            new = key[:i] + key[i + 1 :]
        elif how == "double":
            new = key[:i] + key[i] + key[i:]
        elif how == "swap" and i < len(key) - 1:
            new = key[:i] + key[i + 1] + key[i] + key[i + 2 :]
        elif how == "replace":
            new = key[:i] + rng.choice(string.ascii_lowercase) + key[i + 1 :]
        elif how == "suffix":
            new = key + rng.choice(["s", "_mw", "2", "_"])
        else:
            new = key.capitalize() if key[0].islower() else key.lower()
        if new and new != key and new not in FIELDS and re.fullmatch(r"[A-Za-z_]\w*", new):
            return new
    return key + "_unknown"


# ---------------------------------------------------------------- mutations
# Each takes (data, rng) and changes data so that it is surely invalid; it
# returns the path (as written in a problem line) where the problem is
# reported, or None when it does not apply to this data.
def _pick(rng, candidates):
    return rng.choice(candidates) if candidates else None


def numbers(data):
    return [(p, v) for p, v in nodes(data) if is_number(v)]


def m_negative(data, rng):
    c = _pick(rng, numbers(data))
    if c is None:
        return None
    put(data, c[0], -abs(c[1]) - rng.choice([1, 0.5, 1e-3, 1e6]))
    return show(c[0])


def m_nonfinite(data, rng):
    c = _pick(rng, numbers(data))
    if c is None:
        return None
    put(data, c[0], rng.choice([math.nan, math.inf, -math.inf]))
    return show(c[0])


def m_as_string(data, rng):
    c = _pick(rng, numbers(data))
    if c is None:
        return None
    put(data, c[0], rng.choice([str(c[1]), f"{c[1]} MW", f" {c[1]}", f"${c[1]}M"]))
    return show(c[0])


def m_huge(data, rng):
    c = _pick(rng, numbers(data))
    if c is None:
        return None
    put(data, c[0], rng.choice([1e12, 3.5e15, 10**30, 1e300]) * (1 + abs(c[1])))
    return show(c[0])


def m_wrong_type(data, rng):
    c = _pick(rng, list(nodes(data)))
    path, value = c
    if is_number(value):
        new = rng.choice(["lots", True, False, [1], {"a": 1}, [], {}])
    elif isinstance(value, bool):
        new = rng.choice(["yes", "no", 1, 0, "true", [True]])
    elif isinstance(value, str):
        new = rng.choice([42, 3.5, True, [value], {"value": value}])
    elif isinstance(value, list):
        new = rng.choice(["x", {"x": 1}, True])
    else:  # a mapping
        new = rng.choice(["x", [1, 2], 7, True, [value]])
    put(data, path, new)
    return show(path)


def m_bad_enum(data, rng):
    cands = [(p, v) for p, v in nodes(data) if isinstance(v, str) and last_key(p) in ENUMS]
    c = _pick(rng, cands)
    if c is None:
        return None
    put(data, c[0], misspell(c[1], rng) if rng.random() < 0.7 else c[1].upper())
    return show(c[0])


def m_unknown_key(data, rng):
    maps = [(p, v) for p, v in nodes(data) if isinstance(v, dict)] + [((), data)]
    path, mapping = rng.choice(maps)
    key = (
        misspell(rng.choice(list(mapping)), rng)
        if mapping and rng.random() < 0.7
        else rng.choice(["colour", "notes", "x", "unit", "comment_"])
    )
    mapping[key] = rng.choice([1, "x", None, [1], {"a": 1}, -1.5])
    return show(path + (key,))


def m_misspelt_key(data, rng):
    maps = [(p, v) for p, v in nodes(data) if isinstance(v, dict) and v] + [((), data)]
    path, mapping = rng.choice(maps)
    old = rng.choice(list(mapping))
    new = misspell(old, rng)
    value = mapping.pop(old)
    mapping[new] = value if value is not None else 1
    return show(path + (new,))


def m_missing_key(data, rng):
    cands = []
    for path, value in [((), data), *nodes(data)]:
        if not isinstance(value, dict):
            continue
        where = show(path)
        for pattern, keys in REQUIRED:
            if re.fullmatch(pattern, where):
                cands += [(path, value, k) for k in keys if k in value]
    c = _pick(rng, cands)
    if c is None:
        return None
    path, mapping, key = c
    del mapping[key]
    return show(path + (key,))


def m_dangling(data, rng):
    cands = []
    for i, s in enumerate(data.get("sites", [])):
        for j, _ in enumerate((s.get("onsite") or {}).get("technologies") or []):
            cands.append(("sites", i, "onsite", "technologies", j))
    for i, _ in enumerate(data.get("supply", [])):
        cands.append(("supply", i, "technology"))
    for i, f in enumerate(data.get("funding", [])):
        for j, _ in enumerate(f.get("sites") or []):
            cands.append(("funding", i, "sites", j))
    c = _pick(rng, cands)
    if c is None:
        return None
    put(data, c, rng.choice(["nowhere", "aero2", "alpha ", "ALPHA", "b"]))
    return show(c)


def m_duplicate(data, rng):
    lists = [k for k in ("sites", "technologies", "funding") if len(data.get(k, [])) >= 2]
    if not lists:
        return None
    key = rng.choice(lists)
    i, j = sorted(rng.sample(range(len(data[key])), 2))
    data[key][j]["name"] = data[key][i]["name"]
    return show((key, j, "name"))


def m_duplicate_supply(data, rng):
    if not data.get("supply"):
        return None
    entry = copy.deepcopy(rng.choice(data["supply"]))
    data["supply"].append(entry)
    return show(("supply", len(data["supply"]) - 1, "technology"))


def m_bad_date(data, rng):
    cands = [p for p, v in nodes(data) if isinstance(v, str) and last_key(p) in DATE_KEYS]
    c = _pick(rng, cands)
    if c is None:
        return None
    put(data, c, rng.choice(BAD_DATES))
    return show(c)


def _shift(date: str, months: int) -> str:
    y, m = map(int, date.split("-"))
    n = y * 12 + m - 1 + months
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def m_dates_out_of_order(data, rng):
    h = data["horizon"]
    options = ["deadline", "century"]
    commitments = [
        (i, j)
        for i, s in enumerate(data["sites"])
        for j, _ in enumerate(s.get("commitments") or [])
    ]
    paid = [
        (i, g)
        for i, s in enumerate(data["sites"])
        for g, _ in enumerate((s.get("grid") or {}).get("tranches") or [])
    ]
    sources = list(range(len(data.get("funding") or [])))
    schedules = [
        k for k, v in (data.get("limits") or {}).items() if isinstance(v, list) and len(v) >= 2
    ]
    options += ["by"] * bool(commitments) + ["paid"] * bool(paid) + ["until"] * bool(sources)
    options += ["schedule"] * bool(schedules)
    how = rng.choice(options)
    if how == "deadline":
        h["deadline"] = _shift(h["start"], -rng.randint(1, 30))
        return "horizon.deadline"
    if how == "century":
        h["deadline"] = _shift(h["start"], 1201 + rng.randint(0, 5000))
        return "horizon.deadline"
    if how in ("by", "paid"):
        i, j = rng.choice(commitments if how == "by" else paid)
        months = rng.choice([-rng.randint(1, 50), rng.randint(1, 50)])
        base = h["start"] if months < 0 else h["deadline"]
        item = (
            data["sites"][i]["commitments"][j]
            if how == "by"
            else data["sites"][i]["grid"]["tranches"][j]
        )
        item[how] = _shift(base, months)
        return show(
            ("sites", i, "commitments", j, "by")
            if how == "by"
            else ("sites", i, "grid", "tranches", j, "paid")
        )
    if how == "until":
        f = rng.choice(sources)
        src = data["funding"][f]
        if rng.random() < 0.5:
            src["until"] = _shift(h["start"], -rng.randint(1, 40))
        else:
            src["available"] = _shift(h["start"], rng.randint(2, 20))
            src["until"] = _shift(src["available"], -1)
        return show(("funding", f, "until"))
    key = rng.choice(schedules)
    entries = data["limits"][key]
    i = rng.randrange(1, len(entries))
    entries[i]["from"] = (
        entries[i - 1]["from"]
        if rng.random() < 0.3
        else _shift(entries[i - 1]["from"], -rng.randint(1, 12))
    )
    return show(("limits", key, i, "from"))


def m_out_of_range(data, rng):
    sites, techs = data["sites"], data.get("technologies") or []
    i = rng.randrange(len(sites))
    s = sites[i]
    options = ["pue", "existing", "period", "empty_sites", "empty_stages"]
    options += ["availability", "unit_mw"] * bool(techs)
    tranches = (s.get("grid") or {}).get("tranches") or []
    options += ["tranche_mw", "both", "neither"] * bool(tranches)
    options += ["block"] * bool(s["build"].get("max_mw_per_month"))
    options += ["units"] * bool(data.get("supply"))
    options += ["empty_schedule"]
    how = rng.choice(options)
    if how == "pue":
        s["pue"] = rng.choice([0.99, 0.5, 0, -1.2])
        return show(("sites", i, "pue"))
    if how == "existing":
        s["existing_it_mw"] = s["max_it_mw"] + rng.choice([0.001, 1, 500])
        return show(("sites", i, "existing_it_mw"))
    if how == "period":
        data["horizon"]["period_months"] = rng.choice([0, 5, 7, 8, 9, 10, 11, 24, 2.5, -3])
        return "horizon.period_months"
    if how == "empty_sites":
        data["sites"] = []
        return "sites"
    if how == "empty_stages":
        data.setdefault("objective", {})["stages"] = []
        return "objective.stages"
    if how == "empty_schedule":
        key = rng.choice(["max_debt_on_balance_sheet", "max_off_balance_sheet"])
        data.setdefault("limits", {})[key] = []
        return f"limits.{key}"
    if how in ("availability", "unit_mw"):
        k = rng.randrange(len(techs))
        if how == "availability":
            techs[k]["availability"] = rng.choice([0, -0.1, 1.0001, 95, 1.5])
        else:
            techs[k]["unit_mw"] = rng.choice([0, -40])
        return show(("technologies", k, how))
    if how in ("tranche_mw", "both", "neither"):
        g = rng.randrange(len(tranches))
        tr = tranches[g]
        if how == "tranche_mw":
            tr["mw"] = rng.choice([0, -125])
            return show(("sites", i, "grid", "tranches", g, "mw"))
        if how == "both":
            tr.setdefault("energized", "2026-06")
            tr.setdefault("wait_months", 12)
        else:
            tr.pop("energized", None)
            tr.pop("wait_months", None)
        return show(("sites", i, "grid", "tranches", g))
    if how == "block":
        pm = data["horizon"].get("period_months", 3)
        s["build"]["block_mw"] = s["build"]["max_mw_per_month"] * pm + rng.choice([0.5, 1, 100])
        return show(("sites", i, "build", "block_mw"))
    e = rng.randrange(len(data["supply"]))
    d = rng.randrange(len(data["supply"][e]["deliveries"]))
    data["supply"][e]["deliveries"][d]["units"] = rng.choice([1.5, 0.25, 2.0001])
    return show(("supply", e, "deliveries", d, "units"))


MUTATIONS = [
    m_negative,
    m_nonfinite,
    m_as_string,
    m_huge,
    m_wrong_type,
    m_bad_enum,
    m_unknown_key,
    m_misspelt_key,
    m_missing_key,
    m_dangling,
    m_duplicate,
    m_duplicate_supply,
    m_bad_date,
    m_dates_out_of_order,
    m_out_of_range,
]


class _Quoting(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    """Every string in double quotes, so that '600' stays text."""


_Quoting.add_representer(
    str, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", v, style='"')
)


def dump(data) -> str:
    return yaml.dump(
        data, Dumper=_Quoting, sort_keys=False, default_flow_style=False, allow_unicode=True
    )


def mutated_cases():
    """(name, base, YAML text, expected path or None)."""
    rng = random.Random(SEED)
    cases = []
    while len(cases) < N_SINGLE + N_MULTI:
        single = len(cases) < N_SINGLE
        base = rng.choice(list(BASE_DATA))
        data = copy.deepcopy(BASE_DATA[base])
        applied, expected = [], None
        for _ in range(1 if single else rng.randint(2, 3)):
            for _ in range(20):
                mutation = rng.choice(MUTATIONS)
                try:
                    where = mutation(data, rng)
                except (KeyError, TypeError, AttributeError, IndexError, ValueError):
                    where = None  # an earlier mutation broke what this one edits
                if where is not None:
                    applied.append(mutation.__name__[2:])
                    expected = where
                    break
        if not applied:
            continue
        name = f"{len(cases):04d}-{base}-{'+'.join(applied)}"
        cases.append((name, base, dump(data), expected if single else None))
    return cases


def _open_cuts(text: str) -> list[int]:
    """Positions where a flow mapping or a double-quoted string is open."""
    cuts, braces, quotes = [], 0, 0
    for i, char in enumerate(text):
        if i and (braces > 0 or quotes % 2 == 1):
            cuts.append(i)
        braces += (char == "{") - (char == "}")
        quotes += char == '"'
    return cuts


OPEN_CUTS = {base: _open_cuts(text) for base, text in BASE_TEXT.items()}


def text_cases():
    """Damage to the text itself: truncation inside a flow mapping or a quoted
    string, control characters, a key given twice, tabs, stray brackets."""
    rng = random.Random(SEED + 1)
    cases = []
    while len(cases) < N_TEXT:
        base = rng.choice(list(BASE_TEXT))
        text = BASE_TEXT[base]
        how = rng.choice(["truncate", "control", "duplicate", "tab", "bracket", "quote"])
        if how == "truncate":  # cut where a flow mapping or a quote is open
            new = text[: rng.choice(OPEN_CUTS[base])]
        elif how == "control":
            i = rng.randrange(len(text))
            new = (
                text[:i]
                + chr(rng.choice([0, 1, 2, 7, 8, 0x0B, 0x0C, 0x1B, 0x7F, 0xFFFE]))
                + text[i:]
            )
        elif how == "duplicate":  # a 'key: value' line given twice in its mapping
            lines = dump(BASE_DATA[base]).splitlines(keepends=True)
            idx = [
                j
                for j, line in enumerate(lines)
                if re.match(r"^\s*\"?\w+\"?: \S", line) and not line.lstrip().startswith("-")
            ]
            j = rng.choice(idx)
            new = "".join(lines[: j + 1] + [lines[j]] + lines[j + 1 :])
        elif how == "tab":  # a tab indenting a block line (inside a flow, tabs are spaces)
            lines = text.splitlines(keepends=True)
            idx, depth = [], 0
            for j, line in enumerate(lines):
                if depth == 0 and line.startswith("  "):
                    idx.append(j)
                depth += sum(line.count(c) for c in "{[") - sum(line.count(c) for c in "}]")
            j = rng.choice(idx)
            lines[j] = "\t" + lines[j][2:]
            new = "".join(lines)
        elif how == "bracket":
            i = rng.randrange(len(text))
            new = text[:i] + rng.choice(["]", "}", "[", "{{", ": :", "- - ["]) + "\n" + text[i:]
            try:  # rarely still valid YAML; then also break the mapping
                if isinstance(yaml.safe_load(new), dict):
                    new += "\n- x\n"
            except yaml.YAMLError:
                pass
        else:
            i = rng.randrange(len(text))
            new = text[:i] + '"' + text[i:]
            try:
                if isinstance(yaml.safe_load(new), dict):
                    new += '\n"'
            except yaml.YAMLError:
                pass
        cases.append((f"text-{len(cases):03d}-{base}-{how}", base, new, None))
    return cases


def lol(levels: int, width: int = 9, into: str | None = None) -> str:
    out = 'a0: &a0 "lol"\n'
    for i in range(1, levels + 1):
        out += f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]\n"
    if into:
        out = into.replace("name: ", out + "name: ", 1)
    return out


def nested(depth: int, style: str) -> str:
    if style == "flow":
        return "sites: " + "[" * depth + "]" * depth + "\n"
    if style == "flowmap":
        return "sites: " + "{a: " * depth + "1" + "}" * depth + "\n"
    return "".join("  " * i + f"k{i}:\n" for i in range(depth)) + "  " * depth + "x: 1\n"


PWNED = "/tmp/planner-fuzz-pwned"

SPECIAL = {
    "empty": b"",
    "blank": b"   \n\n\t\n",
    "comments-only": b"# nothing here\n# at all\n",
    "document-marker": b"---\n",
    "null": b"null\n",
    "tilde": b"~\n",
    "list": b"- horizon\n- sites\n",
    "flow-list": b"[1, 2, 3]\n",
    "scalar": b"planner\n",
    "number": b"42\n",
    "list-of-instance": ("- " + BASE_TEXT["toy"].replace("\n", "\n  ")).encode(),
    "binary-png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    "binary-zeros": bytes(1000),
    "latin-1": BASE_TEXT["toy"].replace("toy-two-sites", "toy-zwei-Stätte").encode("latin-1"),
    "utf-16": BASE_TEXT["toy"].encode("utf-16"),
    "python-apply": f"!!python/object/apply:os.system ['touch {PWNED}']\n".encode(),
    "python-apply-inside": (
        BASE_TEXT["toy"] + f"extra: !!python/object/apply:os.system ['touch {PWNED}']\n"
    ).encode(),
    "python-name": b"sites: !!python/name:os.system\n",
    "python-object-new": b"x: !!python/object/new:subprocess.Popen [['true']]\n",
    "python-module": b"x: !!python/module:os\n",
    "unknown-tag": b"x: !custom 5\n",
    "set": (BASE_TEXT["toy"] + "extra: !!set {a, b}\n").encode(),
    "binary-tag": BASE_TEXT["toy"].replace("name: toy-two-sites", "name: !!binary aGk=").encode(),
    "bad-timestamp": (BASE_TEXT["toy"] + "when: !!timestamp 2026-02-30\n").encode(),
    "bad-float-tag": (BASE_TEXT["toy"] + "x: !!float abc\n").encode(),
    "bad-int-tag": (BASE_TEXT["toy"] + "x: !!int abc\n").encode(),
    "bad-binary-tag": (BASE_TEXT["toy"] + "x: !!binary '%%%'\n").encode(),
    "unhashable-key": b"? [a, b]\n: 1\n",
    "mapping-key": b"? {a: 1}\n: 1\n",
    "huge-int": ("horizon: " + "9" * 5000 + "\n").encode(),
    "duplicate-top-key": (BASE_TEXT["toy"] + "sites: []\n").encode(),
    "duplicate-nested-key": BASE_TEXT["toy"]
    .replace("{name: alpha,", "{name: alpha, name: a,")
    .encode(),
    "two-documents": (BASE_TEXT["toy"] + "---\n" + BASE_TEXT["toy"]).encode(),
    "json-broken": json.dumps(BASE_DATA["toy"])[:-20].encode(),
    "json-with-nan": json.dumps(BASE_DATA["toy"]).replace("600", "NaN").encode(),
    "deep-flow-100": nested(100, "flow").encode(),
    "deep-flow-3000": nested(3000, "flow").encode(),
    "deep-flowmap-500": nested(500, "flowmap").encode(),
    "deep-block-200": nested(200, "block").encode(),
    "deep-block-2000": nested(2000, "block").encode(),
    "deep-but-allowed": (
        "horizon: {start: '2026-01', deadline: '2027-12'}\nsites: " + "[" * 60 + "]" * 60 + "\n"
    ).encode(),
    "lol-9x9": lol(9).encode(),
    "lol-30x2": lol(30, 2).encode(),
    "lol-in-instance": lol(8, 10, into=BASE_TEXT["toy"]).encode(),
    "lol-mapping": (
        "a0: &a0 {x: 1}\n"
        + "".join(
            f"a{i}: &a{i} {{" + ", ".join(f"k{j}: *a{i - 1}" for j in range(8)) + "}\n"
            for i in range(1, 10)
        )
    ).encode(),
    "merge-bomb": (
        "a0: &a0 {x: 1}\n"
        + "".join(
            f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]\n" for i in range(1, 25)
        )
        + "m: {<<: *a24}\n"
    ).encode(),
    "alias-recursive-list": b"a: &a [1, *a]\n",
    "alias-recursive-map": b"a: &a {b: *a}\n",
    "alias-undefined": b"a: *nothing\n",
    "alias-as-sites": (BASE_TEXT["toy"].replace("sites:", "sites: &s") + "more: *s\n").encode(),
    "only-bom": "\ufeff".encode(),
    "crlf-broken": BASE_TEXT["toy"].replace("\n", "\r\n").replace("sites:", "sites: [").encode(),
}


def refuse(path) -> list[str]:
    """The problem lines of a file that must be refused, checked for form."""
    try:
        load_instance(path)
    except InstanceError as exc:
        lines = exc.problems
    except BaseException as exc:  # noqa: BLE001 (any other exception is the failure)
        raise AssertionError(f"{path}: {type(exc).__name__}: {exc}") from exc
    else:
        raise AssertionError(f"{path}: accepted")
    assert lines, f"{path}: refused without a problem line"
    for line in lines:
        assert line.startswith(f"{path}: "), line
        assert "Traceback" not in line and 'File "' not in line, line
        assert "\n" not in line and "\r" not in line and line.isprintable(), repr(line)
        assert len(line) < 600, line
    return lines


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def generated(fuzz_dir):
    """Every generated broken file, written once: (name, path, expected path)."""
    out = []
    for name, _, text, expected in mutated_cases() + text_cases():
        path = fuzz_dir / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        out.append((name, str(path), expected))
    for name, raw in SPECIAL.items():
        path = fuzz_dir / f"special-{name}.yaml"
        path.write_bytes(raw)
        out.append((f"special-{name}", str(path), None))
    return out


def test_there_are_over_a_thousand_cases(generated):
    assert len(generated) >= 1000
    names = [n for n, _, _ in generated]
    assert len(set(names)) == len(names)
    # every kind of mutation is exercised, alone and in combination
    for mutation in MUTATIONS:
        kind = mutation.__name__[2:]
        assert sum(kind in n for n in names) >= 10, kind


def test_every_generated_file_is_refused_with_clear_lines(generated):
    failures = []
    started = time.process_time()  # this process's CPU: a busy machine does not count
    for name, path, expected in generated:
        try:
            lines = refuse(path)
            if expected is not None:
                prefix = f"{path}: {expected}"
                assert any(
                    line.startswith((prefix + ":", prefix + ".", prefix + "[")) for line in lines
                ), f"no line at {expected}: {lines}"
        except AssertionError as exc:
            failures.append(f"{name}: {exc}")
    elapsed = time.process_time() - started
    assert not failures, f"{len(failures)} of {len(generated)} cases:\n" + "\n".join(failures[:20])
    assert elapsed < 40, f"{len(generated)} files took {elapsed:.1f} s"


def test_no_yaml_tag_runs_code(generated):
    for name, path, _ in generated:
        if "python" in name:
            refuse(path)
    assert not os.path.exists(PWNED)


@pytest.mark.parametrize(
    "name",
    [
        "lol-9x9",
        "lol-30x2",
        "lol-in-instance",
        "lol-mapping",
        "merge-bomb",
        "deep-flow-3000",
        "deep-block-2000",
    ],
)
def test_bombs_are_refused_fast(fuzz_dir, generated, name):
    path = str(fuzz_dir / f"special-{name}.yaml")
    started = time.process_time()  # CPU seconds: the same on a busy machine
    lines = refuse(path)
    assert time.process_time() - started < 3
    assert len(lines) == 1


def test_alias_bomb_says_what_it_is(fuzz_dir, generated):
    assert refuse(str(fuzz_dir / "special-lol-9x9.yaml")) == [
        f"{fuzz_dir / 'special-lol-9x9.yaml'}: refused: YAML aliases expand to over "
        "1,000,000 values"
    ]


def test_moderate_aliases_are_fine(tmp_path):
    text = BASE_TEXT["toy"].replace(
        "build: {capex_per_mw: 10, lead_months: 6},\n     grid: {tranches: [{mw: 125",
        "build: &b {capex_per_mw: 10, lead_months: 6},\n     grid: {tranches: [{mw: 125",
        1,
    )
    text = text.replace(
        "build: {capex_per_mw: 10, lead_months: 6},\n     grid: {tranches: [{mw: 100",
        "build: *b,\n     grid: {tranches: [{mw: 100",
    )
    assert "*b" in text
    path = tmp_path / "aliases.yaml"
    path.write_text(text)
    inst = load_instance(path)
    assert inst.sites[1].build == inst.sites[0].build


def test_file_over_the_size_limit(tmp_path):
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as fh:  # sparse: no 50 MB written
        fh.write(b"horizon: {}\n")
        fh.truncate(reader_module.MAX_FILE_BYTES + 1)
    assert refuse(str(path)) == [f"{path}: file is 50 MB, over the 50 MB limit"]


def test_size_limit_applies_to_what_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(reader_module, "MAX_FILE_BYTES", 1000)
    path = tmp_path / "big.yaml"
    path.write_text(BASE_TEXT["every"])
    lines = refuse(str(path))
    assert len(lines) == 1 and "over the" in lines[0] and "limit" in lines[0]


def test_directory_and_missing_path(tmp_path):
    assert refuse(str(tmp_path)) == [f"{tmp_path}: is a directory, not an instance file"]
    missing = tmp_path / "no" / "such.yaml"
    assert refuse(str(missing)) == [f"{missing}: cannot read: No such file or directory"]


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_device_that_never_ends_is_cut_at_the_limit(monkeypatch):
    monkeypatch.setattr(reader_module, "MAX_FILE_BYTES", 10_000)
    assert refuse("/dev/zero") == ["/dev/zero: file is over the 10,000 bytes limit"]


def test_unreadable_file(tmp_path, monkeypatch):
    """A file the user may not read (simulated: the suite may run as root,
    who reads everything)."""
    import builtins

    path = tmp_path / "secret.yaml"
    path.write_text(BASE_TEXT["toy"])
    real_open = builtins.open

    def no_permission(file, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", no_permission)
    assert refuse(str(path)) == [f"{path}: cannot read: Permission denied"]


def test_numbers_far_outside_sane_ranges_name_their_unit(tmp_path):
    """A value of 1e12 anywhere: refused; where the field has no hard upper
    bound the line says it is a probable unit mistake and names the unit."""
    hard = {"availability": "<= 1", "tolerance": "<= 1", "period_months": "one of"}
    units = ("$M", "MW", "months", "units", "$/MWh", "t CO2/MWh", "Mt", "fraction", "pue")
    data = BASE_DATA["every"]
    checked = 0
    for path, value in nodes(data):
        if not is_number(value):
            continue
        mutated = copy.deepcopy(data)
        put(mutated, path, 1e12)
        file = tmp_path / f"sane-{checked}.yaml"
        file.write_text(dump(mutated))
        lines = [line for line in refuse(str(file)) if line.startswith(f"{file}: {show(path)}:")]
        assert len(lines) == 1, (show(path), lines)
        key = last_key(path)
        if key in hard:
            assert hard[key] in lines[0]
        else:
            assert "a probable unit mistake" in lines[0], lines[0]
            assert any(u in lines[0] for u in units), lines[0]
        checked += 1
    assert checked >= 40


def test_cli_exits_2_on_a_sample(generated):
    rng = random.Random(SEED + 2)
    sample = rng.sample(generated, 100)
    runner = CliRunner()
    for i, (name, path, _) in enumerate(sample):
        if i % 3 == 0:
            res = runner.invoke(main, ["solve", path, "--json"])
            assert res.exit_code == 2, (name, res.output)
            out = json.loads(res.stdout)
            assert out["status"] == "invalid" and out["errors"], name
            lines = out["errors"]
        else:
            res = runner.invoke(main, ["validate", path])
            assert res.exit_code == 2, (name, res.output)
            assert res.stdout == ""
            lines = res.stderr.splitlines()
        assert lines and all(line.startswith(f"{path}: ") for line in lines), (name, lines)
        assert "Traceback" not in res.output, name
        assert isinstance(res.exception, SystemExit), (name, res.exception)


# ------------------------------------------------------------- hypothesis
HYPO = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@HYPO
@given(raw=st.binary(max_size=2000))
def test_arbitrary_bytes_are_refused(fuzz_dir, raw):
    path = fuzz_dir / "hypothesis-bytes.yaml"
    path.write_bytes(raw)
    refuse(str(path))


@HYPO
@given(
    base=st.sampled_from(sorted(BASE_TEXT)),
    at=st.floats(min_value=0, max_value=1),
    junk=st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=40),
    cut=st.booleans(),
)
def test_arbitrary_text_in_a_valid_file_never_crashes(fuzz_dir, base, at, junk, cut):
    """Text inserted anywhere (or the rest cut off) may leave a valid file;
    either way the reader answers with an instance or InstanceError."""
    text = BASE_TEXT[base]
    i = int(at * len(text))
    new = text[:i] + junk + ("" if cut else text[i:])
    path = fuzz_dir / "hypothesis-text.yaml"
    path.write_text(new, encoding="utf-8")
    try:
        load_instance(path)
    except InstanceError:
        refuse(str(path))  # the lines are well formed
