"""The browser module against real Chromium and a local web server.

The guard is the product's promise never to cancel anything, so these tests check what
reaches the server, not only what the page saw.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from cancelwatch.scraper.browse import browser as browser_module
from cancelwatch.scraper.browse.browser import (
    ENV_VAR,
    PROFILE_PREFIX,
    BrowserChoice,
    Profile,
    browser_environment,
    find_browser,
    launch,
    new_context,
    remove_stale_profiles,
)
from cancelwatch.scraper.browse.guard import Refused, guard_of
from cancelwatch.scraper.browse.readonly import Family, Refusal
from cancelwatch.scraper.errors import BrowserUnavailable, ConfigError, NoDisplay, UsageError
from tests.local_site import (
    CANCEL_PATH,
    DETAILS,
    ECHO,
    FRAME_TO_CANCEL,
    ORDERS,
    PAGE_TIMEOUT_MS,
    REDIRECT_TO_CANCEL,
    REDIRECT_TWICE,
    SCRIPT_TO_CANCEL,
    SESSION_COOKIE,
    SETS_COOKIES,
    LocalStore,
)

BLOCKED_BY_CLIENT = "net::ERR_BLOCKED_BY_CLIENT.Inspector"  # as DevTools blocks it
ABORTED = "net::ERR_ABORTED"
WAF_HOST = "1c5c1ecf7303.a481e94e.us-east-2.token.awswaf.com"  # from the saved WAF page


# --- the guard in a real browser ------------------------------------------------------


def _one(refused: Callable[[], list[Refused]]) -> Refused:
    found = refused()
    assert len(found) == 1, found
    return found[0]


def test_navigating_to_a_cancel_url_is_refused_before_it_leaves_the_browser(
    guarded_context: BrowserContext,
    store: LocalStore,
    refused: Callable[[], list[Refused]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    page = guarded_context.new_page()
    with (
        caplog.at_level(logging.WARNING, logger="cancelwatch.scraper.browse.guard"),
        pytest.raises(PlaywrightError, match=ABORTED),
    ):
        page.goto(store.url(CANCEL_PATH + "?orderID=111-1"))

    assert not store.saw(CANCEL_PATH)
    blocked = _one(refused)
    assert (blocked.refusal, blocked.family, blocked.method) == (
        Refusal.MUTATING,
        Family.CANCEL,
        "GET",
    )
    assert blocked.url == store.url(CANCEL_PATH)
    assert blocked.alarming
    assert f"refused GET {store.url(CANCEL_PATH)}" in caplog.text
    assert "111-1" not in caplog.text


def test_clicking_a_cancel_link_leaves_the_page_where_it_was(
    guarded_context: BrowserContext, store: LocalStore, refused: Callable[[], list[Refused]]
) -> None:
    page = guarded_context.new_page()
    page.goto(store.url(ORDERS))
    with page.expect_event("requestfailed") as failed:
        page.click("#cancel")

    assert failed.value.failure == ABORTED
    assert not store.saw(CANCEL_PATH)
    assert page.url == store.url(ORDERS)
    assert page.locator("#cancel").count() == 1  # still the order page, not an error page
    assert _one(refused).url == store.url(CANCEL_PATH)


def test_posting_the_order_edit_form_is_refused(
    guarded_context: BrowserContext, store: LocalStore, refused: Callable[[], list[Refused]]
) -> None:
    page = guarded_context.new_page()
    page.goto(store.url(ORDERS))
    with page.expect_event("requestfailed") as failed:
        page.click("#edit button")

    assert failed.value.failure == ABORTED
    assert not store.saw("/gp/css/order/edit.html")
    blocked = _one(refused)
    assert (blocked.method, blocked.family) == ("POST", Family.EDIT)


def test_a_script_post_outside_sign_in_is_refused(
    guarded_context: BrowserContext, store: LocalStore, refused: Callable[[], list[Refused]]
) -> None:
    page = guarded_context.new_page()
    page.goto(store.url(ORDERS))
    outcome = page.evaluate(
        "() => fetch('/your-orders/archive', {method: 'POST', body: 'x'})"
        ".then(() => 'sent', (error) => 'failed: ' + error.name)"
    )

    assert outcome == "failed: TypeError"
    assert not store.saw("/your-orders/archive")
    blocked = _one(refused)
    assert (blocked.refusal, blocked.resource_type) == (Refusal.WRITE, "XHR")
    assert blocked.page == store.url(ORDERS)


def test_an_ordinary_order_page_loads(
    guarded_context: BrowserContext, store: LocalStore, refused: Callable[[], list[Refused]]
) -> None:
    page = guarded_context.new_page()
    response = page.goto(store.url(DETAILS))

    assert response is not None
    assert response.ok
    assert page.title() == DETAILS
    assert store.saw(DETAILS, method="GET")
    assert refused() == []


def test_a_page_off_the_list_is_refused_even_when_harmless(
    guarded_context: BrowserContext, store: LocalStore, refused: Callable[[], list[Refused]]
) -> None:
    page = guarded_context.new_page()
    with pytest.raises(PlaywrightError, match=ABORTED):
        page.goto(store.url("/gp/help/customer/display.html"))

    assert not store.saw("/gp/help")
    blocked = _one(refused)
    assert blocked.refusal is Refusal.OFF_LIST
    assert not blocked.alarming


def test_a_context_opened_without_new_context_is_guarded_too(
    browser: Browser, store: LocalStore
) -> None:
    """The guard sits on the browser, not on a context: nothing opened on it escapes."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        with pytest.raises(PlaywrightError, match=ABORTED):
            page.goto(store.url(CANCEL_PATH))
        assert not store.saw(CANCEL_PATH)
    finally:
        context.close()


def test_signing_in_keeps_the_cookie_set_on_the_redirect(
    guarded_context: BrowserContext, store: LocalStore, refused: Callable[[], list[Refused]]
) -> None:
    """POST /ap/signin answers 302 with Set-Cookie; the next page must be signed in."""
    page = guarded_context.new_page()
    page.goto(store.url("/ap/signin"))
    with page.expect_navigation(url="**" + ECHO):
        page.click("#signin button")

    assert page.text_content("#cookie") == SESSION_COOKIE
    cookies = {c["name"]: c["value"] for c in guarded_context.cookies(store.base_url)}
    assert cookies["session-token"] == "signed-in"
    assert store.saw("/ap/signin", method="POST")
    assert refused() == []


def test_a_cookie_set_by_a_page_is_kept(guarded_context: BrowserContext, store: LocalStore) -> None:
    """Pages reach the browser through the guard, which adds a header: their own headers,
    Set-Cookie among them, must arrive as they were."""
    page = guarded_context.new_page()
    page.goto(store.url(SETS_COOKIES))

    cookies = {c["name"]: c["value"] for c in guarded_context.cookies(store.base_url)}
    assert cookies["first"] == "1"
    assert cookies["second"] == "2"


def test_a_sign_in_that_redirects_to_a_cancel_page_stops_there(
    guarded_context: BrowserContext, store: LocalStore, refused: Callable[[], list[Refused]]
) -> None:
    page = guarded_context.new_page()
    page.goto(store.url("/ap/signin?then=cancel"))
    with page.expect_event("requestfailed") as failed:
        page.click("#signin button")

    assert failed.value.failure == ABORTED
    assert store.saw("/ap/signin", method="POST")
    assert not store.saw(CANCEL_PATH)
    assert _one(refused).url == store.url(CANCEL_PATH)


def test_a_search_form_gets_its_results(
    guarded_context: BrowserContext, store: LocalStore, refused: Callable[[], list[Refused]]
) -> None:
    page = guarded_context.new_page()
    page.goto(store.url(ORDERS))
    with page.expect_navigation(url="**/your-orders/search?search=lamp"):
        page.click("#search button")

    assert store.saw("/your-orders/search?search=lamp", method="GET")
    assert refused() == []


def test_a_sign_in_form_returning_to_a_cancel_page_is_refused(
    guarded_context: BrowserContext, store: LocalStore, refused: Callable[[], list[Refused]]
) -> None:
    page = guarded_context.new_page()
    page.goto(store.url("/ap/signin?return_to=cancel"))
    with page.expect_event("requestfailed") as failed:
        page.click("#signin button")

    assert failed.value.failure == ABORTED
    assert not store.saw("/ap/signin", method="POST")
    assert _one(refused).family is Family.CANCEL


def test_images_are_blocked_by_default(
    guarded_context: BrowserContext, store: LocalStore, refused: Callable[[], list[Refused]]
) -> None:
    page = guarded_context.new_page()
    page.goto(store.url(ORDERS))  # waits for "load", which waits for images

    assert not store.saw("/images/")
    assert page.eval_on_selector("#product", "img => img.naturalWidth") == 0
    assert refused() == []  # not a refusal: nothing was mutating


def test_images_load_when_resources_are_not_blocked_and_the_guard_stays(
    playwright: Playwright, store: LocalStore
) -> None:
    with launch(playwright, find_browser(), block_resources=False) as unblocked:
        context = new_context(unblocked, site=store.base_url)
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        page.goto(store.url(ORDERS))

        assert store.saw("/images/I/product.png", method="GET")
        assert page.eval_on_selector("#product", "img => img.naturalWidth") == 1
        with pytest.raises(PlaywrightError, match=ABORTED):
            page.goto(store.url(CANCEL_PATH))
        assert not store.saw(CANCEL_PATH)


def test_service_workers_cannot_register(
    guarded_context: BrowserContext, store: LocalStore
) -> None:
    """Service workers fetch behind the page, so a context must not have one."""
    page = guarded_context.new_page()
    page.goto(store.url(ORDERS))
    registration = page.evaluate("() => navigator.serviceWorker.register('/sw.js')")

    assert registration is None
    assert not store.saw("/sw.js")


@pytest.mark.parametrize("start", [REDIRECT_TO_CANCEL, REDIRECT_TWICE])
def test_a_redirect_to_a_cancel_url_is_refused_hop_by_hop(
    guarded_context: BrowserContext,
    store: LocalStore,
    refused: Callable[[], list[Refused]],
    start: str,
) -> None:
    page = guarded_context.new_page()
    with pytest.raises(PlaywrightError, match=ABORTED):
        page.goto(store.url(start))

    assert store.saw(REDIRECT_TO_CANCEL)
    assert not store.saw(CANCEL_PATH)
    assert _one(refused).url == store.url(CANCEL_PATH)


def test_a_redirect_in_a_frame_of_another_site_is_refused(
    guarded_context: BrowserContext, store: LocalStore, refused: Callable[[], list[Refused]]
) -> None:
    """The frame is localhost, the page 127.0.0.1: Chromium runs it in its own process."""
    page = guarded_context.new_page()
    with page.expect_event("requestfailed") as failed:
        page.goto(store.url(FRAME_TO_CANCEL))

    assert failed.value.failure == ABORTED
    assert store.saw(REDIRECT_TO_CANCEL)
    assert not store.saw(CANCEL_PATH)
    assert _one(refused).url == store.url(CANCEL_PATH).replace("127.0.0.1", "localhost")


def test_a_popup_that_redirects_to_a_cancel_url_is_refused(
    guarded_context: BrowserContext, store: LocalStore, refused: Callable[[], list[Refused]]
) -> None:
    page = guarded_context.new_page()
    page.goto(store.url(ORDERS))
    with guarded_context.expect_event("requestfailed") as failed:
        page.click("#redirect-popup")

    assert failed.value.failure == ABORTED
    assert store.saw(REDIRECT_TO_CANCEL)
    assert not store.saw(CANCEL_PATH)
    assert _one(refused).url == store.url(CANCEL_PATH)


def test_a_sign_in_in_a_popup_keeps_the_cookie_set_on_the_redirect(
    guarded_context: BrowserContext, store: LocalStore, refused: Callable[[], list[Refused]]
) -> None:
    page = guarded_context.new_page()
    page.goto(store.url("/ap/signin"))
    with guarded_context.expect_page() as opened:
        page.click("#signin-popup button")
    popup = opened.value
    popup.wait_for_url("**" + ECHO)

    assert popup.text_content("#cookie") == SESSION_COOKIE
    assert store.saw("/ap/signin", method="POST")
    assert refused() == []


def test_a_popup_loads_and_stays_guarded(
    guarded_context: BrowserContext, store: LocalStore
) -> None:
    page = guarded_context.new_page()
    page.goto(store.url(ORDERS))
    with guarded_context.expect_page() as opened:
        page.click("#details-popup")
    popup = opened.value
    popup.wait_for_load_state()

    assert popup.title() == DETAILS
    with pytest.raises(PlaywrightError, match=ABORTED):
        popup.goto(store.url(REDIRECT_TWICE))
    assert not store.saw(CANCEL_PATH)


def test_a_script_redirected_to_a_cancel_url_never_reaches_the_server(
    guarded_context: BrowserContext, store: LocalStore, refused: Callable[[], list[Refused]]
) -> None:
    page = guarded_context.new_page()
    page.goto(store.url(ORDERS))
    with page.expect_event("requestfailed") as failed:
        page.evaluate(
            "url => document.head.append(Object.assign(document.createElement('script'),"
            " {src: url}))",
            SCRIPT_TO_CANCEL,
        )

    assert failed.value.failure == BLOCKED_BY_CLIENT
    assert store.saw(SCRIPT_TO_CANCEL)
    assert not store.saw(CANCEL_PATH)
    blocked = _one(refused)
    assert (blocked.resource_type, blocked.family) == ("Script", Family.CANCEL)
    assert not blocked.alarming  # a GET by markup: refused, not worth an alert


def test_a_beacon_is_refused_quietly(
    guarded_context: BrowserContext,
    store: LocalStore,
    refused: Callable[[], list[Refused]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    guard = guard_of(guarded_context)
    quiet_before = guard.quiet
    page = guarded_context.new_page()
    page.goto(store.url(ORDERS))
    with caplog.at_level(logging.DEBUG, logger="cancelwatch.scraper.browse.guard"):
        beacon = page.evaluate(
            "url => fetch(url, {method: 'POST', body: '{}', mode: 'no-cors'})"
            ".then(() => 'sent', error => 'failed: ' + error.name)",
            "https://unagi.amazon.com/1/events/com.amazon.csm.csa.prod",
        )

    assert beacon == "failed: TypeError"
    assert refused() == []
    assert guard.quiet == quiet_before + 1
    assert {r.levelname for r in caplog.records} == {"DEBUG"}


def test_a_browser_not_launched_by_cancelwatch_has_no_guard(playwright: Playwright) -> None:
    choice = find_browser()
    plain = playwright.chromium.launch(
        executable_path=choice.executable, channel=None if choice.executable else "chromium"
    )
    try:
        with pytest.raises(LookupError, match=r"scraper\.browse\.browser\.launch"):
            guard_of(plain)
        with pytest.raises(LookupError):
            new_context(plain, site="https://www.amazon.com")
    finally:
        plain.close()


# --- the browser's profile and environment --------------------------------------------


@pytest.fixture(autouse=True)
def _own_temp_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """Each test's browser profiles in a temp dir of its own: another cancelwatch on the
    machine (a second test run, a user's watcher) makes profiles in the shared one."""
    tmp_path_factory.getbasetemp()  # pytest's own temp dirs stay where they are
    own = tempfile.mkdtemp(prefix="cw-test-")
    monkeypatch.setattr(tempfile, "tempdir", own)
    yield
    monkeypatch.undo()
    shutil.rmtree(own, ignore_errors=True)


def _profiles() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob(PROFILE_PREFIX + "*"))


def test_the_profile_folder_goes_when_the_browser_closes(playwright: Playwright) -> None:
    before = _profiles()
    with launch(playwright, find_browser()):
        during = _profiles() - before
        assert len(during) == 1
        prefs = json.loads((next(iter(during)) / "Default" / "Preferences").read_text())
        assert prefs["net"]["network_prediction_options"] == 2  # no preloading
    assert not during & _profiles()


def test_a_profile_a_killed_run_left_is_removed_and_a_live_one_kept(tmp_path: Path) -> None:
    live = Profile.create(tmp_path)  # its lock is held, as a running check holds it
    dead = tmp_path / (PROFILE_PREFIX + "dead")
    (dead / "Default").mkdir(parents=True)
    fresh = tmp_path / (PROFILE_PREFIX + "fresh")
    fresh.mkdir()
    # Ages on the file system's own clock: the test's clock may be moved (faketime).
    now = fresh.stat().st_mtime
    for path in (dead, live.path):
        os.utime(path, (now - 3600, now - 3600))

    removed = remove_stale_profiles(tmp_path, now=now)

    assert removed == [dead]
    assert not dead.exists()
    assert live.path.exists()
    assert fresh.exists()  # maybe a launch that has not taken its lock yet
    live.remove()
    assert not live.path.exists()


def test_a_file_written_into_the_profile_while_it_is_removed_goes_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A helper of an ended browser can write one last file (Chromium's network service
    writes "Network Persistent State") as the removal walks the folder: it is tried again."""
    profile = Profile.create(tmp_path)
    real_rmtree = shutil.rmtree
    walks = []

    def rmtree_racing_a_late_write(path: Path, ignore_errors: bool = False) -> None:
        real_rmtree(path, ignore_errors=ignore_errors)
        walks.append(path)
        if len(walks) == 1:  # the helper's write lands just behind the first walk
            (Path(path) / "Default").mkdir(parents=True)
            (Path(path) / "Default" / "Network Persistent State").write_text("{}")

    monkeypatch.setattr(shutil, "rmtree", rmtree_racing_a_late_write)
    profile.remove()
    assert not profile.path.exists()
    assert len(walks) == 2


def test_no_cancelwatch_variable_reaches_the_browser(
    playwright: Playwright, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CANCELWATCH_PASSPHRASE", "correct horse battery staple")
    monkeypatch.setenv("CANCELWATCH_HOME", "/somewhere")
    before = _profiles()
    with launch(playwright, find_browser()) as running:
        page = running.new_context().new_page()
        page.goto("about:blank")  # a renderer is running too
        (profile,) = _profiles() - before
        environments = [
            Path(f"/proc/{pid}/environ").read_bytes() for pid in _pids_with(str(profile))
        ]
    assert len(environments) >= 2  # the browser and at least one of its helpers
    for environment in environments:
        assert b"CANCELWATCH_" not in environment
        assert b"correct horse" not in environment
    assert "CANCELWATCH_HOME" not in browser_environment({"CANCELWATCH_HOME": "x"})
    assert browser_environment({"PATH": "/bin"}) == {"PATH": "/bin"}


def _pids_with(text: str) -> list[int]:
    """Processes whose command line holds `text` (Linux /proc)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if text.encode() in (entry / "cmdline").read_bytes():
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


# --- finding and launching a browser --------------------------------------------------


@pytest.fixture
def fake_browser(tmp_path: Path) -> Path:
    """An executable file standing in for a browser binary (never launched)."""
    path = tmp_path / "my-chromium"
    path.write_text("#!/bin/sh\nexit 1\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def no_system_browser(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No browser on PATH, none configured, and an empty Playwright browser store."""
    store_dir = tmp_path / "ms-playwright"
    store_dir.mkdir()
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(store_dir))
    return store_dir


def test_find_browser_honours_the_environment_variable(
    monkeypatch: pytest.MonkeyPatch, fake_browser: Path
) -> None:
    monkeypatch.setenv(ENV_VAR, str(fake_browser))

    assert find_browser() == BrowserChoice(str(fake_browser), ENV_VAR)


def test_a_configured_path_beats_the_environment_variable(
    monkeypatch: pytest.MonkeyPatch, fake_browser: Path
) -> None:
    monkeypatch.setenv(ENV_VAR, "/nowhere/chromium")

    assert find_browser(str(fake_browser)) == BrowserChoice(str(fake_browser), "config")


def test_a_missing_browser_in_the_environment_variable_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "no-such-chromium"))

    with pytest.raises(ConfigError, match=f"{ENV_VAR} names a browser that does not exist"):
        find_browser()


def test_a_configured_file_that_is_not_executable_is_a_config_error(tmp_path: Path) -> None:
    not_executable = tmp_path / "chromium"
    not_executable.write_text("")
    not_executable.chmod(0o644)

    with pytest.raises(ConfigError, match="config names a browser that is not an executable"):
        find_browser(str(not_executable))


def test_a_configured_command_name_is_looked_up_on_path(
    monkeypatch: pytest.MonkeyPatch, fake_browser: Path
) -> None:
    monkeypatch.setenv("PATH", str(fake_browser.parent))

    assert find_browser(fake_browser.name) == BrowserChoice(str(fake_browser), "config")


def test_playwrights_own_chromium_is_used_when_installed(no_system_browser: Path) -> None:
    managed = browser_module._managed_chromium_path()
    assert managed is not None
    assert Path(managed).is_relative_to(no_system_browser)
    Path(managed).parent.mkdir(parents=True)
    Path(managed).write_text("")
    Path(managed).chmod(0o755)

    assert find_browser() == BrowserChoice(None, "playwright")


def test_a_running_playwright_tells_where_its_chromium_is_without_a_driver_of_its_own(
    no_system_browser: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A check already runs Playwright: starting a second driver to ask costs 0.5-1 s.
    def no_second_driver(*_: object) -> str | None:
        raise AssertionError("a second Playwright driver was started")

    monkeypatch.setattr(browser_module, "_ask_driver_once", no_second_driver)

    def found_twice() -> tuple[str, BrowserChoice | Exception, BrowserChoice | Exception]:
        # Its own driver, started after the environment changed, in a thread of its own
        # (the session's driver may run in this one).
        with sync_playwright() as running:
            managed = Path(running.chromium.executable_path)
            try:
                before: BrowserChoice | Exception = find_browser(playwright=running)
            except BrowserUnavailable as exc:  # not installed there, none on PATH
                before = exc
            managed.parent.mkdir(parents=True)
            managed.write_text("")
            managed.chmod(0o755)
            return str(managed), before, find_browser(playwright=running)

    with ThreadPoolExecutor(max_workers=1) as pool:
        managed, before, after = pool.submit(found_twice).result()

    assert Path(managed).is_relative_to(no_system_browser)
    assert isinstance(before, BrowserUnavailable)
    assert after == BrowserChoice(None, "playwright")


def test_a_system_browser_on_path_is_found(
    no_system_browser: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    chromium = bin_dir / "chromium"
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))

    assert find_browser() == BrowserChoice(str(chromium), f"system: {chromium}")


def test_no_browser_anywhere_says_how_to_get_one(no_system_browser: Path) -> None:
    with pytest.raises(BrowserUnavailable) as raised:
        find_browser()

    message = str(raised.value)
    assert "python -m playwright install chromium" in message
    assert ENV_VAR in message
    assert raised.value.exit_code == 2
    assert isinstance(raised.value, ConfigError)


def test_a_visible_browser_without_a_display_says_so(
    playwright: Playwright, monkeypatch: pytest.MonkeyPatch, fake_browser: Path
) -> None:
    """Said before launching: the fake binary would fail with another error."""
    monkeypatch.delenv("DISPLAY", raising=False)
    choice = BrowserChoice(str(fake_browser), ENV_VAR)

    with (
        pytest.raises(NoDisplay, match=r"no display \(\$DISPLAY is not set\)") as raised,
        launch(playwright, choice, headless=False),
    ):
        pass
    assert isinstance(raised.value, UsageError)


def test_a_browser_that_will_not_start_names_its_source(
    playwright: Playwright, fake_browser: Path
) -> None:
    choice = BrowserChoice(str(fake_browser), ENV_VAR)

    before = _profiles()
    with (
        pytest.raises(BrowserUnavailable, match=f"could not start .* \\(from {ENV_VAR}\\)"),
        launch(playwright, choice),
    ):
        pass
    assert _profiles() == before
