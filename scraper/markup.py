"""Selectors as data: load `selectors/*.toml`, validate them, and extract fields.

Each field has an ordered fallback list. Extraction tries them in order and remembers
which one matched, so `cancelwatch doctor` can say what still works after Amazon
changes its markup, and a user can patch one field in their config directory.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from scraper.errors import ConfigError
from scraper.paths import config_dir

FallbackKind = Literal["css", "href", "text", "html"]
_FALLBACK_KINDS: tuple[FallbackKind, ...] = ("css", "href", "text", "html")
_FALLBACK_KEYS = {*_FALLBACK_KINDS, "attr", "pattern"}
_FIELD_KEYS = {"fallbacks", "required"}
_MARKETPLACE_KEYS = {
    "name",
    "base_url",
    "order_list_url",
    "order_details_url",
    "language",
    "currency",
    "country",
    "timezone",
    "date_patterns",
    "detect",
}
_STATUS_KEYS = {"codes", "classes", "words"}
_TOP_KEYS = {"marketplace", "status", "page_kinds", "fields"}
STATUS_ORDER = (
    "cancelled",
    "returned",
    "delivered",
    "pending",
    "preparing",
    "shipped",
    "in_transit",
)
_WS = re.compile(r"\s+")
_PROBE = LexborHTMLParser("<p></p>")


def normalise(text: str) -> str:
    """NFKC and collapsed spaces: what every text pattern is matched against.

    NFKC folds full-width digits, colons and the yen sign, so one pattern reads
    「合計：￥１，２００」 and "Total: ¥1,200" alike.
    """
    return _WS.sub(" ", unicodedata.normalize("NFKC", text)).strip()


@dataclass(frozen=True)
class Fallback:
    kind: FallbackKind
    expr: str
    label: str
    regex: re.Pattern[str] | None = None
    attr: str | None = None
    pattern: re.Pattern[str] | None = None


@dataclass(frozen=True)
class FieldSpec:
    name: str
    fallbacks: tuple[Fallback, ...]
    required: bool = False
    source: str = ""
    """The file this field's definition came from (built-in or the user's override)."""


@dataclass(frozen=True)
class Marketplace:
    name: str
    base_url: str
    order_list_url: str
    order_details_url: str
    language: str
    currency: str
    country: str
    timezone: str
    date_patterns: tuple[re.Pattern[str], ...]
    detect: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class StatusRules:
    codes: dict[str, str]
    classes: dict[str, str]
    words: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]


@dataclass(frozen=True)
class Selectors:
    marketplace: Marketplace
    status: StatusRules
    fields: dict[str, FieldSpec]
    page_kinds: dict[str, FieldSpec]
    sources: tuple[str, ...]

    def field(self, name: str) -> FieldSpec:
        try:
            return self.fields[name]
        except KeyError:
            raise ConfigError(
                f"{self.sources[0]}: fields.{name}: missing; the parser needs it"
            ) from None


# ---- loading -----------------------------------------------------------------------------


def builtin_dir() -> Path:
    """The shipped selector files: inside the wheel, or selectors/ in a source tree."""
    packaged = Path(str(resources.files("scraper"))) / "_selectors"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "selectors"


def marketplaces() -> list[str]:
    return sorted(p.stem for p in builtin_dir().glob("*.toml"))


def load_selectors(name: str, override_dir: Path | None = None) -> Selectors:
    """Built-in selectors for marketplace `name`, with the user's overrides applied."""
    builtin = builtin_dir() / f"{name}.toml"
    if not builtin.is_file():
        known = ", ".join(marketplaces())
        raise ConfigError(f"unknown marketplace {name!r}; known: {known}")
    user = (override_dir if override_dir is not None else config_dir()) / f"{name}.toml"
    user_stamp = user.stat().st_mtime_ns if user.is_file() else None
    return _load(builtin, user if user_stamp is not None else None, user_stamp)


@cache
def _load(builtin: Path, user: Path | None, _stamp: int | None) -> Selectors:
    data = _read_toml(builtin)
    sources = [str(builtin)]
    origin = {key: str(builtin) for key in data.get("fields", {})}
    kind_origin = {key: str(builtin) for key in data.get("page_kinds", {})}
    # Which file a merged section's error is reported against: the user's, once they touch it.
    section_origin = {"marketplace": str(builtin), "status": str(builtin)}
    if user is not None:
        overrides = _read_toml(user)
        _check_keys(overrides, _TOP_KEYS, str(user), "")
        for section in ("marketplace", "status"):
            if section in overrides:
                data.setdefault(section, {}).update(overrides[section])
                section_origin[section] = str(user)
        for section, where in (("fields", origin), ("page_kinds", kind_origin)):
            for key, value in overrides.get(section, {}).items():
                data.setdefault(section, {})[key] = value
                where[key] = str(user)
        sources.append(str(user))
    return _build(data, section_origin, origin, kind_origin, tuple(sources))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def _check_keys(table: dict[str, Any], allowed: set[str], path: str, where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        at = f"{where}: " if where else ""
        raise ConfigError(
            f"{path}: {at}unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})"
        )


def _regex(expr: Any, path: str, where: str) -> re.Pattern[str]:
    if not isinstance(expr, str):
        raise ConfigError(f"{path}: {where}: expected a regex string, got {expr!r}")
    try:
        return re.compile(expr)
    except re.error as exc:
        raise ConfigError(f"{path}: {where}: bad regex {expr!r}: {exc}") from None


def _build(
    data: dict[str, Any],
    section_origin: dict[str, str],
    origin: dict[str, str],
    kind_origin: dict[str, str],
    sources: tuple[str, ...],
) -> Selectors:
    _check_keys(data, _TOP_KEYS, section_origin["marketplace"], "")
    fields = {
        name: _field(name, spec, origin[name], f"fields.{name}")
        for name, spec in data.get("fields", {}).items()
    }
    kinds = {
        name: _field(name, spec, kind_origin[name], f"page_kinds.{name}")
        for name, spec in data.get("page_kinds", {}).items()
    }
    return Selectors(
        marketplace=_marketplace(data.get("marketplace", {}), section_origin["marketplace"]),
        status=_status(data.get("status", {}), section_origin["status"]),
        fields=fields,
        page_kinds=kinds,
        sources=sources,
    )


def _marketplace(table: dict[str, Any], path: str) -> Marketplace:
    _check_keys(table, _MARKETPLACE_KEYS, path, "marketplace")
    missing = sorted(_MARKETPLACE_KEYS - set(table))
    if missing:
        raise ConfigError(f"{path}: marketplace: missing key {missing[0]!r}")
    patterns = tuple(
        _regex(p, path, f"marketplace.date_patterns[{i}]")
        for i, p in enumerate(table["date_patterns"])
    )
    for i, pat in enumerate(patterns):
        if not {"month", "day"} <= set(pat.groupindex):
            raise ConfigError(
                f"{path}: marketplace.date_patterns[{i}]: needs named groups month and day"
            )
    detect = tuple(
        _regex(p, path, f"marketplace.detect[{i}]") for i, p in enumerate(table["detect"])
    )
    plain = {k: str(v) for k, v in table.items() if k not in ("date_patterns", "detect")}
    return Marketplace(date_patterns=patterns, detect=detect, **plain)


def _status(table: dict[str, Any], path: str) -> StatusRules:
    _check_keys(table, _STATUS_KEYS, path, "status")
    words = table.get("words", {})
    _check_keys(words, set(STATUS_ORDER), path, "status.words")
    for section in ("codes", "classes"):
        for key, value in table.get(section, {}).items():
            if value not in STATUS_ORDER:
                raise ConfigError(
                    f"{path}: status.{section}.{key}: {value!r} is not one of "
                    f"{', '.join(STATUS_ORDER)}"
                )
    compiled = tuple(
        (
            status,
            tuple(
                _regex(p, path, f"status.words.{status}[{i}]")
                for i, p in enumerate(words.get(status, []))
            ),
        )
        for status in STATUS_ORDER
    )
    return StatusRules(
        codes={k.upper(): v for k, v in table.get("codes", {}).items()},
        classes=dict(table.get("classes", {})),
        words=compiled,
    )


def _field(name: str, spec: Any, path: str, where: str) -> FieldSpec:
    if not isinstance(spec, dict):
        raise ConfigError(f"{path}: {where}: expected a table with a fallbacks list")
    _check_keys(spec, _FIELD_KEYS, path, where)
    raw = spec.get("fallbacks")
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"{path}: {where}: fallbacks must be a non-empty list")
    fallbacks = tuple(_fallback(fb, path, f"{where}.fallbacks[{i}]") for i, fb in enumerate(raw))
    return FieldSpec(name, fallbacks, bool(spec.get("required", False)), path)


def _fallback(table: Any, path: str, where: str) -> Fallback:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {where}: expected an inline table like {{ css = '...' }}")
    _check_keys(table, _FALLBACK_KEYS, path, where)
    kinds = [k for k in _FALLBACK_KINDS if k in table]
    if len(kinds) != 1:
        raise ConfigError(f"{path}: {where}: needs exactly one of css, href, text, html")
    kind = kinds[0]
    expr = table[kind]
    if kind != "css" and ("attr" in table or "pattern" in table):
        raise ConfigError(f"{path}: {where}: attr and pattern go with css only")
    label = f"{kind} {expr}"
    if kind == "css":
        _check_css(expr, path, where)
        pattern = _regex(table["pattern"], path, f"{where}.pattern") if "pattern" in table else None
        return Fallback(kind, expr, label, attr=table.get("attr"), pattern=pattern)
    return Fallback(kind, expr, label, regex=_regex(expr, path, where))


def _check_css(expr: Any, path: str, where: str) -> None:
    if not isinstance(expr, str) or not expr.strip():
        raise ConfigError(f"{path}: {where}: css must be a non-empty selector string")
    try:
        _PROBE.css(expr)
    except SelectolaxError:
        raise ConfigError(f"{path}: {where}: bad CSS selector {expr!r}") from None


# ---- extraction --------------------------------------------------------------------------


class Scope:
    """A part of the page (the document, a card, a shipment) that fields are read from."""

    def __init__(self, node: LexborNode, raw_html: str = "") -> None:
        self.node = node
        self.raw_html = raw_html
        self._text: str | None = None
        self._hrefs: list[str] | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = normalise(self.node.text(separator=" ", strip=True))
        return self._text

    @property
    def hrefs(self) -> list[str]:
        if self._hrefs is None:
            self._hrefs = [h for a in self.node.css("a[href]") if (h := a.attributes.get("href"))]
        return self._hrefs


@dataclass
class MatchLog:
    """Which fallback matched each field, counted over every scope it was read in."""

    used: dict[str, Counter[str]] = field(default_factory=dict)
    missed: Counter[str] = field(default_factory=Counter)

    def hit(self, name: str, label: str) -> None:
        self.used.setdefault(name, Counter())[label] += 1

    def miss(self, name: str) -> None:
        self.missed[name] += 1


def _group(match: re.Match[str]) -> str:
    return (match.group(1) if match.re.groups else match.group(0)).strip()


def _css_values(fb: Fallback, scope: Scope) -> list[str]:
    values = []
    for node in scope.node.css(fb.expr):
        raw = node.attributes.get(fb.attr) if fb.attr else node.text(separator=" ", strip=True)
        if not raw:
            continue
        value = raw if fb.attr else _WS.sub(" ", raw).strip()
        if fb.pattern is not None:
            found = fb.pattern.search(normalise(value))
            if not found:
                continue
            value = _group(found)
        if value:
            values.append(value)
    return values


def _values(fb: Fallback, scope: Scope) -> list[str]:
    if fb.kind == "css":
        return _css_values(fb, scope)
    assert fb.regex is not None
    if fb.kind == "href":
        # Without a group the value is the whole href: the link itself is what we want.
        return [
            _group(m) if fb.regex.groups else h for h in scope.hrefs if (m := fb.regex.search(h))
        ]
    haystack = scope.raw_html if fb.kind == "html" else scope.text
    return [_group(m) for m in fb.regex.finditer(haystack)]


def first_hit(
    spec: FieldSpec, scope: Scope, log: MatchLog | None = None
) -> tuple[list[str], Fallback] | None:
    """The values of the first fallback that yields any, and that fallback."""
    for fb in spec.fallbacks:
        values = _values(fb, scope)
        if values:
            if log is not None:
                log.hit(spec.name, fb.label)
            return values, fb
    if log is not None:
        log.miss(spec.name)
    return None


def read_all(spec: FieldSpec, scope: Scope, log: MatchLog | None = None) -> list[str]:
    hit = first_hit(spec, scope, log)
    return hit[0] if hit else []


def read(spec: FieldSpec, scope: Scope, log: MatchLog | None = None) -> str | None:
    values = read_all(spec, scope, log)
    return values[0] if values else None


def nodes(spec: FieldSpec, scope: Scope, log: MatchLog | None = None) -> list[LexborNode]:
    """Container elements (cards, shipments, items) from the first css fallback that finds
    any, without elements nested inside another match."""
    for fb in spec.fallbacks:
        if fb.kind != "css":
            continue
        found = scope.node.css(fb.expr)
        if found:
            if log is not None:
                log.hit(spec.name, fb.label)
            return _outermost(found)
    if log is not None:
        log.miss(spec.name)
    return []


def _outermost(found: list[LexborNode]) -> list[LexborNode]:
    ids = {n.mem_id for n in found}
    result = []
    for node in found:
        parent = node.parent
        while parent is not None and parent.mem_id not in ids:
            parent = parent.parent
        if parent is None:
            result.append(node)
    return result


def present(spec: FieldSpec, scope: Scope, log: MatchLog | None = None) -> bool:
    """Whether any fallback matches; a css fallback without a pattern needs only the element."""
    for fb in spec.fallbacks:
        hit = (
            bool(scope.node.css_first(fb.expr))
            if fb.kind == "css" and fb.pattern is None
            else bool(_values(fb, scope))
        )
        if hit:
            if log is not None:
                log.hit(spec.name, fb.label)
            return True
    if log is not None:
        log.miss(spec.name)
    return False
