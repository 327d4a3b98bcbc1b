"""What `parse` and `doctor` print: JSON shapes and human tables."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cancelwatch.scheduler.policy.words import TEXTS, Lang, text
from cancelwatch.scraper.read.markup import MatchLog, load_selectors
from cancelwatch.scraper.read.model import PageKind, ParsedPage, to_json


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


def print_page(result: dict[str, Any], lang: Lang = "en") -> None:
    """A page `parse` read, in `lang`: its kind, its orders in a table, its tracking, what
    did not read. What the page says (a carrier, a status text) stays as it says it."""
    orders = result["orders"]
    # File names, page words and selector labels ("[id='orderCard']") are not markup.
    head = text(
        lang,
        "page_head",
        file=f"[bold]{escape(result['file'])}[/bold]",
        kind=_kind(result["page_kind"], lang),
        marketplace=result["marketplace"],
    )
    if result.get("order_count") is not None:
        head += text(lang, "page_count", shown=len(orders), total=result["order_count"])
    _console.print(head)
    if orders:
        _console.print(_orders_table(orders, lang))
    tracking = result.get("tracking")
    if tracking:
        link = f" — {tracking['tracking_url']}" if tracking["tracking_url"] else ""
        line = text(
            lang,
            "tracking_line",
            carrier=tracking["carrier"] or "?",
            tracking_id=tracking["tracking_id"] or "?",
            status=text(lang, f"status_{tracking['status']}"),
            link=link,
        )
        _console.print(escape(line))
    for warning in result["warnings"]:
        _console.print(f"  [yellow]{text(lang, 'page_warning')}[/yellow] {escape(warning)}")
    if result.get("error"):
        said = _page_error(result, lang)
        _console.print(f"  [red]{text(lang, 'page_error')}[/red] {escape(said)}")


def _kind(kind: str, lang: Lang) -> str:
    key = f"kind_{kind}"
    return text(lang, key) if key in TEXTS[lang] else kind


def _page_error(result: dict[str, Any], lang: Lang) -> str:
    """Why the page did not read. The selectors' own message stays English (it names
    fields and selectors): in Japanese a sentence leads it."""
    if result["page_kind"] == PageKind.EMPTY_SHELL.value:
        return text(lang, "empty_shell")
    lead = text(lang, "lead_unreadable")
    return text(lang, "err_explained", lead=lead, detail=result["error"])


def _orders_table(orders: list[dict[str, Any]], lang: Lang) -> Table:
    table = Table(show_lines=False, pad_edge=False)
    for column in ("order", "placed", "total", "status", "cancel"):
        table.add_column(text(lang, f"page_col_{column}"), no_wrap=True)
    table.add_column(text(lang, "page_col_notes"))
    for order in orders:
        total = f"{order['total']} {order['currency']}" if order["total"] else "—"
        table.add_row(
            order["id"],
            order["placed_on"] or "—",
            total,
            text(lang, f"status_{order['status']}"),
            text(lang, f"cancellable_{order['cancellable']}"),
            escape(_notes(order, lang)),
        )
    return table


def _notes(order: dict[str, Any], lang: Lang) -> str:
    notes = []
    if order["digital"]:
        notes.append(text(lang, "note_digital"))
    if order["preorder"] is not None:
        release = order["preorder"]["release_date"] or text(lang, "note_unknown_release")
        notes.append(text(lang, "note_preorder", release=release))
    if order["left_at_door"]:
        notes.append(text(lang, "note_left_at_door"))
    if order["return_until"]:
        notes.append(text(lang, "note_return_until", day=order["return_until"]))
    return text(lang, "notes_joined").join(notes)


@dataclass(frozen=True)
class DoctorRow:
    field: str
    """As the JSON names it ("order_id", "page kind: captcha")."""
    required: bool
    used: dict[str, int]
    missed: int
    kind_marker: str | None = None
    """The page kind this row's selector marks, when it marks one rather than a field."""


def doctor_rows(marketplace: str, log: MatchLog) -> list[DoctorRow]:
    sel = load_selectors(marketplace)
    # Fields first, then the page-kind markers that were checked.
    names = sorted(set(log.used) | set(log.missed), key=lambda n: (n in sel.page_kinds, n))
    rows = []
    for name in names:
        spec = sel.fields.get(name)
        kind_spec = sel.page_kinds.get(name)
        marker = None if spec or not kind_spec else name
        rows.append(
            DoctorRow(
                field=name if marker is None else f"page kind: {name}",
                required=bool(spec and spec.required),
                used=dict(log.used.get(name, {})),
                missed=log.missed.get(name, 0),
                kind_marker=marker,
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
    file: str,
    page: ParsedPage,
    rows: list[DoctorRow],
    failure: Exception | None,
    lang: Lang = "en",
) -> None:
    """Which selector matched each field on `file`, in `lang`; field names and selector
    labels as the selector files spell them."""
    head = text(
        lang,
        "doctor_head",
        file=f"[bold]{escape(file)}[/bold]",
        kind=_kind(page.page_kind.value, lang),
        marketplace=page.marketplace,
        orders=len(page.orders),
    )
    _console.print(head)
    table = Table(pad_edge=False)
    for column in ("field", "matched", "found", "missed"):
        table.add_column(text(lang, f"doctor_col_{column}"))
    for row in rows:
        table.add_row(
            escape(_field(row, lang)),
            "\n".join(escape(label) for label in row.used)
            or f"[red]{text(lang, 'doctor_none')}[/red]",
            str(sum(row.used.values())),
            f"[red]{row.missed}[/red]" if row.missed and row.required else str(row.missed),
        )
    _console.print(table)
    if failure is not None:
        said = text(lang, "err_explained", lead=text(lang, "lead_unreadable"), detail=failure)
        _console.print(f"[red]{text(lang, 'page_error')}[/red] {escape(said)}")


def _field(row: DoctorRow, lang: Lang) -> str:
    name = row.field
    if row.kind_marker is not None:
        name = text(lang, "doctor_page_kind", kind=row.kind_marker)
    return text(lang, "doctor_required", field=name) if row.required else name


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
