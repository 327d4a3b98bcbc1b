"""Selector files: validation errors name file and field; user overrides patch one field."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from cancelwatch.scraper.errors import ConfigError
from cancelwatch.scraper.read.markup import builtin_dir, load_selectors, marketplaces
from cancelwatch.scraper.read.selector_schema import FIELD_NAMES, PAGE_KIND_NAMES
from cancelwatch.scraper.read.values import currency_of, parse_amount, parse_count, parse_date

BASE = (builtin_dir() / "amazon.com.toml").read_text(encoding="utf-8")


def _override(tmp_path: Path, text: str) -> Path:
    (tmp_path / "amazon.com.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_both_marketplaces_ship_and_load():
    assert marketplaces() == ["amazon.ca", "amazon.co.jp", "amazon.co.uk", "amazon.com"]
    jp = load_selectors("amazon.co.jp", override_dir=Path("/nonexistent"))
    assert (jp.marketplace.currency, jp.marketplace.timezone) == ("JPY", "Asia/Tokyo")
    assert jp.field("order_id").required


def test_unknown_marketplace_lists_the_known_ones():
    with pytest.raises(
        ConfigError, match=r"unknown marketplace 'amazon\.de'; known: amazon\.ca, amazon\.co\.jp"
    ):
        load_selectors("amazon.de")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[fields.order_id]\nfallbacks = [{ text = '(' }]\n",
            r"fields\.order_id\.fallbacks\[0\]\.text: bad regex '\(': missing \)",
        ),
        (
            "[fields.order_id]\nfallbacks = [{ css = '::nope' }]\n",
            r"fields\.order_id\.fallbacks\[0\]\.css: bad CSS selector '::nope'",
        ),
        (
            "[fields.order_id]\nfallbacks = [{ xpath = '//a' }]\n",
            r"fields\.order_id\.fallbacks\[0\]: unknown key 'xpath'",
        ),
        ("[fields.order_id]\nfalbacks = []\n", r"fields\.order_id: unknown key 'falbacks'"),
        (
            "[fields.order_id]\nfallbacks = []\n",
            r"fields\.order_id\.fallbacks: must not be empty",
        ),
        ("[fields.order_id]\nfallbacks = [{ css = 'a', text = 'b' }]\n", "needs exactly one of"),
        (
            "[fields.order_id]\nfallbacks = [{ href = 'a', attr = 'b' }]\n",
            "attr and pattern go with css only",
        ),
        ("[marketplace]\ncurrency_code = 'JPY'\n", r"marketplace: unknown key 'currency_code'"),
        (
            "[marketplace]\ndate_patterns = ['(?P<day>\\d+)']\n",
            r"marketplace\.date_patterns\[0\]: .* needs named groups month and day",
        ),
        ("[status.words]\nshipping = ['x']\n", r"status\.words: unknown key 'shipping'"),
        ("[status.codes]\nX = 'gone'\n", r"status\.codes\.X: 'gone' is not one of"),
        ("[selectors]\n", "unknown key 'selectors'"),
        ("[fields.order_id\n", "not valid TOML"),
        ("fields = 5\n", r"fields: expected a table, got 5$"),
        ('marketplace = "x"\n', r"marketplace: expected a table, got 'x'$"),
        (
            "[fields.order_crad]\nfallbacks = [{ css = '.x' }]\n",
            r"fields: unknown field 'order_crad'; did you mean order_card\? \(known fields: "
            r"order_card, order_count, ",
        ),
        (
            "[page_kinds.captha]\nfallbacks = [{ css = '.x' }]\n",
            r"page_kinds: unknown page kind 'captha'; did you mean captcha\?",
        ),
        (
            "[fields.total]\nfallbacks = [{ text = '(?<!Sub)Total: (.+)' }]\n",
            r"fields\.total\.fallbacks\[0\]\.text: bad regex .*: invalid perl operator: "
            r"\(\?<!; cancelwatch runs regexes in linear time \(RE2\), which has no lookaround",
        ),
        (
            "[fields.total]\nfallbacks = [{ text = '(a)\\1' }]\n",
            r"bad regex '\(a\)\\\\1': invalid escape sequence: \\1; .* no backreferences",
        ),
        ("[fields.total]\nfallbacks = [{ text = 'a{1001}' }]\n", "invalid repetition size"),
        (
            "[fields.total]\nfallbacks = [{ html = 'Total' }]\n",
            r"fields: total: html fallbacks read the whole raw page and go under \[page_kinds\]",
        ),
        (
            "[fields.total]\nrequired = 'yes'\nfallbacks = [{ css = '.x' }]\n",
            r"fields\.total\.required: expected true or false, got 'yes'",
        ),
        (
            "[marketplace]\ntimezone = 'Asia/Tokio'\n",
            r"marketplace\.timezone: 'Asia/Tokio' is not a time-zone name",
        ),
        (
            "[marketplace]\norder_list_url = '/o?y={year.__class__}'\n",
            r"\{year\.__class__\} is not a placeholder it may hold "
            r"\(allowed: \{year\}, \{start\}\)",
        ),
        (
            "[marketplace]\norder_details_url = '/o?id={order_id:>999999999}'\n",
            r"\{order_id\} is not a placeholder it may hold",
        ),
        ("[marketplace]\ncurrency = 'yen'\n", r"expected a currency code like \"JPY\", got 'yen'"),
        ("[marketplace]\nbase_url = 'ftp://x'\n", r"marketplace\.base_url: expected an address"),
        ("[marketplace]\nname = 'amazon.co.jp'\n", r"'amazon\.co\.jp' is not this file's"),
        ("[status.codes]\nX = 5\n", r"status\.codes\.X: 5 is not one of cancelled, "),
        ("a = " + "[" * 2000 + "]" * 2000 + "\n", "nested too deep"),
    ],
)
def test_bad_override_is_an_error_naming_file_and_field(tmp_path, text, message):
    home = _override(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_selectors("amazon.com", override_dir=home)
    assert str(caught.value).startswith(str(home / "amazon.com.toml"))


def test_an_override_that_is_not_utf8_names_the_byte(tmp_path):
    (tmp_path / "amazon.com.toml").write_bytes(b"[marketplace]\ncurrency = '\xff'\n")
    expected = r"amazon\.com\.toml: line 2 is not UTF-8 text \(byte 0xff\)"
    with pytest.raises(ConfigError, match=expected):
        load_selectors("amazon.com", override_dir=tmp_path)


def test_an_override_with_a_number_too_long_to_read_is_an_error(tmp_path):
    """tomllib refuses integers of over 4,300 digits with a ValueError of its own."""
    (tmp_path / "amazon.com.toml").write_text("[marketplace]\nx = " + "9" * 5000 + "\n")
    with pytest.raises(ConfigError, match=r"amazon\.com\.toml: not valid TOML"):
        load_selectors("amazon.com", override_dir=tmp_path)


def test_an_override_that_is_a_fifo_or_a_directory_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "amazon.com.toml")
    with pytest.raises(ConfigError, match=r"amazon\.com\.toml: is a named pipe \(FIFO\)"):
        load_selectors("amazon.com", override_dir=tmp_path)
    (tmp_path / "amazon.com.toml").unlink()
    (tmp_path / "amazon.com.toml").mkdir()
    with pytest.raises(ConfigError, match=r"amazon\.com\.toml: is a directory"):
        load_selectors("amazon.com", override_dir=tmp_path)


def test_an_override_of_megabytes_is_refused(tmp_path):
    (tmp_path / "amazon.com.toml").write_text("# " + "x" * 2_000_000 + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"amazon\.com\.toml: the file is 2 MB"):
        load_selectors("amazon.com", override_dir=tmp_path)


@pytest.mark.parametrize("name", ["amazon.com", "amazon.co.jp"])
def test_our_files_define_every_field_the_parser_reads(name):
    sel = load_selectors(name, override_dir=Path("/nonexistent"))
    assert sorted(sel.fields) == sorted(FIELD_NAMES)
    assert sorted(sel.page_kinds) == sorted(PAGE_KIND_NAMES)


def test_override_replaces_one_field_and_keeps_the_rest(tmp_path):
    home = _override(tmp_path, "[fields.order_card]\nfallbacks = [{ css = '.my-card' }]\n")
    sel = load_selectors("amazon.com", override_dir=home)
    assert [f.expr for f in sel.field("order_card").fallbacks] == [".my-card"]
    assert sel.field("order_card").source == str(home / "amazon.com.toml")
    assert sel.field("order_id").source.endswith("amazon.com.toml")
    assert sel.field("order_id").source != str(home / "amazon.com.toml")
    assert sel.marketplace.currency == "USD"


def test_override_marketplace_key(tmp_path):
    home = _override(tmp_path, "[marketplace]\ntimezone = 'America/New_York'\n")
    sel = load_selectors("amazon.com", override_dir=home)
    assert sel.marketplace.timezone == "America/New_York"
    assert sel.marketplace.base_url == "https://www.amazon.com"


def test_edited_override_is_reloaded(tmp_path):
    home = _override(tmp_path, "[fields.order_card]\nfallbacks = [{ css = '.a' }]\n")
    assert (
        load_selectors("amazon.com", override_dir=home).field("order_card").fallbacks[0].expr
        == ".a"
    )
    path = home / "amazon.com.toml"
    path.write_text("[fields.order_card]\nfallbacks = [{ css = '.bb' }]\n", encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert (
        load_selectors("amazon.com", override_dir=home).field("order_card").fallbacks[0].expr
        == ".bb"
    )


JP = load_selectors("amazon.co.jp", override_dir=Path("/nonexistent")).marketplace
COM = load_selectors("amazon.com", override_dir=Path("/nonexistent")).marketplace


@pytest.mark.parametrize(
    ("market", "text", "near", "expected"),
    [
        (JP, "注文日 2025年7月15日", None, date(2025, 7, 15)),
        (JP, "２０２５年７月１５日", None, date(2025, 7, 15)),  # full-width digits
        (JP, "2024/10/30", None, date(2024, 10, 30)),
        (JP, "11月20日に配達しました", date(2026, 11, 10), date(2026, 11, 20)),
        (JP, "お届け予定: 1月3日", date(2026, 12, 28), date(2027, 1, 3)),  # over new year
        (JP, "11月20日に配達しました", None, None),  # no year, no order date: unknown
        (JP, "Release date: Thursday, 16 April 2020", None, date(2020, 4, 16)),
        (
            COM,
            "Return or replace items: Eligible through January 31, 2025",
            None,
            date(2025, 1, 31),
        ),
        (COM, "Return eligible through Jan 31, 2024", None, date(2024, 1, 31)),
        (COM, "Return window closed on Sept 20, 2010", None, date(2010, 9, 20)),
        (COM, "Delivered November 2", date(2024, 11, 1), date(2024, 11, 2)),
        (COM, "Arriving tomorrow", date(2024, 11, 1), None),
        (COM, "February 30, 2024", None, None),
    ],
)
def test_dates_as_amazon_prints_them(market, text, near, expected):
    assert parse_date(text, market, near) == expected


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("￥10,618", Decimal("10618"), "JPY"),
        ("¥ 1,200", Decimal("1200"), "JPY"),
        ("3,280円", Decimal("3280"), "JPY"),
        ("$106.18", Decimal("106.18"), "USD"),
        ("-$2.99", Decimal("-2.99"), "USD"),
    ],
)
def test_amounts_and_currency(text, amount, currency):
    assert parse_amount(text) == amount
    assert currency_of(text, "EUR") == currency


def test_counts():
    assert parse_count("50 orders") == 50
    assert parse_count("1,234件の注文") == 1234
    assert parse_count("no orders") is None


def test_wheel_ships_the_selector_files_and_works_outside_the_source_tree(tmp_path):
    root = Path(__file__).resolve().parent.parent
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(root)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("cancelwatch-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "cancelwatch/selectors/amazon.co.jp.toml" in names
    assert "cancelwatch/selectors/amazon.com.toml" in names
    # Everything installs under cancelwatch/: no top-level scraper/ or scheduler/ package
    # to collide with another distribution's, and no selectors/ shadowing the stdlib's.
    tops = {n.split("/")[0] for n in names if not n.startswith("cancelwatch-")}
    assert tops == {"cancelwatch"}
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    page = (
        root
        / "tests"
        / "fixtures"
        / "real"
        / "amazon.com"
        / "orders"
        / "order-history-2010-10.html"
    )
    script = (
        "import json; import cancelwatch.scraper as scraper;"
        "from cancelwatch.scraper.read.markup import builtin_dir;"
        "from cancelwatch.scraper.read.parse import parse_page; import pathlib, sys;"
        "p = parse_page(pathlib.Path(sys.argv[1]).read_text());"
        "print(json.dumps([scraper.__file__, str(builtin_dir()), len(p.orders)]))"
    )
    away = tmp_path / "elsewhere"
    away.mkdir()
    out = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            f"import sys; sys.path.insert(0, {str(target)!r}); {script}",
            str(page),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=away,
    ).stdout
    module, selectors, orders = json.loads(out)
    assert module.startswith(str(target))
    assert selectors == str(target / "cancelwatch" / "selectors")
    assert orders == 2
