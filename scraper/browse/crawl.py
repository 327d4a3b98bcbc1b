"""Which pages to open, in what order, and how gently.

Newest orders first, one page at a time with a pause between loads. Paging stops once a
page holds only closed orders older than the oldest open one (after a first check, once a
page ends in a few such orders: the earlier checks say how far back the open ones go), so
the cost follows the open orders, not the length of the history. Details and tracking
pages are opened only for open orders that need them, and an earlier check's sight of an
order (`Crawl.previous`) stands in for them where it can:
- who sells an item of an order does not change, so sellers read off a details page are
  taken from any earlier sight that covers every item the list shows now;
- a pre-order's dates can move, so its details are taken from a sight only while that
  page was read recently (`CrawlOptions.refresh_hours`), the list shows the same release
  date, and neither the release nor the stated deadline is near (`_SETTLING`);
- a tracking page is taken from a recent sight while the list shows every shipment of
  the order as it did then (same status, status line and tracking link).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from cancelwatch.scraper.browse.guard import Guard, Refused, guard_of, wait_parsed
from cancelwatch.scraper.browse.options import CrawlOptions
from cancelwatch.scraper.browse.readonly import Load
from cancelwatch.scraper.browse.redact import keep_failed_page
from cancelwatch.scraper.browse.watchdog import GRACE_SECONDS, answering
from cancelwatch.scraper.errors import (
    AmazonUnavailable,
    CancelwatchError,
    PageUnresponsive,
    SelectorFailure,
    SignInNeeded,
)
from cancelwatch.scraper.pauses import pause
from cancelwatch.scraper.read.markup import Selectors
from cancelwatch.scraper.read.model import (
    Cancellability,
    Item,
    Order,
    OrderStatus,
    PageKind,
    ParsedPage,
    PreOrder,
    Tracking,
)
from cancelwatch.scraper.read.parse import PageSelectorFailure, parse_page

log = logging.getLogger(__name__)

_LIST_KINDS = (PageKind.ORDER_LIST, PageKind.DIGITAL_ORDER)
_MOVING = (OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT)
_SETTLING = timedelta(days=3)
_BACKOFF_CAP = 60.0
_MAX_SIGN_INS = 2
_SIGN_IN_KINDS = (PageKind.SIGN_IN, PageKind.OTP, PageKind.CAPTCHA, PageKind.CHALLENGE)


class Stopped(CancelwatchError):
    """The watcher is stopping; the check ends without recording anything."""


def default_is_open(today: date) -> Callable[[Order], bool]:
    """Open: anything still moving, cancellable, or inside its return window."""

    def is_open(order: Order) -> bool:
        if order.status in (OrderStatus.CANCELLED, OrderStatus.RETURNED):
            return False
        if order.cancellable is not Cancellability.NO:
            return True
        if order.status is OrderStatus.DELIVERED:
            return order.return_until is not None and order.return_until >= today
        return order.status is not OrderStatus.UNKNOWN

    return is_open


@dataclass
class CrawlResult:
    orders: list[Order] = field(default_factory=list)
    tracking: dict[str, list[Tracking]] = field(default_factory=dict)
    pages_read: int = 0
    signed_in: bool = False
    """Whether this crawl had to sign in (a reused session does not)."""
    warnings: list[str] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    """What the read-only guard refused while this crawl read its pages: a link the crawl
    would have followed, or something a page tried by itself."""
    read_by_labels: bool = False
    """Some order-list page was read partly by its labels only (`ParsedPage.read_by_labels`)."""
    details_read: set[str] = field(default_factory=set)
    """The orders whose details page this crawl read (the others' details, if any, came
    from an earlier sight)."""
    tracking_read: set[str] = field(default_factory=set)
    """The orders whose tracking pages this crawl read, every one of them."""


@dataclass(frozen=True)
class Sight:
    """An order as an earlier check saw it, and whether the pages read for it then are
    recent enough to stand in for reading them again (`CrawlOptions.refresh_hours`)."""

    order: Order
    tracking: tuple[Tracking, ...] = ()
    details_recent: bool = False
    tracking_recent: bool = False


@dataclass
class Crawl:
    page: Page
    sel: Selectors
    base_url: str
    sign_in: Callable[[], None]
    """Signs in on `page`; raises SignInNeeded when a human is needed."""
    today: date
    options: CrawlOptions = field(default_factory=CrawlOptions)
    is_open: Callable[[Order], bool] | None = None
    known_open_since: date | None = None
    """The oldest open order a previous check saw: read at least back to it."""
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    """Seconds, for the pauses: a pause counts from the moment the last page was read."""
    stop: threading.Event | None = None
    """Set when the watcher is asked to stop: the crawl ends at the next page, quickly."""
    progress: Callable[[int, int], None] | None = None
    """Told each list page's number and how many orders it holds as it is read, for a
    progress display (which words it in the user's language)."""
    previous: Callable[[str], Sight | None] | None = None
    """An order as an earlier check last saw it (by id), or None: what stands in for its
    details and tracking pages where it can (see the module's docstring)."""
    read_before: bool = False
    """An earlier check read this account's orders, so `known_open_since` says how far back
    its open orders go: paging may stop where the page ends in old closed orders."""
    _loads: int = 0
    _read_at: float | None = None
    _guard: Guard = field(init=False, repr=False)
    _just_signed_in: bool = False
    _sign_ins: int = 0
    _year_seen: int = 0
    result: CrawlResult = field(default_factory=CrawlResult)

    def run(self) -> CrawlResult:
        guard = guard_of(self.page.context)
        mark = guard.mark()
        try:
            return self._run(guard)
        finally:
            self.result.refused = guard.since(mark)

    def _run(self, guard: Guard) -> CrawlResult:
        self._guard = guard
        is_open = self.is_open or default_is_open(self.today)
        orders: dict[str, Order] = {}
        oldest_open = self.known_open_since
        floor = self.today - timedelta(days=self.options.lookback_days)
        year = self.today.year
        url: str | None = self._list_url(year)
        while url is not None:
            if self.result.pages_read >= self.options.max_pages:
                self.result.warnings.append(
                    f"stopped after {self.options.max_pages} order-list pages (crawl.max_pages)"
                )
                break
            page = self._load_list(url)
            self.result.pages_read += 1
            self.result.read_by_labels |= page.read_by_labels
            if self.progress is not None:
                self.progress(self.result.pages_read, len(page.orders))
            for order in page.orders:
                orders.setdefault(order.id, order)
            open_here = [o.placed_on for o in page.orders if is_open(o) and o.placed_on]
            if open_here:
                oldest_open = min([*open_here, *([oldest_open] if oldest_open else [])])
            horizon = min(floor, oldest_open) if oldest_open else floor
            if _all_closed_before(self._settled(page.orders), horizon, is_open):
                break
            url, year = self._next(page, year, horizon)
        self.result.orders = [self._enrich(o, is_open) for o in orders.values()]
        return self.result

    def _settled(self, orders: tuple[Order, ...]) -> tuple[Order, ...]:
        """The orders of a page that must all be closed and old for paging to stop: the
        whole page on a first check, which may meet an old open order nobody saw; after
        one, the page's last few. The list is newest first, and the open orders an earlier
        check saw are behind the horizon already (`known_open_since`)."""
        if not self.read_before or len(orders) <= _SETTLED_TAIL:
            return orders
        return orders[-_SETTLED_TAIL:]

    def _next(self, page: ParsedPage, year: int, horizon: date) -> tuple[str | None, int]:
        if page.next_page_url:
            url = urljoin(self.page.url, page.next_page_url)
            if self._permitted(url):
                return url, year
            return None, year
        self._year_seen = 0
        if year - 1 < horizon.year:
            return None, year
        return self._list_url(year - 1), year - 1

    def _list_url(self, year: int) -> str:
        path = self.sel.marketplace.order_list_url.format(year=year, start=0)
        return urljoin(self.base_url, path)

    # ---- loading one page, politely and with retries -------------------------------------

    def _load_list(self, url: str) -> ParsedPage:
        for attempt in range(self.options.retries + 1):
            page = self._try_load(url, attempt)
            if page is not None:
                return page
        raise AmazonUnavailable(
            f"{self.sel.marketplace.name} kept failing for {_short(url)} after "
            f"{self.options.retries + 1} tries; try again later"
        )

    def _try_load(self, url: str, attempt: int) -> ParsedPage | None:
        """The page, or None to try again after a pause."""
        self._pause(attempt)
        status = self._goto(url)
        if status is None or status >= 500:
            log.info("%s: %s, will retry", _short(url), status or "no answer")
            return None
        return self._read_here(url, attempt)

    def _read_here(self, url: str, attempt: int) -> ParsedPage | None:
        try:
            page = self._parsed_list()
            _check_complete(page, self._year_seen)
        except PageSelectorFailure as failure:
            if attempt < self.options.retries:
                log.info("%s: page could not be read, will retry (cut off?)", _short(url))
                return None
            raise self._kept(failure) from None
        if page.page_kind in _SIGN_IN_KINDS:
            self._sign_in_again()
            # Amazon sends the browser back to the page it asked for: read it where it is.
            return self._read_here(url, attempt) if _same_page(self.page.url, url) else None
        judged = self._judge(page, url)
        if judged is not None:
            self._year_seen += len(judged.orders)
        return judged

    def _judge(self, page: ParsedPage, url: str) -> ParsedPage | None:
        kind = page.page_kind
        if kind in _LIST_KINDS:
            self._just_signed_in = False
            return page
        if kind is PageKind.ERROR:
            return None
        if kind is PageKind.EMPTY_SHELL:
            raise self._kept(
                SelectorFailure(
                    f"the order list at {_short(url)} showed no orders and no order count "
                    f"within {self.options.render_wait_seconds:g} s; Amazon may have changed "
                    "its page",
                    ["order_card"],
                )
            )
        raise self._kept(
            SelectorFailure(
                f"expected the order list at {_short(url)} but got a page of kind {kind.value}",
                ["order_card"],
            )
        )

    def _kept(self, failure: SelectorFailure) -> SelectorFailure:
        """The failure, with a copy of the page (personal data taken out) to run
        `cancelwatch doctor` on and to attach to a bug report."""
        try:
            with answering(self.page, "the page to keep", self.options.timeout_seconds):
                html = self.page.content()
            path = keep_failed_page(html, self.sel.marketplace.name)
        except (OSError, PlaywrightError, PageUnresponsive) as exc:
            log.warning("could not keep a copy of the page: %s", exc)
            return failure
        message = (
            f"{failure}; a copy without your personal data: {path} (`cancelwatch doctor {path}`)"
        )
        return SelectorFailure(message, failure.fields)

    def _sign_in_again(self) -> None:
        """Sign in when the session is missing or expired: once at the start, and once
        more if it expires while paging; never twice in a row."""
        if self._just_signed_in or self._sign_ins >= _MAX_SIGN_INS:
            raise SignInNeeded(
                f"{self.sel.marketplace.name} asked to sign in again right after signing in; "
                "run `cancelwatch login --headed`"
            )
        log.info("no valid session; signing in")
        self._sign_ins += 1
        self._just_signed_in = True
        self.result.signed_in = True
        self.sign_in()

    def _goto(self, url: str) -> int | None:
        if self.stop is not None and self.stop.is_set():
            raise Stopped("stopped before the check finished; nothing was recorded")
        timeout = self.options.timeout_seconds * 1000
        # Two waits of `timeout` each, which Playwright ends itself; the watchdog only for a
        # page that answered them and then stopped answering (a wait's own last step).
        bound = 2 * self.options.timeout_seconds + GRACE_SECONDS
        try:
            with answering(self.page, f"the page {_short(url)}", bound):
                response = self.page.goto(url, wait_until="commit", timeout=timeout)
                wait_parsed(self.page, timeout)
        except PlaywrightError as exc:
            log.info("%s: %s", _short(url), str(exc).splitlines()[0])
            return None
        finally:
            self._read_at = self.clock()
        self._loads += 1
        return response.status if response is not None else 200

    def _permitted(self, url: str) -> bool:
        """Whether the guard lets the crawl open `url`, a link read off a page. A link it
        refuses is not followed (the guard would refuse the load anyway): it is reported
        as what the page tried, and the crawl goes on without it."""
        load = Load("GET", url, document=True)
        verdict = self._guard.policy.judge(load)
        if verdict.allowed:
            return True
        self._guard.note(verdict, load, "Document", self.page.url)
        what = verdict.family or verdict.refusal
        self.result.warnings.append(f"did not follow a link to {_short(url)} ({what})")
        return False

    def _content(self) -> str:
        with answering(
            self.page, f"the page {_short(self.page.url)}", self.options.timeout_seconds
        ):
            html = self.page.content()
        self._read_at = self.clock()
        return html

    def _pause(self, attempt: int) -> None:
        """Before a load, none before the first: the delay (doubled per retry) since the
        last page was read, so that parsing it takes nothing off the gap between two
        loads and adds nothing to it either."""
        if self._loads == 0 and attempt == 0:
            return
        delay = min(self.options.delay_seconds * (2**attempt if attempt else 1), _BACKOFF_CAP)
        if self._read_at is not None:
            delay -= self.clock() - self._read_at
        if delay <= 0:
            return
        if self.stop is not None:
            pause(delay, self.stop)  # the next load sees the stop and ends the crawl
        else:
            self.sleep(delay)

    def _parsed_list(self) -> ParsedPage:
        """The page as it stands once parsed; a list's frame still without its cards
        (Amazon renders recent order lists with JavaScript) is read again once they are
        there, or as it is when they do not come in time (then `empty_shell`)."""
        page = parse_page(self._content(), self.sel.marketplace.name)
        if page.page_kind is PageKind.EMPTY_SHELL and self._cards_rendered():
            page = parse_page(self._content(), self.sel.marketplace.name)
        return page

    def _cards_rendered(self) -> bool:
        cards = _css_of(self.sel, "order_card", "order_count")
        wait_s = self.options.render_wait_seconds
        try:
            with answering(self.page, "the page's order cards", wait_s + GRACE_SECONDS):
                self.page.wait_for_selector(cards, timeout=wait_s * 1000)
        except PlaywrightError:
            log.info("no order cards rendered within %g s", self.options.render_wait_seconds)
            return False
        return True

    # ---- details and tracking for open orders ---------------------------------------------

    def _enrich(self, order: Order, is_open: Callable[[Order], bool]) -> Order:
        if not is_open(order):
            return order
        sight = self.previous(order.id) if self.previous is not None else None
        if order.details_url and _needs_details(order):
            known = _details_from(order, sight, self.today)
            order = known if known is not None else self._with_details(order)
        if order.status in _MOVING:
            self._tracking(order, sight)
        return order

    def _with_details(self, order: Order) -> Order:
        page = self._load_other(order.details_url or "")
        if page is None or not page.orders:
            return order
        self.result.details_read.add(order.id)
        details = page.orders[0]
        return replace(
            order,
            preorder=details.preorder or order.preorder,
            items=details.items or order.items,
        )

    def _tracking(self, order: Order, sight: Sight | None) -> None:
        if (
            sight is not None
            and sight.tracking_recent
            and sight.tracking
            and _same_shipments(order, sight.order)
        ):
            self.result.tracking[order.id] = list(sight.tracking)
            return
        read = [s.tracking_url for s in order.shipments if s.tracking_url is not None]
        found = [t for url in read if (t := self._read_tracking(url)) is not None]
        if found:
            self.result.tracking[order.id] = found
            if len(found) == len(read):
                self.result.tracking_read.add(order.id)

    def _read_tracking(self, href: str) -> Tracking | None:
        page = self._load_other(href)
        return page.tracking if page is not None else None

    def _load_other(self, href: str) -> ParsedPage | None:
        """A details or tracking page: best effort, one try; the list already told the
        essentials."""
        url = urljoin(self.base_url, href)
        if not self._permitted(url):
            return None
        self._pause(0)
        status = self._goto(url)
        if status is None or status >= 400:
            self.result.warnings.append(f"could not open {_short(url)} ({status or 'no answer'})")
            return None
        try:
            return parse_page(self._content(), self.sel.marketplace.name)
        except PageSelectorFailure as failure:
            self.result.warnings.append(f"{_short(url)}: {failure}")
            return failure.page


def _check_complete(page: ParsedPage, seen_before: int) -> None:
    """A list page that ends the listing before the count it announces was cut off (a
    browser closes the tags of a truncated page, so the markup alone does not show it)."""
    if page.page_kind is not PageKind.ORDER_LIST or page.next_page_url or not page.order_count:
        return
    shown = seen_before + len(page.orders)
    if shown < page.order_count:
        raise PageSelectorFailure(
            f"the order list says {page.order_count} orders but ends after {shown} with no "
            "next page; the page was cut off, or its pagination is not read (fields: next_page)",
            ["next_page"],
            page,
        )


def _details_from(order: Order, sight: Sight | None, today: date) -> Order | None:
    """The order with what an earlier sight read off its details page, when that can stand
    in for reading the page again; None when the page is to be read."""
    if sight is None:
        return None
    before = sight.order
    items = _with_sellers(order.items, before.items) if order.items else None
    if order.preorder is None and before.preorder is None:
        return None if items is None else replace(order, items=items)
    pre, known = order.preorder, before.preorder
    if pre is None or known is None or not sight.details_recent:
        return None
    if pre.release_date not in (None, known.release_date) or _settling(known, today):
        return None
    return replace(
        order,
        preorder=PreOrder(
            release_date=pre.release_date or known.release_date,
            cancel_deadline=pre.cancel_deadline or known.cancel_deadline,
        ),
        items=items if items is not None else order.items,
    )


def _settling(pre: PreOrder, today: date) -> bool:
    """Near its release or its stated deadline, a pre-order's page is read on every check:
    preparation starts a day or two before release, and a moved date matters most then."""
    near = today + _SETTLING
    return any(day is not None and day <= near for day in (pre.release_date, pre.cancel_deadline))


def _same_shipments(order: Order, before: Order) -> bool:
    def moving(o: Order) -> list[tuple[OrderStatus, str | None, str | None]]:
        return [(s.status, s.status_text, s.tracking_url) for s in o.shipments]

    return order.status is before.status and moving(order) == moving(before)


def _needs_details(order: Order) -> bool:
    """A pre-order's deadline, and who sells a cancellable order (a seller's window is
    minutes long), are printed on the details page only."""
    pre = order.preorder
    if pre is not None and (pre.release_date is None or pre.cancel_deadline is None):
        return True
    unknown_seller = not any(item.seller for item in order.items)
    return order.cancellable is Cancellability.YES and not order.digital and unknown_seller


def _with_sellers(items: tuple[Item, ...], known: tuple[Item, ...]) -> tuple[Item, ...] | None:
    """`items` with each one's seller from the same item (by ASIN, else title) in `known`;
    None unless every item is found there with a seller."""
    sellers = {key: k.seller for k in known if k.seller and (key := _item_key(k)) is not None}
    keys = [_item_key(item) for item in items]
    if not items or any(key is None or key not in sellers for key in keys):
        return None
    return tuple(
        replace(item, seller=item.seller or sellers[key])
        for item, key in zip(items, keys, strict=True)
        if key is not None
    )


def _item_key(item: Item) -> str | None:
    return item.asin or item.title


_SETTLED_TAIL = 3
"""How many closed orders older than the horizon, in a row at the end of a page, tell a
crawl that knows the account's open orders that the rest of the list is older still."""


def _all_closed_before(
    orders: tuple[Order, ...], horizon: date, is_open: Callable[[Order], bool]
) -> bool:
    return bool(orders) and all(
        not is_open(o) and o.placed_on is not None and o.placed_on < horizon for o in orders
    )


def _css_of(sel: Selectors, *names: str) -> str:
    return ", ".join(
        fb.expr for name in names for fb in sel.field(name).fallbacks if fb.kind == "css"
    )


def _same_page(here: str, wanted: str) -> bool:
    a, b = urlsplit(here), urlsplit(wanted)
    return (a.path, a.query) == (b.path, b.query)


def _short(url: str) -> str:
    """A URL without its query: order ids and tokens stay out of messages."""
    return url.split("?", 1)[0]
