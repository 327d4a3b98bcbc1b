"""The `cancelwatch` command. Thin: each command calls the package that does the work.

Errors become a message and an exit code here and nowhere else.
"""

from __future__ import annotations

import logging
import sqlite3
import sys

import click

from cancelwatch.scheduler.cli import account as cli_account
from cancelwatch.scheduler.cli import calendar as cli_calendar
from cancelwatch.scheduler.cli import check as cli_check
from cancelwatch.scheduler.cli import demo as cli_demo
from cancelwatch.scheduler.cli import mail as cli_mail
from cancelwatch.scheduler.cli import pages as cli_pages
from cancelwatch.scheduler.cli import serve as cli_serve
from cancelwatch.scheduler.cli import service as cli_service
from cancelwatch.scheduler.cli import setup as cli_setup
from cancelwatch.scheduler.cli import watch as cli_watch
from cancelwatch.scheduler.cli.context import App
from cancelwatch.scheduler.state.store import DB_NAME
from cancelwatch.scraper.browse.credentials import hold_passphrase
from cancelwatch.scraper.errors import CancelwatchError
from cancelwatch.scraper.paths import data_dir

EXIT_OK, EXIT_USAGE = 0, 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log lines on stderr (-vv: debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.version_option(package_name="cancelwatch")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Watch your Amazon orders and hear before a cancel window closes."""
    ctx.ensure_object(App)
    level = (
        logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    )
    logging.basicConfig(
        level=level, format="cancelwatch: %(levelname)s: %(message)s", stream=sys.stderr
    )


for _command in (
    *cli_pages.COMMANDS,
    *cli_demo.COMMANDS,
    *cli_check.COMMANDS,
    *cli_watch.COMMANDS,
    *cli_setup.COMMANDS,
    *cli_service.COMMANDS,
    *cli_serve.COMMANDS,
    *cli_account.COMMANDS,
    *cli_mail.COMMANDS,
    *cli_calendar.COMMANDS,
):
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    # First, before any command can start a child process (the Playwright driver,
    # Chromium, systemctl): none of them may inherit the secrets file's passphrase.
    hold_passphrase()
    sys.exit(run(cli, argv))


def run(command: click.Command, argv: list[str] | None, *, app: App | None = None) -> int:
    """Run `command` with `argv`; the exit code. `app` is what the command gets from the
    context: a test hands in its own (its clock), one per run; by default a fresh one."""
    try:
        command.main(args=argv, prog_name="cancelwatch", standalone_mode=False, obj=app or App())
    except CancelwatchError as exc:
        click.echo(f"cancelwatch: error: {exc}", err=True)
        return exc.exit_code
    except sqlite3.DatabaseError as exc:
        # Only state.db is SQLite: damage met after it opened (a table gone, a page that
        # does not read) is the user's file to fix or move aside, not a traceback. A busy
        # or full disk is not damage: moving a healthy history aside would lose it.
        click.echo(f"cancelwatch: error: {_database_problem(exc)}", err=True)
        return EXIT_USAGE
    except click.exceptions.Abort:
        click.echo("cancelwatch: aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    return EXIT_OK


def _database_problem(exc: sqlite3.DatabaseError) -> str:
    where = f"the state database {data_dir() / DB_NAME}"
    said = str(exc)
    if isinstance(exc, sqlite3.OperationalError) and "locked" in said:
        return (
            f"{where} stayed busy ({said}): another cancelwatch is writing to it; "
            "try again in a minute"
        )
    if isinstance(exc, sqlite3.OperationalError) and ("full" in said or "disk I/O" in said):
        return f"cannot write {where} ({said}): free some disk space, then try again"
    return f"cannot use {where} ({said}); if it is damaged, move it aside to start afresh"


if __name__ == "__main__":
    main()  # last: what `main` calls must be defined by now
