"""A hostile site: pages on the paths a check reads, each trying one way to make the
browser change an order, and a server log that is the judge.

Every attack page sits on the order list's path (`/your-orders/orders?attack=NAME`), so
the guard lets the page itself load; what the page then tries must never reach the
server. The server decides on its own what "mutating" means (`is_mutating`): it reads a path as the
demo store does, as a lenient server would, and looks for the order-changing families,
and counts every write that is not a sign-in form. It shares no code with the guard.

Redirect chains are kept on the server (`/gp/your-account/ship-track?hop=KEY` for pages,
`/static/hop-KEY.EXT` for files), so no hop shows where the chain ends.
"""

from __future__ import annotations

import html
import json
import posixpath
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from cancelwatch.scraper.demo.routes import path_as_server_reads

CANCEL = "/progress-tracker/package/preship/cancel-items?orderID=111-1"
EDIT = "/gp/css/order/edit.html?orderID=111-1"
ORDERS = "/your-orders/orders"
_FAMILIES = ("cancel", "edit", "return", "buy", "checkout", "cart", "delivery-preferences")

# Redirect chains: key -> (status, next location). A location starting "hop:" is the
# next hop of the same kind (page or file) as the current one.
HOPS: dict[str, tuple[int, str]] = {
    "c1": (302, CANCEL),
    "c2": (302, "hop:c1"),
    "c3": (301, "hop:c2"),
    "p1": (307, "hop:p2"),
    "p2": (307, EDIT),
    "x1": (302, "{B}" + CANCEL),  # to the other site
}


def is_mutating(method: str, target: str) -> bool:
    """Whether a request, as this server reads it, would change an order."""
    normal = path_as_server_reads(urlsplit(target).path)
    if any(family in normal for family in _FAMILIES):
        return True
    query = urlsplit(target).query.lower()
    if "cancelrequest" in query or "usecase=cancel" in query:
        return True
    return method not in ("GET", "HEAD") and not normal.startswith("/ap/signin")


@dataclass
class HostileLog:
    """Every request the hostile site received: (method, target, headers of note)."""

    requests: list[tuple[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _changed: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self._changed = threading.Condition(self._lock)

    def record(self, method: str, target: str) -> None:
        with self._changed:
            self.requests.append((method, target))
            self._changed.notify_all()

    def mutating(self) -> list[tuple[str, str]]:
        with self._lock:
            return [(m, t) for m, t in self.requests if is_mutating(m, t)]

    def wait_for(self, predicate: str, timeout: float) -> bool:
        """Wait until a request whose target holds `predicate` arrives."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not any(predicate in t for _, t in self.requests):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return True

    def wait_for_mutating(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not any(is_mutating(m, t) for m, t in self.requests):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return True

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()


@dataclass(frozen=True)
class Attack:
    name: str
    body: str
    """HTML after the page's own head; `{A}` and `{B}` are the two sites' origins."""
    headers: tuple[tuple[str, str], ...] = ()


def _js(script: str) -> str:
    return f"<script>{script}</script>"


def _then_done(script: str) -> str:
    """Run `script`, then tell the server the page got that far."""
    return _js(f"try {{ {script} }} catch (e) {{}} finally {{ done(); }}")


def _navigate(path: str) -> str:
    return _then_done(f"location.assign({json.dumps(path)})")


ATTACKS: tuple[Attack, ...] = (
    # --- navigations of the page itself
    Attack("location_assign", _navigate(CANCEL)),
    Attack("location_replace", _then_done(f"location.replace('{CANCEL}')")),
    Attack("meta_refresh", f'<meta http-equiv="refresh" content="0;url={html.escape(CANCEL)}">'),
    Attack(
        "link_click", f'<a id="go" href="{html.escape(CANCEL)}">x</a>' + _then_done("go.click()")
    ),
    Attack(
        "form_get",
        f'<form id="f" action="{CANCEL.split("?", maxsplit=1)[0]}">'
        '<input name="orderID" value="1"></form>' + _then_done("f.submit()"),
    ),
    Attack(
        "form_post",
        f'<form id="f" method="post" action="{html.escape(EDIT)}"><input name="x" value="1">'
        "</form>" + _then_done("f.submit()"),
    ),
    Attack(
        "form_blank_post_through_two_307s",
        '<form id="f" method="post" target="_blank" '
        'action="/gp/your-account/ship-track?hop=p1"><input name="x" value="1"></form>'
        + _then_done("f.submit()"),
    ),
    Attack("page_redirect_three_hops", _navigate("/gp/your-account/ship-track?hop=c3")),
    # --- popups
    Attack("popup_open", _then_done(f"window.open('{CANCEL}')")),
    Attack("popup_after_three_hops", _then_done("window.open('/progress-tracker/package?hop=c3')")),
    # --- frames, in this process and in another site's
    Attack("iframe_redirect", '<iframe src="/gp/your-account/ship-track?hop=c2"></iframe>'),
    Attack(
        "iframe_cross_site_redirect",
        '<iframe src="{B}/gp/your-account/ship-track?hop=c2"></iframe>',
    ),
    Attack(
        "iframe_cross_site_page_attacks",
        '<iframe src="{B}/your-orders/orders?attack=fetch_post"></iframe>',
    ),
    Attack(
        "iframe_to_other_site_redirect",
        '<iframe src="/gp/your-account/ship-track?hop=x1"></iframe>',
    ),
    Attack(
        "iframe_srcdoc_fetch",
        "<iframe srcdoc=\"<script>fetch('/gp/css/order/edit.html', {method: 'POST'})</script>\">"
        "</iframe>",
    ),
    Attack(
        "iframe_data_url_fetch",
        "<iframe src=\"data:text/html,<script>fetch('{A}/your-orders/cancel', "
        "{mode: 'no-cors', method: 'POST'})</script>\"></iframe>",
    ),
    # --- files a page loads by markup, redirected
    Attack("script_redirect", '<script src="/static/hop-c2.js"></script>'),
    Attack("stylesheet_redirect", '<link rel="stylesheet" href="/static/hop-c1.css">'),
    Attack("css_import_redirect", "<style>@import url('/static/hop-c1.css');</style>"),
    Attack("preload_redirect", '<link rel="preload" as="script" href="/static/hop-c1.js">'),
    Attack("modulepreload_redirect", '<link rel="modulepreload" href="/static/hop-c1.mjs">'),
    Attack(
        "track_redirect",
        '<video muted><track kind="subtitles" src="/static/hop-c1.vtt" default></video>',
    ),
    Attack("dynamic_import_redirect", _then_done("import('/static/hop-c1.mjs')")),
    Attack("image_redirect", '<img src="/static/hop-c1.png">'),
    # --- scripts' own requests
    Attack("fetch_get", _then_done(f"fetch('{CANCEL}')")),
    Attack("fetch_post", _then_done(f"fetch('{EDIT}', {{method: 'POST', body: 'x'}})")),
    Attack("fetch_redirect", _then_done("fetch('/static/hop-c2.json')")),
    Attack(
        "xhr_post",
        _then_done(
            "var x = new XMLHttpRequest(); x.open('POST', '/gp/add-to-cart/json'); x.send('a=1')"
        ),
    ),
    Attack("event_source", _then_done(f"new EventSource('{CANCEL}')")),
    Attack("send_beacon", _then_done("navigator.sendBeacon('/your-orders/cancel', 'x')")),
    Attack(
        "anchor_ping",
        '<a id="p" ping="/gp/buynow/B000000000" href="/your-orders/orders?x=1">x</a>'
        + _then_done("p.click()"),
    ),
    Attack(
        "keepalive_on_pagehide",
        _js(
            "addEventListener('pagehide', () => fetch('/spr/returns/cart', "
            "{method: 'POST', keepalive: true, body: 'x'}))"
        )
        + _navigate("/your-orders/orders?left=1"),
    ),
    # --- workers
    Attack("worker_fetch", _then_done("new Worker('/static/worker-fetch.js')")),
    Attack("worker_import_scripts", _then_done("new Worker('/static/worker-import.js')")),
    Attack(
        "module_worker_import",
        _then_done("new Worker('/static/worker-module.mjs', {type: 'module'})"),
    ),
    Attack(
        "blob_worker_fetch",
        _then_done("new Worker(URL.createObjectURL(new Blob([\"fetch('{A}" + CANCEL + "')\"])))"),
    ),
    Attack("shared_worker_fetch", _then_done("new SharedWorker('/static/worker-fetch.js')")),
    Attack(
        "shared_worker_import_scripts", _then_done("new SharedWorker('/static/worker-import.js')")
    ),
    Attack(
        "service_worker",
        _then_done("navigator.serviceWorker.register('/static/service-worker.js')"),
    ),
    # --- WebSocket
    Attack(
        "websocket", _then_done("new WebSocket('ws://' + location.host + '/your-orders/cancel')")
    ),
    Attack(
        "websocket_in_blank_iframe",
        _then_done(
            "var f = document.createElement('iframe'); document.body.append(f);"
            "new f.contentWindow.WebSocket('ws://' + location.host + '/your-orders/cancel')"
        ),
    ),
    Attack(
        "websocket_in_data_url_iframe",
        "<iframe src=\"data:text/html,<script>new WebSocket('ws://{A_HOST}/your-orders/cancel')"
        '</script>"></iframe>',
    ),
    Attack(
        "websocket_in_srcdoc_iframe",
        "<iframe srcdoc=\"<script>new WebSocket('ws://{A_HOST}/your-orders/cancel')"
        '</script>"></iframe>',
    ),
    Attack("websocket_in_worker", _then_done("new Worker('/static/worker-websocket.js')")),
    Attack(
        "websocket_in_shared_worker", _then_done("new SharedWorker('/static/worker-websocket.js')")
    ),
    Attack(
        "websocket_in_cross_site_iframe",
        '<iframe src="{B}/your-orders/orders?attack=websocket"></iframe>',
    ),
    # --- speculative loads
    Attack(
        "speculation_prefetch",
        '<script type="speculationrules">'
        + json.dumps({"prefetch": [{"source": "list", "urls": [CANCEL]}]})
        + "</script>",
    ),
    Attack(
        "speculation_prerender",
        '<script type="speculationrules">'
        + json.dumps({"prerender": [{"source": "list", "urls": ["/your-orders/cancel"]}]})
        + "</script>",
    ),
    Attack(
        "speculation_rules_header",
        "<p>rules come in a header</p>",
        (("Speculation-Rules", '"/static/rules.json"'),),
    ),
    Attack("link_prefetch", f'<link rel="prefetch" href="{html.escape(CANCEL)}">'),
    # --- spellings a lenient server reads as an order-changing URL
    *(
        Attack(f"spelling_{i}", _navigate(path))
        for i, path in enumerate(
            (
                "/progress-tracker/package/preship%252Fcancel-items?orderID=1",
                "/gp/css/order;x=1/edit.html?orderID=1",
                "/gp/css/x%2F..%2Forder%2Fedit.html?orderID=1",
                "/PROGRESS-TRACKER/Package/Preship/Cancel-Items?orderID=1",
                "/gp/css\\order\\edit.html?orderID=1",
                "/progress-tracker//package/preship//cancel-items?orderID=1",
                "/your-orders/cancel?orderID=1",
                "/gp/buynow/B000000000",
                "/gp/checkoutportal/enter-checkout.html",
                "/spr/returns?orderId=1",
                "/returns?orderId=1",
                "/gp/delivery-preferences/edit",
                "/gp/add-to-cart/json",
            )
        )
    ),
    # --- sign-in forms that would go on to a cancel page
    Attack(
        "sign_in_returning_to_cancel",
        '<form id="f" method="post" action="/ap/signin">'
        f'<input name="openid.return_to" value="{{A}}{html.escape(CANCEL)}"></form>'
        + _then_done("f.submit()"),
    ),
    Attack(
        "sign_in_with_a_body_too_large_to_read",
        '<form id="f" method="post" action="/ap/signin">'
        f'<input name="padding" value="{"y" * 100_000}">'
        f'<input name="openid.return_to" value="{{A}}{html.escape(CANCEL)}"></form>'
        + _then_done("f.submit()"),
    ),
    Attack(
        "sign_in_redirecting_to_cancel",
        '<form id="f" method="post" action="/ap/signin?then=cancel"><input name="email" value="a">'
        "</form>" + _then_done("f.submit()"),
    ),
)
ATTACK_NAMES = tuple(attack.name for attack in ATTACKS)
_BY_NAME = {attack.name: attack for attack in ATTACKS}

_WORKERS = {
    "worker-fetch.js": f"fetch('{CANCEL}')",
    "worker-import.js": "importScripts('/static/hop-c2.js')",
    "worker-module.mjs": "import '/static/hop-c1.mjs';",
    "worker-websocket.js": "new WebSocket('ws://' + location.host + '/your-orders/cancel')",
    "service-worker.js": f"fetch('{CANCEL}')",
}
_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".vtt": "text/vtt",
    ".png": "image/png",
}


def _page(attack: Attack, a: str, b: str) -> str:
    body = attack.body.replace("{A}", a).replace("{B}", b).replace("{A_HOST}", a.split("//")[1])
    return (
        "<!doctype html><html><head><meta charset=utf-8><title>Your Orders</title>"
        f"<script>function done() {{ fetch('/your-orders/orders?done={attack.name}'); }}"
        "addEventListener('load', () => setTimeout(done, 300));</script>"
        f"</head><body>{body}</body></html>"
    )


def _handler_for(log: HostileLog, origins: tuple[str, str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            log.record(self.command, self.path)
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            if "hop" in query:
                self._hop(query["hop"][0], page=True)
            elif url.path.startswith("/static/hop-"):
                self._hop(url.path.removeprefix("/static/hop-").rsplit(".", 1)[0], page=False)
            elif url.path.startswith("/static/"):
                self._static(url.path.removeprefix("/static/"))
            elif url.path == ORDERS and "attack" in query:
                attack = _BY_NAME[query["attack"][0]]
                self._reply(_page(attack, *origins).encode(), "text/html", attack.headers)
            else:
                self._reply(b"<!doctype html><title>page</title><p>page</p>", "text/html")

        def do_POST(self) -> None:
            log.record(self.command, self.path)
            form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode())
            if self.path.startswith("/ap/signin?then=cancel"):
                self._redirect(302, CANCEL)
            elif self.path.startswith("/ap/signin") and "openid.return_to" in form:
                # As Amazon does once signed in: on to where the form said.
                self._redirect(302, form["openid.return_to"][0])
            elif "hop" in parse_qs(urlsplit(self.path).query):
                self._hop(parse_qs(urlsplit(self.path).query)["hop"][0], page=True)
            else:
                self._reply(b"<!doctype html><p>posted</p>", "text/html")

        def _hop(self, key: str, *, page: bool) -> None:
            status, location = HOPS[key]
            if location.startswith("hop:"):
                nxt = location.removeprefix("hop:")
                location = (
                    f"/gp/your-account/ship-track?hop={nxt}" if page else f"/static/hop-{nxt}.js"
                )
            self._redirect(status, location.replace("{B}", origins[1]))

        def _static(self, name: str) -> None:
            if name == "rules.json":
                rules = {"prefetch": [{"source": "list", "urls": ["/gp/buynow/B000000000"]}]}
                self._reply(json.dumps(rules).encode(), "application/speculationrules+json")
                return
            body = _WORKERS.get(name, "").replace("{A}", origins[0]).encode()
            kind = _TYPES.get(posixpath.splitext(name)[1], "text/plain")
            self._reply(body, kind)

        def _redirect(self, status: int, location: str) -> None:
            self.send_response(status)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _reply(self, body: bytes, kind: str, headers: tuple[tuple[str, str], ...] = ()) -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the log is `HostileLog`."""

    return Handler


@contextmanager
def hostile_site() -> Iterator[tuple[HostileLog, str, str]]:
    """The hostile site on a free port of 127.0.0.1, also reachable as another site
    (localhost): (log, origin A, origin B)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_address[1]
    origins = (f"http://127.0.0.1:{port}", f"http://localhost:{port}")
    log = HostileLog()
    server.RequestHandlerClass = _handler_for(log, origins)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield log, *origins
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
