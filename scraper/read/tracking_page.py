"""A package-tracking page: carrier, tracking ID, delivery status."""

from __future__ import annotations

from cancelwatch.scraper.read import carriers
from cancelwatch.scraper.read.markup import MatchLog, Scope, Selectors, read
from cancelwatch.scraper.read.model import Tracking
from cancelwatch.scraper.read.orders import OrderReader


def read_tracking(sel: Selectors, doc: Scope, log: MatchLog) -> Tracking:
    printed = read(sel.field("carrier"), doc, log)
    number = read(sel.field("tracking_id"), doc, log)
    status_text = read(sel.field("tracking_status"), doc, log)
    reader = OrderReader(sel, log)
    status = reader.status_of(doc, status_text)
    left = reader.left_at_door(doc)
    if number is None:
        return Tracking(
            carrier=_carrier_name(printed),
            tracking_id=None,
            status=status,
            status_text=status_text,
            carrier_printed=printed,
            left_at_door=left,
        )
    found = carriers.identify(number, printed, sel.marketplace.country)
    return Tracking(
        carrier=found.carrier.value if found.carrier else printed,
        tracking_id=found.tracking_id,
        status=status,
        status_text=status_text,
        carrier_printed=printed,
        tracking_url=found.url,
        left_at_door=left,
        warnings=found.warnings,
    )


def _carrier_name(printed: str | None) -> str | None:
    if printed is None:
        return None
    carrier = carriers.carrier_from_name(printed)
    return carrier.value if carrier else printed
