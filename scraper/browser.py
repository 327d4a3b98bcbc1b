"""The browser: find one, launch it, and open read-only contexts on it.

Every context this module opens carries the read-only guard (DESIGN.md, "Read-only by
construction"). It refuses, before the request leaves the browser,

- any request to a mutating Amazon URL (`MUTATING_URL_PATTERNS`), whatever its method;
- any request that is not GET or HEAD, except POSTs to the sign-in forms
  (`SIGN_IN_POST_PATHS`) and writes to the challenge hosts a human needs to pass a
  CAPTCHA or an AWS WAF check (`CHALLENGE_HOSTS`). Amazon's own beacons are refused
  too, but only counted (`Guard.telemetry`).

It works in three layers, because Playwright routes only the first URL of a redirect
chain: the browser follows a 3xx itself, and Playwright lets every later hop through
unrouted, even after `route.fetch(max_redirects=0)` and `route.fulfill` with the 3xx
(checked on Chromium 156 with Playwright 1.65).

1. A route handler on the context sees the first request of every chain, from every
   page, frame and popup, of every resource type.
2. Every page is watched through its own DevTools session (`Guard.watch`): document,
   XHR and fetch requests pause there at each hop, redirects included, and a refused
   hop fails with ERR_BLOCKED_BY_CLIENT before it is sent. `new_context` watches a page
   from `context.new_page()` before it is returned, and a popup as soon as Playwright
   reports it; until then the route handler sends the popup's navigation itself
   (`route.fetch(max_redirects=0)`) and refuses a 3xx whose Location it refuses.
3. `Guard.note_response` catches what got past: a response to a request the guard
   refuses is recorded in `Guard.bypassed`, logged at ERROR, and its page is closed.

What is left, and only layer 3 sees it (after the server did): the third and later hops
of a popup's first navigation; redirect hops of scripts, styles and images (GETs a page
loads by markup); redirect hops of what a cross-site iframe in its own process (Chrome's
site isolation) requests or navigates to once it has loaded, which its own DevTools
session would see, not the page's; requests of dedicated workers. Service workers are
blocked outright.

`new_context` is the only way this module opens a context, and callers must use it:
`browser.new_context()` and `browser.new_page()` would give a context without the guard.
`guard_of(page.context)` raises for such a context, so a caller can check before it
navigates. Also:

- `context.request` / `page.request` (Playwright's API client) are not routed at all:
  never use them for Amazon.
- A `page.route` or later `context.route` handler runs before ours; if it calls
  `route.continue_()` ours never runs (layer 2 still does). Such handlers must end in
  `route.fallback()`.
- Both layers 1 and 2 answer from Python: with the sync API they only run while the
  caller is inside a Playwright call. Wait with `page.wait_for_timeout`, not
  `time.sleep`, or in-flight requests stall until the next call.
"""

from __future__ import annotations

import base64
import contextlib
import enum
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
from typing import Any
from urllib.parse import parse_qsl, unquote, unquote_plus, urljoin, urlsplit, urlunsplit
from weakref import WeakKeyDictionary, WeakSet

from playwright.sync_api import (
    Browser,
    BrowserContext,
    CDPSession,
    Page,
    Playwright,
    Request,
    Response,
    Route,
    StorageState,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

from scraper.errors import BrowserUnavailable, ConfigError, NoDisplay

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

# The sign-in forms post their answers: the only writes to Amazon a read-only session
# needs. Matched at the start of the path, on any host: the demo store serves the same
# paths on 127.0.0.1.
SIGN_IN_POST_PATHS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        r"/ap/signin(?:/|$)",
        r"/ap/mfa(?:/|$)",
        r"/ap/cvf/",  # verification and its CAPTCHA form (action="verify")
        r"/errors/validateCaptcha(?:/|$)",
        r"/aaut/verify/",  # the frame that hosts CVF puzzles (Arkose, WAF grids)
    )
)

# Where a human solves a challenge in a visible browser (`login --headed`). The solving
# scripts post there, and none of these hosts holds an order or a cart, so writes to
# them cannot cancel anything. Keep the list short, and add a host only with a page that
# shows it.
CHALLENGE_HOSTS: tuple[str, ...] = (
    # AWS WAF: the challenge page (shared/fixtures/amazon.com/auth/waf-challenge.html)
    # loads challenge.js from <id>.<region>.token.awswaf.com and posts the solved token
    # there. WAF CAPTCHA puzzles are served from awswaf.com hosts as well.
    "awswaf.com",
    # Arkose Labs: Amazon's ARKOSE_LEVEL_1 sign-in puzzles (seen in public reports of
    # Amazon's CVF pages).
    "arkoselabs.com",
)

# Amazon's metrics and ads beacons, which every page posts to (hosts seen in the saved
# pages of shared/fixtures). Refused like any write, but counted, not warned about.
TELEMETRY_DOMAINS: tuple[str, ...] = ("amazon-adsystem.com",)
_TELEMETRY_LABEL = re.compile(r"(?:fls|unagi|aax)(?:-[a-z0-9-]+)?")  # fls-na, unagi-fe…
_TELEMETRY_PATH = re.compile(r"/uedata(?:[/?]|$)")  # /ap/uedata: sign-in page timings
_AMAZON_HOST = re.compile(r"(?:^|\.)amazon\.(?:com|co\.[a-z]{2}|com\.[a-z]{2}|[a-z]{2,3})$")

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


class Verdict(enum.Enum):
    """What the guard does with one request."""

    ALLOW = "allow"
    MUTATING = "mutating"
    """A mutating Amazon URL (cancel, edit, returns, checkout, cart), whatever the method."""
    WRITE = "write"
    """A non-GET request the guard has no reason to allow."""
    TELEMETRY = "telemetry"
    """A non-GET beacon to Amazon's metrics or ads hosts: refused, but harmless."""


def verdict(method: str, url: str, body: bytes | None = None) -> Verdict:
    """The guard's decision on one request. `body` is a POST's form data, if any."""
    if is_mutating_url(url):
        return Verdict.MUTATING
    method = method.upper()
    if method in _READ_METHODS:
        return Verdict.ALLOW
    parts = urlsplit(url)
    if method == "POST" and _is_sign_in(parts.path):
        # Sign-in forms carry where to go next (openid.return_to): never a cancel page.
        return Verdict.MUTATING if body is not None and _names_mutating_url(body) else Verdict.ALLOW
    host = (parts.hostname or "").lower()
    if _has_suffix(host, CHALLENGE_HOSTS):
        return Verdict.ALLOW
    if _is_telemetry(host, parts.path):
        return Verdict.TELEMETRY
    return Verdict.WRITE


def is_refused(method: str, url: str, body: bytes | None = None) -> bool:
    """Whether the guard aborts this request. `body` is a POST's form data, if any."""
    return verdict(method, url, body) is not Verdict.ALLOW


def is_mutating_url(url: str) -> bool:
    """Whether opening `url` could change an order, an account or a cart."""
    target = _as_server_reads_it(url)
    return any(pattern.search(target) for pattern in MUTATING_URL_PATTERNS)


def _as_server_reads_it(url: str) -> str:
    """Path and query, percent-decoded and with repeated slashes collapsed."""
    parts = urlsplit(url)
    path = re.sub(r"/{2,}", "/", unquote(parts.path))
    return f"{path}?{unquote_plus(parts.query)}"


def _is_sign_in(path: str) -> bool:
    return any(pattern.match(path) for pattern in SIGN_IN_POST_PATHS)


def _has_suffix(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def _is_telemetry(host: str, path: str) -> bool:
    if _has_suffix(host, TELEMETRY_DOMAINS):
        return True
    if _AMAZON_HOST.search(host) is None:
        return False
    first_label, _, rest = host.partition(".")
    beacon_host = _TELEMETRY_LABEL.fullmatch(first_label) and _AMAZON_HOST.fullmatch(rest)
    return bool(beacon_host) or _TELEMETRY_PATH.search(path) is not None


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
    """The read-only guard of one context, and what it has refused so far.

    After a normal check `refused` and `bypassed` are empty and `telemetry` is not:
    Amazon's pages post metrics all the time, and those say nothing about orders.
    """

    refused: list[tuple[str, str]] = field(default_factory=list)
    """(method, URL without its query) of every refused request that could have changed
    something: a mutating URL, or a write the guard does not allow. Logged at WARNING."""
    telemetry: int = 0
    """How many beacons to Amazon's metrics and ads hosts were refused. Every page sends
    some, so they are only counted, and logged at DEBUG: they are not in `refused`."""
    bypassed: list[tuple[str, str]] = field(default_factory=list)
    """(method, URL without its query) of refused requests that got a response anyway:
    a redirect hop the guard could not pause (module docstring, "What is left"), or a
    route handler that answered before ours. The page that sent one is closed at once.
    Anything here is a bug: stop, and report it."""
    _opening: int = field(default=0, repr=False)
    """How many `context.new_page()` calls are under way (they watch their own page)."""
    _watching: WeakSet[Page] = field(default_factory=WeakSet, repr=False)
    _watched: WeakSet[Page] = field(default_factory=WeakSet, repr=False)

    def decide(self, method: str, url: str, body: bytes | None = None) -> bool:
        """Whether this request may go on; a refusal is logged and recorded."""
        decision = verdict(method, url, body)
        if decision is Verdict.ALLOW:
            return True
        if decision is Verdict.TELEMETRY:
            self.telemetry += 1
            log.debug("read-only guard refused beacon %s %s", method, _without_query(url))
            return False
        log.warning("read-only guard refused %s %s", method, _without_query(url))
        self.refused.append((method, _without_query(url)))
        return False

    def watch(self, page: Page) -> None:
        """Pause every document, XHR and fetch request of `page`, redirect hops included,
        and fail those the guard refuses. Idempotent."""
        if page in self._watching:
            return
        self._watching.add(page)  # before the first await: no second session for it
        try:
            session = page.context.new_cdp_session(page)
            session.on("Fetch.requestPaused", functools.partial(self._paused, session))
            session.send("Fetch.enable", {"patterns": _WATCHED_PATTERNS})
        except PlaywrightError as exc:
            self._watching.discard(page)
            if not page.is_closed():
                # Its navigations then go through `_fetch_checking_redirect`.
                log.warning("cannot watch this page's redirects: %s", _first_line(exc))
            return
        self._watched.add(page)

    def open_watched(self, open_page: Callable[[], Page]) -> Page:
        """A page from `open_page` (the context's own new_page), watched before it is
        returned, so before its first navigation."""
        self._opening += 1
        try:
            page = open_page()
        finally:
            self._opening -= 1
        self.watch(page)
        return page

    def watch_popup(self, page: Page) -> None:
        """Watch a page that the browser opened (a popup), as soon as it is reported."""
        if self._opening:
            # Playwright reports a page from new_page() before new_page() returns; had
            # this handler started watching it, new_page() would return it half-watched.
            return
        self.watch(page)

    def watches(self, request: Request) -> bool:
        """Whether the page that sent `request` has its redirects watched."""
        try:
            page = request.frame.page
        except PlaywrightError:  # a popup's first request comes before its frame
            return False
        return page in self._watched

    def note_response(self, response: Response) -> None:
        """Close the page if a request the guard refuses got a response after all."""
        request = response.request
        decision = verdict(request.method, request.url, request.post_data_buffer)
        if decision in (Verdict.ALLOW, Verdict.TELEMETRY):
            return
        url = _without_query(request.url)
        log.error(
            "%s %s got past the read-only guard (a redirect it could not pause, or a "
            "route handler that skipped it); closing its page",
            request.method,
            url,
        )
        self.bypassed.append((request.method, url))
        with contextlib.suppress(PlaywrightError):
            request.frame.page.close()

    def _paused(self, session: CDPSession, event: dict[str, Any]) -> None:
        request = event["request"]
        try:
            allowed = self.decide(request["method"], request["url"], _cdp_post_data(request))
        except Exception:  # never leave a request hanging; when in doubt, refuse
            log.exception("read-only guard could not judge a request; refusing it")
            allowed = False
        command, params = "Fetch.continueRequest", {"requestId": event["requestId"]}
        if not allowed:
            command, params["errorReason"] = "Fetch.failRequest", "BlockedByClient"
        with contextlib.suppress(PlaywrightError):  # the page may be gone by now
            session.send(command, params)


_WATCHED_PATTERNS = [
    {"urlPattern": "*", "resourceType": kind, "requestStage": "Request"}
    for kind in ("Document", "XHR", "Fetch")
]
"""What `Guard.watch` pauses: navigations (any frame) and script calls. Scripts, styles
and images a page loads by markup are GETs; their redirect hops are left to
`Guard.note_response`, which would see one after the fact."""


def _cdp_post_data(request: dict[str, Any]) -> bytes | None:
    entries = request.get("postDataEntries")
    if entries:
        return b"".join(base64.b64decode(entry.get("bytes", "")) for entry in entries)
    post_data = request.get("postData")
    return post_data.encode() if isinstance(post_data, str) else None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


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
    context.on("response", guard.note_response)
    context.on("page", guard.watch_popup)
    # Every caller of context.new_page(), including code that only holds page.context
    # (the same object), gets a page that is watched before it can navigate. An
    # instance attribute shadowing a method is what mypy's method-assign is about.
    context.new_page = functools.partial(guard.open_watched, context.new_page)  # type: ignore[method-assign]
    _GUARDS[context] = guard
    return context


def _route_handler(guard: Guard, *, block_resources: bool) -> Callable[[Route], None]:
    def handle(route: Route) -> None:
        request = route.request
        allowed = guard.decide(request.method, request.url, request.post_data_buffer)
        heavy = block_resources and request.resource_type in _HEAVY_RESOURCE_TYPES
        if heavy or not allowed:
            route.abort("blockedbyclient")
        elif request.is_navigation_request() and not guard.watches(request):
            _fetch_checking_redirect(route, guard)
        else:
            # fallback, not continue_: any handler registered before ours still runs.
            route.fallback()

    return handle


_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


def _fetch_checking_redirect(route: Route, guard: Guard) -> None:
    """Send a navigation of an unwatched page ourselves, and refuse a redirect to a URL
    the guard refuses before the browser can follow it.

    Only a popup's first navigation comes here (or every navigation of a page that
    could not be watched). The browser follows a fulfilled redirect itself, and
    Playwright lets that hop through unrouted: only its Location is checked here, not
    where it redirects to in turn. The request goes out through Playwright's HTTP
    client, not the browser's network stack.
    """
    request = route.request
    try:
        response = route.fetch(max_redirects=0)
    except PlaywrightError as exc:
        log.debug("could not fetch %s: %s", _without_query(request.url), _first_line(exc))
        with contextlib.suppress(PlaywrightError):
            route.abort("failed")
        return
    location = response.headers.get("location")
    if response.status in _REDIRECT_STATUSES and location:
        # 307 and 308 repeat the method and body; the others become a GET.
        keeps_method = response.status in (307, 308)
        method = request.method if keeps_method else "GET"
        body = request.post_data_buffer if keeps_method else None
        if not guard.decide(method, urljoin(request.url, location), body):
            route.abort("blockedbyclient")
            return
    route.fulfill(response=response)
