"""Send every due, unsent alert once: late if the machine slept and the window is still
open, folded into one "closed while you were away" summary if it is not, held back
during quiet hours and sent when they end."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from scheduler.advice_text import Lang
from scheduler.alerts import AWAY_SUMMARY, CLOSING_KINDS, lead_of
from scheduler.config import QuietHours
from scheduler.notify import Notice, Notifier
from scheduler.state import AlertRow, NewAlert, State

log = logging.getLogger(__name__)

_AWAY = {
    "en": (
        "{n} window(s) closed while you were away",
        "Closed while cancelwatch could not tell you:",
    ),
    "ja": ("不在の間に{n}件の期限が過ぎました", "通知できないうちに期限が過ぎたもの:"),
}


@dataclass
class Dispatched:
    sent: list[AlertRow] = field(default_factory=list)
    deferred: list[AlertRow] = field(default_factory=list)
    missed: list[AlertRow] = field(default_factory=list)
    """Reminders whose window closed before they could be sent."""


def dispatch(
    state: State,
    notifier: Notifier,
    now: datetime,
    *,
    quiet: QuietHours | None = None,
    lang: Lang = "en",
) -> Dispatched:
    run = _Run(state, notifier, now, quiet, lang)
    due = state.due_alerts(now)
    stale = set(run.supersede_earlier_leads(due))
    for row in due:
        if row.id in stale:
            continue
        if _closed_before(row, now):
            state.supersede(row.id, at=now, reason="closed while you were away")
            run.done.missed.append(row)
        else:
            run.send_or_defer(row)
    run.summarise_missed()
    return run.done


@dataclass
class _Run:
    state: State
    notifier: Notifier
    now: datetime
    quiet: QuietHours | None
    lang: Lang
    done: Dispatched = field(default_factory=Dispatched)

    def send_or_defer(self, row: AlertRow) -> None:
        if self.quiet is not None and self.quiet.covers(self.now):
            self.state.defer(row.id, self.quiet.ends_after(self.now))
            self.done.deferred.append(row)
            return
        # The claim keeps a second dispatcher off this row while we send; the row is
        # marked sent only once the notice went out, so a crash in between sends again
        # rather than never.
        if not self.state.claim(row.id, at=self.now):
            return
        notice = Notice(row.title, row.body, row.url, row.urgency, _key(row))
        delivery = self.notifier.send(notice)
        channel = ",".join(delivery.channels) or "none"
        if self.state.mark_sent(row.id, at=self.now, channel=channel):
            self.done.sent.append(row)
            log.info("sent %s via %s", _key(row), channel)

    def supersede_earlier_leads(self, due: list[AlertRow]) -> list[int]:
        """Of several reminders of one window that all came due (the laptop slept through
        the 24-hour one and the 3-hour one), only the latest is worth sending."""
        groups: dict[tuple[str, str | None, str], list[AlertRow]] = defaultdict(list)
        for row in due:
            if row.kind in CLOSING_KINDS and lead_of(row.lead) is not None:
                groups[(row.account, row.order_id, row.kind)].append(row)
        stale = []
        for rows in groups.values():
            rows.sort(key=lambda r: r.due_at)
            for row in rows[:-1]:
                reason = "a later reminder of the same window is due"
                self.state.supersede(row.id, at=self.now, reason=reason)
                stale.append(row.id)
        return stale

    def summarise_missed(self) -> None:
        by_account: dict[str, list[AlertRow]] = defaultdict(list)
        for row in self.done.missed:
            by_account[row.account].append(row)
        title, head = _AWAY[self.lang]
        for account, rows in by_account.items():
            body = "\n".join([head, *(f"- {r.title}" for r in rows)])
            summary = NewAlert(
                None, AWAY_SUMMARY, self.now.isoformat(), self.now, title.format(n=len(rows)), body
            )
            for alert_id in self.state.add_alerts(account, [summary], now=self.now):
                added = self.state.alert(alert_id)
                if added is not None:
                    self.send_or_defer(added)


def _closed_before(row: AlertRow, now: datetime) -> bool:
    lead = lead_of(row.lead) if row.kind in CLOSING_KINDS else None
    return lead is not None and row.due_at + lead <= now


def _key(row: AlertRow) -> str:
    return f"{row.account}/{row.order_id or '-'}/{row.kind}/{row.lead or '-'}"
