"""Cancel windows and advice for one order, as pure functions (docs/rules.md).

The page decides whether an order can be cancelled now (`Order.cancellable`); the rules
here only explain why not and estimate until when. Nothing reads a clock or touches the
network: `now` comes in, and every instant goes out timezone-aware in UTC. "Start of day"
and "end of day" are in the marketplace's own zone, so a US date across a DST change is
23 or 25 hours long. A window is open while `now < closes_at`: an end of day is the first
instant of the next local day.

The article the product grew from makes claims Amazon does not support ("3 months before
ship date", Prime's 30 minutes, sale items). The first two appear as hints, only where they
bear on the order and always with their source and Amazon's answer; none changes a window.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cancelwatch.scheduler.policy.advice import Advice, advice_hints, advice_steps
from cancelwatch.scheduler.policy.context import (
    Ctx,
    Rules,
    default_rules,
    load_zone,
    with_plausible_dates,
)
from cancelwatch.scheduler.policy.learned import Estimate, SellerKind
from cancelwatch.scheduler.policy.windows import (
    Known,
    Window,
    WindowState,
    cancel_window,
    return_window,
)
from cancelwatch.scheduler.policy.words import Lang, text
from cancelwatch.scraper.read.model import Order, Tracking

# What other modules import from here: the windows, the advice and the rules live in
# `windows`, `advice` and `context`, re-exported.
__all__ = [
    "Advice",
    "Assessment",
    "Known",
    "Rules",
    "Window",
    "WindowState",
    "account_risk_note",
    "assess",
    "default_rules",
]


# An order awaiting approval is watched too: once approved it is an ordinary order with a
# window that may be minutes long.
_WATCHED = (WindowState.OPEN, WindowState.REQUEST_ONLY, WindowState.AWAITING_APPROVAL)


@dataclass(frozen=True)
class Assessment:
    order_id: str
    cancel: Window
    ret: Window | None
    """The return window, next to watch once the order can't be cancelled; None when the
    page shows none, for digital orders, and for cancelled or returned ones."""
    advice: Advice
    open: bool
    """Whether to keep watching: the cancel window is open, request-only or awaiting
    approval, or the return window is open."""


def assess(
    order: Order,
    *,
    marketplace: str,
    timezone: str,
    now: datetime,
    rules: Rules,
    tracking: Sequence[Tracking] = (),
    first_seen: datetime | None = None,
    placed_by_mail: bool = False,
    manual_deadline: datetime | None = None,
    lang: Lang = "en",
    learned: Mapping[SellerKind, Estimate] | None = None,
) -> Assessment:
    """The cancel window, the return window and the advice for `order` at `now`.

    `tracking` holds this order's tracking pages; `first_seen` is when cancelwatch first
    saw the order, or when it was placed where `placed_by_mail` (its order mail's Date,
    which the reasons then name as such); `manual_deadline` is the user's own deadline,
    which wins over any other while the window is open (it never opens a closed one).
    `learned` is what the user's own history says of when preparation starts
    (`policy.learned.for_account`): an ordinary open order's otherwise unknown window
    closes by it. A page date outside the years Amazon can mean (1995–2999) counts as
    unknown.
    """
    for name, value in (
        ("now", now),
        ("first_seen", first_seen),
        ("manual_deadline", manual_deadline),
    ):
        if value is not None and value.utcoffset() is None:
            raise ValueError(f"{name} must be timezone-aware, got {value!r}")
    ctx = Ctx(
        order=with_plausible_dates(order),
        marketplace=marketplace,
        zone=load_zone(timezone),
        now=now.astimezone(UTC),
        rules=rules,
        tracking=tuple(tracking),
        first_seen=first_seen.astimezone(UTC) if first_seen else None,
        placed_by_mail=placed_by_mail and first_seen is not None,
        manual=manual_deadline.astimezone(UTC) if manual_deadline else None,
        lang=lang,
        learned=dict(learned or {}),
    )
    cancel = cancel_window(ctx)
    ret = return_window(ctx, cancel)
    advice = Advice(
        steps=tuple(advice_steps(ctx, cancel, ret)), hints=tuple(advice_hints(ctx, cancel))
    )
    watching = cancel.state in _WATCHED or (ret is not None and ret.state is WindowState.OPEN)
    return Assessment(order.id, cancel, ret, advice, watching)


def account_risk_note(
    cancellations: Sequence[datetime], now: datetime, rules: Rules, lang: Lang = "en"
) -> str | None:
    """A note once the user's own cancellations within the last `account_risk_days` reach
    `account_risk_threshold`, saying the threshold is cancelwatch's own; else None."""
    since = now - timedelta(days=rules.account_risk_days)
    count = sum(1 for c in cancellations if since < c <= now)
    if count < rules.account_risk_threshold:
        return None
    return text(
        lang,
        "account_risk",
        count=count,
        days=rules.account_risk_days,
        threshold=rules.account_risk_threshold,
    )
