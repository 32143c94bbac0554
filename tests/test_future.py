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
from sim.core.calendar import DAYS_PER_YEAR
from sim.core.streams import Stream, Streams
from sim.experiments.experiment import single_run
from sim.inputs.future_changes import CHANGES_FILE, MEASURES, pool_changes
from sim.inputs.parameters import Parameters
from sim.inputs.scenario import COUNCILS_DIR, load_parameters
from sim.model.future import CARE_DECISIONS, CP_DECISIONS, Future, toward_neighbours
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
    missing = [
        f.stem
        for f in sorted(COUNCILS_DIR.glob("*.yaml"))
        if not load_parameters(f).get("future", {}).get("councils")
    ]
    assert not missing, f"expected every shipped council to name its future's pool, found {missing}"


def _level(monkeypatch, row: list[float]) -> None:
    """Every replication's future: rates at ``row`` (log change) from the start, held there."""
    path = np.array([row] * 6)
    monkeypatch.setattr(build_module, "replication_future", lambda *_: Future(path))


def _year_totals(scenario, year: int, replications: int = 2) -> dict[str, float]:
    out: dict[str, float] = {}
    for r in range(replications):
        res = single_run(scenario, r)
        for m in ("referrals", "cp_plans_started", "care_entries"):
            out[m] = out.get(m, 0.0) + float(res.flows[m][12 * (year - 1) : 12 * year].sum())
    return out


@pytest.mark.parametrize(
    ("row", "measure", "year"),
    [
        ([0.2, 0.0, 0.0], "referrals", 1),
        ([0.0, 0.3, 0.0], "cp_plans_started", 2),
    ],
)
def test_a_drawn_change_moves_its_measure_by_the_amount_drawn(monkeypatch, row, measure, year):
    """Referrals +22% (log 0.2), CP plans started +35% (log 0.3) with referrals as they were,
    or care entries +35% with both as they were, held from the start: once the pathway has
    caught up (care through proceedings lags the decision to start pre-proceedings by a year or
    more), the measure moves by the amount drawn. Unaccompanied children's arrivals are left out
    (a future leaves them be), and social workers are enough that nobody waits (the draws alone,
    not the model's capacity)."""
    base = make_scenario(
        {"workforce": {"social_worker_fte_per_10k": 40.0}},
        population=40_000,
        years=year,
        include_uasc=False,
    )
    fixed = _year_totals(base, year)
    _level(monkeypatch, row)
    moved = _year_totals(base.with_changes(future="uncertain"), year)
    expected = math.exp(sum(row))
    found = moved[measure] / fixed[measure]
    assert found == pytest.approx(expected, rel=0.08), (
        f"{measure} in year {year}: expected x{expected:.2f}, found x{found:.2f}"
    )


@pytest.mark.parametrize("change", [0.3, -0.3])
def test_care_entries_move_most_of_the_way_a_drawn_change_says(monkeypatch, change):
    """Care entries +35% or -26% (log +-0.3) with referrals and CP plans as they were, held from
    the start, measured in the third year: the steps toward care move by the drawn change, but
    the routes compete (a family entering pre-proceedings no longer goes into s20 care from its
    plan) and care through proceedings lags, so care entries move by 0.6 to 1 of the drawn
    change on the log scale (measured: x1.23 for +0.3, x0.77 for -0.3, at 80,000 children)."""
    base = make_scenario(
        {"workforce": {"social_worker_fte_per_10k": 40.0}},
        population=80_000,
        years=3,
        include_uasc=False,
    )
    fixed = _year_totals(base, 3, replications=3)["care_entries"]
    _level(monkeypatch, [0.0, 0.0, change])
    moved = _year_totals(base.with_changes(future="uncertain"), 3, replications=3)["care_entries"]
    share = math.log(moved / fixed) / change
    assert 0.6 <= share <= 1.0, (
        f"care entries: expected 0.6 to 1 of a drawn log change of {change}, found {share:.2f}"
    )


def test_the_future_is_drawn_from_its_own_stream_shared_by_a_pilot():
    sc = make_scenario(population=20_000, years=3, future="uncertain")
    a = build_module.replication_future(sc, Streams(sc.seed, 4))
    b = build_module.replication_future(sc.with_changes(name="with a pilot"), Streams(sc.seed, 4))
    c = build_module.replication_future(sc, Streams(sc.seed, 5))
    assert np.array_equal(a.path, b.path), "a pilot and today's way of working share a future"
    assert not np.array_equal(a.path, c.path), "replications draw different futures"
    assert int(Stream.FUTURE) not in {int(s) for s in Stream if s is not Stream.FUTURE}


def _first_years(sc, replications: range) -> np.ndarray:
    return np.array(
        [build_module.replication_future(sc, Streams(sc.seed, r)).path[0] for r in replications]
    )


def test_futures_are_balanced_across_a_scenarios_replications():
    """Each year the pool is cut into as many slices as there are replications, and each
    replication draws from its own slice: four replications' first years are one from each
    quarter of the pool ordered by its mean change."""
    sc = make_scenario(population=20_000, years=3, future="uncertain", replications=4)
    source = sc.parameters.future
    pool = build_module.pool_changes(
        source.councils, source.up_to_year or sc.parameters.reference_year
    )
    ordered = np.sort(pool.mean(axis=1))
    n = len(ordered)
    for seed in range(30):
        firsts = _first_years(sc.with_changes(seed=seed), range(4)).mean(axis=1)
        quarters = sorted(int(4 * np.searchsorted(ordered, x, side="left") / n) for x in firsts)
        assert quarters == [0, 1, 2, 3], (seed, quarters)


def test_balanced_futures_steady_the_mean_of_a_few_replications():
    """Over 200 seeds, the mean first-year change of four replications (the mean of referrals,
    CP plans started and care entries, by which the pool is ordered) varies under 0.6 times as
    much as four independent draws from the pool would (measured 0.45), and each of the three
    under 0.9 times (about 0.8, 0.6, 0.6); one replication alone is still any of the pool's
    years with equal chance."""
    sc = make_scenario(population=20_000, years=3, future="uncertain", replications=4)
    source = sc.parameters.future
    pool = build_module.pool_changes(
        source.councils, source.up_to_year or sc.parameters.reference_year
    )
    means = np.array(
        [_first_years(sc.with_changes(seed=s), range(4)).mean(axis=0) for s in range(200)]
    )
    independent = pool.std(axis=0) / 2.0  # sd of the mean of four independent draws
    assert means.mean(axis=1).std() < 0.6 * pool.mean(axis=1).std() / 2.0
    assert np.all(means.std(axis=0) < 0.9 * independent), (means.std(axis=0), independent)
    alone = np.array([_first_years(sc.with_changes(seed=s), range(1))[0] for s in range(400)])
    assert np.all(np.abs(alone.mean(axis=0) - pool.mean(axis=0)) < 3 * pool.std(axis=0) / 20)


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

    monkeypatch.setattr(labels, "one_year_ahead_90", lambda m: (0.65, 0.88, 77, "2024-25"))
    monkeypatch.setattr(labels, "is_widened", lambda: False)
    words = labels.level_range_words("uncertain")
    assert "widen" in words and "7 to 9 in 10 times (77 council projections)" in words, words
    assert "narrower than the future" in words, words
    monkeypatch.setattr(labels, "one_year_ahead_90", lambda m: (0.86, 0.93, 300, "2024-25"))
    monkeypatch.setattr(labels, "is_widened", lambda: True)
    words = labels.level_range_words("uncertain")
    assert "widened by how far such projections missed" in words, words
    assert "9 in 10 times (300 council projections), as they should" in words, words
    assert "chance alone" in labels.level_range_words("fixed")
    assert "share each future" in labels.difference_range_words()
    monkeypatch.setattr(labels, "one_year_ahead_90", lambda measures: None)
    assert "Checked against" not in labels.level_range_words()


def test_the_notes_on_ranges_from_4_futures_say_rough_not_9_in_10():
    """Quick precision's 4 futures: the general notes under the figures do not promise 9 in 10."""
    import sim.reporting.labels as labels

    for words in (
        labels.level_range_words("uncertain", 4),
        labels.level_range_words("fixed", 4),
        labels.difference_range_words(4),
    ):
        assert "9 of 10" not in words and "4 simulated futures" in words, words
        assert "rough" in words, words
    assert "hold 9 of 10" in labels.difference_range_words(10)
    assert "hold 9 of 10" in labels.level_range_words("fixed", 10)


def test_the_drift_toward_the_neighbours_closes_the_share_of_the_gap_a_year_says():
    """A gap of log 0.2 in referrals closed half a year: 0.1 of it by the first year's end,
    0.15 by the second's, 0.175 by the third's; a measure with no pull does not drift."""
    drift = toward_neighbours((0.2, -0.4, 0.3), (0.5, 0.25, 0.0), 3)
    assert drift is not None
    np.testing.assert_allclose(drift[:, 0], [0.1, 0.15, 0.175])
    np.testing.assert_allclose(drift[:, 1], [-0.1, -0.175, -0.23125])
    np.testing.assert_allclose(drift[:, 2], [0.0, 0.0, 0.0])
    assert toward_neighbours((0.2, 0.0, 0.0), (0.0, 0.3, 0.3), 3) is None


def test_a_drift_toward_the_neighbours_moves_referrals_by_its_amount(monkeypatch):
    """With every drawn change 0, a gap of log 0.2 in referrals closed half a year moves the
    second year's referrals by x exp(0.15) = x1.16 (the first year's by x1.11), in every
    replication alike."""
    monkeypatch.setattr(build_module, "pool_changes", lambda *_: np.zeros((10, 3)))
    future = {
        "councils": ["England"],
        "toward_neighbours": {"referrals": 0.2},
        "pull_per_year": {"referrals": 0.5},
    }
    base = make_scenario(
        {"workforce": {"social_worker_fte_per_10k": 40.0}},
        population=40_000,
        years=2,
        include_uasc=False,
    )
    fixed = _year_totals(base, 2)["referrals"]
    moved = _year_totals(
        make_scenario(
            {"workforce": {"social_worker_fte_per_10k": 40.0}, "future": future},
            population=40_000,
            years=2,
            include_uasc=False,
            future="uncertain",
        ),
        2,
    )["referrals"]
    assert moved / fixed == pytest.approx(math.exp(0.15), rel=0.04)


def test_a_pull_beyond_a_share_says_which_field_and_what_is_allowed():
    with pytest.raises(ValueError, match=r"future.pull_per_year.care_entries is 1.5"):
        make_scenario({"future": {"pull_per_year": {"care_entries": 1.5}}})


def test_the_services_read_the_future_as_it_says_on_every_day_and_a_new_one():
    """Each escalating decision reads the replication's future through the services, which keep
    its table once per future: a CP decision moves by CP plans' change less referrals', a care
    decision by care entries' less CP plans', year by year from the path (1 before it starts and
    for a decision it leaves be; the last year's holds after it), and a future given later is
    read afresh."""
    from sim.model.build import build

    scenario = make_scenario(population=20_000, years=3, future="uncertain", council="dorset")
    _, svc = build(scenario, 0)
    assert svc.future.path is not None, "expected Dorset's drawn future to have a path"
    moved = 0
    for future in (svc.future, Future(np.array([[0.1, 0.3, -0.2], [0.0, 0.5, 0.4]])), Future()):
        svc.future = future
        for name in (*CP_DECISIONS, *CARE_DECISIONS, "cin_plan.p_close_at_review"):
            for day in (-1.0, 0.0, 200.0, 365.25, 400.0, 800.0, 5000.0):
                expected = 1.0
                moves = name in CP_DECISIONS or name in CARE_DECISIONS
                if future.path is not None and day >= 0 and moves:
                    row = future.path[min(int(day // DAYS_PER_YEAR), len(future.path) - 1)]
                    a, b = (1, 0) if name in CP_DECISIONS else (2, 1)
                    expected = math.exp(row[a] - row[b])
                found = svc.future_multiplier(name, day)
                assert found == expected, f"{name} on day {day}: {found} against {expected}"
                moved += found != 1.0
    assert moved > 20, f"expected multipliers other than 1 to compare, found {moved}"
