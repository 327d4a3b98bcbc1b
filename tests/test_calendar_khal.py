"""The feed imported into a real calendar program, khal (issue 11): the times it lists in
the local zone set with TZ (America/New_York, whose DST ends on 2026-11-01 like Los
Angeles'), the alarms it keeps, and a re-import that updates events instead of adding
them. khal reads the clock itself, so it runs as it is and under faketime 400 days on;
every date it is asked about is given explicitly."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from cancelwatch.scheduler.feed.calendar import calendar_ics
from cancelwatch.scheduler.state.store import State
from cancelwatch.scraper.read.model import Cancellability
from tests.test_calendar import (
    DELIVERED,
    JP,
    KINDLE,
    MANUAL,
    MANUAL_DEADLINE,
    NOW,
    PENDING,
    PRE_PAGE,
    PRE_RULE,
    SELLER,
    US,
    US_NOV01,
    US_OCT31,
    config,
    jp_orders,
    order,
    us_orders,
)

# Installed for this test (docs/development.md): missing, the test fails, it never skips.
KHAL = shutil.which("khal") or "khal"
FAKETIME = shutil.which("faketime") or "faketime"
FORMAT = "{uid}|{start}|{end}|{title}|{alarm-symbol}|{status}"

# Each event in New York time, from the closes worked out in test_calendar (UTC): an
# event is the half hour before its close; New York is UTC-4 until 2026-11-01 06:00 UTC,
# then UTC-5. A release day is all day, on its date.
LISTED = {
    ("cancel", SELLER): ("2026-10-31 22:30", "2026-10-31 23:00", True),  # 11-01 03:00 UTC
    ("return", US_OCT31): ("2026-11-01 01:30", "2026-11-01 02:00", True),  # 11-01 07:00 UTC
    ("return", US_NOV01): ("2026-11-02 02:30", "2026-11-02 03:00", True),  # 11-02 08:00 UTC
    ("cancel", MANUAL): ("2026-11-02 03:30", "2026-11-02 04:00", True),  # 11-02 09:00 UTC
    ("kindle_refund", KINDLE): ("2026-11-03 09:30", "2026-11-03 10:00", True),  # 11-03 15:00
    ("approval", PENDING): ("2026-11-05 09:30", "2026-11-05 10:00", False),  # 11-05 15:00
    ("preorder", PRE_RULE): ("2026-11-17 09:30", "2026-11-17 10:00", True),  # 11-17 15:00
    ("release", PRE_RULE): ("2026-11-20", "2026-11-20", False),
    ("return", DELIVERED): ("2026-11-29 09:30", "2026-11-29 10:00", True),  # 11-29 15:00
    ("preorder", PRE_PAGE): ("2026-12-01 09:30", "2026-12-01 10:00", True),  # 12-01 15:00
    ("release", PRE_PAGE): ("2026-12-10", "2026-12-10", False),
}


class Khal:
    """khal with a calendar of its own under `home`, in New York time."""

    def __init__(self, home: Path, clock: list[str]) -> None:
        self.home, self.clock = home, clock
        (home / "vdir").mkdir(parents=True)
        self.config = home / "khal.conf"
        self.config.write_text(
            f"[calendars]\n[[cancelwatch]]\npath = {home / 'vdir'}\ntype = calendar\n"
            f"[sqlite]\npath = {home / 'khal.db'}\n"
            "[locale]\ntimeformat = %H:%M\ndateformat = %Y-%m-%d\n"
            "longdateformat = %Y-%m-%d\ndatetimeformat = %Y-%m-%d %H:%M\n"
            "longdatetimeformat = %Y-%m-%d %H:%M\nunicode_symbols = False\n"
            "[default]\ndefault_calendar = cancelwatch\n",
            encoding="utf-8",
        )

    def run(self, *args: str) -> str:
        env = {
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.home),
            "XDG_DATA_HOME": str(self.home),
            "TZ": "America/New_York",
            "LANG": "C.UTF-8",
            "PATH": "/usr/bin:/bin",
        }
        done = subprocess.run(
            [*self.clock, KHAL, "-c", str(self.config), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def import_feed(self, feed: bytes, name: str) -> None:
        path = self.home / name
        path.write_bytes(feed)
        self.run("import", "--batch", str(path))

    def listed(self) -> dict[tuple[str, str], tuple[str, str, str, bool, str]]:
        out = self.run(
            "list", "--once", "--day-format", "", "--format", FORMAT, "2026-10-01", "2027-01-31"
        )
        found = {}
        for line in filter(None, out.splitlines()):
            uid, begin, end, title, alarm, status = line.split("|")
            kind, rest = uid.split("-", 1)
            key = (kind, rest.rsplit("-", 1)[0])
            assert key not in found, f"listed twice: {uid}"
            found[key] = (begin, end, title, alarm == " (A)", status.strip())
        return found


CLOCKS = [
    pytest.param([], id="today"),
    pytest.param([FAKETIME, "-f", "+400d"], id="400-days-on"),
]


@pytest.fixture(params=CLOCKS)
def khal(request: pytest.FixtureRequest, tmp_path: Path) -> Khal:
    return Khal(tmp_path / "khal", request.param)


@pytest.fixture
def state(tmp_path: Path) -> State:
    opened = State.open(tmp_path / "state.db")
    opened.record_check("main", JP, jp_orders(), {}, now=NOW, alerts=[])
    opened.record_check("us", US, us_orders(), {}, now=NOW, alerts=[])
    opened.set_manual_deadline("main", MANUAL, MANUAL_DEADLINE, at=NOW)
    return opened


def test_khal_lists_every_event_at_its_local_time_with_its_alarms(khal: Khal, state: State) -> None:
    khal.import_feed(calendar_ics(state, config(), NOW, "en"), "feed.ics")
    found = khal.listed()
    assert set(found) == set(LISTED)
    for key, (begin, end, alarmed) in LISTED.items():
        assert found[key][:2] == (begin, end), key
        assert found[key][3] is alarmed, key
        assert found[key][4] == "CONFIRMED", key
    assert found[("cancel", SELLER)][2] == f"Cancel by (estimated): 見本マグカップ ({SELLER})"
    # The alarms themselves, as khal keeps them in its calendar: 24 h, 3 h and 30 min
    # before the close are 23h30m, 2h30m and 0 before the start.
    kept = Calendar.from_ical(
        next((khal.home / "vdir").glob(f"cancel-{SELLER}-*.ics")).read_bytes()
    )
    assert isinstance(kept, Calendar)
    triggers = sorted(alarm.decoded("TRIGGER") for alarm in kept.walk("VALARM"))
    assert triggers == [
        -timedelta(hours=23, minutes=30),
        -timedelta(hours=2, minutes=30),
        timedelta(0),
    ]


def test_a_reimport_updates_the_events_it_has(khal: Khal, state: State) -> None:
    khal.import_feed(calendar_ics(state, config(), NOW, "en"), "first.ics")
    later = NOW + timedelta(hours=5)
    state.set_manual_deadline("main", MANUAL, MANUAL_DEADLINE + timedelta(hours=3), at=later)
    request_only = order(
        SELLER, title="見本マグカップ", seller="見本ショップ", cancellable=Cancellability.REQUEST
    )
    state.record_check("main", JP, [request_only], {}, now=later, alerts=[])
    khal.import_feed(calendar_ics(state, config(), later, "en"), "second.ics")
    found = khal.listed()
    assert set(found) == set(LISTED)  # updated in place: none added
    assert found[("cancel", MANUAL)][:2] == ("2026-11-02 06:30", "2026-11-02 07:00")
    gone = found[("cancel", SELLER)]
    assert gone[4] == "CANCELLED"
    assert gone[2].startswith("No longer applies: ")
    assert gone[3] is False  # no alarm for what went away
    assert found[("return", DELIVERED)][:2] == LISTED[("return", DELIVERED)][:2]
