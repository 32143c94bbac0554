"""Arrivals' single draws by share: the same index and the same stream as numpy's ``choice``."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.arrivals import cumulative_shares, draw_index, draw_locality, shares

WEIGHTS = [
    tuple(float(w) for w in np.linspace(1, 18, 18)),  # rising, like ages on starting care
    (0.0, 0.0, 3.0, 0.0, 1.0, 0.0, 0.0, 2.0),  # zeros are never drawn
    (0.2, 0.3, 0.5),  # a council's three localities
    (1e-9, 1.0, 1e-9),  # nearly certain
]


@pytest.mark.parametrize("weights", WEIGHTS)
def test_draw_index_draws_what_numpy_choice_draws(weights: tuple[float, ...]) -> None:
    """Over 20,000 draws per seed, each index equals ``rng.choice(len, p=shares(weights))``'s,
    and the two generators stay in step (the next draws agree)."""
    cdf = cumulative_shares(weights)
    p = shares(weights)
    for seed in (0, 1, 2**40 + 7):
        ours, numpy_s = np.random.default_rng(seed), np.random.default_rng(seed)
        drawn = [draw_index(ours, cdf) for _ in range(20_000)]
        expected = [int(numpy_s.choice(len(weights), p=p)) for _ in range(20_000)]
        assert drawn == expected
        assert ours.random() == numpy_s.random()
        for i, w in enumerate(weights):
            if w == 0.0:
                assert i not in drawn


def test_one_locality_takes_no_draw() -> None:
    """A council of one locality draws nothing for it: the stream moves on as if unread."""
    rng, untouched = np.random.default_rng(5), np.random.default_rng(5)
    assert draw_locality(rng, cumulative_shares((1.0,))) == 0
    assert rng.random() == untouched.random()


def test_cumulative_shares_end_at_one() -> None:
    """The last running share is exactly 1, so every uniform in [0, 1) finds an index."""
    for weights in WEIGHTS:
        cdf = cumulative_shares(weights)
        assert cdf[-1] == 1.0
        assert cdf == sorted(cdf)
