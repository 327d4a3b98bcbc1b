"""What the command line says on stderr, in English and Japanese: the prefix of an error
and of a log line, progress, the lead sentence of an error a user acts on
(scheduler/cli/main.py), the demo's, the watcher's and the dashboard's lines, and why a
desktop notification was not shown.

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
    "lead_unresponsive": "",
    "lead_unreadable": "",
    "lead_secrets": "",
    "lead_state": "",
    "lead_file": "",
    "lead_usage": "",
    # -- a command line Click refused (the English is Click's own) --
    "usage_line": "Usage: {usage}",
    "usage_help": "Try '{command} {option}' for help.",
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
    "demo_one_at_a_time": "demo --mail and --serve go one at a time: choose one",
    # -- demo --mail --
    "mail_intro": "demo with order mails: a first check, then a seller order placed during the "
    "run, heard by its mail; checks stay {gap:g} min apart, so this takes a little over 2 "
    "minutes",
    "mail_placing": "a new seller order, {order_id}, comes at {at}; its order mail goes to "
    "{maildir}, and the next check may start at {allowed} (checks stay {gap:g} min apart)",
    "mail_placed": "the seller order {order_id} was placed at {at}",
    "mail_heard": "mail heard: {kind} ({orders}), sent {sent}: {asked}",
    "mail_kind_ordered": "ordered",
    "mail_kind_shipped": "shipped",
    "mail_kind_delivered": "delivered",
    "mail_kind_cancelled": "cancelled",
    "mail_no_date": "no date",
    "mail_no_order": "no order number",
    "mail_asks": "asks for a check",
    "mail_asks_not": "no new check asked for",
    "mail_check": "check at {at}",
    "mail_failed": "the check failed: {error}",
    "mail_alert": "alert sent: {title}",
    "mail_alert_held": "alert sent (held for your quiet hours): {title}",
    "mail_not_alerted": "the seller order {order_id} was not alerted while it could be "
    "cancelled directly: the lines above say how far the demo got",
    "mail_sites": "demo --mail plays {sites}, whose order mails cancelwatch knows; "
    "{marketplace} has none yet: choose one of those with --marketplace",
    "mail_sites_joined": " or ",
    # -- the watcher (scheduler/cli/watch.py) --
    "watch_started": "cancelwatch: watching {accounts} account(s), every {interval:g} min and "
    "before deadlines, at least {gap:g} min apart; alerts from {path}",
    "watch_stopped": "cancelwatch: stopped",
    "watch_check_failed": "cancelwatch: {account}: {message}",
    # -- the dashboard (scheduler/cli/serve.py) --
    "serve_at": "cancelwatch: dashboard at {url}",
    "serve_from_elsewhere": "cancelwatch: from another device: {url}",
    "serve_beyond_loopback": "cancelwatch: listening on {host}, beyond this computer: any "
    "device on the network that has the address with its token can see your orders, and the "
    "page is plain HTTP; do this on a network you trust only",
    "serve_ctrl_c": "cancelwatch: Ctrl-C stops it",
    "serve_stopped": "cancelwatch: dashboard stopped",
    "serve_in_watch": "cancelwatch: dashboard on {url} (its address with the token: "
    "`cancelwatch serve --url`)",
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
    "lead_unresponsive": "ページが応答しなくなったため、ブラウザーを終了しました。"
    "次のチェックでもう一度読みます",
    "lead_unreadable": "ページを読み取れませんでした。"
    "Amazonのページの作りが変わったのかもしれません。"
    "保存したページを`cancelwatch doctor`で調べられます",
    "lead_secrets": "パスワードや鍵を安全にしまう場所がありません。"
    "詳細のとおりに用意してから、もう一度実行してください",
    "lead_state": "状態データベースを使えません",
    "lead_file": "そのファイルを読めません。ファイルの場所を確かめるか、"
    "ページをブラウザーから保存し直してください",
    "lead_usage": "コマンドの書き方が正しくありません",
    "usage_line": "使い方: {usage}",
    "usage_help": "説明は「{command} {option}」で表示できます。",
    "db_busy": "状態データベース {path} が使用中のままです（{said}）。"
    "別のcancelwatchが書き込んでいます。1分ほどしてからもう一度試してください",
    "db_full": "状態データベース {path} に書き込めません（{said}）。"
    "ディスクの空きを作ってから、もう一度試してください",
    "db_damaged": "状態データベース {path} を使えません（{said}）。"
    "壊れている場合は、ファイルを別の場所へ移すと最初からやり直せます",
    "demo_store_at": "{marketplace}のデモストア: {url}",
    "demo_store_layout_at": "{marketplace}のデモストア（{layout}レイアウト）: {url}",
    "demo_stopped": "cancelwatch: デモを終了しました",
    "demo_one_at_a_time": "demo の --mail と --serve は同時には使えません。"
    "どちらか一方にしてください",
    "mail_intro": "注文メール付きのデモです。最初の確認のあと、実行中に出品者の注文が入り、"
    "その注文メールを受け取ります。確認の間は{gap:g}分以上空けるので、2分あまりかかります",
    "mail_placing": "出品者の新しい注文 {order_id} が{at}に入ります。注文メールは{maildir}に届き、"
    "次の確認は{allowed}から始められます（確認の間は{gap:g}分以上）",
    "mail_placed": "出品者の注文 {order_id} が{at}に入りました",
    "mail_heard": "メールを受け取りました: {kind}（{orders}）、送信 {sent}: {asked}",
    "mail_kind_ordered": "注文",
    "mail_kind_shipped": "発送",
    "mail_kind_delivered": "配達",
    "mail_kind_cancelled": "キャンセル",
    "mail_no_date": "日時なし",
    "mail_no_order": "注文番号なし",
    "mail_asks": "確認を頼みます",
    "mail_asks_not": "新しい確認は頼みません",
    "mail_check": "{at}に確認",
    "mail_failed": "確認に失敗しました: {error}",
    "mail_alert": "通知を送りました: {title}",
    "mail_alert_held": "通知を送りました（通知を控える時間帯のため保留中）: {title}",
    "mail_not_alerted": "出品者の注文 {order_id} は、"
    "直接キャンセルできるうちに通知されませんでした。デモがどこまで進んだかは上の行のとおりです",
    "mail_sites": "demo --mail が演じるのは注文メールをcancelwatchが知っている{sites}です。"
    "{marketplace}のメールはまだ知りません。--marketplaceでそのどれかを選んでください",
    "mail_sites_joined": "、",
    "watch_started": "cancelwatch: {accounts}件のアカウントを見守っています（{interval:g}分ごとと"
    "期限の前、確認の間は{gap:g}分以上）。通知の記録: {path}",
    "watch_stopped": "cancelwatch: 終了しました",
    "watch_check_failed": "cancelwatch: {account}: {message}",
    "serve_at": "cancelwatch: ダッシュボード: {url}",
    "serve_from_elsewhere": "cancelwatch: ほかの機器からは: {url}",
    "serve_beyond_loopback": "cancelwatch: {host}で待ち受けています。このコンピューターの外からも"
    "見えます。トークン付きのアドレスを知っているネットワーク上の機器なら、どれでも注文を見られます。"
    "ページは暗号化されないHTTPです。信頼できるネットワークでだけ使ってください",
    "serve_ctrl_c": "cancelwatch: Ctrl-Cで終了します",
    "serve_stopped": "cancelwatch: ダッシュボードを終了しました",
    "serve_in_watch": "cancelwatch: ダッシュボード: {url}"
    "（トークン付きのアドレスは`cancelwatch serve --url`で表示できます）",
    "log_desktop_failed": "デスクトップ通知を表示できませんでした: {error}",
    "log_channel_failed": "通知チャネル {channel} で送れませんでした: {error}",
    "desktop_no_service": "この環境にはデスクトップ通知の仕組みがありません",
    "desktop_no_bus": "D-Busのセッションバスがありません"
    "（DBUS_SESSION_BUS_ADDRESSが未設定で、ユーザーのバスソケットもありません）",
    "desktop_bus_silent": "セッションバスが時間内に応答しませんでした",
    "desktop_timeout": "通知サービスが{seconds:g}秒以内に応答しませんでした",
    "desktop_refused": "通知サービスが通知を受け付けませんでした",
}

LOGGED_JA: Mapping[str, str] = {
    # The log lines a user sees at the default level (warnings and errors), by the English
    # format the code logs them with, as gettext keys its catalogs; the same placeholders in
    # the same order. scheduler/cli/main.py words a line in Japanese by this table; the
    # values filled in (an error's English detail) stay as they are.
    "session file for %s has no key in the secret store; signing in again": (
        "%s のセッションファイルの鍵が秘密情報の保管庫にありません。サインインし直します"
    ),
    "session file for %s cannot be decrypted; signing in again": (
        "%s のセッションファイルを復号できません。サインインし直します"
    ),
    "%s asks for %s: answer it in the browser window": (
        "%sが%sを求めています。ブラウザーの画面で答えてください"
    ),
    "could not keep a copy of the page: %s": "ページの控えを保存できませんでした: %s",
    "a page stopped answering: ending its browser (process %s)": (
        "ページが応答しなくなりました。ブラウザー（プロセス %s）を終了します"
    ),
    "check of %s failed: %s": "%s の確認に失敗しました: %s",
    "a check of unknown account %r was requested; ignored": (
        "知らないアカウント %r の確認を頼まれました。無視します"
    ),
    "a check failed; the watcher goes on": "確認に失敗しました。監視は続けます",
    "a scheduled job failed; the watcher goes on": "予定の処理に失敗しました。監視は続けます",
    "mail of %s stopped: %s": "%s のメールの受信が止まりました: %s",
    "mail of %s stopped on an unexpected error": ("%s のメールの受信が思わぬエラーで止まりました"),
    "mail of %s: the check was not started: %s": "%s のメール: 確認を始めませんでした: %s",
    "the check of a stopping watcher did not end within %g s; killed": (
        "終了中の監視の確認が%g秒以内に終わらなかったため、止めました"
    ),
    "mail of %s: %s (%s); connecting again in %.1f s": (
        "%s のメール: %s（%s）。%.1f秒後につなぎ直します"
    ),
    "mail of %s: the server renumbered %s (UIDVALIDITY changed); mails that arrived while "
    "cancelwatch was away are not read again": (
        "%s のメール: サーバーが%sの番号を付け直しました（UIDVALIDITYの変更）。"
        "cancelwatchが止まっていた間に届いたメールは読み直しません"
    ),
    "could not open the order page": "注文ページを開けませんでした",
    "cannot hold a lock in %s (%s): an alert whose delivery was cut off is taken over only "
    "when its claim's lease runs out": (
        "%s にロックを置けません（%s）。送信が途中で止まった通知は、"
        "その引き受けの期限が切れてから引き継ぎます"
    ),
    "%s: journal mode is %s, not WAL (a network file system?)": (
        "%s: ジャーナルモードがWALではなく%sです（ネットワーク上のファイルシステム？）"
    ),
    "%s was empty (0 bytes): started a new database in it; if it held your order history, "
    "put a backup of it back in its place": (
        "%s が空（0バイト）だったので、新しいデータベースを作りました。"
        "注文の履歴が入っていたはずなら、バックアップを元の場所に戻してください"
    ),
    "demo store: could not deliver an order mail": "デモストア: 注文メールを届けられませんでした",
    "demo store failed on %s %s": "デモストアが %s %s で失敗しました",
    "read-only guard could not judge a request; refusing it": (
        "読み取り専用の見張りがリクエストを判断できなかったため、拒否しました"
    ),
}
