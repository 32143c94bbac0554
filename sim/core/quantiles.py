"""Quantile functions of the duration distributions, as plain functions of numbers.

Every stage draws its duration by inverse transform: a family's uniform ``u`` through the
distribution's quantile function (:mod:`sim.core.distributions`). The distributions are pydantic
models (they are read from files and validated); these functions are what their ``ppf`` computes,
taking the distribution's numbers as arguments, so the compiled build runs them as C
(``quantiles.pxd``) and the model can call them without going through the model objects
(:meth:`sim.core.distributions.Lognormal.sampler`). The same operations in the same order as
before: the same days, bit for bit.
"""

from __future__ import annotations

import math
import statistics
from bisect import bisect_right
from collections.abc import Sequence

#: The standard normal's quantile as ``statistics.NormalDist().inv_cdf`` computes it (Wichura's
#: AS241, in C where Python has its accelerator), without the method call around it.
_normal_inv_cdf = statistics._normal_dist_inv_cdf  # type: ignore[attr-defined]
#: Uniforms are kept inside (0, 1) by this much (a quantile of 0 or 1 is not finite).
U_MIN = 1e-12
U_MAX = 1.0 - 1e-12
_U_MIN, _U_MAX = U_MIN, U_MAX  # C doubles in the compiled build (quantiles.pxd)


def lognormal(median_days: float, sigma: float, u: float) -> float:
    """The ``u`` quantile of a lognormal with this median and log-scale ``sigma``."""
    u = min(max(u, _U_MIN), _U_MAX)
    return median_days * math.exp(sigma * _normal_inv_cdf(u, 0.0, 1.0))


def exponential(mean_days: float, u: float) -> float:
    """The ``u`` quantile of an exponential with this mean."""
    return -mean_days * math.log1p(-min(u, _U_MAX))


def empirical(edges_days: Sequence[float], cum: Sequence[float], u: float) -> float:
    """The ``u`` quantile of a banded table: ``cum`` the cumulative shares at the band edges
    ``edges_days`` (uniform within a band; a band with no share is skipped)."""
    last = len(cum) - 2  # the last band
    i = min(bisect_right(cum, u) - 1, last)
    while i > 0 and cum[i + 1] == cum[i]:
        i -= 1
    lo, hi = edges_days[i], edges_days[i + 1]
    width = cum[i + 1] - cum[i]
    frac = 0.0 if width <= 0 else (u - cum[i]) / width
    return lo + min(max(frac, 0.0), 1.0) * (hi - lo)
