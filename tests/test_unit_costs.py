"""Placement unit costs from published outturn (s251 2023-24), and England's simulated spend on
looked-after children against the councils' books (RO3 2024-25)."""

from __future__ import annotations

import pandas as pd
import pytest
from pydantic import ValidationError

from calibration.spend_check import england_spend_check
from calibration.unit_costs import (
    COUNCIL_SPEND_CSV,
    RO3_CSV,
    UNIT_COSTS_CSV,
    WEEKS_PER_YEAR,
    council_spend_per_child,
    derivations_frame,
    england_derivations,
    looked_after_at_31_march,
    read_placements,
    read_s251,
    share_independent_homes,
    weekly_unit_cost,
)
from sim.inputs.cost_book import UnitCost, load_cost_book

#: NAO, Managing children's residential care (2025): a children's home place in 2023-24
NAO_HOME_PLACE_A_YEAR = 318_400


@pytest.fixture(scope="module")
def derived() -> dict[str, float]:
    rows = england_derivations(read_s251(), read_placements())
    return {d.item: d.weekly_gbp for d in rows}


def test_ifa_weekly_cost_recomputed_by_hand_from_the_source_rows(derived) -> None:
    s251 = read_s251().loc["3.1.2 Total fostering services"]
    spend = s251["private_provision"] + s251["voluntary_provision"]
    assert spend == 1_005_587_582 + 33_881_493, f"expected the published s251 row, found {spend}"
    # children with private and voluntary fostering providers, inside (2a) and outside (3a) the
    # council's boundary, at 31 March 2023 and 2024 (DfE CLA placements by type and provider)
    at_2023 = 5_890 + 1_970 + 12_430 + 1_880
    at_2024 = 5_510 + 2_550 + 12_390 + 2_080
    by_hand = 1_039_469_075 / ((at_2023 + at_2024) / 2 * 52.18)
    assert by_hand == pytest.approx(891.31, abs=0.01)
    assert derived["placement_ifa"] == pytest.approx(by_hand, rel=1e-12), (
        f"expected GBP {by_hand:.2f} a week, found {derived['placement_ifa']:.2f}"
    )
    assert weekly_unit_cost(52.18 * 10, 5, 15) == pytest.approx(1.0)


def test_shipped_table_is_the_derivation_from_the_shipped_sources() -> None:
    found = pd.read_csv(UNIT_COSTS_CSV)
    expected = derivations_frame(england_derivations(read_s251(), read_placements()))
    pd.testing.assert_frame_equal(found, expected, check_dtype=False)


def test_cost_book_placements_are_the_derived_values(derived) -> None:
    book = load_cost_book()
    for item in (
        "placement_in_house_foster",
        "placement_ifa",
        "placement_residential_la",
        "placement_residential_private",
    ):
        c = book.items[item]
        assert (c.status, c.price_year) == ("derived", "2023-24"), f"{item}: found {c}"
        assert c.value == round(derived[item]), (
            f"{item}: expected GBP {derived[item]:.0f} a week, found {c.value}"
        )
    share = book.items["share_residential_private"].value
    assert share == round(share_independent_homes(read_placements()), 3)
    # with the share, the two residential costs give the line's average over all children
    mixed = (
        share * derived["placement_residential_private"]
        + (1 - share) * derived["placement_residential_la"]
    )
    assert mixed == pytest.approx(derived["residential_all_providers"], rel=0.001)


def test_only_placements_no_line_supports_stay_placeholders_with_a_range() -> None:
    book = load_cost_book()
    placeholders = {
        k for k, v in book.items.items() if k.startswith("placement_") and v.status == "placeholder"
    }
    assert placeholders == {"placement_placed_with_parents", "placement_other"}, (
        f"expected only placed with parents and other as placeholders, found {placeholders}"
    )
    for item in placeholders:
        c = book.items[item]
        assert c.low is not None and c.high is not None, f"{item}: expected a stated range"


def test_childrens_home_cost_against_nao(derived) -> None:
    """NAO's £318,400 a place is a cross-check, not an input. The private homes' average from
    s251 is 6% above it; the all-provider line average is 19% above it, because the line also
    pays for council-run secure homes, vacant places in councils' own homes and overheads booked
    on the line (an average over children placed, not the price of one more place)."""
    private = derived["placement_residential_private"] * WEEKS_PER_YEAR
    every = derived["residential_all_providers"] * WEEKS_PER_YEAR
    assert private / NAO_HOME_PLACE_A_YEAR == pytest.approx(1.064, abs=0.005), (
        f"expected private homes about 6% above NAO, found GBP {private:,.0f} a year"
    )
    assert every / NAO_HOME_PLACE_A_YEAR == pytest.approx(1.188, abs=0.005), (
        f"expected all homes about 19% above NAO, found GBP {every:,.0f} a year"
    )


def test_a_range_must_hold_its_value_and_a_new_value_drops_the_shipped_range() -> None:
    with pytest.raises(ValidationError, match="low <= value <= high"):
        UnitCost(
            value=50, unit="gbp_per_week", price_year="2024-25", status="derived", source="x",
            low=100, high=600,
        )  # fmt: skip
    book = load_cost_book({"items": {"placement_other": {"value": 5000}}})
    c = book.items["placement_other"]
    assert (c.value, c.low, c.high) == (5000, None, None), f"found {c}"


def test_ro3_table_has_england_and_every_council() -> None:
    t = pd.read_csv(RO3_CSV)
    england = t[t["class"] == "Eng"].iloc[0]
    assert england["children_looked_after_gbp_thousand"] == pytest.approx(8_917_040, abs=1), (
        f"expected RO3 line 13 for England GBP 8,917,040k, found {england.to_dict()}"
    )
    councils = t[t["class"] != "Eng"]
    assert len(councils) == 153, f"expected 153 councils, found {len(councils)}"
    missing = set(councils.loc[councils["children_looked_after_gbp_thousand"].isna(), "name"])
    assert missing == {"Birmingham", "Cumberland", "Slough UA"}, f"found no return for {missing}"


def test_council_spend_per_looked_after_child_is_rederived_and_flagged() -> None:
    found = pd.read_csv(COUNCIL_SPEND_CSV)
    expected = council_spend_per_child(pd.read_csv(RO3_CSV), looked_after_at_31_march())
    pd.testing.assert_frame_equal(
        found.fillna({"note": ""}), expected.fillna({"note": ""}), check_dtype=False
    )
    england = found[found["class"] == "Eng"].iloc[0]
    by_hand = 8_917_040_346 / ((83_530 + 81_770) / 2 * 52.18)
    assert england["weekly_gbp_line_13"] == pytest.approx(by_hand, abs=0.01), (
        f"expected GBP {by_hand:.2f} a week per looked-after child, found {england.to_dict()}"
    )
    flagged = dict(zip(found["name"], found["note"].fillna(""), strict=True))
    assert flagged["Birmingham"] == "no RO3 return for 2024-25"
    assert flagged["Sandwell"].startswith("line 13 under a tenth"), (
        f"expected Sandwell (a children's trust) flagged, found {flagged['Sandwell']!r}"
    )
    usable = found[(found["class"] != "Eng") & found["note"].isna()]
    assert len(usable) == 147, f"expected 147 councils with a cost per child, found {len(usable)}"


def test_england_spend_against_ro3() -> None:
    """The issue aims for England within 10% of RO3 line 13; that is not met. The model prices
    placements only: line 13 also holds leaving care, adoption and special guardianship support
    and other looked-after services (RO3 line 19, GBP 2.6bn) and asylum-seeking children. The
    part the model's placements stand for, residential care and fostering (lines 16 + 17), is
    within 10%."""
    c = england_spend_check(population=100_000, replications=2)
    assert 0.90 <= c.ratio_lines_16_17 <= 1.10, (
        f"expected homes and fostering within 10% of RO3 lines 16 + 17, found "
        f"{c.ratio_lines_16_17:.3f}"
    )
    assert 0.65 <= c.ratio_line_13 <= 0.80, (
        f"expected all placements at 65-80% of RO3 line 13 (placements only), found "
        f"{c.ratio_line_13:.3f}"
    )
