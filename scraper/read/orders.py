"""One order from its card on the list page, or from its details page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cancelwatch.scraper.read import labels
from cancelwatch.scraper.read.markup import (
    MatchLog,
    Scope,
    Selectors,
    first_hit,
    nodes,
    normalise,
    present,
    read,
)
from cancelwatch.scraper.read.model import (
    Approval,
    Cancellability,
    Item,
    Order,
    OrderStatus,
    PreOrder,
    Shipment,
)
from cancelwatch.scraper.read.values import currency_of, parse_amount, parse_count, parse_date

# How far along a shipment is; an order is as far as its least advanced shipment.
_PROGRESS = (
    OrderStatus.PENDING,
    OrderStatus.PREPARING,
    OrderStatus.SHIPPED,
    OrderStatus.IN_TRANSIT,
    OrderStatus.DELIVERED,
)


@dataclass
class OrderReader:
    """Reads orders with one marketplace's selectors, logging which fallbacks matched."""

    sel: Selectors
    log: MatchLog

    def _read(self, name: str, scope: Scope) -> str | None:
        return read(self.sel.field(name), scope, self.log)

    def _present(self, name: str, scope: Scope) -> bool:
        return present(self.sel.field(name), scope, self.log)

    def _date(self, name: str, scope: Scope, near: date | None) -> date | None:
        return parse_date(self._read(name, scope), self.sel.marketplace, near)

    def order(self, scope: Scope, total_field: str = "total") -> tuple[Order, list[str]]:
        """The order in `scope` and the names of required fields that were missing."""
        order_id = self._read("order_id", scope)
        placed_on = self._date("placed_on", scope, None)
        missing = [
            name
            for name, value in (("order_id", order_id), ("placed_on", placed_on))
            if value is None and self.sel.field(name).required
        ]
        total_text = self._read(total_field, scope)
        shipments = tuple(self._shipments(scope, placed_on))
        items = tuple(i for s in shipments for i in s.items) or tuple(self._items(scope))
        cancellable, cancel_url = self._cancellability(scope)
        digital = (order_id or "").startswith("D") or self._present("digital", scope)
        status = self._order_status(scope, shipments, digital)
        if status is OrderStatus.CANCELLED:
            cancellable, cancel_url = Cancellability.NO, None
        order = Order(
            id=order_id or "",
            placed_on=placed_on,
            total=parse_amount(total_text),
            currency=currency_of(total_text, self.sel.marketplace.currency) if total_text else None,
            status=status,
            cancellable=cancellable,
            cancel_url=cancel_url,
            digital=digital,
            preorder=self._preorder(scope, placed_on),
            left_at_door=self.left_at_door(scope),
            return_until=self._date("return_until", scope, placed_on),
            shipments=shipments,
            items=items,
            details_url=self._read("details_link", scope),
            approval=self._approval(scope),
        )
        return order, missing

    def _approval(self, scope: Scope) -> Approval | None:
        for state in (Approval.REJECTED, Approval.PENDING, Approval.APPROVED):
            if self._present(f"approval_{state.value}", scope):
                return state
        return None

    def _cancellability(self, scope: Scope) -> tuple[Cancellability, str | None]:
        cancel = self._read("cancel_link", scope)
        if cancel:
            return Cancellability.YES, cancel
        hit = first_hit(self.sel.field("cancel_request"), scope, self.log)
        if hit is None:
            return Cancellability.NO, None
        values, fallback = hit
        return Cancellability.REQUEST, values[0] if fallback.kind == "href" else None

    def _preorder(self, scope: Scope, placed_on: date | None) -> PreOrder | None:
        release = self._date("release_date", scope, placed_on)
        if release is None and not self._present("preorder", scope):
            return None
        return PreOrder(release, self._date("cancel_deadline", scope, placed_on))

    def left_at_door(self, scope: Scope) -> bool | None:
        if self._present("left_at_door", scope):
            return True
        if self._present("handed_over", scope):
            return False
        return None

    def _order_status(
        self, scope: Scope, shipments: tuple[Shipment, ...], digital: bool
    ) -> OrderStatus:
        if self._present("order_cancelled", scope):
            return OrderStatus.CANCELLED
        if any(s.status is not OrderStatus.UNKNOWN or s.status_text for s in shipments) or digital:
            # A digital order has no shipment, so no status line to miss.
            return _combined([s.status for s in shipments])
        return self._status_by_words(scope)

    def _shipments(self, scope: Scope, placed_on: date | None) -> list[Shipment]:
        boxes = nodes(self.sel.field("shipment"), scope, self.log)
        shipments = [self._shipment(Scope(box), placed_on) for box in boxes]
        # Amazon leaves empty shipment boxes in some layouts; they are not shipments.
        return [s for s in shipments if s.status_text or s.items or s.tracking_url]

    def _shipment(self, scope: Scope, placed_on: date | None) -> Shipment:
        primary = self._read("shipment_primary", scope)
        secondary = self._read("shipment_secondary", scope)
        status = self.status_of(scope, primary, secondary)
        when = parse_date(primary, self.sel.marketplace, placed_on)
        delivered = status is OrderStatus.DELIVERED
        text = " / ".join(t for t in (primary, secondary) if t) or None
        return Shipment(
            status=status,
            status_text=text,
            tracking_url=self._read("tracking_link", scope),
            delivered_on=when if delivered else None,
            expected_on=None if delivered else when,
            items=tuple(self._items(scope)),
        )

    def status_of(self, scope: Scope, *texts: str | None) -> OrderStatus:
        """Status from structure first (status codes, classes), words last."""
        rules = self.sel.status
        code = self._read("status_code", scope)
        if code and code.upper() in rules.codes:
            return OrderStatus(rules.codes[code.upper()])
        classes = set((scope.node.attributes.get("class") or "").split())
        for cls, status in rules.classes.items():
            if cls in classes:
                return OrderStatus(status)
        return self._by_words([normalise(t) for t in texts if t])

    def _by_words(self, lines: list[str]) -> OrderStatus:
        """The first status, in the order of [status.words], that any line says. What a
        line says about shipping outranks an arrival estimate on another: "Arriving
        tomorrow" above "Not yet shipped" is pending, above "Shipped" shipped."""
        for status, patterns in self.sel.status.words:
            if any(p.search(line) for p in patterns for line in lines):
                return OrderStatus(status)
        return OrderStatus.UNKNOWN

    def _status_by_words(self, scope: Scope) -> OrderStatus:
        """The label tier's status: when no selector found a status line, the status words
        in the card's own lines, as a person reads them, and as for shipments the least
        advanced status they name ("Shipped" beside "Delivered April 4" is shipped).
        Logged as "label status", so that `doctor` and the labels-only warning see it."""
        text = "\n".join(labels.lines(scope.node, self._label_stops()))
        status = _combined(
            [OrderStatus(s) for s, pattern in self.sel.status.in_lines if pattern.search(text)]
        )
        if status is not OrderStatus.UNKNOWN:
            self.log.hit("shipment_primary", "label status")
        return status

    def _label_stops(self) -> frozenset[str]:
        """Every label text of the selector file, as the label tier reads them."""
        for fb in self.sel.field("placed_on").fallbacks:
            if fb.tier is not None:
                return fb.tier.stops
        return frozenset()

    def _items(self, scope: Scope) -> list[Item]:
        boxes = nodes(self.sel.field("item"), scope, self.log)
        items = [self._item(Scope(box)) for box in boxes]
        return [i for i in items if i.title or i.url]

    def _item(self, scope: Scope) -> Item:
        return Item(
            title=self._read("item_title", scope),
            url=self._read("item_url", scope),
            seller=self._read("item_seller", scope),
            asin=self._read("item_asin", scope),
            quantity=parse_count(self._read("item_quantity", scope)),
        )


def _combined(states: list[OrderStatus]) -> OrderStatus:
    """An order's status from its shipments': as far as the least advanced one that moves."""
    known = [s for s in states if s is not OrderStatus.UNKNOWN]
    moving = [s for s in known if s in _PROGRESS]
    if moving:
        return min(moving, key=_PROGRESS.index)
    return known[0] if known else OrderStatus.UNKNOWN
