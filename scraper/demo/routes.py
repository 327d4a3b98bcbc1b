"""Which page answers which URL, with the fault switches applied where Amazon would fail.

Read-only pages need a session; mutating URLs (cancel, edit, return, buy) are answered
with the form that would act, as Amazon does, and change nothing: the request log is
where a guard failure shows.
"""

from __future__ import annotations

import posixpath
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

from cancelwatch.scraper.demo import pages, react
from cancelwatch.scraper.demo.auth import Auth
from cancelwatch.scraper.demo.exchange import Request, Response
from cancelwatch.scraper.demo.faults import Fault, FaultOptions, FaultSet, drift, truncate
from cancelwatch.scraper.demo.pages import View
from cancelwatch.scraper.demo.scenario import DemoOrder
from cancelwatch.scraper.demo.templates import fill

LIST_PATHS = ("/your-orders/orders", "/gp/your-account/order-history", "/gp/css/order-history")
SEARCH_PATHS = ("/your-orders/search",)
DETAILS_PATHS = (
    "/gp/css/order-details",
    "/gp/your-account/order-details",
    "/your-orders/order-details",
)
DIGITAL_PATH = "/gp/digital/your-account/order-summary.html"
TRACKING_PATHS = ("/progress-tracker/package", "/gp/your-account/ship-track")
WAF_COOKIE = "aws-waf-token"


def mutating_action(request: Request) -> str | None:
    """The kind of change a request asks for, or None for a read: the families Amazon
    changes orders, carts and accounts through. The path is read as a lenient server
    reads it (decoded until it settles, dot segments and `;params` resolved, any case),
    so that a spelling the guard failed to see through would still show in the log."""
    path, query = path_as_server_reads(request.path), unquote(request.raw_query).lower()
    rules: list[tuple[bool, str]] = [
        ("/order/edit.html" in path or "order-edit.html" in path, "edit"),
        ("cancelrequest" in query, "cancel_request"),
        ("cancel" in path or "usecase=cancel" in query, "cancel"),
        ("return" in path, "return"),
        (any(w in path for w in ("/checkout", "/gp/buy", "buynow", "buy-now")), "buy"),
        ("cart" in path or "/gp/item-dispatch" in path, "cart"),
        ("/delivery-preferences" in path, "change"),
    ]
    for hit, action in rules:
        if hit:
            return action
    if request.method not in ("GET", "HEAD") and path != "/ap/signin":
        return "post"
    return None


def path_as_server_reads(raw_path: str) -> str:
    """A URL path as a lenient server reads it: decoded until it settles, backslashes as
    slashes, `;params` and dot segments resolved, lower case."""
    path = raw_path
    for _ in range(8):
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    segments = [s.split(";", 1)[0] for s in path.replace("\\", "/").split("/") if s]
    return posixpath.normpath("/" + "/".join(segments)).lower()


@dataclass
class StoreContext:
    """What the routes need from the store; the store owns and updates it."""

    auth: Auth
    faults: FaultSet
    options: FaultOptions
    view: Callable[[], View]
    waf_token: str


class Routes:
    def __init__(self, ctx: StoreContext) -> None:
        self.ctx = ctx

    def handle(self, request: Request) -> Response:
        faults = self.ctx.faults
        if faults.active(Fault.SLOW):
            # The server thread waits like a slow Amazon would; clients must not.
            time.sleep(self.ctx.options.slow_seconds)
        if faults.active(Fault.WAF) and request.cookies.get(WAF_COOKIE) != self.ctx.waf_token:
            view = self.ctx.view()
            body = fill("waf", lang=view.locale.lang, token=self.ctx.waf_token)
            return Response.html(body, 202)  # AWS WAF answers its challenge with 202
        return self._route(request)

    def _route(self, request: Request) -> Response:
        path, auth = request.path.rstrip("/") or "/", self.ctx.auth
        if path == "/ap/signin":
            return auth.post(request) if request.method == "POST" else auth.get(request)
        if path == "/errors/validateCaptcha":
            return auth.captcha(request)
        session = auth.signed_in(request)
        if path == "/gp/flex/sign-out.html":
            if session:
                auth.end_session(session)
            return Response.redirect("/")
        if path == "/":
            view = self.ctx.view()
            return Response.html(pages.home(view.locale, session is not None))
        action = mutating_action(request)
        page = self._order_page(path) if action is None else None
        if action is None and page is None:
            return Response.html(pages.error_page(self.ctx.view().locale, not_found=True), 404)
        if session is None:
            return auth.to_sign_in(request)
        if action is not None:
            return self._action(request, action)
        assert page is not None
        return self._serve_order_page(page, request, session)

    def _order_page(self, path: str) -> Callable[[View, Request], Response] | None:
        if path in LIST_PATHS or path in SEARCH_PATHS:
            return _order_list
        if path in DETAILS_PATHS:
            return _details
        if path == DIGITAL_PATH:
            return _digital
        if path in TRACKING_PATHS:
            return _tracking
        return None

    def _serve_order_page(
        self, render: Callable[[View, Request], Response], request: Request, session: str
    ) -> Response:
        faults, view = self.ctx.faults, self.ctx.view()
        if faults.active(Fault.HTTP_503):
            return Response.html(pages.error_page(view.locale), 503)
        paging = render is _order_list and _start_index(request) > 0
        if paging and faults.fire_once(Fault.SESSION_EXPIRY):
            self.ctx.auth.end_session(session)
            return self.ctx.auth.to_sign_in(request)
        if render is _order_list and faults.active(Fault.JS_RENDER):
            response = _order_list(view, request, self.ctx.options.js_delay_ms)
        else:
            response = render(view, request)
        return self._markup_faults(response)

    def _markup_faults(self, response: Response) -> Response:
        if response.status != 200:
            return response
        if self.ctx.faults.active(Fault.MARKUP_DRIFT):
            response.body = drift(response.body)
        elif self.ctx.faults.active(Fault.CLASS_DRIFT):
            response.body = drift(response.body, words=False)
        if self.ctx.faults.active(Fault.TRUNCATED):
            response.body = truncate(response.body, self.ctx.options.truncate_at)
        return response

    def _action(self, request: Request, action: str) -> Response:
        view = self.ctx.view()
        order_id = next(
            (request.query[k] for k in ("orderID", "orderId", "orderid") if k in request.query),
            request.form.get("orderID", ""),
        )
        # The form posts back to its own URL family, so a submit is logged as that action.
        target = request.path if request.method == "POST" else f"{request.path}/submit"
        if request.raw_query and action == "cancel_request":
            target += "?cancelRequest=1"
        body = pages.action_page(view.locale, action, order_id, target)
        return Response.html(body)


def _start_index(request: Request) -> int:
    """Where the page starts: `startIndex`, or the React layout's `page` (from 1)."""
    start, number = request.query.get("startIndex", ""), request.query.get("page", "")
    if _is_number(start):
        return int(start)
    if _is_number(number) and int(number) > 0:
        return (int(number) - 1) * pages.PAGE_SIZE
    return 0


def _is_number(value: str) -> bool:
    return value.isascii() and value.isdigit()


def _order_list(view: View, request: Request, shell_delay_ms: int | None = None) -> Response:
    time_filter = request.query.get("timeFilter") or request.query.get("orderFilter")
    time_filter = time_filter or pages.DEFAULT_FILTER
    search = request.query.get("search", "") if request.path.startswith(SEARCH_PATHS) else ""
    start = _start_index(request)
    if view.layout == "react":
        delay = react.FILL_DELAY_MS if shell_delay_ms is None else shell_delay_ms
        return Response.html(react.order_list(view, time_filter, start, search, delay))
    body = pages.order_list(view, time_filter, start, search, shell_delay_ms)
    return Response.html(body)


def _find(view: View, request: Request, *keys: str) -> DemoOrder | None:
    for key in keys:
        order = view.scenario.find(request.query.get(key, ""))
        if order is not None and order.placed_at <= view.now:
            return order
    return None


def _not_found(view: View) -> Response:
    return Response.html(pages.error_page(view.locale, not_found=True), 404)


def _details(view: View, request: Request) -> Response:
    order = _find(view, request, "orderID", "orderId")
    if order is None:
        return _not_found(view)
    if order.digital:
        return Response.html(pages.digital_summary(view, order))
    return Response.html(pages.order_details(view, order))


def _digital(view: View, request: Request) -> Response:
    order = _find(view, request, "orderID", "orderId")
    if order is None or not order.digital:
        return _not_found(view)
    return Response.html(pages.digital_summary(view, order))


def _tracking(view: View, request: Request) -> Response:
    order = _find(view, request, "orderId", "orderID")
    if order is None or order.digital:
        return _not_found(view)
    return Response.html(pages.tracking(view, order))
