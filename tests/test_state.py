"""scheduler.state.store on real SQLite files: schema and migrations, what a check records,
alerts exactly once, UTC instants, and what a SIGKILL or a second process leaves behind."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cancelwatch.scheduler.state import store as state_module
from cancelwatch.scheduler.state.schema import (
    APPLICATION_ID,
    DamagedState,
    ForeignDatabase,
    connect,
)
from cancelwatch.scheduler.state.store import (
    Change,
    ChangeField,
    CheckDiff,
    NewAlert,
    NewerSchema,
    Retire,
    State,
    StateError,
    Urgency,
    iso_duration,
    schema_version,
)
from cancelwatch.scraper.read.model import (
    Cancellability,
    Item,
    Order,
    OrderStatus,
    PreOrder,
    Shipment,
    Tracking,
    to_json,
)
from tests.state_helpers import later_order_columns

REPO = Path(__file__).resolve().parent.parent
TOKYO = ZoneInfo("Asia/Tokyo")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
T0 = datetime(2025, 3, 1, 0, 0, tzinfo=UTC)
ACCOUNT = "me"
MARKET = "amazon.co.jp"
TABLES = {
    "checks",
    "orders",
    "snapshots",
    "changes",
    "alerts",
    "manual_deadlines",
    "cancellations",
}


def make_order(
    order_id: str = "249-0000001-0000001",
    *,
    status: OrderStatus = OrderStatus.PENDING,
    cancellable: Cancellability = Cancellability.YES,
    placed_on: date | None = date(2025, 3, 1),
    preorder: PreOrder | None = None,
    return_until: date | None = None,
    digital: bool = False,
    tracking_url: str | None = None,
) -> Order:
    return Order(
        id=order_id,
        placed_on=placed_on,
        total=Decimal("3980"),
        currency="JPY",
        status=status,
        cancellable=cancellable,
        cancel_url="/progress-tracker/package/preship/cancel-items?orderID=" + order_id
        if cancellable is Cancellability.YES
        else None,
        digital=digital,
        preorder=preorder,
        left_at_door=None,
        return_until=return_until,
        shipments=(
            Shipment(
                status=status,
                status_text=None,
                tracking_url=tracking_url,
                delivered_on=None,
                expected_on=date(2025, 3, 4),
                items=(Item(title="ランプ", url="/dp/B000000001", asin="B000000001"),),
            ),
        ),
        items=(Item(title="ランプ", url="/dp/B000000001", asin="B000000001"),),
    )


def yamato(tracking_id: str | None) -> Tracking:
    return Tracking(
        carrier="Yamato",
        tracking_id=tracking_id,
        status=OrderStatus.SHIPPED,
        carrier_printed="ヤマト運輸",
    )


def alert(
    order_id: str | None = "249-0000001-0000001",
    *,
    kind: str = "cancel_closing",
    lead: str = "PT3H",
    due_at: datetime = T0,
    title: str = "Cancel window closes in 3 hours",
    urgency: Urgency = Urgency.NORMAL,
) -> NewAlert:
    return NewAlert(
        order_id=order_id,
        kind=kind,
        lead=lead,
        due_at=due_at,
        title=title,
        body="Order 249-0000001-0000001 can still be cancelled.",
        url="https://www.amazon.co.jp/gp/your-account/order-details?orderID=249-0000001-0000001",
        urgency=urgency,
    )


def check(
    state: State,
    orders: Sequence[Order],
    *,
    at: datetime,
    tracking: Mapping[str, Sequence[Tracking]] | None = None,
    alerts: Sequence[NewAlert] = (),
    vanished: Sequence[str] = (),
    retire: Sequence[Retire] = (),
    account: str = ACCOUNT,
) -> CheckDiff:
    return state.record_check(
        account,
        MARKET,
        orders,
        tracking or {},
        now=at,
        alerts=alerts,
        pages_read=1,
        vanished=vanished,
        retire=retire,
    )


def raw(db: Path, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
    """Read the file with a plain connection of its own, as another process would."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def count(db: Path, table: str) -> int:
    [(rows,)] = raw(db, f"SELECT count(*) FROM {table}")
    assert isinstance(rows, int)
    return rows


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "state.db"


@pytest.fixture
def state(db: Path) -> Iterator[State]:
    with State.open(db) as opened:
        yield opened


# ---- schema and migrations ------------------------------------------------------------


def test_a_new_database_gets_the_latest_schema_wal_and_owner_only_mode(db: Path) -> None:
    with State.open(db) as opened:
        conn = opened._conn
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema_version()
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    names = {r[0] for r in raw(db, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert names >= TABLES
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


def test_an_empty_file_is_started_afresh_with_a_warning(
    db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db.parent.mkdir(parents=True)
    db.touch()
    with State.open(db) as opened:
        assert opened.last_check() is None
    assert raw(db, "PRAGMA user_version") == [(schema_version(),)]
    assert raw(db, "PRAGMA application_id") == [(APPLICATION_ID,)]
    [warning] = [r for r in caplog.records if r.levelname == "WARNING"]
    assert f"{db} was empty (0 bytes)" in warning.getMessage()


def test_a_new_file_and_a_blank_database_start_without_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blank = tmp_path / "blank.db"  # a header and nothing else, as `sqlite3 blank.db` leaves
    conn = sqlite3.connect(blank, isolation_level=None)
    conn.executescript("CREATE TABLE t (x); DROP TABLE t")
    conn.close()
    assert blank.stat().st_size > 0
    for path in (tmp_path / "new.db", blank):
        State.open(path).close()
        assert raw(path, "PRAGMA application_id") == [(APPLICATION_ID,)]
    assert [r for r in caplog.records if r.levelname == "WARNING"] == []


@contextmanager
def _opened_at_version(db: Path, version: int, monkeypatch: pytest.MonkeyPatch) -> Iterator[State]:
    """A database as an older cancelwatch left it: its first `version` schema steps. Until
    step 3 each account also had a row of the accounts table, which the checks' rows
    referred to; today's code writes none, so it is added here as the old code did."""
    monkeypatch.setattr(state_module, "MIGRATIONS", state_module.MIGRATIONS[:version])
    with State.open(db) as opened:
        if version < 3:
            opened._conn.execute(
                "INSERT INTO accounts (name, marketplace, created_at) VALUES (?, ?, ?)",
                (ACCOUNT, MARKET, T0.isoformat(timespec="microseconds")),
            )
        with later_order_columns(opened._conn, version):
            yield opened


def test_a_database_made_before_the_application_id_opens_with_its_data(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What cancelwatch wrote before it set `application_id`: schema 1, id 0."""
    with _opened_at_version(db, 1, monkeypatch) as opened:
        check(opened, [make_order()], at=T0, alerts=[alert()])
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA application_id = 0")
    conn.close()
    monkeypatch.undo()
    with State.open(db) as opened:
        assert [o.order_id for o in opened.orders()] == ["249-0000001-0000001"]
        assert len(opened.pending_alerts()) == 1
    assert raw(db, "PRAGMA application_id") == [(APPLICATION_ID,)]
    assert raw(db, "PRAGMA user_version") == [(schema_version(),)]


@pytest.mark.parametrize(
    ("setup", "shown"),
    [
        ("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('mine')", "'notes'"),
        ("PRAGMA application_id = 1196444487", "0x47504b47"),
        ("PRAGMA user_version = 3", "user_version is 3"),
        ("CREATE TABLE alerts (id INTEGER); PRAGMA user_version = 1", "'alerts'"),
    ],
    ids=["its own tables", "its own id", "a version, nothing else", "one table of ours"],
)
def test_another_programs_database_is_refused_and_left_untouched(
    db: Path, setup: str, shown: str
) -> None:
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db)
    conn.executescript(setup)
    conn.close()
    before = db.read_bytes()
    with pytest.raises(ForeignDatabase, match="not cancelwatch's") as caught:
        State.open(db)
    assert shown in str(caught.value) and str(db) in str(caught.value)
    assert db.read_bytes() == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["state.db"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda db: db.mkdir(), "is a directory"),
        (os.mkfifo, "not a regular file"),
        (lambda db: db.symlink_to(db), "symbolic link loop"),
        (lambda db: db.write_bytes(b"SQLite fo"), "not a SQLite database"),
    ],
    ids=["directory", "fifo", "symlink loop", "a short file"],
)
def test_what_is_not_a_database_file_is_refused_without_waiting(
    db: Path, make: Callable[[Path], object], message: str
) -> None:
    db.parent.mkdir(parents=True)
    make(db)
    started = time.monotonic()
    with pytest.raises(StateError, match=message):
        State.open(db)
    assert time.monotonic() - started < 5


def test_a_symlink_to_a_database_is_followed(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere" / "state.db"
    with State.open(real) as opened:
        check(opened, [make_order()], at=T0)
    link = tmp_path / "state.db"
    link.symlink_to(real)
    with State.open(link) as opened:
        assert [o.order_id for o in opened.orders()] == ["249-0000001-0000001"]


def test_the_default_path_is_state_db_in_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path / "home"))
    with State.open() as opened:
        assert opened.path == tmp_path / "home" / "state.db"
    assert (tmp_path / "home" / "state.db").exists()


def test_a_new_migration_step_applies_to_an_existing_database_and_keeps_the_data(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with State.open(db) as opened:
        check(opened, [make_order()], at=T0, alerts=[alert()])
    current = schema_version()
    assert raw(db, "PRAGMA user_version") == [(current,)]

    def add_snooze_count(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE alerts ADD COLUMN snoozes INTEGER NOT NULL DEFAULT 0")

    monkeypatch.setattr(state_module, "MIGRATIONS", [*state_module.MIGRATIONS, add_snooze_count])
    with State.open(db) as opened:
        assert [o.order_id for o in opened.orders()] == ["249-0000001-0000001"]
        assert len(opened.pending_alerts()) == 1
    assert raw(db, "PRAGMA user_version") == [(current + 1,)]
    assert raw(db, "SELECT snoozes FROM alerts") == [(0,)]


def _contents(db: Path) -> dict[str, list[tuple[object, ...]]]:
    tables = [r[0] for r in raw(db, "SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {str(name): sorted(raw(db, f"SELECT * FROM {name}"), key=repr) for name in tables}


def _indexes(db: Path) -> set[tuple[object, ...]]:
    return set(raw(db, "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index'"))


def _version_2_with_every_table_filled(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with _opened_at_version(db, 2, monkeypatch) as opened:
        diff = check(opened, [make_order()], at=T0, alerts=[alert()])
        later = make_order(status=OrderStatus.PREPARING, cancellable=Cancellability.NO)
        check(opened, [later], at=T0 + timedelta(hours=1))
        assert deliver(opened, diff.alerts_added[0], at=T0, channel="desktop")
        opened.set_manual_deadline(ACCOUNT, "249-0000001-0000001", T0 + timedelta(days=1), at=T0)
        opened.record_cancellation(ACCOUNT, "249-0000001-0000002", T0)
    monkeypatch.undo()
    assert raw(db, "PRAGMA user_version") == [(2,)]
    assert all(count(db, table) > 0 for table in TABLES | {"accounts", "deliveries"})


def test_step_3_drops_the_accounts_table_and_keeps_every_row_and_index(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _version_2_with_every_table_filled(db, monkeypatch)
    before, indexes = _contents(db), _indexes(db)
    # Steps 1-3 only, on a bare connection: today's State reads columns later steps add.
    with contextlib.closing(connect(db, state_module.MIGRATIONS[:3])) as conn:
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert raw(db, "PRAGMA user_version") == [(3,)]
    del before["accounts"]
    assert _contents(db) == before
    assert _indexes(db) == {i for i in indexes if i[1] != "accounts"}
    references = raw(
        db, "SELECT m.name, f.* FROM sqlite_master m, pragma_foreign_key_list(m.name) f"
    )
    assert references and not [r for r in references if "accounts" in r]
    assert raw(db, "PRAGMA foreign_key_check") == []
    with State.open(db) as opened:  # it goes on to today's steps, and takes a check of any account
        check(opened, [make_order()], at=T0 + timedelta(hours=2), account="another")
        assert {o.account for o in opened.orders()} == {ACCOUNT, "another"}


def test_step_3_rebuilds_a_table_whose_name_was_quoted_by_hand(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _version_2_with_every_table_filled(db, monkeypatch)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("ALTER TABLE cancellations RENAME TO c")  # as at the sqlite3 shell
    conn.execute('ALTER TABLE c RENAME TO "cancellations"')
    conn.close()
    [(sql,)] = raw(db, "SELECT sql FROM sqlite_master WHERE name = 'cancellations'")
    assert str(sql).startswith('CREATE TABLE "cancellations"')
    before = _contents(db)
    connect(db, state_module.MIGRATIONS[:3]).close()
    del before["accounts"]
    assert _contents(db) == before
    assert raw(db, "PRAGMA user_version") == [(3,)]


def test_a_failing_migration_step_leaves_the_database_as_it_was(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with State.open(db) as opened:
        check(opened, [make_order()], at=T0)
    before = schema_version()

    def half_done(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE notes (text TEXT)")
        conn.execute("DELETE FROM changes")
        raise RuntimeError("step failed halfway")

    monkeypatch.setattr(state_module, "MIGRATIONS", [*state_module.MIGRATIONS, half_done])
    with pytest.raises(RuntimeError, match="halfway"):
        State.open(db)
    assert raw(db, "PRAGMA user_version") == [(before,)]
    assert raw(db, "SELECT name FROM sqlite_master WHERE name = 'notes'") == []
    assert count(db, "changes") == 1


def test_a_database_from_a_newer_cancelwatch_is_a_clear_error(db: Path) -> None:
    State.open(db).close()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    known = schema_version()
    with pytest.raises(NewerSchema, match=rf"schema version 99.*knows only up to {known}.*upgrade"):
        State.open(db)
    assert raw(db, "PRAGMA user_version") == [(99,)]


def test_a_file_that_is_not_a_database_is_a_state_error(db: Path) -> None:
    db.parent.mkdir(parents=True)
    db.write_bytes(b"not a database at all, just some text " * 100)
    with pytest.raises(StateError, match=r"state\.db"):
        State.open(db)


def test_two_processes_creating_the_database_at_once_both_succeed(db: Path) -> None:
    code = "import sys; from pathlib import Path\n"
    code += "from cancelwatch.scheduler.state.store import State\n"
    code += "State.open(Path(sys.argv[1])).close()"
    children = [subprocess.Popen([sys.executable, "-c", code, str(db)], cwd=REPO) for _ in range(4)]
    assert [child.wait(timeout=60) for child in children] == [0, 0, 0, 0]
    assert raw(db, "PRAGMA user_version") == [(schema_version(),)]


# ---- what a check records -------------------------------------------------------------


def test_first_sight_is_a_change_new_with_its_time(state: State) -> None:
    diff = check(state, [make_order()], at=T0)
    assert diff.new_orders == ("249-0000001-0000001",)
    assert diff.changes == (Change("249-0000001-0000001", ChangeField.NEW, None, "pending"),)
    [row] = state.changes("249-0000001-0000001")
    assert (row.field, row.old, row.new, row.at, row.check_id) == (
        ChangeField.NEW,
        None,
        "pending",
        T0,
        diff.check_id,
    )


def test_status_cancellable_and_tracking_changes_are_recorded_with_their_times(
    state: State,
) -> None:
    oid = "249-0000001-0000001"
    t1, t2, t3 = T0 + timedelta(hours=1), T0 + timedelta(hours=2), T0 + timedelta(days=1)
    check(state, [make_order(oid)], at=T0)
    diff = check(
        state,
        [make_order(oid, status=OrderStatus.PREPARING, cancellable=Cancellability.NO)],
        at=t1,
    )
    assert diff.new_orders == ()
    assert [(c.field, c.old, c.new) for c in diff.changes] == [
        (ChangeField.STATUS, "pending", "preparing"),
        (ChangeField.CANCELLABLE, "yes", "no"),
    ]
    shipped = make_order(
        oid, status=OrderStatus.SHIPPED, cancellable=Cancellability.NO, tracking_url="/t/1"
    )
    check(state, [shipped], at=t2)
    check(state, [shipped], at=t3, tracking={oid: [yamato("1234-5678-9012")]})

    assert [(c.field, c.old, c.new, c.at) for c in state.changes(oid)] == [
        (ChangeField.NEW, None, "pending", T0),
        (ChangeField.STATUS, "pending", "preparing", t1),
        (ChangeField.CANCELLABLE, "yes", "no", t1),
        (ChangeField.STATUS, "preparing", "shipped", t2),
        (ChangeField.TRACKING_ID, None, "1234-5678-9012", t3),
    ]
    stored = state.order(oid)
    assert stored is not None
    assert stored.tracking_ids == ("1234-5678-9012",)
    assert stored.tracking == [to_json(yamato("1234-5678-9012"))]


def test_preorder_release_date_deadline_and_return_window_changes(state: State) -> None:
    oid = "D01-0000002-0000002"
    first = make_order(oid, preorder=PreOrder(date(2025, 6, 1), cancel_deadline=None))
    later = make_order(oid, preorder=PreOrder(date(2025, 7, 15), date(2025, 4, 15)))
    delivered = make_order(
        oid,
        status=OrderStatus.DELIVERED,
        cancellable=Cancellability.NO,
        preorder=PreOrder(date(2025, 7, 15), date(2025, 4, 15)),
        return_until=date(2025, 8, 14),
    )
    check(state, [first], at=T0)
    diff = check(state, [later], at=T0 + timedelta(days=3))
    assert [(c.field, c.old, c.new) for c in diff.changes] == [
        (ChangeField.RELEASE_DATE, "2025-06-01", "2025-07-15"),
        (ChangeField.CANCEL_DEADLINE, None, "2025-04-15"),
    ]
    diff = check(state, [delivered], at=T0 + timedelta(days=140))
    assert [(c.field, c.old, c.new) for c in diff.changes] == [
        (ChangeField.STATUS, "pending", "delivered"),
        (ChangeField.CANCELLABLE, "yes", "no"),
        (ChangeField.RETURN_UNTIL, None, "2025-08-14"),
    ]
    assert [c.at for c in state.changes(oid)][-1] == T0 + timedelta(days=140)


def test_unknown_readings_keep_what_was_known_and_record_no_change(state: State) -> None:
    oid = "249-0000001-0000001"
    shipped = make_order(
        oid,
        status=OrderStatus.SHIPPED,
        cancellable=Cancellability.NO,
        preorder=PreOrder(date(2025, 6, 1)),
    )
    check(state, [shipped], at=T0, tracking={oid: [yamato("1234")]})
    blurry = make_order(
        oid, status=OrderStatus.UNKNOWN, cancellable=Cancellability.NO, preorder=None
    )
    diff = check(state, [blurry], at=T0 + timedelta(hours=1))  # and no tracking read

    assert diff.changes == ()
    stored = state.order(oid)
    assert stored is not None
    assert stored.status is OrderStatus.SHIPPED
    assert stored.tracking_ids == ("1234",)
    assert stored.release_date == date(2025, 6, 1)
    assert stored.last_seen == T0 + timedelta(hours=1)
    assert stored.order == to_json(blurry)  # the page's own reading, as read
    assert stored.tracking == [to_json(yamato("1234"))]


def test_a_snapshot_is_written_only_when_the_facts_change(state: State, db: Path) -> None:
    oid = "249-0000001-0000001"
    for hour in range(3):
        check(state, [make_order(oid)], at=T0 + timedelta(hours=hour))
    assert count(db, "snapshots") == 1
    check(state, [make_order(oid, status=OrderStatus.PREPARING)], at=T0 + timedelta(hours=4))
    rows = raw(db, "SELECT status, at FROM snapshots ORDER BY id")
    assert rows == [
        ("pending", "2025-03-01T00:00:00.000000+00:00"),
        ("preparing", "2025-03-01T04:00:00.000000+00:00"),
    ]
    assert count(db, "checks") == 4


def test_an_order_missing_from_the_pages_is_kept_and_nothing_is_recorded(state: State) -> None:
    a, b, old = "249-0000001-0000001", "249-0000002-0000002", "249-0000003-0000003"
    delivered = make_order(old, status=OrderStatus.DELIVERED, cancellable=Cancellability.NO)
    check(state, [make_order(a), make_order(b), delivered], at=T0)
    diff = check(state, [make_order(a)], at=T0 + timedelta(hours=1))

    assert diff.changes == ()
    assert diff.unseen == (b,)  # the delivered one (no return window) is not open
    assert {o.order_id for o in state.orders(ACCOUNT)} == {a, b, old}
    stored = state.order(b)
    assert stored is not None
    assert stored.last_seen == T0
    assert stored.vanished_at is None
    assert [c.field for c in state.changes(b)] == [ChangeField.NEW]


def test_orders_the_caller_says_vanished_are_recorded_and_can_come_back(state: State) -> None:
    oid = "249-0000002-0000002"
    check(state, [make_order(oid)], at=T0)
    t1, t2 = T0 + timedelta(hours=1), T0 + timedelta(hours=2)
    diff = check(state, [], at=t1, vanished=[oid, "never-seen"])
    assert diff.changes == (Change(oid, ChangeField.VANISHED, "no", "yes"),)
    assert diff.unseen == ()
    stored = state.order(oid)
    assert stored is not None
    assert stored.vanished_at == t1

    diff = check(state, [make_order(oid)], at=t2)
    assert diff.changes == (Change(oid, ChangeField.VANISHED, "yes", "no"),)
    stored = state.order(oid)
    assert stored is not None
    assert stored.vanished_at is None
    assert [(c.field, c.at) for c in state.changes(oid)] == [
        (ChangeField.NEW, T0),
        (ChangeField.VANISHED, t1),
        (ChangeField.VANISHED, t2),
    ]


def test_an_order_reads_back_as_stored(state: State) -> None:
    order = make_order(
        "D01-0000009-0000009",
        digital=True,
        placed_on=date(2025, 2, 28),
        preorder=PreOrder(date(2025, 6, 1)),
    )
    check(state, [order], at=T0)
    check(state, [order], at=T0 + timedelta(minutes=30))
    [stored] = state.orders()
    assert stored.order == to_json(order)
    assert (stored.account, stored.marketplace, stored.digital) == (ACCOUNT, MARKET, True)
    assert (stored.first_seen, stored.last_seen) == (T0, T0 + timedelta(minutes=30))
    assert stored.placed_on == date(2025, 2, 28)
    assert stored.status is OrderStatus.PENDING
    assert stored.cancellable is Cancellability.YES
    assert stored.tracking == []
    assert state.order("nope") is None
    assert state.orders("someone else") == []


def test_known_open_since_is_the_oldest_open_order(state: State) -> None:
    check(
        state,
        [
            make_order("1", placed_on=date(2025, 2, 20)),
            make_order("2", placed_on=date(2025, 2, 10), status=OrderStatus.SHIPPED),
            make_order(
                "3",
                placed_on=date(2025, 1, 5),
                status=OrderStatus.DELIVERED,
                cancellable=Cancellability.NO,
                return_until=date(2025, 2, 4),
            ),
            make_order("4", placed_on=date(2024, 12, 1), status=OrderStatus.CANCELLED),
        ],
        at=T0,
    )
    assert state.known_open_since(ACCOUNT, date(2025, 3, 1)) == date(2025, 2, 10)
    assert state.known_open_since(ACCOUNT, date(2025, 2, 1)) == date(2025, 1, 5)
    assert state.known_open_since("nobody", date(2025, 3, 1)) is None


def test_a_check_that_failed_midway_keeps_what_it_read(state: State) -> None:
    diff = state.record_check(
        ACCOUNT,
        MARKET,
        [make_order()],
        {},
        now=T0,
        alerts=[],
        error=("selector_failure", "the order list shows 12 orders but none were read"),
        pages_read=2,
        started_at=T0 - timedelta(seconds=40),
    )
    last = state.last_check(ACCOUNT)
    assert last is not None
    assert (last.id, last.ok, last.result, last.error_kind) == (
        diff.check_id,
        False,
        "error",
        "selector_failure",
    )
    assert (last.pages_read, last.orders_read, last.new_orders, last.changes) == (2, 1, 1, 1)
    assert last.started_at == T0 - timedelta(seconds=40)
    assert len(state.orders()) == 1


def test_a_failure_before_reading_is_recorded_with_its_alert(state: State) -> None:
    check(state, [make_order()], at=T0)
    sign_in = alert(None, kind="sign_in_needed", lead="2025-03-01", title="Sign in again")
    check_id = state.record_failure(
        ACCOUNT,
        now=T0 + timedelta(hours=1),
        kind="sign_in",
        message="Amazon asks for a CAPTCHA",
        alerts=[sign_in],
    )
    last = state.last_check()
    assert last is not None
    assert (last.id, last.result, last.error_kind, last.error_message) == (
        check_id,
        "error",
        "sign_in",
        "Amazon asks for a CAPTCHA",
    )
    assert (last.pages_read, last.orders_read, last.marketplace) == (0, 0, None)
    [pending] = state.pending_alerts()
    assert (pending.order_id, pending.kind) == (None, "sign_in_needed")


def test_last_check_is_per_account(state: State) -> None:
    check(state, [make_order("1")], at=T0, account="jp")
    check(state, [make_order("2")], at=T0 + timedelta(hours=1), account="us")
    jp, us, latest = state.last_check("jp"), state.last_check("us"), state.last_check()
    assert jp is not None
    assert us is not None
    assert latest is not None
    assert (jp.finished_at, us.finished_at, latest.account) == (
        T0,
        T0 + timedelta(hours=1),
        "us",
    )
    assert state.last_check("nobody") is None


def test_naive_datetimes_are_refused(state: State) -> None:
    with pytest.raises(ValueError, match="naive"):
        check(state, [make_order()], at=datetime(2025, 3, 1, 9, 0))
    with pytest.raises(ValueError, match="naive"):
        check(state, [make_order()], at=T0, alerts=[alert(due_at=datetime(2025, 3, 1))])
    assert state.last_check() is None  # the refused check wrote nothing
    assert state.orders() == []


# ---- the user's deadlines and cancellations ------------------------------------------


def test_a_manual_deadline_round_trips_and_is_a_change_of_the_order(state: State) -> None:
    oid = "249-0000001-0000001"
    check(state, [make_order(oid)], at=T0)
    first = datetime(2025, 3, 20, 23, 59, tzinfo=TOKYO)
    second = datetime(2025, 3, 18, 12, 0, tzinfo=TOKYO)
    state.set_manual_deadline(ACCOUNT, oid, first, at=T0 + timedelta(hours=1))
    state.set_manual_deadline(ACCOUNT, oid, second, at=T0 + timedelta(hours=2))
    assert state.manual_deadline(oid) == second
    stored = state.order(oid)
    assert stored is not None
    assert stored.manual_deadline == second
    assert [(c.field, c.old, c.new, c.check_id) for c in state.changes(oid)][1:] == [
        (ChangeField.MANUAL_DEADLINE, None, "2025-03-20T14:59:00.000000+00:00", None),
        (
            ChangeField.MANUAL_DEADLINE,
            "2025-03-20T14:59:00.000000+00:00",
            "2025-03-18T03:00:00.000000+00:00",
            None,
        ),
    ]
    assert state.clear_manual_deadline(ACCOUNT, oid, at=T0 + timedelta(hours=3))
    assert not state.clear_manual_deadline(ACCOUNT, oid)
    assert state.manual_deadline(oid) is None
    # an order not seen yet may get a deadline too (no change row: nothing to hang it on)
    state.set_manual_deadline(ACCOUNT, "not-seen-yet", first)
    assert state.manual_deadline("not-seen-yet", ACCOUNT) == first


def test_cancellations_count_once_per_order_since_a_time(state: State) -> None:
    assert state.record_cancellation(ACCOUNT, "1", T0)
    assert not state.record_cancellation(ACCOUNT, "1", T0 + timedelta(hours=1))
    assert state.record_cancellation(ACCOUNT, "2", T0 + timedelta(days=10))
    assert state.record_cancellation("other", "3", T0 + timedelta(days=10))
    assert state.cancellations(ACCOUNT, T0) == [T0, T0 + timedelta(days=10)]
    assert state.cancellations(ACCOUNT, T0 + timedelta(days=1)) == [T0 + timedelta(days=10)]


# ---- alerts ---------------------------------------------------------------------------


def test_the_same_alert_planned_twice_is_one_row(state: State, db: Path) -> None:
    first = check(state, [make_order()], at=T0, alerts=[alert(), alert(lead="PT30M")])
    again = check(state, [make_order()], at=T0 + timedelta(minutes=5), alerts=[alert()])
    assert len(first.alerts_added) == 2
    assert again.alerts_added == ()
    assert count(db, "alerts") == 2
    other_account = check(state, [make_order()], at=T0, alerts=[alert()], account="us")
    assert len(other_account.alerts_added) == 1


def test_account_level_alerts_are_unique_too(state: State, db: Path) -> None:
    blind = alert(None, kind="selector_failure", lead="")
    state.add_alerts(ACCOUNT, [blind], now=T0)
    state.add_alerts(ACCOUNT, [blind], now=T0 + timedelta(minutes=1))
    state.record_failure(ACCOUNT, now=T0, kind="selector", message="m", alerts=[blind])
    assert count(db, "alerts") == 1


def deliver(state: State, alert_id: int, *, at: datetime, channel: str) -> bool:
    """The dispatcher's path for one alert on one channel: claim it (True for one caller
    only), record the attempt, record it delivered, end the claim."""
    owner = f"test-{channel}"
    if not state.claim(alert_id, at=at, owner=owner):
        return False
    attempt = state.start_delivery(alert_id, channel, at=at, repeat=False)
    state.end_delivery(alert_id, channel, attempt, at=at, error=None)
    return state.release(alert_id, owner=owner)


def test_replanning_refreshes_an_unsent_alert_and_never_a_sent_one(state: State) -> None:
    check(state, [make_order()], at=T0, alerts=[alert(due_at=T0 + timedelta(hours=5))])
    later = alert(due_at=T0 + timedelta(hours=7), title="Cancel window closes at 10:00")
    check(state, [make_order()], at=T0 + timedelta(hours=1), alerts=[later])
    [row] = state.pending_alerts()
    assert (row.due_at, row.title, row.created_at) == (later.due_at, later.title, T0)

    assert deliver(state, row.id, at=T0 + timedelta(hours=7), channel="desktop")
    moved = alert(due_at=T0 + timedelta(hours=9), title="moved again")
    check(state, [make_order()], at=T0 + timedelta(hours=8), alerts=[moved])
    sent = state.alert(row.id)
    assert sent is not None
    assert (sent.sent_at, sent.channel) == (T0 + timedelta(hours=7), "desktop")
    assert (sent.due_at, sent.title) == (later.due_at, later.title)
    assert state.pending_alerts() == []


def test_due_alerts_are_unsent_due_undeferred_live_and_oldest_first(state: State) -> None:
    now = T0 + timedelta(hours=10)
    plan = {
        "due_late": alert(kind="a", due_at=now - timedelta(hours=1)),
        "due_early": alert(kind="b", due_at=now - timedelta(hours=3)),
        "due_now": alert(kind="c", due_at=now),
        "future": alert(kind="d", due_at=now + timedelta(seconds=1)),
        "sent": alert(kind="e", due_at=now - timedelta(hours=2)),
        "superseded": alert(kind="f", due_at=now - timedelta(hours=2)),
        "deferred": alert(kind="g", due_at=now - timedelta(hours=2)),
        "deferred_until_now": alert(kind="h", due_at=now - timedelta(hours=4)),
    }
    diff = check(state, [make_order()], at=T0, alerts=list(plan.values()))
    ids = dict(zip(plan, diff.alerts_added, strict=True))
    assert deliver(state, ids["sent"], at=T0, channel="console")
    assert state.supersede(ids["superseded"], at=T0, reason="window closed while asleep")
    assert state.defer(ids["deferred"], now + timedelta(minutes=1))
    assert state.defer(ids["deferred_until_now"], now)

    due = state.due_alerts(now)
    assert [a.id for a in due] == [
        ids["deferred_until_now"],
        ids["due_early"],
        ids["due_late"],
        ids["due_now"],
    ]
    assert [a.kind for a in state.pending_alerts()] == ["h", "b", "g", "a", "c", "d"]
    assert state.pending_alerts("nobody") == []
    superseded = state.alert(ids["superseded"])
    assert superseded is not None
    assert superseded.superseded_reason == "window closed while asleep"
    # once sent or superseded, an alert can no longer be deferred, superseded or re-sent
    assert not state.supersede(ids["sent"], at=now, reason="late")
    assert not state.supersede(ids["superseded"], at=now, reason="twice")
    assert not state.defer(ids["sent"], now)
    assert not deliver(state, ids["sent"], at=now, channel="desktop")


def test_retire_supersedes_moot_alerts_but_keeps_replanned_and_sent_ones(state: State) -> None:
    oid = "249-0000001-0000001"
    leads = [alert(oid, lead=lead) for lead in ("P1D", "PT3H", "PT30M")]
    tracking = alert(oid, kind="tracking_id", lead="")
    diff = check(state, [make_order(oid)], at=T0, alerts=[*leads, tracking])
    assert deliver(state, diff.alerts_added[0], at=T0, channel="desktop")

    now = T0 + timedelta(hours=1)
    closed = make_order(oid, status=OrderStatus.PREPARING, cancellable=Cancellability.NO)
    still = alert(oid, lead="PT30M")
    check(
        state,
        [closed],
        at=now,
        alerts=[still],
        retire=[Retire(oid, "the cancel window closed", kinds=("cancel_closing",))],
    )
    rows = {(a.kind, a.lead): a for a in state.pending_alerts()}
    assert set(rows) == {("cancel_closing", "PT30M"), ("tracking_id", "")}
    moot = state.alert(diff.alerts_added[1])
    assert moot is not None
    assert (moot.superseded_at, moot.superseded_reason) == (now, "the cancel window closed")
    sent = state.alert(diff.alerts_added[0])
    assert sent is not None
    assert sent.superseded_at is None


def test_an_alert_is_delivered_exactly_once_across_two_connections(db: Path) -> None:
    with State.open(db) as first, State.open(db) as second:
        [alert_id] = check(first, [make_order()], at=T0, alerts=[alert()]).alerts_added
        [seen_by_first] = first.due_alerts(T0)
        [seen_by_second] = second.due_alerts(T0)
        assert seen_by_first.id == seen_by_second.id == alert_id
        assert deliver(first, alert_id, at=T0 + timedelta(seconds=1), channel="desktop")
        assert not deliver(second, alert_id, at=T0 + timedelta(seconds=2), channel="email")
        assert first.due_alerts(T0) == second.due_alerts(T0) == []
    row = raw(db, "SELECT sent_at, channel FROM alerts")
    assert row == [("2025-03-01T00:00:01.000000+00:00", "desktop")]


RACER = """
import json, sys
from datetime import UTC, datetime
from pathlib import Path
from cancelwatch.scheduler.state.store import State

name, now = sys.argv[2], datetime(2030, 1, 1, tzinfo=UTC)
with State.open(Path(sys.argv[1])) as state:
    due = state.due_alerts(now)
    print("ready", flush=True)
    sys.stdin.readline()
    won = []
    for a in due:
        if state.claim(a.id, at=now, owner=name):
            attempt = state.start_delivery(a.id, name, at=now, repeat=False)
            state.end_delivery(a.id, name, attempt, at=now, error=None)
            state.release(a.id, owner=name)
            won.append(a.id)
print(json.dumps(won), flush=True)
"""


def test_an_alert_is_delivered_exactly_once_across_two_racing_processes(db: Path) -> None:
    plan = [alert(f"order-{i}", due_at=T0 + timedelta(seconds=i)) for i in range(300)]
    with State.open(db) as opened:
        ids = set(check(opened, [], at=T0, alerts=plan).alerts_added)
    racers = {
        name: subprocess.Popen(
            [sys.executable, "-c", RACER, str(db), name],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for name in ("dispatcher-a", "dispatcher-b")
    }
    for racer in racers.values():
        assert racer.stdout is not None
        assert racer.stdout.readline().strip() == "ready"
    for racer in racers.values():  # both hold the same 300 due alerts; now go
        assert racer.stdin is not None
        racer.stdin.write("go\n")
        racer.stdin.flush()
    won = {
        name: set(json.loads(racer.communicate(timeout=120)[0])) for name, racer in racers.items()
    }

    assert all(racer.returncode == 0 for racer in racers.values())
    assert won["dispatcher-a"].isdisjoint(won["dispatcher-b"])
    assert won["dispatcher-a"] | won["dispatcher-b"] == ids
    channels = {row[0]: row[1] for row in raw(db, "SELECT id, channel FROM alerts")}
    assert all(channels[i] == name for name, mine in won.items() for i in mine)


def test_a_claim_is_exclusive_until_its_lease_runs_out(db: Path) -> None:
    with State.open(db) as first, State.open(db) as second:
        [alert_id] = check(first, [make_order()], at=T0, alerts=[alert()]).alerts_added
        assert first.claim(alert_id, at=T0)
        assert not second.claim(alert_id, at=T0 + timedelta(minutes=4))
        # the first dispatcher died after claiming: the lease runs out, another takes over
        assert second.claim(alert_id, at=T0 + timedelta(minutes=5))
        attempt = second.start_delivery(alert_id, "desktop", at=T0, repeat=False)
        second.end_delivery(alert_id, "desktop", attempt, at=T0, error=None)
        assert second.release(alert_id)
        assert not first.claim(alert_id, at=T0 + timedelta(hours=1))


def test_state_is_usable_from_a_worker_thread(state: State) -> None:
    results: list[CheckDiff] = []
    worker = threading.Thread(target=lambda: results.append(check(state, [make_order()], at=T0)))
    worker.start()
    worker.join()
    assert results[0].new_orders == ("249-0000001-0000001",)
    assert len(state.orders()) == 1


def test_iso_duration_names_leads() -> None:
    assert iso_duration(timedelta(hours=3)) == "PT3H"
    assert iso_duration(timedelta(minutes=30)) == "PT30M"
    assert iso_duration(timedelta(days=1)) == "P1D"
    assert iso_duration(timedelta(days=3, hours=1, seconds=5)) == "P3DT1H5S"
    with pytest.raises(ValueError, match="positive"):
        iso_duration(timedelta(0))


# ---- time zones -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local", "utc_text"),
    [
        (datetime(2025, 3, 1, 9, 0, tzinfo=TOKYO), "2025-03-01T00:00:00.000000+00:00"),
        # the night US clocks spring forward: 01:30 PST, then 03:30 PDT an hour later
        (datetime(2025, 3, 9, 1, 30, tzinfo=LOS_ANGELES), "2025-03-09T09:30:00.000000+00:00"),
        (datetime(2025, 3, 9, 3, 30, tzinfo=LOS_ANGELES), "2025-03-09T10:30:00.000000+00:00"),
        # the night they fall back: 01:30 happens twice, fold tells which
        (datetime(2025, 11, 2, 1, 30, tzinfo=LOS_ANGELES), "2025-11-02T08:30:00.000000+00:00"),
        (
            datetime(2025, 11, 2, 1, 30, fold=1, tzinfo=LOS_ANGELES),
            "2025-11-02T09:30:00.000000+00:00",
        ),
    ],
)
def test_instants_are_stored_in_utc_and_read_back_as_the_same_instant(
    state: State, db: Path, local: datetime, utc_text: str
) -> None:
    diff = check(state, [make_order()], at=local, alerts=[alert(due_at=local)])
    stored_at = raw(db, "SELECT finished_at FROM checks")
    due_at = raw(db, "SELECT due_at, created_at FROM alerts")
    assert stored_at == [(utc_text,)]
    assert due_at == [(utc_text, utc_text)]
    # Python's == between zones is False for a wall time in a DST fold (PEP 495), so
    # compare instants in UTC, as the state does.
    instant = local.astimezone(UTC)
    [row] = state.pending_alerts()
    assert row.due_at == instant
    assert row.due_at.tzinfo is UTC
    assert row.due_at.timestamp() == local.timestamp()
    back = row.due_at.astimezone(local.tzinfo)
    assert (back.replace(tzinfo=None), back.utcoffset()) == (
        local.replace(tzinfo=None, fold=0),
        local.utcoffset(),
    )
    last = state.last_check()
    assert last is not None
    assert (last.id, last.finished_at) == (diff.check_id, instant)
    assert state.changes("249-0000001-0000001")[0].at == instant


def test_due_selection_compares_instants_not_wall_clocks(state: State) -> None:
    tokyo_morning = datetime(2025, 3, 2, 8, 0, tzinfo=TOKYO)  # 23:00 UTC on the 1st
    la_afternoon = datetime(2025, 3, 1, 14, 0, tzinfo=LOS_ANGELES)  # 22:00 UTC on the 1st
    check(
        state,
        [make_order()],
        at=T0,
        alerts=[alert(kind="tokyo", due_at=tokyo_morning), alert(kind="la", due_at=la_afternoon)],
    )
    assert [a.kind for a in state.due_alerts(datetime(2025, 3, 1, 22, 30, tzinfo=UTC))] == ["la"]
    between = datetime(2025, 3, 2, 8, 0, tzinfo=TOKYO) - timedelta(microseconds=1)
    assert [a.kind for a in state.due_alerts(between)] == ["la"]
    assert [a.kind for a in state.due_alerts(tokyo_morning)] == ["la", "tokyo"]


def test_the_database_refuses_instants_that_are_not_utc_text(db: Path) -> None:
    State.open(db).close()
    conn = sqlite3.connect(db)
    insert = "INSERT INTO cancellations (account, order_id, at) VALUES (?, ?, ?)"
    conn.execute(insert, ("x", "1", T0.isoformat(timespec="microseconds")))
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        conn.execute(insert, ("y", "1", "2025-03-01T09:00:00.000000+09:00"))
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        conn.execute(insert, ("z", "1", "2025-03-01 09:00:00"))
    conn.close()


def _edit(db: Path, sql: str) -> None:
    """As a person at the sqlite3 shell with CHECK constraints turned off."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA ignore_check_constraints = ON")
        assert conn.execute(sql).rowcount >= 1
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("sql", "read", "words"),
    [
        (
            "UPDATE changes SET field = 'colour'",
            lambda s: s.changes("249-0000001-0000001"),
            ("table changes, row id 1, column field: 'colour'", "one of new, status"),
        ),
        (
            "UPDATE checks SET started_at = '2025-03-01T00:00:00.000000'",
            lambda s: s.last_check(),
            ("table checks, row id 1, column started_at", "with its UTC offset"),
        ),
        (
            "UPDATE checks SET pages_read = 'many'",
            lambda s: s.last_check(),
            ("table checks, row id 1, column pages_read: 'many'", "a whole number"),
        ),
        (
            "UPDATE alerts SET sent_at = '2025-02-29T00:00:00.000000+00:00', channel = 'x'",
            lambda s: s.alert(1),
            ("table alerts, row id 1, column sent_at", "'2025-02-29T00:00:00.000000+00:00'"),
        ),
        (
            "UPDATE cancellations SET at = 'yesterday'",
            lambda s: s.cancellations(ACCOUNT, T0 - timedelta(days=1)),
            ("'yesterday' is not a UTC instant",),
        ),
    ],
    ids=["change field", "naive instant", "count as text", "no such day", "instant in words"],
)
def test_a_value_edited_by_hand_reads_as_damaged_state_naming_where(
    db: Path, sql: str, read: Callable[[State], object], words: tuple[str, ...]
) -> None:
    with State.open(db) as opened:
        check(opened, [make_order()], at=T0)
        opened.record_cancellation(ACCOUNT, "249-0000001-0000001", T0)
        opened.add_alerts(ACCOUNT, [alert(kind="sign_in_needed", order_id=None)], now=T0)
    _edit(db, sql)
    with State.open(db) as opened, pytest.raises(DamagedState) as caught:
        read(opened)
    message = str(caught.value)
    assert message.startswith("state.db, ") and "fix or delete that row" in message
    assert "\n" not in message
    for word in words:
        assert word in message


# ---- crashes ----------------------------------------------------------------------------

BIG_CHECK = """
import sys, time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from cancelwatch.scheduler.state.store import NewAlert, State
from cancelwatch.scraper.read.model import Cancellability, Item, Order, OrderStatus

db, marker, count, mode = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
wal = Path(f"{db}-wal")
state = State.open(db)
orders = [
    Order(
        id=f"503-{i:07d}-0000000", placed_on=date(2025, 1, 1), total=Decimal("1200"),
        currency="JPY", status=OrderStatus.PENDING, cancellable=Cancellability.YES,
        cancel_url=None, digital=False, preorder=None, left_at_door=None, return_until=None,
        items=tuple(Item(title=f"item {i}-{k} " + "x" * 200, url=None) for k in range(3)),
    )
    for i in range(count)
]
now = datetime(2025, 3, 2, tzinfo=UTC)
alerts = [NewAlert(o.id, "cancel_closing", "PT3H", now, "t", "b") for o in orders[:100]]


def hang_once_uncommitted_pages_are_on_disk() -> int:
    # Runs inside SQLite, between VM instructions of record_check's transaction.
    if wal.exists() and wal.stat().st_size > 1_000_000:
        marker.write_text("mid-transaction")
        time.sleep(600)
    return 0


if mode == "hang":
    state._conn.set_progress_handler(hang_once_uncommitted_pages_are_on_disk, 1000)
else:
    marker.write_text("starting")
state.record_check("me", "amazon.co.jp", orders, {}, now=now, alerts=alerts, pages_read=100)
marker.write_text("committed")
"""


def _before_big_check(db: Path) -> None:
    with State.open(db) as opened:
        check(opened, [make_order(str(i)) for i in range(3)], at=T0, alerts=[alert("0")])


def _start_big_check(db: Path, marker: Path, mode: str, size: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", BIG_CHECK, str(db), str(marker), str(size), mode], cwd=REPO
    )


def _await_marker(child: subprocess.Popen[bytes], marker: Path, text: str) -> None:
    deadline = time.monotonic() + 120
    while not (marker.exists() and marker.read_text() == text):
        assert child.poll() is None, f"the child ended ({child.returncode}) before {text!r}"
        assert time.monotonic() < deadline, f"no {text!r} from the child"
        time.sleep(0.01)


def _assert_intact(db: Path) -> None:
    assert raw(db, "PRAGMA integrity_check") == [("ok",)]
    assert raw(db, "PRAGMA foreign_key_check") == []


def _assert_as_before(db: Path) -> None:
    assert count(db, "checks") == 1
    assert count(db, "orders") == 3
    assert count(db, "snapshots") == 3
    assert count(db, "changes") == 3
    assert count(db, "alerts") == 1
    assert raw(db, "SELECT count(*) FROM orders WHERE order_id LIKE '503-%'") == [(0,)]


def test_sigkill_in_the_middle_of_a_check_leaves_the_database_as_before(tmp_path: Path) -> None:
    db, marker = tmp_path / "state.db", tmp_path / "marker"
    _before_big_check(db)
    child = _start_big_check(db, marker, "hang", 5000)
    try:
        _await_marker(child, marker, "mid-transaction")
        uncommitted_on_disk = Path(f"{db}-wal").stat().st_size
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert uncommitted_on_disk > 1_000_000  # the kill hit pages already written to the WAL

    _assert_intact(db)
    _assert_as_before(db)
    with State.open(db) as reopened:
        last = reopened.last_check()
        assert last is not None
        assert last.finished_at == T0
        diff = check(reopened, [make_order("0"), make_order("503-0000001-0000000")], at=T0)
        assert diff.new_orders == ("503-0000001-0000000",)
    _assert_intact(db)


@pytest.mark.parametrize("delay", [0.0, 0.2, 0.6])
def test_sigkill_at_any_moment_of_a_check_is_all_or_nothing(tmp_path: Path, delay: float) -> None:
    db, marker = tmp_path / "state.db", tmp_path / "marker"
    _before_big_check(db)
    child = _start_big_check(db, marker, "plain", 4000)
    try:
        _await_marker(child, marker, "starting")
        time.sleep(delay)  # a moment chosen from outside, not by a hook
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)

    _assert_intact(db)
    if count(db, "checks") == 1:
        _assert_as_before(db)
    else:
        assert count(db, "checks") == 2
        assert count(db, "orders") == 4003
        assert count(db, "snapshots") == 4003
        assert count(db, "changes") == 4003
        assert count(db, "alerts") == 101


def test_an_unknown_urgency_is_refused_and_nothing_is_written(state: State) -> None:
    loud = NewAlert("249-0000001-0000001", "cancel_closing", "PT3H", T0, "t", "b", None, "loud")
    with pytest.raises(ValueError, match="loud"):
        check(state, [make_order()], at=T0, alerts=[loud])
    assert state.last_check() is None


def test_an_account_is_read_before_once_a_check_of_it_ended_ok(state: State) -> None:
    assert not state.read_before(ACCOUNT)
    state.record_failure(ACCOUNT, now=T0, kind="unreachable", message="no answer")
    assert not state.read_before(ACCOUNT)  # a failed check read no orders
    check(state, [], at=T0 + timedelta(minutes=5))
    assert state.read_before(ACCOUNT)
    assert not state.read_before("another")


# ---- when an order's details and tracking pages were last read ----------------------------


def test_a_check_records_which_pages_it_read_and_a_later_check_keeps_that_time(
    state: State,
) -> None:
    """The crawl lets a recent reading stand in for a page: the time is the start of the
    check that read the page, and a check that did not read it leaves that time alone."""
    shipped, open_ = make_order("249-1"), make_order("249-2")
    started = T0 - timedelta(seconds=20)
    state.record_check(
        ACCOUNT,
        MARKET,
        [shipped, open_],
        {},
        now=T0,
        alerts=(),
        started_at=started,
        details_read={"249-2"},
        tracking_read={"249-1"},
    )
    first = {o: state.order(o, ACCOUNT) for o in ("249-1", "249-2")}
    assert first["249-1"] is not None and first["249-2"] is not None
    assert (first["249-1"].details_read_at, first["249-1"].tracking_read_at) == (None, started)
    assert (first["249-2"].details_read_at, first["249-2"].tracking_read_at) == (started, None)

    later = T0 + timedelta(hours=1)
    state.record_check(
        ACCOUNT, MARKET, [shipped, open_], {}, now=later, alerts=(), details_read={"249-1"}
    )
    again = {o: state.order(o, ACCOUNT) for o in ("249-1", "249-2")}
    assert again["249-1"] is not None and again["249-2"] is not None
    assert (again["249-1"].details_read_at, again["249-1"].tracking_read_at) == (later, started)
    assert (again["249-2"].details_read_at, again["249-2"].tracking_read_at) == (started, None)


def test_step_6_keeps_every_order_and_reads_no_page_time_into_it(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _opened_at_version(db, 5, monkeypatch) as opened:
        check(opened, [make_order()], at=T0)
    monkeypatch.undo()
    assert raw(db, "PRAGMA user_version") == [(5,)]
    with State.open(db) as opened:
        (order,) = opened.orders()
    assert order.order_id == "249-0000001-0000001"
    assert (order.details_read_at, order.tracking_read_at) == (None, None)
    assert raw(db, "PRAGMA user_version") == [(schema_version(),)]


def test_a_page_time_that_is_not_an_instant_is_refused_when_read(db: Path) -> None:
    with State.open(db) as opened:
        check(opened, [make_order()], at=T0)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA ignore_check_constraints = ON")  # as a hand edit could
    conn.execute("UPDATE orders SET tracking_read_at = 'yesterday'")
    conn.commit()
    conn.close()
    with pytest.raises(DamagedState, match="tracking_read_at"):
        State.open(db)
