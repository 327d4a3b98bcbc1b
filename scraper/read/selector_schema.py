"""What a selector file may hold: ours (`selectors/*.toml`) and a user's override of one.

Each table is a pydantic model that refuses unknown keys and wrong types. Every regex is
compiled by RE2 (google-re2), whose matching time grows linearly with the text, so no page
can stall a pattern, ours or the user's; a pattern RE2 cannot run (lookaround,
backreferences) is refused with the reason. An error is one line: file, key, what is wrong.
"""

from __future__ import annotations

import difflib
import string
from collections.abc import Sequence
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails
from selectolax.lexbor import LexborHTMLParser, SelectolaxError

from cancelwatch.scraper.errors import ConfigError
from cancelwatch.scraper.read.regex import linear_regex

Status = Literal[
    "cancelled", "returned", "delivered", "pending", "preparing", "shipped", "in_transit"
]
STATUS_ORDER: tuple[str, ...] = get_args(Status)
"""The order status words are tried in: cancelled and returned before the words that a
cancelled or returned order's shipment may still print."""
FIELD_NAMES = (
    *("order_card", "order_count", "next_page", "order_link_id", "order_search"),
    *("order_id", "placed_on", "total", "details_link", "cancel_link", "cancel_request"),
    *("tracking_link", "digital", "order_cancelled", "preorder", "release_date"),
    *("cancel_deadline", "return_until", "left_at_door", "handed_over"),
    *("approval_rejected", "approval_pending", "approval_approved"),
    *("shipment", "shipment_primary", "shipment_secondary", "status_code"),
    *("item", "item_title", "item_url", "item_asin", "item_quantity", "item_seller"),
    *("details_total", "carrier", "tracking_id", "tracking_status", "details_root"),
    *("auth_email_input", "auth_password_input", "auth_error"),
)
"""Every field the parser reads: a selector file of ours defines each of them."""
PAGE_KIND_NAMES = (
    *("challenge", "captcha", "otp", "sign_in", "error", "tracking"),
    *("order_details", "digital_order", "order_list_shell"),
)
FALLBACK_KINDS = ("css", "href", "text", "html", "label")
LabelName = Literal["card", "order_id", "placed", "total", "return_until"]
"""What a label fallback reads: "card" finds order cards by their ids, the others a value
by the texts of [labels.LANGUAGE] under the same name."""
LABEL_TEXTS = ("order_id", "placed", "total", "ship_to", "return_until")
"""The names a [labels.LANGUAGE] table may give texts for. ship_to is read by no field:
it marks where a value ends ("Total" above "Ship to" has no value)."""
_SHOWN = 40
_LABEL_CHARS = 60
_PROBE = LexborHTMLParser("<p></p>")


def _regex(expr: str) -> str:
    linear_regex(expr)
    return expr


def _date_regex(expr: str) -> str:
    if not {"month", "day"} <= set(linear_regex(expr).groupindex):
        raise ValueError(f"{shown(expr)} needs named groups month and day, like (?P<month>…)")
    return expr


def _css(expr: str) -> str:
    if not expr.strip():
        raise ValueError("css must be a non-empty selector")
    try:
        _PROBE.css(expr)
    except SelectolaxError:
        raise ValueError(f"bad CSS selector {shown(expr)}") from None
    return expr


def _url_path(*allowed: str) -> AfterValidator:
    def check(value: str) -> str:
        if not value.startswith("/"):
            raise ValueError(f"expected a path starting with /, got {shown(value)}")
        try:
            parts = list(string.Formatter().parse(value))
        except ValueError as exc:
            raise ValueError(f"{shown(value)}: {exc}") from None
        for _, name, spec, conversion in parts:
            if name is not None and (name not in allowed or spec or conversion):
                raise ValueError(
                    f"{shown(value)}: {{{name}}} is not a placeholder it may hold "
                    f"(allowed: {', '.join('{' + a + '}' for a in allowed)})"
                )
        return value

    return AfterValidator(check)


def _base_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.path not in ("", "/"):
        raise ValueError(f'expected an address like "https://www.amazon.com", got {shown(value)}')
    return value


def _shape(form: str, description: str) -> AfterValidator:
    compiled = linear_regex(form)

    def check(value: str) -> str:
        if len(value) > _SHOWN or compiled.fullmatch(value) is None:
            raise ValueError(f"expected {description}, got {shown(value)}")
        return value

    return AfterValidator(check)


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ValueError, KeyError, OSError):
        raise ValueError(f'{shown(value)} is not a time-zone name like "Asia/Tokyo"') from None
    return value


Regex = Annotated[str, AfterValidator(_regex)]
DateRegex = Annotated[str, AfterValidator(_date_regex)]
Patterns = Annotated[list[Regex], Field(max_length=50)]


class _Table(BaseModel):
    """Strict: a TOML string is never taken for a bool, nor a number for a string."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(str(key) for key in data if key not in cls.model_fields)
            if unknown:
                raise ValueError(
                    f"unknown key {shown(unknown[0])} (allowed: {', '.join(cls.model_fields)})"
                )
        return data


class FallbackTable(_Table):
    css: Annotated[str, AfterValidator(_css)] | None = None
    href: Regex | None = None
    text: Regex | None = None
    html: Regex | None = None
    label: LabelName | None = None
    attr: str | None = None
    pattern: Regex | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> FallbackTable:
        kinds = [k for k in FALLBACK_KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"needs exactly one of {', '.join(FALLBACK_KINDS)}")
        stray_attr = kinds[0] != "css" and self.attr is not None
        if stray_attr or (kinds[0] not in ("css", "label") and self.pattern is not None):
            raise ValueError("attr and pattern go with css only (and pattern with label)")
        return self


class FieldTable(_Table):
    fallbacks: Annotated[list[FallbackTable], Field(min_length=1, max_length=50)]
    required: bool = False


def _label_text(value: str) -> str:
    if not value.strip() or len(value) > _LABEL_CHARS:
        raise ValueError(
            f"a label is 1 to {_LABEL_CHARS} characters of page text, got {shown(value)}"
        )
    return value


LabelTexts = Annotated[
    list[Annotated[str, AfterValidator(_label_text)]], Field(min_length=1, max_length=20)
]
LanguageCode = Annotated[str, _shape("[a-z]{2,3}", 'a language code like "ja"')]


class LanguageLabels(_Table):
    """The labels of one language, as the page prints them (matched NFKC, any case)."""

    order_id: LabelTexts | None = None
    placed: LabelTexts | None = None
    total: LabelTexts | None = None
    ship_to: LabelTexts | None = None
    return_until: LabelTexts | None = None


class LabelsTable(_Table):
    """[labels]: how the label tier finds an order (id_pattern, details_link: regexes whose
    group 1 is the id) and, in [labels.LANGUAGE], the labels it reads values by."""

    id_pattern: Regex | None = None
    details_link: Regex | None = None
    languages: dict[LanguageCode, LanguageLabels] = {}

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        # Replaces _Table's check: every key but the two patterns names a language.
        if not isinstance(data, dict):
            return data
        plain = {k: v for k, v in data.items() if k in ("id_pattern", "details_link")}
        return {**plain, "languages": {k: v for k, v in data.items() if k not in plain}}


class MarketplaceTable(_Table):
    name: str | None = None
    base_url: Annotated[str, AfterValidator(_base_url)] | None = None
    order_list_url: Annotated[str, _url_path("year", "start")] | None = None
    order_details_url: Annotated[str, _url_path("order_id")] | None = None
    language: Annotated[str, _shape("[a-z]{2,3}", 'a language code like "ja"')] | None = None
    currency: Annotated[str, _shape("[A-Z]{3}", 'a currency code like "JPY"')] | None = None
    country: Annotated[str, _shape("[A-Z]{2}", 'a country code like "JP"')] | None = None
    timezone: Annotated[str, AfterValidator(_zone)] | None = None
    date_patterns: Annotated[list[DateRegex], Field(min_length=1, max_length=50)] | None = None
    detect: Patterns | None = None


class WordsTable(_Table):
    cancelled: Patterns = []
    returned: Patterns = []
    delivered: Patterns = []
    pending: Patterns = []
    preparing: Patterns = []
    shipped: Patterns = []
    in_transit: Patterns = []


class StatusTable(_Table):
    codes: dict[str, Status] | None = None
    classes: dict[str, Status] | None = None
    words: WordsTable | None = None


class SelectorFile(_Table):
    """A selector file; in an override every table and key is optional."""

    marketplace: MarketplaceTable | None = None
    status: StatusTable | None = None
    page_kinds: dict[str, FieldTable] | None = None
    labels: LabelsTable | None = None
    fields: dict[str, FieldTable] | None = None

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, value: dict[str, FieldTable] | None) -> dict[str, FieldTable] | None:
        _known("field", value or {}, FIELD_NAMES)
        for name, spec in (value or {}).items():
            if any(fb.html is not None for fb in spec.fallbacks):
                raise ValueError(
                    f"{name}: html fallbacks read the whole raw page and go under "
                    "[page_kinds] only; use text or css here"
                )
        return value

    @field_validator("page_kinds")
    @classmethod
    def _known_kinds(cls, value: dict[str, FieldTable] | None) -> dict[str, FieldTable] | None:
        _known("page kind", value or {}, PAGE_KIND_NAMES)
        return value


def _known(what: str, table: dict[str, Any], known: Sequence[str]) -> None:
    for name in table:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            guess = f"; did you mean {close[0]}?" if close else ""
            raise ValueError(
                f"unknown {what} {shown(name)}{guess} (known {what}s: {', '.join(known)})"
            )


def validate(data: dict[str, Any], path: str) -> SelectorFile:
    """The file's tables, checked. Raises ConfigError with one line naming `path`."""
    try:
        return SelectorFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {describe(exc)}") from None


# ---- one line per error ----------------------------------------------------------------


def describe(error: ValidationError) -> str:
    """The first problem pydantic found as "where: what", and how many more there are."""
    errors = error.errors(include_url=False)
    more = len(errors) - 1
    tail = f" (and {more} more {'problem' if more == 1 else 'problems'})" if more else ""
    return _line(errors[0]) + tail


_EXPECTED = {
    "dict_type": "a table",
    "model_type": "a table",
    "list_type": "a list",
    "string_type": "a string",
    "bool_type": "true or false",
}


def _line(error: ErrorDetails) -> str:
    where = _where(tuple(error["loc"]))
    kind = error["type"]
    ctx = error.get("ctx", {})
    if kind == "value_error":
        message = str(ctx.get("error"))
    elif kind in _EXPECTED:
        message = f"expected {_EXPECTED[kind]}, got {shown(error['input'])}"
    elif kind == "literal_error":
        message = f"{shown(error['input'])} is not one of {', '.join(STATUS_ORDER)}"
    elif kind == "too_short":
        message = "must not be empty"
    elif kind == "too_long":
        message = f"holds more than {ctx.get('max_length')} items"
    else:
        message = error["msg"]
    return f"{where}: {message}" if where else message


def _where(loc: tuple[int | str, ...]) -> str:
    """("fields", "order_id", "fallbacks", 0, "text") → "fields.order_id.fallbacks[0].text"."""
    out = ""
    for part in loc:
        if part in ("[key]", "languages"):
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def shown(value: object) -> str:
    """A value from the file as a short, one-line text for a message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value if len(value) <= _SHOWN else value[:_SHOWN] + "…")
    if isinstance(value, int | float):
        return str(value) if abs(value) < 10**15 else "a huge number"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return type(value).__name__
