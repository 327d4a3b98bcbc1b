"""The dashboard in the user's language (issue 12): in Japanese the page shows no English
word, in English no Japanese, apart from ids, URLs, product names and sellers, the zone
abbreviations, the program's own name and the title of an alert sent (worded when it went
out, in the language of that time). A reminder to come is listed as it will go out, in
the page's language.

The page as served over HTTP, on a state.db holding a check of the Japanese fixture's
order list, one alert to come, one sent, and a check planned; the clock is passed in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from cancelwatch.scheduler.cli import serve as cli_serve
from cancelwatch.scheduler.config.settings import Account, Config
from cancelwatch.scheduler.dashboard.server import Dashboard
from cancelwatch.scheduler.policy.words import Lang, text
from cancelwatch.scheduler.state.store import NewAlert, State
from tests.pages import JP, parse_file
from tests.test_dashboard_http import cookie, fetch

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # noon in Tokyo
MIN = timedelta(minutes=1)
PREORDER = "503-2094418-6637205"  # on order-list-2026.html: release 2027-01-15, cancellable

# Japanese letters are word characters to `\b`: "JSTまで" has no boundary inside.
ORDER_ID = re.compile(r"(?<![0-9A-Za-z])[0-9A-Z]\d{2}-\d{7}-\d{7}(?!\d)")
URL = re.compile(r"(?:https?|webcal)://\S+")
ZONES = re.compile(r"(?<![A-Za-z])(JST|EST|EDT|PST|PDT|GMT|BST|UTC)(?![A-Za-z])")
ASCII_WORD = re.compile(r"[A-Za-z]+")
JAPANESE = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]+")

# What is nobody's language: the program and the file it serves, the brand, the channel,
# and the marketplace's zone by its tz database name, which a window's reason gives for
# "until the end of that day" (scheduler/policy/windows.py).
IDENTIFIERS = {"cancelwatch", "calendar.ics", "Amazon", "apprise:ntfy"}
TITLES = {
    "en": ("Cancel the pre-order soon", "Pre-order reminder sent"),
    "ja": ("予約のキャンセルはお早めに", "送った予約の通知"),
}


class _Shown(HTMLParser):
    """The words a person sees or hears: text outside scripts and styles, and the
    attributes a browser shows (a tooltip, an image's alternative, a label)."""

    SHOWN_ATTRS = ("title", "alt", "aria-label", "placeholder")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        self.parts += [v for k, v in attrs if k in self.SHOWN_ATTRS and v]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def shown(page: str) -> str:
    parser = _Shown()
    parser.feed(page)
    return "\n".join(parser.parts)


def bare(said: str, names: set[str]) -> str:
    for name in sorted(names | IDENTIFIERS, key=len, reverse=True):  # a longer name first
        said = said.replace(name, " ")
    return ZONES.sub(" ", URL.sub(" ", ORDER_ID.sub(" ", said)))


def assert_in_language(said: str, lang: Lang, names: set[str]) -> None:
    left = bare(said, names)
    foreign = ASCII_WORD if lang == "ja" else JAPANESE
    own = JAPANESE if lang == "ja" else ASCII_WORD
    assert foreign.findall(left) == [], said
    assert own.search(left), said


@dataclass
class Site:
    dashboard: Dashboard
    lang: Lang
    names: set[str]

    @property
    def port(self) -> int:
        return self.dashboard.port

    @property
    def token(self) -> str:
        return self.dashboard.token


def _fill(state: State, lang: Lang) -> set[str]:
    """The fixture's orders checked at NOW, an alert to come and one sent, their titles
    worded in `lang`; the names on the page that are nobody's language."""
    page = parse_file(JP / "order-list-2026.html")
    state.record_check("main", "amazon.co.jp", page.orders, {}, now=NOW, alerts=[])
    coming, sent = TITLES[lang]
    state.add_alerts(
        "main", [NewAlert(PREORDER, "cancel_closing", "PT3H", NOW + 60 * MIN, coming, "")], now=NOW
    )
    (sent_id,) = state.add_alerts(
        "main", [NewAlert(PREORDER, "cancel_closing", "P1D", NOW, sent, "")], now=NOW
    )
    assert state.claim(sent_id, at=NOW)
    attempt = state.start_delivery(sent_id, "apprise:ntfy", at=NOW, repeat=False)
    state.end_delivery(sent_id, "apprise:ntfy", attempt, at=NOW, error=None)
    state.release(sent_id)
    names = {n for o in page.orders for i in o.items for n in (i.title, i.seller) if n}
    # The reminder to come is listed as it will go out, worded again in the page's
    # language; the one sent keeps the words it went out with.
    return names | {"main", "amazon.co.jp", sent}


@pytest.fixture(params=["ja", "en"])
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    lang: Lang = request.param
    with State.open(tmp_path / "state.db") as state:
        names = _fill(state, lang)
        cfg = Config(accounts={"main": Account("main")})
        with cli_serve.dashboard_for(
            cfg,
            state,
            lambda: NOW + 10 * MIN,
            lang,
            host="127.0.0.1",
            port=0,
            token_folder=tmp_path,
            request_check=lambda account: account == "main",
        ) as dashboard:
            yield Site(dashboard, lang, names)


def _page(site: Site, query: str) -> str:
    answer = fetch(site.port, f"/?{query}", headers=cookie(site))  # type: ignore[arg-type]
    assert answer.status == 200, answer.text
    return answer.text


def test_the_page_speaks_one_language(site: Site) -> None:
    lang = site.lang
    page = _page(site, f"lang={lang}&asked=main")
    # The link to the other language is named in that language, as language menus are.
    switch = text(lang, "dash_other_language")
    # The page shows what this test means to look at: orders, both alerts, and the next
    # check with the planner's reason: the orders were first seen at the last check, ten
    # minutes ago, with windows not yet known, so they are checked again now.
    coming = {"en": f"Cancel {PREORDER} within 3 h",
              "ja": f"{PREORDER} のキャンセル期限まであと3時間"}  # fmt: skip
    assert PREORDER in page and TITLES[lang][1] in page and coming[lang] in page
    assert text(lang, "plan_young") in page
    assert_in_language(shown(page), lang, site.names | {switch})
