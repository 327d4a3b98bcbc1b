"""Every word cancelwatch shows a person, in English and Japanese, from one place.

Each module of this package holds one area's table, `EN` and `JA` with the same keys:
`rules` (windows, advice, alerts), `report` (the command line's tables and reports),
`dashboard` (the web page), `feed` (the calendar), `planning` (why a check is planned),
`setup` (`login`, `config`), `config` (what is wrong with config.toml), `messages`
(what the command line says on stderr), `pages` (`parse`, `doctor`).
`text` looks a key up in all of them; a key lives in one module only, and both languages
have every key (tests/test_words.py checks both).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from cancelwatch.scheduler.policy.words import (
    config,
    dashboard,
    feed,
    messages,
    pages,
    planning,
    report,
    rules,
    setup,
)

Lang = Literal["ja", "en"]

_AREAS = (rules, report, dashboard, feed, planning, setup, config, messages, pages)


def _merged(lang: Lang) -> Mapping[str, str]:
    merged: dict[str, str] = {}
    for area in _AREAS:
        merged.update(area.EN if lang == "en" else area.JA)
    return merged


TEXTS: Mapping[Lang, Mapping[str, str]] = {"en": _merged("en"), "ja": _merged("ja")}

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def text(lang: Lang, key: str, /, **values: object) -> str:
    """The text `key` in `lang`, filled with `values`."""
    return TEXTS[lang][key].format(**values)
