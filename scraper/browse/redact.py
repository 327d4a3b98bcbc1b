"""A page with the personal data taken out, to keep for a bug report when the selectors
fail: scripts (session tokens, customer ids), form values, names and addresses."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from cancelwatch.scraper.browse.credentials import write_private
from cancelwatch.scraper.paths import data_dir
from cancelwatch.scraper.read.inputs import PageTooComplex, parse_tree
from cancelwatch.scraper.read.regex import linear_regex

# Where Amazon prints who the order goes to, and the account holder's name.
_PERSONAL = (
    ".yohtmlc-recipient",
    ".recipient",
    "[id^='shipToInsertionNode']",
    ".displayAddressDiv",
    "[data-component='shippingAddress']",
    ".od-shipping-address-container",
    "#nav-link-accountList",
    "#nav-tools",
    ".a-popover-preload",
    "[data-component='paymentMethod']",
    ".pmts-payments-instrument-detail-box",
    ".pmts-payments-instrument-details",
)
_DROP = ["script", "style", "noscript", "template", "iframe", "meta"]
_SECRET_PARAMS = re.compile(r"([?&](?:token|ats|session[A-Za-z]*|customerId|email)=)[^&#\"']*")
# Card numbers' last digits, wherever they are printed ("AmericanExpress ending in 1234").
_CARD = re.compile(r"(ending in|末尾)(\s*)\d{4}")
# RE2, linear: with Python's re a long run of letters without an "@" is quadratic. \pL and
# \pN keep Python's Unicode \w (RE2's \w is ASCII only).
_EMAIL = linear_regex(r"[\pL\pN_.+-]+@[\pL\pN_-]+(?:\.[\pL\pN_-]+)+")
_POPOVER_ATTRS = ("data-a-popover", "data-a-modal", "data-csa-c-content-id", "data-url")
REDACTED = "REDACTED"


def redact(html: str) -> str:
    """The page without personal data; for a page too complex to parse (and so to clean),
    a short note saying why instead of the page."""
    try:
        tree = parse_tree(html)
    except PageTooComplex as exc:
        return f"<!doctype html><title>not kept</title><p>Page not kept: {escape(str(exc))}</p>"
    tree.strip_tags(_DROP)
    for selector in _PERSONAL:
        for node in tree.css(selector):
            node.replace_with(REDACTED)
    for node in tree.css("input"):
        if "value" in node.attributes:
            node.attrs["value"] = ""
    for attr in _POPOVER_ATTRS:
        for node in tree.css(f"[{attr}]"):
            del node.attrs[attr]
    for node in tree.css("a[href]"):
        href = node.attributes.get("href") or ""
        node.attrs["href"] = _SECRET_PARAMS.sub(rf"\g<1>{REDACTED}", href)
    text = _EMAIL.sub("redacted@example.invalid", tree.html or "")
    return _CARD.sub(r"\1\2****", text)


def keep_failed_page(html: str, marketplace: str, now: datetime | None = None) -> Path:
    """Save the redacted page under the data directory (mode 0600) and return its path."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    path = data_dir() / "failed-pages" / f"{marketplace}-{stamp}.html"
    write_private(path, redact(html).encode("utf-8"))
    return path
