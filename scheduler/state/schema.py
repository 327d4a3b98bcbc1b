"""state.db's layout: the tables, the migration steps that build them, opening a file
(owner-only, WAL, busy timeout), and the one text form each stored value takes.

`store` documents the decisions callers rely on; this module is how the file
keeps them. An instant is stored as `instant_text` writes it, and a CHECK constraint on
every instant column rejects any other text, so text order is time order in SQL.

The file is hostile input like any other. Opening refuses, in one `StateError` line and
without writing a byte, what is not cancelwatch's database: a directory, a FIFO, a
symlink loop, a file that is not SQLite, another program's SQLite database (ours carry
`APPLICATION_ID`), a newer schema. An empty file is started afresh, with a warning. A
value that does not read back as the type its column holds is `DamagedState`, naming
table, row and column.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import secrets
import sqlite3
import stat
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cancelwatch.scheduler.mail.rules import KINDS
from cancelwatch.scheduler.policy.urgency import Urgency
from cancelwatch.scraper.errors import CancelwatchError
from cancelwatch.scraper.read.model import Cancellability, OrderStatus

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 30.0
"""How long a writer waits for another process's transaction before giving up."""


class StateError(CancelwatchError):
    """state.db cannot be used: not a database, or written by a newer cancelwatch."""

    exit_code = 2


class NewerSchema(StateError):
    """state.db was written by a newer cancelwatch than this one."""


class ForeignDatabase(StateError):
    """state.db is a SQLite database, but another program's: refused, never touched."""


class DamagedState(StateError):
    """A value in state.db that cancelwatch never writes: the file was edited by hand or
    damaged. The message names the table, the row and the column."""


AFRESH = "move it aside, and cancelwatch starts a new database there"
"""What to do next with a state.db cancelwatch cannot use."""


def damaged(where: str, value: object, expected: str) -> DamagedState:
    """The error for `value`, read from `where` in state.db, that is not `expected`."""
    shown = repr(value)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return DamagedState(
        f"state.db, {where}: {shown} is not {expected}; fix or delete that row "
        "(e.g. with sqlite3), or move state.db aside to start afresh"
    )


# ---- values as stored: instants, dates, JSON --------------------------------------------


def instant_text(value: datetime, what: str = "time") -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{what}: naive datetime {value.isoformat()}; pass an aware one "
            "(e.g. datetime.now(UTC) or one with a ZoneInfo)"
        )
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def parse_instant(text: str, where: str = "an instant column") -> datetime:
    """An instant as `instant_text` stored it; anything else is `DamagedState`."""
    try:
        value = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise damaged(where, text, "a UTC instant like 2024-06-01T00:00:00.000000+00:00") from None
    if value.utcoffset() is None:
        raise damaged(where, text, "an instant with its UTC offset")
    return value.astimezone(UTC)


def parse_instant_or_none(text: str | None, where: str = "an instant column") -> datetime | None:
    return None if text is None else parse_instant(text, where)


def parse_date_or_none(text: str | None, where: str = "a date column") -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise damaged(where, text, "a date like 2024-06-01") from None


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


_HASH = "[0-9a-f]" * 64
_MAIL_KINDS = ", ".join(f"'{kind}'" for kind in KINDS)

_MAILS: tuple[str, ...] = (
    # One row per order a mail names ('' when it names none): only what the mail says
    # about orders, never its subject, body or addresses. The hash of its Message-ID
    # tells a mail heard again (a reconnect, Maildir's move from new/ to cur/) apart.
    f"""CREATE TABLE mails (
        account TEXT NOT NULL,
        message_hash TEXT NOT NULL CHECK (message_hash GLOB '{_HASH}'),
        kind TEXT NOT NULL CHECK (kind IN ({_MAIL_KINDS})),
        order_id TEXT NOT NULL DEFAULT '',
        {_instant_column("sent_at", null=True)},
        UNIQUE (account, message_hash, order_id)
    )""",
    "CREATE INDEX mails_by_order ON mails(account, order_id, kind)",
    # A mailbox is named by a hash of its server, user and folder: no address is kept.
    """CREATE TABLE mail_checkpoints (
        account TEXT NOT NULL,
        mailbox TEXT NOT NULL,
        uidvalidity INTEGER NOT NULL CHECK (uidvalidity >= 0),
        last_uid INTEGER NOT NULL CHECK (last_uid >= 0),
        PRIMARY KEY (account, mailbox)
    )""",
)


CALENDAR_KINDS = ("cancel", "preorder", "release", "kindle_refund", "return", "approval")
"""The windows the calendar feed makes events of (`cancelwatch.scheduler.feed`)."""

_KIND_NAMES = ", ".join(f"'{kind}'" for kind in CALENDAR_KINDS)

_CALENDAR: tuple[str, ...] = (
    # What the calendar feed last exported, so that a window it no longer computes can be
    # sent once more as cancelled rather than silently left in a subscribed calendar.
    # Only when, what kind and which order: the words are made afresh at each export.
    f"""CREATE TABLE calendar_events (
        account TEXT NOT NULL,
        uid TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ({_KIND_NAMES})),
        order_id TEXT NOT NULL,
        {_instant_column("at")},
        estimated INTEGER NOT NULL CHECK (estimated IN (0, 1)),
        sequence INTEGER NOT NULL CHECK (sequence >= 0),
        {_instant_column("cancelled_at", null=True)},
        PRIMARY KEY (account, uid)
    )""",
)


def _statements(*sql: str) -> Callable[[sqlite3.Connection], None]:
    def step(conn: sqlite3.Connection) -> None:
        for statement in sql:
            conn.execute(statement)

    return step


Migration = Callable[[sqlite3.Connection], None]

_ACCOUNT_REFERENCE = " REFERENCES accounts(name)"


def _without_accounts(conn: sqlite3.Connection) -> None:
    """Drop the accounts table, which nothing read: every row names its account itself.
    Each table that referenced it is rebuilt without the reference (SQLite's twelve-step
    procedure: new table, rows copied by column name, old one dropped, new one renamed,
    its indexes made again), so every row and index is kept."""
    referring = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND instr(sql, ?) > 0",
        (_ACCOUNT_REFERENCE,),
    ).fetchall()
    for name, sql in referring:
        _rebuild(conn, name, sql.replace(_ACCOUNT_REFERENCE, ""))
    conn.execute("DROP TABLE accounts")


def _rebuild(conn: sqlite3.Connection, table: str, sql: str) -> None:
    # The name as SQLite keeps it: as we wrote it, or quoted after a rename by hand.
    renamed, found = re.subn(
        rf'^CREATE TABLE\s+(?:"{table}"|{table})\s*\(', f"CREATE TABLE {table}__new (", sql
    )
    if found != 1:
        raise StateError(f"table {table} is not as cancelwatch made it: {sql[:60]!r}")
    indexes = [
        row[0]
        for row in conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL",
            (table,),
        )
    ]
    columns = ", ".join(f'"{row[1]}"' for row in conn.execute(f"PRAGMA table_info({table})"))
    conn.execute(renamed)
    conn.execute(f"INSERT INTO {table}__new ({columns}) SELECT {columns} FROM {table}")
    conn.execute(f"DROP TABLE {table}")
    conn.execute(f"ALTER TABLE {table}__new RENAME TO {table}")
    for index in indexes:
        conn.execute(index)


MIGRATIONS: list[Migration] = [
    _statements(*_V1),  # 1: the first schema
    _statements(  # 2: each channel's delivery of an alert, and who holds a claim (issue 7)
        "ALTER TABLE alerts ADD COLUMN claimed_by TEXT",
        # A claim now means "delivery unfinished"; in version 1 a sent alert was finished.
        "UPDATE alerts SET claimed_at = NULL WHERE sent_at IS NOT NULL",
        f"""CREATE TABLE deliveries (
            alert_id INTEGER NOT NULL REFERENCES alerts(id),
            channel TEXT NOT NULL,
            attempt INTEGER NOT NULL CHECK (attempt >= 1),
            {_instant_column("started_at")},
            {_instant_column("finished_at", null=True)},
            outcome TEXT CHECK (outcome IN ('delivered', 'failed', 'interrupted')),
            error TEXT,
            is_repeat INTEGER NOT NULL DEFAULT 0 CHECK (is_repeat IN (0, 1)),
            PRIMARY KEY (alert_id, channel, attempt),
            CHECK ((finished_at IS NULL) = (outcome IS NULL OR outcome = 'interrupted'))
        )""",
        """CREATE INDEX alerts_unfinished ON alerts(id)
            WHERE sent_at IS NOT NULL AND claimed_at IS NOT NULL""",
    ),
    _without_accounts,  # 3: the accounts table, which nothing read, goes (issue 8)
    _statements(*_MAILS),  # 4: the order mails heard, where each mailbox was left (issue 10)
    _statements(*_CALENDAR),  # 5: the events the calendar feed exported (issue 11)
    _statements(  # 6: when an order's details and tracking pages were last read (issue 10)
        f"ALTER TABLE orders ADD COLUMN {_instant_column('details_read_at', null=True)}",
        f"ALTER TABLE orders ADD COLUMN {_instant_column('tracking_read_at', null=True)}",
    ),
]
"""Step N (1-based) brings a database from version N-1 to N. Append, never edit or
reorder: a database records how many steps it has had in `PRAGMA user_version`. A step
that rebuilds a table must follow SQLite's twelve-step ALTER procedure (foreign keys are
checked with `PRAGMA foreign_key_check` before the migration commits)."""


APPLICATION_ID = int.from_bytes(b"CnWt", "big")
"""`PRAGMA application_id` of a cancelwatch database: how it is told apart from another
program's SQLite file, which cancelwatch must never migrate or overwrite."""

FIRST_TABLES = frozenset(
    {
        "accounts",
        "checks",
        "orders",
        "snapshots",
        "changes",
        "alerts",
        "manual_deadlines",
        "cancellations",
    }
)
"""The tables step 1 makes. A database with them, a `user_version` and no application id
was made by a cancelwatch from before the id was set: it is ours, and gets the id."""

SQLITE_HEADER = b"SQLite format 3\x00"


def _user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _application_id(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA application_id").fetchone()[0])


def identify(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a database that is not cancelwatch's, before anything writes to it.

    Ours: it has our application id; or it is a blank database (version 0, nothing in
    it); or it was made before the id was set (a version, no id, the first tables)."""
    conn.execute("BEGIN")  # one snapshot: another process may be creating it right now
    try:
        app_id, version = _application_id(conn), _user_version(conn)
        objects = {
            (str(kind), str(name))
            for kind, name in conn.execute("SELECT type, name FROM sqlite_master")
        }
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")  # it only read
    if app_id == APPLICATION_ID:
        return
    tables = {name for kind, name in objects if kind == "table"}
    if app_id == 0 and ((version == 0 and not objects) or (version > 0 and tables >= FIRST_TABLES)):
        return
    if app_id != 0:
        what = f"its application id is {app_id:#010x}"
    else:
        shown = ", ".join(repr(name[:30]) for name in sorted(tables)[:3])
        what = f"its tables: {shown}" if tables else f"its user_version is {version}"
    raise ForeignDatabase(
        f"{path} is a SQLite database that is not cancelwatch's ({what}); cancelwatch "
        "leaves it untouched: move it elsewhere, or set CANCELWATCH_HOME to another directory"
    )


def migrate(conn: sqlite3.Connection, path: Path, steps: Sequence[Migration]) -> int | None:
    """Bring the database at `path` up to version `len(steps)`, all steps in one
    transaction; a database newer than that is `NewerSchema`. Returns the version this
    call migrated from, None when it had nothing to do."""
    known = len(steps)
    if _user_version(conn) == known and _application_id(conn) == APPLICATION_ID:
        return None
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
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        broken = conn.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise StateError(f"{path}: migration left broken references: {broken[:5]}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return current


def connect(path: Path, steps: Sequence[Migration]) -> sqlite3.Connection:
    """Open `path` (creating it owner-only), check it is cancelwatch's, set WAL, the busy
    timeout and foreign keys, and `migrate` it with `steps`. An unusable file is a
    `StateError`; an empty one is started afresh, with a warning."""
    was_empty = prepare_file(path)
    try:
        conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as error:
        raise StateError(f"cannot open {path} as cancelwatch's database: {error}") from None
    try:
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        identify(conn, path)  # before WAL: switching modes writes to the file
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            log.warning("%s: journal mode is %s, not WAL (a network file system?)", path, mode)
        conn.execute("PRAGMA synchronous = NORMAL")
        # Off while migrating: a step that rebuilds a table drops one that others refer
        # to. `migrate` checks every reference before it commits.
        conn.execute("PRAGMA foreign_keys = OFF")
        migrated_from = migrate(conn, path, steps)
        conn.execute("PRAGMA foreign_keys = ON")
        if migrated_from == 0 and was_empty:
            # Only the process that started it afresh: not one that met a file another
            # cancelwatch had just created.
            log.warning(
                "%s was empty (0 bytes): started a new database in it; if it held your "
                "order history, put a backup of it back in its place",
                path,
            )
    except sqlite3.DatabaseError as error:
        conn.close()
        raise StateError(f"cannot use {path} as cancelwatch's database: {error}") from error
    except BaseException:
        conn.close()
        raise
    return conn


def prepare_file(path: Path) -> bool:
    """Make `path` safe to hand to SQLite: create it owner-only when missing; refuse,
    without opening it for long or blocking, what is not a regular SQLite file. True when
    the file was there and empty (0 bytes)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        info = path.stat()
    except FileNotFoundError:
        _create(path)
        return False
    except OSError as exc:
        raise _unusable(path, exc) from None
    if stat.S_ISDIR(info.st_mode):
        raise StateError(f"{path} is a directory, not cancelwatch's database: {AFRESH}")
    if not stat.S_ISREG(info.st_mode):
        raise StateError(
            f"{path} is not a regular file (a FIFO, socket or device), not cancelwatch's "
            f"database: {AFRESH}"
        )
    if info.st_size == 0:
        return True
    if _header(path) != SQLITE_HEADER:
        raise StateError(
            f"{path} is not a SQLite database, so not cancelwatch's: cancelwatch leaves it "
            f"untouched; {AFRESH}"
        )
    return False


def _create(path: Path) -> None:
    """Put a blank database with our application id at `path`, whole: made under another
    name and linked into place, so no process ever meets an empty state.db cancelwatch
    made (and warns about it). Owner-only: order history is personal, and SQLite gives
    -wal and -shm the same mode."""
    blank = path.with_name(f".{path.name}.{secrets.token_hex(4)}.new")
    try:
        os.close(os.open(blank, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        conn = sqlite3.connect(blank)
        try:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        finally:
            conn.close()
        try:
            os.link(blank, path)
        except FileExistsError:
            # Another cancelwatch made it first (as good as ours), or it is a symlink to
            # nothing yet: make its target, owner-only.
            if not path.exists():
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        except OSError:
            # A file system without hard links: create it empty, as SQLite would.
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    except (OSError, sqlite3.Error) as exc:
        raise _unusable(path, exc) from None
    finally:
        blank.unlink(missing_ok=True)


def _header(path: Path) -> bytes:
    # O_NONBLOCK: were a FIFO swapped in since the stat, opening it must not wait.
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise _unusable(path, exc) from None
    try:
        return os.read(fd, len(SQLITE_HEADER))
    except OSError as exc:
        raise _unusable(path, exc) from None
    finally:
        os.close(fd)


def _unusable(path: Path, exc: OSError | sqlite3.Error) -> StateError:
    if isinstance(exc, OSError) and exc.errno == errno.ELOOP:
        why = "a symbolic link loop"
    else:
        why = (exc.strerror if isinstance(exc, OSError) else None) or str(exc)
    return StateError(f"cannot use {path} as cancelwatch's database: {why}; {AFRESH}")
