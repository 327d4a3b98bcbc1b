"""The `cancelwatch` command. Thin: each command calls the package that does the work.

Errors become a message and an exit code here and nowhere else.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from scheduler import report
from scheduler.accounts import check_account, sign_in_account, validate_totp_secret
from scheduler.check import run_demo
from scheduler.config import Account, load_config, save_account
from scraper.credentials import Credentials
from scraper.demo.cli import main as store_main
from scraper.errors import CancelwatchError
from scraper.inputs import read_page
from scraper.markup import MatchLog, marketplaces
from scraper.parse import PageSelectorFailure, parse_page

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
    texts = [(path, read_page(path)) for path in files]
    results = [_parse_one(path, text, marketplace) for path, text in texts]
    if as_json:
        payload: Any = results if len(results) > 1 else results[0]
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for result in results:
            report.print_page(result)
    if any(r.get("error") for r in results):
        sys.exit(EXIT_ATTENTION)


def _parse_one(path: Path, text: str, marketplace: str | None) -> dict[str, Any]:
    try:
        return report.page_json(str(path), parse_page(text, marketplace))
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
    text = read_page(file)
    log = MatchLog()
    failure: PageSelectorFailure | None = None
    try:
        page = parse_page(text, marketplace, log)
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


@cli.command()
@click.option(
    "--marketplace",
    "-m",
    type=click.Choice(marketplaces()),
    default="amazon.co.jp",
    show_default=True,
    help="Which site the demo store plays.",
)
@click.option("--json", "as_json", is_flag=True, help="The open orders as JSON.")
@click.option("--headed", is_flag=True, help="Show the browser window.")
def demo(marketplace: str, as_json: bool, headed: bool) -> None:
    """Run a whole check against the embedded demo store: no Amazon account needed."""
    cfg = load_config()
    with report.progress_display() as progress:
        result, today = run_demo(
            marketplace, executable=cfg.browser.executable, headed=headed, progress=progress
        )
    _print_checks([report.check_json("demo", marketplace, result, today)], as_json)


@cli.command()
@click.option("--account", "-a", help="The account to check (default: every account).")
@click.option("--json", "as_json", is_flag=True, help="The open orders as JSON.")
@click.option("--headed", is_flag=True, help="Show the browser, e.g. to answer a CAPTCHA.")
def check(account: str | None, as_json: bool, headed: bool) -> None:
    """Sign in (or reuse the session), read the order history, show the open orders."""
    cfg = load_config()
    accounts = [cfg.account(account)] if account else list(cfg.accounts.values())
    if not accounts:
        cfg.account(None)  # raises with what to do
    summaries = []
    with report.progress_display() as progress:
        for acc in accounts:
            result, today = check_account(acc, cfg, headed=headed, progress=progress)
            summaries.append(report.check_json(acc.name, acc.marketplace, result, today))
    _print_checks(summaries, as_json)


@cli.command()
@click.option("--account", "-a", default="default", show_default=True)
@click.option(
    "--marketplace",
    "-m",
    type=click.Choice(marketplaces()),
    default=None,
    help="The site (default: the account's, or amazon.co.jp for a new one).",
)
@click.option("--base-url", help="Sign in elsewhere than the marketplace's site (the demo store).")
@click.option("--headed", is_flag=True, help="Sign in in a visible browser (CAPTCHA, no TOTP).")
def login(account: str, marketplace: str | None, base_url: str | None, headed: bool) -> None:
    """Store email, password and TOTP secret in the OS keyring, then sign in once."""
    cfg = load_config()
    known = cfg.accounts.get(account)
    acc = Account(
        name=account,
        marketplace=marketplace or (known.marketplace if known else "amazon.co.jp"),
        base_url=base_url or (known.base_url if known else None),
    )
    creds = _prompt_credentials()
    signed = sign_in_account(acc, cfg, creds, headed=headed)
    path = save_account(acc)
    click.echo(
        f"signed in to {acc.marketplace} as {creds.email}; account {acc.name!r} saved in {path}"
    )
    click.echo(f"{signed.pages_read} page read; run `cancelwatch check --account {acc.name}`")


def _prompt_credentials() -> Credentials:
    email = click.prompt("Amazon email or phone").strip()
    password = click.prompt("Password", hide_input=True)
    totp = click.prompt(
        "TOTP secret of your authenticator app (blank if none)",
        default="",
        show_default=False,
        hide_input=True,
    ).replace(" ", "")
    if totp:
        validate_totp_secret(totp)
    return Credentials(email, password, totp or None)


@cli.command(
    "demo-store",
    context_settings={"ignore_unknown_options": True, "help_option_names": []},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def demo_store(args: tuple[str, ...]) -> None:
    """Run the embedded demo store on its own (--help for its options)."""
    code = store_main(list(args))
    if code:
        sys.exit(code)


def _print_checks(summaries: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        payload: Any = summaries if len(summaries) > 1 else summaries[0]
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for summary in summaries:
            report.print_check(summary)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    sys.exit(run(cli, argv))


def run(command: Callable[..., Any], argv: list[str] | None) -> int:
    try:
        command.main(args=argv, prog_name="cancelwatch", standalone_mode=False)  # type: ignore[attr-defined]
    except CancelwatchError as exc:
        click.echo(f"cancelwatch: error: {exc}", err=True)
        return exc.exit_code
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
