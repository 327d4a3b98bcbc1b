"""What to check when, and the limits every check keeps: pure, the clock passed in.

A check is planned at the earliest of: the interval after the last check (with jitter),
shortly before each lead of every open window whose close is known or estimated (so the
alert goes out with fresh facts), a faster cadence while an order is young and its window
unknown, and a request (a mail said "look now"). Whatever was planned, the limits then
decide the moment: a minimum gap between the starts of two checks and a daily ceiling,
both counted from the checks recorded in state.db, so they hold across processes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from cancelwatch.scheduler.config.settings import Config
from cancelwatch.scheduler.policy.assess import Known
from cancelwatch.scheduler.policy.words import Lang, text
from cancelwatch.scheduler.state.rows import iso_duration
from cancelwatch.scraper.errors import CancelwatchError

LEAD_MARGIN = timedelta(minutes=2)
"""How long before a lead its check runs: long enough for a check to read the pages."""
DAY = timedelta(days=1)

INTERVAL = "interval"
LEAD = "lead"
YOUNG = "young"
REQUESTED = "requested"
FIRST = "first"

BY_MAIL = "plan_mail"
ON_DASHBOARD = "plan_dashboard"
"""Who asked for a check (`requested`): the key of its words in policy/words/planning.py."""


class TooSoon(CancelwatchError):
    """A check asked for inside the limits: nothing was done, the message says when."""

    exit_code = 1


@dataclass(frozen=True)
class Watched:
    """One open window of an order, as the planner needs it."""

    order_id: str
    closes_at: datetime | None
    known: str
    """`Known`'s value: "unknown" has no close to plan by."""
    leads: tuple[timedelta, ...]
    first_seen: datetime


@dataclass(frozen=True)
class Cadence:
    interval: timedelta
    jitter: timedelta
    young_every: timedelta
    young_for: timedelta

    @classmethod
    def of(cls, cfg: Config) -> Cadence:
        w = cfg.watch
        return cls(
            interval=timedelta(minutes=w.interval_minutes),
            jitter=timedelta(seconds=w.jitter_seconds),
            young_every=timedelta(minutes=w.young_every_minutes),
            young_for=timedelta(minutes=w.young_for_minutes),
        )


@dataclass(frozen=True)
class Limits:
    min_gap: timedelta
    max_per_day: int

    @classmethod
    def of(cls, cfg: Config) -> Limits:
        return cls(timedelta(minutes=cfg.watch.min_gap_minutes), cfg.watch.max_checks_per_day)


@dataclass(frozen=True)
class Planned:
    at: datetime
    kind: str
    """interval, lead, young, requested or first."""
    why: str
    """Plain words in the user's language, as `status` and the dashboard show them:
    "before the 30 min reminder of 249-…"."""


def plan(
    windows: Iterable[Watched],
    *,
    last_start: datetime | None,
    now: datetime,
    cadence: Cadence,
    lang: Lang,
    spread: float = 0.0,
    requested: str | None = None,
) -> Planned:
    """The next check, before the limits: the earliest of what each reason asks for,
    worded in `lang`. `spread` in [-1, 1] draws the jitter (the caller's random number, so
    this stays pure); `requested` is who asked for a check now (BY_MAIL, ON_DASHBOARD)."""
    if last_start is None:
        return Planned(now, FIRST, text(lang, "plan_first"))
    interval_at = last_start + cadence.interval + cadence.jitter * spread
    candidates = [Planned(interval_at, INTERVAL, text(lang, "plan_interval"))]
    if requested is not None:
        candidates.append(Planned(now, REQUESTED, text(lang, requested)))
    for window in windows:
        candidates += _for_window(window, last_start, now, cadence, lang)
    best = min(candidates, key=lambda p: p.at)
    # A moment already past (the machine slept through it) is one check now, not a backlog.
    return best if best.at >= now else Planned(now, best.kind, best.why)


def _for_window(
    w: Watched, last_start: datetime, now: datetime, c: Cadence, lang: Lang
) -> list[Planned]:
    if w.known == Known.UNKNOWN.value or w.closes_at is None:
        young_until = w.first_seen + c.young_for
        at = last_start + c.young_every
        return [Planned(at, YOUNG, text(lang, "plan_young"))] if at < young_until else []
    planned = []
    for lead in w.leads:
        at = w.closes_at - lead - LEAD_MARGIN
        # A check started after that moment already read fresh facts for this lead.
        if at > last_start and w.closes_at - lead > now - LEAD_MARGIN:
            why = text(lang, "plan_lead", lead=_span(lead, lang), order_id=w.order_id)
            planned.append(Planned(at, LEAD, why))
    return planned


def _span(lead: timedelta, lang: Lang) -> str:
    minutes = int(lead.total_seconds() // 60)
    if not minutes:
        return iso_duration(lead)
    if minutes % (24 * 60) == 0:
        return text(lang, "span_days", n=minutes // (24 * 60))
    if minutes % 60 == 0:
        return text(lang, "span_hours", n=minutes // 60)
    return text(lang, "span_minutes", n=minutes)


# -- the limits ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Allowed:
    at: datetime
    """The earliest moment a check may start."""
    because: str | None
    """The limit that holds it back, None when free: the setting as config.toml writes it
    ("[watch] min_gap_minutes = 5"), the same in every language."""


def earliest_allowed(starts: Sequence[datetime], now: datetime, limits: Limits) -> Allowed:
    """When the next check may start, from the starts of the recent checks (any order):
    `min_gap` after the latest, and no more than `max_per_day` in any 24 hours."""
    at, because = now, None
    if starts:
        gap_end = max(starts) + limits.min_gap
        if gap_end > at:
            minutes = limits.min_gap.total_seconds() / 60
            at, because = gap_end, f"[watch] min_gap_minutes = {minutes:g}"
    day = sorted(s for s in starts if s > now - DAY)
    if len(day) >= limits.max_per_day:
        # The day frees a place when the oldest check that fills it is 24 hours old.
        frees = day[len(day) - limits.max_per_day] + DAY
        if frees > at:
            at, because = frees, f"[watch] max_checks_per_day = {limits.max_per_day}"
    return Allowed(at, because)


def limited(planned: Planned, allowed: Allowed, lang: Lang) -> Planned:
    """The planned check, moved to the limits' earliest moment when it comes before it; its
    reason then names the limit, so `status` tells why it waits."""
    if planned.at >= allowed.at:
        return planned
    why = planned.why
    if allowed.because is not None:
        why = text(lang, "plan_held", why=why, limit=allowed.because)
    return Planned(allowed.at, planned.kind, why)


Spread = Callable[[], float]


def local_time(moment: datetime, zone: tzinfo | None) -> str:
    """A moment on the wall clock of `zone` (the account's marketplace), to the second,
    with the abbreviation in force then, as the tables show times: when a check may run.
    No zone: this computer's."""
    local = moment.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M:%S} {local.tzname()}"
