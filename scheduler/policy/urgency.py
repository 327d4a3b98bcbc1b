"""How urgent a notice is: kept apart so the database layer need not import the notifier."""

from __future__ import annotations

from enum import StrEnum


class Urgency(StrEnum):
    """The notification urgency levels of the freedesktop spec (and desktop-notifier)."""

    LOW = "low"
    NORMAL = "normal"
    CRITICAL = "critical"
