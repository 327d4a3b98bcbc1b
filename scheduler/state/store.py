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
  an unsent one takes the new due time and text. `sent_at` is set only while it is NULL,
  so exactly one dispatcher wins. Account-level alerts (sign-in needed, selector failure,
  account risk) have no order: `order_id` None, stored as ''. For events that can happen
  again (a second sign-in failure next week), put what tells the occurrences apart into
  `lead` (e.g. the day).
- **An alert is delivered channel by channel, each step recorded as it happens.** A
  dispatcher `claim`s the alert (one caller wins; the claim names the holder's process),
  records each channel's attempt before trying it (`start_delivery`) and its outcome as
  soon as it returns (`end_delivery`); the first channel that takes it makes it sent.
  `release` ends the claim when every channel has been tried. A claimed alert is thus one
  in flight or cut off: its `deliveries` say which channels have it, which never got it,
  and which were in flight when the process died (`interrupted`: it may have arrived).
  An alert sent on any channel is never superseded.
- **Unknown is not news.** A check that reads status `unknown`, no tracking, or no
  release date for an order keeps what was known before; it records no change. An order
  missing from the pages is not deleted and gets no change row (the crawl stops early by
  design): the caller names the orders it knows vanished (`vanished=`), `CheckDiff.unseen`
  lists the open ones this check did not see.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from cancelwatch.scheduler.mail.rules import Kind
from cancelwatch.scheduler.policy.urgency import Urgency
from cancelwatch.scheduler.state.exported import ExportedEvent, FeedEvent, reconcile
from cancelwatch.scheduler.state.mails import MailRow, insert_mail, mail_from_row
from cancelwatch.scheduler.state.rows import (
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
from cancelwatch.scheduler.state.schema import (
    BUSY_TIMEOUT_S,
    MIGRATIONS,
    Migration,
    NewerSchema,
    StateError,
    connect,
    damaged,
    instant_text,
    parse_date_or_none,
    parse_instant,
    parse_instant_or_none,
)
from cancelwatch.scheduler.state.writes import (
    Orphaned,
    PagesRead,
    begin_delivery,
    claimable,
    end_delivery,
    insert_check,
    is_open,
    manual_deadline_text,
    plan_alerts,
    retire_alerts,
    upsert_order,
    user_change,
    vanish,
)
from cancelwatch.scraper.paths import data_dir
from cancelwatch.scraper.read.model import Order, Tracking

# What other modules import from here: the rows and the schema (with its errors) live in
# `cancelwatch.scheduler.state.rows` and `cancelwatch.scheduler.state.schema`, and are re-exported.
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
    "DeliveryRow",
    "ExportedEvent",
    "FeedEvent",
    "MailRow",
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
"""How long a claim whose holder cannot be asked keeps other dispatchers off an alert."""


@dataclass(frozen=True)
class DeliveryRow:
    """One attempt to deliver an alert on one channel."""

    alert_id: int
    channel: str
    """"desktop", "console", "apprise:<scheme>" (a second URL of one scheme: "#2", ...)."""
    attempt: int
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None
    """"delivered", "failed", "interrupted" (its sender died: it may have arrived), or
    None while it is in flight."""
    error: str | None
    repeat: bool
    """Sent marked as a repeat, because an earlier attempt was interrupted."""


def _delivery_from_row(row: sqlite3.Row) -> DeliveryRow:
    return DeliveryRow(
        alert_id=row["alert_id"],
        channel=row["channel"],
        attempt=row["attempt"],
        started_at=parse_instant(row["started_at"]),
        finished_at=parse_instant_or_none(row["finished_at"]),
        outcome=row["outcome"],
        error=row["error"],
        repeat=bool(row["is_repeat"]),
    )


def schema_version() -> int:
    """The schema version this code writes."""
    # This module's MIGRATIONS, looked up at call time like `State.open`'s: tests extend
    # the steps by patching `cancelwatch.scheduler.state.store.MIGRATIONS`.
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
        self._on_close: list[Callable[[], None]] = []

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
            if self._closed:
                return
            self._closed = True
            self._conn.close()
            callbacks, self._on_close = self._on_close, []
        for callback in callbacks:
            callback()

    def on_close(self, callback: Callable[[], None]) -> None:
        """Call `callback` once this State is closed (what lives as long as it does, e.g.
        the dispatcher's lock beside the database)."""
        with self._lock:
            self._on_close.append(callback)

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
        details_read: Collection[str] = (),
        tracking_read: Collection[str] = (),
    ) -> CheckDiff:
        """Everything one check learnt, in one transaction: the check row, each order's
        latest sight, a snapshot and change rows where its facts changed (first sight is a
        change 'new'), the alerts planned (`retire` supersedes moot ones). `error` is
        (kind, message) for a check that failed after reading some orders. Orders not on
        the pages are left alone, except those named in `vanished`. `details_read` and
        `tracking_read` name the orders whose details or tracking pages this check read."""
        at = instant_text(now, "now")
        started = instant_text(started_at or now, "started_at")
        latest = {o.id: o for o in orders}  # a repeated order: its last reading wins
        pages = PagesRead(started, details_read, tracking_read)
        with self._write() as conn:
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
                    pages_read=pages,
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

    def read_before(self, account: str) -> bool:
        """Whether a check of `account` has read its orders (a check that ended "ok")."""
        sql = "SELECT 1 FROM checks WHERE account = ? AND result = 'ok' LIMIT 1"
        return bool(self._read(sql, (account,)))

    def check_starts(self, account: str, since: datetime) -> list[datetime]:
        """When the account's checks started, at or after `since`, oldest first: whichever
        process ran them, for the daily ceiling."""
        rows = self._read(
            "SELECT * FROM checks WHERE account = ? AND started_at >= ? ORDER BY started_at, id",
            (account, instant_text(since, "since")),
        )
        return [check_from_row(row).started_at for row in rows]

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
        dates = [
            parse_date_or_none(r["placed_on"], "orders.placed_on")
            for r in rows
            if is_open(r, today)
        ]
        return min((d for d in dates if d is not None), default=None)

    # ---- alerts ---------------------------------------------------------------------------

    def add_alerts(self, account: str, alerts: Sequence[NewAlert], *, now: datetime) -> list[int]:
        """Plan alerts outside a check (e.g. the dispatcher's "closed while you were away"
        summary). Returns the ids of the rows inserted."""
        at = instant_text(now, "now")
        with self._write() as conn:
            return list(plan_alerts(conn, account, alerts, None, at))

    def due_alerts(self, now: datetime) -> list[AlertRow]:
        """Unsent, not superseded, due, not deferred past `now`; and, whatever their due
        time, those whose delivery was cut off part way (sent on some channels, still
        claimed: see `claim`); oldest due first."""
        at = instant_text(now, "now")
        rows = self._read(
            """SELECT * FROM alerts
            WHERE (sent_at IS NULL AND superseded_at IS NULL AND due_at <= :now
                   AND (deferred_until IS NULL OR deferred_until <= :now))
               OR (sent_at IS NOT NULL AND claimed_at IS NOT NULL)
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

    # ---- delivering an alert: claim, each channel's attempt, release ----------------------

    def claim(
        self,
        alert_id: int,
        *,
        at: datetime,
        lease: timedelta = DEFAULT_CLAIM_LEASE,
        owner: str = "",
        orphaned: Orphaned | None = None,
    ) -> bool:
        """Take an alert for delivery: True for one caller only. The claim lasts until
        the delivery is finished (`release`) or dropped (`defer`,
        `supersede`): a claimed alert is one whose delivery is in flight, or was cut off
        when its dispatcher died. Another caller takes it over only when `orphaned(holder)`
        says the holder is gone, or, for a holder that cannot be asked (no `owner` token,
        or `orphaned` answers None), once `lease` has passed since it was claimed."""
        stamp = instant_text(at, "at")
        expired = instant_text(at - lease, "at")
        with self._write() as conn:
            row = conn.execute(
                "SELECT sent_at, superseded_at, claimed_at, claimed_by FROM alerts WHERE id = ?",
                (alert_id,),
            ).fetchone()
            if row is None or not claimable(row, expired, orphaned):
                return False
            conn.execute(
                "UPDATE alerts SET claimed_at = ?, claimed_by = ? WHERE id = ?",
                (stamp, owner or None, alert_id),
            )
            return True

    def release(self, alert_id: int, *, owner: str = "") -> bool:
        """End `owner`'s claim: the delivery is finished (a sent alert is then done) or
        given up (an unsent one is due again at the next dispatch)."""
        return self._update(
            """UPDATE alerts SET claimed_at = NULL, claimed_by = NULL
            WHERE id = ? AND claimed_at IS NOT NULL AND claimed_by IS ?""",
            (alert_id, owner or None),
        )

    def reword(self, alert_id: int, *, title: str, urgency: Urgency, owner: str = "") -> bool:
        """Store the words an alert is about to be sent with (a late reminder says the time
        actually left). Only its claim's holder may."""
        return self._update(
            "UPDATE alerts SET title = ?, urgency = ? WHERE id = ? AND claimed_by IS ?",
            (title, Urgency(urgency).value, alert_id, owner or None),
        )

    def start_delivery(self, alert_id: int, channel: str, *, at: datetime, repeat: bool) -> int:
        """Record, before trying it, that `channel` is about to get the alert: a process
        killed now leaves the attempt open, and whoever takes the alert over knows it may
        have arrived. Returns the attempt's number (1, 2, ... per channel)."""
        with self._write() as conn:
            return begin_delivery(conn, alert_id, channel, instant_text(at, "at"), repeat=repeat)

    def end_delivery(
        self, alert_id: int, channel: str, attempt: int, *, at: datetime, error: str | None
    ) -> None:
        """Record at once how the attempt ended: delivered (`error` None) or failed. The
        first delivery makes the alert sent."""
        with self._write() as conn:
            end_delivery(conn, alert_id, channel, attempt, at=instant_text(at, "at"), error=error)

    def deliveries(self, alert_id: int | None = None) -> list[DeliveryRow]:
        """Every attempt to deliver an alert (or all alerts), in the order they began."""
        rows = self._read(
            """SELECT * FROM deliveries WHERE (:id IS NULL OR alert_id = :id)
            ORDER BY started_at, alert_id, channel, attempt""",
            {"id": alert_id},
        )
        return [_delivery_from_row(row) for row in rows]

    def defer(self, alert_id: int, until: datetime) -> bool:
        """Hold an unsent alert until `until` (quiet hours). False when already sent."""
        return self._update(
            "UPDATE alerts SET deferred_until = ?, claimed_at = NULL, claimed_by = NULL "
            "WHERE id = ? AND sent_at IS NULL AND superseded_at IS NULL",
            (instant_text(until, "until"), alert_id),
        )

    def supersede(self, alert_id: int, *, at: datetime, reason: str) -> bool:
        """The alert became moot (its window closed while the machine slept…). False when
        it was already sent (on any channel) or superseded."""
        return self._update(
            """UPDATE alerts SET superseded_at = ?, superseded_reason = ?,
                claimed_at = NULL, claimed_by = NULL
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

    # ---- order mails (issue 10) -----------------------------------------------------------

    def record_mail(
        self,
        account: str,
        *,
        message_hash: str,
        kind: Kind,
        order_ids: Sequence[str],
        sent_at: datetime | None,
    ) -> bool:
        """A mail heard for `account`: True the first time, False when a mail of that
        Message-ID hash was recorded before (heard again after a reconnect): act on True
        only. Only the hash, kind, order ids and Date are kept."""
        with self._write() as conn:
            return insert_mail(
                conn,
                account,
                message_hash=message_hash,
                kind=kind,
                order_ids=order_ids,
                sent_at=sent_at,
            )

    def mails(self, account: str | None = None) -> list[MailRow]:
        """The mails heard, by Date (none last)."""
        rows = self._read(
            "SELECT * FROM mails WHERE (:account IS NULL OR account = :account) "
            "ORDER BY sent_at IS NULL, sent_at, message_hash, order_id",
            {"account": account},
        )
        return [mail_from_row(row) for row in rows]

    def mail_ordered_at(self, account: str, order_id: str) -> datetime | None:
        """The earliest Date of an "ordered" mail naming the order: when it was placed."""
        rows = self._read(
            "SELECT MIN(sent_at) AS sent_at FROM mails WHERE account = ? AND order_id = ? "
            "AND kind = 'ordered' AND sent_at IS NOT NULL",
            (account, order_id),
        )
        return parse_instant_or_none(rows[0]["sent_at"], "table mails, column sent_at")

    def mail_checkpoint(self, account: str, mailbox: str) -> tuple[int, int] | None:
        """(UIDVALIDITY, last UID handled) of a mailbox (`mailbox_key`), None at first."""
        rows = self._read(
            "SELECT uidvalidity, last_uid FROM mail_checkpoints WHERE account = ? AND mailbox = ?",
            (account, mailbox),
        )
        if not rows:
            return None
        values = (rows[0]["uidvalidity"], rows[0]["last_uid"])
        if not all(isinstance(v, int) for v in values):
            raise damaged(f"table mail_checkpoints, account {account}", values, "two numbers")
        return values

    def save_mail_checkpoint(
        self, account: str, mailbox: str, uidvalidity: int, last_uid: int
    ) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO mail_checkpoints (account, mailbox, uidvalidity, "
                "last_uid) VALUES (?, ?, ?, ?)",
                (account, mailbox, uidvalidity, last_uid),
            )

    # ---- the calendar feed (issue 11) -----------------------------------------------------

    def export_events(
        self,
        events: Sequence[FeedEvent],
        *,
        accounts: Collection[str] | None,
        now: datetime,
        keep: timedelta,
    ) -> list[ExportedEvent]:
        """Record the calendar events computed at `now` and return all to export: these,
        with their SEQUENCE, and those of `accounts` (None: every account) exported
        before that passed or went away within `keep` (`state.exported`)."""
        with self._write() as conn:
            return reconcile(conn, events, accounts=accounts, now=now, keep=keep)
