"""The one form of page text that every pattern and label is matched against."""

from __future__ import annotations

import re
import unicodedata

WS = re.compile(r"\s+")


def normalise(text: str) -> str:
    """NFKC and collapsed spaces: what every text pattern is matched against.

    NFKC folds full-width digits, colons and the yen sign, so one pattern reads
    「合計：￥１，２００」 and "Total: ¥1,200" alike.
    """
    return WS.sub(" ", unicodedata.normalize("NFKC", text)).strip()
