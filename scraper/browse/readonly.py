"""What a check may load: an allowlist, judged on each URL as a server would read it.

cancelwatch only reads. Every request of every browser target passes `ReadOnlyPolicy.judge`
(scraper/browse/guard.py puts it below the page, in the browser itself). The rules, in order:

1. The URL is read the way a lenient server might: percent-decoding repeated until it
   stops changing (`%252F` is `/`), backslashes as slashes, `;params` dropped from each
   segment, dot segments resolved (`x%2F..%2Fedit.html` is `/edit.html`), case folded,
   and Amazon's `/ref=…` tracking segments set aside. A URL that will not settle is
   refused.
2. A URL of the site (the account's Amazon site, or the demo store standing in for it)
   that names an order-changing family — cancel, edit, return, buy, cart, account
   settings, sign-out — is refused whatever its method. So is any URL whose query names
   such a URL as where to go next (a sign-in page's `openid.return_to`).
3. Only GET and HEAD, except the sign-in forms' own POSTs to the site (and the puzzle
   hosts a human needs to pass a CAPTCHA or AWS WAF check).
4. A page (a document, in any frame or popup) of the site must be one a check reads: the
   order list, an order's details, a digital order, a tracking page, the sign-in pages,
   the home page. Everything else is refused, however harmless it looks.
5. Scripts, styles and data the reading pages fetch may come from the site and Amazon's
   asset hosts. Any other host is refused, quietly: ads and beacons are not news. So are
   Amazon's own metrics beacons, and service workers (they would fetch behind the guard).

The module is pure: no browser, no network. `judge` never raises.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, unquote_plus, urlsplit

_READ_METHODS = frozenset({"GET", "HEAD"})
_WEB_SCHEMES = frozenset({"http", "https"})
_LOCAL_SCHEMES = frozenset({"data", "blob", "about"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_MAX_DECODES = 4
"""Percent-decoding rounds before a URL counts as built to confuse: real URLs need 0-2."""
_MAX_NESTED_URL_DEPTH = 3
_MAX_BODY = 64 * 1024
"""Form bodies read for URLs: sign-in forms are a few hundred bytes."""

# Amazon's static files: scripts, styles, images. Read-only CDNs: nothing there holds an
# order, so any GET is fine.
ASSET_DOMAINS: tuple[str, ...] = ("ssl-images-amazon.com", "media-amazon.com", "images-amazon.com")

# Where a human solves a challenge in a visible browser (`login --headed`). The solving
# scripts post there, and none of these hosts holds an order or a cart, so writes to
# them cannot cancel anything. Keep the list short; add a host only with a page that
# shows it.
CHALLENGE_DOMAINS: tuple[str, ...] = (
    # AWS WAF: the challenge page (tests/fixtures: waf-challenge.html) loads challenge.js
    # from <id>.<region>.token.awswaf.com and posts the solved token there.
    "awswaf.com",
    # Arkose Labs: Amazon's ARKOSE_LEVEL_1 sign-in puzzles (public reports of CVF pages).
    "arkoselabs.com",
)

# Amazon's metrics and ads beacons, which every page sends. Refused, only counted.
TELEMETRY_DOMAINS: tuple[str, ...] = ("amazon-adsystem.com",)
_TELEMETRY_LABEL = re.compile(r"(?:fls|unagi|aax)(?:-[a-z0-9-]{1,40})?")  # fls-na, unagi-fe…
_AMAZON_HOST = re.compile(r"(?:^|\.)amazon\.(?:com|co\.[a-z]{2}|com\.[a-z]{2}|[a-z]{2,3})$")
_TELEMETRY_SEGMENTS = frozenset({"uedata"})  # /ap/uedata, /rd/uedata: page timings

# The pages a check reads, by their first path segments (after `/ref=…` segments are set
# aside). Prefixes: `/gp/your-account/order-details/…` is an order's details too.
READING_PAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("the order list", ("your-orders", "orders")),
    ("the order list", ("your-orders", "search")),
    ("the order list", ("gp", "your-account", "order-history")),
    ("the order list", ("gp", "css", "order-history")),
    ("the order list", ("gp", "legacy", "order-history")),
    ("an order's details", ("your-orders", "order-details")),
    ("an order's details", ("gp", "your-account", "order-details")),
    ("an order's details", ("gp", "css", "order-details")),
    ("a digital order", ("gp", "digital", "your-account", "order-summary.html")),
    ("a tracking page", ("progress-tracker", "package")),
    ("a tracking page", ("gp", "your-account", "ship-track")),
    ("a tracking page", ("gp", "css", "shiptrack")),
    ("the sign-in page", ("ap", "signin")),
    ("the sign-in page", ("ap", "mfa")),
    ("the sign-in page", ("ap", "cvf")),
    ("the sign-in page", ("ap", "challenge")),
    ("the sign-in page", ("ax", "claim")),
    ("the sign-in page", ("errors", "validatecaptcha")),
    ("the sign-in page", ("aaut", "verify")),
    ("your account", ("gp", "css", "homepage.html")),
)
_HOME = "the home page"

# The sign-in forms post their answers: the only writes to the site a check makes.
SIGN_IN_POSTS: tuple[tuple[str, ...], ...] = (
    ("ap", "signin"),
    ("ap", "mfa"),
    ("ap", "cvf"),
    ("ax", "claim"),
    ("errors", "validatecaptcha"),
    ("aaut", "verify"),
)


class Family(enum.StrEnum):
    """What an order-changing URL would do; the words an alert uses."""

    CANCEL = "cancel"
    EDIT = "edit"
    RETURN = "return"
    BUY = "buy"
    CART = "cart"
    ACCOUNT = "account"
    """Addresses, payment, delivery preferences, subscriptions, signing out."""


# Words of a path segment (split at anything but letters and digits) that name a family.
# By prefix: "cancel" covers cancel-items, cancelrequest, cancellation.
_FAMILY_WORDS: tuple[tuple[str, Family], ...] = (("edit", Family.EDIT),)
_FAMILY_PREFIXES: tuple[tuple[str, Family], ...] = (
    ("cancel", Family.CANCEL),
    ("return", Family.RETURN),
    ("refund", Family.RETURN),
    ("buy", Family.BUY),  # buy, buynow, buyagain, handle-buy-box
    ("checkout", Family.BUY),  # checkout, checkoutportal
    ("oneclick", Family.BUY),
    ("cart", Family.CART),
    ("signout", Family.ACCOUNT),
    ("logout", Family.ACCOUNT),
    ("address", Family.ACCOUNT),
    ("payment", Family.ACCOUNT),
    ("wallet", Family.ACCOUNT),
    ("subscri", Family.ACCOUNT),  # subscribe, subscriptions
    ("unsubscri", Family.ACCOUNT),
    ("preference", Family.ACCOUNT),  # delivery-preferences, customer-preferences
)
_FAMILY_PATHS: tuple[tuple[tuple[str, ...], Family], ...] = (
    (("gp", "aw", "c"), Family.CART),  # the mobile cart
    (("gp", "item-dispatch"), Family.CART),  # add-to-cart forms
)
_FAMILY_INFIXES: tuple[tuple[str, Family], ...] = (
    ("sign-out", Family.ACCOUNT),
    ("log-out", Family.ACCOUNT),
    ("1-click", Family.BUY),
)
# Query fields that turn a reading URL into an action: ?useCase=cancel, ?cancelRequest=1.
_FAMILY_QUERY: tuple[tuple[str, str | None, Family], ...] = (
    ("usecase", "cancel", Family.CANCEL),
    ("cancelrequest", None, Family.CANCEL),
    ("type", "e", Family.EDIT),
    ("action", "cancel", Family.CANCEL),
)
_WORD = re.compile(r"[a-z0-9]+")


class Refusal(enum.StrEnum):
    """Why a request was refused."""

    MUTATING = "mutating"
    """A URL of an order-changing family (`Family`), whatever its method."""
    WRITE = "write"
    """A method other than GET or HEAD where no sign-in form of ours posts."""
    OFF_LIST = "off_list"
    """A page of the site that a check does not read."""
    MALFORMED = "malformed"
    """A URL that does not settle when decoded: built to confuse."""
    WORKER = "worker"
    """A service worker's script: a worker would fetch behind the guard's back."""
    FOREIGN = "foreign"
    """A host that is neither the site, Amazon's assets nor a challenge host. Quiet."""
    TELEMETRY = "telemetry"
    """Amazon's own metrics and ads beacons. Quiet."""

    @property
    def quiet(self) -> bool:
        """Refused without a word above DEBUG: every real page asks for these."""
        return self in (Refusal.FOREIGN, Refusal.TELEMETRY)


@dataclass(frozen=True)
class Load:
    """One request, as the browser is about to send it."""

    method: str
    url: str
    document: bool = False
    """A page for a frame or a popup (a navigation), not something a page fetches."""
    body: bytes | None = None
    body_withheld: bool = False
    """The request has a body the browser did not show (too large, or a file): a form
    whose fields cannot be read cannot pass as a sign-in form."""
    service_worker: bool = False


@dataclass(frozen=True)
class Verdict:
    refusal: Refusal | None = None
    family: Family | None = None
    page: str | None = None
    """For an allowed document: which reading page it is ("the order list")."""

    @property
    def allowed(self) -> bool:
        return self.refusal is None


ALLOW = Verdict()


@dataclass(frozen=True)
class ServerView:
    """A URL as a lenient server reads it."""

    scheme: str
    host: str
    port: int | None
    segments: tuple[str, ...]
    """Decoded, lower-cased path segments, dot segments resolved, `;params` dropped."""
    words: tuple[str, ...]
    """The segments without Amazon's `ref=…` tracking segments: what the page is."""
    query: tuple[tuple[str, str], ...]
    """Decoded query fields, lower-cased."""

    @property
    def path(self) -> str:
        return "/" + "/".join(self.segments)


class UnsettledUrl(ValueError):
    """A URL that keeps changing when percent-decoded, or cannot be split."""


def server_view(url: str) -> ServerView:
    """How a lenient server would read `url`. UnsettledUrl when it will not settle."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsettledUrl(str(exc)) from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    # Backslashes as slashes at every round: `%5C` decodes to one only on the way.
    segments = _segments(_settle(parts.path, lambda text: unquote(text).replace("\\", "/")))
    query = tuple(
        (_settle(key, unquote_plus).lower(), _settle(value, unquote_plus).lower())
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
    )
    words = tuple(s for s in segments if not s.startswith("ref="))
    return ServerView(scheme, host, port or _DEFAULT_PORTS.get(scheme), segments, words, query)


def _settle(text: str, decode: Callable[[str], str]) -> str:
    for _ in range(_MAX_DECODES + 1):
        decoded = decode(text)
        if decoded == text:
            return text
        text = decoded
    raise UnsettledUrl(f"percent-encoded more than {_MAX_DECODES} times")


def _segments(path: str) -> tuple[str, ...]:
    out: list[str] = []
    for raw in path.split("/"):
        segment = raw.split(";", 1)[0].strip().lower()
        if segment in ("", "."):
            continue
        if segment == "..":
            if out:
                out.pop()
            continue
        out.append(segment)
    return tuple(out)


def family_of(view: ServerView) -> Family | None:
    """The order-changing family `view` names in its path or query, if any."""
    for prefix, family in _FAMILY_PATHS:
        if view.words[: len(prefix)] == prefix:
            return family
    for segment in view.words:
        found = _segment_family(segment)
        if found is not None:
            return found
    for key, value in view.query:
        for name, wanted, family in _FAMILY_QUERY:
            if key == name and (wanted is None or value == wanted):
                return family
    return None


def _segment_family(segment: str) -> Family | None:
    for infix, family in _FAMILY_INFIXES:
        if infix in segment:
            return family
    for word in _WORD.findall(segment):
        for exact, family in _FAMILY_WORDS:
            if word == exact:
                return family
        for start, family in _FAMILY_PREFIXES:
            if word.startswith(start):
                return family
    return None


def reading_page(view: ServerView) -> str | None:
    """Which page a check reads `view` is ("the order list"), or None."""
    if not view.words:
        return _HOME
    for name, prefix in READING_PAGES:
        if view.words[: len(prefix)] == prefix:
            return name
    return None


def _has_suffix(host: str, domains: Iterable[str]) -> bool:
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def is_telemetry(view: ServerView) -> bool:
    if _has_suffix(view.host, TELEMETRY_DOMAINS):
        return True
    if _AMAZON_HOST.search(view.host) is None:
        return False
    first_label, _, rest = view.host.partition(".")
    if _TELEMETRY_LABEL.fullmatch(first_label) and _AMAZON_HOST.fullmatch(rest):
        return True
    return bool(_TELEMETRY_SEGMENTS.intersection(view.words))


@dataclass
class ReadOnlyPolicy:
    """The allowlist of one browser: the sites its checks read, and the fixed rules.

    `sites` are origins (`https://www.amazon.co.jp`, `http://127.0.0.1:8080`); an Amazon
    site brings its bare and `www.` host with it.
    """

    sites: set[tuple[str, int | None]] = field(default_factory=set)

    def add_site(self, url: str) -> None:
        view = server_view(url)
        if view.scheme not in _WEB_SCHEMES or not view.host:
            raise ValueError(f"not a web site: {url}")
        self.sites.add((view.host, view.port))
        if _AMAZON_HOST.search(view.host):
            bare = view.host.removeprefix("www.")
            self.sites.update({(bare, view.port), ("www." + bare, view.port)})

    def judge(self, load: Load) -> Verdict:
        """Whether `load` may go, and if not, why. Never raises: when in doubt, refuse."""
        try:
            return self._judge(load)
        except Exception:  # a rule that trips over a URL must refuse it, not let it pass
            return Verdict(Refusal.MALFORMED)

    def _judge(self, load: Load) -> Verdict:
        scheme = urlsplit(load.url).scheme.lower()
        if scheme in _LOCAL_SCHEMES:
            # No network: the page's own data. Its scripts still run under the guard.
            return ALLOW
        try:
            view = server_view(load.url)
        except UnsettledUrl:
            return Verdict(Refusal.MALFORMED)
        if view.scheme not in _WEB_SCHEMES:
            return Verdict(Refusal.FOREIGN)
        if load.service_worker:
            return Verdict(Refusal.WORKER)
        if self._is_site(view):
            return self._judge_site(load, view)
        if _has_suffix(view.host, CHALLENGE_DOMAINS):
            return ALLOW
        if is_telemetry(view):
            return Verdict(Refusal.TELEMETRY)
        if _has_suffix(view.host, ASSET_DOMAINS) and not load.document:
            return ALLOW if load.method.upper() in _READ_METHODS else Verdict(Refusal.WRITE)
        return Verdict(Refusal.FOREIGN)

    def _is_site(self, view: ServerView) -> bool:
        return (view.host, view.port) in self.sites

    def _judge_site(self, load: Load, view: ServerView) -> Verdict:
        family = family_of(view) or _nested_family(view, depth=0) or _body_family(load.body)
        if family is not None:
            return Verdict(Refusal.MUTATING, family)
        method = load.method.upper()
        if method not in _READ_METHODS and not _is_sign_in_post(method, view, load):
            # A beacon to the site's own metrics path is not news either.
            return Verdict(Refusal.TELEMETRY if is_telemetry(view) else Refusal.WRITE)
        if not load.document:
            return Verdict(Refusal.TELEMETRY) if is_telemetry(view) else ALLOW
        page = reading_page(view)
        return Verdict(page=page) if page is not None else Verdict(Refusal.OFF_LIST)


def _is_sign_in_post(method: str, view: ServerView, load: Load) -> bool:
    # A sign-in form is small and shown whole; a huge or withheld body could hide a field
    # past what is read of it.
    body = load.body
    readable = not load.body_withheld and (body is None or len(body) <= _MAX_BODY)
    return method == "POST" and readable and any(view.words[: len(p)] == p for p in SIGN_IN_POSTS)


def _nested_family(view: ServerView, depth: int) -> Family | None:
    """The family of a URL that a query field names as where to go next
    (`/ap/signin?openid.return_to=…/cancel-items`)."""
    if depth >= _MAX_NESTED_URL_DEPTH:
        return None
    for _, value in view.query:
        family = _url_family(value, depth + 1)
        if family is not None:
            return family
    return None


def _url_family(value: str, depth: int) -> Family | None:
    if not value.startswith(("http://", "https://", "/")):
        return None
    try:
        nested = server_view(value)
    except UnsettledUrl:
        return None
    return family_of(nested) or _nested_family(nested, depth)


def _body_family(body: bytes | None) -> Family | None:
    """The family of a URL a form names as where to go next (`openid.return_to`). Only
    URL-like fields: a password that happens to contain "/cart/" must not matter."""
    if not body:
        return None
    fields = parse_qsl(
        body[: _MAX_BODY + 1].decode("utf-8", errors="replace"), keep_blank_values=True
    )
    for _, value in fields:
        family = _url_family(value.strip().lower(), 0)
        if family is not None:
            return family
    return None


def describe(url: str) -> str:
    """A URL for a message: scheme, host and path, never the query (order ids, tokens)."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return f"{parts.scheme}://{host}{parts.path}" if parts.scheme else parts.path
