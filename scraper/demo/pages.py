"""The order pages the store serves, each filled from the scenario at one moment.

Markup follows the real pages in tests/fixtures/real (2025 list layout, `data-component`
details layout, progress tracker) and the Japanese test pages in tests/fixtures.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from cancelwatch.scraper.demo.locale import Locale
from cancelwatch.scraper.demo.scenario import DemoOrder, Kind, Parcel, Scenario
from cancelwatch.scraper.demo.templates import esc, fill, page
from cancelwatch.scraper.read.carriers import Carrier
from cancelwatch.scraper.read.model import Cancellability, OrderStatus

PAGE_SIZE = 10
LAYOUTS = ("classic", "react")
"""The order-list layouts the store serves (see View.layout)."""
# amazon.co.jp prints some carriers as 「Xが配送」 with a トラッキングID, others as
# 「配送業者: X」 with a 伝票番号 (as tests/fixtures/amazon.co.jp does); both are read.
_BY_PHRASE = frozenset({Carrier.SAGAWA, Carrier.AMAZON_JP})
DEFAULT_FILTER = "months-3"
STORES = {Kind.KINDLE: "kindle_store", Kind.APP: "app_store", Kind.MUSIC: "music_store"}
LIBRARIES = {
    Kind.KINDLE: ("kindle_library", "/hz/mycd/digital-console/contentlist/booksAll/dateDsc/"),
    Kind.APP: ("app_library", "/gp/mas/your-account/myapps"),
    Kind.MUSIC: ("music_library", "/music/player/library"),
}


@dataclass(frozen=True)
class View:
    """One page request's context: where, when, and for whom."""

    locale: Locale
    scenario: Scenario
    now: datetime
    name: str
    layout: str = "classic"
    """Which order list it serves: "classic", or "react" (skeleton first, cards by script)."""

    @property
    def today(self) -> date:
        return self.now.astimezone(self.locale.zone).date()


# ---- order list --------------------------------------------------------------------------


def order_list(
    view: View, time_filter: str, start: int, search: str = "", shell_delay_ms: int | None = None
) -> str:
    """One page of the order list. With `shell_delay_ms` the cards, the count and the
    pagination arrive by script after that delay, as on Amazon's JavaScript-rendered list."""
    loc = view.locale
    orders = matching(view, time_filter, search)
    shown = orders[start : start + PAGE_SIZE]
    block = fill(
        "orders_block",
        count=esc(loc.w("count", count=len(orders))),
        options=_filter_options(view, time_filter),
        cards="\n".join(_card(view, o) for o in shown),
        pagination=pagination(loc, lambda at: list_url(time_filter, at), start, len(orders)),
    )
    if shell_delay_ms is not None:
        # "</" would end the script element early; JSON allows "<\/" for it.
        payload = json.dumps(block, ensure_ascii=False).replace("</", "<\\/")
        block = fill("js_shell", payload=payload, delay_ms=shell_delay_ms)
    body = fill(
        "order_list",
        account=esc(loc.w("account")),
        title=esc(loc.w("title_orders")),
        search=esc(loc.w("search")),
        search_value=esc(search),
        search_button=esc(loc.w("search_button")),
        orders_block=block,
    )
    return page(loc, loc.w("title_orders"), body)


def matching(view: View, time_filter: str, search: str) -> list[DemoOrder]:
    if search:
        needle = search.strip().casefold()
        return [
            o
            for o in view.scenario.orders
            if o.placed_at <= view.now
            and (needle == o.id.casefold() or any(needle in i.title.casefold() for i in o.items))
        ]
    return view.scenario.listed(view.now, time_filter)


def _filter_options(view: View, selected: str) -> str:
    loc = view.locale
    years = sorted({view.today.year, *view.scenario.years()}, reverse=True)
    choices = [("last30", loc.w("last30")), ("months-3", loc.w("months3"))]
    choices += [(f"year-{y}", loc.w("year", year=y)) for y in years]
    return "\n".join(
        f'                <option value="{value}"{" selected" if value == selected else ""}>'
        f"{esc(label)}</option>"
        for value, label in choices
    )


def list_url(time_filter: str, start: int) -> str:
    return f"/your-orders/orders?timeFilter={time_filter}&startIndex={start}"


def pagination(loc: Locale, url_of: Callable[[int], str], start: int, count: int) -> str:
    """The list's page links; `url_of` gives the URL of the page that starts at an index."""
    pages = math.ceil(count / PAGE_SIZE)
    if pages <= 1:
        return ""
    current = start // PAGE_SIZE
    parts = []
    prev, nxt = esc(loc.w("prev")), esc(loc.w("next"))
    if current == 0:
        parts.append(f'<li class="a-disabled">&larr;{prev}</li>')
    else:
        href = esc(url_of((current - 1) * PAGE_SIZE))
        parts.append(f'<li><a href="{href}">&larr;{prev}</a></li>')
    # A window of pages around the current one, as Amazon shows for long histories.
    for number in range(max(0, current - 2), min(pages, current + 3)):
        cls = "a-selected" if number == current else "a-normal"
        href = esc(url_of(number * PAGE_SIZE))
        parts.append(f'<li class="{cls}"><a href="{href}">{number + 1}</a></li>')
    if current + 1 < pages:
        href = esc(url_of((current + 1) * PAGE_SIZE))
        parts.append(f'<li class="a-last"><a href="{href}">{nxt}&rarr;</a></li>')
    else:
        parts.append(f'<li class="a-disabled a-last">{nxt}&rarr;</li>')
    return "\n".join(parts)


def details_url(order: DemoOrder) -> str:
    if order.digital:
        return f"/gp/digital/your-account/order-summary.html?orderID={order.id}"
    return f"/gp/css/order-details?orderID={order.id}&ref=ppx_yo2ov_dt_b_fed_order_details"


def _card(view: View, order: DemoOrder) -> str:
    loc = view.locale
    common = {
        "placed_label": esc(loc.w("placed")),
        "placed": esc(loc.full_date(order.placed_at.astimezone(loc.zone).date())),
        "total_label": esc(loc.w("total")),
        "total": esc(loc.money(order.total)),
        "order_no_label": esc(loc.w("order_no")),
        "order_id": esc(order.id),
        "view_details": esc(loc.w("view_details")),
        "invoice": esc(loc.w("invoice")),
    }
    if order.digital:
        return _digital_card(loc, order, common)
    return fill(
        "card",
        **common,
        ship_to_label=esc(loc.w("ship_to")),
        details_url=esc(details_url(order)),
        hide_order=esc(loc.w("hide_order")),
        name=esc(view.name),
        approval=approval_box(loc, order, "approval_box"),
        boxes=_delivery_box(view, order),
    )


def approval_box(loc: Locale, order: DemoOrder, template: str) -> str:
    """An Amazon Business order's word from its approver, with the link to the request;
    empty for a consumer order."""
    if order.approval is None:
        return ""
    return fill(
        template,
        text=esc(loc.w(f"approval_{order.approval.value}")),
        href="/ab/approvals/pending?ref=ppx_yo2ov_dt_b_approval",
        link=esc(loc.w("approval_link")),
    )


def _digital_card(loc: Locale, order: DemoOrder, common: dict[str, str]) -> str:
    item = order.items[0]
    label, url = LIBRARIES[order.kind]
    return fill(
        "digital_card",
        **common,
        asin=esc(item.asin),
        title=esc(item.title),
        store=esc(loc.w(STORES[order.kind])),
        library=esc(loc.w(label)),
        library_url=esc(url),
    )


def status_lines(view: View, order: DemoOrder, *, details: bool) -> tuple[str, str]:
    """(primary, secondary) status lines for the order's current stage."""
    loc, now = view.locale, view.now
    status = order.stage(now).status
    arriving = (
        loc.w("arriving", date=loc.short_date(order.arriving_on)) if order.arriving_on else ""
    )
    if status is OrderStatus.CANCELLED:
        return loc.w("cancelled"), loc.w("cancelled_detail")
    if status is OrderStatus.DELIVERED:
        delivered = order.delivered_on(loc, now)
        assert delivered is not None
        detail = loc.w("left_at_door") if order.left_at_door else loc.w("delivered_detail")
        return loc.w("delivered", date=loc.short_date(delivered)), detail
    if order.release_on is not None:
        deadline = order.cancel_deadline
        # The list card shows the release date only; the details page states the deadline.
        secondary = loc.w("deadline", date=loc.full_date(deadline)) if details and deadline else ""
        return loc.w("preorder"), secondary
    secondary = {
        OrderStatus.PENDING: "not_shipped",
        OrderStatus.PREPARING: "preparing",
        OrderStatus.SHIPPED: "shipped",
    }[status]
    return arriving, loc.w(secondary)


def item_extras(view: View, order: DemoOrder) -> list[str]:
    loc = view.locale
    lines = []
    if order.release_on is not None:
        lines.append(loc.release(order.release_on))
    until = order.return_until(loc, view.now)
    if until is not None:
        lines.append(loc.w("return_until", date=loc.full_date(until)))
    return lines


def _delivery_box(view: View, order: DemoOrder) -> str:
    loc = view.locale
    primary, secondary = status_lines(view, order, details=False)
    extras = "\n".join(
        f'            <div class="a-row">\n                <span class="a-size-small">{esc(line)}'
        "</span>\n            </div>"
        for line in item_extras(view, order)
    )
    items = "\n".join(
        fill(
            "item_box",
            asin=esc(i.asin),
            title=esc(i.title),
            extra=extras,
            buy_again=esc(loc.w("buy_again")),
        )
        for i in order.items
    )
    buttons = "\n".join(
        fill("card_button", href=esc(href), label=esc(label), style=style)
        for href, label, style in actions(view, order, "ppx_yo2ov_dt_b")
    )
    normal = "delivery-box__primary-text--text-normal"
    return fill(
        "delivery_box",
        primary=esc(primary),
        primary_modifier="" if order.stage(view.now).status is OrderStatus.DELIVERED else normal,
        secondary=(
            f'<span class="delivery-box__secondary-text">{esc(secondary)}</span>'
            if secondary
            else ""
        ),
        items=items,
        buttons=buttons,
    )


def actions(view: View, order: DemoOrder, ref: str) -> list[tuple[str, str, str]]:
    """(href, label, button style) of the shipment's buttons, in Amazon's order."""
    loc, now = view.locale, view.now
    stage = order.stage(now)
    primary, base = "a-button-primary", "a-button-base"
    found: list[tuple[str, str, str]] = []
    cancel_url = order.cancel_url(now)
    if cancel_url and stage.cancellable is Cancellability.YES:
        found.append((f"{cancel_url}&ref={ref}_cancel_items", loc.w("cancel"), primary))
    elif cancel_url:
        found.append((cancel_url, loc.w("cancel_request"), primary))
    tracking = order.tracking_url(now)
    if tracking:
        style = base if stage.status is OrderStatus.DELIVERED else primary
        found.append((tracking, loc.w("track"), style))
    if order.parcel and tracking and loc.lang.startswith("ja") and order.left_at_door:
        found.append(
            (
                f"/gp/your-account/delivery-preferences?orderId={order.id}&ref={ref}_safe_place",
                loc.w("safe_place"),
                base,
            )
        )
    if stage.status in (OrderStatus.PENDING, OrderStatus.PREPARING):
        found.append((details_url(order), loc.w("view_edit"), base))
    if stage.status is OrderStatus.DELIVERED:
        found.append(
            (
                f"/review/review-your-purchases?asins={order.items[0].asin}&ref={ref}_rev_prod",
                loc.w("review"),
                base,
            )
        )
    return found


# ---- details, digital summary, tracking -----------------------------------------------------


def order_details(view: View, order: DemoOrder) -> str:
    loc = view.locale
    primary, secondary = status_lines(view, order, details=True)
    status_html = f'<span class="a-text-bold">{esc(primary)}</span>'
    items = "\n".join(
        fill(
            "details_item",
            asin=esc(i.asin),
            title=esc(i.title),
            sold_by=esc(loc.w("sold_by", seller=i.seller)),
            return_line=esc(_return_line(view, order)),
            price=esc(loc.money(i.price)),
            extra=esc(_release_line(loc, order)),
            buy_again=esc(loc.w("buy_again")),
        )
        for i in order.items
    )
    buttons = [
        fill("details_button", href=esc(href), label=esc(label), style=style)
        for href, label, style in actions(view, order, "ppx_hzod_shipconns_dt_b")
    ]
    problem = f"/gp/help/contact/contact.html?assistanceType=order&orderId={order.id}"
    buttons.append(
        fill(
            "details_button", href=esc(problem), label=esc(loc.w("problem")), style="a-button-base"
        )
    )
    shipment = fill(
        "details_shipment",
        status_html=status_html,
        secondary=esc(secondary),
        items=items,
        buttons="\n".join(buttons),
    )
    cancelled = ""
    if order.stage(view.now).status is OrderStatus.CANCELLED:
        cancelled = fill("cancelled_alert", text=esc(loc.w("cancelled_detail")))
    body = fill(
        "details",
        account=esc(loc.w("account")),
        orders=esc(loc.w("title_orders")),
        title=esc(loc.w("title_details")),
        placed_line=esc(f"{loc.w('placed')} {loc.full_date(_placed_on(loc, order))}"),
        order_no_label=esc(loc.w("order_no")),
        order_id=esc(order.id),
        invoice=esc(loc.w("invoice")),
        ship_to_label=esc(loc.w("ship_to")),
        name=esc(view.name),
        address=esc(loc.w("address")),
        country=esc(loc.w("country")),
        payment=esc(loc.w("payment")),
        order_summary=esc(loc.w("order_summary")),
        subtotal_rows=_subtotals(loc, order),
        approval=approval_box(loc, order, "approval_box"),
        shipments=shipment,
        cancelled=cancelled,
    )
    return page(loc, loc.w("title_details"), body)


def _placed_on(loc: Locale, order: DemoOrder) -> date:
    return order.placed_at.astimezone(loc.zone).date()


def _return_line(view: View, order: DemoOrder) -> str:
    until = order.return_until(view.locale, view.now)
    return view.locale.w("return_until", date=view.locale.full_date(until)) if until else ""


def _release_line(loc: Locale, order: DemoOrder) -> str:
    return loc.release(order.release_on) if order.release_on else ""


def _subtotals(loc: Locale, order: DemoOrder) -> str:
    rows = [
        ("subtotal", order.total, ""),
        ("shipping", 0, ""),
        ("grand_total", order.total, "a-text-bold"),
    ]
    # The label text is ours and already HTML (it holds "&amp;"), so it is not escaped again.
    return "\n".join(
        fill("subtotal_row", label=loc.w(key), amount=esc(loc.money(amount)), bold=bold)  # type: ignore[arg-type]
        for key, amount, bold in rows
    )


def digital_summary(view: View, order: DemoOrder) -> str:
    loc = view.locale
    item = order.items[0]
    label, url = LIBRARIES[order.kind]
    body = fill(
        "digital_summary",
        title=esc(loc.w("title_digital")),
        placed_label=esc(loc.w("placed")),
        placed=esc(loc.slash_date(_placed_on(loc, order))),
        total_label=esc(loc.w("total")),
        total=esc(loc.money(order.total)),
        order_no_label=esc(loc.w("order_no")),
        order_id=esc(order.id),
        ordered_items=esc(loc.w("ordered_items")),
        price_label=esc(loc.w("price")),
        asin=esc(item.asin),
        title_item=esc(item.title),
        store=esc(loc.w(STORES[order.kind])),
        sold_by=esc(loc.w("sold_by", seller=item.seller)),
        price=esc(loc.money(item.price)),
        subtotal_label=esc(loc.w("subtotal")),
        library=esc(loc.w(label)),
        library_url=esc(url),
        invoice=esc(loc.w("invoice")),
    )
    return page(loc, loc.w("title_digital"), body)


def tracking(view: View, order: DemoOrder) -> str:
    loc, now = view.locale, view.now
    primary, secondary = status_lines(view, order, details=True)
    delivered = order.stage(now).status is OrderStatus.DELIVERED
    if order.shipped(now) and not delivered and order.arriving_on:
        primary = loc.w("in_transit", date=loc.short_date(order.arriving_on))
    parcel = order.parcel if order.shipped(now) else None
    body = fill(
        "tracking",
        see_all_orders=esc(loc.w("see_all_orders")),
        main_slot=esc(primary),
        detail=esc(secondary if delivered else ""),
        carrier_line=esc(_carrier_line(loc, parcel)) if parcel else "",
        tracking_line=esc(_tracking_line(loc, parcel)) if parcel else "",
        ship_to_label=esc(loc.w("ship_to")),
        name=esc(view.name),
        address=esc(loc.w("address")),
    )
    return page(loc, loc.w("track"), body)


def _by_phrase(loc: Locale, parcel: Parcel) -> bool:
    return parcel.carrier in _BY_PHRASE and "carrier_by" in loc.words


def _carrier_line(loc: Locale, parcel: Parcel) -> str:
    key = "carrier_by" if _by_phrase(loc, parcel) else "carrier"
    return loc.w(key, carrier=parcel.printed)


def _tracking_line(loc: Locale, parcel: Parcel) -> str:
    key = "tracking_id_by" if _by_phrase(loc, parcel) else "tracking_id"
    return loc.w(key, number=parcel.tracking_id)


# ---- other pages ----------------------------------------------------------------------------


def error_page(loc: Locale, *, not_found: bool = False) -> str:
    heading = loc.w("not_found") if not_found else loc.w("error_title")
    return page(loc, heading, fill("error", heading=esc(heading), detail=""))


def home(loc: Locale, signed_in: bool) -> str:
    account = ("/your-account", loc.w("account")) if signed_in else ("/ap/signin", loc.w("sign_in"))
    body = fill(
        "home",
        heading="Amazon (cancelwatch demo store)",
        orders=esc(loc.w("title_orders")),
        account_href=account[0],
        account_label=esc(account[1]),
    )
    return page(loc, "Amazon", body)


def action_page(loc: Locale, action: str, order_id: str, form_action: str) -> str:
    """What Amazon answers to a mutating URL: the form that would act. Nothing changes."""
    heading, submit = {
        "cancel": (loc.w("would_cancel"), loc.w("would_cancel_button")),
        "edit": (loc.w("would_cancel"), loc.w("would_cancel_button")),
        "cancel_request": (loc.w("would_request"), loc.w("cancel_request")),
        "return": (loc.w("would_return"), loc.w("return_items")),
        "buy": (loc.w("would_buy"), loc.w("would_buy")),
    }.get(action, (loc.w("would_change"), loc.w("would_change")))
    fields = ""
    if action in ("cancel", "edit", "return"):
        fields = '    <input type="checkbox" name="itemSelected" value="1" checked/>'
    body = fill(
        "action",
        action=esc(action),
        heading=esc(heading),
        order_line=esc(f"{loc.w('order_no')} {order_id}" if order_id else ""),
        form_action=esc(form_action),
        order_id=esc(order_id),
        fields=fields,
        submit=esc(submit),
        demo_note=esc(loc.w("demo_done")),
    )
    return page(loc, heading, body)
