"""The one table of words: every area has every key in both languages, with the same
placeholders, and no key is defined in two areas (one would hide the other)."""

from __future__ import annotations

import string
from collections import Counter

import pytest

from cancelwatch.scheduler.policy import words


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


@pytest.mark.parametrize("area", words._AREAS, ids=lambda a: a.__name__.rsplit(".", 1)[-1])
def test_an_area_says_everything_in_both_languages(area: object) -> None:
    en, ja = area.EN, area.JA  # type: ignore[attr-defined]
    assert set(en) == set(ja)
    differing = {key for key in en if _fields(en[key]) != _fields(ja[key])}
    assert differing == set()


def test_no_key_is_defined_in_two_areas() -> None:
    counted = Counter(key for area in words._AREAS for key in area.EN)
    assert [key for key, n in counted.items() if n > 1] == []


def test_text_fills_a_key_of_any_area_in_the_language_asked() -> None:
    assert words.text("en", "minutes", n=5) == "5 minutes"
    assert words.text("ja", "minutes", n=5) != words.text("en", "minutes", n=5)
