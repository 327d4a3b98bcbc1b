"""Pages from outside, read within bounds.

A saved page comes from disk: only a regular file, never more than MAX_PAGE_BYTES, its
charset decided by its byte-order mark, then what it declares, then detection. Any page's
HTML (saved or fetched) becomes a parse tree only when its markup cannot make the HTML
parser slow: see `parse_tree`.
"""

from __future__ import annotations

import codecs
import contextlib
import queue
import re
import select
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

from cancelwatch.scraper.errors import SelectorFailure, UnreadableFile
from cancelwatch.scraper.files import read_regular_file
from cancelwatch.scraper.read.regex import linear_regex

MAX_PAGE_BYTES = 8 * 1024 * 1024
"""A saved Amazon page is 0.5–2 MB; four times the largest leaves room and stops a wrong file."""
_SNIFF = 65_536
_HTML_MARK = re.compile(r"<(?:!doctype\s+html|html|head|body|div|form|title)\b", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


# Linear-time by construction (RE2): a page of ten thousand "<meta" without a ">" would make
# a backtracking `<meta[^>]+charset=` quadratic.
_META_CHARSET = linear_regex(r"""(?i)<meta\s[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""")
_XML_ENCODING = linear_regex(
    r"""(?i)\A\s*<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]{1,40})"""
)

# What browsers (the WHATWG Encoding Standard) make of labels whose Python codec differs:
# Shift_JIS pages are really Windows-31J (cp932), Latin-1 pages windows-1252, and a page that
# declares UTF-16 in ASCII bytes cannot be UTF-16.
_WHATWG_LABELS = {
    **dict.fromkeys(
        [
            "shift_jis",
            "shift-jis",
            "sjis",
            "csshiftjis",
            "ms_kanji",
            "ms932",
            "windows-31j",
            "x-sjis",
            "cp932",
        ],
        "cp932",
    ),
    **dict.fromkeys(("euc-jp", "x-euc-jp", "cseucpkdfmtjapanese"), "euc_jp"),
    **dict.fromkeys(("iso-2022-jp", "csiso2022jp"), "iso2022_jp"),
    **dict.fromkeys(
        [
            "ascii",
            "us-ascii",
            "iso-8859-1",
            "iso8859-1",
            "iso88591",
            "iso_8859-1",
            "latin1",
            "l1",
            "cp819",
            "ibm819",
            "csisolatin1",
            "iso-ir-100",
            "ansi_x3.4-1968",
        ],
        "cp1252",
    ),
    **dict.fromkeys(("euc-kr", "ks_c_5601-1987", "ksc5601", "korean", "windows-949"), "cp949"),
    **dict.fromkeys(("gb2312", "gb_2312", "gb_2312-80", "chinese", "csgb2312", "x-gbk"), "gbk"),
    **dict.fromkeys(("big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5"), "big5hkscs"),
    **dict.fromkeys(("utf-16", "utf-16le", "utf-16be", "unicode", "ucs-2"), "utf-8"),
}
# Other labels go through Python's own alias table, but only to a codec a browser also has:
# never "undefined", UTF-7 or a text transform such as rot13.
_WEB_CODECS = frozenset(
    {"utf-8", "cp866", "koi8-r", "koi8-u", "mac-roman", "mac-cyrillic", "cp874", "gb18030"}
    | {f"cp{n}" for n in range(1250, 1259)}
    | {f"iso8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)}
    | set(_WHATWG_LABELS.values())
)


@dataclass(frozen=True)
class PageText:
    """A saved page's text, and what the user should know about how it was read."""

    text: str
    warnings: tuple[str, ...] = ()


def read_page(path: Path) -> PageText:
    """The text of a saved HTML file. Raises UnreadableFile naming the file and what is wrong."""
    data = read_regular_file(path, MAX_PAGE_BYTES, _too_big_page)
    if not data.strip():
        raise UnreadableFile(f"{path}: the file is empty; save the page again from the browser")
    bom = _bom(data)
    head = data[:_SNIFF]
    if bom is None and b"\x00" in head:
        raise UnreadableFile(f"{path}: this is a binary file, not an HTML page")
    text, warnings = decode_page(data, bom)
    if not _HTML_MARK.search(text, 0, _SNIFF):
        raise UnreadableFile(
            f"{path}: this does not look like an HTML page (no <html>, <head> or <body>); "
            "save it with the browser's 'Save Page As… (HTML only)'"
        )
    return PageText(text, tuple(warnings))


def _too_big_page(path: Path, size: str) -> str:
    limit = MAX_PAGE_BYTES // (1024 * 1024)
    return (
        f"{path}: {size} is more than the {limit} MB a saved page may be (Amazon's pages "
        "are 0.5–2 MB); is this the right file?"
    )


# ---- charsets --------------------------------------------------------------------------------


def _bom(data: bytes) -> str | None:
    for mark, encoding in _BOMS:
        if data.startswith(mark):
            return encoding
    return None


def decode_page(data: bytes, bom: str | None = None) -> tuple[str, list[str]]:
    """The page's text and warnings. The encoding is decided, in order, by a byte-order mark,
    a declared charset (meta tag or XML declaration) that names a web encoding and fits the
    bytes, valid UTF-8, charset detection, and last UTF-8 with replacement characters."""
    bom = bom or _bom(data)
    if bom is not None:
        return data.decode(bom, errors="replace").removeprefix("\ufeff"), []
    warnings: list[str] = []
    label = declared_charset(data[:_SNIFF])
    if label is not None:
        codec = web_codec(label)
        if codec is None:
            warnings.append(f"the page declares charset {label!r}, which browsers do not know")
        else:
            try:
                return data.decode(codec), warnings
            except UnicodeDecodeError:
                warnings.append(
                    f"the page declares charset {label!r}, but its bytes are not {codec}"
                )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return _detected(data, warnings)
    return text, [f"{w}; read as UTF-8" for w in warnings]


def _detected(data: bytes, warnings: list[str]) -> tuple[str, list[str]]:
    # Imported here: only a saved page with no usable charset needs it, and the watcher,
    # which reads pages from the browser as text, stays 5 MiB smaller without it.
    import charset_normalizer  # noqa: PLC0415

    best = charset_normalizer.from_bytes(data).best()
    codec = (web_codec(best.encoding) or best.encoding) if best and best.encoding else None
    if codec is not None:
        with contextlib.suppress(LookupError):
            text = data.decode(codec, errors="replace")
            return text, [*warnings, f"read as {codec}, which charset detection chose"]
    return data.decode("utf-8", errors="replace"), [
        *warnings,
        "no charset fits the page; read as UTF-8 with unreadable bytes replaced (\ufffd)",
    ]


def declared_charset(head: bytes) -> str | None:
    """The charset label a page's XML declaration or first `<meta charset>` names."""
    found = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    return found.group(1).decode("ascii").lower() if found else None


def web_codec(label: str) -> str | None:
    """The Python codec a browser would decode `label` with, or None for a label browsers
    do not accept ("undefined", "utf-7", "rot13", …)."""
    label = label.strip().lower()
    if label in _WHATWG_LABELS:
        return _WHATWG_LABELS[label]
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    name = info.name.replace("_", "-")
    return name if name in _WEB_CODECS else None


# ---- markup bounds ---------------------------------------------------------------------------

MAX_PAGE_CHARS = MAX_PAGE_BYTES
MAX_TAGS = 50_000
"""`<` characters a page may hold; Amazon's largest order pages have under 10,000. Deeply
nested elements make the parser's work grow with the square of their number."""
MAX_REBUILT_NODES = 1_500_000
"""An estimate of the elements the parser may rebuild for formatting tags (<b>, <i>, …)
left open; each later block can copy all of them (the HTML standard's "reconstruct the
active formatting elements")."""
PARSE_SECONDS = 2.0
"""How long the HTML parser may take. A page that passes the bounds above parses in
milliseconds; only an element with tens of thousands of attributes can still be slow."""
# Formatting elements the parser reconstructs; <a> and <nobr> close their own kind first.
_FORMATTING = re.compile(
    r"<(?i:b|big|code|em|font|i|s|small|strike|strong|tt|u)(?=[\t\n\f\r />])"
    # The attributes as the HTML tokenizer reads them, so that two tags are told apart
    # exactly as the parser's "Noah's Ark" clause tells them apart; possessive, so linear.
    r"""(?:[\t\n\f\r /]*+[^\t\n\f\r />][^\t\n\f\r />=]*+"""
    r"""(?:[\t\n\f\r ]*+=[\t\n\f\r ]*+(?:"[^"]*+"?|'[^']*+'?|[^\t\n\f\r >]*+))?+)*+"""
)


class PageTooComplex(SelectorFailure):
    """The page's markup is past a bound that keeps the HTML parser fast."""


def check_markup(html: str) -> None:
    """Raise PageTooComplex when `html` is past a bound the parser needs; cheap (C-level
    counts and one scan of the formatting tags)."""
    if len(html) > MAX_PAGE_CHARS:
        raise PageTooComplex(
            f"the page holds {len(html):,} characters, more than the {MAX_PAGE_CHARS:,} "
            "cancelwatch reads (Amazon's pages hold under 2,000,000)"
        )
    tags = html.count("<")
    if tags > MAX_TAGS:
        raise PageTooComplex(
            f"the page holds {tags:,} tags, more than the {MAX_TAGS:,} cancelwatch reads "
            "(Amazon's order pages hold under 10,000)"
        )
    distinct = len({m.group().lower() for m in _FORMATTING.finditer(html)})
    if (3 * distinct + 2) * tags > MAX_REBUILT_NODES:
        raise PageTooComplex(
            f"the page leaves {distinct:,} different formatting tags (<b>, <i>, …) among "
            f"{tags:,} tags, which would make the parser rebuild millions of elements"
        )


def parse_tree(html: str) -> LexborHTMLParser:
    """The page's parse tree, within the bounds of `check_markup` and PARSE_SECONDS.

    The parser runs in a thread of its own (it releases the GIL), so a page that still
    stalls it is refused after PARSE_SECONDS. That parse cannot be stopped: it finishes in
    the background, and until it has, every other page is refused too rather than letting
    stalled parses pile up."""
    check_markup(html)
    return _PARSER.parse(html)


class _ParserThread:
    """One daemon thread that runs every parse. One, and kept: a new thread per page would
    make the parser's memory come from a fresh allocator arena each time, a third slower.

    The caller waits on a socket with select(), not on a lock: a lock's timeout is a point
    on the clock, which libfaketime (the tests' clock a year ahead) moves out of reach; a
    select() timeout is a duration."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[str, list[object]]] = queue.SimpleQueue()
        self._idle = threading.Event()
        self._idle.set()
        self._submit = threading.Lock()
        self._thread: threading.Thread | None = None
        # Made with the thread, at the first parse: importing the module opens nothing.
        self._wake: socket.socket | None = None
        self._ring: socket.socket | None = None

    def parse(self, html: str) -> LexborHTMLParser:
        with self._submit:
            if not self._idle.is_set():
                raise PageTooComplex(
                    "an earlier page was too complex to read and is still being parsed in "
                    "the background; try again in a few minutes"
                )
            wake, ring = self._sockets()
            self._drain(wake)  # the ring of a parse that was given up on
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, args=(ring,), name="html-parser", daemon=True
                )
                self._thread.start()
            box: list[object] = []
            self._idle.clear()
            self._jobs.put((html, box))
            ready, _, _ = select.select([wake], [], [], PARSE_SECONDS)
            if not ready:
                raise PageTooComplex(
                    f"the HTML parser needed more than {PARSE_SECONDS:g} s for this page "
                    "(Amazon's take milliseconds); an element may carry tens of thousands of "
                    "attributes"
                )
            self._drain(wake)
            # The thread rings just before it goes idle: wait for that step, or the next
            # page, sent at once, would be refused as if this one were still being parsed.
            self._idle.wait()
        tree = box[0] if box else None
        if not isinstance(tree, LexborHTMLParser):
            raise PageTooComplex("the HTML parser could not read the page")
        return tree

    def _sockets(self) -> tuple[socket.socket, socket.socket]:
        if self._wake is None or self._ring is None:
            self._wake, self._ring = socket.socketpair()
            self._wake.setblocking(False)
        return self._wake, self._ring

    @staticmethod
    def _drain(wake: socket.socket) -> None:
        with contextlib.suppress(BlockingIOError):
            while wake.recv(64):
                pass

    def _run(self, ring: socket.socket) -> None:
        while True:
            html, box = self._jobs.get()
            # An error here would print a thread traceback; the caller reports it instead.
            with contextlib.suppress(Exception):
                box.append(LexborHTMLParser(html))
            # Ring before going idle: the ring of a parse its caller gave up on must be in
            # the socket by the time the next caller may start, which drains it. The other
            # way round, it could arrive during the next parse and wake it with no tree.
            ring.send(b"!")
            self._idle.set()

    def wait(self, timeout: float) -> bool:
        return self._idle.wait(timeout)


_PARSER = _ParserThread()


def wait_for_background_parse(timeout: float) -> bool:
    """Wait until no stalled parse runs in the background; False when one still does."""
    return _PARSER.wait(timeout)
