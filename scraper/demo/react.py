"""The order list in Amazon's React layout (issue 9): the server sends skeleton
placeholders only, and a script fills the cards in from data embedded in the page after a
delay, leaving the placeholders where they were. The markup follows our own pages of
that layout in tests/fixtures (react-order-list-*.html, react-skeleton-*.html)."""

from __future__ import annotations

import json

from cancelwatch.scraper.demo import pages
from cancelwatch.scraper.demo.pages import PAGE_SIZE, View
from cancelwatch.scraper.demo.scenario import DemoOrder, Item
from cancelwatch.scraper.demo.templates import esc, fill, page
from cancelwatch.scraper.read.model import OrderStatus

FILL_DELAY_MS = 300
"""How long the skeleton stands before the script fills the cards in."""
_SKELETON_CARDS = 2
# The status line reads "Arriving …" both before and after shipping; the status code
# under it tells them apart, as Amazon's own `data-yoshortstatuscode` does on its pages.
_CODES = {
    OrderStatus.PENDING: "NOT_YET_SHIPPED",
    OrderStatus.PREPARING: "PREPARING_FOR_SHIPMENT",
    OrderStatus.SHIPPED: "SHIPPED",
}


def list_url(time_filter: str, start: int) -> str:
    """The layout pages by `?page=N` (from 1) instead of a start index."""
    return f"/your-orders/orders?timeFilter={time_filter}&page={start // PAGE_SIZE + 1}"


def order_list(
    view: View, time_filter: str, start: int, search: str = "", delay_ms: int = FILL_DELAY_MS
) -> str:
    """One page of the list as the server sends it: placeholders, and the cards as data
    for the script that replaces them after `delay_ms`."""
    loc = view.locale
    orders = pages.matching(view, time_filter, search)
    filled = fill(
        "react_orders",
        cards="\n".join(_card(view, o) for o in orders[start : start + PAGE_SIZE]),
        pagination=pages.pagination(loc, lambda at: list_url(time_filter, at), start, len(orders)),
    )
    # "</" would end the script element early; JSON allows "<\/" for it.
    payload = json.dumps({"html": filled}, ensure_ascii=False).replace("</", "<\\/")
    body = fill(
        "react_order_list",
        title=esc(loc.w("title_orders")),
        search=esc(loc.w("search")),
        search_value=esc(search),
        search_button=esc(loc.w("search_button")),
        skeletons="\n".join(fill("react_skeleton") for _ in range(_SKELETON_CARDS)),
        payload=payload,
        delay_ms=delay_ms,
    )
    return page(loc, loc.w("title_orders"), body)


def _card(view: View, order: DemoOrder) -> str:
    loc = view.locale
    placed = order.placed_at.astimezone(loc.zone).date()
    invoice = f"/gp/css/summary/print.html?orderID={order.id}&ref=ppx_yo2ov_dt_b_invoice"
    ship_to = placed_by = ""
    if not order.digital:
        ship_to = fill("react_ship_to", ship_to_label=esc(loc.w("ship_to")), name=esc(view.name))
    if order.placed_by is not None:
        label = esc(loc.w("placed_by"))
        placed_by = fill("react_placed_by", placed_by_label=label, placed_by=esc(order.placed_by))
    return fill(
        "react_card",
        placed_label=esc(loc.w("placed")),
        placed=esc(loc.full_date(placed)),
        total_label=esc(loc.w("total")),
        total=esc(_short_cents(loc.money(order.total))),
        ship_to=ship_to,
        placed_by=placed_by,
        order_no_label=esc(loc.w("order_no")),
        order_id=esc(order.id),
        invoice_url=esc(invoice),
        invoice=esc(loc.w("invoice")),
        details_url=esc(pages.details_url(order)),
        view_details=esc(loc.w("view_details")),
        approval=pages.approval_box(loc, order, "react_approval"),
        box=_digital_box(view, order) if order.digital else _delivery_box(view, order),
    )


def _short_cents(printed: str) -> str:
    """The layout drops a trailing zero of the cents ("£8.2" for £8.20, issue 9); whole
    amounts keep theirs."""
    if len(printed) > 3 and printed[-3] == "." and printed[-1] == "0" and printed[-2] != "0":
        return printed[:-1]
    return printed


def _delivery_box(view: View, order: DemoOrder) -> str:
    primary, secondary = pages.status_lines(view, order, details=False)
    code = _CODES.get(order.stage(view.now).status)
    attr = f' data-yoshortstatuscode="{code}"' if code else ""
    status = [
        f'                <div class="a-row"{attr}><span class="a-size-medium a-color-base '
        f'a-text-bold">{esc(primary)}</span></div>'
    ]
    if secondary:
        status.append(
            '                <div class="a-row"><span class="a-size-small a-color-secondary">'
            f"{esc(secondary)}</span></div>"
        )
    extras = pages.item_extras(view, order)
    buttons = pages.actions(view, order, "ppx_yo2ov_dt_b")
    return fill(
        "react_box",
        box_id=' id="orderCardDeliveryBox"',
        status="\n".join(status),
        items="\n".join(_item(view, item, f"/dp/{item.asin}", extras) for item in order.items),
        buttons=_buttons(buttons),
    )


def _digital_box(view: View, order: DemoOrder) -> str:
    """A digital order has nothing to deliver: its box holds the item and a link to the
    library, and no status line."""
    loc = view.locale
    label, url = pages.LIBRARIES[order.kind]
    store = loc.w(pages.STORES[order.kind])
    return fill(
        "react_box",
        box_id="",
        status="",
        items="\n".join(_item(view, item, f"/dp/{item.asin}", [store]) for item in order.items),
        buttons=_buttons([(url, loc.w(label), "a-button-base")]),
    )


def _item(view: View, item: Item, url: str, extras: list[str]) -> str:
    rows = "\n".join(
        '                            <div class="a-row"><span class="a-size-small">'
        f"{esc(line)}</span></div>"
        for line in extras
    )
    return fill(
        "react_item",
        url=esc(url),
        title=esc(item.title),
        extra=rows,
        price=esc(view.locale.money(item.price)),
    )


def _buttons(found: list[tuple[str, str, str]]) -> str:
    return "\n".join(
        fill("react_button", href=esc(href), label=esc(label), style=style)
        for href, label, style in found
    )
