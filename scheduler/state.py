"""What cancelwatch remembers: orders as last seen, what changed and when, every check,
the alerts planned and sent, the user's own deadlines and cancellations.

One SQLite file, `state.db` in the data directory. Decisions that callers rely on:

- **Instants are UTC ISO-8601 text with offset**, always the same width
  (`2024-06-01T00:00:00.000000+00:00`), so text order is time order and `due_at <= now`
  works in SQL. A CHECK constraint rejects anything else; a naive `datetime` is a
  `ValueError` before it reaches the database. Read back, every instant is aware, in UTC;
  show it in the marketplace's zone. Calendar dates from the page (placed on, release
  date, return until) are plain ISO dates: they are the page's own local dates.
- **Every write is one `BEGIN IMMEDIATE` transaction.** A process killed in the middle
  leaves the database as it was before; two processes serialise on SQLite's write lock
  (WAL, busy timeout) instead of failing.
- **Alerts are rows with a unique key** (account, order_id, kind, lead). Re-planning the
  same alert never makes a second row; a sent or superseded row is never touched again,
  an unsent one takes the new due time and text. `mark_sent` sets `sent_at` only while it
  is NULL, so exactly one dispatcher wins. Account-level alerts (sign-in needed, selector
  failure, account risk) have no order: `order_id` None, stored as ''. For events that can
  happen again (a second sign-in failure next week), put what tells the occurrences apart
  into `lead` (e.g. the day).
- **Unknown is not news.** A check that reads status `unknown`, no tracking, or no
  release date for an order keeps what was known before; it records no change. An order
  missing from the pages is not deleted and gets no change row (the crawl stops early by
  design): the caller names the orders it knows vanished (`vanished=`), `CheckDiff.unseen`
  lists the open ones this check did not see.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from scheduler.rows import (
    FACTS,
    AlertRow,
    Change,
    ChangeField,
    ChangeRow,
    CheckDiff,
    CheckResult,
    CheckRow,
    NewAlert,
    Retire,
    StoredOrder,
    alert_from_row,
    change_from_row,
    check_from_row,
    iso_duration,
    order_from_row,
)
from scheduler.schema import (
    BUSY_TIMEOUT_S,
    MIGRATIONS,
    Migration,
    NewerSchema,
    StateError,
    connect,
    instant_text,
    parse_instant,
)
from scheduler.urgency import Urgency
from scheduler.writes import (
    ensure_account,
    insert_check,
    is_open,
    manual_deadline_text,
    plan_alerts,
    retire_alerts,
    upsert_order,
    user_change,
    vanish,
)
from scraper.model import Order, Tracking
from scraper.paths import data_dir

# What other modules import from here: the rows and the schema (with its errors) live in
# `scheduler.rows` and `scheduler.schema`, and are re-exported.
__all__ = [
    "BUSY_TIMEOUT_S",
    "DB_NAME",
    "DEFAULT_CLAIM_LEASE",
    "FACTS",
    "MIGRATIONS",
    "AlertRow",
    "Change",
    "ChangeField",
    "ChangeRow",
    "CheckDiff",
    "CheckResult",
    "CheckRow",
    "Migration",
    "NewAlert",
    "NewerSchema",
    "Retire",
    "State",
    "StateError",
    "StoredOrder",
    "Urgency",
    "iso_duration",
    "schema_version",
]

DB_NAME = "state.db"
DEFAULT_CLAIM_LEASE = timedelta(minutes=5)


def schema_version() -> int:
    """The schema version this code writes."""
    # This module's MIGRATIONS, looked up at call time like `State.open`'s: tests extend
    # the steps by patching `scheduler.state.MIGRATIONS`.
    return len(MIGRATIONS)


_ORDER_SELECT = """SELECT o.*, d.deadline AS manual_deadline FROM orders o
    LEFT JOIN manual_deadlines d ON d.account = o.account AND d.order_id = o.order_id"""
_ORDER_SORT = "o.placed_on IS NULL, o.placed_on DESC, o.order_id DESC"


# ---- the store ----------------------------------------------------------------------------


class State:
    """The database. One connection, safe to share between the threads of one process
    (calls are serialised); other processes may open the same file at the same time."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._lock = threading.RLock()
        self._closed = False

    @classmethod
    def open(cls, path: Path | None = None) -> State:
        """Open (creating and migrating as needed) `path`, by default
        `data_dir()/state.db`. A file that is not cancelwatch's database, from a newer
        version (`NewerSchema`), or whose orders or pending alerts do not read back
        (`DamagedState`) is a `StateError` naming what is wrong; nothing is written to it."""
        path = path if path is not None else data_dir() / DB_NAME
        state = cls(connect(path, MIGRATIONS), path)  # this module's MIGRATIONS: see schema_version
        try:
            # Read now what every command relies on: a damaged row stops the command
            # before it signs in or starts watching, not halfway or every minute after.
            state.orders()
            state.pending_alerts()
        except BaseException:
            state.close()
            raise
        return state

    def close(self) -> None:
        """Close the connection (idempotent). The last connection to close checkpoints
        the WAL into the database file."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction. IMMEDIATE takes the write lock up front, so a second
        process waits (busy timeout) instead of failing on a lock upgrade."""
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def _read(self, sql: str, params: Mapping[str, Any] | Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    # ---- checks ---------------------------------------------------------------------------

    def record_check(
        self,
        account: str,
        marketplace: str,
        orders: Sequence[Order],
        tracking: Mapping[str, Sequence[Tracking]],
        *,
        now: datetime,
        alerts: Sequence[NewAlert],
        error: tuple[str, str] | None = None,
        pages_read: int = 0,
        started_at: datetime | None = None,
        vanished: Collection[str] = (),
        retire: Sequence[Retire] = (),
    ) -> CheckDiff:
        """Everything one check learnt, in one transaction: the check row, each order's
        latest sight, a snapshot and change rows where its facts changed (first sight is a
        change 'new'), the alerts planned (`retire` supersedes moot ones). `error` is
        (kind, message) for a check that failed after reading some orders. Orders not on
        the pages are left alone, except those named in `vanished`."""
        at = instant_text(now, "now")
        started = instant_text(started_at or now, "started_at")
        latest = {o.id: o for o in orders}  # a repeated order: its last reading wins
        with self._write() as conn:
            ensure_account(conn, account, marketplace, at)
            check_id = insert_check(
                conn,
                account=account,
                marketplace=marketplace,
                started=started,
                finished=at,
                error=error,
                pages_read=pages_read,
                orders_read=len(latest),
            )
            known = {
                row["order_id"]: row
                for row in conn.execute("SELECT * FROM orders WHERE account = ?", (account,))
            }
            changes: list[Change] = []
            for order in latest.values():
                changes += upsert_order(
                    conn,
                    account=account,
                    marketplace=marketplace,
                    order=order,
                    tracking=tracking.get(order.id, ()),
                    before=known.get(order.id),
                    check_id=check_id,
                    at=at,
                )
            for order_id in vanished:
                row = known.get(order_id)
                if order_id not in latest and row is not None and row["vanished_at"] is None:
                    changes.append(vanish(conn, account, order_id, check_id, at))
            today = now.astimezone(UTC).date()
            unseen = tuple(
                order_id
                for order_id, row in known.items()
                if order_id not in latest
                and order_id not in vanished
                and row["vanished_at"] is None
                and is_open(row, today)
            )
            added = plan_alerts(conn, account, alerts, check_id, at)
            retire_alerts(conn, account, retire, alerts, at)
            new_orders = tuple(c.order_id for c in changes if c.field is ChangeField.NEW)
            conn.execute(
                "UPDATE checks SET new_orders = ?, changes = ? WHERE id = ?",
                (len(new_orders), len(changes), check_id),
            )
        return CheckDiff(check_id, new_orders, tuple(changes), unseen, added)

    def record_failure(
        self,
        account: str,
        *,
        now: datetime,
        kind: str,
        message: str,
        marketplace: str | None = None,
        started_at: datetime | None = None,
        alerts: Sequence[NewAlert] = (),
    ) -> int:
        """A check that failed before it read anything (sign-in needed, unreachable,
        selector failure), with the alerts it raises. Returns the check's id."""
        at = instant_text(now, "now")
        started = instant_text(started_at or now, "started_at")
        with self._write() as conn:
            ensure_account(conn, account, marketplace, at)
            check_id = insert_check(
                conn,
                account=account,
                marketplace=marketplace,
                started=started,
                finished=at,
                error=(kind, message),
                pages_read=0,
                orders_read=0,
            )
            plan_alerts(conn, account, alerts, check_id, at)
        return check_id

    def last_check(self, account: str | None = None) -> CheckRow | None:
        rows = self._read(
            "SELECT * FROM checks WHERE (:account IS NULL OR account = :account) "
            "ORDER BY finished_at DESC, id DESC LIMIT 1",
            {"account": account},
        )
        return check_from_row(rows[0]) if rows else None

    # ---- orders ---------------------------------------------------------------------------

    def orders(self, account: str | None = None) -> list[StoredOrder]:
        """Every order ever seen (newest placed first), vanished ones included."""
        rows = self._read(
            f"{_ORDER_SELECT} WHERE (:account IS NULL OR o.account = :account) "
            f"ORDER BY o.account, {_ORDER_SORT}",
            {"account": account},
        )
        return [order_from_row(row) for row in rows]

    def order(self, order_id: str, account: str | None = None) -> StoredOrder | None:
        """One order; without `account`, the one seen last if two accounts share the id."""
        rows = self._read(
            f"{_ORDER_SELECT} WHERE o.order_id = :order_id "
            "AND (:account IS NULL OR o.account = :account) "
            "ORDER BY o.last_seen DESC LIMIT 1",
            {"order_id": order_id, "account": account},
        )
        return order_from_row(rows[0]) if rows else None

    def changes(self, order_id: str, account: str | None = None) -> list[ChangeRow]:
        """What changed for an order, oldest first."""
        rows = self._read(
            "SELECT * FROM changes WHERE order_id = :order_id "
            "AND (:account IS NULL OR account = :account) ORDER BY at, id",
            {"order_id": order_id, "account": account},
        )
        return [change_from_row(row) for row in rows]

    def known_open_since(self, account: str, today: date) -> date | None:
        """The oldest placed-on date among orders still open (for the crawl's
        `known_open_since`), or None when none is."""
        rows = self._read(
            "SELECT status, cancellable, return_until, placed_on FROM orders "
            "WHERE account = ? AND vanished_at IS NULL AND placed_on IS NOT NULL",
            (account,),
        )
        dates = [date.fromisoformat(r["placed_on"]) for r in rows if is_open(r, today)]
        return min(dates, default=None)

    # ---- alerts ---------------------------------------------------------------------------

    def add_alerts(self, account: str, alerts: Sequence[NewAlert], *, now: datetime) -> list[int]:
        """Plan alerts outside a check (e.g. the dispatcher's "closed while you were away"
        summary). Returns the ids of the rows inserted."""
        at = instant_text(now, "now")
        with self._write() as conn:
            ensure_account(conn, account, None, at)
            return list(plan_alerts(conn, account, alerts, None, at))

    def due_alerts(self, now: datetime) -> list[AlertRow]:
        """Unsent, not superseded, due, not deferred past `now`; oldest due first."""
        at = instant_text(now, "now")
        rows = self._read(
            """SELECT * FROM alerts
            WHERE sent_at IS NULL AND superseded_at IS NULL AND due_at <= :now
              AND (deferred_until IS NULL OR deferred_until <= :now)
            ORDER BY due_at, id""",
            {"now": at},
        )
        return [alert_from_row(row) for row in rows]

    def pending_alerts(self, account: str | None = None) -> list[AlertRow]:
        """Unsent and not superseded, whatever their due time; soonest first."""
        rows = self._read(
            """SELECT * FROM alerts
            WHERE sent_at IS NULL AND superseded_at IS NULL
              AND (:account IS NULL OR account = :account)
            ORDER BY due_at, id""",
            {"account": account},
        )
        return [alert_from_row(row) for row in rows]

    def alert(self, alert_id: int) -> AlertRow | None:
        rows = self._read("SELECT * FROM alerts WHERE id = ?", (alert_id,))
        return alert_from_row(rows[0]) if rows else None

    def claim(self, alert_id: int, *, at: datetime, lease: timedelta = DEFAULT_CLAIM_LEASE) -> bool:
        """Take an alert for sending: True for one caller only, until `lease` has passed
        (a dispatcher that died holding it). Then send, then `mark_sent`."""
        stamp = instant_text(at, "at")
        expired = instant_text(at - lease, "at")
        return self._update(
            """UPDATE alerts SET claimed_at = ?
            WHERE id = ? AND sent_at IS NULL AND superseded_at IS NULL
              AND (claimed_at IS NULL OR claimed_at <= ?)""",
            (stamp, alert_id, expired),
        )

    def mark_sent(self, alert_id: int, *, at: datetime, channel: str) -> bool:
        """Record that the alert was sent. True only for the first caller: the row's
        sent_at is set once, whoever else tries."""
        return self._update(
            "UPDATE alerts SET sent_at = ?, channel = ? WHERE id = ? AND sent_at IS NULL",
            (instant_text(at, "at"), channel, alert_id),
        )

    def defer(self, alert_id: int, until: datetime) -> bool:
        """Hold an unsent alert until `until` (quiet hours). False when already sent."""
        return self._update(
            "UPDATE alerts SET deferred_until = ?, claimed_at = NULL "
            "WHERE id = ? AND sent_at IS NULL AND superseded_at IS NULL",
            (instant_text(until, "until"), alert_id),
        )

    def supersede(self, alert_id: int, *, at: datetime, reason: str) -> bool:
        """The alert became moot (its window closed while the machine slept…). False when
        it was already sent or superseded."""
        return self._update(
            """UPDATE alerts SET superseded_at = ?, superseded_reason = ?
            WHERE id = ? AND sent_at IS NULL AND superseded_at IS NULL""",
            (instant_text(at, "at"), reason, alert_id),
        )

    def _update(self, sql: str, params: Sequence[Any]) -> bool:
        with self._write() as conn:
            return conn.execute(sql, params).rowcount == 1

    # ---- the user's own deadlines and cancellations ---------------------------------------

    def set_manual_deadline(
        self, account: str, order_id: str, when: datetime, *, at: datetime | None = None
    ) -> None:
        """The user's deadline for an order (replacing any earlier one). Recorded as a
        change of the order when the order is known."""
        deadline = instant_text(when, "when")
        set_at = instant_text(at or datetime.now(UTC), "at")
        with self._write() as conn:
            ensure_account(conn, account, None, set_at)
            old = manual_deadline_text(conn, account, order_id)
            conn.execute(
                """INSERT OR REPLACE INTO manual_deadlines (account, order_id, deadline, set_at)
                VALUES (?, ?, ?, ?)""",
                (account, order_id, deadline, set_at),
            )
            if old != deadline:
                user_change(
                    conn, account=account, order_id=order_id, old=old, new=deadline, at=set_at
                )

    def clear_manual_deadline(
        self, account: str, order_id: str, *, at: datetime | None = None
    ) -> bool:
        stamp = instant_text(at or datetime.now(UTC), "at")
        with self._write() as conn:
            old = manual_deadline_text(conn, account, order_id)
            if old is None:
                return False
            conn.execute(
                "DELETE FROM manual_deadlines WHERE account = ? AND order_id = ?",
                (account, order_id),
            )
            user_change(conn, account=account, order_id=order_id, old=old, new=None, at=stamp)
            return True

    def manual_deadline(self, order_id: str, account: str | None = None) -> datetime | None:
        rows = self._read(
            "SELECT deadline FROM manual_deadlines WHERE order_id = :order_id "
            "AND (:account IS NULL OR account = :account) ORDER BY set_at DESC LIMIT 1",
            {"order_id": order_id, "account": account},
        )
        return parse_instant(rows[0]["deadline"]) if rows else None

    def record_cancellation(self, account: str, order_id: str, at: datetime) -> bool:
        """The user cancelled an order (for the account-risk note). One per order: False
        when it was already recorded."""
        stamp = instant_text(at, "at")
        with self._write() as conn:
            ensure_account(conn, account, None, stamp)
            cursor = conn.execute(
                "INSERT OR IGNORE INTO cancellations (account, order_id, at) VALUES (?, ?, ?)",
                (account, order_id, stamp),
            )
            return cursor.rowcount == 1

    def cancellations(self, account: str, since: datetime) -> list[datetime]:
        """When the user cancelled orders of `account`, at or after `since`, oldest first."""
        rows = self._read(
            "SELECT at FROM cancellations WHERE account = ? AND at >= ? ORDER BY at",
            (account, instant_text(since, "since")),
        )
        return [parse_instant(row["at"]) for row in rows]
