"""What a page is (order list, sign-in, CAPTCHA, …) and which marketplace it is from."""

from __future__ import annotations

from cancelwatch.scraper.read.markup import (
    MatchLog,
    Scope,
    Selectors,
    load_selectors,
    marketplaces,
    present,
)
from cancelwatch.scraper.read.model import PageKind
from cancelwatch.scraper.read.regex import linear_regex

# The page's head and first screens say enough; scanning all of a 600 KB page costs more.
_DETECT_SPAN = 200_000
# The marketplace a page that names none is taken for: config.toml's default
# (scheduler/config/settings.py), so that `parse` and a check agree.
_UNSURE = "amazon.co.jp"
# RE2, linear: with Python's re, ten thousand "<html" without a ">" would be quadratic.
_LANG = linear_regex(r"(?i)<html\b[^>]*?\blang=[\"']?([A-Za-z]{2,3}(?:-[A-Za-z]{2})?)")

# Checked in this order: a challenge or CAPTCHA can sit inside a page that also has a
# sign-in form, and every Amazon page has a search box.
_KIND_ORDER = (
    ("challenge", PageKind.CHALLENGE),
    ("captcha", PageKind.CAPTCHA),
    ("otp", PageKind.OTP),
    ("sign_in", PageKind.SIGN_IN),
    ("error", PageKind.ERROR),
    ("tracking", PageKind.TRACKING),
    ("order_details", PageKind.ORDER_DETAILS),
    ("digital_order", PageKind.DIGITAL_ORDER),
)


def detect_marketplace(raw_html: str) -> tuple[str, list[str]]:
    """The marketplace the page's `<html lang>` names, else the one whose `detect`
    patterns hit the page most; and any warnings."""
    head = raw_html[:_DETECT_SPAN].encode("utf-8", "surrogatepass")
    by_lang = _by_lang(head)
    if by_lang is not None:
        return by_lang, []
    scores = {}
    for name in marketplaces():
        market = load_selectors(name).marketplace
        scores[name] = sum(len(p.findall(head)) for p in market.detect)
    # On a tie the default marketplace of config.toml wins, then the first by name: adding
    # a marketplace must not change what a page that names none is taken for.
    best = max(scores, key=lambda n: (scores[n], n == _UNSURE))
    if scores[best] == 0:
        return best, [
            f"could not tell the marketplace from the page; assumed {best} "
            "(give --marketplace to choose)"
        ]
    tied = [n for n in scores if scores[n] == scores[best] and n != best]
    if tied:
        return best, [
            f"the page fits {best} and {', '.join(tied)} alike; assumed {best} "
            "(give --marketplace to choose)"
        ]
    return best, []


def _by_lang(head: bytes) -> str | None:
    """`ja-jp` or `ja` says amazon.co.jp, `en-us` amazon.com, `en-gb` amazon.co.uk and
    `en-ca` (or `fr-ca`) amazon.ca, by each file's country; a bare `en` says nothing, since
    users of amazon.co.jp can switch the site to English."""
    found = _LANG.search(head)
    if not found:
        return None
    language, _, region = found.group(1).decode("ascii").lower().partition("-")
    matches = []
    for name in marketplaces():
        market = load_selectors(name).marketplace
        if region:
            if region == market.country.lower():
                matches.append(name)
        elif language == market.language and language != "en":
            matches.append(name)
    return matches[0] if len(matches) == 1 else None


def detect_kind(sel: Selectors, doc: Scope, log: MatchLog) -> PageKind | None:
    """The kind of a page by its markers, or None when it has none of them (then the
    caller decides between order list, empty shell and unknown)."""
    for name, kind in _KIND_ORDER:
        spec = sel.page_kinds.get(name)
        if spec is not None and present(spec, doc, log):
            return kind
    return None


def auth_step(sel: Selectors, doc: Scope, log: MatchLog) -> str | None:
    email = present(sel.field("auth_email_input"), doc, log)
    password = present(sel.field("auth_password_input"), doc, log)
    if email and password:
        return "email_password"
    if email:
        return "email"
    if password:
        return "password"
    return None


def is_list_shell(sel: Selectors, doc: Scope, log: MatchLog) -> bool:
    spec = sel.page_kinds.get("order_list_shell")
    return spec is not None and present(spec, doc, log)
