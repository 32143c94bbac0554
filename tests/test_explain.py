"""The plain-words line under the looked-after chart says what the run's own flows say."""

import pandas as pd
import pytest
from conftest import make_scenario

from sim.experiments.experiment import single_run
from sim.experiments.outputs import monthly_frame
from sim.reporting.explain import about, looked_after_in_words


def _monthly(entries: float, exits: float, start: float, months: int = 60, reps: int = 2):
    """A hand-made run: ``entries`` and ``exits`` a year, spread evenly over the months."""
    rows = []
    for r in range(reps):
        stock = start
        for m in range(months):
            stock += (entries - exits) / 12
            month = f"{2025 + (m + 3) // 12}-{(m + 3) % 12 + 1:02d}"
            for measure, value in (
                ("care_entries", entries / 12),
                ("care_exits", exits / 12),
                ("looked_after", stock),
            ):
                rows.append({"replication": r, "month": month, "measure": measure, "value": value})
    return pd.DataFrame(rows)


def test_dorset_like_flows_read_as_a_slow_fall():
    text = looked_after_in_words(_monthly(138, 149, 437))
    expected = (
        "About 140 children start care a year and 150 leave: the number looked after falls slowly"
    )
    assert text.startswith(expected), f"expected {expected!r}..., found {text!r}"
    assert "from about 440 to about 380 over 5 years" in text, f"found {text!r}"


@pytest.mark.parametrize(
    ("entries", "exits", "words"),
    [
        (100, 100, "stays about level"),
        (120, 100, "rises,"),  # +20 a year on 300: about 6% a year
        (100, 106, "falls slowly"),
    ],
)
def test_direction_and_pace_follow_the_flows(entries, exits, words):
    text = looked_after_in_words(_monthly(entries, exits, 300))
    assert words in text, f"expected {words!r} for {entries} in and {exits} out, found {text!r}"


def test_a_comparison_frame_explains_the_variant_asked_for():
    base = _monthly(100, 100, 300).assign(variant="baseline")
    pilot = _monthly(80, 100, 300).assign(variant="pilot")
    frame = pd.concat([base, pilot])
    assert "stays about level" in looked_after_in_words(frame)
    assert "About 80 children start care" in looked_after_in_words(frame, "pilot")


def test_missing_flows_are_named():
    frame = _monthly(100, 100, 300)
    with pytest.raises(ValueError, match="care_exits"):
        looked_after_in_words(frame[frame["measure"] != "care_exits"])


def test_counts_are_rounded_as_people_say_them():
    found = [about(n) for n in (7.4, 23, 138, 1234)]
    assert found == ["7", "25", "140", "1,230"], f"found {found}"


def test_a_real_run_is_explained_from_its_own_flows():
    monthly = monthly_frame(single_run(make_scenario(population=10_000, years=1), 0))
    entries = monthly.loc[monthly["measure"] == "care_entries", "value"].sum()
    text = looked_after_in_words(monthly)
    assert text.startswith(f"About {about(entries)} children start care a year"), (
        f"expected the run's {entries:.0f} entries in the year, found {text!r}"
    )
