"""The README's screenshots: `cancelwatch check` and `cancelwatch advise` in English and
Japanese, rendered by rich as SVG into docs/images/{check,advise}-{en,ja}.svg.

Each language runs in a temporary home, as a user would: an account on the demo store
(amazon.co.jp) whose credentials are in the encrypted secrets file, then `check`, then
`advise` on the pre-order whose page states its own cancel deadline. The store and the
commands share one fixed moment, so the images change only when the output does.

    .venv/bin/python docs/screenshots.py
"""

from __future__ import annotations

import html
import io
import os
import re
import secrets
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from rich.cells import cell_len
from rich.console import Console

from cancelwatch.scheduler.cli import windows_report
from cancelwatch.scheduler.cli.context import App
from cancelwatch.scheduler.cli.main import cli, run
from cancelwatch.scraper.browse.credentials import Credentials, save_credentials
from cancelwatch.scraper.demo import (
    DEMO_EMAIL,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    DemoStore,
    ManualClock,
)
from cancelwatch.scraper.demo.scenario import build_scenario

AT = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # noon in Tokyo
MARKETPLACE = "amazon.co.jp"
IMAGES = Path(__file__).parent / "images"
WIDTH = 116
"""Columns of the rendered terminal: the windows table's width, with a little room."""


@contextmanager
def user_home(lang: str, base_url: str) -> Iterator[Path]:
    """A temporary home with one account on the demo store, speaking `lang`."""
    saved = {k: os.environ.get(k) for k in ("CANCELWATCH_HOME", "CANCELWATCH_SECRETS")}
    with tempfile.TemporaryDirectory(prefix="cancelwatch-shots-") as tmp:
        home = Path(tmp)
        os.environ["CANCELWATCH_HOME"] = str(home)
        os.environ["CANCELWATCH_SECRETS"] = "file"
        os.environ["CANCELWATCH_PASSPHRASE"] = secrets.token_urlsafe(16)
        (home / "config.toml").write_text(
            f'[accounts.shop]\nmarketplace = "{MARKETPLACE}"\nbase_url = "{base_url}"\n'
            f'[notify]\nlanguage = "{lang}"\ndesktop = false\n',
            encoding="utf-8",
        )
        save_credentials("shop", Credentials(DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET))
        try:
            yield home
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def shoot(argv: list[str], title: str, image: Path) -> None:
    """Run `cancelwatch ARGV` at `AT` and write what it printed as an SVG terminal."""
    console = Console(record=True, width=WIDTH, file=io.StringIO(), highlight=False)
    printer_console = windows_report._console
    windows_report._console = console  # the printers' console, recording
    try:
        code = run(cli, argv, app=App(clock=lambda: AT))
    finally:
        windows_report._console = printer_console
    if code not in (0, 1):  # 1: alerts went out, which is what the picture shows
        raise SystemExit(f"cancelwatch {' '.join(argv)} ended with exit code {code}")
    image.write_text(wide_cells(console.export_svg(title=title)), encoding="utf-8")
    print(f"wrote {image}", file=sys.stderr)


_TEXT = re.compile(r'textLength="([0-9.]+)"([^>]*)>([^<]*)</text>')


def wide_cells(svg: str) -> str:
    """Each text run as wide as the cells it fills: rich 15 sizes a run by its characters,
    which squeezes Japanese (two cells a character) into half its columns."""

    def widen(run: re.Match[str]) -> str:
        length, rest, body = run.groups()
        chars = html.unescape(body)
        width = float(length) / len(chars) * cell_len(chars)
        return f'textLength="{width:g}"{rest}>{body}</text>'

    return _TEXT.sub(widen, svg)


def main() -> None:
    IMAGES.mkdir(exist_ok=True)
    preorder = build_scenario(MARKETPLACE, AT).by_case("preorder").id
    for lang in ("en", "ja"):
        with (
            DemoStore(MARKETPLACE, clock=ManualClock(AT)) as store,
            user_home(lang, store.base_url),
        ):
            shoot(["check"], "cancelwatch check", IMAGES / f"check-{lang}.svg")
            shoot(
                ["advise", preorder],
                f"cancelwatch advise {preorder}",
                IMAGES / f"advise-{lang}.svg",
            )


if __name__ == "__main__":
    main()
