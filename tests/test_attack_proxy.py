"""`cancelwatch check` against the demo store behind a proxy that plants attacks in the
order list: the check reads the orders, raises one alert about what the page tried, and
neither crashes nor lets a single mutating request reach the store.

The store's own log is the judge (`DemoStore.requests`, each with the change it asks
for), as is the proxy's: every request the browser sent passes through it.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from cancelwatch.scraper.demo import (
    DEMO_EMAIL,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    DemoStore,
    ManualClock,
)
from cancelwatch.scraper.demo.routes import LIST_PATHS
from tests.hostile_site import is_mutating
from tests.test_cli_check import NOW, cancelwatch, home  # noqa: F401 (a fixture)

_FIRST_CANCEL = (
    "(document.querySelector('a[href*=\"cancel-items\"]') || {}).href"
    " || '/progress-tracker/package/preship/cancel-items?orderID=none'"
)
# One snippet per family; each finds the page's own "Cancel items" link. The page's own
# navigations come last: once a page starts one, Chromium stops parsing it.
ATTACKS = (
    f"<script>fetch({_FIRST_CANCEL}, {{method: 'POST', body: 'x'}})</script>",
    "<iframe src='/gp/your-account/ship-track?hop=1'></iframe>",
    "<script src='/static/next.js?hop=1'></script>",
    "<script>new Worker(URL.createObjectURL(new Blob(["
    f"'fetch(' + JSON.stringify({_FIRST_CANCEL}) + ')'])))</script>",
    "<script>new WebSocket('ws://' + location.host + '/your-orders/cancel')</script>",
    '<script type="speculationrules">{"prefetch": [{"source": "list", '
    '"urls": ["/gp/add-to-cart/json"]}]}</script>',
    f"<script>window.open({_FIRST_CANCEL})</script>",
    "<form id=cw-edit method=post action='/gp/css/order/edit.html'><input name=x value=1>"
    "</form><script>document.getElementById('cw-edit').submit()</script>",
    f"<script>location.assign({_FIRST_CANCEL})</script>",
)
_HOP_TARGET = "/progress-tracker/package/preship/cancel-items?orderID=hop"


class AttackingProxy:
    """Forwards every request to the store, plants ATTACKS in the order list's pages,
    and answers `?hop=1` itself with a redirect to a cancel URL."""

    def __init__(self, store_url: str) -> None:
        self.upstream = urlsplit(store_url)
        self.log: list[tuple[str, str]] = []
        self.planted = 0
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                proxy.forward(self)

            do_POST = do_GET

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: the proxy's log is `AttackingProxy.log`."""

        return Handler

    def forward(self, request: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.log.append((request.command, request.path))
        if "hop=1" in request.path:
            self._send(request, 302, [("Location", _HOP_TARGET)], b"")
            return
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host",)}
        connection = http.client.HTTPConnection(self.upstream.hostname or "", self.upstream.port)
        try:
            connection.request(request.command, request.path, body, headers)
            answer = connection.getresponse()
            payload = answer.read()
            reply_headers = [
                (k, v)
                for k, v in answer.getheaders()
                if k.lower() not in ("content-length", "transfer-encoding", "connection")
            ]
            if urlsplit(request.path).path in LIST_PATHS and b"</body>" in payload:
                payload = payload.replace(b"</body>", "".join(ATTACKS).encode() + b"</body>", 1)
                with self._lock:
                    self.planted += 1
            self._send(request, answer.status, reply_headers, payload)
        finally:
            connection.close()

    @staticmethod
    def _send(
        request: BaseHTTPRequestHandler, status: int, headers: list[tuple[str, str]], body: bytes
    ) -> None:
        request.send_response(status)
        for name, value in headers:
            request.send_header(name, value)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    def mutating(self) -> list[tuple[str, str]]:
        with self._lock:
            return [(m, p) for m, p in self.log if is_mutating(m, p) and "hop=1" not in p]


@pytest.fixture(scope="module")
def proxied_store() -> Iterator[tuple[DemoStore, AttackingProxy]]:
    with DemoStore("amazon.co.jp", clock=ManualClock(NOW)) as store:
        proxy = AttackingProxy(store.base_url)
        thread = threading.Thread(target=proxy.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield store, proxy
        finally:
            proxy.server.shutdown()
            proxy.server.server_close()


@pytest.mark.usefixtures("home")
def test_a_check_through_an_attacking_proxy_alerts_and_lets_nothing_through(
    proxied_store: tuple[DemoStore, AttackingProxy],
) -> None:
    store, proxy = proxied_store
    answers = f"{DEMO_EMAIL}\n{DEMO_PASSWORD}\n{DEMO_TOTP_SECRET}\n"
    code, out, err = cancelwatch(
        "login", "--account", "shop", "--base-url", proxy.base_url, stdin=answers
    )
    assert code == 0, err

    code, out, err = cancelwatch("check", "--account", "shop", "--json")

    assert code == 1, err  # an alert went out: the user should know
    assert "Traceback" not in err
    summary = json.loads(out)
    assert summary["open_orders"], "the orders were read despite the attacks"
    blocked = [a for a in summary["alerts_sent"] if a["kind"] == "guard_blocked"]
    assert len(blocked) == 1
    # The console notice names the page and what it tried, without order ids.
    notice = err[err.index(blocked[0]["title"]) :].split("[cancelwatch]")[0]
    assert "The order list (" in notice
    assert "tried to open a cancel URL" in notice
    assert "tried to open an order-edit URL" in notice
    assert "orderID" not in notice
    assert proxy.planted >= 2  # during login and during the check
    assert [r for r in store.requests if r.mutating] == []
    assert proxy.mutating() == []
