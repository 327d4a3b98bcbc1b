"""HTML → model: one entry point for every kind of Amazon page."""

from __future__ import annotations

import re
from collections.abc import Iterable

from selectolax.lexbor import LexborNode

from cancelwatch.scraper.errors import SelectorFailure
from cancelwatch.scraper.read.inputs import PageTooComplex, parse_tree
from cancelwatch.scraper.read.markup import (
    MatchLog,
    Scope,
    Selectors,
    cards,
    inside,
    load_selectors,
    nodes,
    read,
    read_all,
    without_inner,
)
from cancelwatch.scraper.read.model import PageKind, ParsedPage
from cancelwatch.scraper.read.orders import OrderReader
from cancelwatch.scraper.read.pagekind import (
    auth_step,
    detect_kind,
    detect_marketplace,
    is_list_shell,
)
from cancelwatch.scraper.read.tracking_page import read_tracking
from cancelwatch.scraper.read.values import parse_count

_DIGITAL_ID = re.compile(r"^D\d{2}-\d{7}-\d{7}$")
# Script and style text would leak words like "Cancelled" into text patterns.
_NOT_TEXT = ["script", "style", "noscript", "template"]


class PageSelectorFailure(SelectorFailure):
    """A selector failure that carries what could still be read, for `doctor`."""

    def __init__(self, message: str, fields: list[str], page: ParsedPage) -> None:
        super().__init__(message, fields)
        self.page = page


def parse_page(
    raw_html: str,
    marketplace: str | None = None,
    log: MatchLog | None = None,
    warnings: Iterable[str] = (),
) -> ParsedPage:
    """Parse one saved or fetched page. Raises PageSelectorFailure when the page shows
    orders that the selectors cannot read: that is blindness, not an empty history; and
    when its markup is past the bounds that keep parsing fast (`cancelwatch.scraper.read.inputs`).
    Pass a MatchLog to learn which fallback matched each field, read by read; `warnings`
    (how the page was read from disk, say) lead the page's own."""
    notes = list(warnings)
    if marketplace is None:
        marketplace, detected = detect_marketplace(raw_html)
        notes += detected
    sel = load_selectors(marketplace)
    try:
        tree = parse_tree(raw_html)
    except PageTooComplex as exc:
        empty = ParsedPage(sel.marketplace.name, PageKind.UNKNOWN, warnings=tuple(notes))
        raise PageSelectorFailure(f"{exc}; is this an Amazon page?", [], empty) from None
    tree.strip_tags(_NOT_TEXT)
    root = tree.root
    doc = Scope(root if root is not None else tree.body, raw_html)  # type: ignore[arg-type]
    log = log if log is not None else MatchLog()
    page = _parse(sel, doc, log, notes)
    _check_blind(page, sel)
    return page


def _parse(sel: Selectors, doc: Scope, log: MatchLog, warnings: list[str]) -> ParsedPage:
    name = sel.marketplace.name
    kind = detect_kind(sel, doc, log)
    if kind in (PageKind.SIGN_IN, PageKind.OTP):
        step = auth_step(sel, doc, log) if kind is PageKind.SIGN_IN else None
        error = read(sel.field("auth_error"), doc, log)
        return _page(name, kind, log, warnings, auth_step=step, auth_error=error)
    if kind is PageKind.TRACKING:
        tracking = read_tracking(sel, doc, log)
        return _page(name, kind, log, [*warnings, *tracking.warnings], tracking=tracking)
    if kind in (PageKind.ORDER_DETAILS, PageKind.DIGITAL_ORDER):
        return _details(sel, doc, log, warnings, kind)
    if kind is not None:
        return _page(name, kind, log, warnings)
    return _order_list(sel, doc, log, warnings)


def _page(
    name: str, kind: PageKind, log: MatchLog, warnings: list[str], **extra: object
) -> ParsedPage:
    matches = _matches(log)
    by_labels = _read_by_labels(log)
    return ParsedPage(
        name,
        kind,
        warnings=tuple(warnings),
        matches=matches,
        read_by_labels=by_labels,
        **extra,  # type: ignore[arg-type]
    )


def _details(
    sel: Selectors, doc: Scope, log: MatchLog, warnings: list[str], kind: PageKind
) -> ParsedPage:
    roots = nodes(sel.field("details_root"), doc, log)
    scope = Scope(roots[0]) if roots else doc
    order, missing = OrderReader(sel, log).order(scope, total_field="details_total")
    orders = (order,) if order.id else ()
    if order.digital and kind is PageKind.ORDER_DETAILS and _DIGITAL_ID.match(order.id):
        kind = PageKind.DIGITAL_ORDER
    page = _page(sel.marketplace.name, kind, log, warnings, orders=orders)
    return _with_missing(page, [(order.id or "the order", missing)])


def _order_list(sel: Selectors, doc: Scope, log: MatchLog, warnings: list[str]) -> ParsedPage:
    scopes = _cards(sel, doc, log)
    count = parse_count(read(sel.field("order_count"), doc, log))
    if not scopes and count is None:
        kind = PageKind.EMPTY_SHELL if is_list_shell(sel, doc, log) else PageKind.UNKNOWN
        return _page(sel.marketplace.name, kind, log, warnings)
    reader = OrderReader(sel, log)
    read_orders = [reader.order(scope) for scope in scopes]
    orders = tuple(order for order, _ in read_orders if order.id)
    kind = PageKind.ORDER_LIST
    search = read(sel.field("order_search"), doc, log)
    if orders and search and _DIGITAL_ID.match(search.strip()) and all(o.digital for o in orders):
        # "View order details" of a digital order lands on the list, searched for its id.
        kind = PageKind.DIGITAL_ORDER
    page = _page(
        sel.marketplace.name,
        kind,
        log,
        warnings,
        orders=orders,
        order_count=count,
        next_page_url=read(sel.field("next_page"), doc, log),
    )
    problems = [
        (order.id or f"card {i + 1}", missing) for i, (order, missing) in enumerate(read_orders)
    ]
    if not scopes and count:
        raise PageSelectorFailure(
            f"the page says it holds {count} orders but no order card was found "
            "(fields: order_card); Amazon may have changed its page: run `cancelwatch doctor`",
            ["order_card"],
            page,
        )
    _check_unread_links(sel, doc, scopes, page)
    return _with_missing(page, problems)


def _cards(sel: Selectors, doc: Scope, log: MatchLog) -> list[Scope]:
    """Each order card's scope, in page order, nested cards included."""
    spec = sel.field("order_card")
    scopes: list[Scope] = []
    nested: dict[str, None] = {}
    for card in cards(spec, doc, log):
        found, inner = _card(sel, card)
        scopes += found
        nested.update(dict.fromkeys(inner))
    for label in nested:
        log.hit(spec.name, label)
    return scopes


def _card(sel: Selectors, card: LexborNode) -> tuple[list[Scope], list[str]]:
    """A card's scopes, and the fallbacks that found the cards nested in it. A page may
    nest cards of an older layout inside a card of the current one (amazon.co.jp nests
    2010s Kindle cards in its `order-card`s): each nested card is an order of its own, and
    the card around it reads without them; a card around one nested card of the same order
    is only its wrapper, and reads whole. One level deep: a nested card reads whole."""
    spec, order_id = sel.field("order_card"), sel.field("order_id")
    found = inside(spec, card)
    inner = [Scope(node) for node, _ in found]
    inner_ids = [read(order_id, scope) for scope in inner]
    if not inner or (len(inner) == 1 and read(order_id, Scope(card)) == inner_ids[0]):
        return [Scope(card)], []
    own = Scope(without_inner(spec, card))
    own_id = read(order_id, own)
    mine = [own] if own_id is not None and own_id not in inner_ids else []
    return mine + inner, [fallback.label for _, fallback in found]


def _check_unread_links(sel: Selectors, doc: Scope, cards: list[Scope], page: ParsedPage) -> None:
    spec = sel.field("order_link_id")
    linked = set(read_all(spec, doc))
    covered = {o.id for o in page.orders}.union(*(read_all(spec, card) for card in cards))
    unread = sorted(linked - covered)
    if unread:
        shown = ", ".join(unread[:5]) + (" …" if len(unread) > 5 else "")
        raise PageSelectorFailure(
            f"the page links to {len(unread)} orders that no order card held ({shown}; "
            "fields: order_card); Amazon may have changed its page: run `cancelwatch doctor`",
            ["order_card"],
            page,
        )


def _with_missing(page: ParsedPage, problems: list[tuple[str, list[str]]]) -> ParsedPage:
    broken = [(who, missing) for who, missing in problems if missing]
    if not broken:
        return page
    fields = sorted({f for _, missing in broken for f in missing})
    where = "; ".join(f"{who}: {', '.join(missing)}" for who, missing in broken[:5])
    raise PageSelectorFailure(
        f"required fields not found ({where}); Amazon may have changed its page: "
        "run `cancelwatch doctor`",
        fields,
        page,
    )


def _check_blind(page: ParsedPage, sel: Selectors) -> None:
    if page.page_kind is PageKind.ORDER_LIST and page.order_count and not page.orders:
        raise PageSelectorFailure(
            f"the page says it holds {page.order_count} orders but none could be read "
            "(fields: order_id); run `cancelwatch doctor`",
            ["order_id"],
            page,
        )


def _matches(log: MatchLog) -> dict[str, str | None]:
    matches: dict[str, str | None] = {
        name: counter.most_common(1)[0][0] for name, counter in log.used.items()
    }
    for name in log.missed:
        matches.setdefault(name, None)
    return matches


def _read_by_labels(log: MatchLog) -> bool:
    # Any label hit counts, not just the most common fallback: one card read by its labels
    # is already a page the selectors have stopped fitting.
    return any(label.startswith("label ") for counter in log.used.values() for label in counter)
