"""Writing into a state.db of an older schema version, as the tests of its migrations do."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

_ORDER_COLUMNS_SINCE = {6: ("details_read_at", "tracking_read_at")}
"""The columns of `orders` each later step added, by the step's version."""


@contextmanager
def later_order_columns(conn: sqlite3.Connection, version: int) -> Iterator[None]:
    """Today's code also writes the `orders` columns that steps after `version` added:
    give the database those columns while a test writes, and take them away after, so
    the file is as that version left it."""
    columns = [c for step, names in _ORDER_COLUMNS_SINCE.items() if step > version for c in names]
    for column in columns:
        conn.execute(f"ALTER TABLE orders ADD COLUMN {column} TEXT")
    yield
    for column in columns:
        conn.execute(f"ALTER TABLE orders DROP COLUMN {column}")
