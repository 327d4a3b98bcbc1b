"""A tiny local web server standing in for Amazon, for the browser and guard tests.

Its pages sit on paths the read-only guard lets a check read (the order list, details,
tracking), so a test shows what the guard does with what those pages link to and try.
It records every request it receives: that log, not the page, says what got through.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import cast

# Short enough that a refused navigation we wrongly wait for fails fast, long enough for
# a loaded CI machine.
PAGE_TIMEOUT_MS = 10_000

CANCEL_PATH = "/progress-tracker/package/preship/cancel-items"
ORDERS = "/your-orders/orders"
DETAILS = "/gp/your-account/order-details?orderID=111-1"
ECHO = "/gp/css/order-history"
"""Shows the Cookie header it received: where sign-in lands."""
SETS_COOKIES = "/gp/your-account/order-history?set=cookies"
REDIRECT_TO_CANCEL = "/gp/your-account/ship-track?then=cancel"
"""A tracking link that answers 302 to a cancel URL."""
REDIRECT_TWICE = "/progress-tracker/package?then=redirect"
"""302 to REDIRECT_TO_CANCEL: two hops to the cancel URL."""
SCRIPT_TO_CANCEL = "/scripts/next-hop.js"
"""A script URL that answers 302 to a cancel URL."""
FRAME_TO_CANCEL = "/your-orders/order-details?frame=cancel"
"""A page with a frame of another site (localhost) that redirects to a cancel URL."""
SESSION_COOKIE = "session-token=signed-in"

# A 1x1 transparent PNG.
PIXEL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)

ORDERS_PAGE = f"""<!doctype html><html><head><title>Your Orders</title></head><body>
<form id="search" method="get" action="/your-orders/search">
  <input name="search" value="lamp"><button>Search</button>
</form>
<div class="order-card">
  <a id="details" href="{html.escape(DETAILS)}">View order details</a>
  <a id="cancel" href="{CANCEL_PATH}?orderID=111-1">Cancel items</a>
  <a id="details-popup" target="_blank" href="{html.escape(DETAILS)}"
     >View order details in a new window</a>
  <a id="redirect-popup" target="_blank" href="{html.escape(REDIRECT_TO_CANCEL)}">Track</a>
  <form id="edit" method="post" action="/gp/css/order/edit.html">
    <input type="hidden" name="orderID" value="111-1"><button>Cancel</button>
  </form>
  <img id="product" src="/images/I/product.png" alt="product">
</div></body></html>"""

SIGN_IN_PAGE = """<!doctype html><html><head><title>Sign in</title></head><body>
<form id="signin" method="post" action="/ap/signin{then}">
  <input name="email" value="user@example.com">
  <input type="hidden" name="openid.return_to" value="{return_to}">
  <button>Sign in</button>
</form>
<form id="signin-popup" method="post" action="/ap/signin" target="_blank">
  <input name="email" value="user@example.com"><button>Sign in in a new window</button>
</form></body></html>"""


@dataclass
class LocalStore:
    """A local web server standing in for Amazon; it remembers every request."""

    base_url: str
    hits: list[tuple[str, str]] = field(default_factory=list)
    """(method, path with query) of every request received, in order."""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return self.base_url + path

    def record(self, method: str, path: str) -> None:
        with self._lock:
            self.hits.append((method, path))

    def saw(self, path_prefix: str, method: str | None = None) -> bool:
        with self._lock:
            return any(
                path.startswith(path_prefix) and method in (None, seen_method)
                for seen_method, path in self.hits
            )

    def clear(self) -> None:
        with self._lock:
            self.hits.clear()


def _handler_for(store: LocalStore) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            store.record("GET", self.path)
            if self.path.startswith((REDIRECT_TO_CANCEL, SCRIPT_TO_CANCEL)):
                self._redirect(CANCEL_PATH + "?orderID=111-1")
            elif self.path.startswith(REDIRECT_TWICE):
                self._redirect(REDIRECT_TO_CANCEL)
            elif self.path.startswith("/images/"):
                self._reply(PIXEL_PNG, "image/png")
            elif self.path.startswith("/sw.js"):
                self._reply(b"self.addEventListener('fetch', () => {});", "text/javascript")
            elif self.path.startswith(SETS_COOKIES):
                cookies = ("first=1; Path=/", "second=2; Path=/")
                self._reply(b"<!doctype html><title>Set</title>", "text/html", cookies)
            else:
                self._reply(self._page().encode(), "text/html; charset=utf-8")

        def do_POST(self) -> None:
            store.record("POST", self.path)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.startswith("/ap/signin"):
                # Like Amazon: the session cookie comes with the redirect after sign-in.
                then = CANCEL_PATH if "then=cancel" in self.path else ECHO
                self._redirect(then, f"{SESSION_COOKIE}; Path=/; HttpOnly")
            else:
                self._reply(b"<!doctype html><title>Posted</title><p>posted</p>", "text/html")

        def _page(self) -> str:
            if self.path.startswith(ORDERS):
                return ORDERS_PAGE
            if self.path.startswith(ECHO):
                cookie = html.escape(self.headers.get("Cookie") or "")
                return f"<!doctype html><title>Cookies</title><p id=cookie>{cookie}</p>"
            if self.path.startswith(FRAME_TO_CANCEL):
                # Another site (localhost, not 127.0.0.1), like an ad frame on an Amazon page.
                port = cast(tuple[str, int], self.server.server_address)[1]
                src = html.escape(f"http://localhost:{port}{REDIRECT_TO_CANCEL}")
                return f"<!doctype html><title>Frame</title><iframe src='{src}'></iframe>"
            if self.path.startswith("/ap/signin?return_to=cancel"):
                cancel = "https://www.amazon.com" + CANCEL_PATH
                return SIGN_IN_PAGE.format(then="", return_to=cancel)
            if self.path.startswith("/ap/signin?then=cancel"):
                orders = "https://www.amazon.com/your-orders/orders"
                return SIGN_IN_PAGE.format(then="?then=cancel", return_to=orders)
            if self.path.startswith("/ap/signin"):
                orders = "https://www.amazon.com/your-orders/orders"
                return SIGN_IN_PAGE.format(then="", return_to=orders)
            return f"<!doctype html><title>{html.escape(self.path)}</title><p>page</p>"

        def _redirect(self, location: str, cookie: str | None = None) -> None:
            self.send_response(302)
            self.send_header("Location", location)
            if cookie is not None:
                self.send_header("Set-Cookie", cookie)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _reply(self, body: bytes, content_type: str, cookies: tuple[str, ...] = ()) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            for cookie in cookies:
                self.send_header("Set-Cookie", cookie)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the store's own log is `hits`."""

    return Handler


@contextmanager
def serving() -> Iterator[LocalStore]:
    """The local store on 127.0.0.1 (a free port), in a thread."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    store = LocalStore(base_url=f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler_for(store)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield store
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
