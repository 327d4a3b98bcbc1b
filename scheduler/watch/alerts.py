"""Which alerts an order's windows and changes call for, as rows with a unique key.

Time-based alerts (before a cancel or return window closes) are planned at every check
with their due time; the key (account, order, kind, lead) makes re-planning harmless. One
sent says the time actually left when it goes out (`wording_at`), not its lead's.
Change-based alerts (left its window, got its tracking ID, Amazon cancelled it, the
pre-order date moved) compare what the database knew with what the page shows now.

An Amazon Business order awaiting approval gets one alert saying so, and none before its
7-day lapse: the buyer has no control that closes then (the order cancels itself, which
is what a buyer who wants it gone is waiting for). When it lapses or its approver rejects
it, the alert says which, not "Amazon cancelled it".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from cancelwatch.scheduler.config.settings import AlertSettings
from cancelwatch.scheduler.notify.channels import urgency_for
from cancelwatch.scheduler.policy.assess import Assessment, Window, WindowState
from cancelwatch.scheduler.policy.context import start_of_day, with_plausible_dates
from cancelwatch.scheduler.policy.urgency import Urgency
from cancelwatch.scheduler.policy.windows import APPROVAL_DAYS
from cancelwatch.scheduler.policy.words import Lang
from cancelwatch.scheduler.state.store import AlertRow, NewAlert, Retire, StoredOrder, iso_duration
from cancelwatch.scraper.read.model import (
    Approval,
    Cancellability,
    Order,
    OrderStatus,
    Tracking,
    order_from_json,
)

CANCEL_CLOSING = "cancel_closing"
RETURN_CLOSING = "return_closing"
CLOSING_KINDS = (CANCEL_CLOSING, RETURN_CLOSING)
CANCEL_OPEN = "cancel_open"
REQUEST_ONLY = "request_only"
WINDOW_CLOSED = "window_closed"
TRACKING = "tracking_id"
PREORDER_CHANGED = "preorder_changed"
AMAZON_CANCELLED = "amazon_cancelled"
AWAITING_APPROVAL = "awaiting_approval"
APPROVAL_REJECTED = "approval_rejected"
SIGN_IN_NEEDED = "sign_in_needed"
SELECTOR_FAILURE = "selector_failure"
ACCOUNT_RISK = "account_risk"
AWAY_SUMMARY = "away_summary"

_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "closing": "Cancel {order} within {left}",
        "closing_body": "{item}\nThe cancel window closes {when} ({known}). {reason}",
        "return_closing": "Return window of {order} closes in {left}",
        "return_body": "{item}\nReturns close {when}. {reason}",
        "open": "{order} can still be cancelled",
        "open_body": "{item}\n{reason}",
        "request": "{order}: cancellation can only be requested",
        "closed": "{order} can no longer be cancelled",
        "tracking": "{order} shipped: {carrier} {number}",
        "preorder": "{order}: the pre-order's {what} changed to {new}",
        "cancelled": "Amazon cancelled {order}",
        "cancelled_body": "{item}\nThe order shows as cancelled and you did not cancel it "
        "through cancelwatch. Check the order page; order again if you still want it.",
        "awaiting_approval": "{order} is waiting for your approver",
        "approval_rejected": "{order} was rejected by your approver",
        "approval_lapsed": "{order} lapsed: it was not approved within {days} days",
        "approval_lapsed_body": "{item}\nYour approver did not approve it within {days} days"
        " of ordering, so it cancelled itself. Nothing to do; order again if you still want it.",
        "next": "What to do now:",
        "known_page": "as the page states",
        "known_rule": "estimated by rule",
        "known_user": "the deadline you set",
        "known_history": "estimated from your own orders",
        "known_unknown": "unknown",
        "release date": "release date",
        "cancel deadline": "cancel deadline",
    },
    "ja": {
        "closing": "{order} のキャンセル期限まであと{left}",
        "closing_body": "{item}\nキャンセルできるのは{when}まで（{known}）。{reason}",
        "return_closing": "{order} の返品期限まであと{left}",
        "return_body": "{item}\n返品できるのは{when}まで。{reason}",
        "open": "{order} はまだキャンセルできます",
        "open_body": "{item}\n{reason}",
        "request": "{order}: キャンセルリクエストのみ可能です",
        "closed": "{order} はキャンセルできなくなりました",
        "tracking": "{order} が発送されました: {carrier} {number}",
        "preorder": "{order}: 予約注文の{what}が{new}に変わりました",
        "cancelled": "Amazonが {order} をキャンセルしました",
        "cancelled_body": "{item}\nこの注文はキャンセル済みと表示されていますが、cancelwatch "
        "からのキャンセル記録はありません。注文ページを確認し、必要なら再注文してください。",
        "awaiting_approval": "{order} は承認待ちです",
        "approval_rejected": "{order} は承認者に却下されました",
        "approval_lapsed": "{order} は承認されないまま自動キャンセルされました",
        "approval_lapsed_body": "{item}\n注文から{days}日以内に承認されなかったため、"
        "自動的にキャンセルされました。対応は不要です。必要なら再注文してください。",
        "next": "今できること:",
        "known_page": "ページの記載",
        "known_rule": "ルールによる推定",
        "known_user": "設定した期限",
        "known_history": "注文履歴からの推定",
        "known_unknown": "不明",
        "release date": "発売日",
        "cancel deadline": "キャンセル期限",
    },
}


def t(lang: Lang, key: str, **values: object) -> str:
    return _TEXT[lang][key].format(**values)


@dataclass(frozen=True)
class OrderContext:
    """What the planner needs beyond the assessment."""

    account: str
    order: Order
    before: StoredOrder | None
    """What the database knew before this check; None on first sight."""
    tracking: Sequence[Tracking]
    url: str | None
    timezone: str
    user_cancelled: bool = False


def plan(
    ctx: OrderContext,
    assessment: Assessment,
    now: datetime,
    settings: AlertSettings,
    lang: Lang,
) -> tuple[list[NewAlert], list[Retire]]:
    alerts: list[NewAlert] = []
    retire: list[Retire] = []
    cancel = assessment.cancel
    if cancel.state is WindowState.OPEN:
        alerts += _window_alerts(ctx, cancel, now, settings.cancel_leads, lang)
    else:
        retire.append(Retire(ctx.order.id, "the cancel window closed", (CANCEL_CLOSING,)))
    if cancel.state is WindowState.REQUEST_ONLY and _was_open_or_new(ctx):
        alerts.append(
            _simple(
                ctx,
                REQUEST_ONLY,
                "",
                now,
                title=t(lang, "request", order=ctx.order.id),
                body=_with_advice(lang, cancel.reason, assessment),
            )
        )
    if cancel.state is WindowState.AWAITING_APPROVAL:
        # Planned at every check: its one row takes the latest words until it is sent.
        title = t(lang, "awaiting_approval", order=ctx.order.id)
        body = _with_advice(lang, _about(ctx.order, cancel.reason), assessment)
        alerts.append(_simple(ctx, AWAITING_APPROVAL, "", now, title=title, body=body))
    else:
        retire.append(Retire(ctx.order.id, "no longer awaiting approval", (AWAITING_APPROVAL,)))
    if assessment.ret is not None and assessment.ret.state is WindowState.OPEN:
        if cancel.state is not WindowState.OPEN:
            alerts += _window_alerts(ctx, assessment.ret, now, settings.return_leads, lang)
    else:
        retire.append(Retire(ctx.order.id, "the return window closed", (RETURN_CLOSING,)))
    alerts += _change_alerts(ctx, assessment, now, lang)
    return alerts, retire


def _window_alerts(
    ctx: OrderContext, window: Window, now: datetime, leads: Sequence[timedelta], lang: Lang
) -> list[NewAlert]:
    kind = CANCEL_CLOSING if window.kind == "cancel" else RETURN_CLOSING
    if window.closes_at is None:
        if window.kind != "cancel":
            return []
        title = t(lang, "open", order=ctx.order.id)
        body = t(lang, "open_body", item=_item(ctx.order), reason=window.reason)
        return [_simple(ctx, CANCEL_OPEN, "", now, title=title, body=body)]
    if window.closes_at <= now:
        return []
    return [
        _closing(ctx, window, kind, lead, lang)
        for lead in _leads_to_plan(window.closes_at, now, leads)
    ]


def _leads_to_plan(
    closes_at: datetime, now: datetime, leads: Sequence[timedelta]
) -> list[timedelta]:
    """Every lead still ahead, and of those already passed only the nearest one: a
    window first seen 2 hours before it closes gets its 3-hour reminder now, once, not
    its 24-hour one as well."""
    ordered = sorted(leads, reverse=True)
    ahead = [lead for lead in ordered if closes_at - lead > now]
    passed = [lead for lead in ordered if closes_at - lead <= now]
    return ahead + passed[-1:]


def _closing(ctx: OrderContext, window: Window, kind: str, lead: timedelta, lang: Lang) -> NewAlert:
    assert window.closes_at is not None
    when = _local(window.closes_at, ctx.timezone)
    left = _span(lead, lang)
    if kind == CANCEL_CLOSING:
        title = t(lang, "closing", order=ctx.order.id, left=left)
        body = t(
            lang,
            "closing_body",
            item=_item(ctx.order),
            when=when,
            known=t(lang, f"known_{window.known.value}"),
            reason=window.reason,
        )
    else:
        title = t(lang, "return_closing", order=ctx.order.id, left=left)
        body = t(lang, "return_body", item=_item(ctx.order), when=when, reason=window.reason)
    return NewAlert(
        order_id=ctx.order.id,
        kind=kind,
        lead=iso_duration(lead),
        due_at=window.closes_at - lead,
        title=title,
        body=body,
        url=ctx.url,
        urgency=urgency_for(lead).value,
    )


def _change_alerts(
    ctx: OrderContext, assessment: Assessment, now: datetime, lang: Lang
) -> list[NewAlert]:
    before, order = ctx.before, ctx.order
    if before is None:
        return []
    alerts = []
    left_window = (
        before.cancellable is Cancellability.YES and order.cancellable is not Cancellability.YES
    )
    if left_window and order.status is not OrderStatus.CANCELLED:
        title = t(lang, "closed", order=order.id)
        body = _with_advice(lang, assessment.cancel.reason, assessment)
        alerts.append(_simple(ctx, WINDOW_CLOSED, "", now, title=title, body=body))
    for tracking in ctx.tracking:
        if tracking.tracking_id and tracking.tracking_id not in before.tracking_ids:
            title = t(
                lang,
                "tracking",
                order=order.id,
                carrier=tracking.carrier or "",
                number=tracking.tracking_id,
            )
            body = _with_advice(lang, _item(order), assessment)
            alerts.append(_simple(ctx, TRACKING, tracking.tracking_id, now, title=title, body=body))
    alerts += _preorder_alerts(ctx, now, lang)
    alerts += _ended_alerts(ctx, assessment, now, lang)
    return alerts


def _ended_alerts(
    ctx: OrderContext, assessment: Assessment, now: datetime, lang: Lang
) -> list[NewAlert]:
    """The order will not go ahead and the user did not stop it through cancelwatch: its
    approver rejected it, it lapsed unapproved, or Amazon cancelled it."""
    before, order = ctx.before, ctx.order
    assert before is not None
    was = approval_of(before)
    if was is Approval.REJECTED:
        return []  # its end was told when the rejection was seen
    if order.approval is Approval.REJECTED and assessment.cancel.state is WindowState.CANCELLED:
        title = t(lang, "approval_rejected", order=order.id)
        body = _with_advice(lang, _about(order, assessment.cancel.reason), assessment)
        return [_simple(ctx, APPROVAL_REJECTED, "", now, title=title, body=body)]
    if (
        order.status is not OrderStatus.CANCELLED
        or before.status is OrderStatus.CANCELLED
        or ctx.user_cancelled
    ):
        return []
    if was is Approval.PENDING and _may_have_lapsed(ctx, before, now):
        title = t(lang, "approval_lapsed", order=order.id, days=APPROVAL_DAYS)
        body = t(lang, "approval_lapsed_body", item=_item(order), days=APPROVAL_DAYS)
    else:
        title = t(lang, "cancelled", order=order.id)
        body = t(lang, "cancelled_body", item=_item(order))
    return [_simple(ctx, AMAZON_CANCELLED, "", now, title=title, body=body)]


def _may_have_lapsed(ctx: OrderContext, before: StoredOrder, now: datetime) -> bool:
    """Whether `APPROVAL_DAYS` may have passed since the order was placed: from the start
    of its order day in the marketplace's zone, or, with no order date on the page, from
    cancelwatch's first sight (it was placed before that)."""
    placed = with_plausible_dates(ctx.order).placed_on
    if placed is None:
        return now - before.first_seen >= timedelta(days=APPROVAL_DAYS)
    return now >= start_of_day(placed + timedelta(days=APPROVAL_DAYS), ZoneInfo(ctx.timezone))


def approval_of(stored: StoredOrder) -> Approval | None:
    """Where the order stood with its approver when last seen (None: no approval box)."""
    # The state checked this JSON when it read the row.
    return order_from_json(stored.order).approval


def _preorder_alerts(ctx: OrderContext, now: datetime, lang: Lang) -> list[NewAlert]:
    before, pre = ctx.before, ctx.order.preorder
    if before is None or pre is None:
        return []
    alerts = []
    for what, old, new in (
        ("release date", before.release_date, pre.release_date),
        ("cancel deadline", before.cancel_deadline, pre.cancel_deadline),
    ):
        if old is not None and new is not None and old != new:
            title = t(lang, "preorder", order=ctx.order.id, what=t(lang, what), new=new.isoformat())
            alerts.append(
                _simple(
                    ctx,
                    PREORDER_CHANGED,
                    f"{what}:{new.isoformat()}",
                    now,
                    title=title,
                    body=_item(ctx.order),
                )
            )
    return alerts


def _was_open_or_new(ctx: OrderContext) -> bool:
    return ctx.before is None or ctx.before.cancellable is not Cancellability.REQUEST


def _simple(
    ctx: OrderContext, kind: str, lead: str, now: datetime, *, title: str, body: str
) -> NewAlert:
    return NewAlert(ctx.order.id, kind, lead, now, title, body, ctx.url, urgency_for(None).value)


def _with_advice(lang: Lang, head: str, assessment: Assessment) -> str:
    steps = [f"{i}. {step}" for i, step in enumerate(assessment.advice.steps, start=1)]
    if not steps:
        return head
    return "\n".join([head, t(lang, "next"), *steps])


def _about(order: Order, text: str) -> str:
    return f"{_item(order)}\n{text}"


def _item(order: Order) -> str:
    titles = [i.title for i in order.items if i.title]
    if not titles:
        return order.id
    more = f" (+{len(titles) - 1})" if len(titles) > 1 else ""
    return titles[0][:80] + more


def _local(instant: datetime, timezone: str) -> str:
    return instant.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M %Z")


def _span(span: timedelta, lang: Lang) -> str:
    """A time left in words, rounded down (never more time than there is), at least a
    minute: "1 day", "2 days 5 h", "3 h", "2 h 40 min", "4 min"; 「1日」「2日5時間」「2時間40分」
    「4分」. Beyond a day, minutes are left out."""
    # To the nearest second first (a window may close at 23:59:59.999, a send comes a few
    # milliseconds after its moment), then whole minutes down: as the tables count.
    minutes = max(1, round(span.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [(days, "day"), (hours, "h")] if days else [(hours, "h"), (minutes, "min")]
    words = [_unit(n, unit, lang) for n, unit in parts if n]
    return ("" if lang == "ja" else " ").join(words)


_JA_UNITS = {"day": "日", "h": "時間", "min": "分"}


def _unit(n: int, unit: str, lang: Lang) -> str:
    if lang == "ja":
        return f"{n}{_JA_UNITS[unit]}"
    return f"{n} day{'s' if n != 1 else ''}" if unit == "day" else f"{n} {unit}"


def wording_at(row: AlertRow, at: datetime, lang: Lang) -> tuple[str, Urgency]:
    """The title and urgency `row` is sent with at `at`, in `lang`. A reminder before a
    window closes says the time left at `at`, counted from the window's close and rounded
    down as every table rounds it (policy/moments.py `span`): the table and the alert say
    the same at the same moment, "4 min" with 4 min 50 s left, and the title is in the
    language of the day it goes out, not of the day it was planned. Any other alert keeps
    its stored words."""
    lead = lead_of(row.lead) if row.kind in CLOSING_KINDS else None
    if lead is None or row.order_id is None:
        return row.title, row.urgency
    left = row.due_at + lead - at
    key = "closing" if row.kind == CANCEL_CLOSING else "return_closing"
    urgency = row.urgency if left >= lead else urgency_for(left)
    return t(lang, key, order=row.order_id, left=_span(left, lang)), urgency


_ISO = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def lead_of(text: str) -> timedelta | None:
    """The inverse of `iso_duration`; None for a lead that is not a duration."""
    found = _ISO.match(text)
    if not found or text in ("P", "PT"):
        return None
    days, hours, minutes, seconds = (int(g) if g else 0 for g in found.groups())
    try:
        return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    except OverflowError:  # a hand-edited row: no lead cancelwatch could have planned
        return None
