"""The words of what is wrong with config.toml (scheduler/config/schema.py), in English and
Japanese: one line naming the key and what is allowed. Every key starts with `cfg_`; TOML
keys, values and examples stay as the file writes them."""

from __future__ import annotations

from collections.abc import Mapping

EN: Mapping[str, str] = {
    # -- the line --
    "cfg_value_error": "{where}: {problem}",
    "cfg_missing": "{where}: missing; expected {allowed}",
    "cfg_expected": "{where}: expected {allowed}, got {got}",
    "cfg_more_one": " (and 1 more problem)",
    "cfg_more": " (and {n} more problems)",
    "cfg_unknown_key": "unknown key {name} (known: {known})",
    "cfg_unknown_key_in": "unknown key {name} (known in [{table}]: {known})",
    "cfg_none": "none",
    "cfg_the_file": "the file",
    "cfg_another_value": "another value",
    "cfg_not_shown": "a value not shown here (it may hold a token)",
    # -- a value as the line shows it --
    "cfg_huge": "a huge number",
    "cfg_a_table": "a table",
    "cfg_a_list": "a list of {n}",
    # -- what a check found --
    "cfg_text": (
        "expected {what} (1 to {longest} characters, no control characters or surrounding"
        " spaces), got {got}"
    ),
    "cfg_duration": 'expected a duration from {low} to {high}, like "30m", "3h" or "3d", got {got}',
    "cfg_span_string": 'expected a duration from {low} to {high} as a string, like "3h", got {got}',
    "cfg_clock": 'expected a 24-hour time as HH:MM, like "22:00", got {got}',
    "cfg_marketplace": "expected one of {known}, got {got}",
    "cfg_account_file": (
        "expected an account name that can name a file: letters, digits, - and _, not starting"
        ' with a dot, none of / \\ : * ? " < > |, got {got}'
    ),
    "cfg_base_url": (
        'expected an http:// or https:// address, like "http://127.0.0.1:8080", got {got}'
    ),
    "cfg_apprise_shape": 'expected an Apprise URL like "ntfy://my-topic" (not shown here)',
    "cfg_apprise_chars": (
        "expected an Apprise URL without spaces or control characters, got a {scheme}:// URL"
        " (not shown here)"
    ),
    "cfg_host": 'expected a host name like "imap.gmail.com", got {got}',
    "cfg_command_line": "expected one line of command (not shown here)",
    "cfg_command_quote": "is not a command line: a quote is not closed (not shown here)",
    "cfg_command_empty": "is empty; give a command that prints the password or token",
    "cfg_command_program": (
        "{program} is neither a program on PATH nor the absolute path of an executable file;"
        " install it or give its full path"
    ),
    "cfg_zone": (
        'expected a time-zone name like "Asia/Tokyo" or "America/New_York", got {got}{hint}'
    ),
    "cfg_zone_hint": "; did you mean {zone}?",
    "cfg_lead_twice": "lists {lead} twice; give each lead once",
    "cfg_oauth_command": (
        'auth = "oauth2" needs password_command, a command that prints a fresh access token'
        " (like oama or your provider's own tool)"
    ),
    "cfg_quiet_empty": (
        "start and end are both {at}, so quiet hours would never begin; remove [quiet_hours]"
        " to have none"
    ),
    # -- what a text names --
    "cfg_what_account": "an account name",
    "cfg_what_offset": "an ASIN or a word of the title",
    "cfg_what_executable": "the path of a Chromium or Chrome program",
    "cfg_what_user": "a user name",
    "cfg_what_folder": "a folder name",
    # -- what a key allows --
    "cfg_number": "a number of {unit} from {low} to {high}",
    "cfg_number_why": "a number of {unit} from {low} to {high} ({why})",
    "cfg_whole": "a whole number of {unit} from {low} to {high}",
    "cfg_unit_seconds": "seconds",
    "cfg_unit_minutes": "minutes",
    "cfg_unit_pages": "pages",
    "cfg_unit_retries": "retries",
    "cfg_unit_days": "days",
    "cfg_unit_hours": "hours",
    "cfg_unit_checks": "checks",
    "cfg_unit_cancellations": "cancellations",
    "cfg_unit_port": "port",
    "cfg_why_delay": "at least a second between page loads keeps a check gentle on Amazon",
    "cfg_why_refresh": "0 reads every page on every check",
    "cfg_why_interval": (
        "checking more often than every 5 minutes can get your Amazon account challenged or locked"
    ),
    "cfg_why_gap": (
        "checks closer than 2 minutes apart can get your Amazon account challenged or locked"
    ),
    "cfg_imap_server": 'the IMAP server\'s host name, like "imap.gmail.com"',
    "cfg_mail_port": "a port number from 1 to 65535, like 993",
    "cfg_mail_user": 'the mailbox\'s user name, like "hanako@gmail.com"',
    "cfg_mail_folder": 'the folder Amazon\'s mails arrive in, like "INBOX"',
    "cfg_mail_auth": '"password" or "oauth2"',
    "cfg_mail_command": 'a command that prints the password or token, like "pass show mail/gmail"',
    "cfg_authserv_id": (
        'the name the receiving server writes first in Authentication-Results, like "mx.google.com"'
    ),
    "cfg_a_marketplace": 'a marketplace, like "amazon.co.jp"',
    "cfg_an_address": 'an http:// or https:// address, like "http://127.0.0.1:8080"',
    "cfg_mail_table": "a table like [accounts.main.mail] with server and username",
    "cfg_executable": 'the path of a Chromium or Chrome program, like "/usr/bin/chromium"',
    "cfg_bool": "true or false",
    "cfg_leads": "a list of up to 10 durations, like {example}",
    "cfg_time": 'a 24-hour time as HH:MM, like "22:00"',
    "cfg_zone_name": 'a time-zone name, like "Asia/Tokyo"',
    "cfg_apprise_list": 'a list of up to 20 Apprise URLs, like ["ntfy://my-topic"]',
    "cfg_language": '"ja" or "en"',
    "cfg_listen_host": (
        'a host name or IP address to listen on, like "127.0.0.1" (loopback: this computer'
        ' only) or "0.0.0.0" (every network the computer is on)'
    ),
    "cfg_seller_window": 'a table of marketplace = duration, like {{ "amazon.co.jp" = "5m" }}',
    "cfg_preorder_lead": 'a duration from 0s to 90d, like "2d"',
    "cfg_preorder_offsets": (
        'a table of ASIN or title word = duration, like {{ "B0XXXXXXXX" = "90d" }}'
    ),
    "cfg_accounts": "a table per account, like [accounts.main]",
    "cfg_table_like": "a table like [{table}]",
    "cfg_quiet_table": "a table like [quiet_hours] with start and end",
}

JA: Mapping[str, str] = {
    # -- the line --
    "cfg_value_error": "{where}: {problem}",
    "cfg_missing": "{where}: ありません。{allowed}を書いてください",
    "cfg_expected": "{where}: {allowed}を書いてください（書かれているのは{got}）",
    "cfg_more_one": "（ほかに1件の問題があります）",
    "cfg_more": "（ほかに{n}件の問題があります）",
    "cfg_unknown_key": "不明なキー {name}（使えるキー: {known}）",
    "cfg_unknown_key_in": "不明なキー {name}（[{table}]で使えるキー: {known}）",
    "cfg_none": "なし",
    "cfg_the_file": "ファイル全体",
    "cfg_another_value": "別の値",
    "cfg_not_shown": "ここには表示しない値（トークンを含むかもしれません）",
    # -- a value as the line shows it --
    "cfg_huge": "とても大きな数",
    "cfg_a_table": "テーブル",
    "cfg_a_list": "{n}個の値のリスト",
    # -- what a check found --
    "cfg_text": (
        "{what}（1〜{longest}文字、制御文字や前後の空白なし）を書いてください"
        "（書かれているのは{got}）"
    ),
    "cfg_duration": (
        '{low}から{high}までの長さを"30m"、"3h"、"3d"のように書いてください'
        "（書かれているのは{got}）"
    ),
    "cfg_span_string": (
        '{low}から{high}までの長さを"3h"のような文字列で書いてください（書かれているのは{got}）'
    ),
    "cfg_clock": '24時間制の時刻をHH:MMで"22:00"のように書いてください（書かれているのは{got}）',
    "cfg_marketplace": "{known}のどれかを書いてください（書かれているのは{got}）",
    "cfg_account_file": (
        "ファイル名にできるアカウント名を書いてください。英数字・-・_ が使えます。"
        'ドットで始めず、/ \\ : * ? " < > | を含めません（書かれているのは{got}）'
    ),
    "cfg_base_url": (
        'http:// か https:// のアドレスを"http://127.0.0.1:8080"のように書いてください'
        "（書かれているのは{got}）"
    ),
    "cfg_apprise_shape": (
        '"ntfy://my-topic"のようなApprise URLを書いてください（値はここに表示しません）'
    ),
    "cfg_apprise_chars": (
        "空白や制御文字のないApprise URLを書いてください（書かれているのは {scheme}:// の"
        "URL。値はここに表示しません）"
    ),
    "cfg_host": '"imap.gmail.com"のようなホスト名を書いてください（書かれているのは{got}）',
    "cfg_command_line": "1行のコマンドを書いてください（値はここに表示しません）",
    "cfg_command_quote": (
        "コマンドとして読めません。引用符が閉じていません（値はここに表示しません）"
    ),
    "cfg_command_empty": "空です。パスワードかトークンを出力するコマンドを書いてください",
    "cfg_command_program": (
        "{program} はPATH上のプログラムでも、実行できるファイルの絶対パスでもありません。"
        "インストールするか、フルパスで書いてください"
    ),
    "cfg_zone": (
        '"Asia/Tokyo"や"America/New_York"のようなタイムゾーン名を書いてください'
        "（書かれているのは{got}）{hint}"
    ),
    "cfg_zone_hint": "。{zone} のことですか？",
    "cfg_lead_twice": "{lead} が2回あります。それぞれ1回だけ書いてください",
    "cfg_oauth_command": (
        'auth = "oauth2" には password_command（新しいアクセストークンを出力するコマンド。'
        "oama やメール事業者のツールなど）が必要です"
    ),
    "cfg_quiet_empty": (
        "start と end がどちらも {at} なので、通知を控える時間が始まりません。"
        "不要なら [quiet_hours] を削除してください"
    ),
    # -- what a text names --
    "cfg_what_account": "アカウント名",
    "cfg_what_offset": "ASINまたは商品名の一語",
    "cfg_what_executable": "ChromiumかChromeのプログラムのパス",
    "cfg_what_user": "ユーザー名",
    "cfg_what_folder": "フォルダー名",
    # -- what a key allows --
    "cfg_number": "{low}から{high}までの数（{unit}）",
    "cfg_number_why": "{low}から{high}までの数（{unit}。{why}）",
    "cfg_whole": "{low}から{high}までの整数（{unit}）",
    "cfg_unit_seconds": "秒",
    "cfg_unit_minutes": "分",
    "cfg_unit_pages": "ページ数",
    "cfg_unit_retries": "再試行の回数",
    "cfg_unit_days": "日数",
    "cfg_unit_hours": "時間",
    "cfg_unit_checks": "確認の回数",
    "cfg_unit_cancellations": "キャンセルの件数",
    "cfg_unit_port": "ポート番号",
    "cfg_why_delay": "ページの読み込みの間を1秒以上あけると、Amazonに負担をかけません",
    "cfg_why_refresh": "0なら毎回すべてのページを読み直します",
    "cfg_why_interval": (
        "5分より短い間隔で確認すると、Amazonアカウントに本人確認を求められたり、"
        "ロックされたりすることがあります"
    ),
    "cfg_why_gap": (
        "2分未満の間隔で確認すると、Amazonアカウントに本人確認を求められたり、"
        "ロックされたりすることがあります"
    ),
    "cfg_imap_server": 'IMAPサーバーのホスト名（"imap.gmail.com"など）',
    "cfg_mail_port": "1から65535までのポート番号（993など）",
    "cfg_mail_user": 'メールボックスのユーザー名（"hanako@gmail.com"など）',
    "cfg_mail_folder": 'Amazonのメールが届くフォルダー（"INBOX"など）',
    "cfg_mail_auth": '"password" か "oauth2"',
    "cfg_mail_command": 'パスワードかトークンを出力するコマンド（"pass show mail/gmail"など）',
    "cfg_authserv_id": (
        '受信サーバーがAuthentication-Resultsの最初に書く名前（"mx.google.com"など）'
    ),
    "cfg_a_marketplace": 'マーケットプレイス（"amazon.co.jp"など）',
    "cfg_an_address": 'http:// か https:// のアドレス（"http://127.0.0.1:8080"など）',
    "cfg_mail_table": "server と username のある [accounts.main.mail] のようなテーブル",
    "cfg_executable": 'ChromiumかChromeのプログラムのパス（"/usr/bin/chromium"など）',
    "cfg_bool": "true か false",
    "cfg_leads": "10個までの長さのリスト（{example}など）",
    "cfg_time": '24時間制のHH:MMの時刻（"22:00"など）',
    "cfg_zone_name": 'タイムゾーン名（"Asia/Tokyo"など）',
    "cfg_apprise_list": '20個までのApprise URLのリスト（["ntfy://my-topic"]など）',
    "cfg_language": '"ja" か "en"',
    "cfg_listen_host": (
        '待ち受けるホスト名かIPアドレス（"127.0.0.1"ならこのコンピューターだけ、'
        '"0.0.0.0"ならつながっているすべてのネットワーク）'
    ),
    "cfg_seller_window": 'マーケットプレイス = 長さ のテーブル（{{ "amazon.co.jp" = "5m" }}など）',
    "cfg_preorder_lead": '0sから90dまでの長さ（"2d"など）',
    "cfg_preorder_offsets": (
        'ASINか商品名の一語 = 長さ のテーブル（{{ "B0XXXXXXXX" = "90d" }}など）'
    ),
    "cfg_accounts": "アカウントごとのテーブル（[accounts.main]など）",
    "cfg_table_like": "[{table}]のようなテーブル",
    "cfg_quiet_table": "start と end のある [quiet_hours] のようなテーブル",
}
