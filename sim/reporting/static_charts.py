"""Plotly charts as static images (SVG, PNG) for reports and PDFs, through a local Chromium.

Plotly's static export (kaleido 1.x) drives a Chrome or Chromium browser. This module finds one
already installed (never downloads one): the ``BROWSER_PATH`` environment variable if set, else
``chromium``, ``chromium-browser``, ``google-chrome`` or ``chrome`` on the ``PATH`` (Debian:
``apt-get install chromium``). Without one, every call raises :class:`StaticChartError` saying
how to install it.

Each call starts the browser once (about two seconds); :func:`to_svgs` renders many charts with
one browser.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

#: Browser executables looked for on the PATH, in order.
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


class StaticChartError(RuntimeError):
    """No browser to draw static charts with, or the browser failed to draw one."""


def find_chromium() -> str:
    """The Chrome or Chromium executable kaleido will drive.

    Raises
    ------
    StaticChartError
        If ``BROWSER_PATH`` names no executable, or no browser is on the ``PATH``.
    """
    configured = os.environ.get("BROWSER_PATH")
    if configured:
        if Path(configured).is_file() and os.access(configured, os.X_OK):
            return configured
        raise StaticChartError(
            f"BROWSER_PATH={configured!r} is not an executable browser; point it at Chrome or "
            "Chromium, or unset it to look for chromium on the PATH"
        )
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise StaticChartError(
        "static charts need Chrome or Chromium and none was found on the PATH (looked for "
        f"{', '.join(BROWSER_NAMES)}); install one (Debian: apt-get install chromium) or set "
        "BROWSER_PATH to its executable"
    )


def _render(
    figs: Sequence[Any], fmt: str, width: int | None, height: int | None, scale: float
) -> list[bytes]:
    """Render figures with one browser session (run in a worker thread: no event loop clash).

    A size left as None is the figure's own layout size (else 760 x 340).
    """
    import kaleido  # imported here: heavy, and only needed when a chart is drawn as an image

    path = find_chromium()
    dicts = [f if isinstance(f, dict) else f.to_dict() for f in figs]

    def opts(d: dict) -> dict:
        layout = d.get("layout", {})
        return {
            "format": fmt,
            "width": width or layout.get("width") or 760,
            "height": height or layout.get("height") or 340,
            "scale": scale,
        }

    async def session() -> list[bytes]:
        async with kaleido.Kaleido(path=path, n=1) as k:
            return [await k.calc_fig(d, opts=opts(d)) for d in dicts]

    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, session()).result()
    except Exception as exc:  # kaleido and choreographer raise many kinds; say what failed
        raise StaticChartError(f"the browser at {path} could not draw the chart ({exc})") from exc


def to_svgs(figs: Sequence[Any], width: int | None = None, height: int | None = None) -> list[str]:
    """Several plotly figures as SVG text, drawn in one browser session.

    ``width`` and ``height`` (pixels) apply to all; left out, each figure's layout size is used.
    """
    return [b.decode("utf-8") for b in _render(figs, "svg", width, height, 1.0)]


def to_svg(fig: Any, width: int | None = None, height: int | None = None) -> str:
    """A plotly figure as SVG text."""
    return to_svgs([fig], width, height)[0]


def to_png(
    fig: Any, path: str | Path, width: int = 760, height: int = 340, scale: float = 2
) -> Path:
    """Write a plotly figure as a PNG file (``scale`` 2 gives sharp print); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_render([fig], "png", width, height, scale)[0])
    return path
