"""Stays that depend on how the child leaves care (issue 19, point 3).

A return home comes mostly early, an adoption after about two years, an SGO later still, and a
stay that outlasts childhood ends at 18 (``sim.inputs.parameters.ExitStay``). England's default
is run at 100,000 children for two years, three replications (about 1,700 children ceasing
care): its exits by duration of the last period of care must follow DfE's national table
(2023-24) band by band, its exits by reason the published shares, and returns home must be far
shorter than adoptions. With one stay for every reason (``stay_by_exit: {}``, as before) the
same runs were off by up to 7.2 points a band (under 2 weeks 0.5% against 7.5%; 3 to 5 years
15.8% against 8.6%), 4.0 points on average; with stays by way of leaving, 5.5 at most (2 to 3
years) and 2.7 on average. What is left is mostly the pathway's own entrants, whose ages and
exits differ from the published starts the fit's steady state is drawn from.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from calibration.stays import (
    england_parameters,
    exits_by_stay,
    published_stay_shares,
    with_stay_by_exit,
)
from calibration.targets import NationalFigures, mix_targets
from sim.core.calendar import DAYS_PER_YEAR
from sim.core.entities import AGE_OF_MAJORITY, CARE_STAY_BANDS, Exit
from sim.experiments.experiment import single_run
from sim.inputs.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
POPULATION, YEARS, REPLICATIONS = 100_000, 2, 3
#: Points: the largest miss allowed in one duration band, and on average over the nine bands
#: (about 1,700 exits: one band's counting error is about 1 point; 4.0 on average before).
BAND_POINTS, MEAN_BAND_POINTS = 6.5, 3.2
#: Points: exits by reason against the published shares (2024-25).
REASON_POINTS = 5.0


@pytest.fixture(scope="module")
def england():
    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml").with_changes(
        population=POPULATION, years=YEARS, replications=REPLICATIONS, future="fixed"
    )
    return [single_run(scenario, r) for r in range(REPLICATIONS)]


def _total(runs, measure: str) -> float:
    return float(sum(np.sum(np.asarray(r.flows.get(measure, [0.0]))) for r in runs))


def test_exits_by_duration_of_care_follow_the_published_table(england):
    counts = {b: _total(england, f"care_stays_ended_{b}") for b, _, _ in CARE_STAY_BANDS}
    exits = sum(counts.values())
    found = {b: 100 * n / exits for b, n in counts.items()}
    published = published_stay_shares(2024)
    off = {b: round(found[b] - published[b], 1) for b in published}
    mean_off = sum(abs(d) for d in off.values()) / len(off)
    assert max(abs(d) for d in off.values()) <= BAND_POINTS and mean_off <= MEAN_BAND_POINTS, (
        f"expected exits by duration of care within {BAND_POINTS:g} points of DfE 2023-24 in "
        f"every band and {MEAN_BAND_POINTS:g} on average, found differences {off} "
        f"(mean {mean_off:.1f}; {exits:.0f} exits)"
    )


def test_exits_by_reason_still_hold_the_published_shares(england):
    exits = _total(england, "care_exits")
    groups = {
        "returned_home": ("returned_home",),
        "sgo_cao": ("sgo", "cao"),
        "adoption": ("adoption",),
        "age_18": ("age_18",),
        "other": ("other",),
    }
    found = {
        g: 100 * sum(_total(england, f"care_exits_{e}") for e in es) / exits
        for g, es in groups.items()
    }
    targets = mix_targets(NationalFigures(), "2024-25")
    off = {g: round(found[g] - targets[f"exit_share_{g}"], 1) for g in groups}
    assert all(abs(d) <= REASON_POINTS for d in off.values()), (
        f"expected exits by reason within {REASON_POINTS:g} points of DfE 2024-25, found "
        f"differences {off}"
    )


def test_returns_home_come_early_and_adoptions_after_about_two_years(england):
    """In England's steady state (the closed form of ``calibration.stays``) returns home last
    under 1.1 years on average and adoptions 2 years 3 months +-6 months (DfE 2022), at least
    twice as long; in a run, returns home (about 600) come within 1.1 years on average.

    A run's mean adoption is no test: adoptions are few (about 100 in two years) and their
    stays heavy-tailed, so the mean of four replications over three years ranged from 1.6 to
    2.8 years between seeds (0.7.0), and from the opening caseload a two-year window sees the
    babies adopted within it beside the stock's long stays (1.8 years)."""
    mean = exits_by_stay(england_parameters())["mean_years"]
    home, adoption = mean["returned_home"], mean["adoption"]
    assert home <= 1.1 and 1.75 <= adoption <= 2.75 and adoption >= 2 * home, (
        "expected returns home within about a year on average and adoptions after 2 years 3 "
        "months (+-6 months; DfE 2022), at least twice as long, found "
        f"{home:.2f} and {adoption:.2f} years (2.33 and 3.22 with one stay for every reason)"
    )
    ran = (
        _total(england, "care_exit_days_returned_home")
        / _total(england, "care_exits_returned_home")
        / DAYS_PER_YEAR
    )
    assert ran <= 1.1, (
        f"expected returns home within 1.1 years on average in a run, found {ran:.2f}"
    )


def test_the_steady_state_closed_form_follows_the_table():
    out = exits_by_stay(england_parameters())["bands"]
    published = published_stay_shares(2024)
    off = {b: round(out[b] - published[b], 1) for b in published}
    assert max(abs(d) for d in off.values()) <= 5.5, f"expected within 5.5 points, found {off}"


def test_without_stays_by_exit_a_stay_is_the_councils_for_the_age():
    la = with_stay_by_exit(england_parameters(), {}).looked_after
    for age, u in ((0.5, 0.1), (7.0, 0.5), (15.0, 0.93)):
        for e in (Exit.RETURNED_HOME, Exit.ADOPTION):
            assert la.planned_stay(e, age, u) == la.duration.for_age(age).sample(u)


@pytest.mark.parametrize("age", [0.3, 3.0, 8.0, 12.5, 16.6])
def test_the_mean_stay_lived_to_18_is_the_councils_own(age):
    la = england_parameters().looked_after
    cut = (AGE_OF_MAJORITY - age) * DAYS_PER_YEAR
    us = (np.arange(4000) + 0.5) / 4000
    base = np.mean([min(la.duration.for_age(age).sample(u), cut) for u in us])
    band = max(0, int(np.searchsorted(la.exit_age_bands, age, side="right")) - 1)
    mix = {e: w[band] for e, w in la.exit_mix.items() if w[band] > 0}
    total = sum(mix.values())
    shaped = sum(
        w / total * np.mean([min(la.planned_stay(e, age, u), cut) for u in us])
        for e, w in mix.items()
    )
    assert abs(shaped / base - 1) <= 0.03, (
        f"expected the mean stay lived to 18 over the exit mix at age {age} to be the council's "
        f"{base:.0f} days (within 3%), found {shaped:.0f}"
    )
