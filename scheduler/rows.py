"""The values `State` takes and returns: frozen rows, the enum of what a change is
about, and how a database row becomes one of them."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from scheduler.schema import parse_date_or_none, parse_instant, parse_instant_or_none
from scheduler.urgency import Urgency
from scraper.model import Cancellability, OrderStatus


class ChangeField(StrEnum):
    """What a change row is about. Values are text: enum values, ISO dates, 'yes'/'no'."""

    NEW = "new"
    """First sight of the order: old None, new its status."""
    STATUS = "status"
    CANCELLABLE = "cancellable"
    TRACKING_ID = "tracking_id"
    """Tracking IDs, sorted and comma-joined; None → "…" is "a tracking ID appeared"."""
    RELEASE_DATE = "release_date"
    CANCEL_DEADLINE = "cancel_deadline"
    """The pre-order cancel deadline the page states."""
    RETURN_UNTIL = "return_until"
    VANISHED = "vanished"
    """'no' → 'yes' when the caller says it left the list; 'yes' → 'no' when seen again."""
    MANUAL_DEADLINE = "manual_deadline"
    """The user's own deadline for the order (an instant), set or cleared."""


CheckResult = Literal["ok", "error"]

FACTS: tuple[ChangeField, ...] = (
    ChangeField.STATUS,
    ChangeField.CANCELLABLE,
    ChangeField.TRACKING_ID,
    ChangeField.RELEASE_DATE,
    ChangeField.CANCEL_DEADLINE,
    ChangeField.RETURN_UNTIL,
)
"""An order's observed facts: a snapshot is written when one of them changes."""


# ---- values in and out ------------------------------------------------------------------


@dataclass(frozen=True)
class NewAlert:
    """An alert the planner wants; `record_check` / `add_alerts` store it once."""

    order_id: str | None
    """None for an account-level alert."""
    kind: str
    """E.g. 'cancel_closing', 'return_closing', 'tracking_id', 'sign_in_needed'."""
    lead: str
    """How long before the deadline, as an ISO-8601 duration ('PT3H', see `iso_duration`);
    '' when the alert is not tied to a lead."""
    due_at: datetime
    title: str
    body: str
    url: str | None = None
    urgency: str = Urgency.NORMAL
    """'low', 'normal' or 'critical': `Urgency` here or notify's enum of the same values;
    anything else is a ValueError when stored."""


@dataclass(frozen=True)
class Retire:
    """Supersede the unsent alerts of an order (or of the account, `order_id` None) that
    became moot — e.g. its cancel window closed. Alerts re-planned in the same call stay."""

    order_id: str | None
    reason: str
    kinds: tuple[str, ...] = ()
    """Only these kinds; empty: every kind."""


@dataclass(frozen=True)
class Change:
    order_id: str
    field: ChangeField
    old: str | None
    new: str | None


@dataclass(frozen=True)
class CheckDiff:
    check_id: int
    new_orders: tuple[str, ...]
    """Orders seen for the first time (each also has a `ChangeField.NEW` change)."""
    changes: tuple[Change, ...]
    unseen: tuple[str, ...]
    """Open orders the last check saw and this one did not. Nothing is recorded for them."""
    alerts_added: tuple[int, ...]
    """Ids of alert rows this check inserted (not those it found already planned)."""


@dataclass(frozen=True)
class CheckRow:
    id: int
    account: str
    marketplace: str | None
    started_at: datetime
    finished_at: datetime
    result: CheckResult
    error_kind: str | None
    error_message: str | None
    pages_read: int
    orders_read: int
    new_orders: int
    changes: int

    @property
    def ok(self) -> bool:
        return self.result == "ok"


@dataclass(frozen=True)
class StoredOrder:
    account: str
    order_id: str
    marketplace: str
    first_seen: datetime
    last_seen: datetime
    status: OrderStatus
    """The last known status: a later 'unknown' does not replace a known one."""
    cancellable: Cancellability
    digital: bool
    placed_on: date | None
    tracking_ids: tuple[str, ...]
    release_date: date | None
    cancel_deadline: date | None
    return_until: date | None
    vanished_at: datetime | None
    manual_deadline: datetime | None
    order: dict[str, Any]
    """`to_json(order)` of the latest sight, exactly as read."""
    tracking: list[dict[str, Any]]
    """`to_json` of the latest tracking read for the order (kept when a check read none)."""


@dataclass(frozen=True)
class ChangeRow:
    account: str
    order_id: str
    field: ChangeField
    old: str | None
    new: str | None
    at: datetime
    check_id: int | None
    """None for a change the user made (a manual deadline)."""


@dataclass(frozen=True)
class AlertRow:
    id: int
    account: str
    order_id: str | None
    kind: str
    lead: str
    due_at: datetime
    title: str
    body: str
    url: str | None
    urgency: Urgency
    created_at: datetime
    sent_at: datetime | None
    channel: str | None
    deferred_until: datetime | None
    superseded_at: datetime | None
    superseded_reason: str | None
    claimed_at: datetime | None


def iso_duration(lead: timedelta) -> str:
    """A lead as an ISO-8601 duration: 3 h → 'PT3H', 30 min → 'PT30M', 1 day → 'P1D'."""
    seconds = int(lead.total_seconds())
    if seconds <= 0:
        raise ValueError(f"a lead must be positive, not {lead}")
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    time = "".join(f"{n}{u}" for n, u in ((hours, "H"), (minutes, "M"), (secs, "S")) if n)
    return "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")


# ---- row readers --------------------------------------------------------------------------


def alert_from_row(row: sqlite3.Row) -> AlertRow:
    return AlertRow(
        id=row["id"],
        account=row["account"],
        order_id=row["order_id"] or None,
        kind=row["kind"],
        lead=row["lead"],
        due_at=parse_instant(row["due_at"]),
        title=row["title"],
        body=row["body"],
        url=row["url"],
        urgency=Urgency(row["urgency"]),
        created_at=parse_instant(row["created_at"]),
        sent_at=parse_instant_or_none(row["sent_at"]),
        channel=row["channel"],
        deferred_until=parse_instant_or_none(row["deferred_until"]),
        superseded_at=parse_instant_or_none(row["superseded_at"]),
        superseded_reason=row["superseded_reason"],
        claimed_at=parse_instant_or_none(row["claimed_at"]),
    )


def check_from_row(row: sqlite3.Row) -> CheckRow:
    return CheckRow(
        id=row["id"],
        account=row["account"],
        marketplace=row["marketplace"],
        started_at=parse_instant(row["started_at"]),
        finished_at=parse_instant(row["finished_at"]),
        result="ok" if row["result"] == "ok" else "error",
        error_kind=row["error_kind"],
        error_message=row["error_message"],
        pages_read=row["pages_read"],
        orders_read=row["orders_read"],
        new_orders=row["new_orders"],
        changes=row["changes"],
    )


def order_from_row(row: sqlite3.Row) -> StoredOrder:
    ids = row["tracking_ids"]
    return StoredOrder(
        account=row["account"],
        order_id=row["order_id"],
        marketplace=row["marketplace"],
        first_seen=parse_instant(row["first_seen"]),
        last_seen=parse_instant(row["last_seen"]),
        status=OrderStatus(row["status"]),
        cancellable=Cancellability(row["cancellable"]),
        digital=bool(row["digital"]),
        placed_on=parse_date_or_none(row["placed_on"]),
        tracking_ids=tuple(ids.split(",")) if ids else (),
        release_date=parse_date_or_none(row["release_date"]),
        cancel_deadline=parse_date_or_none(row["cancel_deadline"]),
        return_until=parse_date_or_none(row["return_until"]),
        vanished_at=parse_instant_or_none(row["vanished_at"]),
        manual_deadline=parse_instant_or_none(row["manual_deadline"]),
        order=json.loads(row["order_json"]),
        tracking=json.loads(row["tracking_json"]),
    )


def change_from_row(row: sqlite3.Row) -> ChangeRow:
    return ChangeRow(
        account=row["account"],
        order_id=row["order_id"],
        field=ChangeField(row["field"]),
        old=row["old"],
        new=row["new"],
        at=parse_instant(row["at"]),
        check_id=row["check_id"],
    )
