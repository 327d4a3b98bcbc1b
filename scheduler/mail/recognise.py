"""One mail's bytes → what it says about an order, or why it says nothing.

Pure: no network, no clock, no state. A mail is hostile input: it is refused unread above
a size limit, every header and part is decoded by its own charset with errors replaced,
and no malformed MIME reaches the caller as an exception, only as `Ignored("malformed")`.
The mail itself is never kept: an event holds a hash of its Message-ID, not its text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes
from email.header import Header, decode_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from typing import Literal
from urllib.parse import unquote

from cancelwatch.scheduler.mail.rules import Kind, MailRules

MAX_MAIL_BYTES = 2_000_000
"""Amazon's order mails are tens of KB; a mail this big is not one and is not parsed."""
MAX_PARTS = 50
_MAX_TEXT = 500_000
_MAX_HEADER = 4000
_MAX_WORDS = 200
_PLAIN_DOMAIN = re.compile(r"[a-z0-9.-]{1,253}")
"""A sender's domain is logged only in this shape: a mail's From may hold anything."""

Reason = Literal["too_large", "malformed", "unknown_sender", "unauthenticated", "unknown_subject"]


@dataclass(frozen=True)
class MailEvent:
    """An authenticated Amazon mail about orders: "look now", and when it was sent."""

    kind: Kind
    marketplace: str
    order_ids: tuple[str, ...]
    """In order of appearance, each once; empty when the mail names none (newer subjects)."""
    sent_at: datetime | None
    """The Date header in UTC; None when the mail has no readable one."""
    message_hash: str
    """SHA-256 (hex) of the Message-ID, or of the whole mail when it has none."""


@dataclass(frozen=True)
class Ignored:
    """A mail that triggers nothing, and why; `detail` names no secret and no mail text
    beyond the sender's domain."""

    reason: Reason
    detail: str
    message_hash: str


def recognise(raw: bytes, rules: MailRules, authserv_id: str) -> MailEvent | Ignored:
    """What mail `raw` (RFC 5322 bytes) says, trusting only the Authentication-Results
    header that the receiving server `authserv_id` wrote."""
    if len(raw) > MAX_MAIL_BYTES:
        return Ignored(
            "too_large",
            f"{len(raw)} bytes, more than the {MAX_MAIL_BYTES} an order mail can be",
            _sha(raw),
        )
    try:
        return _recognise(message_from_bytes(raw), raw, rules, authserv_id)
    except (RecursionError, LookupError, ValueError, TypeError, AttributeError, IndexError):
        # The email package's own failures on broken MIME: never the caller's exception.
        return Ignored("malformed", "the mail's MIME structure could not be read", _sha(raw))


def _recognise(message: Message, raw: bytes, rules: MailRules, serv: str) -> MailEvent | Ignored:
    digest = _message_hash(message, raw)
    sender = _sender(message)
    if sender is None:
        return Ignored("unknown_sender", "no single From address", digest)
    local, domain = sender
    senders = rules.marketplace_of(domain)
    if senders is None or local not in senders.senders:
        shown = domain if _PLAIN_DOMAIN.fullmatch(domain) else "a domain not shown here"
        return Ignored(
            "unknown_sender", f"From an address at {shown}, not an Amazon sender", digest
        )
    if not dkim_passed(message.get_all("Authentication-Results") or [], serv, domain):
        return Ignored(
            "unauthenticated",
            f"From {local}@{domain} without dkim=pass for {domain} from {serv}",
            digest,
        )
    subject = clean(header_text(message.get("Subject")))
    kind = _kind(subject, rules)
    if kind is None:
        return Ignored("unknown_subject", f"a mail from {local}@{domain} about no order", digest)
    return MailEvent(
        kind=kind,
        marketplace=senders.marketplace,
        order_ids=_order_ids([subject, *_bodies(message)], rules),
        sent_at=_sent_at(message.get("Date")),
        message_hash=digest,
    )


# -- headers --------------------------------------------------------------------------------


def header_text(value: object) -> str:
    """A header's text with its encoded words (=?ISO-2022-JP?B?…?=, UTF-8 B and Q) decoded;
    an unknown charset or a broken word is read with replacement characters."""
    if value is None:
        return ""
    # Raw 8-bit text (RFC 6532 UTF-8) comes as a Header of charset "unknown-8bit": read as UTF-8.
    chunks = decode_header(value) if isinstance(value, Header) else decode_header(str(value))
    out = []
    for chunk, charset in chunks[:_MAX_WORDS]:
        if isinstance(chunk, bytes):
            out.append(_decode(chunk[:_MAX_HEADER], charset or "ascii"))
        else:
            out.append(chunk[:_MAX_HEADER])
    return "".join(out)[:_MAX_HEADER]


def clean(text: str) -> str:
    """NFKC (full-width colons and digits become ASCII), without zero-width and bidi marks
    or line breaks, and with runs of spaces made one."""
    normal = unicodedata.normalize("NFKC", text)
    kept = "".join(c for c in normal if unicodedata.category(c) != "Cf")
    return " ".join(kept.split())


def _sender(message: Message) -> tuple[str, str] | None:
    values = [str(v)[:_MAX_HEADER] for v in message.get_all("From") or []]
    addresses = [address for _, address in getaddresses(values) if address]
    if len(addresses) != 1 or addresses[0].count("@") != 1:
        return None
    local, domain = addresses[0].lower().split("@")
    return local, domain.rstrip(".")


def _sent_at(value: object) -> datetime | None:
    if value is None:
        return None
    try:
        when = parsedate_to_datetime(str(value)[:_MAX_HEADER])
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000": UTC by RFC 5322, said to be of unknown zone
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def _message_hash(message: Message, raw: bytes) -> str:
    message_id = header_text(message.get("Message-ID")).strip()
    return _sha(message_id.encode("utf-8", "replace")) if message_id else _sha(raw)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- Authentication-Results (RFC 8601) ------------------------------------------------------


def dkim_passed(headers: Iterable[object], authserv_id: str, domain: str) -> bool:
    """Whether the topmost Authentication-Results header written by `authserv_id` says
    dkim=pass for `domain` (header.d, or header.i's domain, equal to it or below it).

    Only the topmost counts: the receiving server adds its header above those the mail
    came with, and anyone can write a header that claims to be that server further down.
    """
    for value in headers:
        serv, results = _parse_results(str(value)[:_MAX_HEADER])
        if serv.lower() == authserv_id.lower():
            return any(_dkim_pass_for(result, domain) for result in results)
    return False


def _parse_results(value: str) -> tuple[str, list[list[str]]]:
    """("mx.google.com", [["dkim=pass", "header.i=@amazon.co.jp", …], …])."""
    parts = _without_comments(value).split(";")
    head = parts[0].split()
    serv = head[0] if head else ""
    return serv, [part.split() for part in parts[1:]]


def _without_comments(value: str) -> str:
    """Without RFC 5322 comments (nested parentheses) and quoted strings: either may hold
    a semicolon or a "dkim=pass" of its own, and no value we read is quoted."""
    out, depth, quoted = [], 0, False
    for char in value:
        if char == '"' and depth == 0:
            quoted = not quoted
        elif quoted:
            continue
        elif char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif depth == 0:
            out.append(char)
    return "".join(out)


def _dkim_pass_for(result: list[str], domain: str) -> bool:
    if not result or result[0].lower() != "dkim=pass":
        return False
    for prop in result[1:]:
        name, _, value = prop.partition("=")
        value = value.lower().rstrip(".")
        if name.lower() == "header.d" and _within(value, domain):
            return True
        if name.lower() == "header.i" and _within(value.rpartition("@")[2], domain):
            return True
    return False


def _within(name: str, domain: str) -> bool:
    return name == domain or name.endswith("." + domain)


# -- subject and bodies ---------------------------------------------------------------------


def _kind(subject: str, rules: MailRules) -> Kind | None:
    return next((r.kind for r in rules.subjects if r.pattern.search(subject)), None)


def _bodies(message: Message) -> Iterator[str]:
    """The text of each text/plain and text/html part that is not an attachment, HTML read
    for its text with BeautifulSoup, each decoded by its own charset."""
    for count, part in enumerate(message.walk()):
        if count >= MAX_PARTS:
            return
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        if part.get_content_disposition() == "attachment":
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        text = _decode(payload[:_MAX_TEXT], part.get_content_charset() or "utf-8")
        yield clean(_html_text(text) if part.get_content_subtype() == "html" else text)


def _html_text(html: str) -> str:
    """The visible text, and the links: a shipment mail may name its order only in a
    tracking link's orderId, inside a click-tracking redirect's percent-encoded U=."""
    # Here, not at the top: every command imports this module (`check` through the
    # watcher's mail trigger), and bs4 costs about 0.1 s of each start.
    from bs4 import BeautifulSoup  # noqa: PLC0415

    soup = BeautifulSoup(html, "html.parser")
    links = [unquote(unquote(str(a.get("href", "")))) for a in soup.find_all("a", limit=500)]
    return "\n".join([soup.get_text(" "), *links])


def _decode(data: bytes, charset: str) -> str:
    try:
        return data.decode(charset, "replace")
    except LookupError:  # a charset Python does not know
        return data.decode("utf-8", "replace")


def _order_ids(texts: Iterable[str], rules: MailRules) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for text in texts:
        for pattern in rules.order_ids:
            for match in pattern.finditer(text):
                found.setdefault(match.group(1), None)
    return tuple(found)
