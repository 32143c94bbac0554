"""Duration distributions, sampled by inverse transform from a uniform.

Each distribution validates its parameters when built, has a readable ``repr``, declares its
``mean``, and samples with ``sample(u)`` from a uniform ``u`` (so a family's counter-based draw
or a numpy draw can drive it). ``sample_residual(u, elapsed)`` draws the remaining time of a stay
that has already lasted ``elapsed`` days, from the distribution conditioned on ``T > elapsed``:
this is what makes stays depend on time in state (not memoryless) and seeds the opening
caseload consistently. All times are in days.

In YAML a duration is written in analysts' terms, e.g.::

    {kind: lognormal, median_days: 200, p90_days: 900}
    {kind: empirical, edges_days: [0, 91, 182, 365, 730], weights: [15.9, 11, 43.5, 29.6]}
    {kind: fixed, days: 30}
    {kind: exponential, mean_days: 30}
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable
from functools import cached_property, partial
from statistics import NormalDist
from typing import TYPE_CHECKING, Annotated, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.core import quantiles

_STD_NORMAL = NormalDist()
_Z90 = _STD_NORMAL.inv_cdf(0.9)
_U_MAX = quantiles.U_MAX


class Duration(Protocol):
    """What the model needs of a duration."""

    @property
    def mean(self) -> float: ...

    def sample(self, u: float) -> float: ...

    def sample_residual(self, u: float, elapsed: float) -> float: ...

    def cdf(self, t: float) -> float: ...


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    if TYPE_CHECKING:  # every distribution defines its own; declared here for the type checker

        def cdf(self, t: float) -> float: ...

        def ppf(self, u: float) -> float: ...

    def sample_residual(self, u: float, elapsed: float) -> float:
        """Remaining days of a stay that has lasted ``elapsed`` days (``T | T > elapsed``)."""
        f0 = self.cdf(elapsed)
        if f0 >= _U_MAX:
            return 0.0
        return max(0.0, self.ppf(f0 + u * (1.0 - f0)) - elapsed)

    def sample(self, u: float) -> float:
        """One duration in days from a uniform ``u`` in [0, 1)."""
        return self.ppf(u)

    def sampler(self) -> Callable[[float], float]:
        """``sample`` as a plain function of ``u`` (the model looks it up once per run and
        calls it for every stay: for most distributions a compiled quantile function)."""
        return self.sample


class Fixed(_Base):
    """Always the same number of days (for deterministic tests)."""

    kind: Literal["fixed"] = "fixed"
    days: float = Field(ge=0)

    @property
    def mean(self) -> float:
        return self.days

    def ppf(self, u: float) -> float:
        return self.days

    def cdf(self, t: float) -> float:
        return 1.0 if t >= self.days else 0.0

    def sample_residual(self, u: float, elapsed: float) -> float:
        return max(0.0, self.days - elapsed)


class Exponential(_Base):
    """Memoryless stay: only where evidence shows it, and for analytic queueing checks."""

    kind: Literal["exponential"] = "exponential"
    mean_days: float = Field(gt=0)

    @property
    def mean(self) -> float:
        return self.mean_days

    def ppf(self, u: float) -> float:
        return quantiles.exponential(self.mean_days, u)

    def sampler(self) -> Callable[[float], float]:
        return partial(quantiles.exponential, self.mean_days)

    def cdf(self, t: float) -> float:
        return 0.0 if t <= 0 else -math.expm1(-t / self.mean_days)


class Lognormal(_Base):
    """Right-skewed stay given by its median and 90th percentile in days."""

    kind: Literal["lognormal"] = "lognormal"
    median_days: float = Field(gt=0)
    p90_days: float = Field(gt=0)

    @model_validator(mode="after")
    def _p90_above_median(self) -> Lognormal:
        if self.p90_days <= self.median_days:
            raise ValueError(
                f"p90_days must be greater than median_days ({self.p90_days} <= {self.median_days})"
            )
        return self

    @cached_property
    def sigma(self) -> float:
        return math.log(self.p90_days / self.median_days) / _Z90

    @property
    def mean(self) -> float:
        return self.median_days * math.exp(self.sigma**2 / 2)

    def ppf(self, u: float) -> float:
        return quantiles.lognormal(self.median_days, self.sigma, u)

    sample = ppf  # one call fewer on the model's most frequent duration

    def sampler(self) -> Callable[[float], float]:
        return partial(quantiles.lognormal, self.median_days, self.sigma)

    def cdf(self, t: float) -> float:
        if t <= 0:
            return 0.0
        return _STD_NORMAL.cdf(math.log(t / self.median_days) / self.sigma)


class Empirical(_Base):
    """A published duration table: share of stays in each band, uniform within a band."""

    kind: Literal["empirical"] = "empirical"
    edges_days: tuple[float, ...]
    weights: tuple[float, ...]

    @model_validator(mode="after")
    def _consistent(self) -> Empirical:
        if len(self.edges_days) != len(self.weights) + 1:
            raise ValueError(
                f"edges_days needs one more value than weights "
                f"({len(self.edges_days)} edges, {len(self.weights)} weights)"
            )
        if any(b <= a for a, b in zip(self.edges_days, self.edges_days[1:], strict=False)):
            raise ValueError(f"edges_days must increase strictly, got {list(self.edges_days)}")
        if self.edges_days[0] < 0:
            raise ValueError(f"edges_days must start at 0 or more, got {self.edges_days[0]}")
        if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
            raise ValueError(
                f"weights must be >= 0 with a positive total, got {list(self.weights)}"
            )
        return self

    @cached_property
    def _cum(self) -> list[float]:
        total = sum(self.weights)
        cum, acc = [0.0], 0.0
        for w in self.weights:
            acc += w / total
            cum.append(acc)
        cum[-1] = 1.0
        return cum

    @property
    def mean(self) -> float:
        total = sum(self.weights)
        return sum(
            w / total * (a + b) / 2
            for w, a, b in zip(self.weights, self.edges_days, self.edges_days[1:], strict=False)
        )

    def ppf(self, u: float) -> float:
        return quantiles.empirical(self.edges_days, self._cum, u)

    sample = ppf

    def sampler(self) -> Callable[[float], float]:
        return partial(quantiles.empirical, self.edges_days, self._cum)

    def cdf(self, t: float) -> float:
        e = self.edges_days
        if t <= e[0]:
            return 0.0
        if t >= e[-1]:
            return 1.0
        cum = self._cum
        i = bisect_right(e, t) - 1
        return cum[i] + (cum[i + 1] - cum[i]) * (t - e[i]) / (e[i + 1] - e[i])


DurationSpec = Annotated[Fixed | Exponential | Lognormal | Empirical, Field(discriminator="kind")]


class ByAge(BaseModel):
    """A duration that depends on the child's age: one distribution per age band.

    ``bands_from_age`` lists each band's lowest age in years (first must be 0).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    bands_from_age: tuple[float, ...]
    durations: tuple[DurationSpec, ...]

    @model_validator(mode="after")
    def _consistent(self) -> ByAge:
        if len(self.bands_from_age) != len(self.durations):
            raise ValueError(
                f"bands_from_age and durations need the same length "
                f"({len(self.bands_from_age)} != {len(self.durations)})"
            )
        if not self.bands_from_age or self.bands_from_age[0] != 0:
            raise ValueError("bands_from_age must start at 0")
        return self

    def for_age(self, age_years: float) -> Duration:
        """The distribution of the band that ``age_years`` falls in."""
        return self.durations[max(0, bisect_right(self.bands_from_age, age_years) - 1)]
