"""The calendar events as state.db keeps them (schema step 5): per exported event only its
account, UID, kind, order, time, whether the time was estimated, its SEQUENCE and when it
went away; never a title or a description.

A window is known only while the policy computes it. To tell a subscribed calendar that
one went away, the feed `reconcile`s what it computes now with what it exported before:
a new event starts at SEQUENCE 0; one whose time (or estimate) moved gets the next
SEQUENCE; one no longer computed before its time is sent once more as cancelled (next
SEQUENCE), and one no longer computed after its time has passed stays as it was (the
window closed, it did not go away). Either is dropped `keep` after its time or its
cancellation. Called by `State` inside one write transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from cancelwatch.scheduler.state.schema import (
    CALENDAR_KINDS,
    damaged,
    instant_text,
    parse_instant,
    parse_instant_or_none,
)

_YEARS = range(1995, 3000)
"""The years of the windows the policy computes (it reads no page date outside them): a
stored time beyond them was not written by cancelwatch, and near the ends of the calendar
the feed's arithmetic would overflow."""


@dataclass(frozen=True)
class FeedEvent:
    """An event as the feed computes it now."""

    account: str
    uid: str
    kind: str
    """One of `CALENDAR_KINDS`."""
    order_id: str
    at: datetime
    """When the window closes (a release: the start of its day), aware."""
    estimated: bool


@dataclass(frozen=True)
class ExportedEvent:
    """An event as it is exported this time."""

    event: FeedEvent
    sequence: int
    cancelled_at: datetime | None
    """When the feed found the window gone before its time; None while it stands."""
    current: bool
    """Computed by this export; False: kept from an earlier one (passed or cancelled)."""


def reconcile(
    conn: sqlite3.Connection,
    events: Sequence[FeedEvent],
    *,
    accounts: Collection[str] | None,
    now: datetime,
    keep: timedelta,
) -> list[ExportedEvent]:
    """Record `events` as exported at `now` and return every event to export: these and
    the earlier ones of `accounts` (None: all) still within `keep`."""
    stored = {
        (row.event.account, row.event.uid): row
        for row in _stored(conn, accounts)
        if accounts is None or row.event.account in accounts
    }
    out = [_current(conn, event, stored.pop((event.account, event.uid), None)) for event in events]
    for row in stored.values():
        kept = _earlier(conn, row, now, keep)
        if kept is not None:
            out.append(kept)
    return out


def _stored(conn: sqlite3.Connection, accounts: Collection[str] | None) -> list[ExportedEvent]:
    if accounts is None:
        rows = conn.execute("SELECT * FROM calendar_events").fetchall()
    else:
        rows = [
            row
            for account in sorted(set(accounts))
            for row in conn.execute("SELECT * FROM calendar_events WHERE account = ?", (account,))
        ]
    return [_from_row(row) for row in rows]


def _current(
    conn: sqlite3.Connection, event: FeedEvent, row: ExportedEvent | None
) -> ExportedEvent:
    if row is None:
        _insert(conn, event)
        return ExportedEvent(event, 0, None, current=True)
    same = (row.event.at, row.event.estimated) == (event.at, event.estimated)
    if same and row.cancelled_at is None:
        return ExportedEvent(event, row.sequence, None, current=True)
    sequence = row.sequence + 1
    conn.execute(
        "UPDATE calendar_events SET at = ?, estimated = ?, sequence = ?, cancelled_at = NULL "
        "WHERE account = ? AND uid = ?",
        (
            instant_text(event.at, "at"),
            int(event.estimated),
            sequence,
            event.account,
            event.uid,
        ),
    )
    return ExportedEvent(event, sequence, None, current=True)


def _earlier(
    conn: sqlite3.Connection, row: ExportedEvent, now: datetime, keep: timedelta
) -> ExportedEvent | None:
    """An event exported before and not computed now: kept as it was (its time passed),
    cancelled (it went away before its time), or dropped `keep` after either."""
    since = row.cancelled_at or row.event.at
    if since <= now - keep:
        conn.execute(
            "DELETE FROM calendar_events WHERE account = ? AND uid = ?",
            (row.event.account, row.event.uid),
        )
        return None
    if row.cancelled_at is not None or row.event.at <= now:
        return row
    conn.execute(
        "UPDATE calendar_events SET sequence = ?, cancelled_at = ? WHERE account = ? AND uid = ?",
        (row.sequence + 1, instant_text(now, "now"), row.event.account, row.event.uid),
    )
    return replace(row, sequence=row.sequence + 1, cancelled_at=now)


def _insert(conn: sqlite3.Connection, event: FeedEvent) -> None:
    conn.execute(
        "INSERT INTO calendar_events (account, uid, kind, order_id, at, estimated, sequence) "
        "VALUES (?, ?, ?, ?, ?, ?, 0)",
        (
            event.account,
            event.uid,
            event.kind,
            event.order_id,
            instant_text(event.at, "at"),
            int(event.estimated),
        ),
    )


def _from_row(row: sqlite3.Row) -> ExportedEvent:
    where = f"table calendar_events, event {str(row['uid'])[:60]}"
    kind, sequence = row["kind"], row["sequence"]
    if kind not in CALENDAR_KINDS:
        raise damaged(f"{where}, column kind", kind, f"one of {', '.join(CALENDAR_KINDS)}")
    if not isinstance(sequence, int) or sequence < 0:
        raise damaged(f"{where}, column sequence", sequence, "a whole number from 0")
    for column in ("account", "uid", "order_id"):
        if not isinstance(row[column], str):
            raise damaged(f"{where}, column {column}", row[column], "text")
    if row["estimated"] not in (0, 1):
        raise damaged(f"{where}, column estimated", row["estimated"], "0 or 1")
    at = parse_instant(row["at"], f"{where}, column at")
    if at.year not in _YEARS:
        raise damaged(f"{where}, column at", row["at"], "a time between 1995 and 2999")
    event = FeedEvent(
        account=row["account"],
        uid=row["uid"],
        kind=kind,
        order_id=row["order_id"],
        at=at,
        estimated=bool(row["estimated"]),
    )
    cancelled = parse_instant_or_none(row["cancelled_at"], f"{where}, column cancelled_at")
    return ExportedEvent(event, sequence, cancelled, current=False)
