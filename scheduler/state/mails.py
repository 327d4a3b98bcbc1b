"""The order mails heard, as state.db keeps them: per mail only its Message-ID's hash, its
kind, the orders it names and its Date (UTC); never its subject, body or addresses. And
the IMAP checkpoint of each mailbox, so a restart neither loses nor repeats a mail.

Called by `State` inside its own transactions and reads; rows that do not read back are
`DamagedState`, naming table, row and column.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cancelwatch.scheduler.mail.rules import KINDS, Kind
from cancelwatch.scheduler.state.schema import damaged, instant_text, parse_instant_or_none


@dataclass(frozen=True)
class MailRow:
    """One order named by one mail (order_id None: the mail named no order)."""

    account: str
    message_hash: str
    kind: Kind
    order_id: str | None
    sent_at: datetime | None


def mailbox_key(server: str, port: int, username: str, folder: str) -> str:
    """A mailbox's name in state.db: a hash, so the user's address is not kept there."""
    return hashlib.sha256(f"{server}\0{port}\0{username}\0{folder}".encode()).hexdigest()


def insert_mail(
    conn: sqlite3.Connection,
    account: str,
    *,
    message_hash: str,
    kind: Kind,
    order_ids: Sequence[str],
    sent_at: datetime | None,
) -> bool:
    """Record a mail; False when this account's mail of that hash was recorded before."""
    heard = conn.execute(
        "SELECT 1 FROM mails WHERE account = ? AND message_hash = ? LIMIT 1",
        (account, message_hash),
    ).fetchone()
    if heard is not None:
        return False
    sent = instant_text(sent_at, "sent_at") if sent_at is not None else None
    conn.executemany(
        "INSERT INTO mails (account, message_hash, kind, order_id, sent_at) VALUES (?, ?, ?, ?, ?)",
        [(account, message_hash, kind, order_id, sent) for order_id in order_ids or [""]],
    )
    return True


def mail_from_row(row: sqlite3.Row) -> MailRow:
    where = f"table mails, message {str(row['message_hash'])[:12]}…"
    kind = row["kind"]
    if kind not in KINDS:
        raise damaged(f"{where}, column kind", kind, f"one of {', '.join(KINDS)}")
    order_id = row["order_id"]
    if not isinstance(order_id, str):
        raise damaged(f"{where}, column order_id", order_id, "text")
    return MailRow(
        account=str(row["account"]),
        message_hash=str(row["message_hash"]),
        kind=kind,
        order_id=order_id or None,
        sent_at=parse_instant_or_none(row["sent_at"], f"{where}, column sent_at"),
    )
