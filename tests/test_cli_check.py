"""`cancelwatch demo`, `login` and `check` as a user runs them, against the demo store."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import keyring
import pytest
from click.testing import CliRunner

from cancelwatch.scheduler.cli.context import App
from cancelwatch.scheduler.cli.main import cli, run
from cancelwatch.scheduler.config.settings import load_config
from cancelwatch.scraper.demo import (
    DEMO_EMAIL,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    DemoStore,
    ManualClock,
)
from tests.test_credentials import MemoryKeyring

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # noon in Tokyo
"""When every command here runs, and where the demo stores' orders stand: whatever today is."""


def cancelwatch(*args: str, stdin: str | None = None, at: datetime = NOW) -> tuple[int, str, str]:
    """Run the command in a thread of its own, as a fresh process would: Playwright's sync
    API allows one instance per thread, and the session's shared browser holds this one."""
    with CliRunner().isolation(input=stdin) as streams, ThreadPoolExecutor(1) as pool:
        code = pool.submit(run, cli, list(args), app=App(clock=lambda: at)).result()
        out, err = streams[0].getvalue(), streams[1].getvalue()
    return code, out.decode(), err.decode()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path))
    # The shortest pause between pages a user may set: the demo store needs no courtesy.
    # And the shortest gap between two checks, so a test can check twice in 2 minutes.
    (tmp_path / "config.toml").write_text(
        "[crawl]\ndelay_seconds = 1\n[watch]\nmin_gap_minutes = 2\n", encoding="utf-8"
    )
    monkeypatch.delenv("CANCELWATCH_SECRETS", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield tmp_path
    keyring.set_keyring(previous)


@pytest.fixture(scope="module")
def demo_store():
    with DemoStore("amazon.co.jp", clock=ManualClock(NOW)) as store:
        yield store
        assert [r for r in store.requests if r.mutating] == []


def test_demo_shows_each_window_and_sends_the_first_alerts(home):
    code, out, err = cancelwatch("demo", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["account"] == "demo" and summary["marketplace"] == "amazon.co.jp"
    assert summary["signed_in"] is True
    windows = {
        o["id"]: (o["cancellable"], o["window"], o["return_window"]) for o in summary["open_orders"]
    }
    by_known = sorted((c, w["state"], w["known"]) for c, w, _ in windows.values())
    assert by_known == [
        ("no", "closed", "unknown"),  # delivered: only the return window is left
        ("no", "closed", "unknown"),
        ("no", "open", "rule"),  # the Kindle book: refund within 7 days, by rule
        ("yes", "open", "page"),  # the pre-order: its deadline is on the details page
        ("yes", "open", "rule"),  # the seller order: 5 minutes, by rule
        ("yes", "open", "unknown"),  # until Amazon starts preparing the shipment
    ]
    seller = next(w for c, w, _ in windows.values() if c == "yes" and w["known"] == "rule")
    # The page gives the seller order's day, not its minute: the 5 minutes count from when
    # the check first saw it, at NOW, the clock the command was given, as the time left is.
    assert seller["closes_at"] == (NOW + timedelta(minutes=5)).isoformat()
    assert seller["seconds_left"] == 5 * 60
    # The demo store plays its orders at the same clock: the kindle book of yesterday.
    kindle = next(o for o in summary["open_orders"] if o["window"]["known"] == "rule"
                  and o["cancellable"] == "no")  # fmt: skip
    assert kindle["placed_on"] == "2026-11-25"
    returns = [r for _, w, r in windows.values() if w["state"] == "closed"]
    assert all(r["state"] == "open" and r["known"] == "page" for r in returns)
    sent = sorted(a["kind"] for a in summary["alerts_sent"])
    assert sent == ["cancel_closing", "cancel_open"]
    # No desktop here: the notices went to the console, never lost.
    assert "[cancelwatch]" in err and "can still be cancelled" in err
    assert "demo store for amazon.co.jp at http://127.0.0.1:" in err


def test_login_then_check_reuses_the_session(home, demo_store):
    answers = f"{DEMO_EMAIL}\n{DEMO_PASSWORD}\n{DEMO_TOTP_SECRET}\n"
    code, out, err = cancelwatch(
        "login", "--account", "shop", "--base-url", demo_store.base_url, stdin=answers
    )
    assert code == 0, err
    assert "signed in to amazon.co.jp" in out
    assert DEMO_PASSWORD not in out + err and DEMO_TOTP_SECRET not in out + err
    account = load_config().accounts["shop"]
    assert (account.marketplace, account.base_url) == ("amazon.co.jp", demo_store.base_url)
    code, out, err = cancelwatch("check", "--account", "shop", "--json")
    assert code == 1, err  # alerts went out: something needs the user
    summary = json.loads(out)
    assert summary["signed_in"] is False
    assert summary["open_orders"] and summary["alerts_sent"]
    # At once again: inside the gap between two checks, nothing is done (exit 1).
    code, out, err = cancelwatch("check", "--account", "shop", "--json")
    assert code == 1
    assert "min_gap_minutes = 2" in err and "nothing done" in err
    later = NOW + timedelta(minutes=2)
    code, out, err = cancelwatch("check", "--account", "shop", "--json", at=later)
    assert code == 0, err  # the same alerts are never sent twice
    assert json.loads(out)["alerts_sent"] == []
    code, out, _ = cancelwatch("status", "--json")
    assert code == 0
    status = json.loads(out)
    assert status["last_checks"][0]["result"] == "ok"
    assert {o["id"] for o in status["open_orders"]} == {o["id"] for o in summary["open_orders"]}


def test_login_rejects_a_totp_secret_that_is_not_base32(home, demo_store):
    answers = f"{DEMO_EMAIL}\n{DEMO_PASSWORD}\nnot base32 at all!\n"
    code, _, err = cancelwatch("login", "--base-url", demo_store.base_url, stdin=answers)
    assert code == 2
    assert "not valid base32" in err


def test_check_without_any_account_says_what_to_do(home):
    code, _, err = cancelwatch("check")
    assert code == 2
    assert "run `cancelwatch login`" in err and "cancelwatch demo" in err


def test_check_of_an_unknown_account(home):
    code, _, err = cancelwatch("check", "--account", "nobody")
    assert code == 2
    assert "no account named 'nobody'" in err


def test_config_with_an_unknown_key_names_key_and_file(home):
    (home / "config.toml").write_text("[crawl]\ndelay = 3\n", encoding="utf-8")
    code, _, err = cancelwatch("check")
    assert code == 2
    assert str(home / "config.toml") in err and "crawl.delay" in err
