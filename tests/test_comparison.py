"""Which runs a comparison makes.

The dashboard shows the pilot with its effects sampled, so it runs the baseline and the sampled
runs only; the CLI still runs both effect modes.
"""

from __future__ import annotations

import pandas as pd
import pytest

from sim.api import build_scenario, builtin_policies, run_comparison
from sim.comparison import BASELINE, plan, run_count

FS = "Family Safeguarding"
SAMPLED = ("sampled",)
RESULTS = ("monthly", "paired", "costs", "summary")


def small(**changes):
    """Family Safeguarding in a council of 8,000 children over 2 years, 2 replications."""
    choices = {"population": 8000, "years": 2, "replications": 2, **changes}
    return build_scenario(policies=[builtin_policies()[FS]], **choices)


def sampled_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The baseline's rows and those with effects sampled, renumbered."""
    return frame[frame["effects"] != "central"].reset_index(drop=True)


@pytest.fixture(scope="module")
def sampled_only():
    """The dashboard's comparison of ``small()``, in this process."""
    return run_comparison(small(), effects=SAMPLED)


def test_plan_with_sampled_effects_runs_the_baseline_and_the_sampled_pilot_only():
    sc = small()
    runs = plan(sc, 2, effects=SAMPLED)
    got = [(k.variant, k.effects, k.replication, sampled) for k, _, sampled in runs]
    assert got == [
        (BASELINE, "none", 0, False),
        (FS, "sampled", 0, True),
        (BASELINE, "none", 1, False),
        (FS, "sampled", 1, True),
    ], f"expected baseline and sampled runs per replication, found {got}"
    assert run_count(sc, 2, SAMPLED) == len(runs)
    full = [(k.variant, k.effects, k.replication) for k, _, _ in plan(sc, 2)]
    assert [e for _, e, r in full if r == 0] == ["none", "central", "sampled"], (
        f"expected the default plan to keep both effect modes, found {full}"
    )
    assert run_count(sc, 2) == len(full) == 6


@pytest.mark.parametrize(
    "effects, says",
    [
        ("sampled", "a tuple of effect modes"),
        (("sampld",), "unknown mode 'sampld'"),
        ((), "one or both"),
        (("sampled", "sampled"), "each once"),
        (None, "a tuple of effect modes"),
    ],
)
def test_a_bad_effects_value_is_a_clear_value_error(effects, says):
    with pytest.raises(ValueError, match=f"effects: .*{says}"):
        plan(small(), 2, effects=effects)
    with pytest.raises(ValueError, match="effects: "):
        run_comparison(small(), effects=effects)


def test_sampled_only_comparison_gives_the_full_comparisons_sampled_numbers(sampled_only):
    full = run_comparison(small())
    assert set(sampled_only["summary"]["effects"]) == {"sampled"}
    assert set(sampled_only["monthly"]["effects"]) == {"none", "sampled"}
    for name in RESULTS:
        pd.testing.assert_frame_equal(
            sampled_only[name], sampled_rows(full[name]), check_exact=True, obj=name
        )
