"""Dates, amounts and counts from the words Amazon prints, per marketplace."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from scraper.markup import Marketplace, normalise

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_AMOUNT = re.compile(r"(-)?\s*[$¥€£]?\s*(\d[\d,]*(?:\.\d+)?)")
_SYMBOLS = (("$", "USD"), ("¥", "JPY"), ("円", "JPY"), ("€", "EUR"), ("£", "GBP"))
# A date without a year that falls this far before the order date belongs to the next year
# (an order placed on 30 December is delivered on 2 January).
_YEAR_WRAP = timedelta(days=60)


def _month(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    return _MONTHS.get(token.lower().rstrip("."))


def parse_date(text: str | None, market: Marketplace, near: date | None = None) -> date | None:
    """The first date in `text`. One without a year takes the year of `near` (the order
    date), or the year after when that would put it well before `near`; without `near`
    a yearless date is unknown."""
    if not text:
        return None
    clean = normalise(text)
    for pattern in market.date_patterns:
        for found in pattern.finditer(clean):
            parts = found.groupdict()
            month = _month(parts["month"])
            if month is None:
                continue
            year_text = parts.get("year")
            if year_text is None and near is None:
                continue
            year = int(year_text) if year_text else near.year  # type: ignore[union-attr]
            try:
                result = date(year, month, int(parts["day"]))
            except ValueError:
                continue
            if year_text is None and near is not None and result < near - _YEAR_WRAP:
                result = result.replace(year=year + 1)
            return result
    return None


def parse_amount(text: str | None) -> Decimal | None:
    if not text:
        return None
    found = _AMOUNT.search(normalise(text))
    if not found:
        return None
    try:
        value = Decimal(found.group(2).replace(",", ""))
    except InvalidOperation:
        return None
    return -value if found.group(1) else value


def currency_of(text: str | None, default: str) -> str:
    """The currency a printed amount is in; the marketplace's own when it shows no sign."""
    clean = normalise(text or "")
    for symbol, code in _SYMBOLS:
        if symbol in clean:
            return code
    return default


def parse_count(text: str | None) -> int | None:
    if not text:
        return None
    found = re.search(r"\d[\d,]*", normalise(text))
    return int(found.group(0).replace(",", "")) if found else None
