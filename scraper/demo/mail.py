"""The demo store's order mails: when an order is placed while the store runs, it delivers
an order confirmation shaped like Amazon's into a Maildir it was given, as a mail program
(mbsync, fetchmail) would, so `cancelwatch demo --mail` hears it as it hears real ones.

The mail carries what the mail rules ask of a real one (selectors/mail/amazon.toml): an
Amazon sender, an order subject, the order number, and an Authentication-Results header
with dkim=pass for the sender's domain, written by the demo's own receiving server
`DEMO_AUTHSERV_ID`: a reader that trusts that name trusts only the demo's mails.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from html import escape
from pathlib import Path

from cancelwatch.scraper.demo.clock import Clock
from cancelwatch.scraper.demo.locale import locale_for
from cancelwatch.scraper.demo.scenario import DemoOrder, Scenario

log = logging.getLogger(__name__)

DEMO_AUTHSERV_ID = "mx.demo.cancelwatch.invalid"
"""The demo's receiving server, as its Authentication-Results name it (.invalid: no real
server can be it)."""
_POLL_S = 0.05


@dataclass(frozen=True)
class _Shape:
    domain: str
    display: str
    subject: str
    text: str


_SHAPES = {
    "amazon.co.jp": _Shape(
        "amazon.co.jp",
        "Amazon.co.jp",
        "Amazon.co.jpご注文の確認 「{title}」",
        "Amazon.co.jpをご利用いただき、ありがとうございます。\n"
        "Amazonマーケットプレイス出品者「{seller}」からのご注文を承りました。\n"
        "注文番号：\n{order}\n",
    ),
    "amazon.com": _Shape(
        "amazon.com",
        "Amazon.com",
        'Your Amazon.com order of "{title}".',
        "Thank you for shopping with us. Your order from {seller}, sold through Amazon "
        "Marketplace, has been placed.\nOrder #{order}\n",
    ),
}
MAILED_MARKETPLACES = tuple(_SHAPES)
"""The sites whose order mails the store writes: those the mail rules know a sender of."""


def order_mail(order: DemoOrder, marketplace: str, authserv_id: str = DEMO_AUTHSERV_ID) -> bytes:
    """The order confirmation of `order`, as Amazon's arrive: UTF-8, quoted-printable,
    plain text and HTML, Date the moment it was placed, the receiving server's
    Authentication-Results on top."""
    shape = _SHAPES[marketplace]
    item = order.items[0]
    text = shape.text.format(seller=item.seller, order=order.id)
    mail = EmailMessage(policy=SMTP)
    mail["Authentication-Results"] = (
        f"{authserv_id}; dkim=pass (2048-bit key) header.i=@{shape.domain} "
        f"header.d={shape.domain} header.s=demo; spf=pass "
        f"smtp.mailfrom=demo@bounces.{shape.domain}"
    )
    mail["From"] = f'"{shape.display}" <auto-confirm@{shape.domain}>'
    mail["To"] = "demo@example.invalid"
    mail["Subject"] = shape.subject.format(title=item.title)
    mail["Date"] = format_datetime(order.placed_at.astimezone(locale_for(marketplace).zone))
    mail["Message-ID"] = f"<demo-{order.id}-{secrets.token_hex(6)}@email.{shape.domain}>"
    mail.set_content(text, charset="utf-8", cte="quoted-printable")
    html = "".join(f"<p>{escape(line)}</p>" for line in text.splitlines())
    mail.add_alternative(
        f"<html><body>{html}</body></html>", subtype="html", charset="utf-8", cte="quoted-printable"
    )
    return mail.as_bytes()


def make_maildir(maildir: Path) -> Path:
    """`maildir` with its tmp/, new/ and cur/, made where missing; private."""
    for sub in ("tmp", "new", "cur"):
        (maildir / sub).mkdir(parents=True, exist_ok=True, mode=0o700)
    return maildir


def deliver(maildir: Path, raw: bytes) -> Path:
    """Put `raw` into `maildir`'s new/ the Maildir way: written whole into tmp/ first,
    then moved, so a reader never sees half a mail. Makes the Maildir if needed."""
    make_maildir(maildir)
    name = f"{time.time_ns()}.{os.getpid()}_{secrets.token_hex(4)}.cancelwatch-demo"
    staged = maildir / "tmp" / name
    with staged.open("xb") as out:
        out.write(raw)
        out.flush()
        os.fsync(out.fileno())
    final = maildir / "new" / name
    staged.rename(final)
    return final


class Mailer:
    """Delivers each order placed after the store started into `maildir` once the
    store's clock reaches its placing: a thread that wakes often and reads the clock, so
    a test that moves a ManualClock gets the mail without waiting."""

    def __init__(self, maildir: Path, clock: Clock, scenario: Callable[[], Scenario]) -> None:
        """`scenario` gives the store's scenario as it is now: it grows when an order is
        placed."""
        self.maildir = make_maildir(maildir)
        self._clock = clock
        self._scenario = scenario
        self._sent: set[str] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="demo-mailer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def deliver_due(self) -> list[Path]:
        """Deliver the mails whose orders have been placed by now; each once."""
        scenario = self._scenario()
        now = self._clock.now()
        delivered = []
        for order in scenario.orders:
            if order.id in self._sent or not scenario.start < order.placed_at <= now:
                continue
            self._sent.add(order.id)
            delivered.append(deliver(self.maildir, order_mail(order, scenario.marketplace)))
            log.info("demo store: mailed the order confirmation of %s", order.id)
        return delivered

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.deliver_due()
            except OSError:
                log.exception("demo store: could not deliver an order mail")
            # A sleep, not `Event.wait`: a timeout is a point on the clock, which
            # libfaketime (the tests' clock a year ahead) moves out of reach.
            time.sleep(_POLL_S)
