"""The words of the command line's tables and reports (`check`, `demo`, `status`,
`advise`, `deadline`), in English and Japanese."""

from __future__ import annotations

from collections.abc import Mapping

EN: Mapping[str, str] = {
    # -- lengths and moments (scheduler/policy/moments.py) --
    "span_days": "{n} d",
    "span_hours": "{n} h",
    "span_hours_minutes": "{h} h {m} min",
    "span_minutes": "{n} min",
    "moment_in": "in {span}",
    "moment_ago": "{span} ago",
    "moment_now": "just now",
    "moment_soon": "within a minute",
    "moment_shown": "{at} ({rel})",
    "none_shown": "—",
    "progress_page": "read order page {page} ({orders} orders)",
    # -- the windows table --
    "col_order": "order",
    "col_status": "status",
    "col_cancel": "cancel",
    "col_closes": "closes",
    "col_known": "known",
    "col_left": "left",
    "col_then": "then",
    "return_by": "return by {when}",
    # the order's status, as the page shows it
    "status_pending": "pending",
    "status_preparing": "preparing",
    "status_shipped": "shipped",
    "status_in_transit": "in transit",
    "status_delivered": "delivered",
    "status_cancelled": "cancelled",
    "status_returned": "returned",
    "status_unknown": "unknown",
    # a window's state
    "state_open": "open",
    "state_request_only": "request only",
    "state_closed": "closed",
    "state_cancelled": "cancelled",
    "state_awaiting_approval": "awaiting approval",
    # how its close is known
    "known_page": "page",
    "known_rule": "rule",
    "known_user": "manual",
    "known_history": "history",
    "known_unknown": "unknown",
    # -- check and demo --
    "outcome_head": "{account} ({marketplace}): {open} open of {read} orders read on {pages} pages",
    "label_error": "error:",
    "label_sent": "sent:",
    "label_held": "held for quiet hours:",
    "label_warning": "warning:",
    # -- status --
    "no_check_yet": "no check has run yet: run `cancelwatch check`",
    "last_check": "{account}: last check {when}: {result}",
    "last_check_failed": "{account}: last check {when}: failed ({error})",
    "last_check_unknown_time": "an unrecorded time",
    "result_ok": "ok",
    "result_error": "failed",
    "next_check": "{account}: next check {when}: {why}",
    "next_alerts": "next alerts:",
    # -- advise --
    "advice_head": "{order_id} ({status})",
    "advice_elsewhere": "Said elsewhere, not by Amazon:",
    "advice_cancel": "cancel: {state} ({known}), closes {when}",
    "advice_return": "return: {state}, closes {when}",
    # -- deadline --
    "deadline_cleared": "{order_id}: the deadline you set is cleared",
    "deadline_set": "{order_id}: cancel deadline set to {when}",
    "deadline_missing": "give the deadline, like 2026-12-15 or '2026-12-15 18:00', or --clear",
    "deadline_unreadable": "{given} is not a date like 2026-12-15 or a time like "
    "'2026-12-15 18:00'",
    "order_not_stored": "order {order_id} is not in the database; run `cancelwatch check` "
    "first (or check the number)",
    # -- a check refused (scheduler/watch/pacing.py) --
    "too_soon_busy": "{account}: another cancelwatch (the watcher?) is checking it right now; "
    "nothing done, its result will be in `cancelwatch status`",
    "too_soon_limit": "{account}: the last check started at {last}; {limit} in {source} allows "
    "the next at {next} (in {minutes} min); nothing done",
}

JA: Mapping[str, str] = {
    "span_days": "{n}日",
    "span_hours": "{n}時間",
    "span_hours_minutes": "{h}時間{m}分",
    "span_minutes": "{n}分",
    "moment_in": "あと{span}",
    "moment_ago": "{span}前",
    "moment_now": "たった今",
    "moment_soon": "1分以内",
    "moment_shown": "{at}（{rel}）",
    "none_shown": "—",
    "progress_page": "注文一覧の{page}ページ目を読みました（{orders}件）",
    "col_order": "注文",
    "col_status": "状況",
    "col_cancel": "キャンセル",
    "col_closes": "締切",
    "col_known": "根拠",
    "col_left": "残り",
    "col_then": "その後",
    "return_by": "{when}まで返品可",
    "status_pending": "未発送",
    "status_preparing": "出荷準備中",
    "status_shipped": "発送済み",
    "status_in_transit": "配送中",
    "status_delivered": "配達済み",
    "status_cancelled": "キャンセル済み",
    "status_returned": "返品済み",
    "status_unknown": "不明",
    "state_open": "可",
    "state_request_only": "リクエストのみ",
    "state_closed": "不可",
    "state_cancelled": "キャンセル済み",
    "state_awaiting_approval": "承認待ち",
    "known_page": "ページ",
    "known_rule": "ルール",
    "known_user": "手動",
    "known_history": "履歴",
    "known_unknown": "不明",
    "outcome_head": "{account}（{marketplace}）: {pages}ページで読んだ注文{read}件のうち"
    "{open}件が対象",
    "label_error": "エラー:",
    "label_sent": "送信済み:",
    "label_held": "通知しない時間帯のため保留:",
    "label_warning": "警告:",
    "no_check_yet": "まだ一度も確認していません:「cancelwatch check」を実行してください",
    "last_check": "{account}: 前回の確認 {when}: {result}",
    "last_check_failed": "{account}: 前回の確認 {when}: 失敗（{error}）",
    "last_check_unknown_time": "時刻の記録なし",
    "result_ok": "正常",
    "result_error": "失敗",
    "next_check": "{account}: 次の確認 {when}: {why}",
    "next_alerts": "次の通知:",
    "advice_head": "{order_id}（{status}）",
    "advice_elsewhere": "Amazon以外の情報：",
    "advice_cancel": "キャンセル: {state}（根拠: {known}）、締切 {when}",
    "advice_return": "返品: {state}、締切 {when}",
    "deadline_cleared": "{order_id}: 手動で設定した期限を取り消しました",
    "deadline_set": "{order_id}: キャンセル期限を{when}に設定しました",
    "deadline_missing": "期限を2026-12-15や「2026-12-15 18:00」の形で指定するか、"
    "--clearを付けてください",
    "deadline_unreadable": "{given}は2026-12-15のような日付でも「2026-12-15 18:00」のような"
    "日時でもありません",
    "order_not_stored": "注文{order_id}はデータベースにありません。先に「cancelwatch check」を"
    "実行してください（または注文番号を確かめてください）",
    "too_soon_busy": "{account}: 別のcancelwatch（常駐中の監視？）がいま確認中です。"
    "何もしませんでした。結果は「cancelwatch status」で見られます",
    "too_soon_limit": "{account}: 前回の確認は{last}に始まりました。{source}の{limit}により"
    "次は{next}から（あと{minutes}分）です。何もしませんでした",
}
