"""The demo store: a ThreadingHTTPServer on 127.0.0.1 that serves the routes, logs every
request it gets and lets a test switch faults and move the clock."""

from __future__ import annotations

import json
import logging
import secrets
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit

from cancelwatch.scraper.demo.account import DemoAccount
from cancelwatch.scraper.demo.auth import Auth
from cancelwatch.scraper.demo.clock import Clock, SystemClock
from cancelwatch.scraper.demo.exchange import Request, Response
from cancelwatch.scraper.demo.faults import Fault, FaultOptions, FaultSet
from cancelwatch.scraper.demo.locale import locale_for
from cancelwatch.scraper.demo.mail import MAILED_MARKETPLACES, Mailer
from cancelwatch.scraper.demo.pages import LAYOUTS, View
from cancelwatch.scraper.demo.routes import Routes, StoreContext, mutating_action
from cancelwatch.scraper.demo.scenario import DemoOrder, Preset, Scenario, build_scenario

log = logging.getLogger(__name__)
_MAX_FORM = 64 * 1024


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the store saw it. Never the body: it may hold a password."""

    time: datetime
    """The store clock's time when it arrived."""
    method: str
    path: str
    query: str
    status: int
    mutating: str | None
    """The change it asked for ("cancel", "edit", "return", "buy", …), or None."""

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["time"] = self.time.isoformat()
        return data


class DemoStore:
    """An Amazon look-alike for one marketplace, with a scenario that follows `clock`.

    Use as a context manager, or call start() and stop(). `history` adds that many old
    delivered orders behind the scenario's own; `preset="benchmark"` keeps only its 5 open
    ones in front of them (see `scenario.BENCHMARK_CASES`). `layout="react"` serves the
    order list as Amazon's React page: skeleton first, cards filled in by script.
    With `maildir`, each order placed while it runs (`place_seller_order`) is also mailed
    there, Amazon-shaped (scraper/demo/mail.py), once the clock reaches it.
    """

    def __init__(
        self,
        marketplace: str = "amazon.co.jp",
        *,
        clock: Clock | None = None,
        faults: Iterable[str | Fault] | str = (),
        history: int = 0,
        preset: Preset = "full",
        account: DemoAccount | None = None,
        session_ttl: timedelta = timedelta(hours=12),
        fault_options: FaultOptions | None = None,
        log_path: Path | None = None,
        layout: str = "classic",
        maildir: Path | None = None,
    ) -> None:
        if layout not in LAYOUTS:
            raise ValueError(f"unknown layout {layout!r}; known: {', '.join(LAYOUTS)}")
        self.marketplace = marketplace
        self.layout = layout
        self.locale = locale_for(marketplace)
        self.clock: Clock = clock or SystemClock()
        self.account = account or DemoAccount()
        self.scenario: Scenario = build_scenario(marketplace, self.clock.now(), history, preset)
        self.faults = FaultSet(faults)
        self.auth = Auth(self.locale, self.account, self.clock, self.faults, session_ttl)
        self.log_path = log_path
        self._log: list[LoggedRequest] = []
        self._log_lock = threading.Lock()
        self._scenario_lock = threading.Lock()
        self._routes = Routes(
            StoreContext(
                auth=self.auth,
                faults=self.faults,
                options=fault_options or FaultOptions(),
                view=self._view,
                waf_token=secrets.token_urlsafe(16),
            )
        )
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._mailer: Mailer | None = None
        if maildir is not None:
            if marketplace not in MAILED_MARKETPLACES:
                raise ValueError(
                    f"the demo store mails no order of {marketplace}; it mails those of "
                    f"{', '.join(MAILED_MARKETPLACES)}"
                )
            self._mailer = Mailer(maildir, self.clock, lambda: self.scenario)

    # ---- life cycle ----------------------------------------------------------------------

    def start(self, port: int = 0) -> str:
        """Serve on 127.0.0.1 (`port` 0: any free port) and return the base URL."""
        if self._server is not None:
            return self.base_url
        server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        # A short poll keeps stop() quick: tests start and stop stores often.
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"demo-store-{self.marketplace}",
            daemon=True,
        )
        self._thread.start()
        if self._mailer is not None:
            self._mailer.start()
        return self.base_url

    def stop(self) -> None:
        if self._mailer is not None:
            self._mailer.stop()
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> DemoStore:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the demo store is not running; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # ---- control -------------------------------------------------------------------------

    def place_seller_order(self, at: datetime) -> DemoOrder:
        """A new third-party seller order, placed at `at` on the store's clock: listed, and
        mailed when the store has a Maildir, from then on."""
        with self._scenario_lock:
            self.scenario, order = self.scenario.with_seller_order(at)
        return order

    def set_faults(self, faults: Iterable[str | Fault] | str) -> None:
        self.faults.set(faults)

    def expire_sessions(self) -> None:
        self.auth.end_all_sessions()

    @property
    def requests(self) -> list[LoggedRequest]:
        with self._log_lock:
            return list(self._log)

    def clear_requests(self) -> None:
        with self._log_lock:
            self._log.clear()

    # ---- serving -------------------------------------------------------------------------

    def _view(self) -> View:
        return View(
            self.locale, self.scenario, self.clock.now(), self.locale.w("name"), self.layout
        )

    def handle(self, request: Request) -> Response:
        """Answer one request and log it; also callable without a socket."""
        try:
            response = self._routes.handle(request)
        except Exception:
            log.exception("demo store failed on %s %s", request.method, request.path)
            response = Response.html("<h1>demo store error</h1>", 500)
        self._record(request, response.status)
        return response

    def _record(self, request: Request, status: int) -> None:
        entry = LoggedRequest(
            self.clock.now(),
            request.method,
            request.path,
            request.raw_query,
            status,
            mutating_action(request),
        )
        with self._log_lock:
            self._log.append(entry)
            if self.log_path is not None:
                with self.log_path.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(entry.to_json(), ensure_ascii=False) + "\n")


def _handler_for(store: DemoStore) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "Server"  # Amazon names no server software; neither do we
        sys_version = ""
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._answer("GET")

        def do_HEAD(self) -> None:
            self._answer("HEAD")

        def do_POST(self) -> None:
            self._answer("POST")

        def _answer(self, method: str) -> None:
            request = self._request(method)
            response = store.handle(request)
            body = response.body.encode("utf-8")
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache, no-store")
            for name, value in response.headers:
                self.send_header(name, value)
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(body)

        def _request(self, method: str) -> Request:
            url = urlsplit(self.path)
            form: dict[str, str] = {}
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                raw = self.rfile.read(min(length, _MAX_FORM)).decode("utf-8", "replace")
                form = dict(parse_qsl(raw, keep_blank_values=True))
            return Request(
                method=method,
                path=url.path,
                query=dict(parse_qsl(url.query, keep_blank_values=True)),
                raw_query=url.query,
                form=form,
                cookies=_cookies(self.headers.get("Cookie", "")),
            )

        def log_message(self, format: str, *args: object) -> None:
            log.debug("demo store: " + format, *args)

    return Handler


def _cookies(header: str) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}
