"""Random streams: one independent stream per process and decision, so scenarios compare fairly.

Two kinds of stream, both keyed by ``(seed, replication, stream)``:

* :meth:`Streams.generator` hands out a :class:`numpy.random.Generator` for whole-system draws
  (how many contacts arrive today and who they are, the opening caseload, UASC arrivals).
* :class:`FamilyDraws` gives each family its own counter-based uniforms, keyed by the family's
  id as well, so that when a policy changes one family's path no other family's draws shift
  (common random numbers; ``design/style.md`` section 2.3). A counter-based hash (SplitMix64)
  costs about a third of a microsecond a draw, against about nine microseconds to build a
  numpy Generator per family, which matters at 200,000 families a run.

``Stream`` values are fixed and append-only: renumbering would change every later stream.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

_MASK = 0xFFFFFFFFFFFFFFFF
#: SplitMix64's increment and its two multipliers (Steele, Lea and Flood 2014). Named here so
#: the compiled build can give them a 64-bit C type (``streams.pxd``): as literals above 2**63
#: they were Python integers, and a family's draw did its arithmetic in Python's big integers.
_GOLDEN = 0x9E3779B97F4A7C15
_MIX1 = 0xBF58476D1CE4E5B9
_MIX2 = 0x94D049BB133111EB
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53: 53 random bits to a float in [0, 1)


class Stream(IntEnum):
    """Every source of randomness in the model, with a fixed id (append only)."""

    CONTACTS = 1
    FRONT_DOOR = 2
    EARLY_HELP = 3
    ASSESSMENT = 4
    CIN_PLAN = 5
    S47_ENQUIRY = 6
    ICPC = 7
    CP_PLAN = 8
    PROCEEDINGS = 9
    LOOKED_AFTER = 10
    CARE_EXIT = 11
    RECONTACT = 12
    OPENING_CASELOAD = 13
    UASC = 14
    NEED = 15
    HISTORY = 16
    EFFECT_SIZES = 17
    SIBLINGS = 18
    RECENT_RETURNS = 19
    RETURN_BREAKDOWN = 20
    UNIT_COSTS = 21
    YOUTH_JUSTICE = 22
    FUTURE = 23
    PLACEMENT_MOVE = 24
    NEWBORN = 25
    OPENING_PROCEEDINGS = 26
    STOCK_DRIFT = 27


_N_STREAMS = max(Stream) + 1
#: First number of the key of a stream every replication shares (:meth:`Streams.shared_generator`).
_SHARED_KEY = 0xBA1A


def _mix(z: int) -> int:
    """SplitMix64 finaliser: a bijective 64-bit hash with good avalanche."""
    z = (z + _GOLDEN) & _MASK
    z = ((z ^ (z >> 30)) * _MIX1) & _MASK
    z = ((z ^ (z >> 27)) * _MIX2) & _MASK
    return z ^ (z >> 31)


class Streams:
    """Hands out the random streams of one replication of one scenario.

    Parameters
    ----------
    seed : int
        The scenario's seed.
    replication : int
        Replication number (0-based).
    """

    def __init__(self, seed: int, replication: int) -> None:
        self.seed = int(seed)
        self.replication = int(replication)
        self._family_key = _mix(_mix(self.seed & _MASK) ^ _mix(self.replication + 0x5A5A))

    def generator(self, stream: Stream) -> np.random.Generator:
        """A numpy Generator for one system-level stream of this replication."""
        ss = np.random.SeedSequence(entropy=self.seed, spawn_key=(self.replication, int(stream)))
        return np.random.Generator(np.random.PCG64(ss))

    def shared_generator(self, stream: Stream, block: int = 0) -> np.random.Generator:
        """A numpy Generator for ``stream`` that every replication of the scenario shares (the
        same in each; ``block`` numbers successive sets of replications), for draws balanced
        across replications."""
        key = (_SHARED_KEY, int(block), int(stream))  # three numbers: no replication's key
        return np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=key))
        )

    def family(self, family_id: int) -> FamilyDraws:
        """The counter-based draws of one family in this replication."""
        return FamilyDraws(_mix(self._family_key ^ _mix(family_id)))


class FamilyDraws:
    """Uniform draws for one family: the n-th draw of stream s is a hash of (key, s, n).

    The same family makes the same n-th draw for the same decision in every scenario of a
    comparison, whatever happened to other families. (The hash is :func:`_mix` written out in
    place: this is the model's most frequent call.)
    """

    __slots__ = ("_counters", "_key")

    def __init__(self, key: int) -> None:
        self._key = key
        self._counters = [0] * _N_STREAMS

    def uniform(self, stream: Stream) -> float:
        """Next uniform in [0, 1) on this family's ``stream``."""
        counters = self._counters
        n = counters[stream]
        counters[stream] = n + 1
        z = ((self._key ^ ((stream << 40) + n)) + _GOLDEN) & _MASK
        z = ((z ^ (z >> 30)) * _MIX1) & _MASK
        z = ((z ^ (z >> 27)) * _MIX2) & _MASK
        return ((z ^ (z >> 31)) >> 11) * _TO_UNIT
