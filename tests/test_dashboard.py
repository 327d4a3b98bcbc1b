"""The dashboard in real Chromium (the session's browser): `cancelwatch demo --serve`
shows the demo's open orders with their live countdowns in both languages (a screenshot
of each kept under the session's base temp folder, artifacts/), and an item title holding
markup shows as text and runs nothing.

One `demo --serve` for the module, run as a user runs it (in a thread of its own, like
tests/test_cli_check.py), stopped when the module ends; its clock and the page's are
passed in: nothing here reads the wall clock."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from cancelwatch.scheduler.cli import serve as cli_serve
from cancelwatch.scheduler.cli.context import App
from cancelwatch.scheduler.cli.main import cli, run
from cancelwatch.scheduler.config.settings import Account, Config
from cancelwatch.scheduler.dashboard.server import Dashboard
from cancelwatch.scraper.browse.browser import new_context
from cancelwatch.scraper.demo.scenario import build_scenario
from tests.test_dashboard_http import HOSTILE, ORDER_ID, hostile_state

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # noon in Tokyo
TOKYO = ZoneInfo("Asia/Tokyo")
SCENARIO = build_scenario("amazon.co.jp", NOW)
# The demo's open orders (docs/rules.md's cases, as tests/test_cli_check.py lists them):
# the seller order, the one Amazon prepares soon, the Kindle book, the pre-order, and the
# two delivered ones whose return window is open.
OPEN_CASES = (
    "seller_window",
    "cancellable_soon",
    "kindle",
    "preorder",
    "left_at_door",
    "delivered",
)


@pytest.fixture(scope="module")
def demo_dashboard(tmp_path_factory) -> Iterator[Dashboard]:
    """`cancelwatch demo --serve` at NOW, until the module ends."""
    home = tmp_path_factory.mktemp("home")
    shown: list[Dashboard] = []
    ready, stop = threading.Event(), threading.Event()

    def until_stopped() -> None:
        ready.set()
        stop.wait()

    with pytest.MonkeyPatch.context() as patch, ThreadPoolExecutor(1) as pool:
        patch.setenv("CANCELWATCH_HOME", str(home))
        patch.setattr(cli_serve, "announce", lambda dashboard, _lang: shown.append(dashboard))
        patch.setattr(cli_serve, "wait_until_interrupted", until_stopped)
        done = pool.submit(run, cli, ["demo", "--serve"], app=App(clock=lambda: NOW))
        done.add_done_callback(lambda _: ready.set())
        assert ready.wait(300)
        assert not done.done(), f"demo --serve ended with {done.result()}"
        yield shown[0]
        stop.set()
        assert done.result() == 0


@pytest.fixture
def context(browser: Browser, demo_dashboard: Dashboard) -> Iterator[BrowserContext]:
    ctx = new_context(browser, site=f"http://127.0.0.1:{demo_dashboard.port}")
    yield ctx
    ctx.close()


def artifact(tmp_path_factory, name: str) -> Path:
    """Where a screenshot is kept: the session's base temp folder (stable with
    pytest --basetemp=DIR), artifacts/."""
    folder = tmp_path_factory.getbasetemp() / "artifacts"
    folder.mkdir(exist_ok=True)
    return folder / name


def opened(context: BrowserContext, dashboard: Dashboard, lang: str) -> Page:
    page = context.new_page()
    # The page counts down on the server's clock: its own starts at NOW too, and moves
    # only when the test says.
    page.clock.install(time=NOW - timedelta(seconds=1))
    page.clock.pause_at(NOW)
    answer = page.goto(f"{dashboard.url('127.0.0.1')}&lang={lang}")
    assert answer is not None and answer.status == 200
    assert page.url == f"http://127.0.0.1:{dashboard.port}/?lang={lang}"
    page.wait_for_selector("[data-closes]")
    return page


def countdown_of(page: Page, order_id: str, row: int = 0) -> str:
    return page.locator(f'li[data-order="{order_id}"] .countdown').nth(row).inner_text()


def left(closes: datetime, now: datetime, day: str) -> str:
    """The countdown's text, worked out here: days, then h:mm:ss or m:ss."""
    seconds = int((closes - now).total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}{day} {hours:02d}:{minutes:02d}:{secs:02d}"
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


@pytest.mark.parametrize(("lang", "day"), [("en", "d"), ("ja", "日")])
def test_the_demo_dashboard_shows_each_open_order_with_its_countdown(
    context, demo_dashboard, tmp_path_factory, lang, day
):
    page = opened(context, demo_dashboard, lang)
    assert page.locator("html").get_attribute("lang") == lang
    shown = page.locator("li.order").evaluate_all("els => els.map(e => e.dataset.order)")
    assert sorted(shown) == sorted(SCENARIO.by_case(case).id for case in OPEN_CASES)

    seller = SCENARIO.by_case("seller_window")
    title = page.locator(f'li[data-order="{seller.id}"] .item-title').inner_text()
    assert title == seller.items[0].title
    # First seen at NOW, the check's moment: the direct cancel closes 5 minutes later.
    assert countdown_of(page, seller.id) == "5:00"
    # The pre-order's deadline is the page's day, to its end in Tokyo.
    preorder = SCENARIO.by_case("preorder")
    assert preorder.cancel_deadline is not None
    deadline = datetime.combine(
        preorder.cancel_deadline + timedelta(days=1), datetime.min.time(), TOKYO
    )
    assert countdown_of(page, preorder.id) == left(deadline, NOW, day)

    page.clock.run_for(61_000)  # the countdowns tick on the page, without the server
    assert countdown_of(page, seller.id) == "3:59"
    assert countdown_of(page, preorder.id) == left(deadline, NOW + timedelta(seconds=61), day)
    page.clock.run_for(200_000)
    assert countdown_of(page, seller.id) == "0:39"

    page.clock.run_for(40_000)  # five minutes after it was sent, the page reloads itself
    # and counts again from the server's clock, which has not moved.
    expect(page.locator(f'li[data-order="{seller.id}"] .countdown').first).to_have_text("5:00")
    page.screenshot(path=artifact(tmp_path_factory, f"dashboard-{lang}.png"), full_page=True)
    assert artifact(tmp_path_factory, f"dashboard-{lang}.png").stat().st_size > 10_000


def test_the_demo_dashboard_lists_the_alert_sent_and_the_next_ones(context, demo_dashboard):
    page = opened(context, demo_dashboard, "en")
    seller = SCENARIO.by_case("seller_window")
    sent = page.locator(".sent-alerts li").all_inner_texts()
    mine = [line for line in sent if seller.id in line]
    assert len(mine) == 1
    # Sent at NOW, shown in Tokyo, on the channel that took it.
    assert re.fullmatch(
        rf"2026-11-26 12:00 JST on [a-z:#0-9]+ Cancel {seller.id} within .*", mine[0]
    )
    # The check read every order of the scenario, and said so at NOW in Tokyo.
    last = page.locator(".last-check.ok").inner_text()
    assert f"2026-11-26 12:00 JST: read {len(SCENARIO.orders)} orders" in last
    assert page.locator(".next-alerts li").count() > 0


def test_the_token_is_needed_and_a_first_visit_keeps_it_in_a_cookie(context, demo_dashboard):
    page = context.new_page()
    base = f"http://127.0.0.1:{demo_dashboard.port}/"
    answer = page.goto(base)
    assert answer is not None and answer.status == 403
    page.goto(demo_dashboard.url("127.0.0.1"))
    assert page.url == base  # the token left the address bar
    answer = page.goto(base)
    assert answer is not None and answer.status == 200


# -- an item title holding markup ------------------------------------------------------------------

WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture(scope="module")
def hostile_dashboard(tmp_path_factory) -> Iterator[Dashboard]:
    folder = tmp_path_factory.mktemp("hostile")
    with (
        hostile_state(folder / "state.db") as state,
        cli_serve.dashboard_for(
            Config(accounts={"main": Account("main")}),
            state,
            lambda: NOW + timedelta(minutes=2),
            "ja",
            host="127.0.0.1",
            port=0,
            token_folder=folder,
        ) as dashboard,
    ):
        yield dashboard


def test_a_title_holding_script_shows_as_text_and_runs_nothing(browser, hostile_dashboard):
    context = new_context(browser, site=f"http://127.0.0.1:{hostile_dashboard.port}")
    try:
        context.add_init_script(WATCH_VIOLATIONS)
        page = context.new_page()
        page.clock.install(time=NOW - timedelta(seconds=1))
        page.clock.pause_at(NOW)
        page.goto(hostile_dashboard.url("127.0.0.1"))
        page.wait_for_selector(".item-title")
        assert page.locator(f'li[data-order="{ORDER_ID}"] .item-title').inner_text() == HOSTILE
        assert page.locator(".sent-alerts li").inner_text().endswith(f"Cancel {HOSTILE}")
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.evaluate("window.__violations") == []  # nothing even tried
        assert page.locator("a[href^='javascript']").count() == 0
        # The page's own script ran (the countdown) and the policy holds: an inline script
        # put on the page now is refused, and the listener hears it.
        assert page.locator(".countdown").first.inner_text() == "3:00"  # at NOW + 2 min
        page.evaluate(
            """() => { const s = document.createElement("script");
                       s.textContent = "window.__pwned = 4"; document.body.append(s); }"""
        )
        page.wait_for_function("window.__violations.length > 0")
        assert page.evaluate("window.__violations")[0].startswith("script-src")
        assert page.evaluate("typeof window.__pwned") == "undefined"
        page.clock.run_for(181_000)
        assert page.locator(".countdown").first.inner_text() == "期限切れ"
    finally:
        context.close()
