"""The demo commands: `demo` (a whole check against the embedded demo store) and
`demo-store` (the store on its own). The only module under scheduler/ that imports the
demo store, and only when one of these commands runs: the watcher never loads it."""

from __future__ import annotations

import contextlib
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click

from cancelwatch.scheduler.cli import page_report as report
from cancelwatch.scheduler.cli import serve as cli_serve
from cancelwatch.scheduler.cli import windows_report as wr
from cancelwatch.scheduler.cli.context import (
    App,
    Clock,
    headed_option,
    json_option,
    marketplace_option,
    pass_app,
)
from cancelwatch.scheduler.cli.main import explained
from cancelwatch.scheduler.config.settings import Account, Config
from cancelwatch.scheduler.mail.maildir import MaildirSource
from cancelwatch.scheduler.mail.rules import load_rules
from cancelwatch.scheduler.notify.channels import Notifier
from cancelwatch.scheduler.notify.configured import language, notifier_for
from cancelwatch.scheduler.policy.words import Lang, text
from cancelwatch.scheduler.state.rows import AlertRow
from cancelwatch.scheduler.state.store import State
from cancelwatch.scheduler.watch import alerts as al
from cancelwatch.scheduler.watch import jobs, pacing
from cancelwatch.scheduler.watch import planner as pl
from cancelwatch.scheduler.watch.accounts import local_today
from cancelwatch.scheduler.watch.check import Target, open_browser, read_orders
from cancelwatch.scheduler.watch.mailwatch import Heard, Mailbox, MailWatch
from cancelwatch.scheduler.watch.monitor import Outcome, WatchedCheck
from cancelwatch.scraper.browse.crawl import CrawlResult
from cancelwatch.scraper.browse.credentials import Credentials
from cancelwatch.scraper.errors import CancelwatchError, UsageError
from cancelwatch.scraper.read.markup import load_selectors

if TYPE_CHECKING:
    from cancelwatch.scraper.demo import DemoStore, LoggedRequest

DEMO_ACCOUNT = "demo"
# The demo store's own list (scraper/demo/pages.py LAYOUTS), spelled out so that loading
# the CLI does not load the store.
LAYOUTS = ("classic", "react")


@click.command()
@marketplace_option("Which site the demo store plays.", default="amazon.co.jp")
@json_option("The open orders and alerts as JSON.")
@headed_option("Show the browser window.")
@click.option(
    "--layout",
    type=click.Choice(LAYOUTS),
    default="classic",
    show_default=True,
    help="The order list the store serves: classic, or Amazon's React page (skeleton "
    "first, cards filled in by script).",
)
@click.option(
    "--mail",
    is_flag=True,
    help="Then watch the store's order mails: a seller order placed during the run is "
    "heard by its mail and alerted (takes a little over 2 minutes; amazon.co.jp or "
    "amazon.com).",
)
@click.option(
    "--serve",
    is_flag=True,
    help="Then keep the demo's dashboard open (its address is printed) until Ctrl-C.",
)
@pass_app
def demo(app: App, *, marketplace: str, headed: bool, layout: str, mail: bool, serve: bool) -> None:
    """A whole check against the embedded demo store, with its windows and alerts: no
    Amazon account needed."""
    cfg = app.config
    if mail and serve:
        raise UsageError(text(language(cfg), "demo_one_at_a_time"))
    if mail:
        _demo_mail(app, marketplace, headed, layout)
        return
    if serve:
        _demo_serve(app, marketplace, headed, layout)
        return
    with report.progress_display(language(cfg)) as progress, notifier_for(cfg) as notifier:
        outcome = run_demo(
            marketplace,
            cfg,
            notifier,
            clock=app.clock,
            headed=headed,
            progress=progress,
            layout=layout,
        )
    if outcome.error:
        raise outcome.error
    app.emit(wr.outcome_json(outcome, app.clock()), wr.outcome_printer(language(cfg)))


def _demo_serve(app: App, marketplace: str, headed: bool, layout: str) -> None:
    """The demo check, then its dashboard on a free port of 127.0.0.1 until Ctrl-C; the
    store stays up too, so the page's order links open."""
    cfg = app.config
    with notifier_for(cfg) as notifier, contextlib.ExitStack() as stack:
        with report.progress_display(language(cfg)) as progress:
            demo = stack.enter_context(
                _session(
                    marketplace,
                    cfg,
                    notifier,
                    clock=app.clock,
                    headed=headed,
                    progress=progress,
                    layout=layout,
                )
            )
            outcome = demo.check()
        if outcome.error:
            raise outcome.error
        app.emit(wr.outcome_json(outcome, app.clock()), wr.outcome_printer(language(cfg)))
        shown = replace(
            cfg, accounts={DEMO_ACCOUNT: Account(DEMO_ACCOUNT, marketplace, demo.store.base_url)}
        )
        dashboard = stack.enter_context(
            cli_serve.dashboard_for(
                shown,
                demo.state,
                app.clock,
                language(cfg),
                host="127.0.0.1",
                port=0,
                # Thrown away with the demo's database: the user's own token stays theirs.
                token_folder=demo.state.path.parent,
            )
        )
        cli_serve.announce(dashboard, language(cfg))
        cli_serve.wait_until_interrupted()
    click.echo(text(language(cfg), "demo_stopped"), err=True)


def _demo_mail(app: App, marketplace: str, headed: bool, layout: str) -> None:
    cfg = app.config
    lang = language(cfg)

    if marketplace not in mail_marketplaces():
        raise _no_mail(marketplace, lang)

    def say(message: str) -> None:
        click.echo(f"cancelwatch: {message}", err=True)

    def first(outcome: Outcome) -> None:
        if not app.as_json:
            wr.print_outcome(wr.outcome_json(outcome, app.clock()), language(cfg))

    say(text(lang, "mail_intro", gap=MAIL_GAP_MINUTES))
    with report.progress_display(language(cfg)) as progress, notifier_for(cfg) as notifier:
        result = run_demo_mail(
            marketplace,
            cfg,
            notifier,
            clock=app.clock,
            headed=headed,
            progress=progress,
            on_step=lambda step: say(step.text),
            on_first=first,
            layout=layout,
        )
    if result.first.error:
        raise result.first.error
    if app.as_json:
        summary = wr.outcome_json(result.first, app.clock())
        app.emit({**summary, "mail": mail_json(result)}, wr.outcome_printer(language(cfg)))
    if result.alert is None:
        raise DemoMailFailed(text(lang, "mail_not_alerted", order_id=result.order_id))


@dataclass(frozen=True)
class _StoreClock:
    """The command's clock as the demo store reads one: its orders are where the check
    that reads them thinks the time is."""

    clock: Clock

    def now(self) -> datetime:
        return self.clock()


def run_demo(
    marketplace: str,
    cfg: Config,
    notifier: Notifier,
    *,
    clock: Clock,
    headed: bool = False,
    progress: Callable[[str], None] | None = None,
    layout: str = "classic",
) -> Outcome:
    """The whole watched check against the embedded demo store, signed in with the public
    demo account (OTP included), with a throw-away database: every run shows the demo's
    first alerts."""
    with _session(
        marketplace, cfg, notifier, clock=clock, headed=headed, progress=progress, layout=layout
    ) as demo:
        return demo.check()


@dataclass
class _Session:
    """The demo store, the throw-away database and the watched check of the store."""

    store: DemoStore
    state: State
    check: Callable[[], Outcome]


@contextmanager
def _session(
    marketplace: str,
    cfg: Config,
    notifier: Notifier,
    *,
    clock: Clock,
    headed: bool,
    progress: Callable[[str], None] | None,
    layout: str,
    maildir: Path | None = None,
) -> Iterator[_Session]:
    # Imported here: the background watcher never needs the demo store's 15 MB.
    from cancelwatch.scraper.demo import (  # noqa: PLC0415
        DEMO_EMAIL,
        DEMO_PASSWORD,
        DEMO_TOTP_SECRET,
        DemoStore,
    )

    with (
        DemoStore(marketplace, clock=_StoreClock(clock), layout=layout, maildir=maildir) as store,
        tempfile.TemporaryDirectory(prefix="cancelwatch-demo-") as tmp,
        # Not the user's state.db: the demo's history is thrown away with it.
        State.open(Path(tmp) / "state.db") as state,
    ):
        lang = language(cfg)
        if progress is not None:
            key = "demo_store_at" if layout == "classic" else "demo_store_layout_at"
            progress(text(lang, key, marketplace=marketplace, layout=layout, url=store.base_url))
        target = Target(
            account=DEMO_ACCOUNT,
            marketplace=marketplace,
            base_url=store.base_url,
            credentials=lambda: Credentials(DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET),
            store=None,
        )

        def read() -> CrawlResult:
            with open_browser(cfg.browser.executable, headed=headed) as browser:
                return read_orders(
                    target,
                    browser,
                    options=replace(cfg.crawl, delay_seconds=0.2),
                    headed=headed,
                    today=local_today(clock),
                    progress=progress,
                    lang=lang,
                )

        check = WatchedCheck(
            DEMO_ACCOUNT, marketplace, store.base_url, cfg, state, notifier, lang, clock
        )
        yield _Session(store, state, lambda: check.run(read))


# ---- demo --mail ---------------------------------------------------------------------------

MAIL_GAP_MINUTES = 2.0
"""The least gap config.toml allows between two checks ([watch] min_gap_minutes): the demo
keeps it too, so a run with --mail takes a little over 2 minutes."""
_MAIL_LEAD = timedelta(seconds=30)
"""How long before the first check the gap allows the new order is placed: its mail is
heard within a second or two, and that check finds about 4.5 of a 5-minute window left."""
_MAIL_SOONEST = timedelta(seconds=10)
"""The new order never comes sooner than this after the first check has ended."""
_WAKE_S = 0.1


@dataclass(frozen=True)
class Step:
    """One thing `demo --mail` did, as it happens."""

    kind: str
    """placing (the new order is due), placed, heard (its mail), check, failed, alert."""
    at: datetime
    """placing and placed: when the order is placed; the others: the clock then."""
    text: str


class DemoMailFailed(CancelwatchError):
    """The demo's new seller order was not alerted while its window was open."""

    exit_code = 1


@dataclass
class MailDemo:
    """What `demo --mail` did: its first check, the order it placed, the mail it heard,
    the checks that followed and the new order's alert."""

    first: Outcome
    order_id: str | None = None
    placed_at: datetime | None = None
    window: timedelta | None = None
    heard: list[Heard] = field(default_factory=list)
    checks: list[tuple[datetime, Outcome]] = field(default_factory=list)
    """Each later check, with the clock's time when it began."""
    alert: AlertRow | None = None
    """The new order's "cancel within" alert, as sent (or held for quiet hours)."""
    alerted_at: datetime | None = None
    requests: list[LoggedRequest] = field(default_factory=list)
    """The store's log of every request it answered."""


def mail_marketplaces() -> tuple[str, ...]:
    """The sites `demo --mail` plays: those the mail rules know a sender of."""
    from cancelwatch.scraper.demo.mail import MAILED_MARKETPLACES  # noqa: PLC0415

    known = {s.marketplace for s in load_rules().senders}
    return tuple(m for m in MAILED_MARKETPLACES if m in known)


def run_demo_mail(
    marketplace: str,
    cfg: Config,
    notifier: Notifier,
    *,
    clock: Clock,
    maildir: Path | None = None,
    headed: bool = False,
    progress: Callable[[str], None] | None = None,
    on_step: Callable[[Step], None] | None = None,
    on_first: Callable[[Outcome], None] | None = None,
    layout: str = "classic",
) -> MailDemo:
    """The demo check, then the demo store's Maildir watched while the store places a new
    seller order: its order mail is heard, a check runs when the limits allow (the
    minimum gap after the first check), and the order's "cancel within" alert goes out.
    Ends at that alert, or when the order's seller window has closed without one. Every
    moment is `clock`'s: a test that moves it waits for nothing. `on_step` hears each step
    as it happens, `on_first` the first check's outcome; `maildir` keeps the store's mails
    (default: a temporary one)."""
    if marketplace not in mail_marketplaces():
        raise _no_mail(marketplace, language(cfg))
    tell = on_step or (lambda _: None)
    with contextlib.ExitStack() as stack:
        if maildir is None:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="cancelwatch-mail-"))
            maildir = Path(tmp) / "Maildir"
        demo = stack.enter_context(
            _session(
                marketplace,
                cfg,
                notifier,
                clock=clock,
                headed=headed,
                progress=progress,
                layout=layout,
                maildir=maildir,
            )
        )
        result = MailDemo(demo.check())
        if on_first is not None:
            on_first(result.first)
        if result.first.error is None:
            _MailPhase(
                demo, _mail_config(cfg, marketplace, demo.store.base_url), clock, tell, result
            ).run(maildir)
        result.requests = demo.store.requests
        return result


def _no_mail(marketplace: str, lang: Lang) -> UsageError:
    sites = text(lang, "mail_sites_joined").join(mail_marketplaces())
    return UsageError(text(lang, "mail_sites", sites=sites, marketplace=marketplace))


def _mail_config(cfg: Config, marketplace: str, base_url: str) -> Config:
    """The user's settings for the demo's one account, at the least gap they allow."""
    return replace(
        cfg,
        accounts={DEMO_ACCOUNT: Account(DEMO_ACCOUNT, marketplace, base_url)},
        watch=replace(cfg.watch, min_gap_minutes=MAIL_GAP_MINUTES),
    )


class _Slot:
    """The Watcher's one planned check, kept for the demo's loop to run when its clock
    reaches it (the watcher's own scheduler sleeps on the wall clock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._planned: tuple[datetime, Callable[[], None]] | None = None

    def __call__(self, _account: str, at: datetime, job: Callable[[], None]) -> None:
        with self._lock:
            self._planned = (at, job)

    def due(self, now: datetime) -> Callable[[], None] | None:
        with self._lock:
            if self._planned is None or self._planned[0] > now:
                return None
            job = self._planned[1]
            self._planned = None
            return job


@contextmanager
def _no_lock(_account: str) -> Iterator[bool]:
    # The demo's store and database are its own: no other process checks them.
    yield True


@dataclass
class _MailPhase:
    demo: _Session
    cfg: Config
    clock: Clock
    say: Callable[[Step], None]
    result: MailDemo
    _placed_said: bool = False
    _placed_lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, maildir: Path) -> None:
        from cancelwatch.scraper.demo.mail import DEMO_AUTHSERV_ID  # noqa: PLC0415
        from cancelwatch.scraper.demo.scenario import SELLER_WINDOW  # noqa: PLC0415

        state, store = self.demo.state, self.demo.store
        slot = _Slot()
        watcher = jobs.Watcher(
            self.cfg,
            state,
            language(self.cfg),
            self._check,
            clock=self.clock,
            place=slot,
            spread=lambda: 0.0,
            lock=_no_lock,
        )
        watcher.start()
        now = self.clock()
        starts = pacing.recorded_starts(state, DEMO_ACCOUNT, now)
        allowed = pl.earliest_allowed(starts, now, pl.Limits.of(self.cfg)).at
        order = store.place_seller_order(max(allowed - _MAIL_LEAD, now + _MAIL_SOONEST))
        self.result.order_id, self.result.placed_at = order.id, order.placed_at
        self.result.window = SELLER_WINDOW[store.marketplace]
        self._step(
            "placing",
            order.placed_at,
            self._t(
                "mail_placing",
                order_id=order.id,
                at=self._hms(order.placed_at),
                maildir=maildir,
                allowed=self._hms(allowed),
                gap=MAIL_GAP_MINUTES,
            ),
        )
        source = MaildirSource(DEMO_ACCOUNT, maildir, load_rules(), DEMO_AUTHSERV_ID)
        mail = MailWatch(
            state, watcher.request_check, [Mailbox(DEMO_ACCOUNT, source)], on_heard=self._heard
        )
        mail.start()
        try:
            self._loop(slot, order.placed_at, order.placed_at + self.result.window)
        finally:
            mail.stop()

    def _loop(self, slot: _Slot, placed_at: datetime, closes_at: datetime) -> None:
        while self.result.alert is None and self.clock() < closes_at:
            now = self.clock()
            if now >= placed_at:
                self._say_placed()
            job = slot.due(now)
            if job is not None:
                job()
            else:
                # A wake-up only: every decision reads the demo's clock.
                time.sleep(_WAKE_S)

    def _say_placed(self) -> None:
        # Said once, by the loop or by the mail watcher, whichever sees the order first: its
        # mail can be heard before the loop's next wake-up, and must not come before it.
        with self._placed_lock:
            if self._placed_said or self.result.placed_at is None:
                return
            self._placed_said = True
            placed_at = self.result.placed_at
            said = self._t("mail_placed", order_id=self.result.order_id, at=self._hms(placed_at))
            self._step("placed", placed_at, said)

    def _heard(self, heard: Heard) -> None:
        if heard.event.kind == "ordered" and self.result.order_id in heard.event.order_ids:
            self._say_placed()
        self.result.heard.append(heard)
        event = heard.event
        said = self._t(
            "mail_heard",
            kind=self._t(f"mail_kind_{event.kind}"),
            orders=", ".join(event.order_ids) or self._t("mail_no_order"),
            sent=self._hms(event.sent_at) if event.sent_at else self._t("mail_no_date"),
            asked=self._t("mail_asks" if heard.requested else "mail_asks_not"),
        )
        self._step("heard", self.clock(), said)

    def _check(self, _account: Account) -> None:
        started = self.clock()
        self._step("check", started, self._t("mail_check", at=self._hms(started)))
        outcome = self.demo.check()
        self.result.checks.append((started, outcome))
        if outcome.error is not None:
            failed = self._t("mail_failed", error=explained(outcome.error, self._lang))
            self._step("failed", self.clock(), failed)
            return
        rows = [*outcome.dispatched.sent, *outcome.dispatched.deferred]
        mine = [
            r for r in rows if r.order_id == self.result.order_id and r.kind == al.CANCEL_CLOSING
        ]
        if mine:
            self.result.alert, self.result.alerted_at = mine[0], self.clock()
            key = "mail_alert" if mine[0] in outcome.dispatched.sent else "mail_alert_held"
            self._step("alert", self.clock(), self._t(key, title=mine[0].title))

    def _step(self, kind: str, at: datetime, said: str) -> None:
        self.say(Step(kind, at, said))

    @property
    def _lang(self) -> Lang:
        return language(self.cfg)

    def _t(self, key: str, /, **values: object) -> str:
        return text(self._lang, key, **values)

    def _hms(self, moment: datetime) -> str:
        """A moment on the demo store's marketplace clock, to the second, with its zone."""
        zone = ZoneInfo(load_selectors(self.demo.store.marketplace).marketplace.timezone)
        local = moment.astimezone(zone)
        return f"{local:%H:%M:%S} {local.tzname()}"


def mail_json(result: MailDemo) -> dict[str, Any]:
    """The mail part of `demo --mail --json`."""
    alert = result.alert
    left = None
    if alert is not None and result.placed_at and result.window and result.alerted_at:
        left = int((result.placed_at + result.window - result.alerted_at).total_seconds())
    return {
        "order_id": result.order_id,
        "placed_at": result.placed_at.isoformat() if result.placed_at else None,
        "mails_heard": [
            {"kind": h.event.kind, "order_ids": list(h.event.order_ids), "requested": h.requested}
            for h in result.heard
        ],
        "checks_at": [started.isoformat() for started, _ in result.checks],
        "alert": None if alert is None else {"title": alert.title, "seconds_left": left},
    }


@click.command(
    "demo-store",
    context_settings={"ignore_unknown_options": True, "help_option_names": []},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def demo_store(args: tuple[str, ...]) -> None:
    """Run the embedded demo store on its own (--help for its options)."""
    from cancelwatch.scraper.demo.cli import main as store_main  # noqa: PLC0415  (not for the watcher)

    code = store_main(list(args))
    if code:
        sys.exit(code)


COMMANDS = (demo, demo_store)
