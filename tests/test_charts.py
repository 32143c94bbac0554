"""Charts that explain: band legends, the join with the published series, axes from zero,
ticks to the horizon, the cost as the pilot's minus today's by year, and a line in words."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from sim.experiments.summaries import cost_difference_by_year
from sim.reporting.charts import band_chart, capacity_measure, cost_difference_chart
from sim.reporting.explain import (
    capacity_in_words,
    chart_caption,
    cost_difference_in_words,
    cp_plans_in_words,
    join_in_words,
    locality_in_words,
    range_in_words,
)
from sim.reporting.labels import BAND_LEGEND, chart_title


def _month(m: int) -> str:
    return f"{2025 + (m + 3) // 12}-{(m + 3) % 12 + 1:02d}"


def _monthly(levels: dict[str, float], months: int = 24, reps: int = 3, step: float = 0.0):
    """A comparison's monthly frame: each measure at its level (the first, a stock, + ``step`` a
    month), for the baseline and a pilot 10% lower, replication r adding r."""
    rows, first = [], next(iter(levels))
    for variant, scale in (("baseline", 1.0), ("Pilot", 0.9)):
        for r in range(reps):
            for m in range(months):
                for measure, level in levels.items():
                    rows.append(
                        {
                            "variant": variant,
                            "effects": "none" if variant == "baseline" else "sampled",
                            "replication": r,
                            "month": _month(m),
                            "measure": measure,
                            "value": (level + step * m * (measure == first)) * scale + r,
                        }
                    )
    return pd.DataFrame(rows)


HISTORY = pd.DataFrame(
    [
        {"month": "2024-03", "measure": "cp_plans", "value": 220.0},
        {"month": "2025-03", "measure": "cp_plans", "value": 228.0},
    ]
)


def test_each_band_has_a_legend_entry_and_the_axis_starts_at_zero():
    fig = band_chart(_monthly({"cp_plans": 250}, reps=10), "cp_plans", "CP", future="fixed")
    names = [t.name for t in fig.data if t.showlegend is not False and t.name]
    assert f"Today's way of working: {BAND_LEGEND}" in names, f"found {names}"
    assert f"Pilot: {BAND_LEGEND}" in names, f"found {names}"
    assert fig.layout.yaxis.rangemode == "tozero", f"found {fig.layout.yaxis.rangemode}"
    # from 3 futures the band is not a 9-in-10 range, and its legend says so
    rough = band_chart(_monthly({"cp_plans": 250}, reps=3), "cp_plans", "CP", future="fixed")
    names = [t.name for t in rough.data if t.showlegend is not False and t.name]
    assert "Today's way of working: range of the 3 simulated futures (rough)" in names, names
    assert not any(BAND_LEGEND in n for n in names), f"found {names}"


def test_ticks_run_every_year_to_the_horizon():
    fig = band_chart(_monthly({"cp_plans": 250}, months=60), "cp_plans", "CP", future="fixed")
    axis = fig.layout.xaxis
    assert (axis.tick0, axis.dtick) == ("2030-03-01", "M12"), f"found {axis.tick0}, {axis.dtick}"
    assert axis.range[1] >= "2030-03", f"expected the axis to reach 2030-03: {axis.range}"


def test_the_projection_is_joined_to_the_last_published_point():
    fig = band_chart(_monthly({"cp_plans": 255}), "cp_plans", "CP", history=HISTORY, future="fixed")
    join = next(t for t in fig.data if t.line.dash == "dot" and t.mode == "lines")
    assert list(join.x) == ["2025-03", "2025-04"], f"found {list(join.x)}"
    assert join.y[0] == 228.0 and join.y[1] == pytest.approx(256.0), f"found {list(join.y)}"


def test_a_step_at_the_join_is_explained_and_a_small_one_is_not():
    words = join_in_words(_monthly({"cp_plans": 255}), HISTORY, "cp_plans")
    assert words.startswith("The projection starts 12% above the last published figure"), words
    assert "about 260 at the end of its first month against 228 at 31 March 2025" in words
    assert join_in_words(_monthly({"cp_plans": 230}), HISTORY, "cp_plans") == ""
    assert join_in_words(_monthly({"cp_plans": 255}), None, "cp_plans") == ""


def test_cp_plans_in_words_follow_the_runs_flows():
    ends = {f"cp_plans_ended_{b}": 5.0 for b in ("le_3m", "3_6m", "6_12m", "1_2y", "ge_2y")}
    frame = _monthly({"cp_plans": 250, "cp_plans_started": 20, **ends}, step=-2.0)
    text = cp_plans_in_words(frame)
    expected = "About 250 children start a CP plan a year and 360 come off one: the number on"
    assert text.startswith(expected), f"expected {expected!r}..., found {text!r}"
    assert "falls, from about 250 to about 200 over 2 years" in text, text


def test_a_stock_that_humps_between_its_ends_says_its_high():
    """Walsall's CP plans rose from about 230 to about 270 in the first year and ended near 240:
    words giving the ends alone would not describe the line the chart shows."""
    frame = _monthly({"cp_plans": 230, "cp_plans_started": 20, "cp_plans_ended_le_3m": 20})
    hump = [230 + 40 * min(m, 11) / 11 - 30 * max(m - 11, 0) / 12 for m in range(24)]
    cp = frame["measure"] == "cp_plans"
    by_month = {_month(m): v for m, v in enumerate(hump)}
    frame.loc[cp, "value"] = frame.loc[cp, "month"].map(by_month) + frame.loc[cp, "replication"]
    text = cp_plans_in_words(frame)
    assert text.endswith(
        "from about 230 to about 240 over 2 years, highest about 270 in its first year."
    ), text
    dip = frame.copy()
    dip.loc[cp, "value"] = [460 - v for v in dip.loc[cp, "value"]]
    assert "lowest about 190 in its first year" in cp_plans_in_words(dip)
    flat = _monthly({"cp_plans": 250, "cp_plans_started": 20, "cp_plans_ended_le_3m": 20})
    assert "highest" not in cp_plans_in_words(flat) and "lowest" not in cp_plans_in_words(flat)


def test_capacity_words_say_how_many_wait_or_how_full_caseloads_are():
    waited = _monthly({"waiting_allocation": 10, "referrals": 100, "caseload_per_sw": 15})
    assert capacity_measure(waited) == "waiting_allocation"
    assert "about 11 at a month's end on average, 11 at most" in capacity_in_words(waited)
    flat = _monthly({"waiting_allocation": 0, "referrals": 100, "caseload_per_sw": 15}, reps=1)
    assert capacity_measure(flat) == "caseload_per_sw"
    text = capacity_in_words(flat)
    assert "About 1,200 referrals a year" in text and "about 15 cases" in text, text
    assert "stays about level" in chart_caption(flat, "caseload_per_sw"), "expected the trend"


def _costs(pilot_extra: list[float], policy: float = 2e6) -> pd.DataFrame:
    """Costs by replication of two financial years: today's 50m and the pilot's, whose own
    line is ``policy`` and whose placements differ by ``pilot_extra[r] - policy``."""
    rows = []
    for r, extra in enumerate(pilot_extra):
        for fy in ("2025-26", "2026-27"):
            rows.append(("baseline", "none", r, fy, "placements_ifa", 50e6))
            rows.append(("Pilot", "sampled", r, fy, "placements_ifa", 50e6 + extra - policy))
            rows.append(("Pilot", "sampled", r, fy, "policy: Pilot", policy))
    cols = ["variant", "effects", "replication", "financial_year", "line", "cost_gbp"]
    return pd.DataFrame(rows, columns=cols)


def test_the_cost_chart_shows_the_difference_with_its_range():
    costs = _costs([0.5e6, 1.0e6, 1.5e6])
    diff = cost_difference_by_year(costs, "Pilot")
    assert diff["mean"].tolist() == pytest.approx([1e6, 1e6]), f"found {diff}"
    assert diff["p5"].iloc[0] == pytest.approx(0.55e6) and diff["p95"].iloc[0] == 1.45e6
    fig = cost_difference_chart(costs, "Pilot")
    bar = fig.data[0]
    assert list(bar.y) == pytest.approx([1.0, 1.0]), f"expected £1m a year, found {bar.y}"
    assert list(bar.error_y.array) == pytest.approx([0.45, 0.45]), f"found {bar.error_y.array}"
    assert "minus today" in fig.layout.title.text, fig.layout.title.text


def test_the_cost_words_split_the_pilots_own_cost_from_what_it_saves():
    text = cost_difference_in_words(_costs([1e6, 1e6, 1e6]), "Pilot")
    expected = (
        "Over the 2 financial years the pilot's own staff and running cost £4.00m and it saves "
        "£2.00m elsewhere"
    )
    assert text.startswith(expected), f"expected {expected!r}..., found {text!r}"
    assert ": £2.00m more than today." in text, text
    # three futures: their range is rough, not 9 in 10
    assert text.endswith("the lines show the range of the 3 simulated futures run (rough)."), text
    # a pilot that changes no cost (one the council already runs) says so, not "0 years"
    same = _costs([2e6, 2e6, 2e6])  # placements as today's
    same = same[~same["line"].str.startswith("policy: ")]  # and no cost of its own
    none = cost_difference_in_words(same, "Pilot")
    assert none == "The pilot changes no cost here: its costs are today's, so every bar is 0.", none
    ten = cost_difference_in_words(_costs([1e6] * 10), "Pilot")
    assert ten.endswith("the lines show where 9 in 10 simulated futures fall."), ten


def test_chart_titles_name_the_place():
    assert chart_title("looked_after", "Weymouth and Portland, Dorset") == (
        "Children looked after<br><sup>Weymouth and Portland, Dorset</sup>"
    )
    assert chart_title("looked_after") == "Children looked after"


def test_the_locality_words_compare_its_flows_today_and_with_the_pilot():
    frame = _monthly({"care_entries_locality_0": 4, "cp_plans_started_locality_0": 10}, reps=1)
    text = locality_in_words(frame, 0, "Brookside", "Pilot")
    expected = (
        "In Brookside about 50 children start care a year today and about 45 with the pilot; "
        "about 120 children start a CP plan a year today and about 110 with the pilot."
    )
    assert text == expected, f"expected {expected!r}, found {text!r}"


def test_a_move_that_rounds_away_reads_as_level():
    ends = {f"cp_plans_ended_{b}": 5.0 for b in ("le_3m", "3_6m", "6_12m", "1_2y", "ge_2y")}
    frame = _monthly({"cp_plans": 218, "cp_plans_started": 25, **ends}, step=0.1)
    text = cp_plans_in_words(frame)
    assert "stays about level, from about 220 to about 220" in text, text


def test_the_range_under_a_chart_says_its_ends_and_why_it_widens():
    """CP plans at 250 + r in replication r of 10: the band is 250.45 to 258.55 each month before
    widening; the back-test's margin for CP plans (0.0747 at one, two and three years ahead, as
    shipped) widens it from a twelfth of it at the first month to all of it from month 12:
    250.45 x exp(-0.0747) = 232.4 and 258.55 x exp(0.0747) = 278.6."""
    ends = {f"cp_plans_ended_{b}": 4.0 for b in ("le_3m", "3_6m", "6_12m", "1_2y", "ge_2y")}
    frame = _monthly({"cp_plans": 250, "cp_plans_started": 20, **ends}, reps=10)
    said = range_in_words(frame, "cp_plans")
    assert said.startswith(
        "The shaded range (9 in 10 simulated futures) runs from about 250 to 260 after the first "
        "month and from about 230 to 280 by March 2027: it widens the further ahead it looks"
    ), said
    assert "how far such projections have missed" in said, said
    fixed = range_in_words(frame, "cp_plans", future="fixed")
    assert "from about 250 to 260 by March 2027" in fixed and "chance adds up" in fixed, fixed
    rough = range_in_words(_monthly({"cp_plans": 250}, reps=4), "cp_plans")
    assert rough.startswith("The shaded range (across the 4 simulated futures run, a rough"), rough
    # under the chart, after why the level moves; the caseload chart's range is not explained
    assert "The shaded range" in chart_caption(frame, "cp_plans")
    flat = _monthly({"waiting_allocation": 0, "referrals": 100, "caseload_per_sw": 15}, reps=10)
    assert "The shaded range" not in chart_caption(flat, "caseload_per_sw")


def test_the_drift_toward_similar_councils_is_said_with_its_size_and_pace():
    """A council whose neighbours look after 20% more children per child (log gap 0.182),
    closing a sixth of such gaps a year, is told so under the looked-after chart; a gap under 5%
    or no pull goes unsaid, as does a drift with the future held as today's."""
    from sim.inputs.parameters import FutureSource
    from sim.reporting.explain import drift_in_words, share_in_words

    future = FutureSource(
        toward_neighbours={"looked_after": math.log(1.2), "cp_plans_started": -0.03},
        pull_per_year={"looked_after": 0.175, "cp_plans_started": 0.2},
    )
    words = drift_in_words(future, "looked_after")
    assert "look after about 20% more children per child" in words
    assert "about a sixth of that gap a year" in words
    assert drift_in_words(future, "cp_plans") == ""
    fewer = FutureSource(
        toward_neighbours={"looked_after": -0.186}, pull_per_year={"looked_after": 0.05}
    )
    assert "look after about 17% fewer children per child" in drift_in_words(fewer, "looked_after")
    assert (
        drift_in_words(FutureSource(toward_neighbours={"looked_after": 0.2}), "looked_after") == ""
    )
    assert (share_in_words(0.25), share_in_words(0.2), share_in_words(0.05)) == (
        "about a quarter",
        "about a fifth",
        "about 5%",
    )
    frame = _monthly({"looked_after": 400, "care_entries": 10, "care_exits": 10}, reps=3)
    under = chart_caption(frame, "looked_after", None, "uncertain", future)
    assert under.index("similar councils") > under.index("Today's way of working"), under
    assert "similar councils" not in chart_caption(frame, "looked_after", None, "fixed", future)
