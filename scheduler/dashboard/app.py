"""The dashboard's web app: one page, its script and style, the calendar feed, and a
"check now" that asks the watcher for a check (nothing here changes an order).

Every request passes `Guard` first: the Host header must name this server (DNS
rebinding), the token must come with it (in the query, or the cookie a first visit
sets), and every answer carries a strict Content-Security-Policy. Templates autoescape;
nothing from a page is ever marked safe.
"""

from __future__ import annotations

import hmac
import ipaddress
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cancelwatch.scheduler.dashboard import view
from cancelwatch.scheduler.policy.words import Lang, text
from cancelwatch.scraper.errors import CancelwatchError

Board = Callable[[datetime, Lang], dict[str, Any]]
"""The status payload at a moment, in a language (built by the command line)."""
Calendar = Callable[[datetime, Lang], bytes]
CheckRequest = Callable[[str], bool]
"""Asks the watcher to check an account as soon as its limits allow; False when the
watcher does not watch it."""

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
SECURITY_HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
)
_COOKIE_DAYS = 30
_PACKAGE = "cancelwatch.scheduler.dashboard"


@dataclass(frozen=True)
class Site:
    """What the app serves and whom it lets in."""

    board: Board
    clock: Callable[[], datetime]
    lang: Lang
    token: str
    names: frozenset[str]
    """Host names a request may use (lowercase): 127.0.0.1, localhost, the configured one."""
    port: int
    any_address: bool = False
    """Listening on every address: any IP literal may be the Host too (an address
    cannot be rebound; a name can)."""
    calendar: Calendar | None = None
    request_check: CheckRequest | None = None

    @property
    def cookie(self) -> str:
        # Per port: the demo's dashboard and the watcher's share 127.0.0.1's cookies.
        return f"cancelwatch-{self.port}"


def build_app(site: Site) -> ASGIApp:
    env = Environment(
        loader=PackageLoader(_PACKAGE, "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    templates = Jinja2Templates(env=env)
    pages = _Pages(site, templates)
    app = Starlette(
        routes=[
            Route("/", pages.dashboard, methods=["GET"]),
            Route("/calendar.ics", pages.calendar, methods=["GET"]),
            Route("/check/{account:str}", pages.check_now, methods=["POST"]),
            Mount("/static", app=StaticFiles(packages=[(_PACKAGE, "static")]), name="static"),
        ]
    )
    return Guard(app, site)


# -- the guard --------------------------------------------------------------------------------


class Guard:
    """Host header, then token, then the app; the security headers on every answer."""

    def __init__(self, app: ASGIApp, site: Site) -> None:
        self.app, self.site = app, site

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        headers = Headers(scope=scope)

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        request = Request(scope)
        lang = page_language(request, self.site.lang)
        if not self._our_host(headers.get("host", "")):
            # 421: this server is not the one the name points at (DNS rebinding).
            answer = _plain(lang, "dash_wrong_host", 421)
            return await answer(scope, receive, send_secured)
        given = request.query_params.get("token")
        if given is None:
            given = request.cookies.get(self.site.cookie)
        if given is None or not hmac.compare_digest(given.encode(), self.site.token.encode()):
            answer = _plain(lang, "dash_need_token", 403)
            return await answer(scope, receive, send_secured)
        if "token" in request.query_params and request.url.path == "/":
            # Into the cookie, and out of the address bar (and its history).
            return await self._welcome(request)(scope, receive, send_secured)
        await self.app(scope, receive, send_secured)
        return None

    def _our_host(self, host: str) -> bool:
        name, port = split_host(host)
        if port != self.site.port or not name:
            return False
        if name in self.site.names:
            return True
        return self.site.any_address and _is_address(name)

    def _welcome(self, request: Request) -> Response:
        rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
        target = "/" + (f"?{urlencode(rest)}" if rest else "")
        answer = RedirectResponse(target, status_code=303)
        answer.set_cookie(
            self.site.cookie,
            self.site.token,
            max_age=_COOKIE_DAYS * 86400,
            path="/",
            httponly=True,
            samesite="strict",
        )
        return answer


def split_host(host: str) -> tuple[str, int | None]:
    """ "127.0.0.1:8765" → ("127.0.0.1", 8765); "[::1]:8765" → ("::1", 8765); no port or
    a bad one → None."""
    host = host.strip().lower()
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        port_text = rest.removeprefix(":") if rest.startswith(":") else ""
    else:
        name, _, port_text = host.rpartition(":") if ":" in host else (host, "", "")
    name = name.removesuffix(".")
    return name, int(port_text) if port_text.isdigit() and len(port_text) <= 5 else None


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def page_language(request: Request, default: Lang) -> Lang:
    """The language the page asks for (`?lang=ja`), else the server's."""
    asked = request.query_params.get("lang")
    return asked if asked in ("ja", "en") else default  # type: ignore[return-value]


def _plain(lang: Lang, key: str, status: int, **values: object) -> PlainTextResponse:
    """A short answer in plain text, in the page's language."""
    return PlainTextResponse(text(lang, key, **values), status)


# -- the pages ----------------------------------------------------------------------------------


class _Pages:
    def __init__(self, site: Site, templates: Jinja2Templates) -> None:
        self.site, self.templates = site, templates

    def _lang(self, request: Request) -> Lang:
        return page_language(request, self.site.lang)

    async def dashboard(self, request: Request) -> Response:
        lang = self._lang(request)
        now = self.site.clock()
        try:
            payload = await run_in_threadpool(self.site.board, now, lang)
        except (CancelwatchError, sqlite3.DatabaseError) as exc:
            problem = {"lang": lang, "message": text(lang, "dash_problem", message=str(exc))}
            return self.templates.TemplateResponse(request, "problem.html", problem, 503)
        asked = request.query_params.get("asked")
        host = request.headers["host"]
        other: Lang = "en" if lang == "ja" else "ja"
        context: dict[str, Any] = {
            "lang": lang,
            "t": lambda key, **values: text(lang, key, **values),
            "now": view.js_instant(now),
            "as_of": view.as_of(payload, now),
            "accounts": view.accounts(payload, now, lang),
            "can_check": self.site.request_check is not None,
            "asked": asked,
            "other_lang": other,
            "calendar": self.site.calendar is not None,
            "webcal": f"webcal://{host}/calendar.ics?token={self.site.token}&lang={lang}",
            "ics": f"/calendar.ics?lang={lang}",
        }
        return self.templates.TemplateResponse(request, "dashboard.html", context)

    async def calendar(self, request: Request) -> Response:
        lang = self._lang(request)
        if self.site.calendar is None:
            return _plain(lang, "dash_no_feed", 404)
        try:
            body = await run_in_threadpool(self.site.calendar, self.site.clock(), lang)
        except (CancelwatchError, sqlite3.DatabaseError) as exc:
            return _plain(lang, "dash_feed_failed", 503, message=exc)
        return Response(
            body,
            media_type="text/calendar; charset=utf-8",
            headers={"content-disposition": 'inline; filename="cancelwatch.ics"'},
        )

    async def check_now(self, request: Request) -> Response:
        lang = self._lang(request)
        origin = request.headers.get("origin")
        if origin != f"http://{request.headers['host']}":
            # A form of this page sends its own origin; another site's would not match.
            return _plain(lang, "dash_check_here_only", 403)
        if self.site.request_check is None:
            return _plain(lang, "dash_checks_in_watch", 404)
        account = request.path_params["account"]
        watched = await run_in_threadpool(self.site.request_check, account)
        if not watched:
            return _plain(lang, "dash_no_such_account", 404)
        query = urlencode({"asked": account, "lang": lang})
        return RedirectResponse(f"/?{query}", status_code=303)
