"""The order mails in state.db (schema step 4): a mail is recorded once per account by its
Message-ID hash, its "ordered" Date is the order's placed time, each mailbox keeps its
IMAP checkpoint, and the file never holds a mail's subject, body or addresses."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cancelwatch.scheduler.mail.recognise import MailEvent, recognise
from cancelwatch.scheduler.mail.rules import load_rules
from cancelwatch.scheduler.state import store as state_module
from cancelwatch.scheduler.state.mails import mailbox_key
from cancelwatch.scheduler.state.store import State, schema_version
from tests.mail_samples import JP_ORDER_TEXT, SERVER, com_order, jp_order

T0 = datetime(2026, 11, 30, 5, 12, 9, tzinfo=UTC)
ORDER = "503-1234567-7654321"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def state(tmp_path: Path) -> State:
    return State.open(tmp_path / "state.db")


def test_a_mail_is_recorded_once_per_account(state: State) -> None:
    first = state.record_mail(
        "main", message_hash=digest("a"), kind="ordered", order_ids=[ORDER], sent_at=T0
    )
    again = state.record_mail(
        "main", message_hash=digest("a"), kind="ordered", order_ids=[ORDER], sent_at=T0
    )
    other = state.record_mail(
        "work", message_hash=digest("a"), kind="ordered", order_ids=[ORDER], sent_at=T0
    )
    assert (first, again, other) == (True, False, True)
    assert [(m.account, m.order_id) for m in state.mails()] == [("main", ORDER), ("work", ORDER)]


def test_a_mail_naming_several_orders_or_none(state: State) -> None:
    state.record_mail(
        "main", message_hash=digest("b"), kind="shipped", order_ids=["1", "2"], sent_at=None
    )
    state.record_mail("main", message_hash=digest("c"), kind="ordered", order_ids=[], sent_at=T0)
    assert [(m.kind, m.order_id, m.sent_at) for m in state.mails("main")] == [
        ("ordered", None, T0),
        ("shipped", "1", None),
        ("shipped", "2", None),
    ]
    assert not state.record_mail(
        "main", message_hash=digest("b"), kind="shipped", order_ids=["3"], sent_at=None
    )


def test_the_placed_time_is_the_earliest_ordered_mail(state: State) -> None:
    later = T0 + timedelta(minutes=3)
    state.record_mail(
        "main", message_hash=digest("1"), kind="ordered", order_ids=[ORDER], sent_at=later
    )
    state.record_mail(
        "main", message_hash=digest("2"), kind="ordered", order_ids=[ORDER], sent_at=T0
    )
    state.record_mail(
        "main",
        message_hash=digest("3"),
        kind="shipped",
        order_ids=[ORDER],
        sent_at=T0 - timedelta(hours=1),
    )
    assert state.mail_ordered_at("main", ORDER) == T0
    assert state.mail_ordered_at("work", ORDER) is None
    assert state.mail_ordered_at("main", "503-0000000-0000000") is None


def test_a_naive_date_is_refused_before_it_reaches_the_file(state: State) -> None:
    with pytest.raises(ValueError, match="naive"):
        state.record_mail(
            "main",
            message_hash=digest("n"),
            kind="ordered",
            order_ids=[ORDER],
            sent_at=datetime(2026, 1, 1),
        )
    assert state.mails() == []


def test_each_mailbox_keeps_its_checkpoint(state: State) -> None:
    box = mailbox_key("imap.gmail.com", 993, "hanako@gmail.com", "INBOX")
    assert "hanako" not in box
    assert state.mail_checkpoint("main", box) is None
    state.save_mail_checkpoint("main", box, 7, 41)
    state.save_mail_checkpoint("main", box, 7, 42)
    other = mailbox_key("imap.gmail.com", 993, "hanako@gmail.com", "Amazon")
    assert state.mail_checkpoint("main", box) == (7, 42)
    assert state.mail_checkpoint("main", other) is None
    assert state.mail_checkpoint("work", box) is None


def test_the_file_holds_no_subject_body_or_address(tmp_path: Path) -> None:
    rules = load_rules()
    events = [
        recognise(raw, rules, SERVER)
        for raw in (jp_order(), com_order(message_id="<com-1@email.amazonses.com>"))
    ]
    path = tmp_path / "state.db"
    with State.open(path) as opened:
        for event in events:
            assert isinstance(event, MailEvent)
            opened.record_mail(
                "main",
                message_hash=event.message_hash,
                kind=event.kind,
                order_ids=event.order_ids,
                sent_at=event.sent_at,
            )
        assert len(opened.mails()) == 2
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert ORDER.encode() in stored  # what is kept is there, so the search below can fail
    for secret in (
        "auto-confirm",
        "hanako",
        "amazonses",
        "手ぬぐい",
        "Your Amazon.com order",
        "Order Total",
        JP_ORDER_TEXT.splitlines()[1],
    ):
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            assert secret.encode(encoding) not in stored, secret


def test_a_version_3_database_gains_the_mail_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.db"
    monkeypatch.setattr(state_module, "MIGRATIONS", state_module.MIGRATIONS[:3])
    State.open(path).close()
    monkeypatch.undo()
    with State.open(path) as opened:
        assert opened.record_mail(
            "main", message_hash=digest("m"), kind="delivered", order_ids=[ORDER], sent_at=T0
        )
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema_version() >= 4
        with pytest.raises(sqlite3.IntegrityError):  # the file refuses what we never write
            conn.execute(
                "INSERT INTO mails (account, message_hash, kind) "
                "VALUES ('x', 'not-a-hash', 'ordered')"
            )
    finally:
        conn.close()
