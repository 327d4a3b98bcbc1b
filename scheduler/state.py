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

import json
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

from scheduler.notify import Urgency
from scraper.errors import CancelwatchError
from scraper.model import Cancellability, Order, OrderStatus, Tracking, to_json
from scraper.paths import data_dir

log = logging.getLogger(__name__)

DB_NAME = "state.db"
BUSY_TIMEOUT_S = 30.0
"""How long a writer waits for another process's transaction before giving up."""
DEFAULT_CLAIM_LEASE = timedelta(minutes=5)


class StateError(CancelwatchError):
    """state.db cannot be used: not a database, or written by a newer cancelwatch."""

    exit_code = 2


class NewerSchema(StateError):
    """state.db was written by a newer cancelwatch than this one."""


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


# ---- instants ---------------------------------------------------------------------------


def _ts(value: datetime, what: str = "time") -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{what}: naive datetime {value.isoformat()}; pass an aware one "
            "(e.g. datetime.now(UTC) or one with a ZoneInfo)"
        )
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _dt_or_none(text: str | None) -> datetime | None:
    return None if text is None else _dt(text)


def _date_or_none(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


# ---- schema -----------------------------------------------------------------------------

_D = "[0-9]"
_INSTANT_GLOB = f"{_D * 4}-{_D * 2}-{_D * 2}T{_D * 2}:{_D * 2}:{_D * 2}.{_D * 6}+00:00"
_DATE_GLOB = f"{_D * 4}-{_D * 2}-{_D * 2}"


def _instant(column: str, *, null: bool = False) -> str:
    """A column that holds a UTC instant in our one text format (and nothing else)."""
    check = f"{column} GLOB '{_INSTANT_GLOB}'"
    if null:
        return f"{column} TEXT CHECK ({column} IS NULL OR {check})"
    return f"{column} TEXT NOT NULL CHECK ({check})"


def _day(column: str) -> str:
    return f"{column} TEXT CHECK ({column} IS NULL OR {column} GLOB '{_DATE_GLOB}')"


_STATUSES = ", ".join(f"'{s.value}'" for s in OrderStatus)
_CANCELLABLE = ", ".join(f"'{c.value}'" for c in Cancellability)
_URGENCIES = ", ".join(f"'{u.value}'" for u in Urgency)

_V1: tuple[str, ...] = (
    f"""CREATE TABLE accounts (
        name TEXT PRIMARY KEY,
        marketplace TEXT,
        {_instant("created_at")}
    )""",
    f"""CREATE TABLE checks (
        id INTEGER PRIMARY KEY,
        account TEXT NOT NULL REFERENCES accounts(name),
        marketplace TEXT,
        {_instant("started_at")},
        {_instant("finished_at")},
        result TEXT NOT NULL CHECK (result IN ('ok', 'error')),
        error_kind TEXT,
        error_message TEXT,
        pages_read INTEGER NOT NULL DEFAULT 0,
        orders_read INTEGER NOT NULL DEFAULT 0,
        new_orders INTEGER NOT NULL DEFAULT 0,
        changes INTEGER NOT NULL DEFAULT 0,
        CHECK ((result = 'ok') = (error_kind IS NULL))
    )""",
    "CREATE INDEX checks_by_account ON checks(account, finished_at)",
    f"""CREATE TABLE orders (
        account TEXT NOT NULL REFERENCES accounts(name),
        order_id TEXT NOT NULL,
        marketplace TEXT NOT NULL,
        {_instant("first_seen")},
        {_instant("last_seen")},
        first_check INTEGER NOT NULL REFERENCES checks(id),
        last_check INTEGER NOT NULL REFERENCES checks(id),
        status TEXT NOT NULL CHECK (status IN ({_STATUSES})),
        cancellable TEXT NOT NULL CHECK (cancellable IN ({_CANCELLABLE})),
        digital INTEGER NOT NULL CHECK (digital IN (0, 1)),
        {_day("placed_on")},
        tracking_ids TEXT,
        {_day("release_date")},
        {_day("cancel_deadline")},
        {_day("return_until")},
        {_instant("vanished_at", null=True)},
        order_json TEXT NOT NULL,
        tracking_json TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (account, order_id)
    )""",
    "CREATE INDEX orders_by_id ON orders(order_id)",
    f"""CREATE TABLE snapshots (
        id INTEGER PRIMARY KEY,
        account TEXT NOT NULL,
        order_id TEXT NOT NULL,
        check_id INTEGER NOT NULL REFERENCES checks(id),
        {_instant("at")},
        status TEXT NOT NULL,
        cancellable TEXT NOT NULL,
        tracking_ids TEXT,
        release_date TEXT,
        cancel_deadline TEXT,
        return_until TEXT,
        order_json TEXT NOT NULL,
        tracking_json TEXT NOT NULL,
        FOREIGN KEY (account, order_id) REFERENCES orders(account, order_id)
    )""",
    "CREATE INDEX snapshots_by_order ON snapshots(account, order_id, at)",
    f"""CREATE TABLE changes (
        id INTEGER PRIMARY KEY,
        account TEXT NOT NULL,
        order_id TEXT NOT NULL,
        check_id INTEGER REFERENCES checks(id),
        {_instant("at")},
        field TEXT NOT NULL,
        old TEXT,
        new TEXT,
        FOREIGN KEY (account, order_id) REFERENCES orders(account, order_id)
    )""",
    "CREATE INDEX changes_by_order ON changes(order_id, at)",
    "CREATE INDEX changes_by_check ON changes(check_id)",
    f"""CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        account TEXT NOT NULL REFERENCES accounts(name),
        order_id TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL,
        lead TEXT NOT NULL DEFAULT '',
        {_instant("due_at")},
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        url TEXT,
        urgency TEXT NOT NULL CHECK (urgency IN ({_URGENCIES})),
        {_instant("created_at")},
        check_id INTEGER REFERENCES checks(id),
        {_instant("claimed_at", null=True)},
        {_instant("sent_at", null=True)},
        channel TEXT,
        {_instant("deferred_until", null=True)},
        {_instant("superseded_at", null=True)},
        superseded_reason TEXT,
        UNIQUE (account, order_id, kind, lead),
        CHECK ((sent_at IS NULL) = (channel IS NULL)),
        CHECK ((superseded_at IS NULL) = (superseded_reason IS NULL))
    )""",
    """CREATE INDEX alerts_pending ON alerts(due_at)
        WHERE sent_at IS NULL AND superseded_at IS NULL""",
    f"""CREATE TABLE manual_deadlines (
        account TEXT NOT NULL REFERENCES accounts(name),
        order_id TEXT NOT NULL,
        {_instant("deadline")},
        {_instant("set_at")},
        PRIMARY KEY (account, order_id)
    )""",
    f"""CREATE TABLE cancellations (
        id INTEGER PRIMARY KEY,
        account TEXT NOT NULL REFERENCES accounts(name),
        order_id TEXT NOT NULL,
        {_instant("at")},
        UNIQUE (account, order_id)
    )""",
    "CREATE INDEX cancellations_by_time ON cancellations(account, at)",
)


def _statements(*sql: str) -> Callable[[sqlite3.Connection], None]:
    def step(conn: sqlite3.Connection) -> None:
        for statement in sql:
            conn.execute(statement)

    return step


Migration = Callable[[sqlite3.Connection], None]

MIGRATIONS: list[Migration] = [
    _statements(*_V1),  # 1: the first schema
]
"""Step N (1-based) brings a database from version N-1 to N. Append, never edit or
reorder: a database records how many steps it has had in `PRAGMA user_version`. A step
that rebuilds a table must follow SQLite's twelve-step ALTER procedure (foreign keys are
checked with `PRAGMA foreign_key_check` before the migration commits)."""


def schema_version() -> int:
    """The schema version this code writes."""
    return len(MIGRATIONS)


def _user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    known = len(MIGRATIONS)
    if _user_version(conn) == known:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = _user_version(conn)  # again: another process may have migrated meanwhile
        if current > known:
            raise NewerSchema(
                f"{path} has schema version {current}, but this cancelwatch knows only up "
                f"to {known}: upgrade cancelwatch, or move the file aside to start afresh"
            )
        for version in range(current + 1, known + 1):
            log.info("migrating %s to schema version %d", path, version)
            MIGRATIONS[version - 1](conn)
            conn.execute(f"PRAGMA user_version = {version}")
        broken = conn.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise StateError(f"{path}: migration left broken references: {broken[:5]}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Order history is personal: owner-only. SQLite gives -wal and -shm the same mode.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
    )
    try:
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            log.warning("%s: journal mode is %s, not WAL (a network file system?)", path, mode)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        _migrate(conn, path)
    except sqlite3.DatabaseError as error:
        conn.close()
        raise StateError(f"cannot use {path} as cancelwatch's database: {error}") from error
    except BaseException:
        conn.close()
        raise
    return conn


# ---- order facts --------------------------------------------------------------------------


def _facts(order: Order, tracking: Sequence[Tracking]) -> dict[ChangeField, str | None]:
    ids = sorted({t.tracking_id for t in tracking if t.tracking_id})
    pre = order.preorder
    return {
        ChangeField.STATUS: order.status.value,
        ChangeField.CANCELLABLE: order.cancellable.value,
        ChangeField.TRACKING_ID: ",".join(ids) or None,
        ChangeField.RELEASE_DATE: _iso(pre.release_date) if pre else None,
        ChangeField.CANCEL_DEADLINE: _iso(pre.cancel_deadline) if pre else None,
        ChangeField.RETURN_UNTIL: _iso(order.return_until),
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


def _is_open(row: sqlite3.Row, today: date) -> bool:
    """The crawl's notion of open (scraper.crawl.default_is_open), on stored facts."""
    status, cancellable = row["status"], row["cancellable"]
    if status in (OrderStatus.CANCELLED, OrderStatus.RETURNED):
        return False
    if status == OrderStatus.UNKNOWN and cancellable == Cancellability.NO:
        return False
    if status == OrderStatus.DELIVERED and cancellable == Cancellability.NO:
        until = _date_or_none(row["return_until"])
        return until is not None and until >= today
    return True


_COLUMN = {f: "tracking_ids" if f is ChangeField.TRACKING_ID else f.value for f in FACTS}
"""Each fact's column in `orders` and `snapshots`."""
_FACT_COLUMNS = ", ".join(_COLUMN.values())
_FACT_PARAMS = ", ".join(f":{c}" for c in _COLUMN.values())
_FACT_SETS = ", ".join(f"{c} = :{c}" for c in _COLUMN.values())


# ---- row readers --------------------------------------------------------------------------


def _alert(row: sqlite3.Row) -> AlertRow:
    return AlertRow(
        id=row["id"],
        account=row["account"],
        order_id=row["order_id"] or None,
        kind=row["kind"],
        lead=row["lead"],
        due_at=_dt(row["due_at"]),
        title=row["title"],
        body=row["body"],
        url=row["url"],
        urgency=Urgency(row["urgency"]),
        created_at=_dt(row["created_at"]),
        sent_at=_dt_or_none(row["sent_at"]),
        channel=row["channel"],
        deferred_until=_dt_or_none(row["deferred_until"]),
        superseded_at=_dt_or_none(row["superseded_at"]),
        superseded_reason=row["superseded_reason"],
        claimed_at=_dt_or_none(row["claimed_at"]),
    )


def _check(row: sqlite3.Row) -> CheckRow:
    return CheckRow(
        id=row["id"],
        account=row["account"],
        marketplace=row["marketplace"],
        started_at=_dt(row["started_at"]),
        finished_at=_dt(row["finished_at"]),
        result="ok" if row["result"] == "ok" else "error",
        error_kind=row["error_kind"],
        error_message=row["error_message"],
        pages_read=row["pages_read"],
        orders_read=row["orders_read"],
        new_orders=row["new_orders"],
        changes=row["changes"],
    )


def _stored(row: sqlite3.Row) -> StoredOrder:
    ids = row["tracking_ids"]
    return StoredOrder(
        account=row["account"],
        order_id=row["order_id"],
        marketplace=row["marketplace"],
        first_seen=_dt(row["first_seen"]),
        last_seen=_dt(row["last_seen"]),
        status=OrderStatus(row["status"]),
        cancellable=Cancellability(row["cancellable"]),
        digital=bool(row["digital"]),
        placed_on=_date_or_none(row["placed_on"]),
        tracking_ids=tuple(ids.split(",")) if ids else (),
        release_date=_date_or_none(row["release_date"]),
        cancel_deadline=_date_or_none(row["cancel_deadline"]),
        return_until=_date_or_none(row["return_until"]),
        vanished_at=_dt_or_none(row["vanished_at"]),
        manual_deadline=_dt_or_none(row["manual_deadline"]),
        order=json.loads(row["order_json"]),
        tracking=json.loads(row["tracking_json"]),
    )


def _change(row: sqlite3.Row) -> ChangeRow:
    return ChangeRow(
        account=row["account"],
        order_id=row["order_id"],
        field=ChangeField(row["field"]),
        old=row["old"],
        new=row["new"],
        at=_dt(row["at"]),
        check_id=row["check_id"],
    )


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
        `data_dir()/state.db`. Raises `NewerSchema` for a database from a newer version."""
        path = path if path is not None else data_dir() / DB_NAME
        return cls(_connect(path), path)

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
        at = _ts(now, "now")
        started = _ts(started_at or now, "started_at")
        latest = {o.id: o for o in orders}  # a repeated order: its last reading wins
        with self._write() as conn:
            self._ensure_account(conn, account, marketplace, at)
            check_id = self._insert_check(
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
                changes += _upsert_order(
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
                    changes.append(_vanish(conn, account, order_id, check_id, at))
            today = now.astimezone(UTC).date()
            unseen = tuple(
                order_id
                for order_id, row in known.items()
                if order_id not in latest
                and order_id not in vanished
                and row["vanished_at"] is None
                and _is_open(row, today)
            )
            added = _plan(conn, account, alerts, check_id, at)
            _retire(conn, account, retire, alerts, at)
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
        at = _ts(now, "now")
        started = _ts(started_at or now, "started_at")
        with self._write() as conn:
            self._ensure_account(conn, account, marketplace, at)
            check_id = self._insert_check(
                conn,
                account=account,
                marketplace=marketplace,
                started=started,
                finished=at,
                error=(kind, message),
                pages_read=0,
                orders_read=0,
            )
            _plan(conn, account, alerts, check_id, at)
        return check_id

    @staticmethod
    def _ensure_account(
        conn: sqlite3.Connection, account: str, marketplace: str | None, at: str
    ) -> None:
        conn.execute(
            "INSERT OR IGNORE INTO accounts (name, marketplace, created_at) VALUES (?, ?, ?)",
            (account, marketplace, at),
        )
        if marketplace is not None:
            conn.execute(
                "UPDATE accounts SET marketplace = ? WHERE name = ?", (marketplace, account)
            )

    @staticmethod
    def _insert_check(
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

    def last_check(self, account: str | None = None) -> CheckRow | None:
        rows = self._read(
            "SELECT * FROM checks WHERE (:account IS NULL OR account = :account) "
            "ORDER BY finished_at DESC, id DESC LIMIT 1",
            {"account": account},
        )
        return _check(rows[0]) if rows else None

    # ---- orders ---------------------------------------------------------------------------

    def orders(self, account: str | None = None) -> list[StoredOrder]:
        """Every order ever seen (newest placed first), vanished ones included."""
        rows = self._read(
            f"{_ORDER_SELECT} WHERE (:account IS NULL OR o.account = :account) "
            f"ORDER BY o.account, {_ORDER_SORT}",
            {"account": account},
        )
        return [_stored(row) for row in rows]

    def order(self, order_id: str, account: str | None = None) -> StoredOrder | None:
        """One order; without `account`, the one seen last if two accounts share the id."""
        rows = self._read(
            f"{_ORDER_SELECT} WHERE o.order_id = :order_id "
            "AND (:account IS NULL OR o.account = :account) "
            "ORDER BY o.last_seen DESC LIMIT 1",
            {"order_id": order_id, "account": account},
        )
        return _stored(rows[0]) if rows else None

    def changes(self, order_id: str, account: str | None = None) -> list[ChangeRow]:
        """What changed for an order, oldest first."""
        rows = self._read(
            "SELECT * FROM changes WHERE order_id = :order_id "
            "AND (:account IS NULL OR account = :account) ORDER BY at, id",
            {"order_id": order_id, "account": account},
        )
        return [_change(row) for row in rows]

    def known_open_since(self, account: str, today: date) -> date | None:
        """The oldest placed-on date among orders still open (for the crawl's
        `known_open_since`), or None when none is."""
        rows = self._read(
            "SELECT status, cancellable, return_until, placed_on FROM orders "
            "WHERE account = ? AND vanished_at IS NULL AND placed_on IS NOT NULL",
            (account,),
        )
        dates = [date.fromisoformat(r["placed_on"]) for r in rows if _is_open(r, today)]
        return min(dates, default=None)

    # ---- alerts ---------------------------------------------------------------------------

    def add_alerts(self, account: str, alerts: Sequence[NewAlert], *, now: datetime) -> list[int]:
        """Plan alerts outside a check (e.g. the dispatcher's "closed while you were away"
        summary). Returns the ids of the rows inserted."""
        at = _ts(now, "now")
        with self._write() as conn:
            self._ensure_account(conn, account, None, at)
            return list(_plan(conn, account, alerts, None, at))

    def due_alerts(self, now: datetime) -> list[AlertRow]:
        """Unsent, not superseded, due, not deferred past `now`; oldest due first."""
        at = _ts(now, "now")
        rows = self._read(
            """SELECT * FROM alerts
            WHERE sent_at IS NULL AND superseded_at IS NULL AND due_at <= :now
              AND (deferred_until IS NULL OR deferred_until <= :now)
            ORDER BY due_at, id""",
            {"now": at},
        )
        return [_alert(row) for row in rows]

    def pending_alerts(self, account: str | None = None) -> list[AlertRow]:
        """Unsent and not superseded, whatever their due time; soonest first."""
        rows = self._read(
            """SELECT * FROM alerts
            WHERE sent_at IS NULL AND superseded_at IS NULL
              AND (:account IS NULL OR account = :account)
            ORDER BY due_at, id""",
            {"account": account},
        )
        return [_alert(row) for row in rows]

    def alert(self, alert_id: int) -> AlertRow | None:
        rows = self._read("SELECT * FROM alerts WHERE id = ?", (alert_id,))
        return _alert(rows[0]) if rows else None

    def claim(self, alert_id: int, *, at: datetime, lease: timedelta = DEFAULT_CLAIM_LEASE) -> bool:
        """Take an alert for sending: True for one caller only, until `lease` has passed
        (a dispatcher that died holding it). Then send, then `mark_sent`."""
        stamp = _ts(at, "at")
        expired = _ts(at - lease, "at")
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
            (_ts(at, "at"), channel, alert_id),
        )

    def defer(self, alert_id: int, until: datetime) -> bool:
        """Hold an unsent alert until `until` (quiet hours). False when already sent."""
        return self._update(
            "UPDATE alerts SET deferred_until = ?, claimed_at = NULL "
            "WHERE id = ? AND sent_at IS NULL",
            (_ts(until, "until"), alert_id),
        )

    def supersede(self, alert_id: int, *, at: datetime, reason: str) -> bool:
        """The alert became moot (its window closed while the machine slept…). False when
        it was already sent or superseded."""
        return self._update(
            """UPDATE alerts SET superseded_at = ?, superseded_reason = ?
            WHERE id = ? AND sent_at IS NULL AND superseded_at IS NULL""",
            (_ts(at, "at"), reason, alert_id),
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
        deadline = _ts(when, "when")
        set_at = _ts(at or datetime.now(UTC), "at")
        with self._write() as conn:
            self._ensure_account(conn, account, None, set_at)
            old = _manual(conn, account, order_id)
            conn.execute(
                """INSERT OR REPLACE INTO manual_deadlines (account, order_id, deadline, set_at)
                VALUES (?, ?, ?, ?)""",
                (account, order_id, deadline, set_at),
            )
            if old != deadline:
                _user_change(
                    conn, account=account, order_id=order_id, old=old, new=deadline, at=set_at
                )

    def clear_manual_deadline(
        self, account: str, order_id: str, *, at: datetime | None = None
    ) -> bool:
        stamp = _ts(at or datetime.now(UTC), "at")
        with self._write() as conn:
            old = _manual(conn, account, order_id)
            if old is None:
                return False
            conn.execute(
                "DELETE FROM manual_deadlines WHERE account = ? AND order_id = ?",
                (account, order_id),
            )
            _user_change(conn, account=account, order_id=order_id, old=old, new=None, at=stamp)
            return True

    def manual_deadline(self, order_id: str, account: str | None = None) -> datetime | None:
        rows = self._read(
            "SELECT deadline FROM manual_deadlines WHERE order_id = :order_id "
            "AND (:account IS NULL OR account = :account) ORDER BY set_at DESC LIMIT 1",
            {"order_id": order_id, "account": account},
        )
        return _dt(rows[0]["deadline"]) if rows else None

    def record_cancellation(self, account: str, order_id: str, at: datetime) -> bool:
        """The user cancelled an order (for the account-risk note). One per order: False
        when it was already recorded."""
        stamp = _ts(at, "at")
        with self._write() as conn:
            self._ensure_account(conn, account, None, stamp)
            cursor = conn.execute(
                "INSERT OR IGNORE INTO cancellations (account, order_id, at) VALUES (?, ?, ?)",
                (account, order_id, stamp),
            )
            return cursor.rowcount == 1

    def cancellations(self, account: str, since: datetime) -> list[datetime]:
        """When the user cancelled orders of `account`, at or after `since`, oldest first."""
        rows = self._read(
            "SELECT at FROM cancellations WHERE account = ? AND at >= ? ORDER BY at",
            (account, _ts(since, "since")),
        )
        return [_dt(row["at"]) for row in rows]


# ---- the steps of a check (inside its transaction) ----------------------------------------


def _upsert_order(
    conn: sqlite3.Connection,
    *,
    account: str,
    marketplace: str,
    order: Order,
    tracking: Sequence[Tracking],
    before: sqlite3.Row | None,
    check_id: int,
    at: str,
) -> list[Change]:
    seen = _facts(order, tracking)
    values: dict[str, Any] = {
        "account": account,
        "order_id": order.id,
        "marketplace": marketplace,
        "at": at,
        "check_id": check_id,
        "digital": int(order.digital),
        "placed_on": _iso(order.placed_on),
        "order_json": _json(to_json(order)),
    }
    if before is None:
        facts = seen
        values["tracking_json"] = _json(to_json(list(tracking)))
        values.update({_COLUMN[f]: v for f, v in facts.items()})
        conn.execute(
            f"""INSERT INTO orders (account, order_id, marketplace, first_seen, last_seen,
                first_check, last_check, digital, placed_on, order_json, tracking_json,
                {_FACT_COLUMNS})
            VALUES (:account, :order_id, :marketplace, :at, :at, :check_id, :check_id,
                :digital, :placed_on, :order_json, :tracking_json, {_FACT_PARAMS})""",
            values,
        )
        changes = [Change(order.id, ChangeField.NEW, None, facts[ChangeField.STATUS])]
    else:
        old = {f: before[_COLUMN[f]] for f in FACTS}
        facts = _merge(old, seen)
        values["tracking_json"] = (
            _json(to_json(list(tracking))) if tracking else before["tracking_json"]
        )
        values.update({_COLUMN[f]: v for f, v in facts.items()})
        conn.execute(
            f"""UPDATE orders SET marketplace = :marketplace, last_seen = :at,
                last_check = :check_id, digital = :digital, placed_on = :placed_on,
                order_json = :order_json, tracking_json = :tracking_json, vanished_at = NULL,
                {_FACT_SETS}
            WHERE account = :account AND order_id = :order_id""",
            values,
        )
        changes = [Change(order.id, f, old[f], facts[f]) for f in FACTS if old[f] != facts[f]]
        if before["vanished_at"] is not None:
            changes.insert(0, Change(order.id, ChangeField.VANISHED, "yes", "no"))
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


def _vanish(
    conn: sqlite3.Connection, account: str, order_id: str, check_id: int, at: str
) -> Change:
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


def _plan(
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
            "due_at": _ts(alert.due_at, f"{alert.kind} due_at"),
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
            """UPDATE alerts SET due_at = :due_at, title = :title, body = :body, url = :url,
                urgency = :urgency
            WHERE account = :account AND order_id = :order_id AND kind = :kind
              AND lead = :lead AND sent_at IS NULL AND superseded_at IS NULL""",
            values,
        )
    return tuple(added)


def _retire(
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


def _manual(conn: sqlite3.Connection, account: str, order_id: str) -> str | None:
    row = conn.execute(
        "SELECT deadline FROM manual_deadlines WHERE account = ? AND order_id = ?",
        (account, order_id),
    ).fetchone()
    return None if row is None else str(row["deadline"])


def _user_change(
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
