"""A drift of the looked-after stock toward the neighbours': it moves the stock by the amount it
says, through when children leave care, and leaves the flows into care alone."""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim.model.build as build_module
from sim.experiments.experiment import single_run
from sim.model.stock_drift import stock_path
from tests.conftest import flow_total, looked_after_stock, make_scenario


def test_the_stocks_path_closes_the_share_of_the_gap_a_year_says():
    assert stock_path(0.2, 0.5, 3) == pytest.approx((0.1, 0.15, 0.175))
    assert stock_path(0.2, 0.0, 3) == () and stock_path(0.0, 0.3, 3) == ()


def _run(monkeypatch, gap: float, pull: float, replication: int):
    """England's default at 40,000 children over three years, with every drawn change 0 (the
    drift alone), with and without the stock's drift."""
    monkeypatch.setattr(build_module, "pool_changes", lambda *_: np.zeros((10, 3)))
    kw = dict(population=40_000, years=3, include_uasc=False, future="uncertain")
    staff = {"social_worker_fte_per_10k": 40.0}
    base = make_scenario({"workforce": staff, "future": {"councils": ["England"]}}, **kw)
    future = {
        "councils": ["England"],
        "toward_neighbours": {"looked_after": gap},
        "pull_per_year": {"looked_after": pull},
    }
    drift = make_scenario({"workforce": staff, "future": future}, **kw)
    return single_run(base, replication), single_run(drift, replication)


@pytest.mark.parametrize("gap", [0.2, -0.2])
def test_a_stock_drift_moves_the_looked_after_stock_by_its_amount_and_not_the_flows(
    monkeypatch, gap
):
    """A gap of log +-0.2 closed half a year: the stock at each 31 March is exp(gap * (1 - 0.5 **
    k)) times the stock without it (x1.105, x1.162, x1.191 for a rise; x0.905, x0.861, x0.839 for
    a fall), within 3 points (measured: within 1.6 for a rise, 2.1 for a fall, whose third year
    is short of children planned to leave the year after); care entries within 1%."""
    base, drift = _run(monkeypatch, gap, 0.5, replication=0)
    a, d = looked_after_stock(base), looked_after_stock(drift)
    for k, month in ((1, 11), (2, 23), (3, 35)):
        expected = math.exp(gap * (1 - 0.5**k))
        assert d[month] / a[month] == pytest.approx(expected, abs=0.03), f"year {k}"
    entries = flow_total(drift, "care_entries") / flow_total(base, "care_entries")
    assert entries == pytest.approx(1.0, abs=0.01)
    assert flow_total(drift, "care_stays_moved_by_drift") > 0
    assert flow_total(base, "care_stays_moved_by_drift") == 0


def test_every_shipped_council_drifts_toward_its_neighbours_stock():
    """Every shipped council's file names its looked-after stock's gap to its neighbours' and the
    pull the published stocks show; Dorset looked after 65.08 per 10,000 children in 2024-25
    against its neighbours' mean, so its gap is log(neighbours / 65.08)."""
    from sim.inputs.scenario import COUNCILS_DIR, load_parameters

    files = sorted(COUNCILS_DIR.glob("*.yaml"))
    futures = {f.stem: load_parameters(f)["future"] for f in files}
    without = [
        s for s, fut in futures.items() if "looked_after" not in fut.get("pull_per_year", {})
    ]
    assert not without, f"expected every council to name its stock's drift, found {without}"
    assert {fut["pull_per_year"]["looked_after"] for fut in futures.values()} == {0.05}
    # the neighbours the fit used (its provenance), each one's 2024-25 rate from DfE's tables
    from calibration.ees import history

    named = load_parameters(COUNCILS_DIR / "dorset.yaml")["provenance"]["statistical_neighbours"]
    tables = [history(n).table for n in named]
    nbr = [t.at["2024-25", "looked_after"] / t.at["2024-25", "population"] * 1e4 for t in tables]
    expected = math.log(float(np.mean(nbr)) / 65.079)  # 74.2 per 10,000: 0.1315
    assert futures["dorset"]["toward_neighbours"]["looked_after"] == pytest.approx(
        expected, abs=1e-3
    )
