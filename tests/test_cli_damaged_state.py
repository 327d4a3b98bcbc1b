"""A state.db that cannot be used — not a file, not SQLite, another program's database, a
newer schema, rows edited by hand — is one line and exit 2 from every command that reads
it, fast, with the file left as it was. An empty file is started afresh, with a warning."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from cancelwatch.scheduler.cli import main as cli_module
from cancelwatch.scheduler.cli.context import App
from cancelwatch.scheduler.cli.main import cli, run
from cancelwatch.scheduler.state.schema import APPLICATION_ID
from cancelwatch.scheduler.state.store import NewAlert, State, schema_version
from tests.pages import JP, parse_file

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
PREORDER = "503-2094418-6637205"  # on order-list-2026.html
COMMANDS = {
    "status": ("status",),
    "advise": ("advise", PREORDER),
    "check": ("check",),
    "deadline": ("deadline", PREORDER, "2026-12-20"),
    "watch": ("watch",),
}
# A command that waited on a FIFO or a lock would never come back: give up well before.
ANSWER_WITHIN_S = 30


def cancelwatch(*args: str) -> tuple[int, str, str]:
    """The command at NOW in a thread of its own (as in test_cli_check), waited for with a
    limit."""
    with CliRunner().isolation() as streams, ThreadPoolExecutor(1) as pool:
        app = App(clock=lambda: NOW)
        code = pool.submit(run, cli, list(args), app=app).result(timeout=ANSWER_WITHIN_S)
        out, err = streams[0].getvalue(), streams[1].getvalue()
    return code, out.decode(), err.decode()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """CANCELWATCH_HOME with one account configured and no state.db yet."""
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path))
    (tmp_path / "config.toml").write_text(
        '[accounts.main]\nmarketplace = "amazon.co.jp"\n'
        '[notify]\nlanguage = "en"\ndesktop = false\n',
        encoding="utf-8",
    )
    return tmp_path


def fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_refused_in_one_line(args: tuple[str, ...], *words: str) -> None:
    code, out, err = cancelwatch(*args)
    assert code == 2, (args, err)
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cancelwatch: error: "), err
    for word in words:
        assert word in lines[0], (word, lines[0])


# ---- the file itself -------------------------------------------------------------------


def _directory(db: Path) -> None:
    db.mkdir()


def _fifo(db: Path) -> None:
    os.mkfifo(db)


def _symlink_loop(db: Path) -> None:
    db.symlink_to(db)


def _text(db: Path) -> None:
    db.write_text("my shopping list\n" * 100, encoding="utf-8")


def _short_junk(db: Path) -> None:
    db.write_bytes(b"SQLite")  # shorter than a header: SQLite itself would take it as empty


def _another_programs_tables(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE bookmarks (url TEXT)")
        conn.execute("INSERT INTO bookmarks VALUES ('https://example.com')")
    conn.close()


def _another_programs_id(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA application_id = 1196444487")  # 'GPKG': a GeoPackage
    conn.execute("PRAGMA user_version = 10300")
    conn.close()


def _another_program_with_orders(db: Path) -> None:
    """Tables that share a name with ours are not enough: no alerts, checks, accounts."""
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, item TEXT)")
        conn.execute("PRAGMA user_version = 1")
    conn.close()


def _newer_schema(db: Path) -> None:
    State.open(db).close()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {schema_version() + 1}")
    conn.close()


FILE_CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "a directory": (_directory, "is a directory"),
    "a FIFO": (_fifo, "not a regular file"),
    "a symlink loop": (_symlink_loop, "symbolic link loop"),
    "a text file": (_text, "not a SQLite database"),
    "a few bytes": (_short_junk, "not a SQLite database"),
    "another program's tables": (_another_programs_tables, "not cancelwatch's"),
    "another program's id": (_another_programs_id, "application id is 0x47504b47"),
    "another program's orders": (_another_program_with_orders, "not cancelwatch's"),
    "a newer schema": (_newer_schema, "upgrade cancelwatch"),
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", FILE_CASES)
def test_a_state_db_that_cannot_be_used_is_one_line_and_exit_2(
    home: Path, case: str, command: str
) -> None:
    db = home / "state.db"
    damage, words = FILE_CASES[case]
    damage(db)
    before = fingerprint(db) if db.is_file() and not db.is_symlink() else None
    assert_refused_in_one_line(COMMANDS[command], str(db), words)
    if before is not None:
        assert fingerprint(db) == before  # refused, never migrated or overwritten
        assert not (home / "state.db-wal").exists()


def test_another_programs_database_is_never_migrated(home: Path) -> None:
    db = home / "state.db"
    _another_programs_tables(db)
    assert_refused_in_one_line(("status",), "move it elsewhere", "CANCELWATCH_HOME")
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA application_id").fetchone() == (0,)
        assert conn.execute("PRAGMA user_version").fetchone() == (0,)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("bookmarks",)]
    finally:
        conn.close()


def test_an_empty_state_db_starts_afresh_with_a_warning(home: Path) -> None:
    """As the console script runs it, so the warning reaches stderr as a user sees it."""
    db = home / "state.db"
    db.touch()
    env = {**os.environ, "CANCELWATCH_HOME": str(home), "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "cancelwatch.scheduler.cli", "status"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"{db} was empty (0 bytes): started a new database" in proc.stderr
    assert "Traceback" not in proc.stderr
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA application_id").fetchone() == (APPLICATION_ID,)
        assert conn.execute("PRAGMA user_version").fetchone() == (schema_version(),)
    finally:
        conn.close()
    code, _, err = cancelwatch("status")
    assert (code, "was empty" in err) == (0, False)  # once started, no second warning


# ---- rows edited by hand ---------------------------------------------------------------


@pytest.fixture
def recorded(home: Path) -> Path:
    """state.db after one check of order-list-2026.html, with a deadline set by hand and
    an alert planned; the WAL folded into the file, as after any command."""
    db = home / "state.db"
    page = parse_file(JP / "order-list-2026.html")
    deadline = datetime(2026, 12, 20, 14, 59, tzinfo=UTC)
    reminder = NewAlert(PREORDER, "cancel_closing", "P1D", deadline - timedelta(days=1), "t", "b")
    with State.open(db) as state:
        state.record_check("main", "amazon.co.jp", page.orders, {}, now=NOW, alerts=[reminder])
        state.set_manual_deadline("main", PREORDER, deadline, at=NOW)
    return db


def edit(db: Path, sql: str, *, bypass_checks: bool = False) -> None:
    """Change the file as a person with the sqlite3 shell would; `bypass_checks` as one who
    also turned off its CHECK constraints."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        if bypass_checks:
            conn.execute("PRAGMA ignore_check_constraints = ON")
        assert conn.execute(sql).rowcount != 0, sql  # an UPDATE that matched; -1: DDL
    finally:
        conn.close()


ORDER = f"WHERE order_id = '{PREORDER}'"
ROW_CASES: dict[str, tuple[str, bool, tuple[str, ...]]] = {
    "a day that does not exist": (
        f"UPDATE orders SET placed_on = '2026-02-30' {ORDER}",
        False,
        ("table orders", PREORDER, "column placed_on", "'2026-02-30'", "not a date"),
    ),
    "a month 13 instant": (
        f"UPDATE orders SET first_seen = '2026-13-01T00:00:00.000000+00:00' {ORDER}",
        False,
        ("table orders", "column first_seen", "not a UTC instant"),
    ),
    "a deadline in words": (
        f"UPDATE manual_deadlines SET deadline = 'next friday' {ORDER}",
        True,
        ("table manual_deadlines", PREORDER, "column deadline", "'next friday'"),
    ),
    "an instant without its offset": (
        f"UPDATE orders SET last_seen = '2026-11-26T03:00:00' {ORDER}",
        True,
        ("column last_seen", "with its UTC offset"),
    ),
    "an unknown status": (
        f"UPDATE orders SET status = 'teleported' {ORDER}",
        True,
        ("column status", "'teleported'", "one of pending"),
    ),
    "an unknown cancellable": (
        f"UPDATE orders SET cancellable = 'maybe' {ORDER}",
        True,
        ("column cancellable", "'maybe'"),
    ),
    "digital as a word": (
        f"UPDATE orders SET digital = 'yes' {ORDER}",
        True,
        ("column digital", "'yes'", "whole number"),
    ),
    "an unknown marketplace": (
        f"UPDATE orders SET marketplace = 'amazon.example' {ORDER}",
        False,
        ("column marketplace", "'amazon.example'", "amazon.co.jp"),
    ),
    "broken order JSON": (
        f"""UPDATE orders SET order_json = '{{"id": "{PREORDER}", ' {ORDER}""",
        False,
        ("column order_json", "an order as cancelwatch stores it"),
    ),
    "order JSON that is a list": (
        f"UPDATE orders SET order_json = '[1, 2]' {ORDER}",
        False,
        ("column order_json",),
    ),
    "an unknown status inside the order JSON": (
        f"UPDATE orders SET order_json = json_set(order_json, '$.status', 'lost') {ORDER}",
        False,
        ("column order_json",),
    ),
    "a total that is not a number": (
        f"UPDATE orders SET order_json = json_set(order_json, '$.total', 'lots') {ORDER}",
        False,
        ("column order_json",),
    ),
    "tracking JSON that is an object": (
        f"UPDATE orders SET tracking_json = '{{}}' {ORDER}",
        False,
        ("column tracking_json",),
    ),
    "an alert due whenever": (
        "UPDATE alerts SET due_at = 'whenever'",
        True,
        ("table alerts", "column due_at", "'whenever'"),
    ),
    "an alert of unknown urgency": (
        "UPDATE alerts SET urgency = 'panic'",
        True,
        ("table alerts", "column urgency", "one of low, normal, critical"),
    ),
    "an alert title that is bytes": (
        "UPDATE alerts SET title = x'00ff'",
        False,
        ("table alerts", "column title", "not text"),
    ),
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", ROW_CASES)
def test_a_row_edited_by_hand_is_one_line_and_exit_2(
    recorded: Path, case: str, command: str
) -> None:
    sql, bypass, words = ROW_CASES[case]
    edit(recorded, sql, bypass_checks=bypass)
    before = fingerprint(recorded)
    assert_refused_in_one_line(COMMANDS[command], "state.db, ", "fix or delete that row", *words)
    assert fingerprint(recorded) == before  # nothing written: nothing lost


def test_damage_met_after_opening_is_one_line_too(recorded: Path) -> None:
    """Rows and tables the opening does not read: the command that meets them says so."""
    edit(recorded, "UPDATE checks SET finished_at = '2026-11-31T00:00:00.000000+00:00'")
    assert_refused_in_one_line(("status",), "table checks", "column finished_at")
    edit(recorded, "DROP TABLE checks")
    assert_refused_in_one_line(("status",), str(recorded), "no such table: checks")


@pytest.mark.parametrize(
    ("error", "says", "never"),
    [
        (sqlite3.OperationalError("database is locked"), "another cancelwatch", "move it aside"),
        (sqlite3.OperationalError("database or disk is full"), "free some disk", "move it aside"),
        (sqlite3.DatabaseError("file is not a database"), "move it aside", "disk space"),
    ],
)
def test_a_busy_or_full_database_is_not_called_damaged(
    error: sqlite3.DatabaseError, says: str, never: str
) -> None:
    """Moving a healthy history aside would lose it: only damage gets that advice."""
    message = cli_module._database_problem(error, "en")
    assert says in message
    assert never not in message
