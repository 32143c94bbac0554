"""Duration distributions: declared moments, inverse transform, residual stays, validation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError
from scipy import stats

from sim.core.distributions import ByAge, DurationSpec, Empirical, Exponential, Fixed, Lognormal

N = 20_000

LOGNORMAL = Lognormal(median_days=200, p90_days=900)
EMPIRICAL = Empirical(edges_days=(0, 91, 182, 365, 730, 1095), weights=(15.9, 11, 43.5, 25.2, 4.4))
EMPIRICAL_ZERO_BAND = Empirical(edges_days=(0, 10, 20, 30, 40), weights=(0, 3, 0, 1))
EXPONENTIAL = Exponential(mean_days=30)
FIXED = Fixed(days=30)

CONTINUOUS = {
    "lognormal": LOGNORMAL,
    "empirical": EMPIRICAL,
    "empirical_zero_band": EMPIRICAL_ZERO_BAND,
    "exponential": EXPONENTIAL,
}
ALL = {**CONTINUOUS, "fixed": FIXED}


def _sd(dist) -> float:
    """Analytic standard deviation of a duration."""
    if isinstance(dist, Lognormal):
        return dist.mean * math.sqrt(math.expm1(dist.sigma**2))
    if isinstance(dist, Exponential):
        return dist.mean_days
    if isinstance(dist, Fixed):
        return 0.0
    w = np.asarray(dist.weights) / sum(dist.weights)
    a, b = np.asarray(dist.edges_days[:-1]), np.asarray(dist.edges_days[1:])
    second = float(np.sum(w * (a * a + a * b + b * b) / 3))
    return math.sqrt(second - dist.mean**2)


def _uniforms(seed: int, n: int = N) -> np.ndarray:
    return np.random.default_rng(seed).random(n)


# -- moments -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ALL))
def test_sample_mean_matches_declared_mean(name):
    dist = ALL[name]
    x = np.array([dist.sample(u) for u in _uniforms(1)])
    se = _sd(dist) / math.sqrt(N)
    tol = max(4 * se, 1e-9)
    assert abs(x.mean() - dist.mean) <= tol, (
        f"{name}: expected sample mean {dist.mean:.3f} +/- {tol:.3f} (4 standard errors), "
        f"found {x.mean():.3f}"
    )


@pytest.mark.parametrize("name", sorted(ALL))
def test_sample_sd_matches_analytic_sd(name):
    dist = ALL[name]
    x = np.array([dist.sample(u) for u in _uniforms(2)])
    sd = _sd(dist)
    assert x.std() == pytest.approx(sd, rel=0.08, abs=1e-9), (
        f"{name}: expected sample standard deviation {sd:.3f} (within 8%), found {x.std():.3f}"
    )


def test_lognormal_median_and_p90_are_the_declared_ones():
    assert LOGNORMAL.ppf(0.5) == pytest.approx(200, rel=1e-9), (
        f"expected median 200, found {LOGNORMAL.ppf(0.5)}"
    )
    assert LOGNORMAL.ppf(0.9) == pytest.approx(900, rel=1e-9), (
        f"expected 90th percentile 900, found {LOGNORMAL.ppf(0.9)}"
    )
    x = np.array([LOGNORMAL.sample(u) for u in _uniforms(3)])
    assert np.median(x) == pytest.approx(200, rel=0.05), (
        f"expected sample median ~200, found {np.median(x):.1f}"
    )


def test_exponential_and_fixed_declared_means():
    assert EXPONENTIAL.mean == 30, f"expected mean 30, found {EXPONENTIAL.mean}"
    assert FIXED.mean == 30, f"expected mean 30, found {FIXED.mean}"
    assert all(FIXED.sample(u) == 30 for u in (0.0, 0.5, 0.999999)), "fixed: every sample is 30"


def test_empirical_never_samples_a_zero_weight_band():
    x = np.array([EMPIRICAL_ZERO_BAND.sample(u) for u in _uniforms(4)])
    in_empty = np.sum(((x > 0) & (x < 10)) | ((x > 20) & (x < 30)))
    assert in_empty == 0, f"expected no samples inside zero-weight bands, found {in_empty}"
    share = np.mean((x >= 10) & (x <= 20))
    assert share == pytest.approx(0.75, abs=0.015), f"expected 75% in [10, 20], found {share:.3f}"


# -- ppf and cdf are inverses ------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CONTINUOUS))
def test_cdf_of_ppf_is_identity(name):
    dist = CONTINUOUS[name]
    for u in np.linspace(0.001, 0.999, 199):
        assert dist.cdf(dist.ppf(u)) == pytest.approx(u, abs=1e-9), (
            f"{name}: expected cdf(ppf({u:.3f})) = {u:.3f}, found {dist.cdf(dist.ppf(u)):.12f}"
        )


@pytest.mark.parametrize("name", ["lognormal", "empirical", "exponential"])
def test_ppf_of_cdf_is_identity(name):
    dist = CONTINUOUS[name]
    for t in np.linspace(dist.ppf(0.001), dist.ppf(0.999), 157):
        assert dist.ppf(dist.cdf(t)) == pytest.approx(t, rel=1e-7, abs=1e-7), (
            f"{name}: expected ppf(cdf({t:.4f})) = {t:.4f}, found {dist.ppf(dist.cdf(t)):.8f}"
        )


def test_fixed_cdf_is_a_step_at_its_value():
    assert FIXED.cdf(29.999) == 0.0 and FIXED.cdf(30) == 1.0, (
        f"expected cdf 0 below 30 and 1 from 30, found {FIXED.cdf(29.999)} and {FIXED.cdf(30)}"
    )


@pytest.mark.parametrize("name", sorted(CONTINUOUS))
def test_cdf_is_monotone_from_0_to_1(name):
    dist = CONTINUOUS[name]
    ts = np.linspace(-1, dist.ppf(0.9999) * 1.5, 500)
    f = np.array([dist.cdf(t) for t in ts])
    assert f[0] == 0.0 and f[-1] == pytest.approx(1.0, abs=2e-4), (
        f"{name}: expected cdf from 0 to 1, found {f[0]} to {f[-1]}"
    )
    assert np.all(np.diff(f) >= 0), f"{name}: expected a non-decreasing cdf"


# -- residual stays ----------------------------------------------------------------------------


def _rejection_residuals(dist, elapsed: float, seed: int, want: int = N) -> np.ndarray:
    """T - elapsed for draws of T kept when T > elapsed (the definition of a residual stay)."""
    rng = np.random.default_rng(seed)
    out: list[float] = []
    while len(out) < want:
        t = np.array([dist.sample(u) for u in rng.random(want)])
        out.extend((t[t > elapsed] - elapsed).tolist())
    return np.asarray(out[:want])


RESIDUAL_CASES = [
    ("lognormal", 0.0),
    ("lognormal", 150.0),
    ("lognormal", 900.0),
    ("empirical", 0.0),
    ("empirical", 100.0),
    ("empirical", 500.0),
    ("empirical_zero_band", 15.0),
    ("empirical_zero_band", 25.0),
    ("exponential", 0.0),
    ("exponential", 45.0),
]


@pytest.mark.parametrize(("name", "elapsed"), RESIDUAL_CASES)
def test_residual_is_conditional_remaining_time(name, elapsed):
    dist = CONTINUOUS[name]
    r = np.array([dist.sample_residual(u, elapsed) for u in _uniforms(5)])
    assert r.min() >= 0, f"{name}: expected residuals >= 0, found minimum {r.min()}"
    ref = _rejection_residuals(dist, elapsed, seed=6)
    ks = stats.ks_2samp(r, ref)
    assert ks.pvalue > 0.001, (
        f"{name}, elapsed {elapsed}: expected residuals distributed as T - {elapsed} given "
        f"T > {elapsed} (KS p > 0.001), found p = {ks.pvalue:.2g}, means {r.mean():.2f} "
        f"against {ref.mean():.2f} by rejection"
    )


@pytest.mark.parametrize("name", sorted(CONTINUOUS))
def test_residual_after_no_time_is_the_whole_stay(name):
    dist = CONTINUOUS[name]
    for u in np.linspace(0.01, 0.99, 25):
        assert dist.sample_residual(u, 0.0) == pytest.approx(dist.sample(u), rel=1e-9, abs=1e-9), (
            f"{name}: expected sample_residual(u, 0) = sample(u) at u = {u:.2f}"
        )


def test_exponential_residual_is_memoryless():
    r = np.array([EXPONENTIAL.sample_residual(u, 100.0) for u in _uniforms(7)])
    ks = stats.kstest(r, "expon", args=(0, 30))
    assert ks.pvalue > 0.001, (
        f"expected residual ~ Exponential(mean 30) whatever the elapsed time, found KS p = "
        f"{ks.pvalue:.2g}, mean {r.mean():.2f}"
    )


def test_residual_beyond_the_longest_stay_is_zero():
    assert EMPIRICAL.sample_residual(0.5, 2000.0) == 0.0, (
        f"expected 0 remaining after the last edge, found {EMPIRICAL.sample_residual(0.5, 2000.0)}"
    )
    assert FIXED.sample_residual(0.5, 40.0) == 0.0, (
        f"expected 0 left of a 30-day stay after 40 days, found {FIXED.sample_residual(0.5, 40)}"
    )
    assert FIXED.sample_residual(0.5, 12.0) == 18.0, (
        f"expected 18 remaining of a 30-day stay after 12, found {FIXED.sample_residual(0.5, 12)}"
    )
    far = LOGNORMAL.sample_residual(0.5, 1e6)
    assert far >= 0 and math.isfinite(far), f"expected a finite residual >= 0, found {far}"


# -- ByAge -------------------------------------------------------------------------------------

BY_AGE = ByAge(
    bands_from_age=(0, 1, 10, 16),
    durations=(
        Lognormal(median_days=640, p90_days=1500),
        Fixed(days=100),
        Exponential(mean_days=400),
        Empirical(edges_days=(0, 100, 300), weights=(1, 3)),
    ),
)


@pytest.mark.parametrize(
    ("age", "band"),
    [(0.0, 0), (0.99, 0), (1.0, 1), (9.5, 1), (10, 2), (15.999, 2), (16, 3), (17.9, 3), (25, 3)],
)
def test_by_age_picks_the_band_of_the_age(age, band):
    assert BY_AGE.for_age(age) is BY_AGE.durations[band], (
        f"expected age {age} in band {band} ({BY_AGE.durations[band]!r}), "
        f"found {BY_AGE.for_age(age)!r}"
    )


@pytest.mark.parametrize("age", [0.5, 5.0, 12.0, 17.0])
def test_by_age_sample_mean_matches_its_band(age):
    dist = BY_AGE.for_age(age)
    x = np.array([dist.sample(u) for u in _uniforms(8)])
    tol = max(4 * _sd(dist) / math.sqrt(N), 1e-9)
    assert abs(x.mean() - dist.mean) <= tol, (
        f"age {age}: expected mean {dist.mean:.2f} +/- {tol:.2f}, found {x.mean():.2f}"
    )


# -- validation --------------------------------------------------------------------------------

DURATION = TypeAdapter(DurationSpec)


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"kind": "lognormal", "median_days": 100, "p90_days": 50}, "p90_days must be greater"),
        ({"kind": "lognormal", "median_days": 100, "p90_days": 100}, "p90_days must be greater"),
        ({"kind": "lognormal", "median_days": 0, "p90_days": 100}, "median_days"),
        (
            {"kind": "empirical", "edges_days": [0, 10, 10, 20], "weights": [1, 1, 1]},
            "edges_days must increase strictly",
        ),
        (
            {"kind": "empirical", "edges_days": [0, 20, 10], "weights": [1, 1]},
            "edges_days must increase strictly",
        ),
        (
            {"kind": "empirical", "edges_days": [-5, 10, 20], "weights": [1, 1]},
            "edges_days must start at 0",
        ),
        (
            {"kind": "empirical", "edges_days": [0, 10, 20], "weights": [1, 1, 1]},
            "edges_days needs one more value than weights",
        ),
        (
            {"kind": "empirical", "edges_days": [0, 10, 20], "weights": [1, -1]},
            "weights must be >= 0",
        ),
        ({"kind": "empirical", "edges_days": [0, 10, 20], "weights": [0, 0]}, "positive total"),
        ({"kind": "exponential", "mean_days": 0}, "mean_days"),
        ({"kind": "exponential", "mean_days": -3}, "mean_days"),
        ({"kind": "fixed", "days": -1}, "days"),
        ({"kind": "fixed", "days": 1, "mean_days": 3}, "mean_days"),
        ({"kind": "weibull", "shape": 2}, "weibull"),
    ],
)
def test_invalid_duration_raises_validation_error_naming_the_problem(spec, words):
    with pytest.raises(ValidationError) as info:
        DURATION.validate_python(spec)
    assert words in str(info.value), (
        f"expected a ValidationError mentioning {words!r} for {spec}, found:\n{info.value}"
    )


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        (
            {"bands_from_age": [1, 10], "durations": [{"kind": "fixed", "days": 1}] * 2},
            "bands_from_age must start at 0",
        ),
        (
            {"bands_from_age": [0, 10], "durations": [{"kind": "fixed", "days": 1}]},
            "need the same length",
        ),
    ],
)
def test_invalid_by_age_raises_validation_error(spec, words):
    with pytest.raises(ValidationError) as info:
        ByAge.model_validate(spec)
    assert words in str(info.value), (
        f"expected a ValidationError mentioning {words!r}, found:\n{info.value}"
    )


def test_distributions_are_frozen():
    with pytest.raises(ValidationError):
        LOGNORMAL.median_days = 5  # parameters cannot change during a run


# -- the published C2 assessment table ---------------------------------------------------------


def test_c2_assessment_durations_match_published_quantiles(england_params):
    """DfE Children in need 2025, C2: median 33, p25 17, p75 43 working days; ~86% within 45."""
    c2 = DURATION.validate_python(england_params["assessment"]["duration_working_days"])
    assert isinstance(c2, Empirical), f"expected an empirical C2 table, found {c2!r}"
    median, p25, p75 = c2.ppf(0.5), c2.ppf(0.25), c2.ppf(0.75)
    assert abs(median - 33) <= 0.05, (
        f"expected median 33 working days (bands cut there), found {median:.2f}"
    )
    assert abs(p25 - 17) <= 0.05, f"expected p25 17 working days (bands cut there), found {p25:.2f}"
    assert abs(p75 - 43) <= 0.05, f"expected p75 43 working days (bands cut there), found {p75:.2f}"
    within_45 = c2.cdf(45)
    assert within_45 == pytest.approx(0.86, abs=0.01), (
        f"expected ~86% of assessments within 45 working days, found {within_45:.1%}"
    )
    x = np.array([c2.sample(u) for u in _uniforms(9)])
    assert np.median(x) == pytest.approx(median, abs=0.5), (
        f"expected sample median {median:.2f}, found {np.median(x):.2f}"
    )
    assert np.mean(x <= 45) == pytest.approx(within_45, abs=0.01), (
        f"expected {within_45:.1%} of samples within 45 working days, found {np.mean(x <= 45):.1%}"
    )
    assert c2.mean == pytest.approx(30.84, abs=0.05), (
        f"expected mean 30.84 working days (as the opening stock assumes), found {c2.mean:.2f}"
    )


def test_split_at_quantiles_puts_each_quantile_on_a_new_edge():
    from calibration.england import split_at_quantiles

    edges, weights = split_at_quantiles([0, 10, 20], [50, 50], {0.25: 4, 0.5: 10, 0.9: 30})
    assert edges == [0, 4, 10, 20] and weights == [25, 25, 50], (
        f"expected the first band cut at 4 with 25 on each side (0.5 on an edge and 0.9 outside "
        f"change nothing), found {edges} {weights}"
    )
    table = Empirical(edges_days=tuple(edges), weights=tuple(weights))
    assert table.ppf(0.25) == pytest.approx(4.0), f"expected p25 4, found {table.ppf(0.25)}"
