"""The browser: find one, launch it, and open read-only contexts on it.

Every context this module opens carries the read-only guard (DESIGN.md, "Read-only by
construction"): one route handler that aborts, before the request leaves the browser,

- any request to a mutating Amazon URL (`MUTATING_URL_PATTERNS`), whatever its method;
- any request that is not GET or HEAD, except POSTs to the sign-in forms.

`new_context` is the only way this module opens a context, and callers must use it:
`browser.new_context()` and `browser.new_page()` would give a context without the guard.
`guard_of(page.context)` raises for such a context, so a caller can check before it
navigates.

What the guard cannot see, so callers must not rely on it there:

- `context.request` / `page.request` (Playwright's API client) are not routed at all:
  never use them for Amazon.
- A `page.route` or later `context.route` handler runs before ours; if it calls
  `route.continue_()` ours never runs. Such handlers must end in `route.fallback()`.
- Playwright routes only the first URL of a redirect chain. The non-GET rule still holds
  for 301/302/303 (they are followed with GET); `Guard.bypassed` records any redirect
  that landed on a mutating URL, so a caller can stop.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, unquote_plus, urlsplit, urlunsplit
from weakref import WeakKeyDictionary

from playwright.sync_api import (
    Browser,
    BrowserContext,
    Playwright,
    Request,
    Route,
    StorageState,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

from scraper.errors import ConfigError, UsageError

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
)
"""Quiet, container-friendly Chromium: no GPU, no QUIC, no calls home, no first-run UI."""

# The mutating Amazon URLs of shared/DOMAIN.md: cancel, edit, returns, checkout, cart.
# Searched anywhere in the percent-decoded path and query, case-insensitively (a server
# may decode and fold what Chromium leaves encoded), so a sign-in URL whose return_to
# points at a cancel page is refused as well.
MUTATING_URL_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"/progress-tracker/package/preship/cancel-items",  # "Cancel items", 2024+
        r"/gp/css/order/edit\.html",  # older cancel/edit, useCase=cancel
        r"order-edit\.html",  # /your-account/order-edit.html...type=e and kin
        r"cancelRequest",  # seller orders: /ss/help/contact/...cancelRequest=1
        r"[?&]useCase=cancel\b",
        r"/returns/",  # /spr/returns/..., /gp/css/returns/...
        r"/gp/buy/",
        r"/checkout/",
        r"/buy-now",
        r"/gp/buyagain",
        r"/cart/",  # /cart/add-to-cart/..., /gp/cart/view.html
        r"/gp/aw/c(?:[/?]|$)",  # the mobile cart, not /gp/aw/cr (reviews)
        r"/gp/item-dispatch",  # add-to-cart form actions
        r"/gp/product/handle-buy-box",
    )
)

# The sign-in forms post their answers: the only non-GET requests a read-only session
# needs. Matched at the start of the path; the demo store serves the same paths.
SIGN_IN_POST_PATHS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        r"/ap/signin(?:/|$)",
        r"/ap/mfa(?:/|$)",
        r"/ap/cvf/",
        r"/errors/validateCaptcha(?:/|$)",
    )
)

_READ_METHODS = frozenset({"GET", "HEAD"})
_HEAVY_RESOURCE_TYPES = frozenset({"image", "font", "media"})

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


class BrowserUnavailable(ConfigError):
    """No usable browser: none was found, or the one found would not start."""


class NoDisplay(UsageError):
    """A visible browser was asked for on a machine without a display."""


# --- discovery ------------------------------------------------------------------------


@dataclass(frozen=True)
class BrowserChoice:
    """Which browser binary to launch, and where that choice came from."""

    executable: str | None
    """Path of the binary; None means Playwright's own managed Chromium."""
    source: str
    """For messages: "config", "CANCELWATCH_BROWSER", "playwright", "system: /usr/bin/…"."""


def find_browser(explicit: str | None = None) -> BrowserChoice:
    """The browser to use: `explicit` (from config), $CANCELWATCH_BROWSER, Playwright's
    own Chromium if installed, then a system Chromium or Chrome.

    A configured path that is not an executable file is a ConfigError naming where it
    came from; finding nothing is BrowserUnavailable, saying how to get a browser.
    """
    if explicit:
        return BrowserChoice(_usable(explicit, "config"), "config")
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return BrowserChoice(_usable(from_env, ENV_VAR), ENV_VAR)
    if _is_executable(_managed_chromium_path()):
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


def launch(playwright: Playwright, choice: BrowserChoice, *, headless: bool = True) -> Browser:
    """Start the chosen browser. Open contexts on it only through `new_context`."""
    if not headless:
        _require_display()
    try:
        return playwright.chromium.launch(
            executable_path=choice.executable,
            # Without a path, Playwright would pick its separate headless shell for
            # headless runs; "chromium" runs the full build that find_browser checked.
            channel=None if choice.executable else "chromium",
            headless=headless,
            args=list(LAUNCH_ARGS),
        )
    except PlaywrightError as exc:
        what = choice.executable or "Playwright's Chromium"
        first_line = str(exc).strip().splitlines()[0]
        raise BrowserUnavailable(
            f"could not start the browser {what} (from {choice.source}): {first_line}"
        ) from exc


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


# --- the read-only guard --------------------------------------------------------------


def is_mutating_url(url: str) -> bool:
    """Whether opening `url` could change an order, an account or a cart."""
    target = _as_server_reads_it(url)
    return any(pattern.search(target) for pattern in MUTATING_URL_PATTERNS)


def is_refused(method: str, url: str, body: bytes | None = None) -> bool:
    """Whether the guard aborts this request. `body` is a POST's form data, if any."""
    if is_mutating_url(url):
        return True
    if method.upper() in _READ_METHODS:
        return False
    if method.upper() == "POST" and _is_sign_in(url):
        # Sign-in forms carry where to go next (openid.return_to): never a cancel page.
        return body is not None and _names_mutating_url(body)
    return True


def _as_server_reads_it(url: str) -> str:
    """Path and query, percent-decoded and with repeated slashes collapsed."""
    parts = urlsplit(url)
    path = re.sub(r"/{2,}", "/", unquote(parts.path))
    return f"{path}?{unquote_plus(parts.query)}"


def _is_sign_in(url: str) -> bool:
    path = urlsplit(url).path
    return any(pattern.match(path) for pattern in SIGN_IN_POST_PATHS)


def _names_mutating_url(body: bytes) -> bool:
    # Only URL-like fields: a password that happens to contain "/cart/" must not matter.
    fields = parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return any(
        value.startswith(("http://", "https://", "/")) and is_mutating_url(value)
        for _, value in fields
    )


def _without_query(url: str) -> str:
    # Queries carry order ids and session tokens: keep them out of logs.
    return urlunsplit(urlsplit(url)._replace(query="", fragment=""))


@dataclass
class Guard:
    """The read-only guard of one context, and what it has refused so far."""

    refused: list[tuple[str, str]] = field(default_factory=list)
    """(method, URL without its query) of every aborted request, in order."""
    bypassed: list[str] = field(default_factory=list)
    """Mutating URLs (without query) reached by a redirect, which Playwright never routes."""

    def admit(self, route: Route) -> bool:
        """Abort and record the route if refused; return whether it may go on."""
        request = route.request
        if not is_refused(request.method, request.url, request.post_data_buffer):
            return True
        url = _without_query(request.url)
        log.warning("read-only guard refused %s %s", request.method, url)
        self.refused.append((request.method, url))
        route.abort("blockedbyclient")
        return False

    def note_redirect(self, request: Request) -> None:
        """Record a redirect that reached a mutating URL behind the route handler's back."""
        if request.redirected_from is None or not is_mutating_url(request.url):
            return
        url = _without_query(request.url)
        log.error("a redirect reached a mutating URL the guard could not stop: %s", url)
        self.bypassed.append(url)


_GUARDS: WeakKeyDictionary[BrowserContext, Guard] = WeakKeyDictionary()


def guard_of(context: BrowserContext) -> Guard:
    """The guard of a context from `new_context`; LookupError for any other context."""
    try:
        return _GUARDS[context]
    except KeyError:
        raise LookupError(
            "this browser context has no read-only guard: open contexts with "
            "scraper.browser.new_context"
        ) from None


def new_context(
    browser: Browser,
    *,
    storage_state: StorageState | str | Path | None = None,
    block_resources: bool = True,
    locale: str | None = None,
) -> BrowserContext:
    """A browser context with the read-only guard installed (always; no opt-out).

    With block_resources, images, fonts and media are aborted too: pages are read for
    their markup, and the heavy parts cost time and bandwidth.
    """
    context = browser.new_context(
        storage_state=storage_state,
        locale=locale,
        # Service workers fetch behind the route handler's back: keep them out.
        service_workers="block",
    )
    guard = Guard()
    context.route("**/*", _route_handler(guard, block_resources=block_resources))
    context.on("request", guard.note_redirect)
    _GUARDS[context] = guard
    return context


def _route_handler(guard: Guard, *, block_resources: bool) -> Callable[[Route], None]:
    def handle(route: Route) -> None:
        if not guard.admit(route):
            return
        if block_resources and route.request.resource_type in _HEAVY_RESOURCE_TYPES:
            route.abort("blockedbyclient")
        else:
            # fallback, not continue_: any handler registered before ours still runs.
            route.fallback()

    return handle
