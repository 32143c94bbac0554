"""Sign-in through the council's identity provider, and each user's saved scenarios, in a real
browser: Streamlit's OpenID Connect sign-in (``st.login``) against a local provider the tests
start. Alice's unshared scenario is invisible to Bob; the one she shares he sees; the audit log
records who signed in, saved and shared what.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import ARTIFACTS, VIEWPORT, free_port, until
from .oidc_provider import CLIENT_ID, CLIENT_SECRET

pytestmark = pytest.mark.browser

SECRETS = """[auth]
redirect_uri = "{url}/oauth2callback"
cookie_secret = "{cookie}"
client_id = "{client_id}"
client_secret = "{client_secret}"
server_metadata_url = "{issuer}/.well-known/openid-configuration"
"""


@pytest.fixture(scope="module")
def signed_in_app(
    app_server, oidc_provider, browser_env: dict[str, str], tmp_path_factory
) -> Iterator[dict[str, Any]]:
    """The dashboard with sign-in set up (secrets.toml in its own HOME) and its data folder."""
    base = tmp_path_factory.mktemp("signed-in")
    home, data = base / "home", base / "data"
    (home / ".streamlit").mkdir(parents=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    (home / ".streamlit" / "secrets.toml").write_text(
        SECRETS.format(
            url=url,
            cookie=secrets.token_hex(32),
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            issuer=oidc_provider.issuer,
        )
    )
    env = {**browser_env, "HOME": str(home), "CSC_DATA_DIR": str(data)}
    with app_server(env, ARTIFACTS / "streamlit-signed-in.log", port) as served:
        yield {"url": served, "data": data}


def sign_in(browser: Browser, url: str, user: str, wait_ready) -> Page:
    """A fresh browser (its own cookies) signed in as ``user`` through the provider's form."""
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.goto(url)
    wait_ready(page)
    expect(page.get_by_text("Sign in with your council account")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stSidebar")).to_have_count(0)  # nothing to use before sign-in
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("User name").fill(user, timeout=30_000)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/**")
    wait_ready(page)
    expect(page.get_by_text(f"Signed in as {user}")).to_be_visible(timeout=30_000)
    return page


def save_as(page: Page, name: str, wait_ready) -> None:
    box = page.get_by_label("Name", exact=True)
    box.fill(name)
    box.press("Enter")
    wait_ready(page)
    # the name's rerun may start only after wait_ready looked, and a click landing in it is
    # lost: click again until the page says it saved (saving again replaces, so this is safe)
    until(
        page,
        lambda: page.get_by_role("button", name="Save scenario").click(timeout=30_000),
        lambda: expect(page.get_by_text(f"Saved as {name}")).to_be_visible(timeout=20_000),
        attempts=4,
        settle_ms=60_000,
    )
    wait_ready(page)


def saved_options(page: Page) -> list[str]:
    """The names in the "Saved scenario" box (opened, read, closed)."""
    box, options = page.get_by_role("combobox", name="Saved scenario", exact=True), []
    for _ in range(3):  # a click that lands during a rerun can leave the list closed: again
        box.click()
        try:
            expect(page.get_by_role("option").first).to_be_visible(timeout=5_000)
        except AssertionError:
            page.keyboard.press("Escape")
            continue
        options = page.get_by_role("option").all_inner_texts()
        page.keyboard.press("Escape")
        break
    return [o.strip() for o in options]


def pick(page: Page, label: str, option: str, wait_ready) -> None:
    """Choose ``option`` in a select box, again if a rerun lost the first choice."""
    box = page.get_by_role("combobox", name=label, exact=True)
    for _ in range(3):
        box.click()
        page.get_by_role("option", name=option, exact=True).click()
        wait_ready(page)
        try:
            expect(box).to_have_value(option, timeout=5_000)
            return
        except AssertionError:
            continue
    expect(box).to_have_value(option)


def open_saved(page: Page) -> None:
    page.get_by_text("Save this scenario, reopen or compare saved ones").click()


def test_two_users_see_their_own_and_only_shared_scenarios(
    browser: Browser, signed_in_app, oidc_provider, wait_ready, shot
) -> None:
    url = signed_in_app["url"]
    alice = sign_in(browser, url, "Alice", wait_ready)
    open_saved(alice)
    save_as(alice, "Alice private", wait_ready)
    save_as(alice, "Alice shared", wait_ready)
    pick(alice, "Saved scenario", "Alice shared", wait_ready)
    alice.get_by_role("button", name="Share with colleagues").click()
    expect(alice.get_by_role("button", name="Stop sharing")).to_be_visible(timeout=30_000)
    wait_ready(alice)
    assert saved_options(alice) == ["Alice private", "Alice shared (shared)"], (
        f"expected Alice's two scenarios, found {saved_options(alice)}"
    )
    shot(alice, "signed-in-alice.png")

    bob = sign_in(browser, url, "Bob", wait_ready)
    open_saved(bob)
    expect(bob.get_by_role("combobox", name="Saved scenario", exact=True)).to_be_visible(
        timeout=30_000
    )
    seen = saved_options(bob)
    assert seen == ["Alice shared (shared by Alice)"], (
        f"expected Bob to see only Alice's shared scenario, found {seen}"
    )
    # he may open it but not change it
    expect(bob.get_by_text("Shared by Alice: you can open and compare it")).to_be_visible(
        timeout=30_000
    )
    expect(bob.get_by_role("button", name="Delete")).to_have_count(0)
    shot(bob, "signed-in-bob.png")
    assert oidc_provider.sign_ins[-2:] == ["Alice", "Bob"], oidc_provider.sign_ins
    bob.get_by_role("button", name="Sign out").click()
    expect(bob.get_by_text("Sign in with your council account")).to_be_visible(timeout=30_000)

    log = [json.loads(line) for line in (Path(signed_in_app["data"]) / "audit.jsonl").open()]
    done = [(e["user_name"], e["action"], e.get("saved_as") or e.get("scenario")) for e in log]
    for expected in (
        ("Alice", "signed in", None),
        ("Alice", "saved", "Alice private"),
        ("Alice", "shared", "Alice shared"),
        ("Bob", "signed in", None),
        ("Bob", "signed out", None),
    ):
        assert expected in [(u, a, None if a.startswith("signed") else s) for u, a, s in done], (
            f"expected {expected} in the audit log, found {done}"
        )
    alice_key = next(e["user"] for e in log if e["user_name"] == "Alice")
    assert alice_key == f"{oidc_provider.issuer}|Alice", f"found {alice_key}"
