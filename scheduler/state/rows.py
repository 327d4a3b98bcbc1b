"""The values `State` takes and returns: frozen rows, the enum of what a change is
about, and how a database row becomes one of them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum, StrEnum
from functools import cache
from typing import Any, Literal, TypeVar

from cancelwatch.scheduler.policy.urgency import Urgency
from cancelwatch.scheduler.state.schema import (
    damaged,
    parse_date_or_none,
    parse_instant,
    parse_instant_or_none,
)
from cancelwatch.scraper.read.markup import marketplaces
from cancelwatch.scraper.read.model import (
    Cancellability,
    OrderStatus,
    order_from_json,
    tracking_from_json,
)


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
    APPROVAL = "approval"
    """An Amazon Business order's approval (pending, approved, rejected), from the first
    sight on: a seller's cancel window counts from when the order was approved."""


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
    details_read_at: datetime | None = None
    """When a check last read the order's details page (the start of that check)."""
    tracking_read_at: datetime | None = None
    """When a check last read every tracking page of the order."""


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
# A row that does not read back (edited by hand, damaged) is `DamagedState`, naming the
# table, the row and the column: never a traceback from deep inside a command.

E = TypeVar("E", bound=Enum)


class _Cells:
    """The columns of one row of `table`, each read as the type it must hold."""

    def __init__(self, row: sqlite3.Row, table: str, key: str) -> None:
        self.row = row
        self.table = table
        self.key = key

    def where(self, column: str) -> str:
        return f"table {self.table}, {self.key}, column {column}"

    def text(self, column: str) -> str:
        value = self.row[column]
        if not isinstance(value, str):
            raise damaged(self.where(column), value, "text")
        return value

    def text_or_none(self, column: str) -> str | None:
        return None if self.row[column] is None else self.text(column)

    def integer(self, column: str) -> int:
        value = self.row[column]
        if not isinstance(value, int):
            raise damaged(self.where(column), value, "a whole number")
        return value

    def integer_or_none(self, column: str) -> int | None:
        return None if self.row[column] is None else self.integer(column)

    def instant(self, column: str) -> datetime:
        return parse_instant(self.row[column], self.where(column))

    def instant_or_none(self, column: str) -> datetime | None:
        return parse_instant_or_none(self.row[column], self.where(column))

    def day_or_none(self, column: str) -> date | None:
        return parse_date_or_none(self.row[column], self.where(column))

    def choice(self, column: str, kind: type[E]) -> E:
        value = self.row[column]
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(str(member.value) for member in kind)
            raise damaged(self.where(column), value, f"one of {allowed}") from None

    def decoded(self, column: str, check: Callable[[Any], object], expected: str) -> Any:
        """JSON text whose value `check` accepts (it raises on a wrong shape)."""
        text = self.text(column)
        try:
            value = json.loads(text)
            check(value)
        except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError):
            raise damaged(self.where(column), text, expected) from None
        return value


@cache
def _known_marketplaces() -> tuple[str, ...]:
    return tuple(marketplaces())  # the built-in selector files: fixed while we run


def _order_json(value: Any) -> None:
    if not isinstance(value, dict):
        raise TypeError(value)
    order_from_json(value)


def _tracking_json(value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise TypeError(value)
    for tracking in value:
        tracking_from_json(tracking)


def _by_id(row: sqlite3.Row, table: str) -> _Cells:
    return _Cells(row, table, f"row id {row['id']!r}")


def alert_from_row(row: sqlite3.Row) -> AlertRow:
    cells = _by_id(row, "alerts")
    return AlertRow(
        id=cells.integer("id"),
        account=cells.text("account"),
        order_id=cells.text("order_id") or None,
        kind=cells.text("kind"),
        lead=cells.text("lead"),
        due_at=cells.instant("due_at"),
        title=cells.text("title"),
        body=cells.text("body"),
        url=cells.text_or_none("url"),
        urgency=cells.choice("urgency", Urgency),
        created_at=cells.instant("created_at"),
        sent_at=cells.instant_or_none("sent_at"),
        channel=cells.text_or_none("channel"),
        deferred_until=cells.instant_or_none("deferred_until"),
        superseded_at=cells.instant_or_none("superseded_at"),
        superseded_reason=cells.text_or_none("superseded_reason"),
        claimed_at=cells.instant_or_none("claimed_at"),
    )


def check_from_row(row: sqlite3.Row) -> CheckRow:
    cells = _by_id(row, "checks")
    result = cells.text("result")
    if result not in ("ok", "error"):
        raise damaged(cells.where("result"), result, "one of ok, error")
    return CheckRow(
        id=cells.integer("id"),
        account=cells.text("account"),
        marketplace=cells.text_or_none("marketplace"),
        started_at=cells.instant("started_at"),
        finished_at=cells.instant("finished_at"),
        result="ok" if result == "ok" else "error",
        error_kind=cells.text_or_none("error_kind"),
        error_message=cells.text_or_none("error_message"),
        pages_read=cells.integer("pages_read"),
        orders_read=cells.integer("orders_read"),
        new_orders=cells.integer("new_orders"),
        changes=cells.integer("changes"),
    )


def order_from_row(row: sqlite3.Row) -> StoredOrder:
    key = f"account {row['account']!r}, order {row['order_id']!r}"
    cells = _Cells(row, "orders", key)
    ids = cells.text_or_none("tracking_ids")
    marketplace = cells.text("marketplace")
    if marketplace not in _known_marketplaces():
        known = ", ".join(_known_marketplaces())
        raise damaged(cells.where("marketplace"), marketplace, f"one of {known}")
    return StoredOrder(
        account=cells.text("account"),
        order_id=cells.text("order_id"),
        marketplace=marketplace,
        first_seen=cells.instant("first_seen"),
        last_seen=cells.instant("last_seen"),
        status=cells.choice("status", OrderStatus),
        cancellable=cells.choice("cancellable", Cancellability),
        digital=bool(cells.integer("digital")),
        placed_on=cells.day_or_none("placed_on"),
        tracking_ids=tuple(ids.split(",")) if ids else (),
        release_date=cells.day_or_none("release_date"),
        cancel_deadline=cells.day_or_none("cancel_deadline"),
        return_until=cells.day_or_none("return_until"),
        vanished_at=cells.instant_or_none("vanished_at"),
        manual_deadline=parse_instant_or_none(  # joined in from the user's own table
            row["manual_deadline"], f"table manual_deadlines, {key}, column deadline"
        ),
        order=cells.decoded("order_json", _order_json, "an order as cancelwatch stores it"),
        tracking=cells.decoded(
            "tracking_json", _tracking_json, "a list of tracking as cancelwatch stores it"
        ),
        details_read_at=cells.instant_or_none("details_read_at"),
        tracking_read_at=cells.instant_or_none("tracking_read_at"),
    )


def change_from_row(row: sqlite3.Row) -> ChangeRow:
    cells = _by_id(row, "changes")
    return ChangeRow(
        account=cells.text("account"),
        order_id=cells.text("order_id"),
        field=cells.choice("field", ChangeField),
        old=cells.text_or_none("old"),
        new=cells.text_or_none("new"),
        at=cells.instant("at"),
        check_id=cells.integer_or_none("check_id"),
    )
