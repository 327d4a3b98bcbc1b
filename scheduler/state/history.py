"""When the user's earlier orders went from open to preparing, read from the changes table
(`cancelwatch.scheduler.policy.learned` turns them into estimates).

Read-only, on a connection of its own to the state file, so it never holds the `State`'s
shared connection. Rows are read through `rows.py`'s readers, as everything the database
holds is hostile input: a row that does not read back is `DamagedState`.

How one order becomes a `Sample`:

- **open** is a check that saw it pending (or with no status on the page) and offering
  "Cancel items": the page's control is the signal docs/rules.md trusts;
- it **closed** at the first later change that took it out of that: the control gone or
  the status preparing, shipped or later. An order straight from open to shipped between
  two checks counts the same way;
- the order must have gone on to preparing or later (a cancelled one tells nothing of
  preparation), and be an ordinary order: no pre-order, digital or Amazon Business one;
- the moment preparation started lies between the last check that saw it open and the
  check that saw it closed. Nothing is recorded for a check that changed nothing, so the
  last one is the latest successful check of the account before the closing one: the
  crawl reads back to the oldest open order (`State.known_open_since`), so such a check
  saw it, still open;
- it was ordered at `learned.order_time`: first seen, or the start of the order date
  when first seen a day later.
"""

from __future__ import annotations

import bisect
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from datetime import datetime
from zoneinfo import ZoneInfo

from cancelwatch.scheduler.policy.context import RANK, digital_kind, third_party_seller
from cancelwatch.scheduler.policy.learned import (
    Estimate,
    Sample,
    SellerKind,
    estimates,
    for_account,
    order_time,
)
from cancelwatch.scheduler.state.rows import (
    ChangeField,
    ChangeRow,
    StoredOrder,
    change_from_row,
    check_from_row,
    order_from_row,
)
from cancelwatch.scheduler.state.schema import AFRESH, BUSY_TIMEOUT_S, StateError
from cancelwatch.scheduler.state.store import State
from cancelwatch.scraper.read.markup import load_selectors
from cancelwatch.scraper.read.model import Cancellability, OrderStatus, order_from_json

CANDIDATES = 400
"""The most recent orders read per account: far more than `learned.RECENT` samples need."""

_OPEN_STATUS = (OrderStatus.PENDING.value, OrderStatus.UNKNOWN.value)
_LATER = tuple(s.value for s, rank in RANK.items() if rank >= RANK[OrderStatus.PREPARING])
_TRACKED = (ChangeField.NEW.value, ChangeField.STATUS.value, ChangeField.CANCELLABLE.value)


def learned_for(state: State, account: str, marketplace: str) -> dict[SellerKind, Estimate]:
    """What `account`'s history on `marketplace` says of when preparation starts, by seller
    kind: empty until enough orders were seen (`learned.MIN_ORDERS`)."""
    return for_account(estimates(samples(state, account)), account, marketplace)


def samples(state: State, account: str | None = None) -> list[Sample]:
    """Every order of `account` (default: all) seen go from open to preparing or later."""
    uri = f"{state.path.resolve().as_uri()}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S)
        with closing(conn):
            conn.row_factory = sqlite3.Row
            return samples_from(conn, account)
    except sqlite3.Error as exc:
        raise StateError(
            f"{state.path}: cannot read the order history ({exc}); try again, and if that"
            f" fails too, {AFRESH}"
        ) from None


def samples_from(conn: sqlite3.Connection, account: str | None = None) -> list[Sample]:
    """`samples`, on an open connection to the state database (rows as `sqlite3.Row`)."""
    accounts = [account] if account is not None else _accounts(conn)
    found: list[Sample] = []
    for name in accounts:
        checks = _ok_checks(conn, name)
        for stored in _candidates(conn, name):
            sample = _sample(stored, _changes(conn, stored), checks)
            if sample is not None:
                found.append(sample)
    return found


def _accounts(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT DISTINCT account FROM orders ORDER BY account").fetchall()
    return [row["account"] for row in rows if isinstance(row["account"], str)]


def _candidates(conn: sqlite3.Connection, account: str) -> list[StoredOrder]:
    marks = ", ".join("?" * len(_LATER))
    rows = conn.execute(
        "SELECT o.*, NULL AS manual_deadline FROM orders o "
        f"WHERE o.account = ? AND o.digital = 0 AND o.status IN ({marks}) "
        "ORDER BY o.first_seen DESC LIMIT ?",
        (account, *_LATER, CANDIDATES),
    ).fetchall()
    return [order_from_row(row) for row in rows]


def _ok_checks(conn: sqlite3.Connection, account: str) -> list[datetime]:
    rows = conn.execute(
        "SELECT * FROM checks WHERE account = ? AND result = 'ok' ORDER BY finished_at, id",
        (account,),
    ).fetchall()
    return sorted(check_from_row(row).finished_at for row in rows)


def _changes(conn: sqlite3.Connection, stored: StoredOrder) -> list[ChangeRow]:
    marks = ", ".join("?" * len(_TRACKED))
    rows = conn.execute(
        "SELECT * FROM changes WHERE account = ? AND order_id = ? "
        f"AND field IN ({marks}) ORDER BY at, id",
        (stored.account, stored.order_id, *_TRACKED),
    ).fetchall()
    return [change_from_row(row) for row in rows]


def _sample(
    stored: StoredOrder, changes: Sequence[ChangeRow], checks: Sequence[datetime]
) -> Sample | None:
    order = order_from_json(stored.order)
    if order.preorder is not None or order.approval is not None or digital_kind(order):
        return None
    span = _open_then_closed(stored, changes)
    if span is None:
        return None
    last_open, closed_at = span
    # The latest successful check before the closing one saw it still open.
    before = bisect.bisect_left(checks, closed_at)
    open_until = max(last_open, checks[before - 1]) if before else last_open
    zone = ZoneInfo(load_selectors(stored.marketplace).marketplace.timezone)
    return Sample(
        account=stored.account,
        marketplace=stored.marketplace,
        seller="amazon" if third_party_seller(order) is None else "third_party",
        ordered_at=order_time(stored.first_seen, stored.placed_on, zone),
        open_until=open_until,
        closed_by=closed_at,
    )


def _open_then_closed(
    stored: StoredOrder, changes: Sequence[ChangeRow]
) -> tuple[datetime, datetime] | None:
    """(the last change that left it open, the first that closed it), replaying the
    status and the control change by change; None if it was never seen open then closed."""
    if not changes or changes[0].field is not ChangeField.NEW:
        return None
    status = changes[0].new
    # The control at first sight is the `old` of its first change, or never changed.
    firsts = [c.old for c in changes if c.field is ChangeField.CANCELLABLE]
    cancellable = firsts[0] if firsts else stored.cancellable.value
    last_open: datetime | None = None
    for at, group in _by_instant(changes):
        for change in group:
            if change.field is ChangeField.CANCELLABLE:
                cancellable = change.new
            elif change.new is not None:  # NEW or STATUS
                status = change.new
        is_open = status in _OPEN_STATUS and cancellable == Cancellability.YES.value
        if is_open:
            last_open = at
        elif last_open is not None:
            return last_open, at
    return None


def _by_instant(changes: Sequence[ChangeRow]) -> list[tuple[datetime, list[ChangeRow]]]:
    """Changes grouped by the check (instant) that recorded them, in order."""
    groups: list[tuple[datetime, list[ChangeRow]]] = []
    for change in changes:
        if groups and groups[-1][0] == change.at:
            groups[-1][1].append(change)
        else:
            groups.append((change.at, [change]))
    return groups
