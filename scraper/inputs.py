"""Reading a saved page from disk, with one clear error for each kind of bad input."""

from __future__ import annotations

import re
from pathlib import Path

from scraper.errors import UsageError

MAX_BYTES = 50 * 1024 * 1024
_SNIFF = 65_536
_HTML_MARK = re.compile(rb"<(?:!doctype\s+html|html|head|body|div|form|title)\b", re.IGNORECASE)
_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def read_page(path: Path) -> str:
    """The text of an HTML file. Raises UsageError naming the file and what is wrong."""
    data = _read_bytes(path)
    head = data[:_SNIFF]
    if not data.strip():
        raise UsageError(f"{path}: the file is empty; save the page again from the browser")
    if b"\x00" in head:
        raise UsageError(f"{path}: this is a binary file, not an HTML page")
    if not _HTML_MARK.search(head):
        raise UsageError(
            f"{path}: this does not look like an HTML page (no <html>, <head> or <body>); "
            "save it with the browser's 'Save Page As… (HTML only)'"
        )
    return _decode(data, head, path)


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise UsageError(f"{path}: is a directory; give the saved .html file")
        if size > MAX_BYTES:
            raise UsageError(
                f"{path}: {size / 1024 / 1024:.0f} MB is more than the 50 MB an order page "
                "can be; is this the right file?"
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except PermissionError:
        raise UsageError(f"{path}: permission denied") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from None


def _decode(data: bytes, head: bytes, path: Path) -> str:
    # Older amazon.co.jp pages were Shift_JIS; a page says so in its meta tag.
    declared = _CHARSET.search(head)
    encodings = ["utf-8"]
    if declared:
        encodings.insert(0, declared.group(1).decode("ascii").lower())
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    raise UsageError(
        f"{path}: the text is neither UTF-8 nor the page's declared charset; "
        "save the page again from the browser"
    )
