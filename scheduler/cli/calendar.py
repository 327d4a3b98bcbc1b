"""`cancelwatch calendar`: every window as an iCalendar file, from the database (no
network), for a calendar program to import or subscribe to."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cancelwatch.scheduler.cli.context import App, account_option, pass_app
from cancelwatch.scheduler.feed.calendar import calendar_ics
from cancelwatch.scheduler.notify.configured import language
from cancelwatch.scraper.browse.credentials import write_private
from cancelwatch.scraper.errors import UsageError


@click.command()
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    help="Write the calendar to this file (replaced whole, never half-written); "
    "default: standard output.",
)
@account_option("Only this account's orders.")
@pass_app
def calendar(app: App, output: Path | None, account: str | None) -> None:
    """The open windows as calendar events (.ics) with reminders at your alert leads;
    import it, or write it where a calendar program re-reads it."""
    cfg = app.config
    state = app.state
    if account is not None and account not in cfg.accounts and not state.orders(account):
        raise UsageError(
            f"no account {account!r} in config.toml or the database; "
            f"known: {', '.join(sorted(cfg.accounts)) or 'none'}"
        )
    feed = calendar_ics(state, cfg, app.clock(), language(cfg), account=account)
    if output is None:
        sys.stdout.buffer.write(feed)
        sys.stdout.buffer.flush()
        return
    _write(output, feed)
    click.echo(f"wrote {output}", err=True)


def _write(path: Path, data: bytes) -> None:
    """Replace `path` whole, so a calendar reading it meanwhile never gets half a file. A
    file already there keeps its permissions (a web server may serve it); a new one is
    the owner's only: order history is personal."""
    try:
        mode = path.stat().st_mode & 0o777 if path.is_file() else None
        write_private(path, data)
        if mode is not None:
            path.chmod(mode)
    except OSError as exc:
        raise UsageError(
            f"cannot write the calendar to {path}: {exc.strerror or exc}; "
            "choose a file in a folder you can write to"
        ) from None


COMMANDS = (calendar,)
