"""Where the test pages are, and a helper to parse one."""

from __future__ import annotations

from pathlib import Path

from cancelwatch.scraper.read.model import ParsedPage
from cancelwatch.scraper.read.parse import parse_page

FIXTURES = Path(__file__).parent / "fixtures"
REAL = FIXTURES / "real" / "amazon.com"
JP = FIXTURES / "amazon.co.jp"
OURS_COM = FIXTURES / "amazon.com"
UK = FIXTURES / "amazon.co.uk"
CA = FIXTURES / "amazon.ca"
EXPECTED = FIXTURES / "expected"


def parse_file(path: Path, marketplace: str | None = None) -> ParsedPage:
    return parse_page(path.read_text(encoding="utf-8"), marketplace)
