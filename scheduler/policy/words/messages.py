"""What the command line says on stderr, in English and Japanese: the prefix of an error
and of a log line, progress, the lead sentence of an error a user acts on
(scheduler/cli/main.py), the demo's and the watcher's lines, and why a desktop
notification was not shown.

An error raised deep down (the browser, the crawl, the secret store) keeps its English
message, which names the page, the file or Playwright's own words: in Japanese a lead
sentence says what happened and what to do, and the English follows as the detail. In
English the message already says both, so the English leads are empty."""

from __future__ import annotations

from collections.abc import Mapping

EN: Mapping[str, str] = {
    # -- prefixes (scheduler/cli/main.py) --
    "err_line": "cancelwatch: error: {message}",
    "err_aborted": "cancelwatch: aborted",
    "err_explained": "{lead}{detail}",
    "log_line": "cancelwatch: {level}: {message}",
    "level_DEBUG": "DEBUG",
    "level_INFO": "INFO",
    "level_WARNING": "WARNING",
    "level_ERROR": "ERROR",
    "level_CRITICAL": "CRITICAL",
    "progress_line": "cancelwatch: {message}",
    "progress_starting": "starting…",
    # -- leads of the errors a user acts on: the English message says it already --
    "lead_sign_in": "",
    "lead_no_browser": "",
    "lead_no_display": "",
    "lead_unreachable": "",
    "lead_unreadable": "",
    "lead_secrets": "",
    "lead_state": "",
    # -- state.db, when SQLite refuses it --
    "db_busy": "the state database {path} stayed busy ({said}): another cancelwatch is "
    "writing to it; try again in a minute",
    "db_full": "cannot write the state database {path} ({said}): free some disk space, "
    "then try again",
    "db_damaged": "cannot use the state database {path} ({said}); if it is damaged, move it "
    "aside to start afresh",
    # -- the demo (scheduler/cli/demo.py) --
    "demo_store_at": "demo store for {marketplace} at {url}",
    "demo_store_layout_at": "demo store for {marketplace}, {layout} layout at {url}",
    "demo_stopped": "cancelwatch: demo stopped",
    # -- the watcher (scheduler/cli/watch.py) --
    "watch_started": "cancelwatch: watching {accounts} account(s), every {interval:g} min and "
    "before deadlines, at least {gap:g} min apart; alerts from {path}",
    "watch_stopped": "cancelwatch: stopped",
    "watch_check_failed": "cancelwatch: {account}: {message}",
    # -- a notification not shown (scheduler/notify) --
    "log_desktop_failed": "desktop notification not shown: {error}",
    "log_channel_failed": "notification channel {channel} failed: {error}",
    "desktop_no_service": "no desktop notification service on this platform",
    "desktop_no_bus": "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set and there "
    "is no user bus socket)",
    "desktop_bus_silent": "the session bus did not answer in time",
    "desktop_timeout": "the notification service did not answer in {seconds:g} s",
    "desktop_refused": "the notification service did not accept the notification",
}

JA: Mapping[str, str] = {
    "err_line": "cancelwatch: エラー: {message}",
    "err_aborted": "cancelwatch: 中止しました",
    "err_explained": "{lead}（詳細: {detail}）",
    "log_line": "cancelwatch: {level}: {message}",
    "level_DEBUG": "デバッグ",
    "level_INFO": "情報",
    "level_WARNING": "警告",
    "level_ERROR": "エラー",
    "level_CRITICAL": "重大",
    "progress_line": "cancelwatch: {message}",
    "progress_starting": "開始しています…",
    "lead_sign_in": "Amazonがサインインを求めています。"
    "`cancelwatch login --headed`でブラウザーを表示してサインインし直してください",
    "lead_no_browser": "使えるブラウザーがありません。ChromiumかGoogle Chromeを入れるか、"
    "config.tomlの[browser] executableでその場所を指定してください",
    "lead_no_display": "画面のないマシンではブラウザーを表示できません（--headed）。"
    "デスクトップで実行するか、--headedを外してください",
    "lead_unreachable": "Amazon（またはデモストア）につながりませんでした。"
    "しばらくしてからもう一度試してください",
    "lead_unreadable": "ページを読み取れませんでした。"
    "Amazonのページの作りが変わったのかもしれません。"
    "保存したページを`cancelwatch doctor`で調べられます",
    "lead_secrets": "パスワードや鍵を安全にしまう場所がありません。"
    "詳細のとおりに用意してから、もう一度実行してください",
    "lead_state": "状態データベースを使えません",
    "db_busy": "状態データベース {path} が使用中のままです（{said}）。"
    "別のcancelwatchが書き込んでいます。1分ほどしてからもう一度試してください",
    "db_full": "状態データベース {path} に書き込めません（{said}）。"
    "ディスクの空きを作ってから、もう一度試してください",
    "db_damaged": "状態データベース {path} を使えません（{said}）。"
    "壊れている場合は、ファイルを別の場所へ移すと最初からやり直せます",
    "demo_store_at": "{marketplace}のデモストア: {url}",
    "demo_store_layout_at": "{marketplace}のデモストア（{layout}レイアウト）: {url}",
    "demo_stopped": "cancelwatch: デモを終了しました",
    "watch_started": "cancelwatch: {accounts}件のアカウントを見守っています（{interval:g}分ごとと"
    "期限の前、確認の間は{gap:g}分以上）。通知の記録: {path}",
    "watch_stopped": "cancelwatch: 終了しました",
    "watch_check_failed": "cancelwatch: {account}: {message}",
    "log_desktop_failed": "デスクトップ通知を表示できませんでした: {error}",
    "log_channel_failed": "通知チャネル {channel} で送れませんでした: {error}",
    "desktop_no_service": "この環境にはデスクトップ通知の仕組みがありません",
    "desktop_no_bus": "D-Busのセッションバスがありません"
    "（DBUS_SESSION_BUS_ADDRESSが未設定で、ユーザーのバスソケットもありません）",
    "desktop_bus_silent": "セッションバスが時間内に応答しませんでした",
    "desktop_timeout": "通知サービスが{seconds:g}秒以内に応答しませんでした",
    "desktop_refused": "通知サービスが通知を受け付けませんでした",
}
