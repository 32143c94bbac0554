"""Browser tests of the Streamlit dashboard: Debian's Chromium driven by Playwright.

The browser is the system one at ``/usr/bin/chromium`` (``apt-get install chromium``); never run
``playwright install``. Without Chromium, Playwright or pytest-playwright every test module here
is skipped with the reason, so the rest of the suite runs as before.

- ``app_url`` (session): starts ``python -m streamlit run app.py`` from the repo root on a free
  port of 127.0.0.1, waits for ``/_stcore/health``, stops it after the session. The server's
  output goes to ``tests/artifacts/streamlit.log`` (``streamlit-gw0.log`` and so on when
  pytest-xdist runs the suite on several workers). ``CSC_APP_PATH`` serves another script.
  ``base_url`` is the same URL, so ``page.goto("/")`` works.
- ``app_page``: a fresh page on the app, loaded and ready (see ``wait_ready``).
- ``own_app_page``: a page on a dashboard of its own, with no saved scenarios.
- ``app_server``: ``with app_server(env, log_path) as url:`` serves another dashboard (for
  example with sign-in set up in a ``secrets.toml`` under its own ``HOME``).
- ``oidc_provider``: a local OpenID Connect provider (``oidc_provider.py``) for sign-in tests.
- ``wait_ready(page)``: waits until the app is connected, its script has finished running and
  no widget is still a loading placeholder.
- ``shot(page, name)``: screenshot into ``tests/artifacts/screenshots/`` (gitignored); returns
  its path.

Every test here carries the ``browser`` marker: ``pytest -m "not browser"`` leaves them out.
``HOME``, ``XDG_CONFIG_HOME``, ``XDG_CACHE_HOME``, ``TMPDIR`` and ``CSC_DATA_DIR`` point into a
temporary folder for the tests here, so neither Streamlit, Chromium nor the dashboard's saved
scenarios and audit log write into the real home or the repository.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic"]
VIEWPORT = {"width": 1400, "height": 2200}  # tall: Streamlit scrolls inside its own container
ARTIFACTS = ROOT / "tests" / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
# One server per pytest-xdist worker that runs browser tests, each with its own log.
_WORKER = f"-{os.environ['PYTEST_XDIST_WORKER']}" if "PYTEST_XDIST_WORKER" in os.environ else ""
SERVER_LOG = ARTIFACTS / f"streamlit{_WORKER}.log"
APP_ENV = "CSC_APP_PATH"
SERVER_START_TIMEOUT_S = 60.0
READY_TIMEOUT_MS = 60_000  # first load: the script runs (and may simulate) before it is ready


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives the Streamlit dashboard in Chromium (tests/browser)"
    )


# --- skipping the folder cleanly when the browser stack is missing --------------------------


def _skip_reason(config: pytest.Config) -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if importlib.util.find_spec("playwright") is None:
        return "browser tests need the playwright package (pip install pytest-playwright)"
    if not config.pluginmanager.has_plugin("playwright"):
        return "browser tests need the pytest-playwright plugin (pip install pytest-playwright)"
    if not CHROMIUM.is_file():
        return (
            f"browser tests need Debian's Chromium at {CHROMIUM} "
            "(apt-get install chromium; not `playwright install`)"
        )
    return None


class _SkippedModule(pytest.Module):
    """A test module that is not imported: it reports one skip with the reason."""

    def collect(self) -> Any:
        raise pytest.skip.Exception(_skip_reason(self.config), allow_module_level=True)


def _is_here(path: Path) -> bool:
    return Path(path).resolve().is_relative_to(HERE)


def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> Any:
    # Test modules import playwright, so they are not even imported when it is missing.
    if _is_here(module_path) and _skip_reason(parent.config) is not None:
        return _SkippedModule.from_parent(parent, path=module_path)
    return None


@pytest.hookimpl(tryfirst=True)  # before `-m` selection reads the markers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _is_here(item.path):
            item.add_marker(pytest.mark.browser)


# --- an isolated home for Streamlit and Chromium ---------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def browser_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """HOME, XDG_* and TMPDIR in a temporary folder, for this process and what it starts.

    Autouse and session-scoped so it is in place before pytest-playwright starts its driver
    (which starts Chromium).
    """
    base = tmp_path_factory.mktemp("browser-env")
    env = {
        "HOME": "home",
        "XDG_CONFIG_HOME": "config",
        "XDG_CACHE_HOME": "cache",
        "TMPDIR": "tmp",
    }
    for key, name in env.items():
        (base / name).mkdir()
        env[key] = str(base / name)
    env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    env["CSC_DATA_DIR"] = str(base / "data")  # the dashboard's saved scenarios and audit log
    # each dashboard runs its comparisons in its own process, computing nothing ahead: the suite's
    # two test processes already hold both cores, and a server's worker pool went on running
    # baselines for controls a finished test had moved past (the many-users test serves its own
    # dashboard with worker processes, as a user gets by default)
    env["CSC_WORKERS"] = "1"
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        yield env


# --- the Streamlit server ----------------------------------------------------------------------


def _app_path() -> Path:
    given = os.environ.get(APP_ENV)
    return Path(given).expanduser().resolve() if given else ROOT / "app.py"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _log_tail(log_path: Path, lines: int = 40) -> str:
    try:
        text = log_path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


def _wait_healthy(proc: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    """Poll ``/_stcore/health`` until it answers ``ok``; fail with the log's tail otherwise."""
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while True:
        if proc.poll() is not None:
            pytest.fail(
                f"Streamlit exited (code {proc.returncode}) before it was ready; "
                f"last lines of {log_path}:\n{_log_tail(log_path)}",
                pytrace=False,
            )
        try:
            with no_proxy.open(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(
                f"Streamlit not healthy at {url} after {SERVER_START_TIMEOUT_S:.0f} s; "
                f"last lines of {log_path}:\n{_log_tail(log_path)}",
                pytrace=False,
            )
        time.sleep(0.2)


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group, SIGKILL it if it is still there after 3 s (the
    tests have read what they need; Streamlit's worker pool can sit out a longer grace)."""
    for sig, wait_s in ((signal.SIGTERM, 3), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait_s)
            break
        except subprocess.TimeoutExpired:
            continue


@contextmanager
def serve_app(env: dict[str, str], log_path: Path, port: int | None = None) -> Iterator[str]:
    """Serve the dashboard with ``env`` (on ``port``, or a free one); yields its base URL and
    stops the server's whole process group afterwards. Its output goes to ``log_path``."""
    app = _app_path()
    if not app.is_file():
        if os.environ.get(APP_ENV):
            pytest.fail(f"{APP_ENV}={os.environ[APP_ENV]} is not a file", pytrace=False)
        pytest.skip(f"no dashboard to test yet: {app} does not exist")
    script = app.relative_to(ROOT) if app.is_relative_to(ROOT) else app
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--client.toolbarMode", "viewer",  # as the README runs it: no Deploy button
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:  # a file, not a pipe nobody reads (a full pipe blocks)
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env, "NO_PROXY": "127.0.0.1,localhost"},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped whole at teardown
        )
    try:
        _wait_healthy(proc, url, log_path)
        yield url
    finally:
        _stop_group(proc)


@pytest.fixture(scope="session")
def app_server() -> Callable[..., Any]:
    """``with app_server(env, log_path) as url:`` another dashboard server (e.g. with sign-in)."""
    return serve_app


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[Any]:
    """A local OpenID Connect provider (``oidc_provider.Provider``), started for the session."""
    from .oidc_provider import Provider

    provider = Provider()
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()


@pytest.fixture(scope="session")
def app_url(browser_env: dict[str, str]) -> Iterator[str]:
    """Base URL of the dashboard, served by Streamlit for the whole session."""
    with serve_app(browser_env, SERVER_LOG) as url:
        yield url


# --- pytest-playwright settings -----------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium (Playwright's own downloads are not used)."""
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.fixture(scope="session")
def base_url(app_url: str) -> str:
    """The app's URL, so ``page.goto("/")`` works (pytest-playwright passes it to contexts).

    Also replaces the plugin's own ``base_url`` fixture, which pytest 9 warns about.
    """
    return app_url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": VIEWPORT}


# --- helpers -------------------------------------------------------------------------------------


def _wait_ready(page: Page, timeout_ms: float = READY_TIMEOUT_MS) -> None:
    """Wait until the app is connected, its script has run to the end and every element is drawn.

    ``data-test-script-state`` is ``initial`` until the first run, so ``notRunning`` means a run
    has finished. Widgets whose code Streamlit loads lazily (selectbox, slider, date input...)
    are grey ``stSkeleton`` placeholders for a moment after that, so wait for those to go too.
    After an interaction the state flips to running only after a moment: there, wait for the
    expected content with ``expect(...)`` instead.
    """
    from playwright.sync_api import expect

    app = page.locator('[data-testid="stApp"]')
    expect(app).to_have_attribute("data-test-connection-state", "CONNECTED", timeout=timeout_ms)
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=timeout_ms)
    placeholders = page.locator('[data-testid="stSkeleton"], [data-testid="stAppSkeleton"]')
    expect(placeholders).to_have_count(0, timeout=timeout_ms)


def until(
    page: Page,
    act: Callable[[], object],
    check: Callable[[], object],
    attempts: int = 3,
    settle_ms: float = 240_000,
) -> None:
    """Do ``act``, then ``check`` (an ``expect``). An act that lands while the page reruns is
    lost (a click, an upload, a pick), so when the act times out or the check fails, let the
    page settle and act again, up to ``attempts`` times."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    for attempt in range(attempts):
        try:
            act()
            check()
            return
        except (AssertionError, PlaywrightTimeoutError):
            if attempt == attempts - 1:
                raise
            _wait_ready(page, timeout_ms=settle_ms)


def _shot(page: Page, name: str) -> Path:
    """Screenshot of the viewport (tall; no ``full_page``) into tests/artifacts/screenshots/."""
    path = SCREENSHOTS / (name if name.endswith(".png") else f"{name}.png")
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    return path


@pytest.fixture
def wait_ready() -> Callable[..., None]:
    """``wait_ready(page, timeout_ms=60_000)``: see ``_wait_ready``."""
    return _wait_ready


@pytest.fixture
def shot() -> Callable[[Page, str], Path]:
    """``shot(page, "name.png")`` -> path of the screenshot."""
    return _shot


@pytest.fixture
def own_app_page(
    page: Page, browser_env: dict[str, str], tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """A page on a dashboard of its own, with no saved scenarios: for a test that needs the
    saved-scenario list to itself (the session's server keeps every other test's saves)."""
    env = {**browser_env, "CSC_DATA_DIR": str(tmp_path / "data")}
    log = ARTIFACTS / f"streamlit-{request.node.name[:40]}{_WORKER}.log"
    with serve_app(env, log) as url:
        response = page.goto(url)
        assert response is not None and response.ok, f"GET {url}: {response and response.status}"
        _wait_ready(page)
        yield page


@pytest.fixture
def app_page(page: Page, app_url: str) -> Page:
    """A page on the dashboard, loaded and ready."""
    response = page.goto(app_url)
    assert response is not None and response.ok, f"GET {app_url}: {response and response.status}"
    _wait_ready(page)
    return page
