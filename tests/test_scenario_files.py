"""Scenario files: every shipped file loads; a broken one gives a plain error naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.inputs.scenario import (
    Scenario,
    ScenarioError,
    default_scenario,
    load_scenario,
    scenario_from_dict,
)

SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.y*ml"))
TRACEBACK_MARKS = (
    "Traceback",
    'File "',
    "pydantic_core",
    "For further information visit",
    "errors.pydantic.dev",
)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_every_scenario_file_loads(path):
    s = load_scenario(path)
    assert isinstance(s, Scenario), f"expected {path.name} to load as a Scenario, found {type(s)}"
    assert s.months == round(s.years * 12), (
        f"{path.name}: expected whole months for {s.years} years"
    )


def test_there_are_scenarios_to_load():
    assert SCENARIOS, "expected at least one scenario in scenarios/"


def test_baseline_is_the_england_default_at_100k():
    s = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml")
    d = default_scenario()
    assert s.parameters == d.parameters, (
        "expected baseline.yaml to use England's defaults unchanged"
    )
    assert s.population == 100_000, f"expected 100,000 children, found {s.population}"


def _error(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    exc = info.value
    msg = str(exc)
    for mark in TRACEBACK_MARKS:
        assert mark not in msg, f"expected a plain message without {mark!r}, found:\n{msg}"
    assert exc.__cause__ is None and (exc.__context__ is None or exc.__suppress_context__), (
        "expected the ScenarioError raised `from None` (no chained library traceback)"
    )
    return msg


def _has_all(msg: str, *parts: str) -> None:
    missing = [p for p in parts if p not in msg]
    assert not missing, f"expected the message to contain {missing}, found:\n{msg}"


CASES = {
    # name: (file text, words the message must contain: file, field path, bad value, what's allowed)
    "misspelt_top_level.yaml": (
        "name: x\npopulaton: 1000\n",
        ["misspelt_top_level.yaml", "populaton", "1000", "unknown field"],
    ),
    "misspelt_parameter.yaml": (
        "parameters:\n  front_door:\n    p_referal: 0.2\n",
        ["misspelt_parameter.yaml", "parameters.front_door.p_referal", "0.2", "unknown field"],
    ),
    "probability_out_of_range.yaml": (
        "parameters:\n  front_door:\n    p_referral: 1.5\n",
        [
            "probability_out_of_range.yaml",
            "parameters.front_door.p_referral",
            "1.5",
            "must be 1 or less",
        ],
    ),
    "wrong_type.yaml": (
        "population: lots\n",
        ["wrong_type.yaml", "population", "lots", "must be a whole number"],
    ),
    "bad_syntax.yaml": (
        "name: x\npopulation: [1, 2\nyears: 3\n",
        ["bad_syntax.yaml", "not valid YAML", "line 3", "is not closed with ]", "'years: 3'"],
    ),
    "unknown_council.yaml": (
        "council: narnia\n",
        ["unknown_council.yaml", "council", "narnia", "england"],
    ),
    "lognormal_p90_below_median.yaml": (
        "parameters:\n  early_help:\n"
        "    duration: {kind: lognormal, median_days: 100, p90_days: 50}\n",
        [
            "lognormal_p90_below_median.yaml",
            "parameters.early_help.duration",
            "p90_days must be greater than median_days",
            "50",
            "100",
        ],
    ),
    "not_a_mapping.yaml": (
        "- name: x\n- years: 3\n",
        ["not_a_mapping.yaml", "expected a mapping", "list"],
    ),
    "parameters_not_a_mapping.yaml": (
        "parameters: [1, 2]\n",
        ["parameters_not_a_mapping.yaml", "parameters", "mapping"],
    ),
    "unknown_duration_kind.yaml": (
        "parameters:\n  early_help:\n    patience: {kind: weibull, shape: 2}\n",
        ["unknown_duration_kind.yaml", "parameters.early_help.patience", "weibull", "lognormal"],
    ),
    "years_too_long.yaml": (
        "years: 100\n",
        ["years_too_long.yaml", "years", "100", "must be 30 or less"],
    ),
    "list_item.yaml": (
        "parameters:\n  demand:\n    monthly_profile: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1]\n",
        ["list_item.yaml", "parameters.demand.monthly_profile[11]", "-1", "greater than 0"],
    ),
    "cross_field.yaml": (
        "parameters:\n  front_door: {p_referral: 0.7, p_early_help: 0.5}\n",
        [
            "cross_field.yaml",
            "parameters.front_door",
            "p_referral + p_early_help must be <= 1",
            "0.7",
            "0.5",
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_broken_file_gives_plain_error_naming_file_field_value_and_rule(tmp_path, name):
    text, parts = CASES[name]
    msg = _error(tmp_path, name, text)
    _has_all(msg, *parts)


def test_extends_a_missing_file_names_the_missing_file(tmp_path):
    msg = _error(tmp_path, "child.yaml", "extends: no_such_parent.yaml\nname: child\n")
    _has_all(msg, "no_such_parent.yaml", "not found")


def test_extends_a_missing_file_names_the_extending_file_and_field(tmp_path):
    msg = _error(tmp_path, "child.yaml", "extends: no_such_parent.yaml\nname: child\n")
    _has_all(msg, "child.yaml", "extends:")


def test_misspelt_key_message_says_what_is_allowed(tmp_path):
    msg = _error(tmp_path, "typo.yaml", "name: x\npopulaton: 1000\n")
    _has_all(msg, "population")


def test_missing_scenario_file(tmp_path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "nowhere.yaml")
    _has_all(str(info.value), "nowhere.yaml", "not found")


def test_extends_merges_parent_and_child(tmp_path):
    (tmp_path / "parent.yaml").write_text(
        "name: parent\npopulation: 30000\n"
        "parameters:\n  workforce: {social_worker_fte_per_10k: 20}\n"
    )
    (tmp_path / "child.yaml").write_text(
        "extends: parent.yaml\nname: child\nparameters:\n  workforce: {caseload_per_fte: 25}\n"
    )
    s = load_scenario(tmp_path / "child.yaml")
    found = (
        s.name,
        s.population,
        s.parameters.workforce.social_worker_fte_per_10k,
        s.parameters.workforce.caseload_per_fte,
    )
    assert found == ("child", 30000, 20, 25), (
        f"expected (child, 30000, 20 FTE, caseload 25) from parent + child, found {found}"
    )


def test_extends_loop_is_an_error(tmp_path):
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "a.yaml")
    _has_all(str(info.value), "extends", "loop")


def test_python_tags_are_not_executed(tmp_path):
    """yaml.safe_load: a !!python tag is refused as invalid YAML and never runs."""
    marker = tmp_path / "pwned"
    text = f"name: !!python/object/apply:os.system ['touch {marker}']\n"
    msg = _error(tmp_path, "evil.yaml", text)
    assert not marker.exists(), "expected the !!python tag not to run, but it created a file"
    _has_all(msg, "evil.yaml", "not valid YAML", "python/object")


def test_python_object_tag_is_refused(tmp_path):
    msg = _error(tmp_path, "obj.yaml", "name: !!python/object:sim.inputs.scenario.Scenario {}\n")
    _has_all(msg, "obj.yaml", "not valid YAML")


def test_an_empty_file_is_an_error_that_says_so(tmp_path):
    """A file with nothing in it (or only comments) is a mistake, not England's defaults."""
    msg = _error(tmp_path, "empty.yaml", "# nothing but a comment\n")
    _has_all(msg, "empty.yaml", "the file is empty")


def test_an_impossible_date_names_the_file_and_the_field(tmp_path):
    """30 February is not a date: the error names the file, the field and the value, instead of
    the YAML reader's bare 'day is out of range for month'."""
    msg = _error(tmp_path, "bad_date.yaml", "name: x\nstart_date: 2025-02-30\n")
    _has_all(msg, "bad_date.yaml", "start_date", "2025-02-30", "day value is outside")


def test_an_uploaded_file_with_a_syntax_error_gives_its_line(tmp_path):
    from sim.api import scenario_from_yaml

    with pytest.raises(ScenarioError) as info:
        scenario_from_yaml("name: x\npolicies: [\n  - a\nyears: 2\n", "upload.yaml")
    _has_all(str(info.value), "upload.yaml", "not valid YAML", "line 3")


def test_overrides_are_recorded_as_sources():
    s = scenario_from_dict(
        {"parameters": {"workforce": {"social_worker_fte_per_10k": 20}}}, file="mine.yaml"
    )
    src = s.parameters.sources.get("workforce.social_worker_fte_per_10k", "")
    assert "mine.yaml" in src, f"expected the override's source to name mine.yaml, found {src!r}"


def test_scenarios_are_frozen_and_with_changes_validates():
    s = default_scenario(population=20_000)
    with pytest.raises(Exception):  # noqa: B017  (pydantic raises ValidationError on frozen)
        s.population = 5
    with pytest.raises(Exception):  # noqa: B017
        s.with_changes(population=-1)
    assert s.with_changes(years=3).years == 3, "expected with_changes to set years"


def test_content_hash_tracks_parameters():
    a = default_scenario(population=20_000)
    b = default_scenario(population=20_000)
    c = scenario_from_dict(
        {"population": 20_000, "parameters": {"front_door": {"p_referral": 0.2}}}
    )
    assert a.content_hash() == b.content_hash(), "expected equal scenarios to hash alike"
    assert a.content_hash() != c.content_hash(), "expected a parameter change to change the hash"


def test_override_can_change_a_duration_kind():
    s = scenario_from_dict(
        {
            "parameters": {
                "front_door": {"triage_days": {"kind": "fixed", "days": 0.5}},
                "assessment": {"duration_working_days": {"kind": "exponential", "mean_days": 10}},
            }
        }
    )
    assert s.parameters.front_door.triage_days.mean == 0.5, "expected a fixed 0.5-day triage"


def test_override_of_same_kind_merges_fields():
    """Changing one field of a duration keeps its kind and the other fields."""
    s = scenario_from_dict({"parameters": {"early_help": {"duration": {"median_days": 200}}}})
    d = s.parameters.early_help.duration
    assert (d.kind, d.median_days, d.p90_days) == ("lognormal", 200, 365), (
        f"expected lognormal median 200 p90 365, found {d!r}"
    )


def test_extending_a_scenario_in_another_folder_keeps_its_policy_files(tmp_path):
    """A base scenario's policy files are found next to it, wherever the extending file is."""
    shipped = Path(__file__).resolve().parents[1] / "scenarios" / "family_safeguarding.yaml"
    child = tmp_path / "mine.yaml"
    child.write_text(f"extends: {shipped}\nname: mine\npopulation: 50000\n")
    s = load_scenario(child)
    assert [p.name for p in s.policies] == [p.name for p in load_scenario(shipped).policies], (
        f"expected the base scenario's policies, found {[p.name for p in s.policies]}"
    )
    assert s.population == 50_000, f"expected the child's population, found {s.population}"


def test_misspelt_field_in_a_policy_file_names_the_policy_file_and_the_fields_allowed(tmp_path):
    shipped = Path(__file__).resolve().parents[1] / "scenarios" / "policies"
    text = (shipped / "family_safeguarding.yaml").read_text().replace("\neligible:", "\neligable:")
    (tmp_path / "pol.yaml").write_text(text)
    (tmp_path / "s.yaml").write_text("name: t\npolicies: [pol.yaml]\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(tmp_path / "s.yaml")
    msg = str(err.value)
    assert "pol.yaml: eligable: unknown field" in msg and "did you mean 'eligible'" in msg, msg
    assert "allowed here:" in msg and "effects" in msg, (
        f"expected the policy's allowed fields listed, found {msg}"
    )


def test_mash_capacity_in_contacts_a_day_that_is_not_a_number_names_that_field(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("parameters:\n  front_door: {triage_contacts_per_day_per_10k: lots}\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert "s.yaml: parameters.front_door: triage_contacts_per_day_per_10k must be" in msg, msg
    assert "'lots'" in msg, f"expected the bad value quoted, found {msg}"


def test_a_council_named_runs_at_its_own_children(tmp_path):
    path = tmp_path / "essex.yaml"
    path.write_text("name: essex\ncouncil: essex\n")
    s = load_scenario(path)
    own = s.parameters.provenance["children"]
    assert own > 300_000, f"expected Essex's file to give its ~329,000 children, found {own}"
    assert s.population == own, f"expected Essex's own {own:,} children, found {s.population:,}"
    basis = s.population_basis()
    assert f"{own:,}" in basis and "Essex's own" in basis, f"found {basis!r}"


def test_an_explicit_population_wins_and_the_summary_says_so(tmp_path):
    path = tmp_path / "essex.yaml"
    path.write_text("name: essex\ncouncil: essex\npopulation: 50000\n")
    s = load_scenario(path)
    assert s.population == 50_000, f"expected the scenario's 50,000, found {s.population:,}"
    basis = s.population_basis()
    assert "50,000" in basis and "Essex has 329,197" in basis, f"found {basis!r}"
    assert s.with_changes(years=1).population == 50_000, "expected a copy to keep 50,000"


def test_england_without_a_population_runs_at_100k_and_says_why():
    s = default_scenario()
    assert s.population == 100_000, f"expected 100,000, found {s.population:,}"
    assert "the default" in s.population_basis(), f"found {s.population_basis()!r}"
