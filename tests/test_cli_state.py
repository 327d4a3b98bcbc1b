"""`status`, `advise`, `deadline` and `config` answer from the database and the config
file, without touching the network."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from cancelwatch.scheduler.cli import windows_report
from cancelwatch.scheduler.cli.context import App
from cancelwatch.scheduler.cli.main import cli, run
from cancelwatch.scheduler.state.store import State
from tests.pages import JP, parse_file

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
PREORDER = "503-2094418-6637205"  # on order-list-2026.html: release 2027-01-15, cancellable


def cancelwatch(*args: str) -> tuple[int, str, str]:
    """The command at NOW, whatever today is: a deadline set for 2026-12-20 stays ahead."""
    with CliRunner().isolation() as streams:
        code = run(cli, list(args), app=App(clock=lambda: NOW))
        out, err = streams[0].getvalue(), streams[1].getvalue()
    return code, out.decode(), err.decode()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path))
    page = parse_file(JP / "order-list-2026.html")
    with State.open(tmp_path / "state.db") as state:
        state.record_check("main", "amazon.co.jp", page.orders, {}, now=NOW, alerts=[])
    (tmp_path / "config.toml").write_text(
        '[accounts.main]\nmarketplace = "amazon.co.jp"\n[notify]\nlanguage = "en"\n',
        encoding="utf-8",
    )
    return tmp_path


def test_status_lists_open_orders_and_the_last_check(home):
    code, out, err = cancelwatch("status", "--json")
    assert code == 0, err
    status = json.loads(out)
    assert status["last_checks"][0]["account"] == "main"
    assert status["last_checks"][0]["result"] == "ok"
    ids = {o["id"] for o in status["open_orders"]}
    assert PREORDER in ids
    assert "503-2207959-3630418" not in ids  # a cancelled order is not open


def test_advise_gives_the_window_and_the_steps(home):
    code, out, err = cancelwatch("advise", PREORDER, "--json")
    assert code == 0, err
    advice = json.loads(out)
    assert advice["window"]["state"] == "open"
    assert advice["preorder"]["release_date"] == "2027-01-15"


def test_a_deadline_set_by_hand_wins_and_plans_its_reminders(home):
    code, out, err = cancelwatch("deadline", PREORDER, "2026-12-20")
    assert code == 0, err
    assert "2026-12-20 23:59 JST" in out
    code, out, _ = cancelwatch("advise", PREORDER, "--json")
    window = json.loads(out)["window"]
    assert (window["known"], window["closes_at"]) == ("user", "2026-12-20T14:59:00+00:00")
    closes = datetime(2026, 12, 20, 14, 59, tzinfo=UTC)  # 23:59 JST
    assert window["seconds_left"] == int((closes - NOW).total_seconds())  # counted from NOW
    code, out, _ = cancelwatch("status", "--json")
    leads = sorted(a["lead"] for a in json.loads(out)["next_alerts"] if a["order_id"] == PREORDER)
    assert leads == ["P1D", "PT30M", "PT3H"]
    code, out, _ = cancelwatch("deadline", PREORDER, "--clear")
    assert code == 0 and "cleared" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("advise", "000-0000000-0000000"), "not in the database; run `cancelwatch check` first"),
        (("deadline", PREORDER, "next week"), "is not a date like 2026-12-15"),
        (("deadline", PREORDER), "give the deadline"),
    ],
)
def test_bad_order_or_date_says_what_to_do(home, args, message):
    code, _, err = cancelwatch(*args)
    assert code == 2
    assert message in err


def test_config_shows_values_and_where_they_came_from(home):
    code, out, _ = cancelwatch("config", "--json")
    assert code == 0
    values = {v["key"]: v for v in json.loads(out)["values"]}
    assert values["notify.language"]["value"] == "en"
    assert values["notify.language"]["from"] == str(home / "config.toml")
    assert values["crawl.delay_seconds"] == {
        "key": "crawl.delay_seconds",
        "value": 2.0,
        "from": "default",
    }
    assert values["alerts.cancel_leads"]["value"] == ["1d", "3h", "30m"]


def test_words_from_pages_print_as_text_not_markup(capsys):
    # A seller's name or an item title from Amazon's page goes into reasons, steps and
    # alert titles; rich would take "[/]" for a closing tag and fail, "[red]" for a style.
    hostile = "Sold by [red]Evil[/] Shop [/x]"
    window = {
        "state": "closed",
        "closes_at": None,
        "known": "unknown",
        "reason": hostile,
        "seconds_left": None,
    }
    order = {
        "id": "503-2094418-6637205",
        "marketplace": "amazon.co.jp",
        "status": "shipped",
        "window": window,
        "return_window": None,
        "advice": {"steps": [hostile], "hints": [hostile]},
    }
    windows_report.print_advice(order, "en")
    windows_report.print_status(
        {
            "last_checks": [
                {
                    "account": "[b]main",
                    "finished_at": NOW.isoformat(),
                    "result": "error",
                    "error": hostile,
                }
            ],
            "open_orders": [],
            "next_alerts": [{"due_at": NOW.isoformat(), "title": hostile}],
        },
        "en",
        NOW,
        {},
    )
    out = capsys.readouterr().out
    assert out.count(hostile) == 5
    assert "[b]main" in out


@pytest.mark.parametrize(
    ("lang", "heading"), [("en", "Said elsewhere, not by Amazon:"), ("ja", "Amazon以外の情報：")]
)
def test_advise_prints_claims_from_elsewhere_apart_and_after_every_step(capsys, lang, heading):
    window = {"state": "open", "closes_at": None, "known": "unknown", "reason": "Open.",
              "seconds_left": None}  # fmt: skip
    order = {
        "id": "503-2094418-6637205",
        "marketplace": "amazon.co.jp",
        "status": "pending",
        "window": window,
        "return_window": None,
        "advice": {"steps": ["First step.", "Second step."], "hints": ["A claim."]},
    }
    windows_report.print_advice(order, lang)
    lines = [line.strip() for line in capsys.readouterr().out.splitlines()]
    assert lines[-4:] == ["2. Second step.", "", heading, "A claim."]
