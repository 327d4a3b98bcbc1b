"""The demo commands: `demo` (a whole check against the embedded demo store) and
`demo-store` (the store on its own). The only module under scheduler/ that imports the
demo store, and only when one of these commands runs: the watcher never loads it."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import click

from cancelwatch.scheduler.cli import page_report as report
from cancelwatch.scheduler.cli import windows_report as wr
from cancelwatch.scheduler.cli.context import (
    App,
    Clock,
    headed_option,
    json_option,
    marketplace_option,
    pass_app,
)
from cancelwatch.scheduler.config.settings import Config
from cancelwatch.scheduler.notify.channels import Notifier
from cancelwatch.scheduler.state.store import State
from cancelwatch.scheduler.watch.accounts import language, local_today, notifier_for
from cancelwatch.scheduler.watch.check import Target, open_browser, read_orders
from cancelwatch.scheduler.watch.monitor import Outcome, WatchedCheck
from cancelwatch.scraper.browse.crawl import CrawlResult
from cancelwatch.scraper.browse.credentials import Credentials

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
@pass_app
def demo(app: App, marketplace: str, headed: bool, layout: str) -> None:
    """A whole check against the embedded demo store, with its windows and alerts: no
    Amazon account needed."""
    cfg = app.config
    with report.progress_display() as progress, notifier_for(cfg) as notifier:
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
    app.emit(wr.outcome_json(outcome, app.clock()), wr.print_outcome)


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
    # Imported here: the background watcher never needs the demo store's 15 MB.
    from cancelwatch.scraper.demo import (  # noqa: PLC0415
        DEMO_EMAIL,
        DEMO_PASSWORD,
        DEMO_TOTP_SECRET,
        DemoStore,
    )

    with (
        DemoStore(marketplace, clock=_StoreClock(clock), layout=layout) as store,
        tempfile.TemporaryDirectory(prefix="cancelwatch-demo-") as tmp,
        # Not the user's state.db: the demo's history is thrown away with it.
        State.open(Path(tmp) / "state.db") as state,
    ):
        if progress is not None:
            shown = marketplace if layout == "classic" else f"{marketplace}, {layout} layout"
            progress(f"demo store for {shown} at {store.base_url}")
        target = Target(
            account="demo",
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
                )

        check = WatchedCheck(
            "demo", marketplace, store.base_url, cfg, state, notifier, language(cfg), clock
        )
        return check.run(read)


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
