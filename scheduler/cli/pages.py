"""Commands that read saved pages: parse, doctor. They touch no network and no database."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from cancelwatch.scheduler.cli import page_report as report
from cancelwatch.scheduler.cli.context import (
    EXIT_ATTENTION,
    App,
    json_option,
    marketplace_option,
    pass_app,
)
from cancelwatch.scheduler.policy.words import text
from cancelwatch.scraper.read.inputs import PageText, read_page
from cancelwatch.scraper.read.markup import MatchLog, stray_overrides
from cancelwatch.scraper.read.model import PageKind
from cancelwatch.scraper.read.parse import PageSelectorFailure, parse_page

_FROM_PAGE = "The site the page is from; detected from the page when not given."


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@marketplace_option(_FROM_PAGE)
@json_option("One JSON object per page (an array for several).")
@pass_app
def parse(app: App, files: tuple[Path, ...], marketplace: str | None) -> None:
    """Read saved Amazon pages (order list, details, tracking, sign-in…). Touches no network."""
    pages = [(path, read_page(path)) for path in files]
    results = [_parse_one(path, page, marketplace) for path, page in pages]
    # One page is one object, several an array, whatever the output mode.
    lang = app.language()
    app.emit(results if len(results) > 1 else results[0], lambda r: report.print_page(r, lang))
    if any(r.get("error") for r in results):
        sys.exit(EXIT_ATTENTION)


def _parse_one(path: Path, page: PageText, marketplace: str | None) -> dict[str, Any]:
    try:
        parsed = parse_page(page.text, marketplace, warnings=page.warnings)
    except PageSelectorFailure as failure:
        result = report.page_json(str(path), failure.page)
        result["error"] = str(failure)
        result["failed_fields"] = failure.fields
        return result
    result = report.page_json(str(path), parsed)
    if parsed.page_kind is PageKind.EMPTY_SHELL:
        # Blind, not empty: "no orders" here would be a lie that hides a missed window.
        result["error"] = text("en", "empty_shell")  # the JSON's words stay English
    return result


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@marketplace_option(_FROM_PAGE)
@json_option("The field report as JSON.")
@pass_app
def doctor(app: App, file: Path, marketplace: str | None) -> None:
    """Show, for each field, which selector fallback matched on FILE (exit 1 if a
    required field found nothing)."""
    saved = read_page(file)
    # The report shows fields, not warnings: how the file was read goes to stderr.
    lang = app.language()
    for warning in (*saved.warnings, *stray_overrides()):
        click.echo(text(lang, "doctor_warning", warning=warning), err=True)
    log = MatchLog()
    failure: PageSelectorFailure | None = None
    try:
        page = parse_page(saved.text, marketplace, log)
    except PageSelectorFailure as exc:
        failure, page = exc, exc.page
    rows = report.doctor_rows(page.marketplace, log)
    app.emit(
        report.doctor_json(str(file), page, rows, failure),
        lambda _: report.print_doctor(str(file), page, rows, failure, lang),
    )
    if failure is not None or any(r.required and r.missed for r in rows):
        sys.exit(EXIT_ATTENTION)


COMMANDS = (parse, doctor)
