"""When Amazon usually starts preparing the user's orders, learned from their own history.

An ordinary order can be cancelled until shipment preparation starts, and no page says
when that will be (docs/rules.md). Each order that cancelwatch saw open and later saw
preparing or shipped is one `Sample`: it was still open at one check and no longer at the
next, so the moment lies between the two. Per account, marketplace and seller kind, once
`MIN_ORDERS` samples exist, `estimate` gives:

- `p10`, the 10th percentile of the *earliest* each could have closed (the last check
  that saw it open): reminders are planned from it, so a 10-percent-early order is still
  caught, and a long gap between checks makes it earlier, never later;
- `median`, the median of the middle of each bracket: "usually about";
- `p90`, the 90th percentile of the *latest* each could have closed (the check that saw
  it preparing): with `p10`, the spread.

Percentiles are nearest-rank (the value of the ceil(p/100 * n)-th smallest sample), so
each is a time some real order took. Pure: samples in, estimates out.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

SellerKind = Literal["amazon", "third_party"]
SELLER_KINDS: tuple[SellerKind, ...] = ("amazon", "third_party")

MIN_ORDERS = 8
"""Fewer samples than this give no estimate at all (issue 10)."""
RECENT = 50
"""Only the most recent samples count: Amazon's pace changes with seasons and warehouses."""


@dataclass(frozen=True)
class Sample:
    """One order seen go from open (pending, cancellable) to preparing or later."""

    account: str
    marketplace: str
    seller: SellerKind
    ordered_at: datetime
    """The best known order time (`order_time`)."""
    open_until: datetime
    """The last check that saw it open: preparation started after this..."""
    closed_by: datetime
    """...and no later than the first check that saw it closed."""

    @property
    def usable(self) -> bool:
        """False for a sample that contradicts itself (a hand-edited database)."""
        return self.ordered_at <= self.open_until < self.closed_by


@dataclass(frozen=True)
class Estimate:
    """How long after ordering preparation started, for one account, marketplace and
    seller kind."""

    count: int
    """How many orders it is learned from."""
    median: timedelta
    p10: timedelta
    """At the earliest, for 1 order in 10: the window is estimated to close then."""
    p90: timedelta
    """At the latest, for 9 orders in 10."""


Key = tuple[str, str, SellerKind]


def order_time(first_seen: datetime, placed_on: date | None, zone: tzinfo) -> datetime:
    """The best known time an order was placed: cancelwatch's first sight of it (an upper
    bound, as for the seller window), unless that came on a later local day than the page's
    order date; then the start of the order date, the only instant known to be that day."""
    if placed_on is None or first_seen.astimezone(zone).date() <= placed_on:
        return first_seen
    return datetime.combine(placed_on, time(0), tzinfo=zone).astimezone(UTC)


def estimates(samples: Iterable[Sample]) -> dict[Key, Estimate]:
    """Every (account, marketplace, seller kind) with enough samples, and its estimate."""
    grouped: dict[Key, list[Sample]] = {}
    for sample in samples:
        if sample.usable:
            grouped.setdefault((sample.account, sample.marketplace, sample.seller), []).append(
                sample
            )
    found = {key: _estimate(group) for key, group in grouped.items()}
    return {key: e for key, e in found.items() if e is not None}


def for_account(
    found: Mapping[Key, Estimate], account: str, marketplace: str
) -> dict[SellerKind, Estimate]:
    """The estimates of one account on one marketplace, by seller kind."""
    return {
        kind: found[(account, marketplace, kind)]
        for kind in SELLER_KINDS
        if (account, marketplace, kind) in found
    }


def _estimate(group: list[Sample]) -> Estimate | None:
    recent = sorted(group, key=lambda s: s.ordered_at)[-RECENT:]
    if len(recent) < MIN_ORDERS:
        return None
    earliest = [s.open_until - s.ordered_at for s in recent]
    latest = [s.closed_by - s.ordered_at for s in recent]
    middle = [(a + b) / 2 for a, b in zip(earliest, latest, strict=True)]
    median_s = statistics.median(m.total_seconds() for m in middle)
    return Estimate(
        count=len(recent),
        median=timedelta(seconds=round(median_s)),
        p10=_nearest_rank(earliest, 10),
        p90=_nearest_rank(latest, 90),
    )


def _nearest_rank(values: list[timedelta], percent: int) -> timedelta:
    ordered = sorted(values)
    return ordered[max(math.ceil(percent / 100 * len(ordered)), 1) - 1]
