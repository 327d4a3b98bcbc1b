"""Fault switches: the ways a real Amazon session goes wrong, on demand.

Each is a name that can be set when the store starts and changed while it runs. The
store asks `FaultSet` whether one is on; the page transforms below apply the markup ones.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Fault(StrEnum):
    SLOW = "slow"
    """Every response waits `slow_seconds` first."""
    HTTP_503 = "http-503"
    """Order pages answer 503 with Amazon's error page."""
    TRUNCATED = "truncated-html"
    """Order pages stop half-way through their HTML."""
    MARKUP_DRIFT = "markup-drift"
    """Order pages rename the classes the selectors rely on and reword the labels beside
    the values (a redesign nothing reads any more); the count still shows."""
    CLASS_DRIFT = "class-drift"
    """Order pages rename the same classes but keep the labels: the label tier reads them."""
    SESSION_EXPIRY = "session-expiry"
    """The session ends at the first list page past page 1 (once per switch-on)."""
    CAPTCHA = "captcha"
    """Sign-in asks for a CAPTCHA after the password."""
    WAF = "waf"
    """Every page is an AWS WAF challenge until the browser holds its token cookie."""
    JS_RENDER = "js-render"
    """List pages are an empty shell whose script inserts the cards after a delay."""


def parse_faults(names: Iterable[str | Fault] | str) -> frozenset[Fault]:
    """Fault names from a list or a comma-separated string; unknown names are errors."""
    if isinstance(names, str):
        names = [n for n in names.split(",") if n.strip()]
    found = set()
    for name in names:
        try:
            found.add(Fault(str(name).strip()))
        except ValueError:
            known = ", ".join(f.value for f in Fault)
            raise ValueError(f"unknown fault {name!r}; known: {known}") from None
    return frozenset(found)


@dataclass(frozen=True)
class FaultOptions:
    slow_seconds: float = 2.0
    js_delay_ms: int = 1500
    truncate_at: float = 0.5
    """Fraction of the page kept by `truncated-html`."""


class FaultSet:
    """The switches that are on; safe to change while requests are being served."""

    def __init__(self, faults: Iterable[str | Fault] | str = ()) -> None:
        self._lock = threading.Lock()
        self._on: frozenset[Fault] = frozenset()
        self._fired: set[Fault] = set()
        self.set(faults)

    def set(self, faults: Iterable[str | Fault] | str) -> None:
        on = parse_faults(faults)
        with self._lock:
            self._on = on
            self._fired.clear()  # a one-shot fault fires again after being switched on anew

    @property
    def on(self) -> frozenset[Fault]:
        with self._lock:
            return self._on

    def active(self, fault: Fault) -> bool:
        return fault in self.on

    def fire_once(self, fault: Fault) -> bool:
        """True the first time it is asked while `fault` is on."""
        with self._lock:
            if fault not in self._on or fault in self._fired:
                return False
            self._fired.add(fault)
            return True


# What markup drift renames: the classes the order list's selectors look for first.
DRIFT = {
    "order-card": "oc-x",
    "js-order-card": "oc-js-x",
    "yohtmlc-order-id": "oc-id-x",
    "order": "oc-grp-x",
    "order-header": "oc-head-x",
    "delivery-box": "oc-box-x",
}
_CLASS_ATTR = re.compile(r'class="([^"]*)"')


# The header labels too: with only the classes renamed, the label tier still reads the
# page, and the fault would no longer show what a page that cannot be read does.
DRIFT_WORDS = {
    "注文日": "ご購入日時",
    "合計": "お支払い額",
    "注文番号": "受付番号",
    "Order placed": "Bought",
    "Total": "Paid",
    "Order #": "Ref.",
}
_DRIFT_WORD = re.compile("|".join(re.escape(word) for word in DRIFT_WORDS))


def drift(html: str, *, words: bool = True) -> str:
    """`markup-drift`; with `words=False`, `class-drift`."""

    def rename(match: re.Match[str]) -> str:
        tokens = [DRIFT.get(token, token) for token in match.group(1).split(" ")]
        return f'class="{" ".join(tokens)}"'

    renamed = _CLASS_ATTR.sub(rename, html)
    if not words:
        return renamed
    return _DRIFT_WORD.sub(lambda match: DRIFT_WORDS[match.group(0)], renamed)


def truncate(html: str, keep: float) -> str:
    return html[: int(len(html) * keep)]
