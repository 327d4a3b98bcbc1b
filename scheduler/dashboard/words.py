"""The dashboard's words, in English and Japanese, keyed like
cancelwatch.scheduler.policy.words so the two can be merged. The Japanese follows the
labels Amazon shows (キャンセル, 返品)."""

from __future__ import annotations

from collections.abc import Mapping

from cancelwatch.scheduler.policy.words import Lang

_EN: Mapping[str, str] = {
    "page_title": "cancelwatch: your orders",
    "heading": "Your orders",
    "as_of": "As of {when}",
    "other_language": "日本語",
    "no_accounts": "No account yet: run “cancelwatch login”, or “cancelwatch demo --serve”.",
    "no_open_orders": "No open order.",
    "last_check": "Last check",
    "never_checked": "No check has run yet: run “cancelwatch check”.",
    "check_ok": "{when}: read {orders} orders",
    "check_failed": "{when}: failed",
    "to_fix": "To fix it, run:",
    "next_check": "Next check",
    "next_check_at": "{when} (in {left}): {why}",
    "check_now": "Check now",
    "check_asked": (
        "A check of {account} was asked for: it starts as soon as the limits allow (next check)."
    ),
    "check_by_watch": "Checks run in “cancelwatch watch”; the dashboard only shows them.",
    "open_orders": "Open orders",
    "order": "Order",
    "placed_on": "placed {date}",
    "items": "Items",
    "cancel_window": "Cancel",
    "return_window": "Return",
    "closes": "closes {when}",
    "closes_unknown": "close not known",
    "time_left": "left",
    "on_amazon": "Order page",
    "what_to_do": "What to do",
    "next_alerts": "Next alerts",
    "no_next_alerts": "No alert planned.",
    "alerts_sent": "Alerts sent",
    "no_alerts_sent": "No alert sent yet.",
    "sent_on": "{when} on {channels}",
    "calendar": "Calendar",
    "calendar_subscribe": "Subscribe to your windows in a calendar app",
    "calendar_download": "download calendar.ics",
    "calendar_missing": "The calendar feed is not available in this version.",
    "day_unit": "d",
    "closed": "closed",
    "problem": "Cannot show the orders: {message}",
    "state_open": "open",
    "state_request_only": "request only",
    "state_closed": "closed",
    "state_cancelled": "cancelled",
    "state_awaiting_approval": "awaiting approval",
    "status_pending": "not yet shipped",
    "status_preparing": "preparing to ship",
    "status_shipped": "shipped",
    "status_in_transit": "on its way",
    "status_delivered": "delivered",
    "status_cancelled": "cancelled",
    "status_returned": "returned",
    "status_unknown": "status not shown",
    "known_page": "from the order page",
    "known_rule": "estimated by rule",
    "known_user": "set by you",
    "known_history": "estimated from your past orders",
    "known_unknown": "not known",
    "left_days": "{days} d {hours} h",
    "left_hours": "{hours} h {minutes} min",
    "left_minutes": "{minutes} min",
}

_JA: Mapping[str, str] = {
    "page_title": "cancelwatch: 注文",
    "heading": "注文の状況",
    "as_of": "{when} 現在",
    "other_language": "English",
    "no_accounts": (
        "アカウントがありません。「cancelwatch login」または「cancelwatch demo --serve」を"
        "実行してください。"
    ),
    "no_open_orders": "手続き中の注文はありません。",
    "last_check": "前回の確認",
    "never_checked": "まだ確認していません。「cancelwatch check」を実行してください。",
    "check_ok": "{when}: {orders}件の注文を読み取りました",
    "check_failed": "{when}: 失敗しました",
    "to_fix": "直すには次を実行してください:",
    "next_check": "次の確認",
    "next_check_at": "{when}（あと{left}）: {why}",
    "check_now": "今すぐ確認",
    "check_asked": (
        "{account} の確認を依頼しました。制限の範囲で、できるだけ早く始まります（次の確認）。"
    ),
    "check_by_watch": "確認は「cancelwatch watch」が行います。ここでは表示だけです。",
    "open_orders": "手続き中の注文",
    "order": "注文",
    "placed_on": "{date} 注文",
    "items": "商品",
    "cancel_window": "キャンセル",
    "return_window": "返品",
    "closes": "期限 {when}",
    "closes_unknown": "期限不明",
    "time_left": "残り",
    "on_amazon": "注文の詳細",
    "what_to_do": "すること",
    "next_alerts": "次の通知",
    "no_next_alerts": "予定の通知はありません。",
    "alerts_sent": "送った通知",
    "no_alerts_sent": "まだ通知を送っていません。",
    "sent_on": "{when} {channels}",
    "calendar": "カレンダー",
    "calendar_subscribe": "カレンダーアプリで期限を購読する",
    "calendar_download": "calendar.ics をダウンロード",
    "calendar_missing": "このバージョンではカレンダーを配信していません。",
    "day_unit": "日",
    "closed": "期限切れ",
    "problem": "注文を表示できません: {message}",
    "state_open": "受付中",
    "state_request_only": "リクエストのみ",
    "state_closed": "終了",
    "state_cancelled": "キャンセル済み",
    "state_awaiting_approval": "承認待ち",
    "status_pending": "未発送",
    "status_preparing": "出荷準備中",
    "status_shipped": "発送済み",
    "status_in_transit": "配送中",
    "status_delivered": "配達済み",
    "status_cancelled": "キャンセル済み",
    "status_returned": "返品済み",
    "status_unknown": "状況の表示なし",
    "known_page": "注文ページの記載",
    "known_rule": "規則による推定",
    "known_user": "ご自身で設定",
    "known_history": "過去の注文からの推定",
    "known_unknown": "不明",
    "left_days": "{days}日{hours}時間",
    "left_hours": "{hours}時間{minutes}分",
    "left_minutes": "{minutes}分",
}

TEXTS: Mapping[Lang, Mapping[str, str]] = {"en": _EN, "ja": _JA}


def text(lang: Lang, key: str, /, **values: object) -> str:
    """The text `key` in `lang`, filled with `values`."""
    return TEXTS[lang][key].format(**values)
