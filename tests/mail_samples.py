"""Order mails written for the tests from what is known of Amazon's:
the senders, subjects and bodies of amazon.co.jp and amazon.com, in
the charsets and transfer encodings they use, and the phishing and broken copies that
must trigger nothing. None is a real mail."""

from __future__ import annotations

import base64
import quopri
from email.header import Header

SERVER = "mx.cancelwatch.test"
"""The authserv-id of the receiving server the tests configure."""

JP_PASS = (
    f"{SERVER}; dkim=pass (2048-bit key) header.i=@amazon.co.jp header.s=rjt5 "
    "header.b=AbCdEf12; spf=pass smtp.mailfrom=0106abcd@bounces.amazon.co.jp; "
    "dmarc=pass (p=QUARANTINE) header.from=amazon.co.jp"
)
COM_PASS = f"{SERVER}; dkim=pass header.d=amazon.com header.s=yg4mwqurec7fkhzutopddd3ytuaqrvuz"


def encoded_word(text: str, charset: str) -> str:
    """A subject as Amazon's mails carry it: RFC 2047 encoded words in `charset`."""
    return Header(text, charset).encode()


def mail(
    *,
    sender: str,
    subject: str,
    parts: list[tuple[str, str, str, bytes]],
    auth: list[str] | None = None,
    date: str | None = "Mon, 30 Nov 2026 05:12:09 +0000",
    message_id: str | None = "<0106abcd-1234@email.amazonses.com>",
    extra: str = "",
) -> bytes:
    """A multipart/alternative mail; each part is (subtype, charset, transfer encoding,
    body already in that charset), headers in the order a receiving server leaves them:
    its own Authentication-Results on top."""
    head = [f"Authentication-Results: {value}" for value in auth or []]
    head += [
        "Return-Path: <0106abcd@bounces.amazon.co.jp>",
        f"From: {sender}",
        "To: hanako@example.jp",
        f"Subject: {subject}",
        "MIME-Version: 1.0",
        'Content-Type: multipart/alternative; boundary="b1_cw"',
        "X-AMAZON-MAIL-RELAY-TYPE: notification",
    ]
    if date is not None:
        head.append(f"Date: {date}")
    if message_id is not None:
        head.append(f"Message-ID: {message_id}")
    body = []
    for subtype, charset, encoding, payload in parts:
        body += [
            b"--b1_cw",
            f"Content-Type: text/{subtype}; charset={charset}".encode(),
            f"Content-Transfer-Encoding: {encoding}".encode(),
            b"",
            _encoded(payload, encoding),
        ]
    body.append(b"--b1_cw--")
    text = "\r\n".join(head) + extra + "\r\n\r\n"
    return text.encode("ascii") + b"\r\n".join(body) + b"\r\n"


def _encoded(payload: bytes, encoding: str) -> bytes:
    if encoding == "quoted-printable":
        return quopri.encodestring(payload)
    if encoding == "base64":
        return base64.encodebytes(payload)
    return payload


JP_ORDER_TEXT = (
    "Amazon.co.jpをご利用いただき、ありがとうございます。\r\n"
    "Amazonマーケットプレイス出品者「さくら堂」からのご注文を承りました。\r\n"
    "注文番号：\r\n503-1234567-7654321\r\n"
    "* 手ぬぐい 藍染\r\n数量: 1\r\n1,010 JPY\r\n合計 1,010 JPY\r\n"
)
JP_ORDER_HTML = (
    "<html><body><p>ご注文ありがとうございます。</p><table><tr><td>注文番号</td></tr>"
    "<tr><td><a href='https://www.amazon.co.jp/gp/r.html?C=X&amp;U=https%3A%2F%2F"
    "www.amazon.co.jp%2Fgp%2Fcss%2Forder-details%3ForderId%3D503-1234567-7654321'>"
    "\u200e&#x200B;503-1234567-7654321\u200f</a></td></tr></table></body></html>"
)


def jp_order(**overrides: object) -> bytes:
    """amazon.co.jp's newer confirmation: ISO-2022-JP subject and text, UTF-8 HTML in
    quoted-printable, the order number on the line after its label."""
    values: dict[str, object] = {
        "sender": f"{encoded_word('Amazon.co.jp', 'iso-2022-jp')} <auto-confirm@amazon.co.jp>",
        "subject": encoded_word("注文済み: 「手ぬぐい 藍染」", "iso-2022-jp"),
        "parts": [
            ("plain", "ISO-2022-JP", "7bit", JP_ORDER_TEXT.encode("iso-2022-jp")),
            ("html", "UTF-8", "quoted-printable", JP_ORDER_HTML.encode("utf-8")),
        ],
        "auth": [JP_PASS],
    }
    values.update(overrides)
    return mail(**values)  # type: ignore[arg-type]


COM_ORDER_HTML = (
    "<html><body><h1>Order Confirmation</h1><p>Order #113-0000001-0000002</p>"
    "<p>Arriving: Friday, December 4</p><p>Order Total: $80.61</p>"
    '<a href="https://www.amazon.com/gp/r.html?C=ABC&amp;U=https%3A%2F%2Fwww.amazon.com'
    '%2Fgp%2Fcss%2Forder-details%3ForderId%3D113-0000001-0000002">View or manage order</a>'
    "</body></html>"
)


def com_order(**overrides: object) -> bytes:
    """amazon.com's confirmation (2022): the order number in the subject, UTF-8 in
    quoted-printable."""
    values: dict[str, object] = {
        "sender": '"Amazon.com" <auto-confirm@amazon.com>',
        "subject": "Your Amazon.com order #113-0000001-0000002",
        "parts": [
            ("plain", "UTF-8", "quoted-printable", b"Order #113-0000001-0000002\r\n"),
            ("html", "UTF-8", "quoted-printable", COM_ORDER_HTML.encode()),
        ],
        "auth": [COM_PASS],
        "extra": "\r\nReply-To: no-reply@amazon.com",
    }
    values.update(overrides)
    return mail(**values)  # type: ignore[arg-type]
