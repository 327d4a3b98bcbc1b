"""The command line in the user's language (issue 12): `demo`, `status`, `advise`, a refused
`check` print no English word in Japanese and no Japanese in English, apart from ids, URLs,
product names and zone abbreviations, on stdout and on stderr; and moments read as people
read them."""

from __future__ import annotations

import ast
import logging
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import pytest
from click.testing import CliRunner
from playwright.sync_api import Browser

from cancelwatch.scheduler.cli import demo as demo_cli
from cancelwatch.scheduler.cli import main as cli_main
from cancelwatch.scheduler.cli import watch as watch_cli
from cancelwatch.scheduler.cli.context import App
from cancelwatch.scheduler.cli.main import cli, run
from cancelwatch.scheduler.policy.moments import clock_time, relative, shown, span
from cancelwatch.scheduler.policy.words import Lang
from cancelwatch.scheduler.policy.words.messages import LOGGED_JA
from cancelwatch.scheduler.state.schema import DamagedState
from cancelwatch.scheduler.state.store import State
from cancelwatch.scheduler.watch.monitor import Outcome
from cancelwatch.scraper.browse.credentials import SecretsUnavailable
from cancelwatch.scraper.demo.scenario import build_scenario
from cancelwatch.scraper.errors import (
    AmazonUnavailable,
    BrowserUnavailable,
    CancelwatchError,
    NoDisplay,
    SelectorFailure,
    SignInNeeded,
    UnreadableFile,
)
from tests.pages import JP, parse_file

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # noon in Tokyo
PREORDER = "503-2094418-6637205"  # on order-list-2026.html: release 2027-01-15, cancellable
MIN = timedelta(minutes=1)

# Japanese letters are word characters to `\b`: "JSTまで" has no boundary inside.
ORDER_ID = re.compile(r"(?<![0-9A-Za-z])[0-9A-Z]\d{2}-\d{7}-\d{7}(?!\d)")
URL = re.compile(r"https?://\S+")
ZONES = re.compile(r"(?<![A-Za-z])(JST|EST|EDT|PST|PDT|GMT|BST)(?![A-Za-z])")
ASCII_WORD = re.compile(r"[A-Za-z]+")
JAPANESE = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]+")


# Amazon is written so in Japanese too (「Amazonのヘルプ」).
BRANDS = {"Amazon"}
# main.py's prefix of every error.
ERROR_PREFIX = {"en": "cancelwatch: error: ", "ja": "cancelwatch: エラー: "}
# Names stderr may show in either language: the program's (every line's prefix), and the
# desktop's message bus with its variable, when no desktop shows the alerts.
STDERR_NAMES = {"cancelwatch", "D-Bus", "DBUS_SESSION_BUS_ADDRESS"}


def bare(out: str, names: set[str]) -> str:
    """`out` without what is not a word of cancelwatch's: ids, URLs, zone abbreviations
    and `names` (product names, sellers, the account and the marketplace)."""
    for name in sorted(names | BRANDS, key=len, reverse=True):  # a longer name first
        out = out.replace(name, " ")
    # URLs first: an order id inside one would cut it in two.
    return ZONES.sub(" ", ORDER_ID.sub(" ", URL.sub(" ", out)))


def assert_in_language(out: str, lang: str, names: set[str]) -> None:
    left = bare(out, names)
    if lang == "ja":
        assert ASCII_WORD.findall(left) == [], out
        assert JAPANESE.search(left), out  # said something, in Japanese
    else:
        assert JAPANESE.findall(left) == [], out
        assert ASCII_WORD.search(left), out


# ---- moments ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "zone", "expected"),
    [
        (datetime(2026, 12, 20, 15, 0, tzinfo=UTC), "Asia/Tokyo", "12-21 00:00 JST"),
        (datetime(2026, 7, 1, 16, 0, tzinfo=UTC), "America/New_York", "07-01 12:00 EDT"),
        (datetime(2026, 12, 1, 17, 0, tzinfo=UTC), "America/New_York", "12-01 12:00 EST"),
        (datetime(2026, 7, 1, 12, 0, tzinfo=UTC), "Europe/London", "07-01 13:00 BST"),
        (datetime(2026, 12, 1, 12, 0, tzinfo=UTC), "Europe/London", "12-01 12:00 GMT"),
    ],
)
def test_a_moment_is_shown_on_the_marketplaces_wall_clock_with_its_zone(
    instant: datetime, zone: str, expected: str
) -> None:
    assert clock_time(instant, ZoneInfo(zone)) == expected


@pytest.mark.parametrize(
    ("offset", "en", "ja"),
    [
        (timedelta(minutes=-10, seconds=-59), "10 minutes ago", "10分前"),
        (timedelta(minutes=-1), "1 minute ago", "1分前"),
        (timedelta(seconds=-30), "just now", "たった今"),
        (timedelta(seconds=30), "within a minute", "1分以内"),
        (timedelta(0), "within a minute", "1分以内"),
        (timedelta(hours=-1), "1 hour ago", "1時間前"),
        (timedelta(hours=-30), "30 hours ago", "30時間前"),
        (timedelta(days=-2, hours=-5), "2 days ago", "2日前"),
        (timedelta(hours=3), "in 3 h", "あと3時間"),
        (timedelta(hours=3, minutes=20, seconds=30), "in 3 h 20 min", "あと3時間20分"),
        (timedelta(minutes=4, seconds=59), "in 4 min", "あと4分"),
        (timedelta(days=5, hours=23), "in 5 d", "あと5日"),
    ],
)
def test_how_far_a_moment_is_rounds_down_in_either_language(
    offset: timedelta, en: str, ja: str
) -> None:
    assert (relative(NOW + offset, NOW, "en"), relative(NOW + offset, NOW, "ja")) == (en, ja)


def test_a_moment_shown_says_when_and_how_long_ago() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    assert shown(NOW - 10 * MIN, tokyo, NOW, "en") == "11-26 11:50 JST (10 minutes ago)"
    assert shown(NOW - 10 * MIN, tokyo, NOW, "ja") == "11-26 11:50 JST（10分前）"


def test_a_span_left_never_goes_below_nothing() -> None:
    assert (span(-5, "en"), span(0, "ja")) == ("0 min", "0分")


# ---- the commands, in each language ---------------------------------------------------------


def cancelwatch(*args: str, at: datetime = NOW) -> tuple[int, str, str]:
    with CliRunner().isolation() as streams:
        code = run(cli, list(args), app=App(clock=lambda: at))
        out, err = streams[0].getvalue(), streams[1].getvalue()
    return code, out.decode(), err.decode()


def _config(home: Path, language: str | None, extra: str = "") -> None:
    notify = f'[notify]\nlanguage = "{language}"\n' if language else ""
    (home / "config.toml").write_text(extra + notify, encoding="utf-8")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path))
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


ACCOUNT = '[accounts.main]\nmarketplace = "amazon.co.jp"\n'


@pytest.fixture
def checked(home: Path) -> Callable[[str | None], set[str]]:
    """A home whose database holds a check of the Japanese fixture's order list at NOW,
    with reminders planned for its pre-order in `language` (alerts keep the words they
    were planned in); the fixture's product names and sellers."""

    def fill(language: str | None) -> set[str]:
        page = parse_file(JP / "order-list-2026.html")
        with State.open(home / "state.db") as state:
            state.record_check("main", "amazon.co.jp", page.orders, {}, now=NOW, alerts=[])
        _config(home, language, ACCOUNT)
        code, _, err = cancelwatch("deadline", PREORDER, "2026-12-20")
        assert code == 0, err
        names = {n for o in page.orders for i in o.items for n in (i.title, i.seller) if n}
        return names | {"main", "amazon.co.jp"}

    return fill


Checked = Callable[[str | None], set[str]]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_status_speaks_one_language(checked: Checked, lang: str) -> None:
    names = checked(lang)
    code, out, err = cancelwatch("status", at=NOW + 10 * MIN)
    assert code == 0, err
    assert_in_language(out, lang, names)
    assert err == ""
    # The last check on the marketplace's wall clock, and how long ago.
    said = {"en": "main: last check 11-26 12:00 JST (10 minutes ago): ok",
            "ja": "main: 前回の確認 11-26 12:00 JST（10分前）: 正常"}  # fmt: skip
    assert said[lang] in out


def test_reminders_planned_in_english_are_listed_in_the_language_chosen_since(
    checked: Checked, home: Path
) -> None:
    """The pre-order's reminders were planned while notify.language was en; the user has
    switched to ja: status lists them as they will go out, in Japanese (issue 12)."""
    names = checked("en")
    _config(home, "ja", ACCOUNT)
    code, out, err = cancelwatch("status", at=NOW + 10 * MIN)
    assert code == 0, err
    assert_in_language(out, "ja", names)
    assert f"{PREORDER} のキャンセル期限まであと1日" in out, out


@pytest.mark.parametrize(("locale", "lang"), [("ja_JP.UTF-8", "ja"), ("en_US.UTF-8", "en")])
def test_the_locale_chooses_when_the_config_does_not(
    checked: Checked, monkeypatch: pytest.MonkeyPatch, locale: str, lang: str
) -> None:
    monkeypatch.setenv("LANG", locale)
    names = checked(None)
    code, out, err = cancelwatch("status", at=NOW + 10 * MIN)
    assert code == 0, err
    assert_in_language(out, lang, names)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_advise_speaks_one_language(checked: Checked, lang: str) -> None:
    names = checked(lang)
    code, out, err = cancelwatch("advise", PREORDER)
    assert code == 0, err
    assert_in_language(out, lang, names)
    # The deadline set by hand: 2026-12-20 23:59 JST, 24 d 11 h 59 min after NOW.
    said = {"en": "cancel: open (manual), closes 12-20 23:59 JST (in 24 d)",
            "ja": "キャンセル: 可（根拠: 手動）、締切 12-20 23:59 JST（あと24日）"}  # fmt: skip
    assert said[lang] in out


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_refused_check_says_so_in_the_users_language(home: Path, lang: str) -> None:
    with State.open(home / "state.db") as state:
        state.record_check("main", "amazon.co.jp", [], {}, now=NOW + MIN, alerts=[], started_at=NOW)
    _config(home, lang, '[accounts.main]\nmarketplace = "amazon.co.jp"\n')
    code, out, err = cancelwatch("check", at=NOW + 2 * MIN)
    assert code == 1 and out == ""
    assert err.startswith(ERROR_PREFIX[lang]), err
    # The limit's name is the config key the user would edit, and stays as written.
    said = err.removeprefix(ERROR_PREFIX[lang]).replace(str(home / "config.toml"), " ")
    assert_in_language(said.replace("[watch] min_gap_minutes", " "), lang, {"main"})
    assert ("あと3分" if lang == "ja" else "(in 3 min)") in err
    # On the marketplace's wall clock with its zone, as the tables show times: the last
    # check started at noon in Tokyo, the gap of 5 minutes ends at 12:05.
    assert "2026-11-26 12:00:00 JST" in err and "2026-11-26 12:05:00 JST" in err, err


@pytest.mark.parametrize(
    ("args", "usage", "detail"),
    [
        (["check", "--acount", "x"], "cancelwatch check [OPTIONS]", "No such option '--acount'"),
        (["chek"], "cancelwatch [OPTIONS] COMMAND [ARGS]...", "No such command 'chek'"),
        (["deadline"], "cancelwatch deadline [OPTIONS] ORDER_ID [WHEN]", "Missing argument"),
    ],
    ids=["an unknown option", "an unknown command", "a missing argument"],
)
def test_a_command_line_click_refuses_is_said_in_japanese_with_its_detail(
    home: Path, args: list[str], usage: str, detail: str
) -> None:
    """Click's refusals (usage, where the help is, what was wrong) in Japanese, Click's
    own English kept only as the detail, as for every error raised below the language."""
    _config(home, "ja")
    code, out, err = cancelwatch(*args)
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert lines[0] == f"使い方: {usage}"
    command = usage.split(" [", maxsplit=1)[0]
    assert lines[1] == f"説明は「{command} --help」で表示できます。"
    assert lines[2] == ""
    assert lines[3].startswith(ERROR_PREFIX["ja"] + "コマンドの書き方が正しくありません（詳細: ")
    assert detail in lines[3] and lines[3].endswith("）")
    assert len(lines) == 4
    shown = err.replace(usage, " ").replace(f"{command} --help", " ")
    assert_in_language(shown.split("（詳細: ")[0], "ja", STDERR_NAMES)


def test_a_command_line_click_refuses_is_said_as_click_says_it_in_english(home: Path) -> None:
    _config(home, "en")
    code, out, err = cancelwatch("check", "--acount", "x")
    assert code == 2 and out == ""
    assert err.splitlines() == [
        "Usage: cancelwatch check [OPTIONS]",
        "Try 'cancelwatch check --help' for help.",
        "",
        "Error: No such option '--acount'. Did you mean '--account'?",
    ]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_an_unknown_order_is_refused_in_the_users_language(home: Path, lang: str) -> None:
    _config(home, lang)
    code, _, err = cancelwatch("advise", "000-0000000-0000000")
    assert code == 2
    assert err.startswith(ERROR_PREFIX[lang]), err
    message = err.removeprefix(ERROR_PREFIX[lang]).replace("cancelwatch check", " ")
    assert_in_language(message, lang, set())


# ---- the demo -------------------------------------------------------------------------------


@pytest.fixture
def demo(
    home: Path, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[str], tuple[str, str]]]:
    """`cancelwatch demo` at NOW in the session's browser, under LANG=`locale`: what it
    prints on stdout and on stderr."""
    monkeypatch.setattr(demo_cli, "open_browser", lambda *_, **__: nullcontext(browser))

    def run_demo(locale: str) -> tuple[str, str]:
        monkeypatch.setenv("LANG", locale)
        code, out, err = cancelwatch("demo")
        assert code == 0, err
        return out, err

    yield run_demo


def _demo_names() -> set[str]:
    scenario = build_scenario("amazon.co.jp", NOW)
    items = [i for o in scenario.orders for i in o.items]
    return {i.title for i in items} | {i.seller for i in items} | {"demo", "amazon.co.jp"}


@pytest.mark.parametrize(("locale", "lang"), [("ja_JP.UTF-8", "ja"), ("en_US.UTF-8", "en")])
def test_the_demo_speaks_the_locales_language(
    demo: Callable[[str], tuple[str, str]], locale: str, lang: str
) -> None:
    out, err = demo(locale)
    assert_in_language(out, lang, _demo_names())
    # The closes column carries the marketplace's zone.
    assert re.search(r"\d\d-\d\d \d\d:\d\d JST", out), out
    # A reminder sent says the time left as the table's row of its order does (issue 12).
    sent = {"en": r"Cancel (\S+) within (.+)", "ja": r"(\S+) のキャンセル期限まであと(.+)"}[lang]
    reminders = re.findall(rf"^  \S+: {sent}$", out, re.MULTILINE)
    assert reminders, out
    for order_id, left in reminders:
        assert re.search(rf"^│{order_id} .*│ {re.escape(left)} +│", out, re.MULTILINE), out
    # Its progress (the store, each list page read) and the alerts the console shows.
    assert_in_language(err, lang, _demo_names() | STDERR_NAMES)
    said = {"en": "cancelwatch: read order page 1 (10 orders)",
            "ja": "cancelwatch: 注文一覧の1ページ目を読みました（10件）"}  # fmt: skip
    assert said[lang] in err


@pytest.mark.parametrize(("locale", "lang"), [("ja_JP.UTF-8", "ja"), ("en_US.UTF-8", "en")])
def test_the_installed_demo_speaks_the_locales_language_on_stderr(
    home: Path, locale: str, lang: str
) -> None:
    """`cancelwatch demo` as a user runs it, its own browser and its log lines included
    (without a desktop, a warning says why the desktop did not show the alerts)."""
    env = {**os.environ, "LANG": locale, "CANCELWATCH_HOME": str(home)}
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    env["XDG_RUNTIME_DIR"] = str(home)  # no bus socket there
    proc = subprocess.run(
        [sys.executable, "-m", "cancelwatch.scheduler.cli", "demo"],
        capture_output=True, text=True, env=env, check=False, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert_in_language(proc.stdout, lang, _demo_names())
    assert_in_language(proc.stderr, lang, _demo_names() | STDERR_NAMES)
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("error", "lead"),
    [
        (SignInNeeded("amazon.co.jp asks for a CAPTCHA"), "サインイン"),
        (BrowserUnavailable("no Chromium or Chrome found"), "ブラウザー"),
        (NoDisplay("--headed needs a display: $DISPLAY is not set"), "画面"),
        (AmazonUnavailable("amazon.co.jp kept failing for /your-orders"), "つながりません"),
        (SelectorFailure("the page shows orders but order_id matched none"), "読み取れません"),
        (SecretsUnavailable("keyring found no backend"), "安全にしまう"),
        (DamagedState("state.db: orders row 3: status 'x'"), "状態データベース"),
        (UnreadableFile("/home/me/page.html: no such file"), "ファイルを読めません"),
    ],
)
def test_an_error_from_below_leads_with_a_sentence_in_the_users_language(
    home: Path, error: CancelwatchError, lead: str
) -> None:
    """The browser, the crawl and the secret store raise in English (they do not know the
    user's language): in Japanese a sentence says what happened and what to do, and their
    English follows as the detail; in English their message is the whole line."""

    @click.command()
    def failing() -> None:
        raise error

    for lang in ("ja", "en"):
        _config(home, lang)
        with CliRunner().isolation() as streams:
            code = run(failing, [], app=App(clock=lambda: NOW))
            err = streams[1].getvalue().decode()
        assert code == error.exit_code
        if lang == "en":
            assert err == f"cancelwatch: error: {error}\n"
        else:
            assert err.startswith("cancelwatch: エラー: "), err
            assert lead in err and f"（詳細: {error}）" in err, err


def test_a_log_line_says_its_level_in_the_users_language(home: Path) -> None:
    _config(home, "ja")
    app = App(clock=lambda: NOW)
    formatter = cli_main._InLanguage(app.language)
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "%s", ("見えません",), None)
    assert formatter.format(record) == "cancelwatch: 警告: 見えません"
    _config(home, "en")
    app = App(clock=lambda: NOW)
    formatter = cli_main._InLanguage(app.language)
    assert formatter.format(record) == "cancelwatch: WARNING: 見えません"


# ---- parse and doctor -----------------------------------------------------------------------

# What the page itself names: a currency code, a carrier, the site.
PAGE_NAMES = {"JPY", "Yamato", "amazon.co.jp", "cancelwatch"}


def _doctor_words(out: str) -> str:
    """doctor's report without the field names and the selector labels, which it shows as
    the selector files spell them; "none" stays, it is a word of the report."""
    lines = []
    for line in out.splitlines():
        cells = line.split("│")
        if len(cells) == 6:  # a row of the table
            cells[1] = re.sub(r"[a-z_]+", " ", cells[1])
            cells[2] = cells[2] if cells[2].strip() in ("none", "なし") else " "
        lines.append("│".join(cells))
    return "\n".join(lines)


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize(
    "page", ["order-list-2026.html", "tracking-yamato.html", "empty-shell.html"]
)
def test_parse_prints_a_page_in_the_users_language(home: Path, lang: str, page: str) -> None:
    _config(home, lang)
    path = JP / page
    code, out, err = cancelwatch("parse", str(path))
    assert code in (0, 1), err
    assert_in_language(out.replace(str(path), " "), lang, PAGE_NAMES)
    if lang == "en" and page == "order-list-2026.html":
        assert "order_list (amazon.co.jp), 10 orders on this page of 13" in out  # as before
    if lang == "ja" and page == "order-list-2026.html":
        assert "注文一覧（amazon.co.jp）、このページの注文10件（全13件）" in out
        assert re.search(
            r"│503-2094418-6637205 .*│ 未発送 +│ 可 +│ 予約注文、発売日 2027-01-15", out
        )


def test_a_page_that_is_not_there_is_said_in_the_users_language(home: Path) -> None:
    _config(home, "ja")
    missing = home / "page.html"
    code, out, err = cancelwatch("parse", str(missing))
    assert (code, out) == (2, "")
    assert err.startswith("cancelwatch: エラー: そのファイルを読めません。"), err
    assert err.endswith(f"（詳細: {missing}: no such file）\n"), err


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_doctor_prints_its_report_in_the_users_language(home: Path, lang: str) -> None:
    _config(home, lang)
    path = JP / "order-list-2026.html"
    code, out, err = cancelwatch("doctor", str(path))
    assert code == 0, err
    assert_in_language(_doctor_words(out.replace(str(path), " ")), lang, PAGE_NAMES)
    said = {"en": "order_id (required)", "ja": "order_id（必須）"}
    assert said[lang] in out


# ---- watch ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "said"), [("ja", "サインイン"), ("en", "CAPTCHA")])
def test_a_check_of_the_watcher_that_failed_says_so_in_the_users_language(
    lang: Lang, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    failed = Outcome("main", "amazon.co.jp", error=SignInNeeded("amazon.co.jp asks for a CAPTCHA"))
    watch_cli._log_outcome(failed, lang)
    err = capsys.readouterr().err
    assert err.startswith("cancelwatch: main: ") and said in err, err
    # The lead and the command it names; the English detail follows in Japanese.
    names = {"main", "cancelwatch", "cancelwatch login --headed"}
    assert_in_language(err.split("（詳細:")[0], lang, names)


# ---- log lines --------------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"%[-#0 +]*\d*(?:\.\d+)?[sdrgfi]")
PACKAGES = [Path(cli_main.__file__).parents[2] / name for name in ("scheduler", "scraper")]


def _logged_at_warning_or_above() -> set[str]:
    """Every message the code logs as a warning or worse, as its format string."""
    found = set()
    for path in (p for package in PACKAGES for p in package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("warning", "error", "exception", "critical")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def test_every_log_line_a_user_sees_has_its_japanese() -> None:
    """A warning added without its Japanese fails here; "%s" logs a message worded
    already (an error of cancelwatch's, in the user's language)."""
    logged = _logged_at_warning_or_above()
    assert len(logged) > 10  # the scan found the code
    assert logged - set(LOGGED_JA) == {"%s"}
    assert set(LOGGED_JA) - logged == set()  # none left over from a line reworded since
    for english, japanese in LOGGED_JA.items():
        assert PLACEHOLDER.findall(english) == PLACEHOLDER.findall(japanese), english


def test_a_log_line_is_worded_in_the_users_language(home: Path) -> None:
    record = logging.LogRecord(
        "x", logging.WARNING, __file__, 1, "check of %s failed: %s", ("main", "boom"), None
    )
    _config(home, "ja")
    formatter = cli_main._InLanguage(App(clock=lambda: NOW).language)
    assert formatter.format(record) == "cancelwatch: 警告: main の確認に失敗しました: boom"
    _config(home, "en")
    formatter = cli_main._InLanguage(App(clock=lambda: NOW).language)
    assert formatter.format(record) == "cancelwatch: WARNING: check of main failed: boom"
