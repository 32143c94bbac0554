"""Dashboard response time: the default comparison on a cold start and when cached.

Drives app.py with Streamlit's AppTest (no browser): loads the page, clicks "Run the comparison"
with the defaults (England at 100,000 children, Family Safeguarding, 5 years, 10 replications),
then reruns the same scenario (served from the cache).

    python benchmarks/bench_dashboard.py [--replications N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest  # noqa: TID251  (benchmarking the app itself)

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replications", type=int, default=10)
    a = ap.parse_args()
    os.environ["CSC_SAVED_DIR"] = tempfile.mkdtemp()
    at = AppTest.from_file(APP, default_timeout=1800)
    t0 = time.perf_counter()
    at.run()
    load = time.perf_counter() - t0
    at.slider(key="reps").set_value(a.replications)
    at.run()
    t0 = time.perf_counter()
    at.button(key="run").click().run()
    cold = time.perf_counter() - t0
    if at.exception:
        sys.exit(f"the app failed: {at.exception}")
    t0 = time.perf_counter()
    at.run()
    cached = time.perf_counter() - t0
    print(f"page load {load:.1f} s; default comparison cold {cold:.1f} s (aim <= 10 s); "
          f"cached {cached:.2f} s (aim < 1 s); {a.replications} replications")


if __name__ == "__main__":
    main()
