"""What `check`, `demo`, `status` and `advise` print: each open order's windows, the
alerts sent and due, in a table or as JSON."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.markup import escape
from rich.table import Table

from cancelwatch.scheduler.cli.page_report import make_console
from cancelwatch.scheduler.policy.assess import Assessment, Window
from cancelwatch.scheduler.policy.moments import clock_time, shown, span
from cancelwatch.scheduler.policy.words import TEXTS, Lang, text
from cancelwatch.scheduler.state.store import AlertRow, CheckRow
from cancelwatch.scheduler.watch import alerts as al
from cancelwatch.scheduler.watch.monitor import Outcome
from cancelwatch.scheduler.watch.planner import Planned
from cancelwatch.scraper.read.markup import load_selectors
from cancelwatch.scraper.read.model import Order, to_json

_console = make_console()


def window_json(window: Window | None, now: datetime) -> dict[str, Any] | None:
    if window is None:
        return None
    left = (window.closes_at - now).total_seconds() if window.closes_at else None
    return {
        "state": window.state.value,
        "closes_at": window.closes_at.isoformat() if window.closes_at else None,
        "known": window.known.value,
        "reason": window.reason,
        "seconds_left": max(0, round(left)) if left is not None else None,
    }


def order_json(order: Order, assessment: Assessment, now: datetime) -> dict[str, Any]:
    return {
        **to_json(order),
        "window": window_json(assessment.cancel, now),
        "return_window": window_json(assessment.ret, now),
        "advice": {"steps": list(assessment.advice.steps), "hints": list(assessment.advice.hints)},
    }


def outcome_json(outcome: Outcome, now: datetime) -> dict[str, Any]:
    result = outcome.result
    orders = {o.id: o for o in result.orders} if result else {}
    return {
        "account": outcome.account,
        "marketplace": outcome.marketplace,
        "open_orders": [
            order_json(orders[oid], a, now) for oid, a in outcome.assessments.items() if a.open
        ],
        "orders_read": len(orders),
        "pages_read": result.pages_read if result else 0,
        "signed_in": result.signed_in if result else False,
        "alerts_sent": [_alert_json(r) for r in outcome.dispatched.sent],
        "alerts_deferred": [_alert_json(r) for r in outcome.dispatched.deferred],
        "closed_while_away": [_alert_json(r) for r in outcome.dispatched.missed],
        "warnings": list(result.warnings) if result else [],
        "error": str(outcome.error) if outcome.error else None,
    }


def _alert_json(row: AlertRow, title: str | None = None) -> dict[str, Any]:
    return {
        "account": row.account,
        "order_id": row.order_id,
        "kind": row.kind,
        "lead": row.lead,
        "due_at": row.due_at.isoformat(),
        "title": row.title if title is None else title,
        "sent_at": row.sent_at.isoformat() if row.sent_at else None,
        "channels": row.channel.split(",") if row.channel else [],
    }


def outcome_printer(lang: Lang) -> Callable[[dict[str, Any]], None]:
    """`print_outcome` in `lang`, as `App.emit` takes a printer."""
    return lambda summary: print_outcome(summary, lang)


def print_outcome(summary: dict[str, Any], lang: Lang) -> None:
    tz = _zone(summary["marketplace"])
    head = text(
        lang,
        "outcome_head",
        account=f"[bold]{escape(summary['account'])}[/bold]",
        marketplace=summary["marketplace"],
        open=len(summary["open_orders"]),
        read=summary["orders_read"],
        pages=summary["pages_read"],
    )
    _console.print(head)
    if summary["error"]:
        _labelled(lang, "label_error", "red", summary["error"])
    if summary["open_orders"]:
        _console.print(_windows_table(summary["open_orders"], tz, lang))
    for alert in summary["alerts_sent"]:
        _labelled(lang, "label_sent", "green", alert["title"])
    for alert in summary["alerts_deferred"]:
        _labelled(lang, "label_held", "yellow", alert["title"])
    for warning in summary["warnings"]:
        _labelled(lang, "label_warning", "yellow", warning)


def _labelled(lang: Lang, label: str, colour: str, said: str) -> None:
    _console.print(f"  [{colour}]{text(lang, label)}[/{colour}] {escape(said)}")


def _zone(marketplace: str) -> ZoneInfo:
    return ZoneInfo(load_selectors(marketplace).marketplace.timezone)


def _word(lang: Lang, group: str, value: str) -> str:
    """A state word (`status_shipped`, `known_rule`…) in `lang`; a value no table knows
    (a newer database's) is shown as stored."""
    return text(lang, f"{group}_{value}") if f"{group}_{value}" in TEXTS[lang] else value


def _windows_table(orders: list[dict[str, Any]], tz: ZoneInfo, lang: Lang) -> Table:
    table = Table(pad_edge=False)
    for column in ("order", "status", "cancel", "closes", "known", "left", "then"):
        table.add_column(text(lang, f"col_{column}"), no_wrap=True)
    for order in orders:
        window = order["window"]
        table.add_row(
            order["id"],
            _word(lang, "status", order["status"]),
            _word(lang, "state", window["state"]),
            _local(window["closes_at"], tz, lang),
            _word(lang, "known", window["known"]),
            _left(window["seconds_left"], lang),
            _then(order, tz, lang),
        )
    return table


def _then(order: dict[str, Any], tz: ZoneInfo, lang: Lang) -> str:
    """What comes after the cancel window: the return window, when there is one (the
    reasons and steps are `cancelwatch advise ORDER`'s)."""
    ret = order["return_window"]
    if ret and ret["state"] == "open":
        return text(lang, "return_by", when=_local(ret["closes_at"], tz, lang))
    return ""


def _local(iso: str | None, tz: ZoneInfo, lang: Lang) -> str:
    if iso is None:
        return text(lang, "none_shown")
    return clock_time(datetime.fromisoformat(iso), tz)


def _left(seconds: int | None, lang: Lang) -> str:
    if seconds is None:
        return text(lang, "none_shown")
    return span(seconds, lang)


def status_json(
    checks: list[CheckRow],
    open_orders: list[dict[str, Any]],
    pending: list[AlertRow],
    next_checks: list[tuple[str, Planned]],
    now: datetime,
    *,
    lang: Lang,
) -> dict[str, Any]:
    """What `status` and the dashboard show. A reminder still to come is titled as it will
    go out at its moment, in `lang` (not in the language it was planned in)."""
    return {
        "next_checks": [
            {
                "account": account,
                "at": planned.at.isoformat(),
                "seconds_from_now": max(0, int((planned.at - now).total_seconds())),
                "kind": planned.kind,
                "why": planned.why,
            }
            for account, planned in next_checks
        ],
        "last_checks": [
            {
                "account": c.account,
                "finished_at": c.finished_at.isoformat() if c.finished_at else None,
                "result": c.result,
                "error": c.error_message,
                "orders_read": c.orders_read,
            }
            for c in checks
        ],
        "open_orders": open_orders,
        "next_alerts": [_alert_json(r, al.wording_at(r, r.due_at, lang)[0]) for r in pending],
    }


def status_printer(
    lang: Lang, now: datetime, zones: Mapping[str, ZoneInfo]
) -> Callable[[dict[str, Any]], None]:
    """`print_status` in `lang` at `now`, as `App.emit` takes a printer."""
    return lambda summary: print_status(summary, lang, now, zones)


def print_status(
    summary: dict[str, Any], lang: Lang, now: datetime, zones: Mapping[str, ZoneInfo]
) -> None:
    """`zones`: each account's marketplace zone (this computer's for an account without
    one), the wall clock its moments are shown on."""
    if not summary["last_checks"]:
        _console.print(text(lang, "no_check_yet"))
    for check in summary["last_checks"]:
        _console.print(_last_check(check, lang, now, zones.get(check["account"])))
    for planned in summary.get("next_checks", ()):
        account = planned["account"]
        at = datetime.fromisoformat(planned["at"])
        line = text(
            lang,
            "next_check",
            account=f"[bold]{escape(account)}[/bold]",
            when=shown(at, zones.get(account), now, lang),
            why=escape(planned["why"]),  # worded by the planner in `lang`
        )
        _console.print(line)
    by_market: dict[str, list[dict[str, Any]]] = {}
    for order in summary["open_orders"]:
        by_market.setdefault(order["marketplace"], []).append(order)
    for market, orders in by_market.items():
        _console.print(_windows_table(orders, _zone(market), lang))
    if summary["next_alerts"]:
        _console.print(text(lang, "next_alerts"))
        for alert in summary["next_alerts"]:
            due = datetime.fromisoformat(alert["due_at"])
            zone = zones.get(alert.get("account", ""))
            _console.print(f"  {clock_time(due, zone)}  {escape(alert['title'])}")


def _last_check(check: dict[str, Any], lang: Lang, now: datetime, zone: ZoneInfo | None) -> str:
    account = f"[bold]{escape(check['account'])}[/bold]"
    finished = _moment(check["finished_at"])
    when = shown(finished, zone, now, lang) if finished else text(lang, "last_check_unknown_time")
    if check["error"]:
        return text(
            lang, "last_check_failed", account=account, when=when, error=escape(check["error"])
        )
    return text(
        lang,
        "last_check",
        account=account,
        when=when,
        result=_word(lang, "result", check["result"]),
    )


def _moment(iso: str | None) -> datetime | None:
    """A stored moment, or None when the database holds none it can read."""
    try:
        moment = datetime.fromisoformat(iso) if iso else None
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def advice_printer(lang: Lang) -> Callable[[dict[str, Any]], None]:
    """`print_advice` in `lang`, as `App.emit` takes a printer."""
    return lambda order: print_advice(order, lang)


def print_advice(order: dict[str, Any], lang: Lang) -> None:
    tz = _zone(order["marketplace"])
    window = order["window"]
    status = _word(lang, "status", order["status"])
    _console.print(text(lang, "advice_head", order_id=f"[bold]{order['id']}[/bold]", status=status))
    closes = _local(window["closes_at"], tz, lang)
    if window["seconds_left"]:
        rel = text(lang, "moment_in", span=span(window["seconds_left"], lang))
        closes = text(lang, "moment_shown", at=closes, rel=rel)
    state, known = _word(lang, "state", window["state"]), _word(lang, "known", window["known"])
    _console.print(text(lang, "advice_cancel", state=state, when=closes, known=known))
    _console.print(f"  {escape(window['reason'])}")
    ret = order["return_window"]
    if ret:
        when = _local(ret["closes_at"], tz, lang)
        _console.print(
            text(lang, "advice_return", state=_word(lang, "state", ret["state"]), when=when)
        )
    for i, step in enumerate(order["advice"]["steps"], start=1):
        _console.print(f"{i}. {escape(step)}")
    hints = order["advice"]["hints"]
    if hints:  # apart from the steps: a reader must not take a claim for one of them
        _console.print()
        _console.print(escape(text(lang, "advice_elsewhere")))
    for hint in hints:
        _console.print(f"  [dim]{escape(hint)}[/dim]")
