"""Random streams: uniform, reproducible, independent per family, stream and replication."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.core.streams import FamilyDraws, Stream, Streams

SEED = 20250401


def _draws(seed: int, rep: int, family: int, stream: Stream, n: int) -> list[float]:
    d = Streams(seed, rep).family(family)
    return [d.uniform(stream) for _ in range(n)]


def test_family_draws_lie_in_unit_interval_and_look_uniform():
    d = Streams(SEED, 0).family(42)
    x = np.array([d.uniform(Stream.ASSESSMENT) for _ in range(20_000)])
    assert x.min() >= 0.0 and x.max() < 1.0, (
        f"expected draws in [0, 1), found min {x.min()} max {x.max()}"
    )
    p = stats.kstest(x, "uniform").pvalue
    assert p > 0.001, f"expected uniform draws along one stream (KS p > 0.001), found p = {p:.2g}"


def test_first_draws_across_families_look_uniform_and_independent():
    s = Streams(SEED, 0)
    x = np.array([s.family(f).uniform(Stream.FRONT_DOOR) for f in range(20_000)])
    p = stats.kstest(x, "uniform").pvalue
    assert p > 0.001, f"expected uniform first draws across families (KS p > 0.001), found {p:.2g}"
    r = np.corrcoef(x[:-1], x[1:])[0, 1]
    assert abs(r) < 0.03, f"expected no lag-1 correlation between families, found r = {r:.4f}"


def test_draws_across_streams_of_one_family_are_uncorrelated():
    s = Streams(SEED, 0)
    a, b = [], []
    for f in range(5_000):
        d = s.family(f)
        a.append(d.uniform(Stream.ASSESSMENT))
        b.append(d.uniform(Stream.CIN_PLAN))
    r = np.corrcoef(a, b)[0, 1]
    assert abs(r) < 0.05, f"expected uncorrelated streams, found r = {r:.4f}"


def test_same_key_gives_same_draws():
    a = _draws(SEED, 3, 1234, Stream.CP_PLAN, 50)
    b = _draws(SEED, 3, 1234, Stream.CP_PLAN, 50)
    assert a == b, "expected identical draws for the same (seed, replication, family, stream, n)"


def test_nth_draw_of_a_stream_does_not_depend_on_other_streams():
    """Common random numbers: drawing on one stream leaves every other stream's draws alone."""
    plain = Streams(SEED, 0).family(7)
    busy = Streams(SEED, 0).family(7)
    for _ in range(13):
        busy.uniform(Stream.EARLY_HELP)
    x = [plain.uniform(Stream.ASSESSMENT) for _ in range(5)]
    y = [busy.uniform(Stream.ASSESSMENT) for _ in range(5)]
    assert x == y, f"expected the same assessment draws whatever else was drawn, found {x} vs {y}"


@pytest.mark.parametrize(
    ("other", "what"),
    [
        ((SEED + 1, 0, 1234, Stream.CP_PLAN), "seed"),
        ((SEED, 1, 1234, Stream.CP_PLAN), "replication"),
        ((SEED, 0, 1235, Stream.CP_PLAN), "family"),
        ((SEED, 0, 1234, Stream.CIN_PLAN), "stream"),
    ],
)
def test_changing_any_key_changes_the_draws(other, what):
    base = _draws(SEED, 0, 1234, Stream.CP_PLAN, 20)
    changed = _draws(*other, 20)
    same = sum(x == y for x, y in zip(base, changed, strict=True))
    assert same == 0, (
        f"expected a different {what} to give different draws, found {same} equal of 20"
    )


def test_successive_draws_differ():
    x = _draws(SEED, 0, 1, Stream.RECONTACT, 1000)
    assert len(set(x)) == 1000, f"expected 1000 distinct draws, found {len(set(x))}"


def test_family_draws_are_keyed_objects():
    a, b = FamilyDraws(99), FamilyDraws(99)
    assert a.uniform(Stream.NEED) == b.uniform(Stream.NEED), "expected equal keys to draw alike"


def test_generator_is_reproducible_and_differs_by_stream_and_replication():
    g1 = Streams(SEED, 2).generator(Stream.CONTACTS).random(100)
    g2 = Streams(SEED, 2).generator(Stream.CONTACTS).random(100)
    assert np.array_equal(g1, g2), "expected the same generator draws for the same key"
    for other, what in (
        (Streams(SEED, 2).generator(Stream.UASC), "stream"),
        (Streams(SEED, 3).generator(Stream.CONTACTS), "replication"),
        (Streams(SEED + 1, 2).generator(Stream.CONTACTS), "seed"),
    ):
        x = other.random(100)
        assert not np.any(x == g1), f"expected a different {what} to give different draws"


def test_stream_ids_are_fixed():
    """Stream ids are append-only: renumbering would change every later stream's draws."""
    expected = {
        "CONTACTS": 1,
        "FRONT_DOOR": 2,
        "EARLY_HELP": 3,
        "ASSESSMENT": 4,
        "CIN_PLAN": 5,
        "S47_ENQUIRY": 6,
        "ICPC": 7,
        "CP_PLAN": 8,
        "PROCEEDINGS": 9,
        "LOOKED_AFTER": 10,
        "CARE_EXIT": 11,
        "RECONTACT": 12,
        "OPENING_CASELOAD": 13,
        "UASC": 14,
        "NEED": 15,
        "HISTORY": 16,
        "EFFECT_SIZES": 17,
        "SIBLINGS": 18,
    }
    found = {s.name: s.value for s in Stream if s.name in expected}
    assert found == expected, f"expected stream ids {expected}, found {found}"
    assert len({s.value for s in Stream}) == len(Stream), "expected every stream id unique"


def test_stored_draws_are_stable():
    """A small back test: a changed mixer or seeding would silently change every run's numbers."""
    family = Streams(1, 0).family(0).uniform(Stream.CONTACTS)
    system = Streams(1, 0).generator(Stream.CONTACTS).random()
    assert family == 0.6210782240983025, (
        f"expected stored family draw 0.6210782240983025, found {family!r}"
    )
    assert system == 0.5684131628211231, (
        f"expected stored generator draw 0.5684131628211231, found {system!r}"
    )


def _splitmix64(z: int) -> int:
    """SplitMix64's finaliser written out in Python's integers (the reference)."""
    mask = (1 << 64) - 1
    z = (z + 0x9E3779B97F4A7C15) & mask
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    return z ^ (z >> 31)


@pytest.mark.parametrize("z", [0, 1, 0x5A5A, 5 << 40, (1 << 58) + 3, 1 << 63, (1 << 64) - 1])
def test_the_family_key_hash_is_splitmix64_over_the_whole_64_bit_range(z):
    """Compiled, the hash is C arithmetic on 64 bits: it wraps exactly as Python's masked
    integers do, up to the largest key."""
    from sim.core.streams import _mix

    assert _mix(z) == _splitmix64(z), f"_mix({z:#x}) = {_mix(z):#x}, expected {_splitmix64(z):#x}"


def test_a_familys_key_and_draws_follow_from_the_seed_replication_and_id():
    streams = Streams(20250401, 3)
    key = _splitmix64(_splitmix64(20250401) ^ _splitmix64(3 + 0x5A5A))
    for family_id in (0, 17, (3 << 40) + 5):
        expected = _splitmix64(key ^ _splitmix64(family_id))
        a, b = streams.family(family_id), FamilyDraws(expected)
        assert [a.uniform(Stream.CIN_PLAN) for _ in range(3)] == [
            b.uniform(Stream.CIN_PLAN) for _ in range(3)
        ], f"family {family_id}: draws not those of its key"
