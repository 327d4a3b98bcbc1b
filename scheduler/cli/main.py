"""The `cancelwatch` command. Thin: each command calls the package that does the work.

Errors become a message and an exit code here and nowhere else.
"""

from __future__ import annotations

import importlib
import logging
import sqlite3
import sys

import click

from cancelwatch.scheduler.cli.context import App
from cancelwatch.scheduler.state.store import DB_NAME
from cancelwatch.scraper.browse.credentials import hold_passphrase
from cancelwatch.scraper.errors import CancelwatchError
from cancelwatch.scraper.paths import data_dir

EXIT_OK, EXIT_USAGE = 0, 2

COMMANDS: dict[str, str] = {
    "parse": "pages",
    "doctor": "pages",
    "demo": "demo",
    "demo-store": "demo",
    "check": "check",
    "status": "check",
    "advise": "check",
    "deadline": "check",
    "calendar": "calendar",
    "watch": "watch",
    "watched-check": "watch",
    "serve": "serve",
    "login": "setup",
    "config": "setup",
    "service": "service",
    "logout": "account",
    "mail": "mail",
}
"""Each command's module under scheduler/cli. A module is imported only when one of its
commands runs (or --help lists them): `watch` lives for weeks, and what it never uses (the
browser's modules, the dashboard's, the calendar's) should not sit in its memory."""


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*COMMANDS, *(name for name in super().list_commands(ctx) if name not in COMMANDS)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:  # one added with add_command, e.g. by a test
            return super().get_command(ctx, cmd_name)
        found = importlib.import_module(f"cancelwatch.scheduler.cli.{module}")
        commands: tuple[click.Command, ...] = found.COMMANDS
        return {command.name: command for command in commands}[cmd_name]


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
