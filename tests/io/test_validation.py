"""Bad input (docs/model.md section 7) and defaults (section 8).

Each test breaks a valid instance in one way and checks the exact problem
line(s), ``file: path: message, got value``. The base is
tests/data/every-feature.yaml (start 2026-01, deadline 2027-12, quarters).
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import planner
from planner.cli.main import main
from planner.io.errors import InstanceError
from planner.io.load import load_instance, parse_instance

ROOT = Path(__file__).parent.parent.parent
EVERY = ROOT / "tests" / "data" / "every-feature.yaml"
TOY = ROOT / "instances" / "toy-two-sites.yaml"
BASE = yaml.safe_load(EVERY.read_text())


# ------------------------------------------------------------------ helpers
def write(tmp_path: Path, data, name: str = "bad.yaml") -> str:
    path = tmp_path / name
    text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
    path.write_text(text)
    return str(path)


def edited(edit) -> dict:
    data = copy.deepcopy(BASE)
    edit(data)
    return data


def problems(tmp_path: Path, edit) -> tuple[str, list[str]]:
    """(file, problem lines) of the base instance after ``edit``."""
    path = write(tmp_path, edited(edit))
    with pytest.raises(InstanceError) as info:
        load_instance(path)
    return path, info.value.problems


def refused(tmp_path: Path, edit, *expected: str) -> None:
    """``edit`` gives exactly these lines (path: message, got value)."""
    path, lines = problems(tmp_path, edit)
    assert lines == [f"{path}: {e}" for e in expected]


def accepted(tmp_path: Path, edit) -> planner.Instance:
    return load_instance(write(tmp_path, edited(edit), name="ok.yaml"))


def site(d: dict, i: int = 0) -> dict:
    return d["sites"][i]


def tranche(d: dict, g: int = 0) -> dict:
    return d["sites"][0]["grid"]["tranches"][g]


def source(d: dict, f: int = 0) -> dict:
    return d["funding"][f]


def tech(d: dict, k: int = 0) -> dict:
    return d["technologies"][k]


# ------------------------------------------------------------ valid files
def _shipped_instances() -> list[Path]:
    """Every shipped instance (studies with uncertainty and scenarios
    sections too: those sections have their own schema) and every-feature."""
    return [EVERY, *sorted((ROOT / "instances").glob("*.yaml"))]


def test_a_scenario_section_is_validated_with_the_instance(tmp_path):
    data = yaml.safe_load((ROOT / "instances" / "bridge-power-scenarios.yaml").read_text())
    data["scenarios"][0]["probability"] = "half"
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(InstanceError) as exc:
        load_instance(path)
    assert any("scenarios[0].probability" in line for line in exc.value.problems)


@pytest.mark.parametrize("path", _shipped_instances(), ids=lambda p: p.stem)
def test_shipped_instances_are_valid(path):
    assert isinstance(load_instance(path), planner.Instance)


# ------------------------------------------------------------ unknown keys
@pytest.mark.parametrize(
    "edit, expected",
    [
        (lambda d: d.update(horizn=1), "horizn: unknown key (did you mean 'horizon'?), got 1"),
        (
            lambda d: site(d).update(max_it_mv=5),
            "sites[0].max_it_mv: unknown key (did you mean 'max_it_mw'?), got 5",
        ),
        (
            lambda d: site(d)["build"].update(lead_month=6),
            "sites[0].build.lead_month: unknown key (did you mean 'lead_months'?), got 6",
        ),
        (
            lambda d: tranche(d).update(energised="2026-01"),
            "sites[0].grid.tranches[0].energised: unknown key (did you mean 'energized'?), "
            "got '2026-01'",
        ),
        (
            lambda d: source(d).update(ammount=5),
            "funding[0].ammount: unknown key (did you mean 'amount'?), got 5",
        ),
        (
            lambda d: d["limits"]["max_debt_on_balance_sheet"][0].update(value2=3),
            "limits.max_debt_on_balance_sheet[0].value2: unknown key (did you mean 'value'?), "
            "got 3",
        ),
        (
            lambda d: d["objective"].update(stage=["cost"]),
            "objective.stage: unknown key (did you mean 'stages'?), got ['cost']",
        ),
        (lambda d: tech(d).update(colour="red"), "technologies[0].colour: unknown key, got 'red'"),
    ],
)
def test_unknown_key_is_refused_with_the_closest_valid_key(tmp_path, edit, expected):
    refused(tmp_path, edit, expected)


def test_unknown_key_with_an_empty_value_is_still_unknown(tmp_path):
    refused(
        tmp_path,
        lambda d: site(d).update(max_it_mv=None),
        "sites[0].max_it_mv: unknown key (did you mean 'max_it_mw'?), got null",
    )


def test_misspelt_required_key_gives_both_lines(tmp_path):
    def edit(d):
        site(d)["build"]["lead_month"] = site(d)["build"].pop("lead_months")

    refused(
        tmp_path,
        edit,
        "sites[0].build.lead_months: required key is missing",
        "sites[0].build.lead_month: unknown key (did you mean 'lead_months'?), got 6",
    )


def test_keys_must_be_text(tmp_path):
    path = write(tmp_path, EVERY.read_text() + "5: five\n")
    with pytest.raises(InstanceError) as info:
        load_instance(path)
    assert info.value.problems == [f"{path}: (top level): keys must be text, got 5"]


# ------------------------------------------------------- required keys (8)
@pytest.mark.parametrize(
    "where, key, path",
    [
        (lambda d: d, "horizon", "horizon"),
        (lambda d: d, "sites", "sites"),
        (lambda d: d["horizon"], "start", "horizon.start"),
        (lambda d: d["horizon"], "deadline", "horizon.deadline"),
        (lambda d: site(d), "name", "sites[0].name"),
        (lambda d: site(d), "max_it_mw", "sites[0].max_it_mw"),
        (lambda d: site(d), "build", "sites[0].build"),
        (lambda d: site(d)["build"], "capex_per_mw", "sites[0].build.capex_per_mw"),
        (lambda d: site(d)["build"], "lead_months", "sites[0].build.lead_months"),
        (lambda d: site(d)["grid"], "tranches", "sites[0].grid.tranches"),
        (lambda d: tranche(d), "mw", "sites[0].grid.tranches[0].mw"),
        (lambda d: site(d)["onsite"], "max_mw", "sites[0].onsite.max_mw"),
        (lambda d: tech(d), "unit_mw", "technologies[0].unit_mw"),
        (lambda d: d["supply"][0], "deliveries", "supply[0].deliveries"),
        (lambda d: d["supply"][0]["deliveries"][0], "date", "supply[0].deliveries[0].date"),
        (lambda d: d["supply"][0]["deliveries"][0], "units", "supply[0].deliveries[0].units"),
        (lambda d: source(d), "kind", "funding[0].kind"),
        (lambda d: source(d), "amount", "funding[0].amount"),
        (lambda d: site(d)["commitments"][0], "by", "sites[0].commitments[0].by"),
        (lambda d: site(d)["commitments"][0], "it_mw", "sites[0].commitments[0].it_mw"),
        (
            lambda d: d["limits"]["max_debt_on_balance_sheet"][0],
            "from",
            "limits.max_debt_on_balance_sheet[0].from",
        ),
    ],
)
def test_missing_required_key(tmp_path, where, key, path):
    refused(tmp_path, lambda d: where(d).pop(key), f"{path}: required key is missing")


def test_missing_name_of_a_referenced_technology_is_one_line(tmp_path):
    # the catalogue is incomplete: references to it are judged once it is fixed
    refused(
        tmp_path, lambda d: tech(d).pop("name"), "technologies[0].name: required key is missing"
    )


# ---------------------------------------------------------- duplicate names
def test_duplicate_site_name(tmp_path):
    refused(
        tmp_path,
        lambda d: site(d, 1).update(name="alpha"),
        "sites[1].name: duplicate site name (first at sites[0]), got 'alpha'",
    )


def test_duplicate_technology_name(tmp_path):
    refused(
        tmp_path,
        lambda d: tech(d, 2).update(name="mobile"),
        "technologies[2].name: duplicate technology name (first at technologies[1]), got 'mobile'",
    )


def test_duplicate_source_name(tmp_path):
    refused(
        tmp_path,
        lambda d: source(d, 3).update(name="cash"),
        "funding[3].name: duplicate source name (first at funding[0]), got 'cash'",
    )


def test_two_supply_entries_for_one_technology(tmp_path):
    def edit(d):
        d["supply"].append({"technology": "aero", "deliveries": [{"date": "2026-03", "units": 1}]})

    refused(
        tmp_path,
        edit,
        "supply[1].technology: a second supply entry for this technology (first at "
        "supply[0]), got 'aero'",
    )


# -------------------------------------------------------- unknown references
def test_unknown_technology_on_a_site(tmp_path):
    refused(
        tmp_path,
        lambda d: site(d)["onsite"].update(technologies=["aero", "mobil"]),
        "sites[0].onsite.technologies[1]: unknown technology (did you mean 'mobile'?), got 'mobil'",
    )


def test_reference_to_an_empty_or_absent_catalogue(tmp_path):
    refused(
        tmp_path,
        lambda d: (d.update(technologies=[]), d.pop("supply")),
        "sites[0].onsite.technologies[0]: unknown technology, got 'aero'",
        "sites[0].onsite.technologies[1]: unknown technology, got 'mobile'",
    )
    refused(
        tmp_path,
        lambda d: (
            d.pop("technologies"),
            d["supply"].clear(),
            site(d)["onsite"].update(technologies=["aero"]),
        ),
        "sites[0].onsite.technologies[0]: unknown technology, got 'aero'",
    )


def test_unknown_technology_in_supply(tmp_path):
    refused(
        tmp_path,
        lambda d: d["supply"][0].update(technology="turbine"),
        "supply[0].technology: unknown technology, got 'turbine'",
    )


def test_unknown_site_of_a_source(tmp_path):
    refused(
        tmp_path,
        lambda d: source(d, 2).update(sites=["alfa"]),
        "funding[2].sites[0]: unknown site (did you mean 'alpha'?), got 'alfa'",
    )


def test_unknown_use_of_a_source(tmp_path):
    refused(
        tmp_path,
        lambda d: source(d, 2).update(uses=["facility", "gpus"]),
        "funding[2].uses[1]: must be one of 'facility', 'compute', 'power', 'grid' or "
        "'rent', got 'gpus'",
    )


def test_unknown_kind_and_ownership_and_stage(tmp_path):
    def edit(d):
        source(d)["kind"] = "grant"
        tech(d)["ownership"] = "lease"
        d["objective"]["stages"] = ["capacity", "profit"]

    refused(
        tmp_path,
        edit,
        "technologies[0].ownership: must be one of 'buy' or 'rent', got 'lease'",
        "funding[0].kind: must be one of 'cash', 'equity', 'bond', 'loan', "
        "'private_credit', 'spv' or 'lease', got 'grant'",
        "objective.stages[1]: must be one of 'capacity', 'capacity_time', 'cost' or 'co2', "
        "got 'profit'",
    )


def test_a_term_is_a_stage_once(tmp_path):
    refused(
        tmp_path,
        lambda d: d["objective"].update(stages=["cost", "capacity", "cost"]),
        "objective.stages: a term may be a stage once, repeated: cost, "
        "got ['cost', 'capacity', 'cost']",
    )


# ------------------------------------------------------------------- dates
@pytest.mark.parametrize(
    "value, message",
    [
        ("2026-13", "must be a date 'YYYY-MM' with a month from 01 to 12, got '2026-13'"),
        ("2026-00", "must be a date 'YYYY-MM' with a month from 01 to 12, got '2026-00'"),
        ("2026-1", "must be a date 'YYYY-MM', got '2026-1'"),
        ("26-01", "must be a date 'YYYY-MM', got '26-01'"),
        ("2026/01", "must be a date 'YYYY-MM', got '2026/01'"),
        ("Jan 2026", "must be a date 'YYYY-MM', got 'Jan 2026'"),
        ("", "must be a date 'YYYY-MM', got ''"),
        ("2026-01-15", "must be a date 'YYYY-MM', got '2026-01-15'"),
        (202601, "must be a date 'YYYY-MM', got 202601"),
    ],
)
def test_malformed_date(tmp_path, value, message):
    refused(
        tmp_path,
        lambda d: tranche(d, 1).update(energized=value),
        f"sites[0].grid.tranches[1].energized: {message}",
    )


def test_a_date_with_a_day_written_without_quotes(tmp_path):
    # YAML reads 2026-01-15 as a calendar date
    path = write(tmp_path, EVERY.read_text().replace('"2026-06", units: 2', "2026-06-15, units: 2"))
    with pytest.raises(InstanceError) as info:
        load_instance(path)
    assert info.value.problems == [
        f"{path}: supply[0].deliveries[0].date: must be a month 'YYYY-MM', without a day, "
        "got 2026-06-15"
    ]


def test_deadline_before_start(tmp_path):
    refused(
        tmp_path,
        lambda d: d["horizon"].update(deadline="2025-12"),
        "horizon.deadline: must not be before the start 2026-01, got '2025-12'",
    )


def test_deadline_in_the_start_month_is_fine(tmp_path):
    def edit(d):
        d["horizon"]["deadline"] = "2026-01"
        for s in d["sites"]:
            s.pop("commitments", None)
        for s in d["sites"][0]["grid"]["tranches"]:
            s.pop("paid", None)
        for f in d["funding"]:
            f.pop("until", None)

    assert accepted(tmp_path, edit).calendar.n_periods == 1


def test_horizon_of_over_a_century_is_a_probable_typo(tmp_path):
    refused(
        tmp_path,
        lambda d: d["horizon"].update(deadline="2207-12"),
        "horizon.deadline: must be at most 100 years after the start 2026-01, got '2207-12'",
    )


# --------------------------------------------------------- period_months
@pytest.mark.parametrize(
    "value, shown",
    [(5, "5"), (0, "0"), (24, "24"), (3.5, "3.5"), ("3", "'3'"), (True, "true"), ([3], "[3]")],
)
def test_period_months_outside_the_list(tmp_path, value, shown):
    refused(
        tmp_path,
        lambda d: d["horizon"].update(period_months=value),
        f"horizon.period_months: must be one of 1, 2, 3, 4, 6, 12, got {shown}",
    )


@pytest.mark.parametrize("value", [1, 2, 3, 4, 6, 12, 6.0])
def test_period_months_in_the_list(tmp_path, value):
    inst = accepted(
        tmp_path,
        lambda d: (d["horizon"].update(period_months=value), site(d)["build"].pop("block_mw")),
    )
    assert inst.horizon.period_months == int(value)
    assert isinstance(inst.horizon.period_months, int)


# ------------------------------------------------------- pue, availability
@pytest.mark.parametrize("value", [0.99, 0, -1])
def test_pue_below_1(tmp_path, value):
    refused(
        tmp_path, lambda d: site(d).update(pue=value), f"sites[0].pue: must be >= 1, got {value:g}"
    )


def test_pue_of_1_is_fine(tmp_path):
    assert accepted(tmp_path, lambda d: site(d).update(pue=1)).sites[0].pue == 1


@pytest.mark.parametrize(
    "value, message",
    [
        (0, "must be > 0, got 0"),
        (-0.5, "must be > 0, got -0.5"),
        (1.01, "must be <= 1 (a fraction: 0.95 for 95 %), got 1.01"),
        (95, "must be <= 1 (a fraction: 0.95 for 95 %), got 95"),
    ],
)
def test_availability_outside_0_1(tmp_path, value, message):
    refused(
        tmp_path,
        lambda d: tech(d).update(availability=value),
        f"technologies[0].availability: {message}",
    )


def test_availability_of_1_is_fine(tmp_path):
    assert (
        accepted(tmp_path, lambda d: tech(d).update(availability=1)).technologies[0].availability
        == 1
    )


# ------------------------------------------------------- negative numbers
NONNEGATIVE = [
    # money
    (lambda d: site(d)["build"], "capex_per_mw", "sites[0].build.capex_per_mw"),
    (lambda d: site(d), "compute_capex_per_mw", "sites[0].compute_capex_per_mw"),
    (lambda d: tranche(d, 1), "cost", "sites[0].grid.tranches[1].cost"),
    (lambda d: tech(d), "capex_per_unit", "technologies[0].capex_per_unit"),
    (lambda d: tech(d, 1), "rent_per_unit_month", "technologies[1].rent_per_unit_month"),
    (lambda d: tech(d), "fixed_om_per_mw_year", "technologies[0].fixed_om_per_mw_year"),
    (lambda d: source(d), "amount", "funding[0].amount"),
    (lambda d: source(d), "per_month", "funding[0].per_month"),
    (lambda d: source(d, 2), "max_per_site", "funding[2].max_per_site"),
    (lambda d: source(d, 1), "setup_cost", "funding[1].setup_cost"),
    (lambda d: d["limits"], "max_off_balance_sheet", "limits.max_off_balance_sheet"),
    (lambda d: d["limits"], "max_total_cost", "limits.max_total_cost"),
    (
        lambda d: d["limits"]["max_debt_on_balance_sheet"][1],
        "value",
        "limits.max_debt_on_balance_sheet[1].value",
    ),
    # prices
    (lambda d: site(d)["grid"], "price_per_mwh", "sites[0].grid.price_per_mwh"),
    (lambda d: tech(d), "variable_cost_per_mwh", "technologies[0].variable_cost_per_mwh"),
    # rates and fractions
    (lambda d: source(d, 1), "rate", "funding[1].rate"),
    (lambda d: site(d)["onsite"], "reserve_margin", "sites[0].onsite.reserve_margin"),
    (lambda d: d["objective"], "tolerance", "objective.tolerance"),
    # MW
    (lambda d: site(d), "max_it_mw", "sites[0].max_it_mw"),
    (lambda d: site(d), "existing_it_mw", "sites[0].existing_it_mw"),
    (lambda d: site(d)["build"], "max_mw_per_month", "sites[0].build.max_mw_per_month"),
    (lambda d: site(d)["onsite"], "max_mw", "sites[0].onsite.max_mw"),
    (lambda d: site(d)["commitments"][0], "it_mw", "sites[0].commitments[0].it_mw"),
    # months
    (lambda d: site(d)["build"], "lead_months", "sites[0].build.lead_months"),
    (lambda d: tranche(d, 2), "wait_months", "sites[0].grid.tranches[2].wait_months"),
    (lambda d: tech(d), "lead_months", "technologies[0].lead_months"),
    # units
    (lambda d: d["supply"][0]["deliveries"][0], "units", "supply[0].deliveries[0].units"),
    # emissions
    (lambda d: site(d)["grid"], "co2_t_per_mwh", "sites[0].grid.co2_t_per_mwh"),
    (lambda d: tech(d), "co2_t_per_mwh", "technologies[0].co2_t_per_mwh"),
    (lambda d: d["limits"], "max_co2_mt", "limits.max_co2_mt"),
]
IDS = [p for _, _, p in NONNEGATIVE]


@pytest.mark.parametrize("where, key, path", NONNEGATIVE, ids=IDS)
def test_negative_number(tmp_path, where, key, path):
    refused(tmp_path, lambda d: where(d).update({key: -5}), f"{path}: must be >= 0, got -5")


@pytest.mark.parametrize("where, key, path", NONNEGATIVE, ids=IDS)
def test_zero_is_fine_where_not_required_positive(tmp_path, where, key, path):
    def edit(d):
        where(d)[key] = 0
        if key == "max_mw_per_month":  # a block would no longer fit a period
            site(d)["build"].pop("block_mw")
        if key == "max_it_mw":
            site(d)["existing_it_mw"] = 0

    accepted(tmp_path, edit)


@pytest.mark.parametrize(
    "where, key, path",
    [
        (lambda d: tranche(d), "mw", "sites[0].grid.tranches[0].mw"),
        (lambda d: tech(d), "unit_mw", "technologies[0].unit_mw"),
        (lambda d: site(d)["build"], "block_mw", "sites[0].build.block_mw"),
    ],
)
@pytest.mark.parametrize("value", [0, -1])
def test_positive_mw(tmp_path, where, key, path, value):
    refused(tmp_path, lambda d: where(d).update({key: value}), f"{path}: must be > 0, got {value}")


def test_delivery_units_are_whole_numbers(tmp_path):
    refused(
        tmp_path,
        lambda d: d["supply"][0]["deliveries"][0].update(units=2.5),
        "supply[0].deliveries[0].units: must be a whole number, got 2.5",
    )
    inst = accepted(tmp_path, lambda d: d["supply"][0]["deliveries"][0].update(units=2.0))
    assert inst.supply[0].deliveries[0].units == 2
    assert isinstance(inst.supply[0].deliveries[0].units, int)


# -------------------------------------------------- NaN, infinity, strings
@pytest.mark.parametrize(
    "value, shown",
    [
        (math.nan, "nan"),
        (math.inf, "inf"),
        (-math.inf, "-inf"),
    ],
)
def test_nan_and_infinite_numbers(tmp_path, value, shown):
    refused(
        tmp_path,
        lambda d: source(d).update(amount=value),
        f"funding[0].amount: must be a finite number, got {shown}",
    )


def test_nan_written_in_yaml(tmp_path):
    path = write(
        tmp_path,
        EVERY.read_text()
        .replace("max_co2_mt: 2.0", "max_co2_mt: .nan")
        .replace("price_per_mwh: 70", "price_per_mwh: .inf"),
    )
    with pytest.raises(InstanceError) as info:
        load_instance(path)
    assert info.value.problems == [
        f"{path}: sites[0].grid.price_per_mwh: must be a finite number, got inf",
        f"{path}: limits.max_co2_mt: must be a finite number, got nan",
    ]


@pytest.mark.parametrize("value", ["5", "1e3", " 7.5 ", "nan"])
def test_numbers_written_as_strings(tmp_path, value):
    # written as JSON (which is YAML), so that every string is in quotes
    path = write(tmp_path, json.dumps(edited(lambda d: site(d).update(max_it_mw=value))))
    with pytest.raises(InstanceError) as info:
        load_instance(path)
    assert info.value.problems == [
        f"{path}: sites[0].max_it_mw: must be a number, not text: write it without quotes, "
        f"got {value!r}"
    ]


def test_json_instance_with_exponents(tmp_path):
    data = edited(lambda d: source(d).update(amount=9e2))
    path = write(tmp_path, json.dumps(data).replace("900.0", "9e2"), name="x.json")
    assert load_instance(path).funding[0].amount == 900


@pytest.mark.parametrize(
    "value, shown", [("lots", "'lots'"), (True, "true"), ([1], "[1]"), ({"mw": 1}, "{'mw': 1}")]
)
def test_other_things_that_are_no_number(tmp_path, value, shown):
    refused(
        tmp_path,
        lambda d: site(d).update(max_it_mw=value),
        f"sites[0].max_it_mw: must be a number, got {shown}",
    )


def test_exponent_without_a_dot_is_a_number(tmp_path):
    # YAML 1.1 reads 6e2 as text; the planner reads it as the number it is
    path = write(tmp_path, TOY.read_text().replace("amount: 600", "amount: 6e2"))
    assert load_instance(path).funding[0].amount == 600


def test_true_false_must_be_booleans(tmp_path):
    refused(
        tmp_path,
        lambda d: source(d, 4).update(debt="yes"),
        "funding[4].debt: must be true or false, got 'yes'",
    )
    refused(
        tmp_path,
        lambda d: source(d, 4).update(on_balance_sheet=0),
        "funding[4].on_balance_sheet: must be true or false, got 0",
    )


# ------------------------------------------------- sanity: unit mistakes
@pytest.mark.parametrize(
    "where, key, value, message",
    [
        (
            lambda d: site(d)["build"],
            "capex_per_mw",
            1e12,
            "sites[0].build.capex_per_mw: must be at most 1000 $M per MW, a probable unit mistake: "
            "the value is in $M per MW, got 1e+12",
        ),
        (
            lambda d: tech(d),
            "capex_per_unit",
            1e12,
            "technologies[0].capex_per_unit: must be at most 100000 $M per unit, a probable unit "
            "mistake: the value is in $M per unit, got 1e+12",
        ),
        (
            lambda d: source(d),
            "amount",
            9e12,
            "funding[0].amount: must be at most 1e+07 $M, a probable unit mistake: the value is in "
            "$M, got 9e+12",
        ),
        (
            lambda d: source(d, 1),
            "rate",
            7,
            "funding[1].rate: must be at most 1, a probable unit "
            "mistake: rates are annual fractions, "
            "0.07 for 7 %, got 7",
        ),
        (
            lambda d: site(d),
            "pue",
            125,
            "sites[0].pue: must be at most 10, a probable unit "
            "mistake: pue is facility MW per IT MW, "
            "e.g. 1.25, got 125",
        ),
        (
            lambda d: site(d),
            "max_it_mw",
            1.2e9,
            "sites[0].max_it_mw: must be at most 1e+06 MW, a "
            "probable unit mistake: the value is in "
            "MW, got 1200000000",
        ),
        (
            lambda d: site(d)["build"],
            "lead_months",
            18 * 30,
            None,
        ),  # 540 months (days?) is long but not absurd: accepted
        (
            lambda d: site(d)["build"],
            "lead_months",
            1e4,
            "sites[0].build.lead_months: must be at most 1200 months, a probable unit mistake: the "
            "value is in months, got 10000",
        ),
        (
            lambda d: tech(d),
            "co2_t_per_mwh",
            450,
            "technologies[0].co2_t_per_mwh: must be at most 100 t "
            "CO2/MWh, a probable unit mistake: "
            "the value is in t CO2/MWh, got 450",
        ),
    ],
)
def test_numbers_far_outside_sane_ranges_are_refused_naming_the_unit(
    tmp_path, where, key, value, message
):
    if message is None:
        accepted(tmp_path, lambda d: where(d).update({key: value}))
    else:
        refused(tmp_path, lambda d: where(d).update({key: value}), message)


def test_a_huge_integer_is_shown_short(tmp_path):
    path = write(tmp_path, TOY.read_text().replace("amount: 600", "amount: " + "9" * 400))
    with pytest.raises(InstanceError) as info:
        load_instance(path)
    assert info.value.problems == [
        f"{path}: funding[0].amount: must be at most 1e+07 $M, a probable unit mistake: the "
        "value is in $M, got a whole number of about 400 digits"
    ]


# ------------------------------------------------------ site consistency
def test_existing_above_max(tmp_path):
    refused(
        tmp_path,
        lambda d: site(d).update(existing_it_mw=250),
        "sites[0].existing_it_mw: must not be above max_it_mw 200, got 250",
    )


def test_existing_equal_to_max_is_fine(tmp_path):
    accepted(tmp_path, lambda d: site(d).update(existing_it_mw=200))


def test_block_larger_than_one_periods_commissioning(tmp_path):
    # max_mw_per_month 20 * 3 months = 60 IT MW per period
    refused(
        tmp_path,
        lambda d: site(d)["build"].update(block_mw=61),
        "sites[0].build.block_mw: must not be larger than one period's commissioning, "
        "max_mw_per_month * period_months = 60, got 61",
    )
    accepted(tmp_path, lambda d: site(d)["build"].update(block_mw=60))


def test_block_depends_on_the_period_length(tmp_path):
    refused(
        tmp_path,
        lambda d: (site(d)["build"].update(block_mw=30), d["horizon"].update(period_months=1)),
        "sites[0].build.block_mw: must not be larger than one period's commissioning, "
        "max_mw_per_month * period_months = 20, got 30",
    )


def test_block_without_a_rate_is_fine(tmp_path):
    accepted(tmp_path, lambda d: site(d)["build"].update(block_mw=150, max_mw_per_month=None))


# --------------------------------------------------------------- tranches
def test_tranche_with_both_energized_and_wait_months(tmp_path):
    refused(
        tmp_path,
        lambda d: tranche(d).update(wait_months=12),
        "sites[0].grid.tranches[0]: give exactly one of 'energized' and 'wait_months', got both",
    )


def test_tranche_with_neither(tmp_path):
    refused(
        tmp_path,
        lambda d: tranche(d).pop("energized"),
        "sites[0].grid.tranches[0]: give exactly one of 'energized' and 'wait_months', got neither",
    )


def test_tranche_timing_is_reported_with_its_other_problems(tmp_path):
    refused(
        tmp_path,
        lambda d: tranche(d).update(wait_months=12, mw=-30),
        "sites[0].grid.tranches[0].mw: must be > 0, got -30",
        "sites[0].grid.tranches[0]: give exactly one of 'energized' and 'wait_months', got both",
    )


@pytest.mark.parametrize(
    "key, where, path",
    [
        ("by", lambda d: site(d)["commitments"][0], "sites[0].commitments[0].by"),
        ("paid", lambda d: tranche(d, 1), "sites[0].grid.tranches[1].paid"),
    ],
)
def test_by_and_paid_inside_the_horizon(tmp_path, key, where, path):
    refused(
        tmp_path,
        lambda d: where(d).update({key: "2025-12"}),
        f"{path}: must not be before the start 2026-01, got '2025-12'",
    )
    refused(
        tmp_path,
        lambda d: where(d).update({key: "2028-01"}),
        f"{path}: must not be after the deadline 2027-12, got '2028-01'",
    )
    # the deadline month itself and the start month are fine
    accepted(tmp_path, lambda d: where(d).update({key: "2027-12"}))
    accepted(tmp_path, lambda d: where(d).update({key: "2026-01"}))


def test_by_after_the_deadline_month_but_in_its_period(tmp_path):
    # deadline 2027-11 lies in the period 2027-10..12; 'by' 2027-12 is still refused
    refused(
        tmp_path,
        lambda d: (
            d["horizon"].update(deadline="2027-11"),
            site(d)["commitments"][0].update(by="2027-12"),
        ),
        "sites[0].commitments[0].by: must not be after the deadline 2027-11, got '2027-12'",
    )


def test_by_dates_are_checked_even_when_period_months_is_wrong(tmp_path):
    refused(
        tmp_path,
        lambda d: (
            d["horizon"].update(period_months=5),
            site(d)["commitments"][0].update(by="2030-01"),
        ),
        "horizon.period_months: must be one of 1, 2, 3, 4, 6, 12, got 5",
        "sites[0].commitments[0].by: must not be after the deadline 2027-12, got '2030-01'",
    )


# ---------------------------------------------------------------- sources
def test_until_before_start(tmp_path):
    refused(
        tmp_path,
        lambda d: source(d, 2).update(until="2025-06"),
        "funding[2].until: must not be before the start 2026-01, got '2025-06'",
    )


def test_until_before_available(tmp_path):
    refused(
        tmp_path,
        lambda d: source(d, 1).update(until="2026-06"),
        "funding[1].until: must not be before available 2026-07, got '2026-06'",
    )


def test_until_after_the_deadline_and_until_equal_to_available_are_fine(tmp_path):
    accepted(tmp_path, lambda d: source(d, 1).update(until="2030-01"))
    accepted(tmp_path, lambda d: source(d, 1).update(until="2026-07"))


# --------------------------------------------------------------- schedules
def test_schedule_dates_must_increase(tmp_path):
    refused(
        tmp_path,
        lambda d: d["limits"]["max_debt_on_balance_sheet"][1].update({"from": "2025-06"}),
        "limits.max_debt_on_balance_sheet[1].from: must be after the previous entry's "
        "2026-01 (dates strictly increase), got '2025-06'",
    )


def test_schedule_dates_must_strictly_increase(tmp_path):
    refused(
        tmp_path,
        lambda d: d["limits"]["max_debt_on_balance_sheet"][1].update({"from": "2026-01"}),
        "limits.max_debt_on_balance_sheet[1].from: must be after the previous entry's "
        "2026-01 (dates strictly increase), got '2026-01'",
    )


def test_schedule_that_is_a_mapping(tmp_path):
    refused(
        tmp_path,
        lambda d: d["limits"].update(max_off_balance_sheet={"2026-01": 5}),
        "limits.max_off_balance_sheet: must be a number, or a schedule [{from: 'YYYY-MM', "
        "value: ...}, ...], got {'2026-01': 5}",
    )


# -------------------------------------------------------- empty things
def test_empty_sites(tmp_path):
    # and no line about the sources' sites, which would only repeat it
    refused(tmp_path, lambda d: d.update(sites=[]), "sites: must not be empty, got []")


def test_empty_sites_of_a_source(tmp_path):
    refused(
        tmp_path,
        lambda d: source(d, 2).update(sites=[]),
        "funding[2].sites: must not be empty, got []",
    )


def test_empty_stages(tmp_path):
    refused(
        tmp_path,
        lambda d: d["objective"].update(stages=[]),
        "objective.stages: must not be empty, got []",
    )


def test_empty_schedule(tmp_path):
    refused(
        tmp_path,
        lambda d: d["limits"].update(max_debt_on_balance_sheet=[]),
        "limits.max_debt_on_balance_sheet: a schedule must have at least one entry, got []",
    )


def test_a_key_with_an_empty_value_counts_as_absent(tmp_path):
    text = EVERY.read_text()
    text = text.replace("    pue: 1.2\n", "    pue:\n")  # alpha: default 1
    text = text.replace("max_total_cost: 5000", "max_total_cost:")  # no limit
    text = text.replace(
        "objective: {stages: [capacity, capacity_time, cost, co2], tolerance: 1.0e-6}", "objective:"
    )
    inst = load_instance(write(tmp_path, text))
    assert inst.sites[0].pue == 1
    assert inst.limits.max_total_cost is None
    assert inst.objective.stages == ["capacity", "capacity_time", "cost"]


def test_a_required_key_with_an_empty_value_is_missing(tmp_path):
    text = EVERY.read_text().replace("    max_it_mw: 200\n", "    max_it_mw:\n")
    path = write(tmp_path, text)
    with pytest.raises(InstanceError) as info:
        load_instance(path)
    assert info.value.problems == [f"{path}: sites[0].max_it_mw: required key is missing"]


def test_empty_lists_that_mean_none_are_fine(tmp_path):
    inst = accepted(
        tmp_path,
        lambda d: (
            site(d)["onsite"].update(technologies=[]),
            source(d, 2).update(uses=[]),
            site(d).update(commitments=[]),
            d.update(supply=[], technologies=[]),
        ),
    )
    assert inst.sites[0].onsite.technologies == []


# ------------------------------------------- fields of the other ownership
def test_fields_of_the_other_ownership_are_accepted_and_ignored(tmp_path):
    inst = accepted(
        tmp_path,
        lambda d: (
            tech(d, 1).update(capex_per_unit=99, fixed_om_per_mw_year=1),
            tech(d).update(rent_per_unit_month=3),
        ),
    )
    assert inst.technologies[1].ownership == "rent"
    assert inst.technologies[1].capex_per_unit == 99
    from planner.model import prepare

    data = prepare(inst)  # the model sees a rented technology, so never its capex
    assert not data.bought["mobile"] and data.bought["aero"]


# ------------------------------------------- dates before start: "already"
def test_dates_before_start_are_fine_where_they_mean_already(tmp_path):
    def edit(d):
        tranche(d, 1)["energized"] = "2019-01"
        d["supply"][0]["deliveries"][0]["date"] = "2020-05"
        d["limits"]["max_debt_on_balance_sheet"][0]["from"] = "2024-01"
        source(d, 1)["available"] = "2022-03"

    inst = accepted(tmp_path, edit)
    cal = inst.calendar
    assert cal.from_(inst.sites[0].grid.tranches[1].energized) == 0
    assert cal.from_(inst.funding[1].available) == 0


# ------------------------------------------------ all problems at once
def test_five_independent_problems_give_five_lines(tmp_path):
    def edit(d):
        d["horizon"]["period_months"] = 5
        site(d)["pue"] = 0.8
        site(d, 1)["existing_it_mw"] = 500
        tech(d, 2)["unit_mw"] = 0
        source(d, 1)["rate"] = "5%"

    refused(
        tmp_path,
        edit,
        "horizon.period_months: must be one of 1, 2, 3, 4, 6, 12, got 5",
        "sites[0].pue: must be >= 1, got 0.8",
        "sites[1].existing_it_mw: must not be above max_it_mw 120, got 500",
        "technologies[2].unit_mw: must be > 0, got 0",
        "funding[1].rate: must be a number, got '5%'",
    )


def test_problems_of_one_mapping_are_all_reported(tmp_path):
    def edit(d):
        s = site(d)
        s.update(pue=0.5, existing_it_mw=300, colour="blue")
        s["build"]["block_mw"] = 100
        s["grid"]["tranches"][0]["wait_months"] = 1
        s["commitments"][0]["by"] = "2029-01"

    refused(
        tmp_path,
        edit,
        "sites[0].pue: must be >= 1, got 0.5",
        "sites[0].grid.tranches[0]: give exactly one of 'energized' and 'wait_months', got both",
        "sites[0].commitments[0].by: must not be after the deadline 2027-12, got '2029-01'",
        "sites[0].colour: unknown key, got 'blue'",
        "sites[0].existing_it_mw: must not be above max_it_mw 200, got 300",
        "sites[0].build.block_mw: must not be larger than one period's commissioning, "
        "max_mw_per_month * period_months = 60, got 100",
    )


def test_wrong_shapes(tmp_path):
    refused(
        tmp_path,
        lambda d: (
            d.update(horizon="2026-01 to 2027-12"),
            site(d, 1).update(build=[1, 2]),
            d.update(funding={"cash": 5}),
        ),
        "horizon: must be a mapping of keys to values, got '2026-01 to 2027-12'",
        "sites[1].build: must be a mapping of keys to values, got [1, 2]",
        "funding: must be a list, got {'cash': 5}",
    )


def test_every_line_is_one_line(tmp_path):
    path = write(tmp_path, EVERY.read_text() + '"odd\\nkey\\u2028": 1\n')
    with pytest.raises(InstanceError) as info:
        load_instance(path)
    assert info.value.problems == [f"{path}: ['odd\\nkey\\u2028']: unknown key, got 1"]
    assert "\n" not in info.value.problems[0]


def test_names_are_one_line_of_text(tmp_path):
    refused(
        tmp_path,
        lambda d: site(d, 1).update(name="bra\nvo"),
        "sites[1].name: must be one line of printable text, got 'bra\\nvo'",
    )


# ----------------------------------------------------------- defaults (8)
MINIMAL = """
horizon: {start: "2026-01", deadline: "2027-12"}
sites:
  - name: a
    max_it_mw: 100
    build: {capex_per_mw: 10, lead_months: 6}
    grid: {tranches: [{mw: 50, energized: "2026-06"}]}
    onsite: {max_mw: 40}
technologies: [{name: t, unit_mw: 10}]
"""


def test_defaults_of_section_8(tmp_path):
    inst = load_instance(write(tmp_path, MINIMAL))
    assert inst.name == "instance" and inst.description == ""
    assert inst.horizon.period_months == 3
    s = inst.sites[0]
    assert (s.existing_it_mw, s.pue, s.compute_capex_per_mw, s.commitments) == (0, 1, 0, [])
    assert s.build.max_mw_per_month is None and s.build.block_mw is None
    assert (s.grid.price_per_mwh, s.grid.co2_t_per_mwh) == (0, 0)
    tr = s.grid.tranches[0]
    assert (tr.cost, tr.paid, tr.wait_months) == (0, None, None)  # paid None: start
    assert (s.onsite.reserve_margin, s.onsite.technologies) == (0, None)  # None: all
    k = inst.technologies[0]
    assert (k.availability, k.ownership) == (1, "buy")
    assert (
        k.capex_per_unit,
        k.rent_per_unit_month,
        k.fixed_om_per_mw_year,
        k.variable_cost_per_mwh,
        k.co2_t_per_mwh,
        k.lead_months,
    ) == (0, 0, 0, 0, 0, 0)
    assert inst.supply == [] and inst.funding == []
    lim = inst.limits
    assert (
        lim.max_debt_on_balance_sheet,
        lim.max_off_balance_sheet,
        lim.max_total_cost,
        lim.max_co2_mt,
    ) == (None, None, None, None)
    assert inst.objective.stages == ["capacity", "capacity_time", "cost"]
    assert inst.objective.tolerance == 1e-6


def test_site_without_grid_or_onsite(tmp_path):
    text = MINIMAL.replace('    grid: {tranches: [{mw: 50, energized: "2026-06"}]}\n', "").replace(
        "    onsite: {max_mw: 40}\n", ""
    )
    s = load_instance(write(tmp_path, text)).sites[0]
    assert s.grid is None and s.onsite is None


@pytest.mark.parametrize(
    "kind, debt, on_bs",
    [
        ("cash", False, True),
        ("equity", False, True),
        ("bond", True, True),
        ("loan", True, True),
        ("private_credit", True, True),
        ("spv", True, False),
        ("lease", True, False),
    ],
)
def test_source_defaults_by_kind(tmp_path, kind, debt, on_bs):
    text = MINIMAL + f"funding: [{{name: f, kind: {kind}, amount: 100}}]\n"
    f = load_instance(write(tmp_path, text)).funding[0]
    assert (f.debt, f.on_balance_sheet) == (debt, on_bs)
    assert (f.rate, f.available, f.until, f.sites, f.uses) == (0, None, None, None, None)
    assert (f.per_month, f.max_per_site, f.setup_cost) == (None, None, 0)


def test_explicit_debt_and_balance_sheet_override_the_kind(tmp_path):
    text = MINIMAL + (
        "funding: [{name: f, kind: lease, amount: 100, debt: false, on_balance_sheet: true}]\n"
    )
    f = load_instance(write(tmp_path, text)).funding[0]
    assert (f.debt, f.on_balance_sheet) == (False, True)


def test_parse_instance_names_its_source():
    with pytest.raises(InstanceError) as info:
        parse_instance({"horizon": {"start": "2026-01", "deadline": "2027-12"}}, source="x.yaml")
    assert info.value.problems == ["x.yaml: sites: required key is missing"]


# ------------------------------------------------------------- the CLI
def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_cli_validate_says_ok():
    res = run("validate", str(EVERY))
    assert (res.exit_code, res.stdout.strip()) == (0, "ok")


def test_cli_validate_prints_every_problem_and_exits_2(tmp_path):
    path, lines = problems(
        tmp_path, lambda d: (site(d).update(pue=0.5), source(d).update(amount=-1))
    )
    res = run("validate", path)
    assert res.exit_code == 2
    assert (
        res.stderr.splitlines()
        == lines
        == [
            f"{path}: sites[0].pue: must be >= 1, got 0.5",
            f"{path}: funding[0].amount: must be >= 0, got -1",
        ]
    )
    assert res.stdout == ""
    assert "Traceback" not in res.output


def test_cli_solve_json_on_a_bad_file(tmp_path):
    path, lines = problems(tmp_path, lambda d: d["horizon"].update(deadline="2025-01"))
    res = run("solve", path, "--json")
    assert res.exit_code == 2
    assert json.loads(res.stdout) == {"status": "invalid", "errors": lines}
    assert lines == [
        f"{path}: horizon.deadline: must not be before the start 2026-01, got '2025-01'"
    ]
    assert "Traceback" not in res.output


@pytest.mark.parametrize("make", ["missing", "directory", "empty", "binary"])
def test_cli_on_files_that_are_no_instance(tmp_path, make):
    path = tmp_path / "x.yaml"
    if make == "directory":
        path.mkdir()
    elif make == "empty":
        path.write_text("")
    elif make == "binary":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")
    res = run("solve", str(path), "--json")
    assert res.exit_code == 2
    out = json.loads(res.stdout)
    assert out["status"] == "invalid"
    assert len(out["errors"]) == 1 and out["errors"][0].startswith(f"{path}: ")
    assert "Traceback" not in res.output
