"""The words of the calendar feed (`cancelwatch calendar`, the dashboard's calendar.ics), in
English and Japanese. Every key starts with `feed_`. A title is a label, the item and the
order id; the reasons and steps inside an event are the policy's own."""

from __future__ import annotations

from collections.abc import Mapping

EN: Mapping[str, str] = {
    "feed_calendar_name": "cancelwatch: order deadlines",
    "feed_calendar_about": "When your Amazon orders can still be cancelled, refunded or returned.",
    "feed_title": "{label}{estimated}: {item} ({order})",
    "feed_title_no_item": "{label}{estimated}: {order}",
    "feed_estimated": " (estimated)",
    "feed_gone": "No longer applies: ",
    "feed_cancel": "Cancel by",
    "feed_preorder": "Pre-order cancel deadline",
    "feed_release": "Release day",
    "feed_kindle_refund": "Last day for a Kindle refund",
    "feed_return": "Return by",
    "feed_approval": "Cancels itself unless approved",
    "feed_release_body": "The pre-order's release day: {date}.",
    "feed_next": "What to do now:",
    "feed_passed_body": "This window closed on {when}.",
    "feed_gone_body": (
        "This window no longer applies: the order moved on or was cancelled. See the order"
        " page, or run `cancelwatch advise {order}`."
    ),
}

JA: Mapping[str, str] = {
    "feed_calendar_name": "cancelwatch: 注文の期限",
    "feed_calendar_about": "Amazonの注文をキャンセル・返金・返品できる期限。",
    "feed_title": "{label}{estimated}: {item}（{order}）",
    "feed_title_no_item": "{label}{estimated}: {order}",
    "feed_estimated": "（推定）",
    "feed_gone": "【取り消し】",
    "feed_cancel": "キャンセル期限",
    "feed_preorder": "予約のキャンセル期限",
    "feed_release": "発売日",
    "feed_kindle_refund": "Kindle本の返金期限",
    "feed_return": "返品期限",
    "feed_approval": "未承認なら自動キャンセル",
    "feed_release_body": "予約商品の発売日: {date}。",
    "feed_next": "今できること:",
    "feed_passed_body": "この期限は{when}に過ぎました。",
    "feed_gone_body": (
        "この期限はなくなりました（注文が進んだか、キャンセルされました）。注文ページを確認するか、"
        "`cancelwatch advise {order}` を実行してください。"
    ),
}
