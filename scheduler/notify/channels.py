"""Tell the user: a desktop notification, optional extra channels, and the console.

A `Notifier` sends each `Notice` through its channels (each a `channel.Channel`) in the
order `Lineup.in_order` gives, the one place that order lives: the desktop (`desktop`),
then each Apprise URL of the config (`apprise_urls`), then, only when the desktop did not
take the notice, the console (`console`), which also writes it to the log: a notice is
never lost. A failing channel is an error in the returned `Delivery` and a log line,
never an exception.

Each channel is a step of its own. `send` takes a `Progress` (the dispatcher's record in
the state database), told before each channel is tried and as soon as it returns, which
also says what an earlier send of the same notice, cut off by a crash, already did: a
channel that has the notice is skipped; one whose attempt was cut off gets it again, its
title marked "(repeat)" /「（再送）」.

The notice and delivery values live in `notice` and are importable from here too.
"""

from __future__ import annotations

import logging
import webbrowser
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Final, TextIO

from cancelwatch.scheduler.notify.apprise_urls import apprise_channels
from cancelwatch.scheduler.notify.channel import Channel
from cancelwatch.scheduler.notify.console import Console
from cancelwatch.scheduler.notify.desktop import Desktop
from cancelwatch.scheduler.notify.notice import (
    Attempt,
    Delivery,
    Notice,
    Progress,
    Urgency,
    default_lang,
    normalise_lang,
    text,
    urgency_for,
)
from cancelwatch.scheduler.policy.words import Lang
from cancelwatch.scheduler.policy.words import text as words

__all__ = [
    "Attempt",
    "Delivery",
    "Lineup",
    "Notice",
    "Notifier",
    "Progress",
    "Urgency",
    "default_lang",
    "deliver",
    "urgency_for",
]

logger = logging.getLogger(__name__)

LOGGED: Final = "log"
"""Where a `Delivery` says a notice went when the fallback could not show it: the log."""


@dataclass(frozen=True)
class Lineup:
    """A Notifier's channels, by the part each plays."""

    desktop: Channel | None
    """Shown on this machine: when it takes the notice, the fallback is not needed."""
    extras: tuple[Channel, ...]
    """Sent every notice, whatever the desktop did."""
    fallback: Channel
    """Sent the notice only when the desktop did not take it. It must log every notice:
    when it cannot show one, the log is where the notice went, not a failure."""

    def in_order(self) -> tuple[Channel, ...]:
        """The order channels are tried in: the desktop, the extras as configured, and the
        fallback last, once it is known whether the desktop took the notice."""
        return (*((self.desktop,) if self.desktop is not None else ()), *self.extras, self.fallback)


class _Unrecorded:
    """A send nobody records: every channel tried once."""

    def begin(self, channel: str) -> Attempt:
        return Attempt.FIRST

    def end(self, channel: str, error: str | None) -> None:
        return None


_UNRECORDED: Final = _Unrecorded()


def repeated(notice: Notice, lang: str) -> Notice:
    """`notice` marked as a repeat: "… (repeat)", 「…（再送）」."""
    return replace(notice, title=text(lang, "repeat").format(title=notice.title))


def deliver(lineup: Lineup, notice: Notice, progress: Progress, lang: str) -> Delivery:
    """Send `notice` through `lineup`'s channels in order (see `Notifier.send`)."""
    went: list[str] = []
    errors: list[str] = []
    desktop = False
    for channel in lineup.in_order():
        if channel is lineup.fallback and desktop:
            continue
        has_it, where, error = _step(lineup, channel, notice, progress, lang)
        if where is not None:
            went.append(where)
        if error is not None:
            errors.append(f"{channel.name}: {error}")
            _log_failure(channel, error, lang, desktop=channel is lineup.desktop)
        if channel is lineup.desktop:
            desktop = has_it
    logger.info(
        "notice %s (%s) sent via %s: %s",
        notice.key or "-",
        notice.urgency.value,
        ", ".join(went) or "nothing new",
        notice.title,
    )
    return Delivery(channels=tuple(went), desktop=desktop, errors=tuple(errors))


def _step(
    lineup: Lineup, channel: Channel, notice: Notice, progress: Progress, lang: str
) -> tuple[bool, str | None, str | None]:
    """One channel's turn: whether it has the notice (now or from an earlier send), where
    the notice went this time, and the channel's error."""
    attempt = progress.begin(channel.name)
    if attempt is Attempt.DONE:
        return True, None, None
    shown = repeated(notice, lang) if attempt is Attempt.REPEAT else notice
    where, error = _send(channel, shown, last_resort=channel is lineup.fallback)
    progress.end(channel.name, error)
    return error is None, where if error is None else None, error


def _send(channel: Channel, notice: Notice, *, last_resort: bool) -> tuple[str, str | None]:
    """Where `notice` went and the channel's error, if any."""
    try:
        error = channel.send(notice)
    except Exception as exc:  # a bug in a channel must not cost the others
        return channel.name, type(exc).__name__
    if error is not None and last_resort:
        return LOGGED, None  # the fallback logged it: not shown, but not lost
    return channel.name, error


def _log_failure(channel: Channel, error: str, lang: str, *, desktop: bool) -> None:
    if desktop:
        logger.warning("%s", words(_lang(lang), "log_desktop_failed", error=error))
    else:
        said = words(_lang(lang), "log_channel_failed", channel=channel.name, error=error)
        logger.warning("%s", said)


def _lang(lang: str) -> Lang:
    return "ja" if lang == "ja" else "en"


class Notifier:
    """Sends each `Notice` to the desktop, the extra channels, and, when the desktop did
    not take it, to the console and the log. Safe to call from any thread."""

    def __init__(
        self,
        *,
        desktop: bool = True,
        apprise_urls: Sequence[str] = (),
        lang: str = "en",
        console: TextIO | None = None,
        app_name: str = "cancelwatch",
        open_url: Callable[[str], object] = webbrowser.open,
    ) -> None:
        normalised = normalise_lang(lang)
        if normalised is None:
            raise ValueError(f"unsupported language {lang!r}: use 'ja' or 'en'")
        self._lang = normalised
        self._lineup = Lineup(
            desktop=(
                Desktop(app_name, open_url, text(normalised, "open"), _lang(normalised))
                if desktop
                else None
            ),
            extras=tuple(apprise_channels(apprise_urls, app_name)),
            fallback=Console(console, app_name, normalised),
        )

    def __enter__(self) -> Notifier:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Let go of every channel's connection (the desktop's: a button pressed later no
        longer opens the page)."""
        for channel in self._lineup.in_order():
            channel.close()

    def send(self, notice: Notice, progress: Progress | None = None) -> Delivery:
        """Send `notice` to the desktop, to each Apprise URL, and, when the desktop does
        not have it, to the console (or the log): never nowhere.

        `progress` records each channel the moment it is tried and the moment it returns,
        and tells what an earlier send of the same notice, cut off by a crash, already
        did: a channel that has the notice is skipped; one whose attempt was cut off gets
        it again, its title marked as a repeat; the others get it as usual.
        """
        return deliver(self._lineup, notice, progress or _UNRECORDED, self._lang)
