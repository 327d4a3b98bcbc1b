"""What `parse` and `doctor` print: JSON shapes and human tables."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cancelwatch.scheduler.policy.words import Lang, text
from cancelwatch.scraper.read.markup import MatchLog, load_selectors
from cancelwatch.scraper.read.model import ParsedPage, to_json


def make_console() -> Console:
    """A terminal's own width; 140 columns when piped, so order ids are never cut."""
    console = Console(highlight=False)
    return console if console.is_terminal else Console(highlight=False, width=140)


_console = make_console()


def page_json(file: str, page: ParsedPage) -> dict[str, Any]:
    """The `parse --json` contract of docs/architecture.md, plus the page's count and next link."""
    return {
        "file": file,
        "marketplace": page.marketplace,
        "page_kind": page.page_kind.value,
        "orders": [to_json(order) for order in page.orders],
        "tracking": to_json(page.tracking) if page.tracking else None,
        "warnings": list(page.warnings),
        "order_count": page.order_count,
        "next_page_url": page.next_page_url,
        "auth_step": page.auth_step,
        "auth_error": page.auth_error,
    }


def print_page(result: dict[str, Any]) -> None:
    orders = result["orders"]
    # File names, page words and selector labels ("[id='orderCard']") are not markup.
    head = f"[bold]{escape(result['file'])}[/bold]: {result['page_kind']} ({result['marketplace']})"
    if result.get("order_count") is not None:
        head += f", {len(orders)} orders on this page of {result['order_count']}"
    _console.print(head)
    if orders:
        _console.print(_orders_table(orders))
    tracking = result.get("tracking")
    if tracking:
        link = f" — {tracking['tracking_url']}" if tracking["tracking_url"] else ""
        _console.print(
            escape(
                f"  carrier {tracking['carrier'] or '?'}, "
                f"tracking ID {tracking['tracking_id'] or '?'}, {tracking['status']}{link}"
            )
        )
    for warning in result["warnings"]:
        _console.print(f"  [yellow]warning:[/yellow] {escape(warning)}")
    if result.get("error"):
        _console.print(f"  [red]error:[/red] {escape(result['error'])}")


def _orders_table(orders: list[dict[str, Any]]) -> Table:
    table = Table(show_lines=False, pad_edge=False)
    for column in ("order", "placed", "total", "status", "cancel"):
        table.add_column(column, no_wrap=True)
    table.add_column("notes")
    for order in orders:
        total = f"{order['total']} {order['currency']}" if order["total"] else "—"
        table.add_row(
            order["id"],
            order["placed_on"] or "—",
            total,
            order["status"],
            order["cancellable"],
            _notes(order),
        )
    return table


def _notes(order: dict[str, Any]) -> str:
    notes = []
    if order["digital"]:
        notes.append("digital")
    if order["preorder"] is not None:
        notes.append(f"pre-order, release {order['preorder']['release_date'] or 'unknown'}")
    if order["left_at_door"]:
        notes.append("left at door")
    if order["return_until"]:
        notes.append(f"return until {order['return_until']}")
    return "; ".join(notes)


@dataclass(frozen=True)
class DoctorRow:
    field: str
    required: bool
    used: dict[str, int]
    missed: int


def doctor_rows(marketplace: str, log: MatchLog) -> list[DoctorRow]:
    sel = load_selectors(marketplace)
    # Fields first, then the page-kind markers that were checked.
    names = sorted(set(log.used) | set(log.missed), key=lambda n: (n in sel.page_kinds, n))
    rows = []
    for name in names:
        spec = sel.fields.get(name)
        kind_spec = sel.page_kinds.get(name)
        rows.append(
            DoctorRow(
                field=name if spec or not kind_spec else f"page kind: {name}",
                required=bool(spec and spec.required),
                used=dict(log.used.get(name, {})),
                missed=log.missed.get(name, 0),
            )
        )
    return rows


def doctor_json(
    file: str, page: ParsedPage, rows: list[DoctorRow], failure: Exception | None
) -> dict[str, Any]:
    return {
        "file": file,
        "marketplace": page.marketplace,
        "page_kind": page.page_kind.value,
        "orders": len(page.orders),
        "error": str(failure) if failure else None,
        "fields": [
            {"field": r.field, "required": r.required, "matched": r.used, "missed": r.missed}
            for r in rows
        ],
    }


def print_doctor(
    file: str, page: ParsedPage, rows: list[DoctorRow], failure: Exception | None
) -> None:
    _console.print(
        f"[bold]{escape(file)}[/bold]: {page.page_kind.value} ({page.marketplace}), "
        f"{len(page.orders)} orders read"
    )
    table = Table(pad_edge=False)
    for column in ("field", "matched by", "found", "not found"):
        table.add_column(column)
    for row in rows:
        name = row.field + (" (required)" if row.required else "")
        via = "\n".join(escape(label) for label in row.used) or "[red]none[/red]"
        missed = f"[red]{row.missed}[/red]" if row.missed and row.required else str(row.missed)
        table.add_row(name, via, str(sum(row.used.values())), missed)
    _console.print(table)
    if failure is not None:
        _console.print(f"[red]error:[/red] {escape(str(failure))}")


@contextmanager
def progress_display(lang: Lang) -> Iterator[Callable[[str], None]]:
    """A spinner with the latest step on a terminal; plain lines on stderr otherwise. The
    steps come worded in `lang`."""
    err = Console(stderr=True, highlight=False)
    if not err.is_terminal:
        yield lambda message: err.print(escape(text(lang, "progress_line", message=message)))
        return
    with err.status(text(lang, "progress_starting")) as status:
        yield lambda message: status.update(escape(message))
