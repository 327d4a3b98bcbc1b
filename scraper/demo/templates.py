"""Loads the page templates (files under templates/, shipped in the wheel) and fills them.

string.Template with `substitute`: a placeholder left unfilled is an error, not a blank.
Callers escape values; `esc` is here so they all escape the same way.
"""

from __future__ import annotations

import html
from functools import cache
from importlib import resources
from string import Template

from cancelwatch.scraper.demo.locale import Locale


@cache
def _template(name: str) -> Template:
    text = (
        resources.files("cancelwatch.scraper.demo")
        .joinpath("templates", f"{name}.html")
        .read_text("utf-8")
    )
    return Template(text)


def fill(template: str, /, **values: object) -> str:
    return _template(template).substitute({k: str(v) for k, v in values.items()})


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def page(locale: Locale, title: str, body: str, head: str = "") -> str:
    """A whole document in the marketplace's language around `body`."""
    return fill(
        "page",
        lang=locale.lang,
        title=esc(title),
        head=head,
        body=body,
        body_class=locale.body_class,
    )
