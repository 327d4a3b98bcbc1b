"""The SQL that `State`'s write transactions are made of, each step on a connection
inside a transaction the caller holds: an order's new sight (with its snapshot and change
rows), a vanished order, alerts planned once per key and retired when moot, the user's own
deadline as a change. Also the order facts those steps compare: "unknown is not news"."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from cancelwatch.scheduler.policy.urgency import Urgency
from cancelwatch.scheduler.state.rows import FACTS, Change, ChangeField, NewAlert, Retire
from cancelwatch.scheduler.state.schema import (
    date_text,
    instant_text,
    json_text,
    parse_date_or_none,
)
from cancelwatch.scraper.read.model import Cancellability, Order, OrderStatus, Tracking, to_json

# ---- order facts --------------------------------------------------------------------------


def _facts(order: Order, tracking: Sequence[Tracking]) -> dict[ChangeField, str | None]:
    ids = sorted({t.tracking_id for t in tracking if t.tracking_id})
    pre = order.preorder
    return {
        ChangeField.STATUS: order.status.value,
        ChangeField.CANCELLABLE: order.cancellable.value,
        ChangeField.TRACKING_ID: ",".join(ids) or None,
        ChangeField.RELEASE_DATE: date_text(pre.release_date) if pre else None,
        ChangeField.CANCEL_DEADLINE: date_text(pre.cancel_deadline) if pre else None,
        ChangeField.RETURN_UNTIL: date_text(order.return_until),
    }


def _unknown(field: ChangeField, value: str | None) -> bool:
    return value is None or (field is ChangeField.STATUS and value == OrderStatus.UNKNOWN)


def _merge(
    before: Mapping[ChangeField, str | None], seen: Mapping[ChangeField, str | None]
) -> dict[ChangeField, str | None]:
    """What is known now: what this check saw, except where it saw nothing."""
    return {
        f: before[f] if _unknown(f, seen[f]) and not _unknown(f, before[f]) else seen[f]
        for f in FACTS
    }


def is_open(row: sqlite3.Row, today: date) -> bool:
    """The crawl's notion of open (scraper.browse.crawl.default_is_open), on stored facts."""
    status, cancellable = row["status"], row["cancellable"]
    if status in (OrderStatus.CANCELLED, OrderStatus.RETURNED):
        return False
    if status == OrderStatus.UNKNOWN and cancellable == Cancellability.NO:
        return False
    if status == OrderStatus.DELIVERED and cancellable == Cancellability.NO:
        until = parse_date_or_none(row["return_until"])
        return until is not None and until >= today
    return True


_COLUMN = {f: "tracking_ids" if f is ChangeField.TRACKING_ID else f.value for f in FACTS}
"""Each fact's column in `orders` and `snapshots`."""
_FACT_COLUMNS = ", ".join(_COLUMN.values())
_FACT_PARAMS = ", ".join(f":{c}" for c in _COLUMN.values())
_FACT_SETS = ", ".join(f"{c} = :{c}" for c in _COLUMN.values())


# ---- the steps of a check (inside its transaction) ----------------------------------------


def insert_check(
    conn: sqlite3.Connection,
    *,
    account: str,
    marketplace: str | None,
    started: str,
    finished: str,
    error: tuple[str, str] | None,
    pages_read: int,
    orders_read: int,
) -> int:
    kind, message = error if error is not None else (None, None)
    cursor = conn.execute(
        """INSERT INTO checks (account, marketplace, started_at, finished_at, result,
            error_kind, error_message, pages_read, orders_read)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            account,
            marketplace,
            started,
            finished,
            "ok" if error is None else "error",
            kind,
            message,
            pages_read,
            orders_read,
        ),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


@dataclass(frozen=True)
class PagesRead:
    """Which orders' details and tracking pages a check read, and when (its start): the
    crawl lets an earlier reading stand in for a page while it is recent."""

    at: str
    details: Collection[str] = ()
    tracking: Collection[str] = ()

    def columns(self, order_id: str, before: sqlite3.Row | None) -> dict[str, str | None]:
        def when(read: Collection[str], column: str) -> str | None:
            if order_id in read:
                return self.at
            return None if before is None else before[column]

        return {
            "details_read_at": when(self.details, "details_read_at"),
            "tracking_read_at": when(self.tracking, "tracking_read_at"),
        }


def upsert_order(
    conn: sqlite3.Connection,
    *,
    account: str,
    marketplace: str,
    order: Order,
    tracking: Sequence[Tracking],
    before: sqlite3.Row | None,
    check_id: int,
    at: str,
    pages_read: PagesRead,
) -> list[Change]:
    seen = _facts(order, tracking)
    values: dict[str, Any] = {
        "account": account,
        "order_id": order.id,
        "marketplace": marketplace,
        "at": at,
        "check_id": check_id,
        "digital": int(order.digital),
        "placed_on": date_text(order.placed_on),
        "order_json": json_text(to_json(order)),
    }
    values.update(pages_read.columns(order.id, before))
    if before is None:
        facts = seen
        values["tracking_json"] = json_text(to_json(list(tracking)))
        values.update({_COLUMN[f]: v for f, v in facts.items()})
        conn.execute(
            f"""INSERT INTO orders (account, order_id, marketplace, first_seen, last_seen,
                first_check, last_check, digital, placed_on, order_json, tracking_json,
                details_read_at, tracking_read_at, {_FACT_COLUMNS})
            VALUES (:account, :order_id, :marketplace, :at, :at, :check_id, :check_id,
                :digital, :placed_on, :order_json, :tracking_json, :details_read_at,
                :tracking_read_at, {_FACT_PARAMS})""",
            values,
        )
        changes = [Change(order.id, ChangeField.NEW, None, facts[ChangeField.STATUS])]
        if order.approval is not None:
            changes.append(Change(order.id, ChangeField.APPROVAL, None, order.approval.value))
    else:
        old = {f: before[_COLUMN[f]] for f in FACTS}
        facts = _merge(old, seen)
        values["tracking_json"] = (
            json_text(to_json(list(tracking))) if tracking else before["tracking_json"]
        )
        values.update({_COLUMN[f]: v for f, v in facts.items()})
        conn.execute(
            f"""UPDATE orders SET marketplace = :marketplace, last_seen = :at,
                last_check = :check_id, digital = :digital, placed_on = :placed_on,
                order_json = :order_json, tracking_json = :tracking_json, vanished_at = NULL,
                details_read_at = :details_read_at, tracking_read_at = :tracking_read_at,
                {_FACT_SETS}
            WHERE account = :account AND order_id = :order_id""",
            values,
        )
        changes = [Change(order.id, f, old[f], facts[f]) for f in FACTS if old[f] != facts[f]]
        if before["vanished_at"] is not None:
            changes.insert(0, Change(order.id, ChangeField.VANISHED, "yes", "no"))
        approval = order.approval.value if order.approval else None
        if approval is not None and approval != _stored_approval(before):
            changes.append(
                Change(order.id, ChangeField.APPROVAL, _stored_approval(before), approval)
            )
    if before is None or any(c.field in FACTS for c in changes):
        conn.execute(
            f"""INSERT INTO snapshots (account, order_id, check_id, at, order_json,
                tracking_json, {_FACT_COLUMNS})
            VALUES (:account, :order_id, :check_id, :at, :order_json, :tracking_json,
                {_FACT_PARAMS})""",
            values,
        )
    _insert_changes(conn, account, changes, check_id, at)
    return changes


def _stored_approval(before: sqlite3.Row) -> str | None:
    """The approval the last sight recorded; None for an order without one or a snapshot
    that cannot tell (the order is then read as it is now, not as damaged)."""
    try:
        value = json.loads(before["order_json"]).get("approval")
    except (ValueError, TypeError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def vanish(conn: sqlite3.Connection, account: str, order_id: str, check_id: int, at: str) -> Change:
    conn.execute(
        "UPDATE orders SET vanished_at = ? WHERE account = ? AND order_id = ?",
        (at, account, order_id),
    )
    change = Change(order_id, ChangeField.VANISHED, "no", "yes")
    _insert_changes(conn, account, [change], check_id, at)
    return change


def _insert_changes(
    conn: sqlite3.Connection,
    account: str,
    changes: Sequence[Change],
    check_id: int | None,
    at: str,
) -> None:
    conn.executemany(
        """INSERT INTO changes (account, order_id, check_id, at, field, old, new)
        VALUES (?, ?, ?, ?, ?, ?, ?)""",
        [(account, c.order_id, check_id, at, c.field.value, c.old, c.new) for c in changes],
    )


def plan_alerts(
    conn: sqlite3.Connection,
    account: str,
    alerts: Sequence[NewAlert],
    check_id: int | None,
    at: str,
) -> tuple[int, ...]:
    """Insert each alert once per key; refresh an unsent, live one; never touch a sent or
    superseded one."""
    added: list[int] = []
    for alert in alerts:
        values = {
            "account": account,
            "order_id": alert.order_id or "",
            "kind": alert.kind,
            "lead": alert.lead,
            "due_at": instant_text(alert.due_at, f"{alert.kind} due_at"),
            "title": alert.title,
            "body": alert.body,
            "url": alert.url,
            "urgency": Urgency(alert.urgency).value,
            "created_at": at,
            "check_id": check_id,
        }
        cursor = conn.execute(
            """INSERT OR IGNORE INTO alerts (account, order_id, kind, lead, due_at, title,
                body, url, urgency, created_at, check_id)
            VALUES (:account, :order_id, :kind, :lead, :due_at, :title, :body, :url,
                :urgency, :created_at, :check_id)""",
            values,
        )
        if cursor.rowcount == 1:
            assert cursor.lastrowid is not None
            added.append(cursor.lastrowid)
            continue
        conn.execute(
            # A moved due time is judged afresh: a hold for quiet hours was for the old one.
            """UPDATE alerts SET
                deferred_until = CASE WHEN due_at = :due_at THEN deferred_until END,
                due_at = :due_at, title = :title, body = :body, url = :url,
                urgency = :urgency
            WHERE account = :account AND order_id = :order_id AND kind = :kind
              AND lead = :lead AND sent_at IS NULL AND superseded_at IS NULL""",
            values,
        )
    return tuple(added)


def retire_alerts(
    conn: sqlite3.Connection,
    account: str,
    retire: Sequence[Retire],
    planned: Sequence[NewAlert],
    at: str,
) -> None:
    keep = {(a.order_id or "", a.kind, a.lead) for a in planned}
    for moot in retire:
        order_id = moot.order_id or ""
        rows = conn.execute(
            """SELECT id, kind, lead FROM alerts WHERE account = ? AND order_id = ?
            AND sent_at IS NULL AND superseded_at IS NULL""",
            (account, order_id),
        ).fetchall()
        for row in rows:
            if moot.kinds and row["kind"] not in moot.kinds:
                continue
            if (order_id, row["kind"], row["lead"]) in keep:
                continue
            conn.execute(
                "UPDATE alerts SET superseded_at = ?, superseded_reason = ? WHERE id = ?",
                (at, moot.reason, row["id"]),
            )


def manual_deadline_text(conn: sqlite3.Connection, account: str, order_id: str) -> str | None:
    row = conn.execute(
        "SELECT deadline FROM manual_deadlines WHERE account = ? AND order_id = ?",
        (account, order_id),
    ).fetchone()
    return None if row is None else str(row["deadline"])


def user_change(
    conn: sqlite3.Connection,
    *,
    account: str,
    order_id: str,
    old: str | None,
    new: str | None,
    at: str,
) -> None:
    known = conn.execute(
        "SELECT 1 FROM orders WHERE account = ? AND order_id = ?", (account, order_id)
    ).fetchone()
    if known is not None:
        change = Change(order_id, ChangeField.MANUAL_DEADLINE, old, new)
        _insert_changes(conn, account, [change], None, at)


# ---- an alert's delivery, channel by channel ------------------------------------------------

Orphaned = Callable[[str], bool | None]
"""Whether the process that holds a claim is gone: True (it died), False (it is alive),
None (it cannot be asked: the lease decides)."""


def claimable(row: sqlite3.Row, expired: str, orphaned: Orphaned | None) -> bool:
    """Whether a dispatcher may take this alert: unclaimed and unsent, or claimed by a
    holder that is gone (or, when that cannot be told, whose lease ran out before
    `expired`). A sent alert that is still claimed is one whose delivery was cut off
    part way: it is taken over the same way, to finish the channels that did not get it."""
    if row["superseded_at"] is not None:
        return False
    held, holder = row["claimed_at"], row["claimed_by"]
    if held is None:
        return row["sent_at"] is None
    if holder and orphaned is not None:
        gone = orphaned(holder)
        if gone is not None:
            return gone
    return bool(held <= expired)


def begin_delivery(
    conn: sqlite3.Connection, alert_id: int, channel: str, at: str, *, repeat: bool
) -> int:
    """Record that `channel` is about to be tried; returns the attempt's number. An
    earlier attempt on it that never ended was cut off: it is marked interrupted."""
    conn.execute(
        """UPDATE deliveries SET outcome = 'interrupted'
        WHERE alert_id = ? AND channel = ? AND outcome IS NULL""",
        (alert_id, channel),
    )
    (last,) = conn.execute(
        "SELECT COALESCE(MAX(attempt), 0) FROM deliveries WHERE alert_id = ? AND channel = ?",
        (alert_id, channel),
    ).fetchone()
    attempt = int(last) + 1
    conn.execute(
        """INSERT INTO deliveries (alert_id, channel, attempt, started_at, is_repeat)
        VALUES (?, ?, ?, ?, ?)""",
        (alert_id, channel, attempt, at, int(repeat)),
    )
    return attempt


def end_delivery(
    conn: sqlite3.Connection,
    alert_id: int,
    channel: str,
    attempt: int,
    *,
    at: str,
    error: str | None,
) -> None:
    """Record how an attempt ended. The first channel that takes an alert makes it sent
    (at that instant); each further one is added to its `channel` list. An alert that
    reached the user is sent, even if a check retired it meanwhile."""
    conn.execute(
        """UPDATE deliveries SET finished_at = ?, outcome = ?, error = ?
        WHERE alert_id = ? AND channel = ? AND attempt = ?""",
        (at, "delivered" if error is None else "failed", error, alert_id, channel, attempt),
    )
    if error is not None:
        return
    conn.execute(
        """UPDATE alerts SET sent_at = COALESCE(sent_at, :at),
            channel = CASE
                WHEN channel IS NULL THEN :channel
                WHEN instr(',' || channel || ',', ',' || :channel || ',') > 0 THEN channel
                ELSE channel || ',' || :channel END,
            superseded_at = NULL, superseded_reason = NULL
        WHERE id = :id""",
        {"at": at, "channel": channel, "id": alert_id},
    )
