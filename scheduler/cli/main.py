"""The `cancelwatch` command. Thin: each command calls the package that does the work.

Errors become a message and an exit code here and nowhere else.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from cancelwatch.scheduler.cli import page_report as report
from cancelwatch.scheduler.cli import setup as cli_setup
from cancelwatch.scheduler.cli import watch as cli_watch
from cancelwatch.scheduler.state.store import DB_NAME
from cancelwatch.scraper.browse.credentials import hold_passphrase
from cancelwatch.scraper.errors import CancelwatchError
from cancelwatch.scraper.paths import data_dir
from cancelwatch.scraper.read.inputs import PageText, read_page
from cancelwatch.scraper.read.markup import MatchLog, marketplaces, stray_overrides
from cancelwatch.scraper.read.parse import PageSelectorFailure, parse_page

EXIT_OK, EXIT_ATTENTION, EXIT_USAGE = 0, 1, 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log lines on stderr (-vv: debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.version_option(package_name="cancelwatch")
def cli(verbose: int, quiet: bool) -> None:
    """Watch your Amazon orders and hear before a cancel window closes."""
    level = (
        logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    )
    logging.basicConfig(
        level=level, format="cancelwatch: %(levelname)s: %(message)s", stream=sys.stderr
    )


_marketplace_option = click.option(
    "--marketplace",
    "-m",
    type=click.Choice(marketplaces()),
    help="The site the page is from; detected from the page when not given.",
)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@_marketplace_option
@click.option(
    "--json", "as_json", is_flag=True, help="One JSON object per page (an array for several)."
)
def parse(files: tuple[Path, ...], marketplace: str | None, as_json: bool) -> None:
    """Read saved Amazon pages (order list, details, tracking, sign-in…). Touches no network."""
    pages = [(path, read_page(path)) for path in files]
    results = [_parse_one(path, page, marketplace) for path, page in pages]
    if as_json:
        payload: Any = results if len(results) > 1 else results[0]
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for result in results:
            report.print_page(result)
    if any(r.get("error") for r in results):
        sys.exit(EXIT_ATTENTION)


def _parse_one(path: Path, page: PageText, marketplace: str | None) -> dict[str, Any]:
    try:
        return report.page_json(
            str(path), parse_page(page.text, marketplace, warnings=page.warnings)
        )
    except PageSelectorFailure as failure:
        result = report.page_json(str(path), failure.page)
        result["error"] = str(failure)
        result["failed_fields"] = failure.fields
        return result


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@_marketplace_option
@click.option("--json", "as_json", is_flag=True, help="The field report as JSON.")
def doctor(file: Path, marketplace: str | None, as_json: bool) -> None:
    """Show, for each field, which selector fallback matched on FILE (exit 1 if a
    required field found nothing)."""
    saved = read_page(file)
    # The report shows fields, not warnings: how the file was read goes to stderr.
    for warning in (*saved.warnings, *stray_overrides()):
        click.echo(f"cancelwatch: warning: {warning}", err=True)
    log = MatchLog()
    failure: PageSelectorFailure | None = None
    try:
        page = parse_page(saved.text, marketplace, log)
    except PageSelectorFailure as exc:
        failure, page = exc, exc.page
    rows = report.doctor_rows(page.marketplace, log)
    if as_json:
        click.echo(
            json.dumps(
                report.doctor_json(str(file), page, rows, failure), ensure_ascii=False, indent=2
            )
        )
    else:
        report.print_doctor(str(file), page, rows, failure)
    if failure is not None or any(r.required and r.missed for r in rows):
        sys.exit(EXIT_ATTENTION)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    # First, before any command can start a child process (the Playwright driver,
    # Chromium, systemctl): none of them may inherit the secrets file's passphrase.
    hold_passphrase()
    sys.exit(run(cli, argv))


for _command in (*cli_watch.COMMANDS, *cli_setup.COMMANDS):
    cli.add_command(_command)


def run(command: Callable[..., Any], argv: list[str] | None) -> int:
    try:
        command.main(args=argv, prog_name="cancelwatch", standalone_mode=False)  # type: ignore[attr-defined]
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


if __name__ == "__main__":
    main()


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
