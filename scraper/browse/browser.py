"""The browser: find one, launch it with the read-only guard, and open contexts on it.

`launch` is the only way cancelwatch starts a browser, and it installs the guard
(scraper/browse/guard.py) on the whole browser before anything can load: every context, page,
popup, frame and worker on it is guarded, whoever opened it. Contexts are opened with
`new_context`, which names the site the context reads (the guard refuses every other
site) and blocks service workers.

Each browser runs on a profile folder of its own, in the temporary directory, made
before the launch: its preferences turn page preloading off (speculation rules would
fetch behind the guard). The folder is removed when the browser closes, and a folder
that a killed run left behind is removed at the next launch. The browser and the
Playwright driver get no `CANCELWATCH_*` variable in their environment.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from weakref import WeakKeyDictionary

from filelock import FileLock, Timeout
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Playwright,
    StorageState,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

from cancelwatch.scraper.browse.guard import guard_browser, guard_of
from cancelwatch.scraper.browse.readonly import ReadOnlyPolicy
from cancelwatch.scraper.browse.watchdog import watch_browser
from cancelwatch.scraper.errors import BrowserUnavailable, ConfigError, NoDisplay

log = logging.getLogger(__name__)

ENV_VAR = "CANCELWATCH_BROWSER"
"""Environment variable naming the browser binary; beats discovery, loses to config."""

LAUNCH_ARGS = (
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # The guard hands pages to the browser itself (to add its Content-Security-Policy),
    # and such a page has no network address: Chromium's local-network checks then take
    # a demo store's pages for public ones and refuse their loopback frames. The guard
    # refuses every host that is not the site anyway, a stricter rule than those checks.
    "--disable-features=LocalNetworkAccessChecks",
)
"""Quiet, container-friendly Chromium: no GPU, no QUIC, no calls home, no first-run UI."""

PROFILE_PREFIX = "cancelwatch-browser-"
_LOCK_NAME = "cancelwatch.lock"
_STALE_AFTER_S = 60.0
_OWN_ENV_PREFIX = "CANCELWATCH_"
# Chromium's "Preload pages" setting, off: speculation-rules prefetch and prerender go
# around DevTools' request interception, so the guard could not see them.
_PREFERENCES = {"net": {"network_prediction_options": 2}}

_SYSTEM_COMMANDS = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
)

_NO_BROWSER = (
    "no Chromium or Chrome browser found. Run `python -m playwright install chromium`, "
    "or install Chromium or Google Chrome (Debian/Ubuntu: `apt install chromium`), "
    f"or set {ENV_VAR} to the path of a Chromium or Chrome binary."
)


# --- discovery ------------------------------------------------------------------------


@dataclass(frozen=True)
class BrowserChoice:
    """Which browser binary to launch, and where that choice came from."""

    executable: str | None
    """Path of the binary; None means Playwright's own managed Chromium."""
    source: str
    """For messages: "config", "CANCELWATCH_BROWSER", "playwright", "system: /usr/bin/…"."""


def find_browser(
    explicit: str | None = None, *, playwright: Playwright | None = None
) -> BrowserChoice:
    """The browser to use: `explicit` (from config), $CANCELWATCH_BROWSER, Playwright's
    own Chromium if installed, then a system Chromium or Chrome.

    Pass the caller's running `playwright` when there is one: it then tells where its own
    Chromium is, instead of a driver started just to ask (0.5-1 s of a check).

    A configured path that is not an executable file is a ConfigError naming where it
    came from; finding nothing is BrowserUnavailable, saying how to get a browser.
    """
    if explicit:
        return BrowserChoice(_usable(explicit, "config"), "config")
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return BrowserChoice(_usable(from_env, ENV_VAR), ENV_VAR)
    managed = _managed_chromium_path() if playwright is None else _running_chromium_path(playwright)
    if _is_executable(managed):
        return BrowserChoice(None, "playwright")
    system = _system_browser()
    if system is not None:
        return BrowserChoice(system, f"system: {system}")
    raise BrowserUnavailable(_NO_BROWSER)


def _usable(value: str, origin: str) -> str:
    """The executable that a configured value names, or a ConfigError naming origin."""
    if os.sep not in value and (os.altsep is None or os.altsep not in value):
        # A bare command name such as "chromium" is looked up like a shell would.
        found = shutil.which(value)
        if found is not None:
            return found
    path = Path(value).expanduser()
    if not path.exists():
        raise ConfigError(f"{origin} names a browser that does not exist: {value}")
    if not _is_executable(path):
        raise ConfigError(f"{origin} names a browser that is not an executable file: {value}")
    return str(path)


def _is_executable(path: str | Path | None) -> bool:
    return path is not None and Path(path).is_file() and os.access(path, os.X_OK)


# What the driver's answer depends on besides Playwright's version: a change of any of
# these (tests do change them) asks again.
_DRIVER_PATH_ENV = ("PLAYWRIGHT_BROWSERS_PATH", "HOME", "XDG_CACHE_HOME", "LOCALAPPDATA")


def _managed_chromium_path() -> str | None:
    """Where Playwright's own Chromium is (or would be), asked of Playwright itself."""
    return _ask_driver_once(*(os.environ.get(name) for name in _DRIVER_PATH_ENV))


def _running_chromium_path(playwright: Playwright) -> str | None:
    try:
        return playwright.chromium.executable_path
    except PlaywrightError as exc:
        log.debug("Playwright driver did not answer: %s", exc)
        return None


@functools.lru_cache(maxsize=8)
def _ask_driver_once(*environment: str | None) -> str | None:
    """The driver's answer, once per environment: starting it costs 0.5-1 s.

    The path depends on Playwright's version, the platform and PLAYWRIGHT_BROWSERS_PATH,
    so guessing it would break on upgrades. The driver runs in a fresh thread because
    the sync API refuses to start inside the caller's running sync_playwright or asyncio
    loop. Only the path is cached: whether a browser is there is checked every time.
    """
    del environment  # only the cache key
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="find-browser") as pool:
        return pool.submit(_ask_driver).result()


def _ask_driver() -> str | None:
    try:
        with sync_playwright() as playwright:
            return playwright.chromium.executable_path
    except (PlaywrightError, OSError) as exc:
        # A broken driver only means we cannot use Playwright's browser; look further.
        log.debug("Playwright driver did not answer: %s", exc)
        return None


def _system_browser() -> str | None:
    for name in _SYSTEM_COMMANDS:
        found = shutil.which(name)
        if found is not None:
            return found
    return next((str(p) for p in _install_locations() if _is_executable(p)), None)


def _install_locations() -> list[Path]:
    """Where Chrome and Chromium install themselves off PATH (macOS, Windows)."""
    if sys.platform == "darwin":
        apps = [Path("/Applications"), Path.home() / "Applications"]
        return [
            root / bundle
            for root in apps
            for bundle in (
                "Google Chrome.app/Contents/MacOS/Google Chrome",
                "Chromium.app/Contents/MacOS/Chromium",
            )
        ]
    if sys.platform == "win32":
        roots = [os.environ.get(v) for v in ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA")]
        return [
            Path(root, vendor, "Application", "chrome.exe")
            for root in roots
            if root
            for vendor in (Path("Google", "Chrome"), Path("Chromium"))
        ]
    return []


# --- launch ---------------------------------------------------------------------------


@contextmanager
def launch(
    playwright: Playwright,
    choice: BrowserChoice,
    *,
    headless: bool = True,
    block_resources: bool = True,
    locale: str | None = None,
) -> Iterator[Browser]:
    """The chosen browser, running with the read-only guard installed (no opt-out), for
    the length of the `with` block; then closed, its profile folder removed.

    Open contexts on it with `new_context`. With block_resources, images, fonts and media
    are refused too: pages are read for their markup, and the heavy parts cost time.
    With `locale`, the launch's own context (its profile and first tab) speaks it and is
    kept for one reader to claim (`own_context`): a browser launched for one check then
    starts no second context and renderer.
    """
    if not headless:
        _require_display()
    profile = Profile.create()
    try:
        persistent = playwright.chromium.launch_persistent_context(
            profile.path,
            executable_path=choice.executable,
            # Without a path, Playwright would pick its separate headless shell for
            # headless runs; "chromium" runs the full build that find_browser checked.
            channel=None if choice.executable else "chromium",
            headless=headless,
            args=list(LAUNCH_ARGS),
            env=browser_environment(),
            service_workers="block",
            locale=locale,
        )
    except PlaywrightError as exc:
        profile.remove()
        what = choice.executable or "Playwright's Chromium"
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise BrowserUnavailable(
            f"could not start the browser {what} (from {choice.source}): {first_line}"
        ) from exc
    if locale is None:
        # Nobody claims the first tab: closing it frees a renderer process.
        for page in persistent.pages:
            page.close()
    try:
        browser = _guarded(persistent, block_resources)
        watch_browser(browser)
        if locale is not None:
            _OWN[browser] = _Own(persistent, locale)
        yield browser
    finally:
        with contextlib.suppress(PlaywrightError):
            persistent.close()
        # Only now: the browser writes to its profile until its process has ended.
        profile.remove()


def _guarded(persistent: BrowserContext, block_resources: bool) -> Browser:
    browser = persistent.browser
    if browser is None:  # Playwright gives Chromium's persistent contexts a browser
        raise BrowserUnavailable("the browser started without a browser-level session")
    try:
        guard_browser(browser, ReadOnlyPolicy(), block_resources=block_resources)
    except PlaywrightError as exc:
        raise BrowserUnavailable(f"could not install the read-only guard: {exc}") from exc
    return browser


@dataclass
class _Own:
    context: BrowserContext
    locale: str
    claimed: bool = False


_OWN: WeakKeyDictionary[Browser, _Own] = WeakKeyDictionary()


def own_context(
    browser: Browser, *, site: str, storage_state: StorageState | None, locale: str
) -> BrowserContext | None:
    """The context `launch` started with (its persistent profile, with the first tab
    open), set up to read `site` with `storage_state`, for the first caller that wants
    it in the locale it was launched with; None for any other (use `new_context`). Never
    close it: it is the browser's own, and closes with the browser. The guard covers it
    as every other target (it sits on the browser, not on a context)."""
    own = _OWN.get(browser)
    if own is None or own.claimed or own.locale != locale or not own.context.pages:
        return None
    own.claimed = True
    guard_of(browser).policy.add_site(site)
    if storage_state is not None:
        own.context.set_storage_state(storage_state)
    return own.context


def new_context(
    browser: Browser,
    *,
    site: str,
    storage_state: StorageState | str | Path | None = None,
    locale: str | None = None,
) -> BrowserContext:
    """A context to read `site` (an origin such as https://www.amazon.co.jp) on a browser
    from `launch`. The guard then lets the browser load that site's reading pages."""
    guard_of(browser).policy.add_site(site)
    return browser.new_context(
        storage_state=storage_state,
        locale=locale,
        # Service workers fetch behind the page's back: keep them out.
        service_workers="block",
    )


def browser_environment(
    environ: Mapping[str, str] | None = None,
) -> dict[str, str | float | bool]:
    """The environment the browser runs with: ours without any CANCELWATCH_* variable
    (a passphrase must not reach a renderer)."""
    source = os.environ if environ is None else environ
    return {k: v for k, v in source.items() if not k.upper().startswith(_OWN_ENV_PREFIX)}


@dataclass(frozen=True)
class Profile:
    """A browser profile folder for one launch, locked while the browser runs."""

    path: Path
    lock: FileLock

    @classmethod
    def create(cls, root: Path | None = None) -> Profile:
        root = root or Path(tempfile.gettempdir())
        remove_stale_profiles(root)
        path = Path(tempfile.mkdtemp(prefix=PROFILE_PREFIX, dir=root))
        lock = FileLock(path / _LOCK_NAME)
        lock.acquire()
        default = path / "Default"
        default.mkdir()
        (default / "Preferences").write_text(json.dumps(_PREFERENCES), encoding="utf-8")
        return cls(path, lock)

    def remove(self) -> None:
        self.lock.release()
        _remove_folder(self.path)


_REMOVE_TRIES = 40
_REMOVE_PAUSE_S = 0.05


def _remove_folder(path: Path) -> None:
    """Remove `path`, trying again for up to two seconds: a browser's helper processes
    can still be ending, and writing a last file into it, as the first try walks it. What
    is still left then is the stale-profile sweep's, at the next launch."""
    for _ in range(_REMOVE_TRIES):
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            return
        time.sleep(_REMOVE_PAUSE_S)  # a sleep, not a timed wait: faketime-safe
    log.info("could not remove the browser profile %s yet; the next launch will", path)


def remove_stale_profiles(
    root: Path, *, min_age_s: float = _STALE_AFTER_S, now: float | None = None
) -> list[Path]:
    """Remove the profile folders of launches that are over: their lock is free (the
    process that held it ended, even by kill -9) and they are not brand new (a launch
    takes its lock right after making its folder). Returns what was removed. `now` is
    on the file system's clock (`time.time()`), which a folder's mtime is read against."""
    removed = []
    now = time.time() if now is None else now
    for path in root.glob(PROFILE_PREFIX + "*"):
        try:
            if not path.is_dir() or path.is_symlink() or now - path.stat().st_mtime < min_age_s:
                continue
            lock = FileLock(path / _LOCK_NAME)
            lock.acquire(timeout=0)
        except (OSError, Timeout):
            continue
        lock.release()
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
        log.info("removed a browser profile a stopped run left: %s", path)
    return removed


def _require_display() -> None:
    # Headed Chromium without an X display dies at once, and Playwright then reports
    # "Target page, context or browser has been closed", which hides the cause.
    if sys.platform in ("darwin", "win32") or os.environ.get("DISPLAY"):
        return
    raise NoDisplay(
        "cannot open a visible browser: there is no display ($DISPLAY is not set). "
        "Run this from a desktop session or under `xvfb-run`, or sign in on a machine "
        "with a screen."
    )
