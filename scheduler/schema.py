"""state.db's layout: the tables, the migration steps that build them, opening a file
(owner-only, WAL, busy timeout), and the one text form each stored value takes.

`scheduler.state` documents the decisions callers rely on; this module is how the file
keeps them. An instant is stored as `instant_text` writes it, and a CHECK constraint on
every instant column rejects any other text, so text order is time order in SQL.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from scheduler.urgency import Urgency
from scraper.errors import CancelwatchError
from scraper.model import Cancellability, OrderStatus

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 30.0
"""How long a writer waits for another process's transaction before giving up."""


class StateError(CancelwatchError):
    """state.db cannot be used: not a database, or written by a newer cancelwatch."""

    exit_code = 2


class NewerSchema(StateError):
    """state.db was written by a newer cancelwatch than this one."""


# ---- values as stored: instants, dates, JSON --------------------------------------------


def instant_text(value: datetime, what: str = "time") -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{what}: naive datetime {value.isoformat()}; pass an aware one "
            "(e.g. datetime.now(UTC) or one with a ZoneInfo)"
        )
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def parse_instant(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def parse_instant_or_none(text: str | None) -> datetime | None:
    return None if text is None else parse_instant(text)


def parse_date_or_none(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def date_text(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


# ---- schema -----------------------------------------------------------------------------

_D = "[0-9]"
_INSTANT_GLOB = f"{_D * 4}-{_D * 2}-{_D * 2}T{_D * 2}:{_D * 2}:{_D * 2}.{_D * 6}+00:00"
_DATE_GLOB = f"{_D * 4}-{_D * 2}-{_D * 2}"


def _instant_column(column: str, *, null: bool = False) -> str:
    """A column that holds a UTC instant in our one text format (and nothing else)."""
    check = f"{column} GLOB '{_INSTANT_GLOB}'"
    if null:
        return f"{column} TEXT CHECK ({column} IS NULL OR {check})"
    return f"{column} TEXT NOT NULL CHECK ({check})"


def _day_column(column: str) -> str:
    return f"{column} TEXT CHECK ({column} IS NULL OR {column} GLOB '{_DATE_GLOB}')"


_STATUSES = ", ".join(f"'{s.value}'" for s in OrderStatus)
_CANCELLABLE = ", ".join(f"'{c.value}'" for c in Cancellability)
_URGENCIES = ", ".join(f"'{u.value}'" for u in Urgency)

_V1: tuple[str, ...] = (
    f"""CREATE TABLE accounts (
        name TEXT PRIMARY KEY,
        marketplace TEXT,
        {_instant_column("created_at")}
    )""",
    f"""CREATE TABLE checks (
        id INTEGER PRIMARY KEY,
        account TEXT NOT NULL REFERENCES accounts(name),
        marketplace TEXT,
        {_instant_column("started_at")},
        {_instant_column("finished_at")},
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
        {_instant_column("first_seen")},
        {_instant_column("last_seen")},
        first_check INTEGER NOT NULL REFERENCES checks(id),
        last_check INTEGER NOT NULL REFERENCES checks(id),
        status TEXT NOT NULL CHECK (status IN ({_STATUSES})),
        cancellable TEXT NOT NULL CHECK (cancellable IN ({_CANCELLABLE})),
        digital INTEGER NOT NULL CHECK (digital IN (0, 1)),
        {_day_column("placed_on")},
        tracking_ids TEXT,
        {_day_column("release_date")},
        {_day_column("cancel_deadline")},
        {_day_column("return_until")},
        {_instant_column("vanished_at", null=True)},
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
        {_instant_column("at")},
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
        {_instant_column("at")},
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
        {_instant_column("due_at")},
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        url TEXT,
        urgency TEXT NOT NULL CHECK (urgency IN ({_URGENCIES})),
        {_instant_column("created_at")},
        check_id INTEGER REFERENCES checks(id),
        {_instant_column("claimed_at", null=True)},
        {_instant_column("sent_at", null=True)},
        channel TEXT,
        {_instant_column("deferred_until", null=True)},
        {_instant_column("superseded_at", null=True)},
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
        {_instant_column("deadline")},
        {_instant_column("set_at")},
        PRIMARY KEY (account, order_id)
    )""",
    f"""CREATE TABLE cancellations (
        id INTEGER PRIMARY KEY,
        account TEXT NOT NULL REFERENCES accounts(name),
        order_id TEXT NOT NULL,
        {_instant_column("at")},
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


def _user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, path: Path, steps: Sequence[Migration]) -> None:
    """Bring the database at `path` up to version `len(steps)`, all steps in one
    transaction; a database newer than that is `NewerSchema`."""
    known = len(steps)
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
            steps[version - 1](conn)
            conn.execute(f"PRAGMA user_version = {version}")
        broken = conn.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise StateError(f"{path}: migration left broken references: {broken[:5]}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def connect(path: Path, steps: Sequence[Migration]) -> sqlite3.Connection:
    """Open `path` (creating it owner-only), set WAL, the busy timeout and foreign keys,
    and `migrate` it with `steps`. An unusable file is a `StateError`."""
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
        migrate(conn, path, steps)
    except sqlite3.DatabaseError as error:
        conn.close()
        raise StateError(f"cannot use {path} as cancelwatch's database: {error}") from error
    except BaseException:
        conn.close()
        raise
    return conn
