"""What counts as an Amazon order mail, as data: selectors/mail/amazon.toml, or a file the
user hands in.

The file is hostile input like a selector override: unknown keys, wrong types, a
marketplace cancelwatch does not know, a sender that is not an address's local part, a
regex RE2 cannot run (lookaround, backreferences) or an order-id pattern without a group
are refused in one line naming the file and the key. Every regex runs in linear time.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, Field, ValidationError

from cancelwatch.scraper.errors import ConfigError
from cancelwatch.scraper.files import read_toml
from cancelwatch.scraper.read.markup import builtin_dir, marketplaces
from cancelwatch.scraper.read.regex import Pattern, linear_regex
from cancelwatch.scraper.read.selector_schema import _Table, describe, shown

Kind = Literal["cancelled", "delivered", "shipped", "ordered"]
KINDS: tuple[Kind, ...] = get_args(Kind)
"""The order subjects are tried in, first match wins: keyword lists overlap across kinds,
and "Your Amazon.com order #… has shipped" starts like an order confirmation."""
MAX_FILE_BYTES = 200_000
_LOCAL_PART = linear_regex(r"[a-z0-9][a-z0-9._+-]{0,63}")
_DOMAIN = linear_regex(r"([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def _regex(expr: str) -> str:
    linear_regex(expr)
    return expr


def _id_regex(expr: str) -> str:
    if linear_regex(expr).groups < 1:
        raise ValueError(f"{shown(expr)} needs a group: group 1 is the order id")
    return expr


def _shaped(form: Pattern, what: str) -> AfterValidator:
    def check(value: str) -> str:
        if len(value) > 253 or form.fullmatch(value) is None:
            raise ValueError(f"expected {what}, got {shown(value)}")
        return value

    return AfterValidator(check)


def _marketplace(value: str) -> str:
    if value not in marketplaces():
        raise ValueError(f"unknown marketplace {shown(value)} (known: {', '.join(marketplaces())})")
    return value


Regex = Annotated[str, AfterValidator(_regex)]
Patterns = Annotated[list[Regex], Field(max_length=50)]
Domain = Annotated[str, _shaped(_DOMAIN, 'a lower-case domain like "amazon.co.jp"')]
Sender = Annotated[
    str, _shaped(_LOCAL_PART, 'the lower-case part of an address before the @, like "auto-confirm"')
]
Language = Annotated[str, _shaped(linear_regex("[a-z]{2,3}"), 'a language code like "ja"')]
MarketplaceName = Annotated[str, AfterValidator(_marketplace)]


class SenderTable(_Table):
    domains: Annotated[list[Domain], Field(min_length=1, max_length=10)]
    senders: Annotated[list[Sender], Field(min_length=1, max_length=50)]


class SubjectTable(_Table):
    cancelled: Patterns = Field(default_factory=list)
    delivered: Patterns = Field(default_factory=list)
    shipped: Patterns = Field(default_factory=list)
    ordered: Patterns = Field(default_factory=list)


class OrderIdTable(_Table):
    patterns: Annotated[
        list[Annotated[str, AfterValidator(_id_regex)]], Field(min_length=1, max_length=20)
    ]


class MailRulesFile(_Table):
    marketplaces: Annotated[dict[MarketplaceName, SenderTable], Field(min_length=1)]
    subjects: Annotated[dict[Language, SubjectTable], Field(min_length=1)]
    order_ids: OrderIdTable


@dataclass(frozen=True)
class Senders:
    marketplace: str
    domains: tuple[str, ...]
    senders: frozenset[str]


@dataclass(frozen=True)
class SubjectRule:
    kind: Kind
    language: str
    pattern: Pattern


@dataclass(frozen=True)
class MailRules:
    """The checked rules: who may send, which subject is which kind, what an order id is."""

    senders: tuple[Senders, ...]
    subjects: tuple[SubjectRule, ...]
    """In KINDS order: the first match wins."""
    order_ids: tuple[Pattern, ...]
    source: str

    def marketplace_of(self, domain: str) -> Senders | None:
        """The marketplace whose sender domain `domain` (lower case) is."""
        return next((s for s in self.senders if domain in s.domains), None)


def builtin_rules_path() -> Path:
    return builtin_dir() / "mail" / "amazon.toml"


def load_rules(path: Path | None = None) -> MailRules:
    """The rules in `path` (ours when None). Raises ConfigError in one line."""
    return _load(path or builtin_rules_path())


@cache
def _load(path: Path) -> MailRules:
    return rules_from(read_toml(path, MAX_FILE_BYTES)[1], str(path))


def rules_from(data: dict[str, Any], source: str) -> MailRules:
    """A parsed rules document, checked. Raises ConfigError with one line naming `source`."""
    try:
        file = MailRulesFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {describe(exc)}") from None
    _one_owner_per_domain(file, source)
    return MailRules(
        senders=tuple(
            Senders(name, tuple(table.domains), frozenset(table.senders))
            for name, table in file.marketplaces.items()
        ),
        subjects=tuple(
            SubjectRule(kind, language, linear_regex(expr))
            for kind in KINDS
            for language, table in file.subjects.items()
            for expr in getattr(table, kind)
        ),
        order_ids=tuple(linear_regex(expr) for expr in file.order_ids.patterns),
        source=source,
    )


def _one_owner_per_domain(file: MailRulesFile, source: str) -> None:
    owner: dict[str, str] = {}
    for name, table in file.marketplaces.items():
        for domain in table.domains:
            if owner.setdefault(domain, name) != name:
                raise ConfigError(
                    f"{source}: marketplaces.{name}.domains: {shown(domain)} is already a "
                    f"domain of {owner[domain]}; a sender domain belongs to one marketplace"
                )
