"""Smoke test: the dashboard loads in a real browser, runs to the end and shows no error.

Checks only what holds for any Streamlit app, so it stays true while the dashboard changes.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_dashboard_loads_without_errors(app_page: Page, shot) -> None:
    page = app_page
    path = shot(page, "main.png")  # first, so a failure below still leaves a picture
    assert path.is_file()

    title = page.locator("h1").first
    expect(title).to_be_visible()
    assert title.inner_text().strip(), "the page's h1 is empty"

    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
