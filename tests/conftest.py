"""Browser fixtures: one real Chromium per test session, and a tiny local web server.

The browser comes from `scraper.browser.find_browser`, so CANCELWATCH_BROWSER picks it;
otherwise Playwright's own Chromium or the system one (CI: Debian's /usr/bin/chromium).
"""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Browser, BrowserContext, Playwright, sync_playwright

from scraper.browser import find_browser, launch, new_context

# Short enough that a refused navigation we wrongly wait for fails fast, long enough for
# a loaded CI machine.
PAGE_TIMEOUT_MS = 10_000

# A 1x1 transparent PNG.
PIXEL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)

CANCEL_PATH = "/progress-tracker/package/preship/cancel-items"

ORDERS_PAGE = """<!doctype html><html><head><title>Your Orders</title></head><body>
<form id="search" method="get" action="/your-orders/search">
  <input name="search" value="lamp"><button>Search</button>
</form>
<div class="order-card">
  <a id="details" href="/gp/your-account/order-details?orderID=111-1">View order details</a>
  <a id="cancel" href="/progress-tracker/package/preship/cancel-items?orderID=111-1"
     >Cancel items</a>
  <a id="details-popup" target="_blank" href="/gp/your-account/order-details?orderID=111-1"
     >View order details in a new window</a>
  <a id="redirect-popup" target="_blank" href="/redirect-to-cancel">Help</a>
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

SESSION_COOKIE = "session-token=signed-in"


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
            if self.path.startswith("/redirect-to-cancel"):
                self._redirect(CANCEL_PATH + "?orderID=111-1")
            elif self.path.startswith("/redirect-twice"):
                self._redirect("/redirect-to-cancel")
            elif self.path.startswith("/images/"):
                self._reply(PIXEL_PNG, "image/png")
            elif self.path.startswith("/sw.js"):
                self._reply(b"self.addEventListener('fetch', () => {});", "text/javascript")
            else:
                self._reply(self._page().encode(), "text/html; charset=utf-8")

        def do_POST(self) -> None:
            store.record("POST", self.path)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.startswith("/ap/signin"):
                # Like Amazon: the session cookie comes with the redirect after sign-in.
                then = CANCEL_PATH if "then=cancel" in self.path else "/cookie-echo"
                self._redirect(then, f"{SESSION_COOKIE}; Path=/; HttpOnly")
            else:
                self._reply(b"<!doctype html><title>Posted</title><p>posted</p>", "text/html")

        def _page(self) -> str:
            if self.path.startswith("/orders"):
                return ORDERS_PAGE
            if self.path.startswith("/cookie-echo"):
                cookie = html.escape(self.headers.get("Cookie") or "")
                return f"<!doctype html><title>Cookies</title><p id=cookie>{cookie}</p>"
            if self.path.startswith("/frame-to-cancel"):
                # Another site (localhost, not 127.0.0.1), like an ad frame on an Amazon page.
                port = self.server.server_address[1]
                src = f"http://localhost:{port}/redirect-to-cancel"
                return f"<!doctype html><title>Frame</title><iframe src={src}></iframe>"
            if self.path.startswith("/ap/signin?return_to=cancel"):
                cancel = "https://www.amazon.com" + CANCEL_PATH
                return SIGN_IN_PAGE.format(then="", return_to=cancel)
            if self.path.startswith("/ap/signin?then=cancel"):
                orders = "https://www.amazon.com/your-orders/orders"
                return SIGN_IN_PAGE.format(then="?then=cancel", return_to=orders)
            if self.path.startswith("/ap/signin"):
                orders = "https://www.amazon.com/your-orders/orders"
                return SIGN_IN_PAGE.format(then="", return_to=orders)
            return f"<!doctype html><title>{self.path}</title><p>page</p>"

        def _redirect(self, location: str, cookie: str | None = None) -> None:
            self.send_response(302)
            self.send_header("Location", location)
            if cookie is not None:
                self.send_header("Set-Cookie", cookie)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _reply(self, body: bytes, content_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the store's own log is `hits`."""

    return Handler


@pytest.fixture(scope="module")
def local_store() -> Iterator[LocalStore]:
    """A web server on 127.0.0.1 (free port) in a thread, for one test module."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    store = LocalStore(base_url=f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler_for(store)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield store
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def store(local_store: LocalStore) -> LocalStore:
    """The module's local web server, with an empty request log."""
    local_store.clear()
    return local_store


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One headless browser for the whole session, found and launched like the product."""
    launched = launch(playwright, find_browser())
    yield launched
    launched.close()


@pytest.fixture
def guarded_context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh context from new_context (guard on, heavy resources blocked)."""
    context = new_context(browser)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    yield context
    context.close()
