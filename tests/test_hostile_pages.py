"""Hostile pages and files: `parse` answers each within seconds, in one line or a page with
an error, never with a traceback; every reader stays linear on long adversarial runs."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cancelwatch.scraper.browse.redact import redact
from cancelwatch.scraper.read import carriers, inputs
from cancelwatch.scraper.read.inputs import (
    MAX_TAGS,
    PARSE_SECONDS,
    PageTooComplex,
    check_markup,
    declared_charset,
    parse_tree,
    read_page,
    wait_for_background_parse,
)
from cancelwatch.scraper.read.markup import load_selectors, normalise
from cancelwatch.scraper.read.pagekind import detect_marketplace
from cancelwatch.scraper.read.parse import PageSelectorFailure, parse_page
from cancelwatch.scraper.read.values import parse_amount, parse_count, parse_date
from tests.pages import JP
from tests.test_cli_parse import cancelwatch

ROOT = Path(__file__).resolve().parent.parent
BUDGET = 5.0
"""Seconds `parse` may take on any input (the issue's bar)."""
READER_BUDGET = 1.0
"""Seconds one reader may take on a long run; linear readers take milliseconds."""
RUN = 40_000
"""Characters in an adversarial run: 40 KB of digits took the old order-count regex 48 s."""


@pytest.fixture(autouse=True)
def _own_home(tmp_path, monkeypatch):
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path / "home"))


def timed(action: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def parse_file(path: Path) -> tuple[int, str, str, float]:
    (code, out, err), seconds = timed(lambda: cancelwatch("parse", str(path), "--json"))
    assert "Traceback" not in out + err
    assert code in (0, 1, 2)
    return code, out, err, seconds


def page(body: str, lang: str = "en-us", head: str = "") -> str:
    return f'<!doctype html><html lang="{lang}"><head>{head}</head><body>{body}</body></html>'


# ---- the inputs, through the command ----------------------------------------------


def test_forty_kilobytes_of_digits_before_the_order_count_words(tmp_path):
    bad = tmp_path / "digits.html"
    bad.write_text(page("<div>" + "1" * RUN + " orders placed</div>" + "9" * RUN), "utf-8")
    code, out, _, seconds = parse_file(bad)
    assert seconds < BUDGET
    assert code == 0
    assert json.loads(out)["page_kind"] == "unknown"


def test_a_forty_kilobyte_order_count_is_not_a_number(tmp_path):
    bad = tmp_path / "count.html"
    bad.write_text(page("<div>" + "1" * RUN + " orders placed in 2024</div>"), "utf-8")
    code, out, _, seconds = parse_file(bad)
    assert seconds < BUDGET
    # No order count read, and no card: nothing here claims orders we cannot see.
    assert (code, json.loads(out)["order_count"]) == (0, None)


def test_a_hundred_thousand_nested_divs_are_refused_by_their_count(tmp_path):
    bad = tmp_path / "nested.html"
    bad.write_text(page("<div>" * 100_000 + "x" + "</div>" * 100_000), "utf-8")
    code, out, _, seconds = parse_file(bad)
    assert seconds < BUDGET
    result = json.loads(out)
    assert code == 1
    assert result["error"].startswith("the page holds 200,007 tags, more than the 50,000")
    assert result["page_kind"] == "unknown"


def test_nesting_just_under_the_tag_bound_still_finishes(tmp_path):
    depth = MAX_TAGS // 2 - 10
    deep = tmp_path / "deep.html"
    deep.write_text(page("<div>" * depth + "x" + "</div>" * depth), "utf-8")
    code, _, _, seconds = parse_file(deep)
    assert seconds < BUDGET
    assert code in (0, 1)


def test_formatting_tags_left_open_cannot_make_the_parser_rebuild_millions(tmp_path):
    # 3,000 different <b> left open, then blocks that each copy all of them: 68 KB that
    # builds nine million elements in the HTML parser.
    opened = "".join(f"<b id={i}>" for i in range(3000))
    bad = tmp_path / "formatting.html"
    bad.write_text(page(f"<div>{opened}</div>" + "<div>x</div>" * 3000), "utf-8")
    code, out, _, seconds = parse_file(bad)
    assert seconds < BUDGET
    assert code == 1
    assert "3,000 different formatting tags" in json.loads(out)["error"]


def test_two_hundred_thousand_attributes_give_up_after_the_parse_deadline(tmp_path):
    # The parse that stalls goes on in the background: run it in a process of its own.
    bad = tmp_path / "attributes.html"
    bad.write_text(page("<div " + " ".join(f"a{i}" for i in range(200_000)) + ">x</div>"))
    result, seconds = timed(lambda: run_command("parse", str(bad), "--json"))
    assert seconds < BUDGET
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"more than {PARSE_SECONDS:g} s" in json.loads(result.stdout)["error"]


def test_undefined_charset_is_a_warning(tmp_path):
    bad = tmp_path / "undefined.html"
    bad.write_bytes(page("<p>注文</p>", head='<meta charset="undefined">').encode("utf-8"))
    code, out, _, _ = parse_file(bad)
    result = json.loads(out)
    assert code == 0
    assert result["warnings"] == [
        "the page declares charset 'undefined', which browsers do not know; read as UTF-8"
    ]


@pytest.mark.parametrize("label", ["Windows-31J", "Shift_JIS", "x-sjis", "MS932", "csShiftJIS"])
def test_japanese_pages_in_windows_31j_under_any_of_its_names(tmp_path, label):
    utf8 = (JP / "order-list-2026.html").read_text(encoding="utf-8")
    # ① and ～ exist in Windows-31J but not in strict Shift_JIS: Amazon Japan prints both.
    html = utf8.replace("<head>", f'<head><meta charset="{label}">', 1).replace(
        "</body>", "<p>①～</p></body>"
    )
    saved = tmp_path / "cp932.html"
    saved.write_bytes(html.encode("cp932"))
    code, out, _, _ = parse_file(saved)
    expected = json.loads(cancelwatch("parse", str(JP / "order-list-2026.html"), "--json")[1])
    result = json.loads(out)
    assert code == 0
    assert result["warnings"] == []
    assert result["orders"] == expected["orders"]


def test_a_page_that_declares_utf8_but_is_windows_31j_is_detected(tmp_path):
    body = "<title>注文履歴</title><p>" + "ご注文ありがとうございます。明日お届け予定です。" * 20
    wrong = tmp_path / "wrong.html"
    wrong.write_bytes(page(body + "</p>", "ja-jp", '<meta charset="utf-8">').encode("cp932"))
    saved = read_page(wrong)
    assert "ご注文ありがとうございます" in saved.text
    assert saved.warnings == (
        "the page declares charset 'utf-8', but its bytes are not utf-8",
        "read as cp932, which charset detection chose",
    )


def test_utf16_with_a_byte_order_mark(tmp_path):
    saved = tmp_path / "utf16.html"
    saved.write_bytes(page("<p>注文履歴</p>", "ja-jp").encode("utf-16"))
    result = read_page(saved)
    assert "注文履歴" in result.text
    assert not result.text.startswith("\ufeff")


def test_random_bytes_in_a_regular_file_are_refused_in_one_line(tmp_path):
    noise = tmp_path / "noise.html"
    noise.write_bytes(os.urandom(1_000_000))
    code, out, err, seconds = parse_file(noise)
    assert seconds < BUDGET
    assert (code, out, err.count("\n")) == (2, "", 1)


# ---- files that are not regular files, as the console script runs -------------------------


def run_command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cancelwatch.scheduler.cli", *args],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
        env={**os.environ},
        check=False,
    )


@pytest.fixture
def fifo(tmp_path) -> Path:
    path = tmp_path / "fifo.html"
    os.mkfifo(path)
    return path


@pytest.fixture
def unix_socket(tmp_path) -> Iterator[Path]:
    path = tmp_path / "sock.html"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    yield path
    server.close()


ONLY_REGULAR = "cancelwatch reads only regular files"


@pytest.mark.parametrize(
    ("target", "what"),
    [
        ("fifo", f"is a named pipe (FIFO), not a file; {ONLY_REGULAR}"),
        ("unix_socket", f"is a socket, not a file; {ONLY_REGULAR}"),
        ("/dev/zero", f"is a device, not a file; {ONLY_REGULAR}"),
        ("/dev/urandom", f"is a device, not a file; {ONLY_REGULAR}"),
        ("tmp_path", "is a directory, not a file"),
    ],
)
def test_what_is_not_a_regular_file_is_refused_without_blocking(request, target, what):
    path = request.getfixturevalue(target) if not target.startswith("/") else Path(target)
    result, seconds = timed(lambda: run_command("parse", str(path)))
    assert seconds < BUDGET
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"cancelwatch: error: {path}: {what}\n"


def test_doctor_refuses_a_fifo_too(fifo):
    result, seconds = timed(lambda: run_command("doctor", str(fifo)))
    assert seconds < BUDGET
    assert result.returncode == 2
    assert result.stderr.startswith(f"cancelwatch: error: {fifo}: is a named pipe")


# ---- bad selector overrides through the command ------------------------------------------


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("fields = 5\n", "fields: expected a table, got 5"),
        ('marketplace = "x"\n', "marketplace: expected a table, got 'x'"),
        (
            "[fields.order_crad]\nfallbacks = [{ css = '.x' }]\n",
            "fields: unknown field 'order_crad'; did you mean order_card? (known fields: ",
        ),
        (
            "[fields.total]\nfallbacks = [{ text = '(?<!Sub)Total: (.+)' }]\n",
            "fields.total.fallbacks[0].text: bad regex '(?<!Sub)Total: (.+)': invalid perl "
            "operator: (?<!; cancelwatch runs regexes in linear time (RE2)",
        ),
        ('[marketplace]\nname = "amazon.de"\n', "marketplace.name: 'amazon.de' is not"),
    ],
)
def test_bad_override_is_one_line_exit_2(tmp_path, monkeypatch, override, message):
    home = tmp_path / "override-home"
    home.mkdir()
    (home / "amazon.com.toml").write_text(override, encoding="utf-8")
    monkeypatch.setenv("CANCELWATCH_HOME", str(home))
    saved = tmp_path / "page.html"
    saved.write_text(page("<p>hello</p>"), encoding="utf-8")
    code, out, err = cancelwatch("parse", str(saved), "--marketplace", "amazon.com")
    assert (code, out, err.count("\n")) == (2, "", 1)
    assert err.startswith(f"cancelwatch: error: {home / 'amazon.com.toml'}: ")
    assert message in err


# ---- every reader on long adversarial runs -----------------------------------------------

RUNS = {
    "digits": "1" * RUN,
    "full-width digits": "１" * RUN,
    "digits and commas": "1," * (RUN // 2),
    "spaces": " " * RUN,
    "ideographic spaces": "\u3000" * RUN,
    "separators": "-/.:" * (RUN // 4),
    "words": "Order placed " * (RUN // 13),
    "letters": "a" * RUN,
    "open tags": "<b a=" * (RUN // 5),
    "open quotes": '<i x="' * (RUN // 6),
    "doctype starts": "<!doctype " * (RUN // 10),
}


def markup_checked(text: str) -> None:
    with contextlib.suppress(PageTooComplex):
        check_markup(text)


def read_saved(text: str) -> object:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "run.html"
        path.write_text(text + "<html>", encoding="utf-8")
        return read_page(path)


COM = load_selectors("amazon.com").marketplace
JP_MARKET = load_selectors("amazon.co.jp").marketplace
READERS: dict[str, Callable[[str], object]] = {
    "parse_count": parse_count,
    "parse_amount": lambda run: parse_amount("$" + run),
    "parse_date us": lambda run: parse_date("Jan " + run + " 2024", COM),
    "parse_date jp": lambda run: parse_date(run + "年1月2日", JP_MARKET),
    "normalise": normalise,
    "carriers.identify": lambda run: carriers.identify(run, "UPS " + run, "JP"),
    "carrier_from_name": lambda run: carriers.carrier_from_name("amazon" + run + "logistics"),
    "redact": lambda run: redact(page(f"<p>{run}@{run}</p><a href='/x?token={run}'>x</a>")),
    "detect_marketplace": lambda run: detect_marketplace("<html" + run * 2),
    "declared_charset": lambda run: declared_charset(("<meta " + run).encode()[:65_536]),
    "check_markup": markup_checked,
    "read_page": read_saved,
}


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("run", sorted(RUNS))
def test_each_reader_is_fast_on_long_runs(reader, run):
    _, seconds = timed(lambda: READERS[reader](RUNS[run]))
    assert seconds < READER_BUDGET


def test_a_run_of_digits_is_no_count_and_no_amount():
    assert parse_count("1" * RUN + " orders") is None
    assert parse_amount("$" + "1" * RUN) is None
    assert parse_count("12,345 orders") == 12345


def test_a_year_that_cannot_roll_over_is_unknown_not_an_error():
    # 29 February a year after a leap year, and the year 9999: no date, no ValueError.
    assert parse_date("Feb 29", COM, near=parse_date("June 1, 2024", COM)) is None
    assert parse_date("Jan 5", COM, near=parse_date("December 30, 9999", COM)) is None


LABELS = [
    "Order placed", "orders placed in", "Total: $", "Grand Total:", "Order #", "Sold by",
    "Tracking ID:", "Shipped with", "Release date:", "Eligible through", "Cancel by",
    "注文日", "件の注文", "合計:", "注文番号", "お問い合わせ伝票番号", "配送業者", "発売予定日",
    "返品期間", "キャンセル期限", "置き配:", "Qty:",
]  # fmt: skip


@pytest.mark.parametrize("marketplace", ["amazon.com", "amazon.co.jp"])
@pytest.mark.parametrize("run", sorted(RUNS))
def test_long_runs_next_to_every_text_pattern_parse_fast(marketplace, run):
    # The run before the label and after it: "1111… orders placed1111…" fails the order
    # count pattern at every digit, the case a backtracking engine takes quadratic time on.
    filler = RUNS[run]
    card = "".join(f"<span>{filler} {label}{filler}</span>" for label in LABELS)
    html = page(f'<div class="order-card">{card}<a href="/x?orderID={filler}">x</a></div>')
    started = time.perf_counter()
    with contextlib.suppress(PageSelectorFailure):
        parse_page(html, marketplace)
    assert time.perf_counter() - started < BUDGET


def test_every_selector_regex_runs_on_re2():
    for name in ("amazon.com", "amazon.co.jp"):
        sel = load_selectors(name)
        patterns = [*sel.marketplace.date_patterns, *sel.marketplace.detect]
        patterns += [p for _, words in sel.status.words for p in words]
        for spec in (*sel.fields.values(), *sel.page_kinds.values()):
            patterns += [p for fb in spec.fallbacks for p in (fb.regex, fb.pattern) if p]
        assert patterns
        assert not any(isinstance(p, re.Pattern) for p in patterns)
        assert {type(p).__module__ for p in patterns} == {"re2"}


# ---- the parse deadline ------------------------------------------------------------------


def test_a_stalled_parse_is_given_up_and_blocks_others_until_it_ends(monkeypatch):
    monkeypatch.setattr(inputs, "PARSE_SECONDS", 0.05)
    crowded = page("<div " + " ".join(f"a{i}" for i in range(30_000)) + ">x</div>")
    with pytest.raises(PageTooComplex, match=r"needed more than 0\.05 s"):
        parse_tree(crowded)
    try:
        with pytest.raises(PageTooComplex, match="still being parsed in the background"):
            parse_tree(page("<p>fine</p>"))
    finally:
        assert wait_for_background_parse(60)
    paragraph = parse_tree(page("<p>fine</p>")).css_first("p")
    assert paragraph is not None
    assert paragraph.text() == "fine"


def test_redact_keeps_a_note_instead_of_a_page_too_complex_to_clean():
    kept = redact(page("<div>" * (MAX_TAGS + 1)))
    assert "Page not kept: the page holds" in kept
    assert "<div>" not in kept


def test_doctor_names_an_override_no_marketplace_reads(tmp_path, monkeypatch):
    home = tmp_path / "override-home"
    home.mkdir()
    (home / "amazon.con.toml").write_text("[fields.order_card]\n", encoding="utf-8")
    (home / "config.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("CANCELWATCH_HOME", str(home))
    saved = tmp_path / "page.html"
    saved.write_text(page("<p>hello</p>"), encoding="utf-8")
    _, out, err = cancelwatch("doctor", str(saved), "--json")
    assert json.loads(out)["file"] == str(saved)
    assert err == (
        f"cancelwatch: warning: {home / 'amazon.con.toml'}: not a marketplace cancelwatch "
        "knows (amazon.ca, amazon.co.jp, amazon.co.uk, amazon.com), so no page reads it; "
        "name a selector override after its marketplace\n"
    )


def test_doctor_says_how_a_page_was_decoded(tmp_path):
    saved = tmp_path / "undefined.html"
    saved.write_bytes(page("<p>x</p>", head='<meta charset="undefined">').encode("utf-8"))
    _, _, err = cancelwatch("doctor", str(saved))
    assert err == (
        "cancelwatch: warning: the page declares charset 'undefined', which browsers do not "
        "know; read as UTF-8\n"
    )


class _SlowFirstRing:
    """The parser thread's ring, its first send late: the thread descheduled just as it
    finished a parse whose caller had given up."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.first = sock, True

    def send(self, data: bytes) -> int:
        if self.first:
            self.first = False
            time.sleep(0.3)
        return self.sock.send(data)


def test_a_given_up_parse_never_wakes_or_stalls_the_next_one(monkeypatch):
    monkeypatch.setattr(inputs, "PARSE_SECONDS", 0.05)
    parser = inputs._ParserThread()
    wake, ring = socket.socketpair()
    wake.setblocking(False)
    slow = _SlowFirstRing(ring)
    monkeypatch.setattr(parser, "_sockets", lambda: (wake, slow))
    crowded = "<div " + " ".join(f"a{i}" for i in range(30_000)) + ">x</div>"
    try:
        with pytest.raises(PageTooComplex, match="needed more than"):
            parser.parse(crowded)
        assert parser.wait(60)
        tree = parser.parse("<p>fine</p>")
        paragraph = tree.css_first("p")
        assert paragraph is not None
        assert paragraph.text() == "fine"
    finally:
        wake.close()
        ring.close()
