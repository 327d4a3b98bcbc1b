"""Moments as people read them: on the wall clock of the order's marketplace with its
zone's abbreviation ("12-20 00:00 JST"), and how far away they are ("in 3 h", 「あと3時間」,
"10 minutes ago", 「10分前」), from a `now` the caller passes in. JSON keeps ISO 8601."""

from __future__ import annotations

from datetime import datetime, tzinfo

from cancelwatch.scheduler.policy.words import Lang, text

_MINUTE, _HOUR, _DAY = 60, 3600, 86400


def clock_time(instant: datetime, zone: tzinfo | None) -> str:
    """Month, day and minute on `zone`'s wall clock, with the abbreviation in force then
    (EST or EDT, GMT or BST): "12-20 00:00 JST". No zone: this computer's."""
    local = instant.astimezone(zone)
    return f"{local:%m-%d %H:%M} {local.tzname()}"


def span(seconds: float, lang: Lang) -> str:
    """A length of time, short, rounded down (a deadline never looks further than it is):
    "5 d" from two days, "3 h 20 min" below, "4 min" below an hour. To the nearest second
    first, as an alert counts the time left (watch/alerts.py): at one moment the table
    and the alert say the same."""
    whole = max(0, round(seconds))
    if whole >= 2 * _DAY:
        return text(lang, "span_days", n=whole // _DAY)
    hours, rest = divmod(whole, _HOUR)
    if hours:
        if rest < _MINUTE:
            return text(lang, "span_hours", n=hours)
        return text(lang, "span_hours_minutes", h=hours, m=rest // _MINUTE)
    return text(lang, "span_minutes", n=rest // _MINUTE)


def relative(instant: datetime, now: datetime, lang: Lang) -> str:
    """How far `instant` is from `now`: "in 3 h", or "10 minutes ago" (rounded down,
    in the largest whole unit) for one past."""
    ahead = (instant - now).total_seconds()
    if ahead >= _MINUTE:
        return text(lang, "moment_in", span=span(ahead, lang))
    if ahead >= 0:
        return text(lang, "moment_soon")
    if -ahead < _MINUTE:
        return text(lang, "moment_now")
    return text(lang, "moment_ago", span=_elapsed(-ahead, lang))


def _elapsed(seconds: float, lang: Lang) -> str:
    for unit, size in (("day", _DAY), ("hour", _HOUR), ("minute", _MINUTE)):
        n = int(seconds // size)
        if n >= (2 if unit == "day" else 1):
            return text(lang, unit) if n == 1 else text(lang, unit + "s", n=n)
    return text(lang, "minute")


def shown(instant: datetime, zone: tzinfo | None, now: datetime, lang: Lang) -> str:
    """The wall-clock moment and how far it is: "11-30 23:13 JST (10 minutes ago)"."""
    return text(
        lang, "moment_shown", at=clock_time(instant, zone), rel=relative(instant, now, lang)
    )
