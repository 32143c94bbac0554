"""The verdict a director reads first, the tiles behind it, and the words for leaders: pure
functions of a comparison's tables, checked on hand-made ones."""

import datetime as dt

import pandas as pd
import pytest

from sim.api import build_scenario, builtin_policies, resize, with_entered_costs
from sim.experiments.comparison import BASELINE, NO_PAYBACK
from sim.inputs.cost_book import load_cost_book
from sim.inputs.scenario import ScenarioError
from sim.reporting import labels, unit_costs
from sim.reporting.verdict import (
    Span,
    cost_lines,
    money_tiles,
    outcome_tiles,
    period,
    pilot_costs,
    pilot_staff,
    runs_already,
    summary_verdict,
    verdict,
    where_words,
    years_words,
)

FS = "Family Safeguarding"


def _summary(averted=(8, 1, 19), net=(4.7e6, 3.9e6, 5.5e6), prob=0.02, payback=NO_PAYBACK):
    rows = {
        "care_entries_averted": averted,
        "child_days_in_care_avoided": (3000, 200, 7000),
        "cp_children_safely_home_gained": (13, -7, 29),
        "policy_cost_gbp": (5.0e6, 5.0e6, 5.0e6),
        "net_cost_gbp": net,
        "npv_net_saving_gbp": (-4.36e6, -5.1e6, -3.6e6),
        "prob_saves_money": (prob, None, None),
        "return_per_pound": (0.11, 0.02, 0.25),
        "payback_year": (payback, None, None),
    }
    return pd.DataFrame(
        [
            {
                "variant": FS,
                "effects": "sampled",
                "measure": m,
                "mean": v[0],
                "p5": v[1],
                "p95": v[2],
            }
            for m, v in rows.items()
        ]
    )


def test_a_pilot_that_keeps_children_out_of_care_and_costs_more_says_both_in_tile_numbers():
    said = summary_verdict(_summary(), FS, "Telford and Wrekin", 5, covers="2025-26 to 2029-30")
    assert said == (
        "Over five years (2025-26 to 2029-30) Family Safeguarding in Telford and Wrekin would "
        "keep about 8 more children out of care (between 1 and 19 in 9 of 10 simulated "
        "futures) and cost about £4.70m more than it saves; it is very unlikely to pay for "
        "itself."
    ), f"found {said!r}"


def test_a_pilot_that_saves_money_says_it_saves_and_is_likely_to_pay():
    said = verdict(FS, "Essex", 5, Span(30, 12, 51), Span(-2.55e6, -4e6, -1e6), 0.8)
    assert "save about £2.55m more than it costs" in said, said
    assert said.endswith("it is likely to pay for itself."), said


def test_no_measurable_effect_is_said_plainly_with_the_range():
    said = verdict(FS, "Walsall", 2, Span(0.3, -4, 3), Span(0.71e6, 0.66e6, 0.77e6), 0.5)
    assert "would make no measurable difference to how many children enter care" in said, said
    assert "(children kept out of care between -4 and 3 in 9 of 10 simulated futures)" in said
    assert "whether it pays for itself is about even" in said, said


def test_a_range_from_fewer_than_ten_futures_is_said_as_rough_not_9_in_10():
    """Quick precision runs 4 futures: their 5th and 95th percentiles are not a 9-in-10 range."""
    said = verdict(FS, "Dorset", 5, Span(3, 1, 9, futures=4), Span(1e6, 0.5e6, 1.5e6, 4), 0.05)
    assert "(between 1 and 9 across the 4 simulated futures run (a rough range" in said, said
    assert "9 of 10" not in said, said
    ten = verdict(FS, "Dorset", 5, Span(3, 1, 9, futures=10), Span(1e6, 0.5e6, 1.5e6, 10), 0.05)
    assert "(between 1 and 9 in 9 of 10 simulated futures)" in ten, ten
    caption = labels.range_words("care_entries_averted", -2, 9, futures=4)
    assert caption.startswith("between -2 and 9 across the 4 simulated futures run"), caption
    # one bracket, not two in a row
    assert caption.endswith(
        "(a rough range: more precision narrows it; the range includes more children entering care)"
    ), caption
    assert ") (" not in caption, caption


def test_a_pilot_that_costs_what_it_saves_says_so_without_a_chance():
    said = verdict(FS, "Essex", 2, Span(0, 0, 0), Span(1_000, -2_000, 3_000), 0.0)
    assert said.endswith("and cost about what it saves."), said


def test_a_range_reaching_below_zero_says_it_includes_more_entering_care():
    said = verdict(FS, "Dorset", 5, Span(3, -2, 9), Span(1e6, 0.5e6, 1.5e6), 0.05)
    assert "keep about 3 more children out of care (between -2 and 9 in 9 of 10" in said, said
    assert "the range includes more children entering care" in said, said


def test_one_child_is_one_child_and_no_money_has_no_sign():
    one = verdict(FS, "Rutland", 5, Span(1.2, -1, 3), Span(0.2e6, 0.1e6, 0.3e6), 0.1)
    assert "keep about 1 more child out of care" in one, one
    worse = verdict(FS, "Rutland", 5, Span(-0.8, -3, 1), Span(0.2e6, 0.1e6, 0.3e6), 0.1)
    assert "might see about 1 more child enter care" in worse, worse
    assert labels.money_m(-2_000) == "£0.00m", labels.money_m(-2_000)
    assert labels.money_m(-6_000) == "-£0.01m", labels.money_m(-6_000)
    assert labels.pounds(-0.004) == "£0.00", labels.pounds(-0.004)


def test_a_pilot_the_council_already_runs_adds_nothing_and_says_so_rather_than_zeros():
    sc = build_scenario(
        council="telford-and-wrekin",
        population=20_000,
        years=2,
        replications=4,
        policies=[builtin_policies()[FS]],
        name="Telford and Wrekin: Family Safeguarding",
    )
    why = runs_already(sc.policies)
    assert why, "expected Telford and Wrekin's Family Safeguarding in its baseline"
    said = summary_verdict(_summary(averted=(0, 0, 0), net=(0, 0, 0), prob=0.0), FS,
                           "Telford and Wrekin", 2, already_runs=why)  # fmt: skip
    assert said.startswith("Telford and Wrekin already runs Family Safeguarding"), said
    assert "adds nothing here" in said and "0%" not in said and "averted" not in said, said
    expanded = sc.with_changes(already_running="expand")
    assert runs_already(expanded.policies) == "", "expected an expansion to be new here"


def test_tiles_show_one_sign_convention_the_period_and_ranges_in_words():
    tiles = {t.measure: t for t in outcome_tiles(_summary(), FS, "2025-26 to 2029-30")}
    tiles |= {t.measure: t for t in money_tiles(_summary(), FS, "2025-26 to 2029-30")}
    assert tiles["care_entries_averted"].value == "8"
    assert tiles["care_entries_averted"].caption == (
        "2025-26 to 2029-30; in 9 of 10 simulated futures between 1 and 19"
    )
    safely = tiles["cp_children_safely_home_gained"].caption
    assert "between -7 and 29 (could be fewer children safely home: the range includes losing" in (
        safely
    ), safely
    # the discounted figure is a net cost too: the saving of -£4.36m is a net cost of £4.36m
    npv = tiles["npv_net_cost_gbp"]
    assert (npv.value, npv.caption.split("between ")[1]) == ("£4.36m", "£3.60m and £5.10m"), npv
    assert tiles["net_cost_gbp"].value == "£4.70m"
    assert tiles["prob_saves_money"].value == "Very unlikely"
    assert "2%" in tiles["prob_saves_money"].help
    assert tiles["payback_year"].value == "Not by 2029-30"
    assert all(t.caption.startswith("2025-26 to 2029-30") for t in tiles.values()), tiles


@pytest.mark.parametrize(
    ("p", "words"),
    [(0.0, "very unlikely"), (0.09, "very unlikely"), (0.2, "unlikely"), (0.5, "about even"),
     (0.7, "likely"), (0.95, "very likely"), (1.0, "very likely")],
)  # fmt: skip
def test_chances_in_words(p, words):
    assert labels.chance_words(p) == words, f"expected {words!r} for {p}"


@pytest.mark.parametrize(
    ("central", "low", "high", "duration", "text"),
    [
        (0.8, 0.6, 1.0, False, "20% fewer (between 40% fewer and none)"),
        (0.8, 0.6, 1.1, False, "20% fewer (between 40% fewer and 10% more)"),
        (1.1, 0.95, 1.25, False, "10% more (between 5% fewer and 25% more)"),
        (0.85, 0.7, 1.1, True, "15% shorter (between 30% shorter and 10% longer)"),
        (1.0, 0.9, 1.1, False, "no change (between 10% fewer and 10% more)"),
        (0.9, 0.9, 0.9, False, "10% fewer"),
    ],
)
def test_effects_in_words(central, low, high, duration, text):
    found = labels.effect_text(central, low, high, duration)
    assert found == text, f"expected {text!r}, found {found!r}"


def test_precision_maps_to_replications_and_back():
    assert labels.PRECISION == {"quick": 4, "standard": 10, "careful": 30}
    assert labels.precision_of(10) == "standard" and labels.precision_of(25) == "careful"
    assert "quick: 4 simulated futures" in labels.precision_help()


def test_period_and_years_in_words():
    assert period(dt.date(2025, 4, 1), 60) == "2025-26 to 2029-30"
    assert period(dt.date(2025, 4, 1), 12) == "2025-26"
    assert (years_words(5), years_words(1), years_words(12)) == (
        "five years",
        "one year",
        "12 years",
    )


def test_cost_lines_add_up_to_the_net_cost_and_flag_placeholders():
    rows = []
    for rep, (pilot_care, base_care) in enumerate([(90.0, 100.0), (100.0, 100.0)]):
        for variant, care, own in ((BASELINE, base_care, 0.0), (FS, pilot_care, 30.0)):
            for line, cost in (("placements_ifa", care), ("assessments", 5.0),
                               (f"policy: {FS}", own)):  # fmt: skip
                rows.append(
                    {"variant": variant, "effects": "sampled", "replication": rep,
                     "financial_year": "2025-26", "line": line, "cost_gbp": cost * 1e6}
                )  # fmt: skip
    costs = pd.DataFrame(rows)
    policy = builtin_policies()[FS]
    table = cost_lines(costs, FS, load_cost_book(), [policy])
    total = table[table["Cost line"] == "All lines: the net cost"].iloc[0]
    # (90 + 30 - 100 + 100 + 30 - 100) / 2 = £25m: the mean net cost
    assert total["Net cost (pilot less today)"] == "£25.00m", total.to_dict()
    ifa = table[table["Cost line"] == "Placements: independent fostering agencies"].iloc[0]
    assert ifa["Net cost (pilot less today)"] == "-£5.00m", ifa.to_dict()
    basis = dict(zip(table["Cost line"], table["Where the unit costs come from"], strict=True))
    assert basis["Assessments (beyond core staff time)"].startswith("PLACEHOLDER"), basis
    assert basis["Placements: independent fostering agencies"] == "England's figures", basis
    assert "set-up, training: judgement" in basis[f"{FS} (the pilot's own cost)"], basis


def test_money_in_a_table_is_rounded_to_thousands_below_a_million():
    found = [labels.money_rounded(v) for v in (46_371_234, 687_012, 6_918, -4_674, 1, -0.3)]
    assert found == ["£46.37m", "£687k", "£7k", "-£5k", "£0", "£0"], found


def test_the_pilots_staff_are_said_in_full_time_posts():
    fs = builtin_policies()[FS]  # 20 adult specialists and 2 supervisors per 100,000 children
    assert pilot_staff([fs], 50_000) == (
        "11.0 full-time staff (FTE): 10.0 adult specialists (mental health, substance misuse, "
        "domestic abuse), 1.0 supervisors"
    )
    assert pilot_staff([resize(fs, 0.5)], 50_000).startswith("5.5 full-time staff (FTE)")


def test_the_pilots_own_costs_are_scaled_to_the_council_and_say_they_are_judgement():
    fs = builtin_policies()[FS]  # set-up £150,000 and training £40,000 a year per 100,000
    assert pilot_costs([fs], 50_000) == (
        "set-up £75k and training £20k a year (2024-25 prices, judgement)"
    )


def test_where_names_the_pilot_locality():
    sc = build_scenario(population=20_000, policies=[builtin_policies()[FS]], name="Dorset: FS",
                        locality={"share": 0.17, "demand": 2.1, "risk": 1.25})  # fmt: skip
    assert where_words(sc) == "one locality of Dorset"


def test_an_entered_unit_cost_is_used_saved_and_labelled_the_councils_own():
    sc = build_scenario(population=20_000, policies=[builtin_policies()[FS]], name="x")
    shown = unit_costs.cost_rows(sc.cost_book())
    assert shown.at["staff_family_practitioner", "Where it comes from"].startswith("PLACEHOLDER")
    edited = shown.copy()
    edited.at["staff_family_practitioner", "Value"] = 45_000.0
    entered = unit_costs.entered_values(shown, edited)
    assert entered == {"staff_family_practitioner": 45_000.0}, f"found {entered}"
    after = with_entered_costs(sc, entered)
    book = after.cost_book()
    assert book.gbp("staff_family_practitioner") == pytest.approx(45_000.0), "expected it as given"
    assert book.items["staff_family_practitioner"].basis == "entered"
    assert "1 entered" in labels.cost_sources(book)
    assert after.unit_costs["items"]["staff_family_practitioner"]["status"] == "entered"
    from sim.api import scenario_from_yaml, scenario_yaml

    reopened = scenario_from_yaml(scenario_yaml(after)).cost_book()
    assert reopened.items["staff_family_practitioner"].basis == "entered", "expected it in YAML"
    with pytest.raises(ScenarioError, match="must be 0 or more"):
        with_entered_costs(sc, {"staff_family_practitioner": -1.0})


def test_errors_for_the_page_come_one_a_line():
    text = labels.error_markdown("That scenario cannot be used", "a.yaml: x: bad\na.yaml: y_z: bad")
    assert text.splitlines()[2:] == ["- a.yaml: x: bad", "- a.yaml: y\\_z: bad"], text
    assert labels.error_markdown("Lead", "one: bad") == "Lead: one: bad"


def test_an_entered_staff_cost_moves_the_pilots_own_cost_by_its_staff_times_the_change():
    """Family Safeguarding adds 22 FTE per 100,000 children (20 adult specialists, 2
    supervisors): at 10,000 children, 2.2 FTE for the 12 months it runs. Entering both roles'
    cost at £50,000 and then £100,000 a year must raise the pilot's own cost by 2.2 x £50,000."""
    from sim.api import run_comparison

    def own_cost(gbp: float) -> float:
        sc = build_scenario(
            population=10_000,
            years=1,
            replications=1,
            start=dt.date(2025, 4, 1),
            policies=[builtin_policies()[FS]],
            name="x",
        )
        sc = with_entered_costs(sc, {"staff_adult_specialist": gbp, "staff_supervisor": gbp})
        res = run_comparison(sc, effects=("sampled",))
        return Span(*res["summary"].query("measure == 'policy_cost_gbp'")[["mean", "p5", "p95"]]
                    .iloc[0]).mean  # fmt: skip

    moved = own_cost(100_000) - own_cost(50_000)
    assert moved == pytest.approx(2.2 * 50_000, rel=1e-9), f"expected £110,000, found £{moved:,.2f}"
