"""A drawn future: each replication's rates move year on year as councils' published rates did.

Checks that the shipped table holds what DfE published, that a pool is the council's and its
neighbours' up to the fitted year, that a drawn change moves the measure it names by the amount
drawn, that a pilot and today's way of working share one future, and that ranges widen with the
horizon.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim.model.build as build_module
from sim.core.streams import Stream, Streams
from sim.experiments.experiment import single_run
from sim.inputs.future_changes import CHANGES_FILE, MEASURES, pool_changes
from sim.inputs.parameters import Parameters
from sim.inputs.scenario import COUNCILS_DIR, load_parameters
from sim.model.future import CARE_DECISIONS, CP_DECISIONS, Future
from tests.conftest import make_scenario

SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference" / "ees"


def _table() -> pd.DataFrame:
    return pd.read_csv(CHANGES_FILE)


def test_the_table_holds_dorsets_published_change_in_referrals():
    """Dorset's referrals were 2,454 in 2023-24 and 2,349 in 2024-25 for 66,436 and 67,149
    children (DfE C1, ONS): a change of log(2349/67149) - log(2454/66436)."""
    t = _table().set_index(["council", "year"])
    expected = math.log(2349 / 67149) - math.log(2454 / 66436)
    found = t.at[("Dorset", "2024-25"), "referrals"]
    assert found == pytest.approx(expected, abs=1e-4), f"expected {expected:.5f}, found {found}"


def test_a_pool_is_the_councils_named_up_to_the_year_and_centred():
    names = ("Dorset", "Devon")
    pool = pool_changes(names, "2022-23")
    t = _table()
    rows = t[t.council.isin(names) & (t.year <= "2022-23")].dropna(subset=list(MEASURES[:2]))
    assert len(pool) == len(rows), f"expected {len(rows)} rows, found {len(pool)}"
    means = np.exp(pool).mean(axis=0)
    assert np.allclose(means, 1.0), f"expected each column's mean exp(change) 1, found {means}"


def test_a_pool_with_no_rows_says_which_councils_and_years():
    with pytest.raises(ValueError, match="Atlantis"):
        pool_changes(("Atlantis",), "2024-25")


def test_every_decision_a_future_names_is_a_parameter():
    names = {f"{g}.{n}" for g, m in Parameters.model_fields.items() for n in _fields(m.annotation)}
    missing = [n for n in (*CP_DECISIONS, *CARE_DECISIONS) if n not in names]
    assert not missing, f"expected every decision a future moves to exist, found {missing} missing"


def _fields(annotation: object) -> list[str]:
    return list(getattr(annotation, "model_fields", {}))


def test_a_path_adds_year_on_year_and_holds_before_and_after():
    f = Future(np.cumsum(np.array([[0.1, 0.0, 0.0], [0.2, 0.0, 0.0]]), axis=0))
    assert f.log_change(0, -10) == 0.0
    assert f.log_change(0, 100) == pytest.approx(0.1)
    assert f.log_change(0, 400) == pytest.approx(0.3)
    assert f.log_change(0, 5000) == pytest.approx(0.3), "the last year's level holds after"
    assert Future().contacts(400) == 1.0


def test_every_shipped_council_draws_from_itself_and_its_neighbours():
    dorset = load_parameters(COUNCILS_DIR / "dorset.yaml")["future"]
    assert dorset["councils"][0] == "Dorset" and len(dorset["councils"]) >= 5, dorset
    assert dorset["up_to_year"] == "2024-25"


def _fixed_pool(monkeypatch, row: list[float]) -> None:
    """Every drawn year makes the same change ``row``."""
    monkeypatch.setattr(build_module, "pool_changes", lambda *_: np.array([row]))


def _yearly(scenario, replications: int = 2) -> pd.DataFrame:
    rows = []
    for r in range(replications):
        res = single_run(scenario, r)
        for m in ("referrals", "cp_plans_started", "care_entries"):
            s = pd.Series(res.flows[m])
            rows.append((r, m, s.iloc[:12].sum(), s.iloc[12:24].sum()))
    return pd.DataFrame(rows, columns=["rep", "measure", "y1", "y2"]).groupby("measure").sum()


@pytest.mark.parametrize(
    ("row", "measure", "expected_y1"),
    [
        ([0.2, 0.0, 0.0], "referrals", math.exp(0.2)),
        ([0.0, 0.3, 0.0], "cp_plans_started", math.exp(0.3)),
        ([0.0, 0.0, 0.15], "care_entries", math.exp(0.15)),
    ],
)
def test_a_drawn_change_moves_its_measure_by_the_amount_drawn(
    monkeypatch, row, measure, expected_y1
):
    """Referrals +22% (log 0.2) a year, CP plans started +35% (log 0.3) with referrals as
    they were, or care entries +16% (log 0.15) with both as they were: the first projected year
    moves by about that, the second by its square (unaccompanied children's arrivals left out: a
    future leaves them be). Care entries rise by less than drawn once most families in
    pre-proceedings would enter it anyway (a probability stops at 1): +35% a year for two years
    gives +43%, not +82%."""
    base = make_scenario(population=40_000, years=2, include_uasc=False)
    fixed = _yearly(base)
    _fixed_pool(monkeypatch, row)
    moved = _yearly(base.with_changes(future="uncertain"))
    y1 = moved.at[measure, "y1"] / fixed.at[measure, "y1"]
    y2 = moved.at[measure, "y2"] / fixed.at[measure, "y2"]
    assert y1 == pytest.approx(expected_y1, rel=0.08), (
        f"{measure} year 1: expected {expected_y1:.2f}, found {y1:.2f}"
    )
    assert y2 == pytest.approx(expected_y1**2, rel=0.10), (
        f"{measure} year 2: expected {expected_y1**2:.2f}, found {y2:.2f}"
    )


def test_the_future_is_drawn_from_its_own_stream_shared_by_a_pilot():
    sc = make_scenario(population=20_000, years=3, future="uncertain")
    a = build_module.replication_future(sc, Streams(sc.seed, 4))
    b = build_module.replication_future(sc.with_changes(name="with a pilot"), Streams(sc.seed, 4))
    c = build_module.replication_future(sc, Streams(sc.seed, 5))
    assert np.array_equal(a.path, b.path), "a pilot and today's way of working share a future"
    assert not np.array_equal(a.path, c.path), "replications draw different futures"
    assert int(Stream.FUTURE) not in {int(s) for s in Stream if s is not Stream.FUTURE}


def test_ranges_widen_with_the_horizon():
    """Across 40 drawn futures of England's default pool, the spread of the referral level grows
    year on year (a random walk of published changes)."""
    sc = make_scenario(population=20_000, years=5, future="uncertain")
    paths = np.array(
        [build_module.replication_future(sc, Streams(sc.seed, r)).path[:5, 0] for r in range(40)]
    )
    sd = paths.std(axis=0)
    assert sd[4] > 1.5 * sd[0], (
        f"expected the fifth year's spread well above the first's, found {sd}"
    )


def test_words_say_what_a_range_covers_with_the_back_tests_coverage(monkeypatch):
    import sim.reporting.labels as labels

    monkeypatch.setattr(labels, "one_year_ahead_90", lambda measures: (0.88, 150))
    words = labels.level_range_words("uncertain")
    assert "widen" in words and "9 in 10 of 150 councils" in words, words
    assert "chance alone" in labels.level_range_words("fixed")
    assert "share each future" in labels.difference_range_words()
    monkeypatch.setattr(labels, "one_year_ahead_90", lambda measures: None)
    assert "councils' published figures a year later" not in labels.level_range_words()
