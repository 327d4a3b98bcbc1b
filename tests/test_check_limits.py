"""The limits on checks, as the watcher and a one-off `cancelwatch check` keep them: the
watcher driven by a clock the test moves and a fake check runner (APScheduler's own
wall-clock timing is not what is tested), the commands through the CLI at a set clock."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from cancelwatch.scheduler.cli.context import App
from cancelwatch.scheduler.cli.main import cli, run
from cancelwatch.scheduler.config.settings import Account, load_config
from cancelwatch.scheduler.state.store import State
from cancelwatch.scheduler.watch import jobs, pacing
from tests.pages import parse_file

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
JP = Path(__file__).parent / "fixtures" / "amazon.co.jp"
CONFIG = (
    '[accounts.main]\nmarketplace = "amazon.co.jp"\nbase_url = "http://127.0.0.1:9"\n'
    "[watch]\ninterval_minutes = 30\njitter_seconds = 0\n"
)


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path))
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    return tmp_path


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


class Rig:
    """A watcher on a test clock: `place` keeps each account's one job, `advance` runs the
    jobs that come due in order, and each check is recorded in state.db as a real one is."""

    def __init__(self, state: State, clock: Clock, runner: Callable[[Account], None] | None = None):
        self.state, self.clock = state, clock
        self.jobs: dict[str, tuple[datetime, Callable[[], None]]] = {}
        self.starts: list[datetime] = []
        self.watcher = jobs.Watcher(
            load_config(), state, "en", runner or self.check, clock=clock, place=self.place,
            spread=lambda: 0.0,
        )  # fmt: skip

    def place(self, account: str, at: datetime, job: Callable[[], None]) -> None:
        self.jobs[account] = (at, job)

    def check(self, account: Account) -> None:
        started = self.clock()
        self.starts.append(started)
        self.clock.at += MIN  # a check takes a minute
        self.state.record_check(
            account.name, "amazon.co.jp", [], {}, now=self.clock(), alerts=[], started_at=started
        )

    def advance(self, until: datetime) -> None:
        while self.jobs and (due := min(self.jobs.values(), key=lambda j: j[0]))[0] <= until:
            del self.jobs[next(k for k, v in self.jobs.items() if v is due)]
            self.clock.at = max(self.clock.at, due[0])
            due[1]()
        self.clock.at = max(self.clock.at, until)


def test_a_burst_of_fifty_requests_keeps_the_gap_and_gives_one_check_per_gap(home):
    with State.open(home / "state.db") as state:
        rig = Rig(state, Clock(NOW))
        rig.watcher.start()
        rig.advance(NOW)
        assert rig.starts == [NOW]  # the first check ever: at once
        for i in range(50):  # a mail every 10 s for 8 min 20 s
            rig.advance(NOW + timedelta(seconds=10 * (i + 1)))
            rig.watcher.request_check("main", "mail")
        rig.advance(NOW + 30 * MIN)
    gaps = [b - a for a, b in itertools.pairwise(rig.starts)]
    assert all(gap >= 5 * MIN for gap in gaps), rig.starts
    # The requests came during 8 min 20 s: one check at the gap's end (5 min), one more
    # at the next gap's end (10 min) for the requests after it, then nothing until the
    # interval (30 min after the last start).
    assert rig.starts == [NOW, NOW + 5 * MIN, NOW + 10 * MIN]
    assert rig.jobs["main"][0] == NOW + 40 * MIN
    assert rig.watcher.planned("main").kind == "interval"  # type: ignore[union-attr]


def test_the_daily_ceiling_holds_under_requests_all_day(home):
    config = CONFIG.replace("interval_minutes = 30", "interval_minutes = 60")
    (home / "config.toml").write_text(config + "max_checks_per_day = 30\n", encoding="utf-8")
    with State.open(home / "state.db") as state:
        rig = Rig(state, Clock(NOW))
        rig.watcher.start()
        for i in range(24 * 60 // 2):  # a request every 2 minutes for a day
            rig.advance(NOW + 2 * i * MIN)
            rig.watcher.request_check("main", "mail")
        rig.advance(NOW + timedelta(days=1) - MIN)
    assert len(rig.starts) == 30, " ".join(f"{s:%H:%M}" for s in rig.starts)
    assert all(b - a >= 5 * MIN for a, b in itertools.pairwise(rig.starts))


def test_interval_lead_and_requested_checks_never_overlap(home):
    """Every kind of check goes through `run_due`: while one runs, the others (the
    scheduler's job and requests from the mail thread) wait for it, never run beside it."""
    entered = threading.Event()
    release = threading.Event()
    running = 0
    most = 0
    count = 0
    guard = threading.Lock()

    def slow(account: Account) -> None:
        nonlocal running, most, count
        with guard:
            running += 1
            count += 1
            most = max(most, running)
        entered.set()
        release.wait(10)
        with guard:
            running -= 1

    with State.open(home / "state.db") as state:
        rig = Rig(state, Clock(NOW), runner=slow)
        first = threading.Thread(target=rig.watcher.run_due, args=("main",))
        first.start()
        assert entered.wait(10)
        with ThreadPoolExecutor(8) as pool:
            for _ in range(50):
                pool.submit(rig.watcher.request_check, "main", "mail")
                pool.submit(rig.watcher.run_due, "main")
        release.set()
        first.join(10)
    assert (most, count) == (1, 1)
    # The requests made while it ran are kept: a check at the gap's end.
    assert rig.jobs["main"][0] == NOW + 5 * MIN
    planned = rig.watcher.planned("main")
    assert planned is not None
    assert (planned.kind, planned.why) == (
        "requested", "a mail, held back by [watch] min_gap_minutes = 5",
    )  # fmt: skip


def test_another_process_checking_holds_the_watcher_back(home):
    with State.open(home / "state.db") as state, pacing.account_lock("main") as mine:
        assert mine
        rig = Rig(state, Clock(NOW))
        rig.watcher.run_due("main")
        assert rig.starts == []
        assert rig.jobs["main"][0] == NOW  # tried again, not dropped


def test_a_laptop_sleep_gives_one_check_not_a_backlog(home):
    with State.open(home / "state.db") as state:
        rig = Rig(state, Clock(NOW))
        rig.watcher.start()
        rig.advance(NOW)
        # The machine sleeps 8 hours: the job placed for NOW+30 min runs once on waking.
        rig.clock.at = NOW + timedelta(hours=8)
        for _ in range(3):
            rig.watcher.request_check("main", "mail")
        rig.advance(NOW + timedelta(hours=8, minutes=20))
    assert rig.starts == [NOW, NOW + timedelta(hours=8)]


def test_a_watcher_restarted_in_a_loop_does_not_check_on_each_start(home):
    with State.open(home / "state.db") as state:
        state.record_check("main", "amazon.co.jp", [], {}, now=NOW, alerts=[], started_at=NOW)
        for minute in range(1, 6):
            rig = Rig(state, Clock(NOW + minute * MIN))
            rig.watcher.start()
            rig.advance(NOW + minute * MIN)
            assert rig.starts == []
            assert rig.jobs["main"][0] == NOW + 30 * MIN  # the interval after the last


# -- the commands ------------------------------------------------------------------------


def cancelwatch(*args: str, at: datetime = NOW) -> tuple[int, str, str]:
    with CliRunner().isolation() as streams, ThreadPoolExecutor(1) as pool:
        code = pool.submit(run, cli, list(args), app=App(clock=lambda: at)).result()
        out, err = streams[0].getvalue(), streams[1].getvalue()
    return code, out.decode(), err.decode()


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("min_gap_minutes = 1\n", "[watch] min_gap_minutes: expected a number of minutes from 2"),
        ("min_gap_minutes = 45\n", "[watch] min_gap_minutes = 45 is longer than interval_minutes"),
        ("max_checks_per_day = 20\n", "[watch] max_checks_per_day = 20 leaves no room"),
        ("max_checks_per_day = 0\n", "[watch] max_checks_per_day: expected a whole number"),
        ("young_every_minutes = 3\nmin_gap_minutes = 4\n", "young_every_minutes = 3 is shorter"),
    ],
)
def test_a_config_below_the_floor_is_refused_in_one_line(home, body, said):
    (home / "config.toml").write_text(CONFIG + body, encoding="utf-8")
    code, out, err = cancelwatch("check")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and said in err, err
    assert str(home / "config.toml") in err


def test_a_one_off_check_inside_the_gap_refuses_and_says_when(home):
    with State.open(home / "state.db") as state:
        state.record_check("main", "amazon.co.jp", [], {}, now=NOW + MIN, alerts=[], started_at=NOW)
    code, out, err = cancelwatch("check", at=NOW + 2 * MIN)
    assert code == 1 and out == ""
    assert "main: the last check started at" in err
    assert "[watch] min_gap_minutes = 5" in err and "(in 3 min); nothing done" in err
    with State.open(home / "state.db") as state:
        assert state.last_check("main").started_at == NOW  # type: ignore[union-attr]


def test_the_daily_ceiling_counts_the_checks_of_every_process(home):
    # Two checks today, recorded by other processes (the watcher, an earlier `check`).
    (home / "config.toml").write_text(
        CONFIG.replace("interval_minutes = 30", "interval_minutes = 1440")
        + "max_checks_per_day = 2\n",
        encoding="utf-8",
    )
    with State.open(home / "state.db") as state:
        for hours in (10, 5):
            start = NOW - timedelta(hours=hours)
            state.record_check(
                "main", "amazon.co.jp", [], {}, now=start + MIN, alerts=[], started_at=start
            )
    code, out, err = cancelwatch("check")
    assert code == 1 and out == ""
    assert "[watch] max_checks_per_day = 2" in err and "nothing done" in err
    with State.open(home / "state.db") as state:  # and the refusal recorded no check
        assert len(state.check_starts("main", NOW - timedelta(days=1))) == 2


def test_a_one_off_check_while_another_process_checks_refuses(home):
    with pacing.account_lock("main") as mine:
        assert mine
        code, out, err = cancelwatch("check")
    assert code == 1 and out == ""
    assert "another cancelwatch (the watcher?) is checking it right now; nothing done" in err


def test_status_shows_the_next_check_and_why(home):
    page = parse_file(JP / "order-list-2026.html")
    with State.open(home / "state.db") as state:
        state.record_check(
            "main", "amazon.co.jp", page.orders, {}, now=NOW + MIN, alerts=[], started_at=NOW
        )
    code, out, err = cancelwatch("status", "--json", at=NOW + 2 * MIN)
    assert code == 0, err
    [planned] = json.loads(out)["next_checks"]
    assert planned["account"] == "main"
    assert (planned["kind"], planned["why"]) == ("young", "young order, window unknown")
    assert planned["at"] == (NOW + 10 * MIN).isoformat()
    assert planned["seconds_from_now"] == 8 * 60
    code, out, err = cancelwatch("status", at=NOW + 2 * MIN)
    assert code == 0, err
    assert "main: next check 11-26 12:10 JST (in 8 min): young order, window unknown" in out
    assert "main: last check 11-26 12:01 JST (1 minute ago): ok" in out
