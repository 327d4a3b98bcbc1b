"""The alert for what the read-only guard blocked: which page tried what, in plain words.

A page of the site that tries to open a cancel, edit, return or buy URL as a page, or to
send data anywhere but a sign-in form, is refused by the guard (scraper/browse/guard.py). The
check goes on; this alert tells the user once a day, so that a hostile or broken page
does not pass unnoticed.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from cancelwatch.scheduler.policy.words import Lang
from cancelwatch.scheduler.state.store import NewAlert
from cancelwatch.scraper.browse.readonly import (
    Family,
    Refusal,
    UnsettledUrl,
    reading_page,
    server_view,
)

if TYPE_CHECKING:  # the browser's modules: the watcher imports this module without them
    from cancelwatch.scraper.browse.guard import Refused

GUARD_BLOCKED = "guard_blocked"
_MAX_LISTED = 5

_TITLE = {
    "en": "cancelwatch blocked a page that tried to change your orders",
    "ja": "注文を変えようとしたページをcancelwatchが止めました",
}
_WHAT = {
    "en": {
        Family.CANCEL: "open a cancel URL",
        Family.EDIT: "open an order-edit URL",
        Family.RETURN: "open a return URL",
        Family.BUY: "open a buy URL",
        Family.CART: "open a cart URL",
        Family.ACCOUNT: "open an account-settings URL",
        None: "send data to",
    },
    "ja": {
        Family.CANCEL: "キャンセルのURLを開こうとしました",
        Family.EDIT: "注文変更のURLを開こうとしました",
        Family.RETURN: "返品のURLを開こうとしました",
        Family.BUY: "購入のURLを開こうとしました",
        Family.CART: "カートのURLを開こうとしました",
        Family.ACCOUNT: "アカウント設定のURLを開こうとしました",
        None: "データを送ろうとしました",
    },
}
_PAGE_NAMES_JA = {
    "the order list": "注文履歴",
    "an order's details": "注文の詳細",
    "a digital order": "デジタル注文",
    "a tracking page": "配送状況",
    "the sign-in page": "ログインページ",
    "your account": "アカウントサービス",
    "the home page": "トップページ",
}
_TAIL = {
    "en": (
        "cancelwatch blocked it: nothing reached Amazon. If this repeats, keep the log "
        "(`cancelwatch check -v`) and report it."
    ),
    "ja": (
        "cancelwatchが止めたので、Amazonには何も届いていません。繰り返すときは、"
        "ログ（`cancelwatch -v check`）を添えて報告してください。"
    ),
}


def guard_alert(refused: list[Refused], now: datetime, lang: Lang) -> NewAlert | None:
    """One alert a day per account for the alarming refusals of a check, or None."""
    alarming = [r for r in refused if r.alarming]
    if not alarming:
        return None
    lines = list(dict.fromkeys(_line(r, lang) for r in alarming))
    shown = lines[:_MAX_LISTED]
    if len(lines) > len(shown):
        more = len(lines) - len(shown)
        shown.append(f"… and {more} more" if lang == "en" else f"…ほか{more}件")
    body = "\n".join([*(f"- {line}" for line in shown), _TAIL[lang]])
    return NewAlert(None, GUARD_BLOCKED, f"{now:%Y-%m-%d}", now, _TITLE[lang], body)


def _line(refused: Refused, lang: Lang) -> str:
    page = _page_name(refused.page, lang)
    family = refused.family if refused.refusal is Refusal.MUTATING else None
    what = _WHAT[lang][family]
    if lang == "ja":
        return f"{page}が{what}: {refused.method} {refused.url}"
    line = f"{page} tried to {what} {refused.url} ({refused.method})"
    return line[0].upper() + line[1:]


def _page_name(url: str | None, lang: Lang) -> str:
    unknown = "a page" if lang == "en" else "ページ"
    if not url:
        return unknown
    try:
        name = reading_page(server_view(url))
    except UnsettledUrl:
        name = None
    if name is None:
        return f"{unknown} ({url})"
    shown = _PAGE_NAMES_JA.get(name, name) if lang == "ja" else name
    return f"{shown} ({url})"
