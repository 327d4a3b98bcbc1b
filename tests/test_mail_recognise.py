"""Recognising Amazon's order mails: kind, marketplace, order ids and sent time from an
authenticated mail, and a reason for every mail that must trigger nothing."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime

import pytest

from cancelwatch.scheduler.mail.recognise import (
    MAX_MAIL_BYTES,
    Ignored,
    MailEvent,
    dkim_passed,
    recognise,
)
from cancelwatch.scheduler.mail.rules import load_rules
from tests.mail_samples import (
    COM_PASS,
    JP_PASS,
    SERVER,
    com_order,
    encoded_word,
    jp_order,
)

RULES = load_rules()


def event(raw: bytes) -> MailEvent:
    found = recognise(raw, RULES, SERVER)
    assert isinstance(found, MailEvent), found
    return found


def ignored(raw: bytes) -> Ignored:
    found = recognise(raw, RULES, SERVER)
    assert isinstance(found, Ignored), found
    return found


def test_a_japanese_confirmation_in_iso_2022_jp() -> None:
    found = event(jp_order())
    assert found.kind == "ordered"
    assert found.marketplace == "amazon.co.jp"
    # On the line after 注文番号, between zero-width spaces, in both parts: once.
    assert found.order_ids == ("503-1234567-7654321",)
    assert found.sent_at == datetime(2026, 11, 30, 5, 12, 9, tzinfo=UTC)


def test_the_date_header_is_read_as_utc_whatever_its_zone() -> None:
    found = event(jp_order(date="Mon, 30 Nov 2026 14:12:09 +0900"))
    assert found.sent_at == datetime(2026, 11, 30, 5, 12, 9, tzinfo=UTC)
    assert event(jp_order(date="not a date")).sent_at is None
    assert event(jp_order(date=None)).sent_at is None


def test_an_american_confirmation_in_quoted_printable() -> None:
    found = event(com_order())
    assert (found.kind, found.marketplace) == ("ordered", "amazon.com")
    assert found.order_ids == ("113-0000001-0000002",)


def test_an_order_number_only_in_the_html_part_is_found() -> None:
    html = (
        "<p>Your package is on its way.</p><a href='/gp/your-account/ship-track?ie=UTF8"
        "&amp;orderId=112-7654321-1234567&amp;shipmentId=Xyz'>Track package</a>"
    )
    raw = com_order(
        sender="shipment-tracking@amazon.com",
        subject=encoded_word("Shipped: “Blue Widget, 2-pack…”", "utf-8"),
        parts=[("html", "UTF-8", "base64", html.encode())],
    )
    found = event(raw)
    assert found.kind == "shipped"
    assert found.order_ids == ("112-7654321-1234567",)


@pytest.mark.parametrize(
    ("subject", "kind"),
    [
        ("Your Amazon.com order #113-0000001-0000002 has shipped", "shipped"),
        ("Shipped: Now arriving early on Friday, December 3 (#113-0000001-0000002)", "shipped"),
        ("Delivered: Your Amazon.com order #113-0000001-0000002", "delivered"),
        ("Delivered: 2 items | Order # 113-0000001-0000002", "delivered"),
        ("Your Amazon.com order has been canceled", "cancelled"),
        ('Your Amazon.com order of "Blue Widget".', "ordered"),
        ('Ordered: "Blue Widget, 2-pack..."', "ordered"),
    ],
)
def test_american_subjects_by_kind(subject: str, kind: str) -> None:
    assert event(com_order(subject=subject)).kind == kind


@pytest.mark.parametrize(
    ("subject", "kind"),
    [
        ("Amazon.co.jp ご注文の確認", "ordered"),
        ("Amazon.co.jpでのご注文 手ぬぐい 藍染…（2点）", "ordered"),
        ("Amazon.co.jp 手ぬぐい 藍染 の発送", "shipped"),
        ("発送済み：「手ぬぐい 藍染」", "shipped"),
        ("配達済み：3点の商品 | 注文番号 503-1234567-7654321", "delivered"),
        ("配達完了: 手ぬぐい", "delivered"),
        ("ご注文商品はお住まいの建物内の宅配ボックスに配達しました。", "delivered"),
        ("Amazon.co.jp ご注文のキャンセル", "cancelled"),
    ],
)
def test_japanese_subjects_by_kind_in_utf8_b_and_q(subject: str, kind: str) -> None:
    as_b = encoded_word(subject, "utf-8")
    as_q = "=?UTF-8?Q?" + "".join(f"={b:02X}" for b in subject.encode()) + "?="
    assert event(jp_order(subject=as_b)).kind == kind
    assert event(jp_order(subject=as_q)).kind == kind


def test_a_mail_with_several_orders_names_each_once_in_order() -> None:
    text = "注文番号：503-1111111-2222222\r\n注文番号：503-3333333-4444444\r\n503-1111111-2222222"
    raw = jp_order(parts=[("plain", "UTF-8", "base64", text.encode())])
    assert event(raw).order_ids == ("503-1111111-2222222", "503-3333333-4444444")


def test_a_kindle_order_number_and_a_subject_without_any() -> None:
    kindle = jp_order(
        sender="Amazon.co.jp <digital-no-reply@amazon.co.jp>",
        subject=encoded_word("Amazon.co.jp ご注文の確認 D01-1234567-1234567", "iso-2022-jp"),
        parts=[("plain", "UTF-8", "7bit", b"Thanks")],
    )
    assert event(kindle).order_ids == ("D01-1234567-1234567",)
    bare = jp_order(parts=[("plain", "UTF-8", "7bit", b"no number here 12-345")])
    assert event(bare).order_ids == ()


def test_the_message_hash_is_of_the_message_id_not_the_mail() -> None:
    one = event(jp_order())
    other_body = event(jp_order(parts=[("plain", "UTF-8", "7bit", b"x")]))
    expected = hashlib.sha256(b"<0106abcd-1234@email.amazonses.com>").hexdigest()
    assert one.message_hash == other_body.message_hash == expected
    raw = jp_order(message_id=None)
    assert event(raw).message_hash == hashlib.sha256(raw).hexdigest()


# -- what triggers nothing ------------------------------------------------------------------


def test_a_phishing_copy_with_the_display_name_and_subject_is_an_unknown_sender() -> None:
    raw = jp_order(sender='"Amazon.co.jp" <admin@amaz0n-security.icu>', auth=[JP_PASS])
    found = ignored(raw)
    assert found.reason == "unknown_sender"
    assert "注文" not in found.detail and "503-" not in found.detail


def test_a_phishing_copy_from_amazons_own_address_without_dkim_pass() -> None:
    spoofed = f"{SERVER}; dkim=none (message not signed); spf=softfail smtp.mailfrom=x.icu"
    assert ignored(jp_order(auth=[spoofed])).reason == "unauthenticated"
    assert ignored(jp_order(auth=[])).reason == "unauthenticated"


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        (
            [f"{SERVER}; dkim=fail header.d=amazon.co.jp", JP_PASS],
            "a forged header below the server's own, claiming its name",
        ),
        (
            ["mx.google.com; dkim=pass header.d=amazon.co.jp", f"{SERVER}; dkim=none"],
            "a forged header above it, in another server's name",
        ),
        (["mx.google.com; dkim=pass header.d=amazon.co.jp"], "only another server's word"),
        ([f"{SERVER}; dkim=pass header.d=amazonses.com"], "signed by another domain"),
        ([f"{SERVER}; dkim=pass header.d=amazon.co.jp.evil.icu"], "a domain ending like it"),
        ([f"{SERVER}; dkim=pass header.d=notamazon.co.jp"], "a domain ending like it"),
        (
            [f"{SERVER}; dkim=fail (dkim=pass header.d=amazon.co.jp) header.d=amazon.co.jp"],
            "a comment",
        ),
        ([f'{SERVER}; dkim=fail reason="; dkim=pass header.d=amazon.co.jp"'], "a quoted value"),
        ([f"{SERVER}; spf=pass smtp.mailfrom=amazon.co.jp"], "SPF is not DKIM"),
    ],
)
def test_only_the_receiving_servers_topmost_header_counts(headers: list[str], why: str) -> None:
    assert ignored(jp_order(auth=headers)).reason == "unauthenticated", why


def test_dkim_pass_by_header_i_or_a_subdomain_counts() -> None:
    assert dkim_passed([JP_PASS], SERVER, "amazon.co.jp")
    assert dkim_passed(
        [f"{SERVER.upper()}; dkim=pass header.d=mail.amazon.co.jp"], SERVER, "amazon.co.jp"
    )
    assert dkim_passed([COM_PASS], SERVER, "amazon.com")
    assert not dkim_passed([COM_PASS], SERVER, "amazon.co.jp")


def test_a_hostile_sender_domain_is_not_repeated_in_the_log() -> None:
    raw = com_order(sender="x@evil.icu").replace(b"x@evil.icu", "x@evil\u202e.icu\a".encode())
    found = ignored(raw)
    assert found.reason == "unknown_sender"
    assert found.detail == "From an address at a domain not shown here, not an Amazon sender"


def test_a_forwarded_mail_is_not_amazons() -> None:
    raw = jp_order(
        sender="Taro <taro@example.jp>",
        subject="Fwd: " + encoded_word("Amazon.co.jp ご注文の確認", "iso-2022-jp"),
        auth=[f"{SERVER}; dkim=pass header.d=example.jp"],
    )
    assert ignored(raw).reason == "unknown_sender"


def test_an_amazon_mail_about_no_order() -> None:
    raw = com_order(sender="order-update@amazon.com", subject="Delivery update: Blue Widget...")
    assert ignored(raw).reason == "unknown_subject"
    news = com_order(sender="store-news@amazon.com")
    assert ignored(news).reason == "unknown_sender"


def test_a_huge_mail_is_refused_unread() -> None:
    raw = jp_order(parts=[("plain", "UTF-8", "7bit", b"x" * MAX_MAIL_BYTES)])
    started = time.perf_counter()
    found = ignored(raw)
    assert found.reason == "too_large"
    assert time.perf_counter() - started < 0.1  # not parsed: 2 MB of MIME takes longer
    assert found.message_hash == hashlib.sha256(raw).hexdigest()


def test_broken_mime_still_reads_its_headers_and_never_raises() -> None:
    raw = (
        "Authentication-Results: " + JP_PASS + "\r\n"
        "From: auto-confirm@amazon.co.jp\r\n"
        "Subject: =?X-UNKNOWN?B?!!!?= =?UTF-8?B?5rOo5paH5riI44G/OiDjgIw=?=\r\n"
        'Content-Type: multipart/alternative; boundary="never"\r\n'
        "\r\n--other\r\nContent-Transfer-Encoding: base64\r\n\r\n@@@not base64\r\n"
    ).encode() + b"\xff\xfe\x00 503-9999999-0000000"
    found = event(raw)
    assert found.kind == "ordered"  # 注文済み: 「 in the UTF-8 word; the unknown one replaced
    assert found.order_ids == ()  # no text part to read it from


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "unknown_sender"),
        (b"\x00\xff" * 1000, "unknown_sender"),
        (b"From: \r\n\r\n", "unknown_sender"),
        (b"From: a@amazon.co.jp, b@amazon.co.jp\r\nSubject: x\r\n\r\n", "unknown_sender"),
        (b"From: <@@>\r\n\r\n", "unknown_sender"),
        (
            b"From: auto-confirm@amazon.co.jp\r\nContent-Type: multipart/mixed\r\n\r\n--\r\n",
            "unauthenticated",
        ),
        (
            b"From: auto-confirm@amazon.co.jp\r\nAuthentication-Results: "
            + JP_PASS.encode()
            + b"\r\nSubject: Amazon.co.jp \xe3\x81\x94\xe6\xb3\xa8\xe6\x96\x87\xe3\x81\xae"
            + b"\xe7\xa2\xba\xe8\xaa\x8d\r\n"
            + b"Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\n" * 2000,
            "ordered",
        ),
    ],
)
def test_garbage_triggers_nothing_and_raises_nothing(raw: bytes, reason: str) -> None:
    found = recognise(raw, RULES, SERVER)
    assert (found.kind if isinstance(found, MailEvent) else found.reason) == reason
