"""Dates, amounts and counts from the words Amazon prints, per marketplace."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from cancelwatch.scraper.read.markup import Marketplace
from cancelwatch.scraper.read.text import normalise

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
_COUNT = re.compile(r"\d[\d,]*")
# Longest first: "US$", "CDN$" and "C$" hold a "$" too. A bare "$" is US dollars on every
# site: amazon.com's own, and on amazon.ca too, where Canadian dollars print as "CDN$" or
# "C$" (issue 9, read off real amazon.ca pages: 'a bare "$" on amazon.ca that is USD').
_SYMBOLS = (
    ("US$", "USD"),
    ("CDN$", "CAD"),
    ("CA$", "CAD"),
    ("C$", "CAD"),
    ("$", "USD"),
    ("¥", "JPY"),
    ("円", "JPY"),
    ("€", "EUR"),
    ("£", "GBP"),
)
# More digits than any real count or amount: a page's run of 40,000 digits is not a number
# (and int() refuses over 4,300 digits with a ValueError).
_MAX_DIGITS = 15
# A date without a year that falls this far before the order date belongs to the next year
# (an order placed on 30 December is delivered on 2 January).
_YEAR_WRAP = timedelta(days=60)


def _month(token: str) -> int | None:
    if token.isascii() and token.isdigit():
        return int(token) if len(token) <= 2 else None
    return _MONTHS.get(token.lower().rstrip("."))


def _small_int(text: str | None, digits: int) -> int | None:
    """`text` as a number when it is plain ASCII digits, at most `digits` of them."""
    if text is None or not (text.isascii() and text.isdigit()) or len(text) > digits:
        return None
    return int(text)


def parse_date(text: str | None, market: Marketplace, near: date | None = None) -> date | None:
    """The first date in `text`. One without a year takes the year of `near` (the order
    date), or the year after when that would put it well before `near`; without `near`
    a yearless date is unknown."""
    if not text:
        return None
    clean = normalise(text)
    for pattern in market.date_patterns:
        for found in pattern.finditer(clean):
            # A user's pattern may capture anything: "１２３", "٣", 40 digits.
            parts = found.groupdict()
            month = _month(parts["month"] or "")
            day = _small_int(parts["day"], 2)
            year_text = parts.get("year")
            year = _small_int(year_text, 4) if year_text else (near.year if near else None)
            if month is None or day is None or year is None:
                continue
            try:
                result = date(year, month, day)
            except ValueError:
                continue
            if year_text is None and near is not None and _wrapped(result, near):
                try:
                    result = result.replace(year=year + 1)
                except ValueError:  # 29 February, or the year 9999
                    continue
            return result
    return None


def _wrapped(result: date, near: date) -> bool:
    return result.toordinal() < near.toordinal() - _YEAR_WRAP.days


def parse_amount(text: str | None) -> Decimal | None:
    if not text:
        return None
    found = _AMOUNT.search(normalise(text))
    if not found:
        return None
    digits = found.group(2).replace(",", "")
    if len(digits) > _MAX_DIGITS + 3:
        return None
    if len(digits.partition(".")[2]) == 1:
        digits += "0"  # "$8.2": the React order list drops a trailing zero of the cents
    try:
        value = Decimal(digits)
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
    found = _COUNT.search(normalise(text))
    return _small_int(found.group(0).replace(",", ""), _MAX_DIGITS) if found else None
