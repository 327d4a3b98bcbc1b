"""The calendar feed's words, in English and Japanese, keyed like
`cancelwatch.scheduler.policy.words` so the two can be merged. A title is a label, the
item and the order id; the reasons and steps inside an event are the policy's own."""

from __future__ import annotations

from collections.abc import Mapping

from cancelwatch.scheduler.policy.words import Lang

_EN: Mapping[str, str] = {
    "calendar_name": "cancelwatch: order deadlines",
    "calendar_about": "When your Amazon orders can still be cancelled, refunded or returned.",
    "title": "{label}{estimated}: {item} ({order})",
    "title_no_item": "{label}{estimated}: {order}",
    "estimated": " (estimated)",
    "gone": "No longer applies: ",
    "cancel": "Cancel by",
    "preorder": "Pre-order cancel deadline",
    "release": "Release day",
    "kindle_refund": "Last day for a Kindle refund",
    "return": "Return by",
    "approval": "Cancels itself unless approved",
    "release_body": "The pre-order's release day: {date}.",
    "next": "What to do now:",
    "passed_body": "This window closed on {when}.",
    "gone_body": (
        "This window no longer applies: the order moved on or was cancelled. See the order"
        " page, or run `cancelwatch advise {order}`."
    ),
}

_JA: Mapping[str, str] = {
    "calendar_name": "cancelwatch: 注文の期限",
    "calendar_about": "Amazonの注文をキャンセル・返金・返品できる期限。",
    "title": "{label}{estimated}: {item}（{order}）",
    "title_no_item": "{label}{estimated}: {order}",
    "estimated": "（推定）",
    "gone": "【取り消し】",
    "cancel": "キャンセル期限",
    "preorder": "予約のキャンセル期限",
    "release": "発売日",
    "kindle_refund": "Kindle本の返金期限",
    "return": "返品期限",
    "approval": "未承認なら自動キャンセル",
    "release_body": "予約商品の発売日: {date}。",
    "next": "今できること:",
    "passed_body": "この期限は{when}に過ぎました。",
    "gone_body": (
        "この期限はなくなりました（注文が進んだか、キャンセルされました）。注文ページを確認するか、"
        "`cancelwatch advise {order}` を実行してください。"
    ),
}

TEXTS: Mapping[Lang, Mapping[str, str]] = {"en": _EN, "ja": _JA}


def text(lang: Lang, key: str, /, **values: object) -> str:
    """The text `key` in `lang`, filled with `values`."""
    return TEXTS[lang][key].format(**values)
