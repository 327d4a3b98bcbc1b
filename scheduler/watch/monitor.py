"""One watched check: crawl → assess each order's windows → plan alerts → write it all in
one transaction → send what is due. Shared by `cancelwatch check`, `demo` and `watch`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from cancelwatch.scheduler.config.settings import Config
from cancelwatch.scheduler.notify.channels import Notifier
from cancelwatch.scheduler.policy.assess import Assessment, account_risk_note, assess
from cancelwatch.scheduler.policy.learned import Estimate, SellerKind
from cancelwatch.scheduler.policy.words import Lang
from cancelwatch.scheduler.state.history import learned_for
from cancelwatch.scheduler.state.store import (
    ChangeField,
    ChangeRow,
    NewAlert,
    Retire,
    State,
    StoredOrder,
)
from cancelwatch.scheduler.watch import alerts as al
from cancelwatch.scheduler.watch.blocked import guard_alert
from cancelwatch.scheduler.watch.dispatch import Dispatched, dispatch
from cancelwatch.scheduler.watch.labels_alert import labels_alert
from cancelwatch.scraper.errors import AmazonUnavailable, SelectorFailure, SignInNeeded
from cancelwatch.scraper.read.markup import load_selectors
from cancelwatch.scraper.read.model import (
    Approval,
    Cancellability,
    Order,
    OrderStatus,
    order_from_json,
    tracking_from_json,
)

if TYPE_CHECKING:  # the browser's modules: the watcher imports this module without them
    from cancelwatch.scraper.browse.crawl import CrawlResult

log = logging.getLogger(__name__)

Reader = Callable[[], "CrawlResult"]
"""Reads the account's orders (a browser, a crawl); injected, so tests can give pages."""

_FAILURE_TITLES = {
    "en": {
        al.SIGN_IN_NEEDED: "cancelwatch needs you to sign in to Amazon",
        al.SELECTOR_FAILURE: "Amazon changed its page: cancelwatch cannot read your orders",
    },
    "ja": {
        al.SIGN_IN_NEEDED: "Amazonへのログインが必要です",
        al.SELECTOR_FAILURE: "Amazonのページが変わり、注文を読み取れません",
    },
}


@dataclass
class Outcome:
    account: str
    marketplace: str
    result: CrawlResult | None = None
    assessments: dict[str, Assessment] = field(default_factory=dict)
    dispatched: Dispatched = field(default_factory=Dispatched)
    error: Exception | None = None

    @property
    def needs_user(self) -> bool:
        """Exit code 1: an alert went out (or waits for quiet hours to end), or the check
        failed in a way only the user can fix."""
        return bool(self.dispatched.sent or self.dispatched.deferred or self.error)


@dataclass
class WatchedCheck:
    account: str
    marketplace: str
    base_url: str
    cfg: Config
    state: State
    notifier: Notifier
    lang: Lang
    clock: Callable[[], datetime]

    def run(self, read: Reader) -> Outcome:
        started = self.clock()
        outcome = Outcome(self.account, self.marketplace)
        try:
            outcome.result = read()
        except (SignInNeeded, SelectorFailure, AmazonUnavailable) as exc:
            outcome.error = exc
            self._record_failure(exc, started)
        else:
            outcome.assessments = self._record(outcome.result, started)
        quiet = self.cfg.quiet_hours
        outcome.dispatched = dispatch(
            self.state, self.notifier, self.clock(), quiet=quiet, lang=self.lang
        )
        return outcome

    # ---- a check that read the orders -----------------------------------------------------

    def _record(self, result: CrawlResult, started: datetime) -> dict[str, Assessment]:
        now = self.clock()
        market = load_selectors(self.marketplace).marketplace
        learned = learned_for(self.state, self.account, self.marketplace)
        new_alerts: list[NewAlert] = []
        retire: list[Retire] = []
        assessments = {}
        for order in result.orders:
            before = self.state.order(order.id, self.account)
            tracking = result.tracking.get(order.id, [])
            first_seen, by_mail = self._first_seen(before, order, now)
            assessment = assess(
                order,
                marketplace=self.marketplace,
                timezone=market.timezone,
                now=now,
                rules=self.cfg.rules,
                tracking=tracking,
                first_seen=first_seen,
                placed_by_mail=by_mail,
                manual_deadline=self.state.manual_deadline(order.id, self.account),
                lang=self.lang,
                learned=learned,
            )
            assessments[order.id] = assessment
            user_cancelled = self._note_cancellation(before, order, now)
            url = urljoin(
                self.base_url,
                order.details_url or market.order_details_url.format(order_id=order.id),
            )
            ctx = al.OrderContext(
                self.account, order, before, tracking, url, market.timezone, user_cancelled
            )
            planned, moot = al.plan(ctx, assessment, now, self.cfg.alerts, self.lang)
            new_alerts += planned
            retire += moot
        new_alerts += self._risk_alert(now)
        for account_alert in (
            guard_alert(result.refused, now, self.lang),
            labels_alert(result.read_by_labels, now, self.lang),
        ):
            if account_alert is not None:
                new_alerts.append(account_alert)
        self.state.record_check(
            self.account,
            self.marketplace,
            result.orders,
            result.tracking,
            now=now,
            alerts=new_alerts,
            pages_read=result.pages_read,
            started_at=started,
            retire=retire,
            details_read=result.details_read,
            tracking_read=result.tracking_read,
        )
        return assessments

    def _first_seen(
        self, before: StoredOrder | None, order: Order, now: datetime
    ) -> tuple[datetime, bool]:
        """When the order's windows count from, and whether that is its order mail's Date."""
        if before is not None and order.approval is Approval.APPROVED:
            changes = self.state.changes(order.id, self.account)
            return first_seen_approved(before, changes, now), False
        seen = now if before is None else before.first_seen
        mailed = self.state.mail_ordered_at(self.account, order.id)
        zone = load_selectors(self.marketplace).marketplace.timezone
        return placed_by_mail(mailed, order, seen, zone)

    def _note_cancellation(self, before: StoredOrder | None, order: Order, now: datetime) -> bool:
        """An order that offered "Cancel items" and is now cancelled was most likely
        cancelled by its buyer; Amazon also cancels pre-orders, so those are never assumed."""
        mine = (
            before is not None
            and before.cancellable is Cancellability.YES
            and order.status is OrderStatus.CANCELLED
            and order.preorder is None
            and order.approval is not Approval.REJECTED  # its approver ended it, not its buyer
        )
        if mine and before is not None and before.status is not OrderStatus.CANCELLED:
            self.state.record_cancellation(self.account, order.id, now)
        return mine

    def _risk_alert(self, now: datetime) -> list[NewAlert]:
        since = now - timedelta(days=self.cfg.alerts.account_risk_days)
        done = self.state.cancellations(self.account, since)
        note = account_risk_note(done, now, self.cfg.rules, self.lang)
        if note is None:
            return []
        title = "アカウントへの注意" if self.lang == "ja" else "A note on your Amazon account"
        # One note a month at most: it is advice, not an alarm.
        return [NewAlert(None, al.ACCOUNT_RISK, f"{now:%Y-%m}", now, title, note)]

    # ---- a check that failed --------------------------------------------------------------

    def _record_failure(self, exc: Exception, started: datetime) -> None:
        now = self.clock()
        kind = _failure_kind(exc)
        alerts = []
        titles = _FAILURE_TITLES[self.lang]
        if kind in titles:
            # One alert a day per kind: the human hears of it without being nagged.
            alerts.append(NewAlert(None, kind, f"{now:%Y-%m-%d}", now, titles[kind], str(exc)))
        self.state.record_failure(
            self.account,
            now=now,
            kind=kind,
            message=str(exc),
            marketplace=self.marketplace,
            started_at=started,
            alerts=alerts,
        )
        log.warning("check of %s failed: %s", self.account, exc)


def placed_by_mail(
    mailed: datetime | None, order: Order, seen: datetime, zone: str
) -> tuple[datetime, bool]:
    """When the order was placed as far as its windows go, and whether that is its mail's
    word: the order mail's Date where it is earlier than the first sight and falls on the
    day the page gives (the page gives only a day, issue 10); else the first sight. A
    Business order's seller window counts from its approval instead, so its mail says
    nothing of it."""
    if mailed is None or order.approval is not None or mailed >= seen:
        return seen, False
    on_the_day = (
        order.placed_on is None or mailed.astimezone(ZoneInfo(zone)).date() == order.placed_on
    )
    return (mailed, True) if on_the_day else (seen, False)


def first_seen_approved(
    before: StoredOrder, history: Sequence[ChangeRow], now: datetime
) -> datetime:
    """When cancelwatch first saw an approved Amazon Business order approved, from `before`
    (its last sight) and `history` (its change rows): the seller receives the order only
    once it is approved, so the seller's cancel window counts from then, not from the
    first sight of an order still awaiting approval.

    The last check saw it awaiting approval: this check (`now`). Seen approved before: the
    latest change row that recorded it approved. A database from before those rows: the
    first check at which its page began to offer "Cancel items" stands for it (awaiting
    approval, the pages offer none); without one, the first sight of the order: earlier,
    so the window closes sooner, never later."""
    if al.approval_of(before) is Approval.PENDING:
        return now
    approved = [
        change.at
        for change in history
        if change.field is ChangeField.APPROVAL and change.new == Approval.APPROVED
    ]
    if approved:
        return max(approved)
    began = [
        change.at
        for change in history
        if change.field is ChangeField.CANCELLABLE
        and change.old == Cancellability.NO
        and change.new == Cancellability.YES
    ]
    return min(began, default=before.first_seen)


def _failure_kind(exc: Exception) -> str:
    if isinstance(exc, SignInNeeded):
        return al.SIGN_IN_NEEDED
    if isinstance(exc, SelectorFailure):
        return al.SELECTOR_FAILURE
    return "unavailable"


def assess_stored(
    stored: StoredOrder,
    cfg: Config,
    now: datetime,
    lang: Lang,
    history: Sequence[ChangeRow] = (),
    *,
    learned: Mapping[SellerKind, Estimate] | None = None,
    mailed: datetime | None = None,
) -> tuple[Order, Assessment]:
    """An order as the database last saw it, assessed at `now`: `status` and `advise`
    answer without touching the network. `history` is the order's change rows
    (`State.changes`), which date an Amazon Business order's approval; `learned` is when
    preparation usually starts on the account (`state.history.learned_for`)."""
    order = order_from_json(stored.order)
    market = load_selectors(stored.marketplace).marketplace
    if order.approval is Approval.APPROVED:
        first_seen, by_mail = first_seen_approved(stored, history, now), False
    else:
        first_seen, by_mail = placed_by_mail(mailed, order, stored.first_seen, market.timezone)
    tracking = [tracking_from_json(t) for t in stored.tracking]
    assessment = assess(
        order,
        marketplace=stored.marketplace,
        timezone=market.timezone,
        now=now,
        rules=cfg.rules,
        tracking=tracking,
        first_seen=first_seen,
        placed_by_mail=by_mail,
        manual_deadline=stored.manual_deadline,
        lang=lang,
        learned=learned,
    )
    return order, assessment


@dataclass
class FromState:
    """Assesses stored orders with what the database knows of them: their change rows
    (the date of an approval) and their account's learned preparation time, read once
    per account and site. What `status`, `advise` and the watcher's plan all use."""

    state: State
    cfg: Config
    now: datetime
    lang: Lang
    _learned: dict[tuple[str, str], Mapping[SellerKind, Estimate]] = field(default_factory=dict)

    def __call__(self, stored: StoredOrder) -> tuple[Order, Assessment]:
        key = (stored.account, stored.marketplace)
        if key not in self._learned:
            self._learned[key] = learned_for(self.state, *key)
        history = self.state.changes(stored.order_id, stored.account)
        return assess_stored(
            stored,
            self.cfg,
            self.now,
            self.lang,
            history,
            learned=self._learned[key],
            mailed=self.state.mail_ordered_at(stored.account, stored.order_id),
        )
