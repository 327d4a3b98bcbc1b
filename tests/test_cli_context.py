"""One context for every command: the clock, the config, the state database and the
output mode reach the commands through `App` (click's `ctx.obj`), and the commands read
the time, the config and the database from nowhere else."""

from __future__ import annotations

import ast
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from cancelwatch.scheduler.cli.context import App
from cancelwatch.scheduler.cli.main import cli, run
from cancelwatch.scheduler.state.store import NewAlert, State
from cancelwatch.scheduler.watch import alerts as al

ROOT = Path(__file__).resolve().parent.parent
CLI = ROOT / "scheduler" / "cli"

WALL_CLOCK_AND_FILES = {"datetime.now", "datetime.utcnow", "date.today", "time.time",
                        "load_config", "State.open"}  # fmt: skip
ALLOWED = {
    # The one place the commands meet the wall clock, config.toml and state.db.
    ("context.py", "datetime.now"),
    ("context.py", "load_config"),
    ("context.py", "State.open"),
    # `demo` keeps its history in a throw-away database, never the user's state.db.
    ("demo.py", "State.open"),
}


def _called(node: ast.Call) -> str:
    """`State.open`, `datetime.now`, `load_config`: the last two names of what is called."""
    func, names = node.func, []
    while isinstance(func, ast.Attribute):
        names.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        names.append(func.id)
    return ".".join(reversed(names[:2]))


def test_no_command_reads_the_clock_the_config_or_the_database_on_its_own() -> None:
    modules = sorted(CLI.glob("*.py"))
    assert {"context.py", "check.py", "demo.py", "watch.py"} <= {m.name for m in modules}
    found = {
        (path.name, _called(node), node.lineno)
        for path in modules
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and _called(node) in WALL_CLOCK_AND_FILES
    }
    assert {(name, call) for name, call, _ in found} >= {("context.py", "datetime.now")}
    assert sorted(f for f in found if (f[0], f[1]) not in ALLOWED) == []


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path))
    (tmp_path / "config.toml").write_text(
        '[accounts.main]\nmarketplace = "amazon.co.jp"\n[notify]\nlanguage = "en"\n',
        encoding="utf-8",
    )
    return tmp_path


def _open_files(path: Path) -> list[str]:
    """This process's descriptors open on `path` or its -wal and -shm files."""
    fds = Path("/proc/self/fd")
    links = []
    for fd in fds.iterdir():
        try:
            links.append(str(fd.readlink()))
        except OSError:
            continue  # closed while we looked (the listing's own descriptor)
    return [link for link in links if link.startswith(str(path))]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("status",), 0),
        (("advise", "000-0000000-0000000"), 2),  # opened, then refused: not in the database
        (("deadline", "000-0000000-0000000", "2026-12-20"), 2),
    ],
)
def test_the_database_is_closed_when_the_command_ends_however_it_ends(
    home: Path, args: tuple[str, ...], code: int
) -> None:
    with CliRunner().isolation():
        assert run(cli, list(args)) == code
    assert (home / "state.db").is_file()  # the command did open it
    assert _open_files(home / "state.db") == []


def test_the_run_carries_the_output_mode(home: Path) -> None:
    app = App()
    with CliRunner().isolation() as streams:
        assert run(cli, ["-vv", "config", "--json"], app=app) == 0
        out = streams[0].getvalue().decode()
    assert app.as_json
    assert out.lstrip().startswith("{")
    quiet = App()
    with CliRunner().isolation() as streams:
        assert run(cli, ["-q", "config"], app=quiet) == 0
        out = streams[0].getvalue().decode()
    assert not quiet.as_json
    assert out.startswith(f"# {home / 'config.toml'}")


def test_the_config_is_read_once_per_run(home: Path) -> None:
    app = App()
    first = app.config
    (home / "config.toml").write_text('[notify]\nlanguage = "ja"\n', encoding="utf-8")
    assert app.config is first  # the run goes on with what it read
    assert first.notify.language == "en"
    assert App().config.notify.language == "ja"  # the next run reads the file again


def test_commands_that_are_not_the_demo_never_load_the_demo_store(tmp_path: Path) -> None:
    """The watcher's memory: the demo store is imported only when a demo command runs."""
    probe = (
        "import sys\n"
        "from cancelwatch.scheduler.cli.main import cli, run\n"
        "code = run(cli, sys.argv[1:])\n"
        "print(code, any(m.startswith('cancelwatch.scraper.demo') for m in sys.modules))\n"
    )
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "CANCELWATCH_HOME": str(tmp_path)}

    def loaded(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", probe, *args],
            capture_output=True, text=True, env=env, timeout=60, check=True,
        )  # fmt: skip
        return done.stdout.splitlines()[-1]  # after the command's own output

    assert loaded("config") == "0 False"
    assert loaded("status") == "0 False"
    assert loaded("demo-store", "--help") == "0 True"  # the probe sees it when it is there


# ---- the watcher: its checks and its dispatcher on the context's clock ----------------

FAR = datetime(2099, 6, 1, 3, 0, tzinfo=UTC)
"""Where the watcher's clock is set: years from any real today."""
DUE_THEN = NewAlert(
    "249-0000001-0000001", al.TRACKING, "452187630951", datetime(2099, 5, 31, tzinfo=UTC),
    "249-0000001-0000001 shipped: Yamato 452187630951", "Sample item",
)  # fmt: skip
"""Due a day before FAR: on the real clock not for decades, on the watcher's at once."""

WATCH_AT_FAR = (
    "from datetime import datetime\n"
    "from cancelwatch.scheduler.cli.context import App\n"
    "from cancelwatch.scheduler.cli.main import cli, run\n"
    f"moment = datetime.fromisoformat({FAR.isoformat()!r})\n"
    "raise SystemExit(run(cli, ['-v', 'watch'], app=App(clock=lambda: moment)))\n"
)


def _watched(db: Path) -> bool:
    """The alert sent and the account's check recorded, as another process sees the file."""
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            sent = conn.execute("SELECT count(*) FROM alerts WHERE sent_at IS NOT NULL")
            checks = conn.execute("SELECT count(*) FROM checks")
            return bool(sent.fetchone()[0] and checks.fetchone()[0])
    except sqlite3.OperationalError:
        return False


def test_the_watcher_checks_and_sends_by_the_clock_it_is_given(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    db = home / "state.db"
    with State.open(db) as state:
        (alert_id,) = state.add_alerts("idle", [DUE_THEN], now=datetime(2026, 11, 26, tzinfo=UTC))
    (home / "config.toml").write_text(
        '[accounts.idle]\nmarketplace = "amazon.co.jp"\nbase_url = "http://127.0.0.1:9"\n'
        '[notify]\nlanguage = "en"\ndesktop = false\n'
        "[crawl]\ndelay_seconds = 1\nretries = 0\n"  # nothing listens there: fail fast
        "[watch]\ninterval_minutes = 60\njitter_seconds = 0\ndispatch_seconds = 1\n",
        encoding="utf-8",
    )
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PYTHONPATH": str(ROOT),
           "CANCELWATCH_HOME": str(home), "CANCELWATCH_SECRETS": "file",
           "CANCELWATCH_PASSPHRASE": "x", "LANG": "C.UTF-8"}  # fmt: skip
    log = tmp_path / "watch.log"
    with log.open("w") as err:
        watcher = subprocess.Popen([sys.executable, "-c", WATCH_AT_FAR], env=env, stderr=err)
        try:
            deadline = time.monotonic() + 90
            while not _watched(db) and watcher.poll() is None and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            watcher.send_signal(signal.SIGTERM)
            watcher.wait(60)
    said = log.read_text()
    assert watcher.returncode == 0, said[-2000:]
    with State.open(db) as state:
        alert = state.alert(alert_id)
        check = state.last_check("idle")
    assert alert is not None and alert.sent_at is not None, said[-2000:]
    assert alert.sent_at >= FAR  # sent at the watcher's time, as its due time came
    # The account's check ran on the watcher's clock too (and failed: nothing listens there),
    # in a child that took the watcher's time and let it run on from there.
    assert check is not None
    assert FAR <= check.started_at <= check.finished_at < FAR + timedelta(minutes=1)
