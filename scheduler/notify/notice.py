"""What a notification is, what became of it, and the words every channel shares.

A `Notice` is what the user is told; a `Delivery`, where it went. `Attempt` and `Progress`
let a send resume one that a crash cut off (see `channels`). The urgency of an alert
follows from how long before its window closes it goes out; the language, from the config
or the user's locale.
"""

from __future__ import annotations

import locale
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Final, Protocol

from cancelwatch.scheduler.policy.urgency import Urgency

__all__ = [
    "CRITICAL_LEAD",
    "LANGUAGES",
    "NORMAL_LEAD",
    "Attempt",
    "Delivery",
    "Notice",
    "Progress",
    "Urgency",
    "default_lang",
    "normalise_lang",
    "text",
    "urgency_for",
]

CRITICAL_LEAD: Final = timedelta(minutes=30)
"""A window closing this soon (or already closed) is critical."""
NORMAL_LEAD: Final = timedelta(hours=3)
"""A window closing within this is normal; anything further off is low."""

LANGUAGES: Final = ("en", "ja")

_TEXTS: Final[Mapping[str, Mapping[str, str]]] = {
    "en": {
        "open": "Open order",
        "notice": "Notice",
        "urgent": "Urgent",
        "repeat": "{title} (repeat)",
    },
    "ja": {
        "open": "注文を表示",
        "notice": "お知らせ",
        "urgent": "至急",
        "repeat": "{title}（再送）",
    },
}


@dataclass(frozen=True)
class Notice:
    title: str
    body: str
    url: str | None = None
    """The order page, opened by the notification's button (and by clicking it)."""
    urgency: Urgency = Urgency.NORMAL
    key: str = ""
    """The alert's unique key: for the log, and the desktop notification's identifier
    where the platform replaces a notification of the same identifier."""


@dataclass(frozen=True)
class Delivery:
    channels: tuple[str, ...]
    """Where the notice went in this send: "desktop", "console", "log",
    "apprise:<scheme>" (a second URL of the same scheme: "apprise:<scheme>#2", ...)."""
    desktop: bool
    """Whether the desktop has the notification (from this send or an earlier one)."""
    errors: tuple[str, ...] = ()
    """One line per channel that failed (URLs reduced to their scheme)."""


class Attempt(Enum):
    """What a channel does with a notice, by what an earlier send of it recorded."""

    FIRST = "first"
    """Never tried, or tried and failed: send it."""
    REPEAT = "repeat"
    """An earlier attempt was cut off (cancelwatch was killed in the middle): it may have
    arrived, so it is sent again marked as a repeat."""
    DONE = "done"
    """The channel already took it: skip it."""


class Progress(Protocol):
    """Where a send records each channel's delivery the moment it is known (the state
    database), and learns what an interrupted earlier send of the same notice did."""

    def begin(self, channel: str) -> Attempt:
        """Called before `channel` is tried; records the attempt unless DONE."""
        ...

    def end(self, channel: str, error: str | None) -> None:
        """Called as soon as `channel` returns: delivered (`error` None) or failed."""
        ...


def urgency_for(lead: timedelta | None) -> Urgency:
    """The urgency of an alert sent `lead` before its window closes.

    None is an alert about a change of state (shipped, cancelled by Amazon, ...): normal.
    A lead of 30 minutes or less (also a negative one: the window closed while we were
    away) is critical; up to 3 hours is normal; anything earlier is low.
    """
    if lead is None:
        return Urgency.NORMAL
    if lead <= CRITICAL_LEAD:
        return Urgency.CRITICAL
    if lead <= NORMAL_LEAD:
        return Urgency.NORMAL
    return Urgency.LOW


def text(lang: str, key: str) -> str:
    """A word the channels share ("open", "notice", "urgent", "repeat") in `lang`."""
    return _TEXTS[lang][key]


def normalise_lang(value: str) -> str | None:
    """ "ja" or "en" for a language or locale name ("ja_JP.UTF-8", "EN-us"), else None."""
    lowered = value.strip().lower()
    for lang in LANGUAGES:
        if lowered == lang or lowered.startswith((f"{lang}_", f"{lang}-", f"{lang}.")):
            return lang
    return None


def default_lang(config_value: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """ "ja" or "en": the config's choice, else the user's locale.

    The config may say "ja", "en" (or a locale such as "ja_JP"), or "auto"/nothing for
    the locale: LC_ALL, LC_MESSAGES, LANG in POSIX order, then the process locale (which
    is how Windows reports "Japanese_Japan"). Anything Japanese gives "ja"; the rest "en".
    Raises ValueError for any other configured language.
    """
    if config_value is not None and config_value.strip().lower() not in ("", "auto"):
        lang = normalise_lang(config_value)
        if lang is None:
            raise ValueError(f"unsupported language {config_value!r}: use 'ja', 'en' or 'auto'")
        return lang
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    if environ is None:
        try:
            current = locale.getlocale()[0] or ""
        except ValueError:  # macOS: "unknown locale: UTF-8"
            current = ""
        if current.lower().startswith("ja"):
            return "ja"
    return "en"
