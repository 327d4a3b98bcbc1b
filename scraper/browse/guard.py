"""The read-only guard, below the page: every request of the whole browser passes here.

One DevTools session on the browser itself (not on a page) pauses every request that
any target of any context makes — pages, popups, frames in their own process, dedicated
and shared workers, beacons — and every hop of a redirect chain, before it is sent. Each
is judged by `readonly.ReadOnlyPolicy` and continued or failed. What that session
cannot pause is closed some other way:

- **WebSocket** handshakes are not paused by DevTools. Every page and worker script the
  browser receives gets a Content-Security-Policy (`connect-src` without `ws:`/`wss:`),
  so no script can open one; about:blank, srcdoc and blob: documents inherit it.
- **Speculative loads** (speculation-rules prefetch and prerender) bypass the session:
  `browser.launch` turns page preloading off in the browser's preferences.
- **Service workers** are refused (`Service-Worker: script`), and contexts block them.

A refused page load (a document) fails as "aborted", so the frame keeps the page it had
instead of showing an error page; anything else fails as "blocked by client". Every
refusal that is not quiet (`Refusal.quiet`) is kept in `Guard.refused`, for the check to
report.

The session answers from Python: with the sync API, paused requests move only while the
caller is inside a Playwright call. Wait with `page.wait_for_timeout`, not `time.sleep`.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import threading
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

from playwright.sync_api import Browser, BrowserContext, CDPSession, Page
from playwright.sync_api import Error as PlaywrightError

from cancelwatch.scraper.browse.readonly import (
    Family,
    Load,
    ReadOnlyPolicy,
    Refusal,
    Verdict,
    describe,
)

log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = "connect-src http: https: data: blob:"
"""Added to every document and worker script: fetch and XHR stay as they were (the guard
judges each request), WebSocket and WebTransport (`ws:`, `wss:`) are gone."""

_HEAVY_TYPES = frozenset({"Image", "Font", "Media"})
# Scripts realms come from documents and worker scripts; workers arrive as "Other".
_REALM_TYPES = ("Document", "Other")
_PATTERNS = [
    {"urlPattern": "*", "requestStage": "Request"},
    *(
        {"urlPattern": "*", "resourceType": kind, "requestStage": "Response"}
        for kind in _REALM_TYPES
    ),
]
# Headers that describe the body as it came over the wire; the body we hand back is decoded.
_WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})
_NO_BODY_STATUSES = frozenset({101, 204, 205, 304})


@dataclass(frozen=True)
class Refused:
    """One request the guard refused, for a report: never the query (ids, tokens)."""

    refusal: Refusal
    family: Family | None
    method: str
    url: str
    """Scheme, host and path."""
    resource_type: str
    page: str | None
    """The page that asked for it (scheme, host and path of its Referer), if known."""

    @property
    def alarming(self) -> bool:
        """A try to change something: an order-changing URL opened as a page or written
        to, or a write the guard has no reason to allow. A script's GET of a cart URL is
        refused too, but is not worth waking anyone for."""
        if self.refusal is Refusal.WRITE:
            return True
        return self.refusal is Refusal.MUTATING and (
            self.resource_type == "Document" or self.method not in ("GET", "HEAD")
        )


@dataclass
class Guard:
    """The guard of one browser. `policy` holds the sites its contexts may read."""

    policy: ReadOnlyPolicy
    block_resources: bool = True
    refused: list[Refused] = field(default_factory=list)
    quiet: int = 0
    """Requests refused without a word: ads, beacons, other hosts."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def install(self, browser: Browser) -> None:
        session = browser.new_browser_cdp_session()
        session.on("Fetch.requestPaused", lambda event: self._paused(session, event))
        session.send("Fetch.enable", {"patterns": _PATTERNS})

    def mark(self) -> int:
        """A position in `refused`, to read what came after it (`since`)."""
        with self._lock:
            return len(self.refused)

    def since(self, mark: int) -> list[Refused]:
        with self._lock:
            return self.refused[mark:]

    # ---- the DevTools side ----------------------------------------------------------------

    def _paused(self, session: CDPSession, event: dict[str, Any]) -> None:
        try:
            if "responseStatusCode" in event or "responseErrorReason" in event:
                self._response(session, event)
            else:
                self._request(session, event)
        except PlaywrightError as exc:  # the request or its target went away meanwhile
            log.debug("guard: %s", str(exc).splitlines()[0] if str(exc) else exc)
            _send(session, "Fetch.failRequest", event["requestId"], errorReason="Aborted")
        except Exception:  # never leave a request hanging; when in doubt, refuse
            log.exception("read-only guard could not judge a request; refusing it")
            _send(session, "Fetch.failRequest", event["requestId"], errorReason="Aborted")

    def _request(self, session: CDPSession, event: dict[str, Any]) -> None:
        request, kind = event["request"], event.get("resourceType", "Other")
        headers = {k.lower(): v for k, v in request.get("headers", {}).items()}
        body = _post_data(request)
        load = Load(
            method=request["method"],
            url=request["url"],
            document=kind == "Document",
            body=body,
            body_withheld=request.get("hasPostData", False) and body is None,
            service_worker=headers.get("service-worker") == "script",
        )
        verdict = self.policy.judge(load)
        if verdict.allowed and not (self.block_resources and kind in _HEAVY_TYPES):
            _send(session, "Fetch.continueRequest", event["requestId"])
            return
        if not verdict.allowed:
            self._record(verdict, load, kind, headers.get("referer"))
        # An aborted navigation leaves the frame on its page; a blocked one would commit
        # an error page in its place, and the check would read that.
        reason = "Aborted" if load.document else "BlockedByClient"
        _send(session, "Fetch.failRequest", event["requestId"], errorReason=reason)

    def note(self, verdict: Verdict, load: Load, kind: str, page: str | None) -> None:
        """Record a refusal made before the request reached the browser (a link the
        crawl chose not to follow), as if the guard had refused it there."""
        self._record(verdict, load, kind, page)

    def _record(self, verdict: Verdict, load: Load, kind: str, referer: str | None) -> None:
        assert verdict.refusal is not None
        if verdict.refusal.quiet:
            with self._lock:
                self.quiet += 1
            log.debug("guard refused (%s) %s %s", verdict.refusal, load.method, describe(load.url))
            return
        refused = Refused(
            verdict.refusal,
            verdict.family,
            load.method.upper(),
            describe(load.url),
            kind,
            describe(referer) if referer else None,
        )
        with self._lock:
            self.refused.append(refused)
        level = logging.WARNING if refused.alarming else logging.INFO
        log.log(
            level, "read-only guard refused %s %s (%s)", load.method, refused.url, refused.refusal
        )

    def _response(self, session: CDPSession, event: dict[str, Any]) -> None:
        """A page or worker script arrives: give it our Content-Security-Policy."""
        request_id, status = event["requestId"], event.get("responseStatusCode")
        if status is None or 300 <= status < 400 or status in _NO_BODY_STATUSES:
            # A failed load, a redirect (its next hop is paused as a request) or no body.
            _send(session, "Fetch.continueRequest", request_id)
            return
        body = session.send("Fetch.getResponseBody", {"requestId": request_id})
        data = body["body"] if body.get("base64Encoded") else _b64(body["body"])
        headers = [
            h for h in event.get("responseHeaders", []) if h["name"].lower() not in _WIRE_HEADERS
        ]
        headers.append({"name": "Content-Security-Policy", "value": CONTENT_SECURITY_POLICY})
        _send(
            session,
            "Fetch.fulfillRequest",
            request_id,
            responseCode=status,
            responseHeaders=headers,
            body=data,
            **(
                {"responsePhrase": event["responseStatusText"]}
                if event.get("responseStatusText")
                else {}
            ),
        )


def _send(session: CDPSession, method: str, request_id: str, **params: Any) -> None:
    with contextlib.suppress(PlaywrightError):  # the target may be gone by now
        session.send(method, {"requestId": request_id, **params})


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _post_data(request: dict[str, Any]) -> bytes | None:
    entries = request.get("postDataEntries")
    if entries:
        return b"".join(base64.b64decode(entry.get("bytes", "")) for entry in entries)
    post_data = request.get("postData")
    return post_data.encode() if isinstance(post_data, str) else None


_PARSED = "() => document.readyState !== 'loading'"


def wait_parsed(page: Page, timeout_ms: float) -> None:
    """Wait until the page's HTML is all there (what "domcontentloaded" means).

    Use this after a navigation that waited only for "commit", never Playwright's load
    states: a page that starts a navigation the guard refuses keeps its document, whole,
    but leaves Playwright waiting for a load that never comes.
    """
    page.wait_for_function(_PARSED, timeout=timeout_ms)


_GUARDS: WeakKeyDictionary[Browser, Guard] = WeakKeyDictionary()


def guard_browser(browser: Browser, policy: ReadOnlyPolicy, *, block_resources: bool) -> Guard:
    """Install the guard on `browser`, before any context is opened on it."""
    guard = Guard(policy, block_resources=block_resources)
    guard.install(browser)
    _GUARDS[browser] = guard
    return guard


def guard_of(target: Browser | BrowserContext) -> Guard:
    """The guard of a browser from `browser.launch` (or of a context on one);
    LookupError for any other."""
    browser = target if isinstance(target, Browser) else target.browser
    guard = _GUARDS.get(browser) if browser is not None else None
    if guard is None:
        raise LookupError(
            "this browser has no read-only guard: launch it with "
            "cancelwatch.scraper.browse.browser.launch"
        )
    return guard
