"""What the page shows, worked out from the status payload: times in the marketplace's
zone, windows with their countdowns, the command that fixes a failed check. Pure: the
payload and the moment in, plain values out; the template only lays them out.

Every string here may come from Amazon's pages (item titles, a seller's name in a
window's reason): they stay plain `str`, and the template's autoescaping shows them as
text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from cancelwatch.scheduler.policy.moments import clock_time
from cancelwatch.scheduler.policy.words import TEXTS, Lang, text
from cancelwatch.scraper.read.markup import load_selectors

_COMMAND = re.compile(r"`(cancelwatch [^`\n]{1,200})`")


@dataclass(frozen=True)
class WindowView:
    label: str
    state: str
    closes: str
    """When it closes, in the marketplace's zone, or that it is not known."""
    closes_at: str | None
    """ISO instant, for the countdown."""
    left: str
    known: str
    reason: str
    open: bool
    """Still open (or awaiting an approver, or request-only): its close matters."""


@dataclass(frozen=True)
class OrderView:
    id: str
    placed: str | None
    status: str
    titles: tuple[str, ...]
    url: str | None
    """The order's page, only as an http(s) address."""
    windows: tuple[WindowView, ...]
    steps: tuple[str, ...]


@dataclass(frozen=True)
class CheckView:
    line: str
    ok: bool
    error: str | None
    fixes: tuple[str, ...]


@dataclass(frozen=True)
class AlertView:
    when: str
    title: str
    channels: str = ""


@dataclass(frozen=True)
class AccountView:
    name: str
    marketplace: str
    last_check: CheckView | None
    next_check: str | None
    orders: tuple[OrderView, ...]
    next_alerts: tuple[AlertView, ...]
    sent: tuple[AlertView, ...]


def accounts(payload: Mapping[str, Any], now: datetime, lang: Lang) -> list[AccountView]:
    return [_account(entry, now, lang) for entry in payload["accounts"]]


def _account(entry: Mapping[str, Any], now: datetime, lang: Lang) -> AccountView:
    zone = zone_of(entry["marketplace"])
    status = entry["status"]
    checks = status["last_checks"]
    planned = status["next_checks"]
    return AccountView(
        name=entry["account"],
        marketplace=entry["marketplace"],
        last_check=_check(checks[0], zone, lang) if checks else None,
        next_check=_next(planned[0], zone, lang) if planned else None,
        orders=tuple(_order(o, zone, now, lang) for o in status["open_orders"]),
        next_alerts=tuple(
            AlertView(when(a["due_at"], zone), a["title"]) for a in status["next_alerts"]
        ),
        sent=tuple(_sent(s, zone, lang) for s in entry["sent"]),
    )


def as_of(payload: Mapping[str, Any], now: datetime) -> str:
    """The page's moment on the wall clock of each marketplace it shows, with the zone's
    abbreviation ("11-26 12:00 JST", "11-26 12:00 JST / 11-25 22:00 EST" for two); this
    computer's clock when it shows no account."""
    zones = dict.fromkeys(zone_of(entry["marketplace"]) for entry in payload["accounts"])
    return " / ".join(clock_time(now, zone) for zone in zones or [None])


def zone_of(marketplace: str) -> ZoneInfo:
    return ZoneInfo(load_selectors(marketplace).marketplace.timezone)


def js_instant(moment: datetime) -> str:
    """An instant as the page's script parses it everywhere: UTC, to the millisecond."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def when(iso: str, zone: ZoneInfo) -> str:
    """An ISO instant as the marketplace's wall clock: "2026-11-26 12:05 JST"."""
    return datetime.fromisoformat(iso).astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _check(check: Mapping[str, Any], zone: ZoneInfo, lang: Lang) -> CheckView:
    at = when(check["finished_at"], zone) if check["finished_at"] else "?"
    ok = check["result"] == "ok"
    error = check["error"]
    line = text(
        lang, "dash_check_ok" if ok else "dash_check_failed", when=at, orders=check["orders_read"]
    )
    return CheckView(line, ok, error, fix_commands(error) if error else ())


def fix_commands(message: str) -> tuple[str, ...]:
    """The commands a check's error message tells the user to run (`cancelwatch login
    --account main`), in its order, each once."""
    return tuple(dict.fromkeys(_COMMAND.findall(message)))


def _next(planned: Mapping[str, Any], zone: ZoneInfo, lang: Lang) -> str:
    left = span(planned["seconds_from_now"], lang)
    return text(
        lang, "dash_next_check_at", when=when(planned["at"], zone), left=left, why=planned["why"]
    )


def _order(order: Mapping[str, Any], zone: ZoneInfo, now: datetime, lang: Lang) -> OrderView:
    windows = [
        _window(text(lang, key), order[field], zone, now, lang)
        for key, field in (
            ("dash_cancel_window", "window"),
            ("dash_return_window", "return_window"),
        )
        if order.get(field) is not None
    ]
    return OrderView(
        id=order["id"],
        placed=text(lang, "dash_placed_on", date=order["placed_on"])
        if order["placed_on"]
        else None,
        status=_word(lang, "status", order["status"]),
        titles=tuple(i["title"] for i in order.get("items", ()) if i.get("title")),
        url=web_address(order.get("url")),
        windows=tuple(windows),
        steps=tuple(order["advice"]["steps"]),
    )


def _window(
    label: str, window: Mapping[str, Any], zone: ZoneInfo, now: datetime, lang: Lang
) -> WindowView:
    closes_at = window["closes_at"]
    left = ""
    if closes_at is not None:
        seconds = (datetime.fromisoformat(closes_at) - now).total_seconds()
        left = countdown(seconds, lang)
    return WindowView(
        label=label,
        state=_word(lang, "state", window["state"]),
        closes=text(lang, "dash_closes", when=when(closes_at, zone))
        if closes_at
        else text(lang, "dash_closes_unknown"),
        closes_at=js_instant(datetime.fromisoformat(closes_at)) if closes_at else None,
        left=left,
        known=_word(lang, "known", window["known"]),
        reason=window["reason"],
        open=window["state"] not in ("closed", "cancelled"),
    )


def _word(lang: Lang, prefix: str, value: str) -> str:
    key = f"dash_{prefix}_{value}"
    return text(lang, key) if key in TEXTS[lang] else value


def _sent(sent: Mapping[str, Any], zone: ZoneInfo, lang: Lang) -> AlertView:
    channels = ", ".join(sent["channels"])
    at = when(sent["sent_at"], zone)
    return AlertView(at, sent["title"], text(lang, "dash_sent_on", when=at, channels=channels))


def countdown(seconds: float, lang: Lang) -> str:
    """Time left as the page's script also writes it, in whole seconds rounded up:
    "4:59", "2:03:04", "2d 03:04:05"; `closed` once it has run out. Keep in step with
    dashboard.js."""
    if seconds <= 0:
        return text(lang, "dash_closed")
    whole = math.ceil(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours}:{minutes:02d}:{secs:02d}" if hours or days else f"{minutes}:{secs:02d}"
    if days:
        clock = f"{days}{text(lang, 'dash_day_unit')} {hours:02d}:{minutes:02d}:{secs:02d}"
    return clock


def span(seconds: int, lang: Lang) -> str:
    """A coarse duration for the next check: "3 h 5 min", "12 min"."""
    days, rest = divmod(max(0, seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return text(lang, "dash_left_days", days=days, hours=hours)
    if hours:
        return text(lang, "dash_left_hours", hours=hours, minutes=minutes)
    return text(lang, "dash_left_minutes", minutes=minutes)


def web_address(url: object) -> str | None:
    """`url` when it is an http(s) address; None for anything else (javascript:, data:)."""
    if not isinstance(url, str) or len(url) > 2000:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.hostname else None
