"""A council's localities by name: the shipped table holds, a chosen one sets the pilot's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from sim.api import (
    build_scenario,
    builtin_policies,
    chart_place,
    dashboard_choices,
    example_locality,
    pilot_locality_index,
    same_choices,
    scenario_from_yaml,
    scenario_yaml,
)
from sim.inputs.localities import (
    DISTRICTS_FILE,
    REST_OF_COUNCIL,
    LocalityError,
    council_localities,
    district_localities,
    own_locality,
    shipped_localities,
)
from sim.reporting.verdict import where_words

#: The project's shared reference tables, beside the checkout (tests may read them).
SHARED = Path(__file__).resolve().parents[2] / "shared"


def test_shipped_shares_add_up_to_one_for_each_council():
    locs = shipped_localities()
    councils = {loc.council for loc in locs}
    assert councils, "expected at least one council's localities shipped"
    for council in councils:
        total = sum(loc.share for loc in locs if loc.council == council)
        assert total == pytest.approx(1.0), (
            f"expected {council}'s shares to add to 1, found {total}"
        )


def test_shipped_localities_keep_the_council_average_demand():
    """Children-weighted demand over a council's localities is the council's own (1.0)."""
    for council in {loc.council for loc in shipped_localities()}:
        locs = council_localities(council)
        mean = sum(loc.share * loc.demand for loc in locs)
        assert mean == pytest.approx(1.0, abs=1e-3), f"{council}: expected 1.0, found {mean}"


def test_every_shipped_locality_names_its_source():
    for loc in shipped_localities():
        assert len(loc.source) > 40, f"expected {loc.name}'s source in words, found {loc.source!r}"
        assert loc.demand_basis, f"expected what {loc.name}'s demand rests on"


def test_dorset_weymouth_and_portland_is_the_example_targeted_locality():
    """The shipped row and the example scenario (its 40% of care entries is tested in
    tests/test_policies.py) agree."""
    (weymouth,) = [loc for loc in council_localities("dorset") if "Weymouth" in loc.name]
    example = example_locality()
    found = (weymouth.share, weymouth.demand, weymouth.risk)
    expected = (example["share"], example["demand"], example["risk"])
    assert found == expected, f"expected {expected}, found {found}"


def _family_safeguarding_in(council: str, name: str):
    """The council's shipped locality ``name`` and Family Safeguarding run there (2 years)."""
    (loc,) = [loc for loc in council_localities(council) if loc.name == name]
    scenario = build_scenario(
        council=council.lower(),
        policies=[builtin_policies()["Family Safeguarding"]],
        years=2,
        replications=2,
        locality=loc.choice(),
        name=f"{council}: Family Safeguarding in {name}",
    )
    return loc, scenario


def test_choosing_a_named_locality_gives_the_scenario_its_share_and_name():
    _, sc = _family_safeguarding_in("Dorset", "Weymouth and Portland")
    locs = {loc.name: loc for loc in sc.parameters.demand.localities}
    assert locs["Weymouth and Portland"].population_share == pytest.approx(0.17), f"found {locs}"
    assert locs["Weymouth and Portland"].relative_demand == pytest.approx(2.1)
    assert locs[REST_OF_COUNCIL].population_share == pytest.approx(0.83)
    targeted = [list(p.eligible.localities) for p in sc.policies]
    assert targeted == [["Weymouth and Portland"]], f"found {targeted}"
    assert where_words(sc) == "Weymouth and Portland, Dorset", f"found {where_words(sc)!r}"
    place = "All of Dorset; the pilot works in Weymouth and Portland"
    assert chart_place(sc) == place, f"found {chart_place(sc)!r}"
    assert pilot_locality_index(sc) == 0, f"found {pilot_locality_index(sc)}"


def test_a_whole_council_pilot_is_labelled_with_the_council_alone():
    sc = build_scenario(
        council="dorset",
        policies=[builtin_policies()["Family Safeguarding"]],
        name="Dorset: Family Safeguarding",
    )
    assert where_words(sc) == "Dorset", f"found {where_words(sc)!r}"
    assert (chart_place(sc), pilot_locality_index(sc)) == ("Dorset", None)


@pytest.mark.parametrize(
    ("name", "share", "demand", "words"),
    [
        ("", 0.2, 1.0, "name is empty"),
        ("rest of the council", 0.2, 1.0, "name of the rest of the council"),
        ("North", 0.0, 1.0, "above 0% and below 100% (found 0%)"),
        ("North", 1.0, 1.0, "above 0% and below 100% (found 100%)"),
        ("North", 0.2, 0.0, "relative demand must be above 0"),
    ],
)
def test_a_users_locality_that_cannot_be_used_says_what_is_allowed(name, share, demand, words):
    with pytest.raises(LocalityError) as err:
        own_locality("Essex", name, share, demand)
    assert words in str(err.value), f"expected {words!r} in {str(err.value)!r}"


def test_a_users_locality_runs_with_its_share_and_demand_said_as_a_judgement():
    loc = own_locality("Essex", "Basildon", 0.12, 1.4)
    assert "12% of Essex's children; 1.4 times" in loc.in_words(), loc.in_words()
    assert "judgement" in own_locality("Essex", "Harlow", 0.05).in_words()
    sc = build_scenario(
        council="essex",
        policies=[builtin_policies()["Family Safeguarding"]],
        locality=loc.choice(),
        name="Essex: Family Safeguarding",
    )
    shares = {x.name: x.population_share for x in sc.parameters.demand.localities}
    assert shares == pytest.approx({"Basildon": 0.12, REST_OF_COUNCIL: 0.88}), f"found {shares}"


def test_a_scenario_gives_back_the_choices_that_made_it_through_its_file():
    """Reopening sets every control: the choices read from the saved YAML are those given."""
    pilots = builtin_policies()
    fs = pilots["Family Safeguarding"]
    sc = build_scenario(
        council="walsall",
        policies=[fs.model_validate({**fs.model_dump(mode="python"), "size": fs.size * 1.5})],
        start=dt.date(2027, 1, 1),
        years=3,
        replications=6,
        locality={"name": "Darlaston", "share": 0.1, "demand": 1.6, "risk": 1.0},
        name="Walsall: Family Safeguarding",
        already_running="expand",
    )
    back = dashboard_choices(scenario_from_yaml(scenario_yaml(sc)), pilots)
    expected = {
        "council": "Walsall",
        "pilots": ["Family Safeguarding"],
        "locality": {"name": "Darlaston", "share": 0.1, "demand": 1.6, "risk": 1.0},
        "start": dt.date(2027, 1, 1),
        "size": 1.5,
        "years": 3,
        "replications": 6,
        "expand": True,
    }
    found = {k: back[k] for k in expected}
    assert found == expected, f"expected {expected}, found {found}"
    assert same_choices({**back, "population": 1}, back), "council runs ignore the population"
    assert not same_choices({**back, "years": 4}, back), "expected a changed year to differ"
    moved = {**back, "locality": {**back["locality"], "share": 0.11}}
    assert not same_choices(moved, back), "expected a changed share to differ"


def _essex_fs(locality):
    return build_scenario(
        council="essex",
        policies=[builtin_policies()["Family Safeguarding"]],
        population=20_000,
        years=2,  # the pilot starts in the second year (April 2026)
        replications=1,
        locality=locality,
        name="Essex: Family Safeguarding",
    )


def test_a_pilot_in_one_locality_is_staffed_and_costed_for_that_localitys_children():
    """A policy file's team is per 100,000 children: a pilot in Basildon (a user's locality,
    12% of Essex's children) adds the team for those children, not for the whole council, in
    the model, the costs and the words alike."""
    from sim.experiments.comparison import compare, paired_results
    from sim.model.build import policy_set
    from sim.reporting.verdict import pilot_staff, served_words

    basildon = own_locality("Essex", "Basildon", 0.12, 1.4)
    there, everywhere = _essex_fs(basildon.choice()), _essex_fs(None)
    fte = {s.role: s.fte for s in builtin_policies()["Family Safeguarding"].adds_staff}
    staff = {s.role: s.fte for s in policy_set(there, 0, sampled_effects=False).active[0].staff}
    expected = {r: f * 0.12 * 20_000 / 100_000 for r, f in fte.items()}
    assert staff == pytest.approx(expected), f"expected {expected}, found {staff}"
    whole = {
        s.role: s.fte for s in policy_set(everywhere, 0, sampled_effects=False).active[0].staff
    }
    assert whole == pytest.approx({r: f * 0.2 for r, f in fte.items()}), f"found {whole}"
    cost = {}
    for name, sc in (("there", there), ("everywhere", everywhere)):
        paired, _ = paired_results(compare(sc, effects=("central",)), sc)
        cost[name] = float(paired["policy_cost_gbp"].iloc[0])
    # staff, set-up and training all follow the children served (no per-family cost here)
    assert cost["there"] / cost["everywhere"] == pytest.approx(0.12, rel=1e-6), cost
    words = served_words(there.policies, there)
    assert words == "for the 2,400 children of Basildon (12.0% of the council's 20,000)", words
    assert pilot_staff(there.policies, 20_000, there.locality_shares()).startswith(
        f"{sum(expected.values()):.1f} full-time staff"
    )


#: The two-tier counties in April 2023 (after Cumbria, North Yorkshire and Somerset became
#: unitary), each of whose districts is shipped.
TWO_TIER_COUNTIES = (
    "Cambridgeshire",
    "Derbyshire",
    "Devon",
    "East Sussex",
    "Essex",
    "Gloucestershire",
    "Hampshire",
    "Hertfordshire",
    "Kent",
    "Lancashire",
    "Leicestershire",
    "Lincolnshire",
    "Norfolk",
    "Nottinghamshire",
    "Oxfordshire",
    "Staffordshire",
    "Suffolk",
    "Surrey",
    "Warwickshire",
    "West Sussex",
    "Worcestershire",
)


def test_every_two_tier_countys_districts_are_shipped_with_their_share_of_children():
    """England's 164 districts (April 2023), each in one county; a county's shares add up to 1
    and its demand stays the council's average."""
    districts = {c: district_localities(c) for c in TWO_TIER_COUNTIES}
    assert sum(len(d) for d in districts.values()) == 164, {c: len(d) for c, d in districts.items()}
    for county, locs in districts.items():
        assert sum(loc.share for loc in locs) == pytest.approx(1.0), county
        assert all(loc.demand == 1.0 and loc.risk == 1.0 for loc in locs), county
    (thanet,) = [loc for loc in council_localities("kent") if loc.name == "Thanet"]
    assert 0.07 < thanet.share < 0.09, thanet  # about 27,000 of Kent's 348,000 children
    assert "ONS mid-2023" in thanet.source and "E07000114" in thanet.source, thanet.source
    assert "the council's average demand" in thanet.in_words(), thanet.in_words()
    assert council_localities("Walsall") == (), "a metropolitan borough has no districts"


@pytest.mark.skipif(
    not SHARED.exists(), reason="the shared reference tables are not beside the checkout"
)
def test_the_districts_children_add_up_to_their_countys_in_ons_estimates():
    """Each county's districts' children (ONS's first mid-2023 estimates) are within 1.5% of the
    county's children in DfE's table (ONS's revised mid-2023 figures): a district in the wrong
    county would miss by its whole size (the smallest is almost 4% of its county)."""
    published = pd.read_csv(
        SHARED / "reference" / "ees" / "ons_mid-year_population_estimates_2012_to_2024.csv"
    )
    published = (
        published[
            (published.geographic_level == "Local authority") & (published.time_period == 2023)
        ]
        .set_index("la_name")["population_estimate"]
        .astype(float)
    )
    shipped = pd.read_csv(DISTRICTS_FILE).groupby("county")["children_0_17"].sum()
    for county, children in shipped.items():
        gap = children / published[county] - 1
        assert abs(gap) < 0.015, (
            f"{county}: districts {children:,} against {published[county]:,.0f}"
        )
    smallest = (
        pd.read_csv(DISTRICTS_FILE)
        .groupby("county")["children_0_17"]
        .apply(lambda s: s.min() / s.sum())
    )
    assert smallest.min() > 0.03, smallest.sort_values().head()


def test_a_countys_district_runs_as_the_pilot_locality():
    harlow, sc = _family_safeguarding_in("Essex", "Harlow")
    locs = {loc.name: loc for loc in sc.parameters.demand.localities}
    assert locs["Harlow"].population_share == pytest.approx(harlow.share)
    assert locs[REST_OF_COUNCIL].population_share == pytest.approx(1 - harlow.share)
    assert [list(p.eligible.localities) for p in sc.policies] == [["Harlow"]]
    assert where_words(sc) == "Harlow, Essex", where_words(sc)


def test_an_analyst_gets_a_district_as_lines_a_scenario_takes(tmp_path, capsys):
    """`csc-sim localities Kent --locality Thanet` prints the district as scenario lines: pasted
    under a scenario naming Kent, Thanet holds its ONS share and the pilot works there."""
    from sim.cli import main
    from sim.inputs.localities import district_localities
    from sim.inputs.scenario import load_scenario

    assert main(["localities", "kent", "--locality", "thanet"]) == 0
    lines = "\n".join(
        line for line in capsys.readouterr().out.splitlines() if not line.startswith("#")
    )
    policy = Path(__file__).resolve().parents[1] / "scenarios" / "policies"
    (tmp_path / "s.yaml").write_text(
        "name: thanet\ncouncil: kent\npopulation: 20000\nyears: 1\npolicies:\n"
        f"  - file: {policy / 'family_safeguarding.yaml'}\n"
        "    eligible: {localities: [Thanet]}\n" + lines + "\n"
    )
    scenario = load_scenario(tmp_path / "s.yaml")
    thanet = next(d for d in district_localities("Kent") if d.name == "Thanet")
    assert scenario.locality_shares()["Thanet"] == pytest.approx(thanet.share), (
        f"expected Thanet's ONS share {thanet.share:.4f}, found {scenario.locality_shares()}"
    )
    assert scenario.policies[0].eligible.localities == ["Thanet"]


def test_a_locality_the_council_lacks_is_named_with_those_it_has(capsys):
    from sim.cli import main

    assert main(["localities", "Kent", "--locality", "Narnia"]) == 2
    err = capsys.readouterr().err
    assert "no locality 'Narnia'" in err and "Thanet" in err and "Tunbridge Wells" in err
    assert main(["localities", "Walsall"]) == 2
    assert "no localities are shipped for 'Walsall'" in capsys.readouterr().err
