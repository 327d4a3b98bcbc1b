"""What to do now about one order, in order (docs/rules.md's playbook), and then the claims
from elsewhere that bear on it.

The steps hold what is known: what the order's page shows, then what Amazon's help says.
A claim only the article cancelwatch grew from makes comes after them, as a hint that
names its source and says what Amazon's help says instead, and only when it bears on this
order; it never changes a window."""

from __future__ import annotations

from dataclasses import dataclass

from cancelwatch.scheduler.policy.context import (
    RANK,
    Ctx,
    Digital,
    digital_kind,
    fmt_about,
    fmt_date,
    fmt_when,
    in_transit,
    progress,
    site,
    third_party_seller,
)
from cancelwatch.scheduler.policy.windows import (
    Known,
    Window,
    WindowState,
    approval_by,
    approval_expiry,
)
from cancelwatch.scraper.read import carriers
from cancelwatch.scraper.read.carriers import Carrier
from cancelwatch.scraper.read.model import Approval, Cancellability, OrderStatus, Tracking


@dataclass(frozen=True)
class Advice:
    steps: tuple[str, ...]
    """What to do now, in order, from the order's page and Amazon's help."""
    hints: tuple[str, ...]
    """Claims from elsewhere that bear on this order, after the steps: each one says whose
    claim it is and what Amazon's help says ("A popular article says …; Amazon's help
    …"). Context, never a verdict."""


# -- advice ------------------------------------------------------------------------------


def advice_steps(ctx: Ctx, cancel: Window, ret: Window | None) -> list[str]:
    order = ctx.order
    seller = third_party_seller(order)
    seller_name = seller or ctx.t("the_seller")
    if cancel.state is WindowState.AWAITING_APPROVAL:
        return _approval_steps(ctx)
    if cancel.state is WindowState.CANCELLED:
        rejected = order.approval is Approval.REJECTED and order.status is not OrderStatus.CANCELLED
        return [ctx.t("step_approval_rejected" if rejected else "step_cancelled")]
    if cancel.state is WindowState.REQUEST_ONLY:
        return [
            ctx.t("step_request", order_id=order.id, seller=seller_name),
            ctx.t("step_contact_seller", seller=seller_name),
            ctx.t("step_if_ships"),
        ]
    digital = digital_kind(order)
    if cancel.state is WindowState.OPEN:
        return _open_steps(ctx, cancel, digital, seller)
    if digital is not None:
        return [ctx.t("step_digital_cs")]
    return _closed_steps(ctx, ret, seller)


def _approval_steps(ctx: Ctx) -> list[str]:
    """An order awaiting its approver: the buyer asks, the approver decides, and unapproved
    it lapses by itself. A "Cancel items" the page offers anyway comes first."""
    order = ctx.order
    by = approval_by(ctx, approval_expiry(ctx))
    steps = [
        ctx.t("step_approval_ask", order_id=order.id),
        ctx.t("step_approval_wait", by=by),
        ctx.t("step_approval_approved"),
    ]
    if order.cancellable is Cancellability.YES:
        steps.insert(0, ctx.t("step_cancel", order_id=order.id, before=""))
    return steps


def _open_steps(ctx: Ctx, cancel: Window, digital: Digital | None, seller: str | None) -> list[str]:
    before = _before(ctx, cancel)
    order = ctx.order
    if digital is Digital.KINDLE and order.preorder is not None:
        return [ctx.t("step_kindle_preorder", order_id=order.id, before=before)]
    if digital is Digital.KINDLE and order.cancellable is not Cancellability.YES:
        return [ctx.t("step_kindle_refund", before=before)]
    steps = [ctx.t("step_cancel", order_id=order.id, before=before)]
    if cancel.known is Known.HISTORY:
        steps.append(_how_sure(ctx))
    if seller is not None:
        steps.append(ctx.t("step_seller_after", seller=seller))
    return steps


def _before(ctx: Ctx, cancel: Window) -> str:
    """Until when to cancel, and, when the order's page states the deadline, that it does."""
    if cancel.closes_at is None:
        return ""
    when = fmt_when(ctx, cancel.closes_at)
    pre = ctx.order.preorder
    if cancel.known is Known.PAGE and pre is not None and pre.cancel_deadline is not None:
        return ctx.t("before_page", when=when, date=fmt_date(ctx, pre.cancel_deadline))
    return ctx.t("before", when=when)


def _how_sure(ctx: Ctx) -> str:
    """How sure a closing time learned from the user's history is: from how many orders,
    how far apart they were, and that it is an estimate."""
    learned = ctx.learned["amazon"]
    return ctx.t(
        "step_history_sure",
        count=learned.count,
        marketplace=ctx.marketplace,
        early=fmt_about(ctx, learned.p10),
        late=fmt_about(ctx, learned.p90),
        median=fmt_about(ctx, learned.median),
    )


def _closed_steps(ctx: Ctx, ret: Window | None, seller: str | None) -> list[str]:
    status = progress(ctx)
    return_open = ret is not None and ret.state is WindowState.OPEN
    return_by = (
        [ctx.t("step_return_by", date=fmt_date(ctx, ctx.order.return_until))]
        if (return_open and ctx.order.return_until is not None)
        else []
    )
    if status is OrderStatus.RETURNED:
        return [ctx.t("step_returned")]
    if status is OrderStatus.DELIVERED:
        return return_by or [ctx.t("step_no_return")]
    if in_transit(status):
        return _shipped_steps(ctx, seller) + return_by
    steps = []
    if seller is not None:
        steps.append(ctx.t("step_contact_seller", seller=seller))
    steps += [ctx.t("step_cs_preparing"), ctx.t("step_later_refuse")]
    return steps + return_by


_JA_CARRIER = {
    Carrier.YAMATO: "ヤマト運輸",
    Carrier.SAGAWA: "佐川急便",
    Carrier.JAPAN_POST: "日本郵便",
    Carrier.AMAZON_JP: "Amazonのデリバリープロバイダ",
    Carrier.AMAZON_LOGISTICS: "Amazon Logistics",
}


def _carrier(ctx: Ctx, track: Tracking) -> Carrier | None:
    if track.carrier is None:
        return None
    try:
        return Carrier(track.carrier)
    except ValueError:
        return carriers.carrier_from_name(track.carrier, country=site(ctx.marketplace).country)


def _carrier_name(ctx: Ctx, track: Tracking, carrier: Carrier | None) -> str:
    if ctx.lang == "ja":
        named = track.carrier_printed or (_JA_CARRIER.get(carrier) if carrier else None)
        return named or track.carrier or ctx.t("the_carrier")
    return (
        carrier.value if carrier else track.carrier or track.carrier_printed or ctx.t("the_carrier")
    )


def _tracking_link(ctx: Ctx, track: Tracking, carrier: Carrier | None) -> str:
    url = track.tracking_url
    if url is None and carrier is not None and track.tracking_id:
        url = carriers.tracking_url(carrier, track.tracking_id)
    return ctx.t("tracking_url", url=url) if url else ""


def _left_at_door(ctx: Ctx) -> bool:
    """Whether the parcel is left at the door (置き配): then it cannot be refused."""
    return bool(ctx.order.left_at_door) or any(t.left_at_door for t in ctx.tracking)


def _shipped_steps(ctx: Ctx, seller: str | None) -> list[str]:
    """docs/rules.md's playbook for an order that shipped and can't be cancelled on Amazon."""
    left = _left_at_door(ctx)
    tracks = [t for t in ctx.tracking if t.tracking_id]
    steps: list[str] = []
    cancel_delivery = site(ctx.marketplace).cancel_delivery_step
    if cancel_delivery is not None and any(
        _carrier(ctx, t) is Carrier.AMAZON_LOGISTICS for t in ctx.tracking
    ):
        steps.append(ctx.t(cancel_delivery))
    if seller is not None:
        steps.append(ctx.t("step_seller_shipped", seller=seller))
    steps.append(ctx.t("step_cs_left_at_door" if left else "step_cs_shipped"))
    carrier_key = "step_carrier_left_at_door" if left else "step_carrier"
    for track in tracks:
        carrier = _carrier(ctx, track)
        steps.append(
            ctx.t(
                carrier_key,
                carrier=_carrier_name(ctx, track, carrier),
                tracking_id=track.tracking_id,
                url=_tracking_link(ctx, track, carrier),
            )
        )
    if not tracks:
        steps.append(ctx.t("step_carrier_no_id"))
    steps.append(ctx.t("step_left_at_door_cancel" if left else "step_refuse"))
    return steps


def advice_hints(ctx: Ctx, cancel: Window) -> list[str]:
    """The article's claims that bear on this order, each naming its source and what
    Amazon's help says; they never change `cancel`.

    Each comes only where it could matter: the Prime 30 minutes while nothing tells when
    an ordinary order's window closes; the pre-order's 3 months while the page states no
    deadline of its own and the order has not shipped; the prank report only where a
    refusal is advised. The sale claim never comes: cancelwatch cannot tell that an order
    was bought in a sale (docs/rules.md, "Where the article is wrong")."""
    order = ctx.order
    digital = digital_kind(order)
    if cancel.state in (WindowState.CANCELLED, WindowState.AWAITING_APPROVAL):
        return []
    if digital is not None:
        return [ctx.t("hint_video")] if digital is Digital.VIDEO else []
    hints: list[str] = []
    status = progress(ctx)
    ordinary = order.preorder is None and third_party_seller(order) is None
    if cancel.state is WindowState.OPEN and ordinary and cancel.known is Known.UNKNOWN:
        hints.append(ctx.t("hint_prime"))
    pre = order.preorder
    unshipped = RANK.get(status, 0) < RANK[OrderStatus.SHIPPED]
    if pre is not None and pre.cancel_deadline is None and unshipped:
        hints.append(ctx.t("hint_preorder"))
    if cancel.state is WindowState.CLOSED and in_transit(status):
        hints.append(ctx.t("hint_handover"))
        if not _left_at_door(ctx):
            hints.append(ctx.t("hint_prank"))
    return hints
