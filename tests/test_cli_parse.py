"""`cancelwatch parse` and `doctor` as a user runs them: output, exit codes, bad input."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from cancelwatch.scheduler.cli.main import cli, run
from tests.pages import OURS_COM, REAL

LIST_2024 = REAL / "orders" / "order-history-2024-0.html"
UPS = REAL / "tracking" / "progress-tracker-ups.html"


def cancelwatch(*args: str) -> tuple[int, str, str]:
    """Run the command as the console script does (errors mapped to exit codes in
    `run`), capturing what it prints."""
    with CliRunner().isolation() as streams:
        code = run(cli, list(args))
        out, err = streams[0].getvalue(), streams[1].getvalue()
    return code, out.decode(), err.decode()


@pytest.fixture(autouse=True)
def _no_user_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path / "home"))


def test_parse_json_follows_the_contract():
    code, out, _ = cancelwatch("parse", str(LIST_2024), "--json")
    assert code == 0
    page = json.loads(out)
    assert set(page) >= {"file", "marketplace", "page_kind", "orders", "tracking", "warnings"}
    assert page["file"] == str(LIST_2024)
    assert page["marketplace"] == "amazon.com"
    assert page["page_kind"] == "order_list"
    assert len(page["orders"]) == 10
    first = page["orders"][0]
    assert set(first) >= {
        "id", "placed_on", "total", "currency", "status", "cancellable", "cancel_url",
        "digital", "preorder", "left_at_door", "return_until", "shipments", "items",
    }  # fmt: skip
    assert (first["id"], first["placed_on"], first["total"]) == (
        "112-5939971-8962610",
        "2024-11-01",
        "28.50",
    )
    assert first["shipments"][0]["delivered_on"] == "2024-11-02"
    assert set(first["shipments"][0]) >= {
        "status", "status_text", "tracking_url", "delivered_on", "expected_on",
    }  # fmt: skip
    assert set(first["items"][0]) >= {"title", "url"}


def test_parse_several_files_gives_an_array():
    code, out, _ = cancelwatch("parse", str(LIST_2024), str(UPS), "--json")
    assert code == 0
    pages = json.loads(out)
    assert [p["page_kind"] for p in pages] == ["order_list", "tracking"]
    assert pages[1]["tracking"]["carrier"] == "UPS"
    assert pages[1]["tracking"]["tracking_id"] == "1Z999AA10123456784"


def test_parse_prints_a_table_by_default():
    code, out, _ = cancelwatch("parse", str(LIST_2024))
    assert code == 0
    assert "order_list (amazon.com)" in out
    assert "112-5939971-8962610" in out
    assert "2024-11-01" in out


def test_marketplace_option_is_checked():
    code, _, err = cancelwatch("parse", str(LIST_2024), "--marketplace", "amazon.de")
    assert code == 2
    assert "amazon.de" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"just some notes, not a page", "does not look like an HTML page"),
        (b'{"orders": []}', "does not look like an HTML page"),
    ],
)
def test_bad_input_gets_one_clear_line_and_exit_2(tmp_path, content, message):
    bad = tmp_path / "page.html"
    bad.write_bytes(content)
    code, out, err = cancelwatch("parse", str(bad))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert message in err and str(bad) in err
    assert "Traceback" not in err


def test_missing_file_and_directory(tmp_path):
    code, _, err = cancelwatch("parse", str(tmp_path / "nope.html"))
    assert (code, err.strip()) == (2, f"cancelwatch: error: {tmp_path / 'nope.html'}: no such file")
    code, _, err = cancelwatch("parse", str(tmp_path))
    assert code == 2
    assert "is a directory" in err


def test_file_over_8_mb_is_refused_without_reading_it(tmp_path):
    big = tmp_path / "big.html"
    with big.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024 + 1)  # sparse: refused by its size, never read
    code, _, err = cancelwatch("parse", str(big))
    assert code == 2
    assert "50 MB is more than the 8 MB a saved page may be" in err
    assert "Amazon's pages are 0.5–2 MB" in err


def test_shift_jis_page_is_decoded_by_its_meta_charset(tmp_path):
    page = tmp_path / "sjis.html"
    html = (
        '<html lang="ja"><head><meta charset="Shift_JIS"><title>注文履歴</title></head>'
        '<body><div class="num-orders">0件の注文</div></body></html>'
    )
    page.write_bytes(html.encode("shift_jis"))
    code, out, _ = cancelwatch("parse", str(page), "--json")
    assert code == 0
    result = json.loads(out)
    assert (result["marketplace"], result["page_kind"]) == ("amazon.co.jp", "order_list")


def test_a_list_that_shows_orders_but_yields_none_is_a_selector_failure(tmp_path):
    drifted = tmp_path / "drifted.html"
    drifted.write_text(
        LIST_2024.read_text(encoding="utf-8").replace("order-card", "oc-renamed"),
        encoding="utf-8",
    )
    code, out, _ = cancelwatch("parse", str(drifted), "--json")
    assert code == 1
    result = json.loads(out)
    # Two cards still match an older layout's class; the other eight are reported, not lost.
    assert [o["id"] for o in result["orders"]] == ["112-4482432-2955442", "112-9087159-1657009"]
    assert result["failed_fields"] == ["order_card"]
    assert "links to 8 orders that no order card held" in result["error"]
    assert "cancelwatch doctor" in result["error"]


def _renamed_cards(html: str) -> str:
    for old, new in (("order-card", "oc-renamed"), ("a-box-group", "x-group")):
        html = html.replace(old, new)
    return html


def test_cards_whose_classes_changed_are_read_by_their_labels(tmp_path):
    drifted = tmp_path / "drifted.html"
    drifted.write_text(_renamed_cards(LIST_2024.read_text(encoding="utf-8")), encoding="utf-8")
    code, out, _ = cancelwatch("parse", str(drifted), "--json")
    assert code == 0
    assert len(json.loads(out)["orders"]) == 10
    code, out, _ = cancelwatch("doctor", str(drifted), "--json")
    fields = {f["field"]: f for f in json.loads(out)["fields"]}
    assert list(fields["order_card"]["matched"]) == ["label card"]


def test_a_list_with_an_order_count_and_no_cards_at_all_is_a_selector_failure(tmp_path):
    drifted = tmp_path / "drifted.html"
    html = _renamed_cards(LIST_2024.read_text(encoding="utf-8"))
    # No order number left to find a card by, in the text or the links: truly blind.
    html = re.sub(r"\b(\d{3})-(\d{7})-(\d{7})\b", r"\1x\2x\3", html)
    drifted.write_text(html, encoding="utf-8")
    code, out, _ = cancelwatch("parse", str(drifted), "--json")
    assert code == 1
    result = json.loads(out)
    assert result["orders"] == []
    assert result["order_count"] == 50
    assert "says it holds 50 orders but no order card was found" in result["error"]


def test_doctor_names_the_fallback_that_matched():
    code, out, _ = cancelwatch("doctor", str(LIST_2024), "--json")
    assert code == 0
    report = json.loads(out)
    fields = {f["field"]: f for f in report["fields"]}
    assert fields["order_id"]["required"] is True
    assert fields["order_id"]["missed"] == 0
    assert list(fields["order_id"]["matched"]) == ["css .yohtmlc-order-id span:not(.a-text-caps)"]
    assert fields["order_card"]["matched"] == {"css .order-card": 1}


def test_doctor_exits_1_when_a_required_field_fails(tmp_path):
    drifted = tmp_path / "drifted.html"
    html = LIST_2024.read_text(encoding="utf-8")
    # Hide the order number from every fallback: class, label text and orderID hrefs.
    for old, new in (("yohtmlc-order-id", "x-renamed"), ("Order #", "Nr."), ("orderI", "oI")):
        html = html.replace(old, new)
    drifted.write_text(html, encoding="utf-8")
    code, out, _ = cancelwatch("doctor", str(drifted))
    assert code == 1
    assert "order_id (required)" in out
    assert "none" in out


def test_console_script_runs_without_a_traceback(tmp_path):
    missing = tmp_path / "missing.html"
    proc = subprocess.run(
        [sys.executable, "-m", "cancelwatch.scheduler.cli", "parse", str(missing)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"cancelwatch: error: {missing}: no such file"


def test_user_override_file_patches_one_field(tmp_path, monkeypatch):
    home = tmp_path / "override-home"
    home.mkdir()
    monkeypatch.setenv("CANCELWATCH_HOME", str(home))
    drifted = tmp_path / "drifted.html"
    drifted.write_text(
        LIST_2024.read_text(encoding="utf-8").replace("order-card", "oc-renamed"),
        encoding="utf-8",
    )
    (home / "amazon.com.toml").write_text(
        '[fields.order_card]\nfallbacks = [{ css = ".oc-renamed" }]\n', encoding="utf-8"
    )
    code, out, _ = cancelwatch("parse", str(drifted), "--json")
    assert code == 0
    assert len(json.loads(out)["orders"]) == 10


def test_bad_override_names_file_and_field(tmp_path, monkeypatch):
    home = tmp_path / "bad-home"
    home.mkdir()
    monkeypatch.setenv("CANCELWATCH_HOME", str(home))
    (home / "amazon.com.toml").write_text(
        "[fields.order_id]\nfallbacks = [{ text = '(unclosed' }]\n", encoding="utf-8"
    )
    code, _, err = cancelwatch("parse", str(LIST_2024), "-m", "amazon.com")
    assert code == 2
    assert str(home / "amazon.com.toml") in err
    assert "fields.order_id.fallbacks[0]" in err
    assert "bad regex" in err


def test_help_lists_the_commands():
    code, out, _ = cancelwatch("--help")
    assert code == 0
    assert "parse" in out and "doctor" in out


def test_text_output_shows_brackets_as_they_are_not_as_markup(tmp_path):
    # A file name and a selector label hold square brackets; rich would take them for
    # markup and drop them, or fail on an unmatched closing tag.
    react = OURS_COM / "react-order-list-com.html"
    named = tmp_path / "[red]saved[-x].html"
    named.write_text(react.read_text(encoding="utf-8"), encoding="utf-8")
    code, out, err = cancelwatch("parse", str(named))
    assert code == 0, err
    assert "[red]saved[-x].html" in out
    code, out, err = cancelwatch("doctor", str(named))
    assert code == 0, err
    assert "[red]saved[-x].html" in out
    assert ".a-box-group[id='orderCard']:has(#orderIdField)" in out
