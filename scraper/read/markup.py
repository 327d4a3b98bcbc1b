"""Selectors as data: load `selectors/*.toml` with the user's overrides, and extract fields.

Each field has an ordered fallback list. Extraction tries them in order and remembers
which one matched, so `cancelwatch doctor` can say what still works after Amazon
changes its markup, and a user can patch one field in their config directory. What a file
may hold is checked in `selector_schema`; every regex runs on RE2, in linear time.
"""

from __future__ import annotations

import importlib
import re
import warnings
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from itertools import accumulate
from pathlib import Path
from typing import Any, Literal

from selectolax.lexbor import LexborNode

from cancelwatch.scraper.errors import ConfigError
from cancelwatch.scraper.files import read_toml
from cancelwatch.scraper.paths import config_dir
from cancelwatch.scraper.read import labels
from cancelwatch.scraper.read.regex import Match, Pattern, linear_regex
from cancelwatch.scraper.read.selector_schema import (
    FIELD_NAMES,
    LABEL_TEXTS,
    STATUS_ORDER,
    FieldTable,
    LabelsTable,
    SelectorFile,
    validate,
)
from cancelwatch.scraper.read.text import WS
from cancelwatch.scraper.read.text import normalise as normalise  # noqa: PLC0414  (re-exported)

FallbackKind = Literal["css", "href", "text", "html", "label"]
_FALLBACK_KINDS: tuple[FallbackKind, ...] = ("css", "href", "text", "html", "label")
_MAX_FILE_BYTES = 1024 * 1024
# A pattern without these characters is a plain string: counted with str.count, no regex.
_PLAIN = re.compile(r"[^.^$*+?{}\[\]\\|()]*")


@dataclass(frozen=True)
class Fallback:
    kind: FallbackKind
    expr: str
    label: str
    regex: Pattern | None = None
    attr: str | None = None
    pattern: Pattern | None = None
    plain: str | None = None
    """The text itself when a text or html pattern holds no regex syntax."""
    joinable: bool = False
    """An href pattern that can run once over all of a scope's links joined (no anchors,
    no empty match): one RE2 call instead of one per link."""
    tier: LabelTier | None = None
    """For a label fallback: the texts it reads by, or how it finds a card."""


@dataclass(frozen=True)
class LabelTier:
    """What one label fallback needs from [labels]: casefolded label texts (those of its
    field, and every label, where a value stops), or the patterns that find an order."""

    texts: tuple[str, ...] = ()
    stops: frozenset[str] = frozenset()
    id_pattern: Pattern | None = None
    details_link: Pattern | None = None
    id_chars: int = 0
    """The fewest characters a text that `id_pattern` matches can hold: shorter texts (most
    of a page's) are skipped before RE2, whose every call costs more than the check."""


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
    date_patterns: tuple[Pattern, ...]
    detect: tuple[Pattern, ...]


@dataclass(frozen=True)
class StatusRules:
    codes: dict[str, str]
    classes: dict[str, str]
    words: tuple[tuple[str, tuple[Pattern, ...]], ...]
    in_lines: tuple[tuple[str, Pattern], ...] = ()
    """The same words per status, over many lines joined by newlines at once: `^` is a
    line's start. The label tier reads a card's status with one RE2 call per status."""


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
    """The shipped selector files. selectors/ sits beside scraper/ both in the source tree
    and in the installed package (cancelwatch/selectors), so one path serves both."""
    return Path(__file__).resolve().parent.parent.parent / "selectors"


def marketplaces() -> list[str]:
    return sorted(p.stem for p in builtin_dir().glob("*.toml"))


def stray_overrides(override_dir: Path | None = None) -> list[str]:
    """Warnings for selector files in the config directory that no marketplace reads (a
    misspelt "amazon.con.toml" would otherwise be ignored without a word)."""
    folder = override_dir if override_dir is not None else config_dir()
    try:
        names = sorted(p.name for p in folder.glob("*.toml") if p.name != "config.toml")
    except OSError:
        return []
    known = marketplaces()
    return [
        f"{folder / name}: not a marketplace cancelwatch knows ({', '.join(known)}), so "
        "no page reads it; name a selector override after its marketplace"
        for name in names
        if name.removesuffix(".toml") not in known
    ]


def load_selectors(name: str, override_dir: Path | None = None) -> Selectors:
    """Built-in selectors for marketplace `name`, with the user's overrides applied."""
    builtin = builtin_dir() / f"{name}.toml"
    if name not in marketplaces():
        known = ", ".join(marketplaces())
        raise ConfigError(f"unknown marketplace {name!r}; known: {known}")
    user = (override_dir if override_dir is not None else config_dir()) / f"{name}.toml"
    stamp = _stamp(user)
    return _load(builtin, user if stamp is not None else None, stamp)


def _stamp(path: Path) -> tuple[int, int] | None:
    """When and how big the override last was, to reload it once edited; None without one."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    except OSError:
        return (-1, -1)  # reading it will say what is wrong
    return (info.st_mtime_ns, info.st_size)


@cache
def _load(builtin: Path, user: Path | None, _stamp: tuple[int, int] | None) -> Selectors:
    base = validate(_read_toml(builtin), str(builtin))
    name = builtin.stem
    _check_name(base, name, builtin)
    tables = _Tables.of(base, str(builtin))
    sources = [str(builtin)]
    if user is not None:
        override = validate(_read_toml(user), str(user))
        _check_name(override, name, user)
        tables.apply(override, str(user))
        sources.append(str(user))
    return tables.build(str(builtin), tuple(sources))


def _check_name(file: SelectorFile, name: str, path: Path) -> None:
    given = file.marketplace.name if file.marketplace else None
    if given is not None and given != name:
        raise ConfigError(
            f"{path}: marketplace.name: {given!r} is not this file's marketplace {name!r}; "
            f"a selector file holds the marketplace it is named after"
        )


def _read_toml(path: Path) -> dict[str, Any]:
    return read_toml(path, _MAX_FILE_BYTES)[1]


@dataclass
class _Tables:
    """The built-in file's tables with an override's applied, and where each came from."""

    marketplace: dict[str, Any]
    status: dict[str, Any]
    fields: dict[str, tuple[FieldTable, str]]
    page_kinds: dict[str, tuple[FieldTable, str]]
    label_patterns: dict[str, str] = field(default_factory=dict)
    label_texts: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    @classmethod
    def of(cls, file: SelectorFile, path: str) -> _Tables:
        tables = cls({}, {}, {}, {})
        tables.apply(file, path)
        return tables

    def apply(self, file: SelectorFile, path: str) -> None:
        """An override replaces whole fields, and single keys of [marketplace] and [status]."""
        if file.marketplace is not None:
            self.marketplace.update(file.marketplace.model_dump(exclude_unset=True))
        if file.status is not None:
            self.status.update(file.status.model_dump(exclude_unset=True))
        for name, spec in (file.fields or {}).items():
            self.fields[name] = (spec, path)
        for name, spec in (file.page_kinds or {}).items():
            self.page_kinds[name] = (spec, path)
        if file.labels is not None:
            self._apply_labels(file.labels)

    def _apply_labels(self, table: LabelsTable) -> None:
        """An override replaces single patterns, and single label lists of a language."""
        self.label_patterns.update(
            table.model_dump(exclude_unset=True, include={"id_pattern", "details_link"})
        )
        for language, texts in table.languages.items():
            given = texts.model_dump(exclude_none=True)
            self.label_texts.setdefault(language, {}).update(given)

    def build(self, builtin: str, sources: tuple[str, ...]) -> Selectors:
        missing = sorted(set(Marketplace.__dataclass_fields__) - set(self.marketplace))
        if missing:
            raise ConfigError(f"{builtin}: marketplace: missing key {missing[0]!r}")
        absent = [name for name in FIELD_NAMES if name not in self.fields]
        if absent:
            raise ConfigError(f"{builtin}: fields.{absent[0]}: missing; the parser needs it")
        tiers = self._tiers(builtin)
        return Selectors(
            marketplace=_marketplace(self.marketplace),
            status=_status(self.status),
            fields={name: _field(name, *entry, tiers) for name, entry in self.fields.items()},
            page_kinds={
                name: _field(name, *entry, tiers) for name, entry in self.page_kinds.items()
            },
            sources=sources,
        )

    def _tiers(self, builtin: str) -> dict[str, LabelTier]:
        """Per label name, what its fallbacks read by; a name the file uses but gives no
        texts (or no id patterns) for is an error, not a tier that never matches."""
        texts = {
            name: tuple(
                normalise(t).casefold()
                for language in self.label_texts.values()
                for t in language.get(name, [])
            )
            for name in LABEL_TEXTS
        }
        stops = frozenset(t for group in texts.values() for t in group)
        tiers = {name: LabelTier(group, stops) for name, group in texts.items() if group}
        patterns = self.label_patterns
        if "id_pattern" in patterns and "details_link" in patterns:
            id_pattern = linear_regex(patterns["id_pattern"])
            tiers["card"] = LabelTier(
                id_pattern=id_pattern,
                details_link=linear_regex(patterns["details_link"]),
                id_chars=_min_chars(patterns["id_pattern"]),
            )
        for name, (spec, path) in [*self.fields.items(), *self.page_kinds.items()]:
            for fb in spec.fallbacks:
                if fb.label is not None and fb.label not in tiers:
                    need = (
                        "[labels] id_pattern and details_link"
                        if fb.label == "card"
                        else f"texts for {fb.label} in a [labels.LANGUAGE] table"
                    )
                    raise ConfigError(
                        f"{path}: fields.{name}: label {fb.label!r} needs {need}; "
                        f"add them to the file (see {builtin})"
                    )
        return tiers


def _min_chars(expr: str) -> int:
    """The fewest characters `expr` can match, by Python's own regex parser (private, so
    looked up here); 0, no bound, where that parser is gone or reads the pattern otherwise."""
    try:
        parser: Any = importlib.import_module("re._parser")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            low = int(parser.parse(expr).getwidth()[0])
    except Exception:  # any failure only drops the bound
        return 0
    return max(low, 0)


def _marketplace(table: dict[str, Any]) -> Marketplace:
    patterns = tuple(linear_regex(p) for p in table["date_patterns"])
    detect = tuple(linear_regex(p) for p in table["detect"])
    plain = {k: v for k, v in table.items() if k not in ("date_patterns", "detect")}
    return Marketplace(date_patterns=patterns, detect=detect, **plain)


def _status(table: dict[str, Any]) -> StatusRules:
    words = table.get("words") or {}
    return StatusRules(
        codes={k.upper(): v for k, v in (table.get("codes") or {}).items()},
        classes=dict(table.get("classes") or {}),
        words=tuple((status, _any_of(words.get(status, []))) for status in STATUS_ORDER),
        in_lines=tuple(
            (status, linear_regex("(?m)" + "|".join(f"(?:{p})" for p in words[status])))
            for status in STATUS_ORDER
            if words.get(status)
        ),
    )


def _any_of(patterns: list[str]) -> tuple[Pattern, ...]:
    """A status's word patterns as one alternation: one RE2 call per line, not one each."""
    return (linear_regex("|".join(f"(?:{p})" for p in patterns)),) if patterns else ()


def _field(name: str, spec: FieldTable, path: str, tiers: dict[str, LabelTier]) -> FieldSpec:
    fallbacks = tuple(_fallback(fb, tiers) for fb in spec.fallbacks)
    return FieldSpec(name, fallbacks, spec.required, path)


def _fallback(table: Any, tiers: dict[str, LabelTier]) -> Fallback:
    kind = next(k for k in _FALLBACK_KINDS if getattr(table, k) is not None)
    expr: str = getattr(table, kind)
    label = f"{kind} {expr}"
    if kind == "label":
        pattern = linear_regex(table.pattern) if table.pattern is not None else None
        return Fallback(kind, expr, label, pattern=pattern, tier=tiers[expr])
    if kind == "css":
        pattern = linear_regex(table.pattern) if table.pattern is not None else None
        return Fallback(kind, expr, label, attr=table.attr, pattern=pattern)
    regex = linear_regex(expr)
    plain = expr if kind != "href" and _PLAIN.fullmatch(expr) else None
    joinable = kind == "href" and _joinable(expr, regex)
    return Fallback(kind, expr, label, regex=regex, plain=plain, joinable=joinable)


def _joinable(expr: str, regex: Pattern) -> bool:
    anchors = ("^", "$", "\\A", "\\z")
    return not any(a in expr.replace("[^", "[") for a in anchors) and regex.search("") is None


# ---- extraction --------------------------------------------------------------------------


class Scope:
    """A part of the page (the document, a card, a shipment) that fields are read from."""

    def __init__(self, node: LexborNode, raw_html: str = "") -> None:
        self.node = node
        self.raw_html = raw_html
        self._text: str | None = None
        self._hrefs: list[str] | None = None
        self._encoded: dict[str, bytes] = {}
        self._links: tuple[bytes, list[int]] | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = normalise(self.node.text(separator=" ", strip=True))
        return self._text

    def encoded(self, kind: str) -> bytes:
        """The text (or for "html" the raw page) as UTF-8, once: RE2 reads bytes, and would
        otherwise encode the whole text again for every pattern."""
        if kind not in self._encoded:
            text = self.raw_html if kind == "html" else self.text
            self._encoded[kind] = text.encode("utf-8", "surrogatepass")
        return self._encoded[kind]

    @property
    def hrefs(self) -> list[str]:
        if self._hrefs is None:
            self._hrefs = [h for a in self.node.css("a[href]") if (h := a.attributes.get("href"))]
        return self._hrefs

    def links(self) -> tuple[bytes, list[int]]:
        """The hrefs as UTF-8 joined by NUL (the parser turns NUL in a value into U+FFFD, so
        none holds one), and where each starts."""
        if self._links is None:
            parts = [h.encode("utf-8", "surrogatepass") for h in self.hrefs]
            starts = list(accumulate((len(p) + 1 for p in parts[:-1]), initial=0))
            self._links = (b"\x00".join(parts), starts if parts else [])
        return self._links


@dataclass
class MatchLog:
    """Which fallback matched each field, counted over every scope it was read in."""

    used: dict[str, Counter[str]] = field(default_factory=dict)
    missed: Counter[str] = field(default_factory=Counter)

    def hit(self, name: str, label: str) -> None:
        self.used.setdefault(name, Counter())[label] += 1

    def miss(self, name: str) -> None:
        self.missed[name] += 1


def _group(match: Match) -> str:
    value = match.group(1) if match.re.groups else match.group(0)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    # An optional group that took no part in the match gives None.
    return (value or "").strip()


def _css_values(fb: Fallback, scope: Scope) -> list[str]:
    values = []
    for node in scope.node.css(fb.expr):
        raw = node.attributes.get(fb.attr) if fb.attr else node.text(separator=" ", strip=True)
        if not raw:
            continue
        value = raw if fb.attr else WS.sub(" ", raw).strip()
        if fb.pattern is not None:
            found = fb.pattern.search(normalise(value))
            if not found:
                continue
            value = _group(found)
        if value:
            values.append(value)
    return values


def _label_values(fb: Fallback, scope: Scope) -> list[str]:
    assert fb.tier is not None
    return labels.values(scope.node, fb.tier.texts, fb.tier.stops, fb.pattern)


def _values(fb: Fallback, scope: Scope) -> list[str]:
    if fb.kind == "css":
        return _css_values(fb, scope)
    if fb.kind == "label":
        return _label_values(fb, scope)
    assert fb.regex is not None
    if fb.kind == "href":
        return _href_values(fb.regex, fb.joinable, scope)
    if fb.plain is not None:
        haystack = scope.raw_html if fb.kind == "html" else scope.text
        return [fb.plain.strip()] * haystack.count(fb.plain) if fb.plain.strip() else []
    return [_group(m) for m in fb.regex.finditer(scope.encoded(fb.kind))]


def _href_values(regex: Pattern, joinable: bool, scope: Scope) -> list[str]:
    """The first match in each link; without a group the value is the whole href: the link
    itself is what we want."""
    hits = _joined_hits(regex, scope) if joinable else None
    if hits is None:
        hits = [(i, m) for i, h in enumerate(scope.hrefs) if (m := regex.search(h))]
    return [_group(m) if regex.groups else scope.hrefs[i] for i, m in hits]


def _joined_hits(regex: Pattern, scope: Scope) -> list[tuple[int, Match]] | None:
    """Per link, its first match, from one search of all links joined; None when a match
    runs across links, so that each link must be searched alone."""
    blob, starts = scope.links()
    hits: list[tuple[int, Match]] = []
    for match in regex.finditer(blob):
        if b"\x00" in match.group(0):
            return None
        index = bisect_right(starts, match.start()) - 1
        if not hits or hits[-1][0] != index:
            hits.append((index, match))
    return hits


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
        if fb.kind == "label" and fb.tier is not None and fb.tier.id_pattern is not None:
            found = _label_cards(fb.tier, scope)
        elif fb.kind == "css":
            found = scope.node.css(fb.expr)
        else:
            continue
        if found:
            if log is not None:
                log.hit(spec.name, fb.label)
            return _outermost(found)
    if log is not None:
        log.miss(spec.name)
    return []


def cards(spec: FieldSpec, scope: Scope, log: MatchLog | None = None) -> list[LexborNode]:
    """Order cards: the outermost elements that any css fallback finds, in page order, so
    that cards of two layouts side by side are all read; without any, the label tier's."""
    found = _found(spec, scope.node, None)
    if not found:
        return nodes(spec, scope, log)
    if log is not None:
        for label in dict.fromkeys(fb.label for _, fb in found):
            log.hit(spec.name, label)
    return [node for node, _ in found]


def inside(spec: FieldSpec, node: LexborNode) -> list[tuple[LexborNode, Fallback]]:
    """Elements that a css fallback of `spec` finds strictly inside `node`, outermost only,
    in page order, each with the first fallback that found it: a card of one layout nested
    in a card of another. Each query reads `node`'s subtree only."""
    return _found(spec, node, node.mem_id)


def _found(
    spec: FieldSpec, node: LexborNode, skip: int | None
) -> list[tuple[LexborNode, Fallback]]:
    found: dict[int, tuple[LexborNode, Fallback]] = {}
    for fb in spec.fallbacks:
        if fb.kind == "css":
            for n in node.css(fb.expr):
                if n.mem_id != skip:
                    found.setdefault(n.mem_id, (n, fb))
    kept = {n.mem_id for n in _outermost([n for n, _ in found.values()])}
    result = [found[i] for i in found if i in kept]
    if len({fb.label for _, fb in result}) < 2:
        return result  # one query's finds are in page order already
    order = {n.mem_id: i for i, n in enumerate(node.traverse()) if n.mem_id in kept}
    return sorted(result, key=lambda pair: order[pair[0].mem_id])


def without_inner(spec: FieldSpec, node: LexborNode) -> LexborNode:
    """A detached copy of `node` without the elements `inside` finds in it, so that a card
    reads none of the values of the cards nested in it; the page itself stays whole."""
    copy = node.clone()
    for nested, _ in inside(spec, copy):
        nested.decompose()
    return copy


def _label_cards(tier: LabelTier, scope: Scope) -> list[LexborNode]:
    assert tier.id_pattern is not None and tier.details_link is not None
    return labels.cards(scope.node, tier.id_pattern, tier.details_link, tier.id_chars)


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
