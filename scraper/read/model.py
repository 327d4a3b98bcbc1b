"""Plain values the parsers produce. No behaviour beyond serialising to JSON."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any


class PageKind(StrEnum):
    ORDER_LIST = "order_list"
    ORDER_DETAILS = "order_details"
    DIGITAL_ORDER = "digital_order"
    TRACKING = "tracking"
    SIGN_IN = "sign_in"
    OTP = "otp"
    CAPTCHA = "captcha"
    CHALLENGE = "challenge"
    ERROR = "error"
    EMPTY_SHELL = "empty_shell"
    UNKNOWN = "unknown"


class OrderStatus(StrEnum):
    PENDING = "pending"
    PREPARING = "preparing"
    SHIPPED = "shipped"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"
    UNKNOWN = "unknown"


class Approval(StrEnum):
    """Where an Amazon Business order stands with its approver (the card's approval box)."""

    PENDING = "pending"
    """Awaiting approval: the buyer does not cancel it the usual way; unapproved, it
    cancels itself after 7 days (docs/rules.md)."""
    APPROVED = "approved"
    REJECTED = "rejected"


class Cancellability(StrEnum):
    YES = "yes"
    """The page offers the cancel control: the buyer can cancel now."""
    REQUEST = "request"
    """Seller order: cancellation can only be requested; the seller decides."""
    NO = "no"
    """Neither control is on the page."""


@dataclass(frozen=True)
class Item:
    title: str | None
    url: str | None
    seller: str | None = None
    """The "Sold by" name where the page prints it."""
    asin: str | None = None
    quantity: int | None = None
    """Only where the page prints a count; a single item usually shows none."""


@dataclass(frozen=True)
class Shipment:
    status: OrderStatus
    status_text: str | None
    """The status line exactly as the page prints it."""
    tracking_url: str | None
    delivered_on: date | None
    expected_on: date | None
    items: tuple[Item, ...] = ()


@dataclass(frozen=True)
class Tracking:
    carrier: str | None
    """Canonical carrier name (e.g. "UPS", "Yamato"); None when the page names none."""
    tracking_id: str | None
    status: OrderStatus
    status_text: str | None = None
    carrier_printed: str | None = None
    """The carrier as the page prints it, e.g. "ヤマト運輸"."""
    tracking_url: str | None = None
    """The carrier's own public tracking page for this number."""
    left_at_door: bool | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class PreOrder:
    release_date: date | None
    cancel_deadline: date | None = None
    """Only when the page states one; never estimated here."""


@dataclass(frozen=True)
class Order:
    id: str
    placed_on: date | None
    total: Decimal | None
    currency: str | None
    status: OrderStatus
    cancellable: Cancellability
    cancel_url: str | None
    digital: bool
    preorder: PreOrder | None
    left_at_door: bool | None
    return_until: date | None
    shipments: tuple[Shipment, ...] = ()
    items: tuple[Item, ...] = ()
    details_url: str | None = None
    approval: Approval | None = None
    """Amazon Business orders only: None when the page shows no approval box."""


@dataclass(frozen=True)
class ParsedPage:
    marketplace: str
    page_kind: PageKind
    orders: tuple[Order, ...] = ()
    tracking: Tracking | None = None
    warnings: tuple[str, ...] = ()
    order_count: int | None = None
    """The count the page announces ("50 orders", "42件"), not the cards on it."""
    next_page_url: str | None = None
    auth_step: str | None = None
    """For sign-in pages: "email", "password" or None when the page does not tell."""
    auth_error: str | None = None
    """The error Amazon shows on a sign-in or OTP page (rejected password, wrong code)."""
    matches: dict[str, str | None] = field(default_factory=dict)
    """Field name → the fallback that matched it (None: none did). For `doctor`."""
    read_by_labels: bool = False
    """Some field was found only by the label tier: the selectors no longer fit the page."""


def to_json(value: Any) -> Any:
    """Turn model values into JSON-ready data: dates as ISO, Decimals as strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    return value


def order_from_json(data: dict[str, Any]) -> Order:
    """The inverse of `to_json` for an Order, for orders kept in the database."""
    pre = data.get("preorder")
    return Order(
        id=data["id"],
        placed_on=_day(data.get("placed_on")),
        total=Decimal(data["total"]) if data.get("total") is not None else None,
        currency=data.get("currency"),
        status=OrderStatus(data.get("status", "unknown")),
        cancellable=Cancellability(data.get("cancellable", "no")),
        cancel_url=data.get("cancel_url"),
        digital=bool(data.get("digital")),
        preorder=PreOrder(_day(pre.get("release_date")), _day(pre.get("cancel_deadline")))
        if pre is not None
        else None,
        left_at_door=data.get("left_at_door"),
        return_until=_day(data.get("return_until")),
        shipments=tuple(_shipment(s) for s in data.get("shipments", ())),
        items=tuple(_item(i) for i in data.get("items", ())),
        details_url=data.get("details_url"),
        approval=Approval(data["approval"]) if data.get("approval") else None,
    )


def tracking_from_json(data: dict[str, Any]) -> Tracking:
    return Tracking(
        carrier=data.get("carrier"),
        tracking_id=data.get("tracking_id"),
        status=OrderStatus(data.get("status", "unknown")),
        status_text=data.get("status_text"),
        carrier_printed=data.get("carrier_printed"),
        tracking_url=data.get("tracking_url"),
        left_at_door=data.get("left_at_door"),
        warnings=tuple(data.get("warnings", ())),
    )


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _shipment(data: dict[str, Any]) -> Shipment:
    return Shipment(
        status=OrderStatus(data.get("status", "unknown")),
        status_text=data.get("status_text"),
        tracking_url=data.get("tracking_url"),
        delivered_on=_day(data.get("delivered_on")),
        expected_on=_day(data.get("expected_on")),
        items=tuple(_item(i) for i in data.get("items", ())),
    )


def _item(data: dict[str, Any]) -> Item:
    return Item(
        title=data.get("title"),
        url=data.get("url"),
        seller=data.get("seller"),
        asin=data.get("asin"),
        quantity=data.get("quantity"),
    )
