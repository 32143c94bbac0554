"""Ranges as the evidence says (issue 25, point 5).

An effect whose evaluation does not exclude no effect or harm (a before/after design, a trial
that was not significant or has not reported, testimony, a prior with no impact estimate) must
have a range that reaches 1 and goes past it, each end with its reason; only a randomised trial
whose result excludes 1 keeps a range that stops short of it. The report and the dashboard flag
the first kind in plain words.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sim.inputs.policies import Effect, Policy
from sim.reporting.context import evidence_rows
from sim.reporting.labels import NO_EFFECT_WARNING, effect_warnings, range_warning

POLICY_DIR = Path(__file__).resolve().parents[1] / "scenarios" / "policies"
BUILTIN = {
    f.name: Policy.model_validate(yaml.safe_load(f.read_text(encoding="utf-8")))
    for f in sorted(POLICY_DIR.glob("*.yaml"))
}
EFFECTS = [(file, e) for file, p in BUILTIN.items() for e in p.effects]
IDS = [f"{file}:{e.target}" for file, e in EFFECTS]


def trial_excludes_no_effect(e: Effect) -> bool:
    """A randomised trial whose result was significant (the design says so in words)."""
    design = e.design.lower()
    return "rct" in design and "significant" in design and "not significant" not in design


@pytest.mark.parametrize(("file", "effect"), EFFECTS, ids=IDS)
def test_a_range_reaches_past_1_unless_a_significant_trial_excludes_it(file, effect):
    if trial_excludes_no_effect(effect):
        assert not effect.may_be_no_effect, (
            f"{file}: {effect.target}: expected the significant trial's interval, excluding 1, "
            f"found {effect.low} to {effect.high}"
        )
        return
    assert effect.may_be_no_effect, (
        f"{file}: {effect.target} ({effect.design}): expected a range including 1 (no effect), "
        f"found {effect.low} to {effect.high}"
    )
    assert effect.low < 1 < effect.high, (
        f"{file}: {effect.target}: expected a range with a benefit and a harm on either side of 1, "
        f"found {effect.low} to {effect.high}"
    )


@pytest.mark.parametrize(("file", "effect"), EFFECTS, ids=IDS)
def test_each_end_of_a_builtin_range_says_why(file, effect):
    for end in ("low_reason", "high_reason"):
        assert getattr(effect, end).strip(), f"{file}: {effect.target}: expected a {end}"
    assert effect.distribution == "fixed" or effect.low < effect.high, (
        f"{file}: {effect.target}: expected a {effect.distribution} over a real range, "
        f"found {effect.low} to {effect.high}"
    )


def test_before_after_and_pending_designs_are_the_ones_flagged():
    flagged = {f"{file}:{e.target}" for file, e in EFFECTS if e.may_be_no_effect}
    before_after = {f"{file}:{e.target}" for file, e in EFFECTS if "before/after" in e.design}
    assert before_after, "expected Family Safeguarding's before/after effects among the built-ins"
    assert before_after <= flagged, f"expected {sorted(before_after - flagged)} flagged"
    unflagged = {f"{file}:{e.target}" for file, e in EFFECTS if not e.may_be_no_effect}
    # care once proceedings are issued is what is left of the trial's overall result after its
    # effect on proceedings (0.81 / 0.83), so its range reaches 1 and it is flagged
    assert unflagged == {
        "fgdm.yaml:proceedings.p_proceedings_issued",
    }, f"expected only the FGC trial's significant results unflagged, found {sorted(unflagged)}"


def test_family_safeguarding_care_entry_is_no_longer_a_sure_reduction():
    care = next(e for e in BUILTIN["family_safeguarding.yaml"].effects if e.target == "care_entry")
    share_below_1 = sum(care.draw((i + 0.5) / 1000) < 1 for i in range(1000)) / 1000
    assert 0.5 < share_below_1 < 1, (
        f"expected a chance below 100% that the drawn effect reduces care entries, "
        f"found {share_below_1:.1%}"
    )


def test_the_flag_is_one_rule_in_plain_words():
    fs = BUILTIN["family_safeguarding.yaml"]
    care = next(e for e in fs.effects if e.target == "care_entry")
    assert range_warning(care) == NO_EFFECT_WARNING
    assert NO_EFFECT_WARNING in effect_warnings(care)
    fgc = BUILTIN["fgdm.yaml"].effects[0]
    assert range_warning(fgc) == "", (
        f"expected no flag on the FGC trial, found {range_warning(fgc)}"
    )
    rows = {r["target"]: r for r in evidence_rows([fs])}
    assert rows["care_entry"]["range_flag"] == NO_EFFECT_WARNING, f"found {rows['care_entry']}"
    assert rows["care_entry"]["high_reason"] == care.high_reason
