"""The calendar feed as iCalendar bytes: what `cancelwatch calendar` writes and the
dashboard serves as /calendar.ics.

From the database only (no browser, no network), so a web request may call it. Each
window with a known or estimated close is an event that ends at the close (a release day
is an all-day event), in its marketplace's time zone, titled in the user's language with
the item and the order id; estimated closes say so. The order page is its URL, the advice
its description, and each configured alert lead still ahead is an alarm. UIDs are stable
(`events.uid_for`); `State.export_events` keeps what was exported, so a moved window comes
with a higher SEQUENCE and a vanished one with STATUS:CANCELLED.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone
from icalendar.prop import vDuration

from cancelwatch.scheduler.config.settings import Config
from cancelwatch.scheduler.feed.events import KEEP, Dated, dated
from cancelwatch.scheduler.policy.assess import Assessment
from cancelwatch.scheduler.policy.context import order_items
from cancelwatch.scheduler.policy.words import Lang, text
from cancelwatch.scheduler.state.store import ExportedEvent, State, StoredOrder
from cancelwatch.scheduler.watch.monitor import FromState
from cancelwatch.scraper.read.markup import Marketplace, load_selectors
from cancelwatch.scraper.read.model import Order, order_from_json

LENGTH = timedelta(minutes=30)
"""An event ends at the close and lasts this long: a deadline at the end of a day shows
on that day (23:30–24:00), not at 00:00 of the next."""

ITEM_CHARS = 80


@dataclass(frozen=True)
class _Known:
    """What the words of one event come from."""

    stored: StoredOrder | None
    order: Order | None
    assessment: Assessment | None
    dated: Dated | None
    """None for an event not computed now (passed, or gone)."""


def calendar_ics(
    state: State, cfg: Config, now: datetime, lang: Lang, *, account: str | None = None
) -> bytes:
    """The feed at `now` for every account's orders (or only `account`'s), recording in
    `state` what it exported."""
    run = _Export(cfg, now, lang)
    assess = FromState(state, cfg, now, lang)
    known: dict[tuple[str, str], _Known] = {}
    for stored in state.orders(account):
        order, assessment = assess(stored)
        zone = run.zone(stored)
        for found in dated(
            stored.account, order, assessment, zone=zone, alerts=cfg.alerts, now=now
        ):
            key = (stored.account, found.event.uid)
            known[key] = _Known(stored, order, assessment, found)
    exported = state.export_events(
        [k.dated.event for k in known.values() if k.dated is not None],
        accounts=None if account is None else {account},
        now=now,
        keep=KEEP,
    )
    vevents = [
        _vevent(
            event, known.get((event.event.account, event.event.uid)) or _earlier(state, event), run
        )
        for event in sorted(exported, key=lambda e: (e.event.at, e.event.uid))
    ]
    calendar = _calendar(lang)
    # Each zone a TZID names, defined before the events that use it.
    for tzid in sorted(run.used):
        calendar.add_component(_vtimezone(tzid))
    for vevent in vevents:
        calendar.add_component(vevent)
    return bytes(calendar.to_ical())


@dataclass
class _Export:
    """One export's settings, and each marketplace's table read once, not per event."""

    cfg: Config
    now: datetime
    lang: Lang
    markets: dict[str, Marketplace] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    """The zones the events' times name (TZID)."""

    def market(self, name: str) -> Marketplace:
        if name not in self.markets:
            self.markets[name] = load_selectors(name).marketplace
        return self.markets[name]

    def zone(self, stored: StoredOrder) -> ZoneInfo:
        return ZoneInfo(self.market(stored.marketplace).timezone)

    def local(self, instant: datetime, stored: StoredOrder | None) -> datetime:
        """`instant` in its marketplace's zone (noted as used); in UTC without an order."""
        if stored is None:
            return instant.astimezone(UTC)
        zone = self.zone(stored)
        self.used.add(zone.key)
        return instant.astimezone(zone)


@functools.cache
def _vtimezone(tzid: str) -> Timezone:
    # Worked out from the zone's rules once per process: it takes longer than the events.
    # Never changed after, so every export may add the same one.
    return Timezone.from_tzid(tzid)


def _calendar(lang: Lang) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//cancelwatch//order deadlines//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    name = text(lang, "feed_calendar_name")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("description", text(lang, "feed_calendar_about"))
    # How often a subscribed calendar should fetch the feed again.
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    return calendar


def _earlier(state: State, event: ExportedEvent) -> _Known:
    stored = state.order(event.event.order_id, event.event.account)
    order = order_from_json(stored.order) if stored is not None else None
    return _Known(stored, order, None, None)


def _vevent(exported: ExportedEvent, about: _Known, run: _Export) -> Event:
    ev, now, lang = exported.event, run.now, run.lang
    title = _title(lang, ev.kind, ev.estimated, about.order, ev.order_id)
    vevent = Event()
    vevent.add("uid", ev.uid)
    vevent.add("dtstamp", now.astimezone(UTC))
    vevent.add("sequence", exported.sequence)
    if ev.kind == "release":
        day = (ev.at.astimezone(run.zone(about.stored)) if about.stored else ev.at).date()
        vevent.add("dtstart", day)
        vevent.add("dtend", day + timedelta(days=1))
    else:
        vevent.add("dtstart", run.local(ev.at - LENGTH, about.stored))
        vevent.add("dtend", run.local(ev.at, about.stored))
    vevent.add("transp", "TRANSPARENT")  # a deadline does not make you busy
    if about.stored is not None and about.order is not None:
        vevent.add("url", _order_url(run, about.stored, about.order))
    if exported.cancelled_at is not None:
        vevent.add("status", "CANCELLED")
        vevent.add("summary", text(lang, "feed_gone") + title)
        vevent.add("description", _clean(text(lang, "feed_gone_body", order=ev.order_id)))
        return vevent
    vevent.add("status", "CONFIRMED")
    vevent.add("summary", title)
    if about.dated is None or about.assessment is None:
        when = f"{run.local(ev.at, about.stored):%Y-%m-%d %H:%M %Z}"
        vevent.add("description", text(lang, "feed_passed_body", when=when))
        return vevent
    vevent.add("description", _clean(_body(lang, about.dated, about.assessment)))
    for alarm in _alarms(about.dated, title, now):
        vevent.add_component(alarm)
    return vevent


def _body(lang: Lang, found: Dated, assessment: Assessment) -> str:
    if found.window is not None:
        head = found.window.reason
    else:
        head = text(lang, "feed_release_body", date=f"{found.day}")
    steps = [f"{i}. {step}" for i, step in enumerate(assessment.advice.steps, start=1)]
    return "\n".join([head, text(lang, "feed_next"), *steps] if steps else [head])


def _alarms(found: Dated, title: str, now: datetime) -> Iterable[Alarm]:
    """One alarm per lead still ahead: one already past would pop up as missed."""
    for lead in sorted(set(found.leads), reverse=True):
        if found.event.at - lead <= now:
            continue
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", title)
        # Relative to the start, which every calendar program reads (RELATED=END not all).
        alarm.add("trigger", _Exact(LENGTH - lead))
        yield alarm


class _Exact(vDuration):
    """A duration in hours, minutes and seconds only. RFC 5545 counts a "D" as a calendar
    day (23 or 25 hours across a DST change); a lead is exact, as the alerts count it."""

    def to_ical(self) -> bytes:
        seconds = int(self.td.total_seconds())
        sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
        hours, rest = divmod(seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{sign}PT{hours}H{minutes}M{seconds}S".encode()


def _title(lang: Lang, kind: str, estimated: bool, order: Order | None, order_id: str) -> str:
    values = {
        "label": text(lang, f"feed_{kind}"),
        "estimated": text(lang, "feed_estimated") if estimated else "",
        "order": _one_line(order_id),
    }
    item = _item(order) if order is not None else None
    if item is None:
        return text(lang, "feed_title_no_item", **values)
    return text(lang, "feed_title", item=item, **values)


def _item(order: Order) -> str | None:
    titles = [t for i in order_items(order) if i.title and (t := _one_line(i.title))]
    if not titles:
        return None
    first = titles[0] if len(titles[0]) <= ITEM_CHARS else titles[0][: ITEM_CHARS - 1] + "…"
    return first + (f" (+{len(titles) - 1})" if len(titles) > 1 else "")


def _one_line(text: str) -> str:
    """A title as one line: a calendar lists it in a row."""
    return " ".join(_clean(text).split())


def _clean(text: str) -> str:
    """Page text without the characters iCalendar text may not hold (controls but tab and
    newline) or UTF-8 cannot (lone surrogates): item titles and seller names are the
    page's, and a hostile page may carry any."""
    return _UNWRITABLE.sub("", text)


_UNWRITABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
"""Unicode's control characters (category Cc) but tab and newline, and lone surrogates."""


def _order_url(run: _Export, stored: StoredOrder, order: Order) -> str:
    """The order's page on the site it was read from (the demo store's for the demo)."""
    market = run.market(stored.marketplace)
    account = run.cfg.accounts.get(stored.account)
    base = (account.base_url if account is not None else None) or market.base_url
    fallback = urljoin(base, market.order_details_url.format(order_id=order.id))
    url = urljoin(base, order.details_url) if order.details_url else fallback
    # A link the page gave must stay a web address on that site, not javascript: or another host.
    same_site = urlsplit(url).scheme in ("https", "http") and (
        urlsplit(url).hostname == urlsplit(base).hostname
    )
    return url if same_site else fallback
