"""What config.toml may hold, by meaning and not only by type.

Each table of the file is a pydantic model: finite numbers within ranges that keep a check
gentle on Amazon, durations and clock times parsed in one place, marketplaces and time
zones that exist. A validation error becomes one line naming the key (`[watch]
interval_minutes`) and what is allowed; a value that may hold a token (an Apprise URL) is
never repeated in it.

The models only check the file. `settings` turns them into the frozen dataclasses
the rest of cancelwatch reads, keeping their defaults for every key the file leaves out.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shlex
import shutil
import types
import unicodedata
from datetime import date, time, timedelta
from functools import cache, partial
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from cancelwatch.scheduler.config.wording import Problem, Said, worded
from cancelwatch.scheduler.notify.notice import default_lang
from cancelwatch.scheduler.policy.words import Lang
from cancelwatch.scraper.read.markup import marketplaces

MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)
MAX_DURATION = timedelta(days=3650)
"""No duration in the file is longer: "99999999999d" is refused, not an OverflowError."""

# -- durations, clock times, text -------------------------------------------------------

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"([0-9]{1,9}(?:\.[0-9]{1,6})?)\s*([smhd])", re.IGNORECASE)
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,30}")
_SHOWN_CHARS = 40
_CONTROL = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def duration(text: str, low: timedelta = timedelta(0), high: timedelta = MAX_DURATION) -> timedelta:
    """ "30m", "3h", "1.5d" → a timedelta from `low` to `high` (whole seconds); a Problem
    (a ValueError) that states the range otherwise."""
    wrong = Problem(
        "cfg_duration", low=format_duration(low), high=format_duration(high), got=said_value(text)
    )
    found = _DURATION.fullmatch(text.strip()) if len(text) <= _SHOWN_CHARS else None
    if found is None:
        raise wrong
    # Compared as a float first: timedelta itself overflows on absurd values.
    seconds = round(float(found[1]) * _UNITS[found[2].lower()])
    if not low.total_seconds() <= seconds <= high.total_seconds():
        raise wrong
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The largest whole unit: 86400 s → "1d", 5400 s → "90m", 0 → "0s"."""
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def clock(value: object) -> time:
    """A 24-hour "HH:MM" (or a TOML local time on the minute) → time."""
    if isinstance(value, time) and value.tzinfo is None and not value.second + value.microsecond:
        return value
    found = _CLOCK.fullmatch(value) if isinstance(value, str) else None
    if found is None:
        raise Problem("cfg_clock", got=said_value(value))
    return time(int(found[1]), int(found[2]))


def quoted(text: str) -> str:
    """`text` as a TOML basic string: quotes, backslashes and every non-printable character
    escaped, so it is safe in the file and stays on one line in a message."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char.isprintable():
            out.append(char)
        else:
            code = ord(char)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def toml_key(name: str) -> str:
    """A key as TOML writes it: bare when it can be, quoted otherwise."""
    return name if _BARE_KEY.fullmatch(name) else quoted(name)


def shown(value: object) -> str:
    """A value from the file as a short, one-line, TOML-like text for a message."""
    return str(worded(said_value(value), "en"))


def said_value(value: object) -> Said | str:
    """`shown`, with what is not the value itself ("a table") left to be worded."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        cut = value if len(value) <= _SHOWN_CHARS else value[:_SHOWN_CHARS] + "…"
        return quoted(cut)
    if isinstance(value, int):
        return str(value) if abs(value) < 10**15 else Said.of("cfg_huge")
    if isinstance(value, float | date | time):
        return str(value)
    if isinstance(value, dict):
        return Said.of("cfg_a_table")
    if isinstance(value, list):
        return Said.of("cfg_a_list", n=len(value))
    return type(value).__name__


def _has_control(text: str) -> bool:
    """Control, format (bidi overrides), surrogate, unassigned and line-breaking characters."""
    return any(unicodedata.category(c) in _CONTROL for c in text)


def _text(value: str, *, what: str, longest: int) -> str:
    """`value` when it is a one-line text of `longest` characters at most; `what` is the
    key of the words that name it."""
    if not value.strip() or value != value.strip() or len(value) > longest or _has_control(value):
        what_said = Said.of(what)
        raise Problem("cfg_text", what=what_said, longest=longest, got=said_value(value))
    return value


# -- the meaning of single values ---------------------------------------------------------


def _span(low: timedelta, high: timedelta) -> BeforeValidator:
    return BeforeValidator(partial(_span_of, low=low, high=high))


def _span_of(value: object, *, low: timedelta, high: timedelta) -> timedelta:
    if not isinstance(value, str):
        raise Problem(
            "cfg_span_string",
            low=format_duration(low),
            high=format_duration(high),
            got=said_value(value),
        )
    return duration(value, low, high)


def _marketplace(value: str) -> str:
    if value not in marketplaces():
        raise Problem("cfg_marketplace", known=", ".join(marketplaces()), got=said_value(value))
    return value


_NOT_IN_FILE_NAMES = frozenset('/\\:*?"<>|')


def _account_name(value: str) -> str:
    """An account name also names its files (sessions/NAME.session): one file name on
    every platform, so a name can never point outside that folder."""
    name = _text(value, what="cfg_what_account", longest=64)
    if name.startswith(".") or _NOT_IN_FILE_NAMES.intersection(name):
        raise Problem("cfg_account_file", got=said_value(value))
    return name


def _offset_key(value: str) -> str:
    return _text(value, what="cfg_what_offset", longest=200)


def _executable(value: str) -> str:
    return _text(value, what="cfg_what_executable", longest=4096)


def _base_url(value: str) -> str:
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if (
        not port_ok
        or len(value) > 2000
        or _has_control(value)
        or " " in value
        or parts.scheme not in ("http", "https")
        or not parts.hostname
    ):
        raise Problem("cfg_base_url", got=said_value(value))
    return value


def _apprise_url(value: str) -> str:
    # Never repeat the URL: it holds the channel's token or password.
    scheme, sep, rest = value.partition("://")
    if not (sep and rest and _SCHEME.fullmatch(scheme)):
        raise Problem("cfg_apprise_shape")
    if len(value) > 2000 or _has_control(value) or " " in value:
        raise Problem("cfg_apprise_chars", scheme=scheme)
    return value


_HOST_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def _host(value: str) -> str:
    """A DNS host name (or an IP address): labels of letters, digits and inner hyphens."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        labels = value.removesuffix(".").split(".")
        if len(value) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
            raise Problem("cfg_host", got=said_value(value)) from None
    return value


def _mail_username(value: str) -> str:
    return _text(value, what="cfg_what_user", longest=320)


def _folder(value: str) -> str:
    return _text(value, what="cfg_what_folder", longest=200)


def _password_command(value: str) -> str:
    # Never repeat the command: a careless one may hold the password itself.
    if len(value) > 4000 or _has_control(value):
        raise Problem("cfg_command_line")
    try:
        words = shlex.split(value)
    except ValueError:
        raise Problem("cfg_command_quote") from None
    if not words:
        raise Problem("cfg_command_empty")
    program = words[0]
    if program_path(program) is None:
        raise Problem("cfg_command_program", program=said_value(program))
    return value


def program_path(program: str) -> str | None:
    """The executable a command's first word runs: an absolute path to an executable
    file, or a bare name found on PATH; None otherwise (a relative path depends on the
    folder a service starts in, so it is refused too)."""
    path = Path(program)
    if path.is_absolute():
        return program if path.is_file() and os.access(path, os.X_OK) else None
    if len(path.parts) != 1:
        return None
    return shutil.which(program)


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _zone(value: str) -> str:
    if value in _zones():
        return value
    near = [z for z in _zones() if z.lower() == value.lower()]
    hint = Said.of("cfg_zone_hint", zone=quoted(near[0])) if near else ""
    raise Problem("cfg_zone", got=said_value(value), hint=hint)


def _no_repeats(values: list[timedelta]) -> list[timedelta]:
    seen: set[timedelta] = set()
    for value in values:
        if value in seen:
            raise Problem("cfg_lead_twice", lead=format_duration(value))
        seen.add(value)
    return values


# -- fields -----------------------------------------------------------------------------


_ALLOWED: dict[str, Said] = {}
"""What each key allows, by its English description (the "expected …" text), as words."""


def _described(said: Said) -> str:
    description = said.words("en")
    _ALLOWED[description] = said
    return description


def _number(low: float, high: float, unit: str, why: str = "") -> Any:
    """A finite number from `low` to `high`; `unit` and `why` name words (cfg_unit_*,
    cfg_why_*)."""
    values: dict[str, object] = {"unit": Said.of(unit), "low": f"{low:g}", "high": f"{high:g}"}
    said = Said.of("cfg_number_why", why=Said.of(why), **values) if why else None
    said = said or Said.of("cfg_number", **values)
    return Field(None, ge=low, le=high, description=_described(said))


def _whole(low: int, high: int, unit: str) -> Any:
    said = Said.of("cfg_whole", unit=Said.of(unit), low=low, high=high)
    return Field(None, ge=low, le=high, description=_described(said))


def _about(key: str, /, *, values: dict[str, object] | None = None, **constraints: Any) -> Any:
    """An optional key that allows what the words `key` say."""
    return Field(None, description=_described(Said.of(key, **(values or {}))), **constraints)


def _required(key: str) -> Any:
    return Field(description=_described(Said.of(key)))


Marketplace = Annotated[str, AfterValidator(_marketplace)]
CancelLeads = Annotated[
    list[Annotated[timedelta, _span(MINUTE, 30 * DAY)]], AfterValidator(_no_repeats)
]
ReturnLeads = Annotated[
    list[Annotated[timedelta, _span(MINUTE, 60 * DAY)]], AfterValidator(_no_repeats)
]
SellerWindow = Annotated[timedelta, _span(MINUTE, 30 * DAY)]
PreorderSpan = Annotated[timedelta, _span(timedelta(0), 90 * DAY)]
PreorderOffset = Annotated[timedelta, _span(timedelta(0), 365 * DAY)]
Clock = Annotated[time, BeforeValidator(clock)]


class _Table(BaseModel):
    """Strict: a TOML string is never taken for a number, 1 never for true."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


class MailTable(_Table):
    """[accounts.NAME.mail]: the mailbox Amazon's order mails for this account arrive in.
    The password is never here: it is in the keyring, or printed by password_command."""

    server: Annotated[str, AfterValidator(_host)] = _required("cfg_imap_server")
    port: int | None = _about("cfg_mail_port", ge=1, le=65535)
    username: Annotated[str, AfterValidator(_mail_username)] = _required("cfg_mail_user")
    folder: Annotated[str, AfterValidator(_folder)] | None = _about("cfg_mail_folder")
    auth: Literal["password", "oauth2"] | None = _about("cfg_mail_auth")
    password_command: Annotated[str, AfterValidator(_password_command)] | None = _about(
        "cfg_mail_command"
    )
    authserv_id: Annotated[str, AfterValidator(_host)] = _required("cfg_authserv_id")

    @model_validator(mode="after")
    def _token_from_a_command(self) -> MailTable:
        if self.auth == "oauth2" and self.password_command is None:
            raise Problem("cfg_oauth_command")
        return self


class AccountTable(_Table):
    marketplace: Marketplace | None = _about("cfg_a_marketplace")
    base_url: Annotated[str, AfterValidator(_base_url)] | None = _about("cfg_an_address")
    mail: MailTable | None = _about("cfg_mail_table")


class BrowserTable(_Table):
    executable: Annotated[str, AfterValidator(_executable)] | None = _about("cfg_executable")
    block_resources: bool | None = _about("cfg_bool")


class CrawlTable(_Table):
    delay_seconds: float | None = _number(1, 60, "cfg_unit_seconds", "cfg_why_delay")
    max_pages: int | None = _whole(1, 500, "cfg_unit_pages")
    retries: int | None = _whole(0, 10, "cfg_unit_retries")
    timeout_seconds: float | None = _number(5, 300, "cfg_unit_seconds")
    render_wait_seconds: float | None = _number(0, 120, "cfg_unit_seconds")
    lookback_days: int | None = _whole(1, 3650, "cfg_unit_days")
    refresh_hours: float | None = _number(0, 24, "cfg_unit_hours", "cfg_why_refresh")


class WatchTable(_Table):
    interval_minutes: float | None = _number(
        5,
        1440,
        "cfg_unit_minutes",
        "cfg_why_interval",
    )
    jitter_seconds: float | None = _number(0, 3600, "cfg_unit_seconds")
    dispatch_seconds: float | None = _number(1, 3600, "cfg_unit_seconds")
    min_gap_minutes: float | None = _number(
        2,
        1440,
        "cfg_unit_minutes",
        "cfg_why_gap",
    )
    max_checks_per_day: int | None = _whole(1, 720, "cfg_unit_checks")
    young_every_minutes: float | None = _number(2, 1440, "cfg_unit_minutes")
    young_for_minutes: float | None = _number(0, 1440, "cfg_unit_minutes")


class AlertsTable(_Table):
    cancel_leads: CancelLeads | None = _about(
        "cfg_leads", values={"example": '["24h", "3h", "30m"]'}, max_length=10
    )
    return_leads: ReturnLeads | None = _about(
        "cfg_leads", values={"example": '["3d", "1d"]'}, max_length=10
    )
    account_risk_threshold: int | None = _whole(1, 100, "cfg_unit_cancellations")
    account_risk_days: int | None = _whole(1, 365, "cfg_unit_days")


class QuietTable(_Table):
    start: Clock = _required("cfg_time")
    end: Clock = _required("cfg_time")
    timezone: Annotated[str, AfterValidator(_zone)] | None = _about("cfg_zone_name")

    @model_validator(mode="after")
    def _not_empty(self) -> QuietTable:
        if self.start == self.end:
            raise Problem("cfg_quiet_empty", at=f"{self.start:%H:%M}")
        return self


class NotifyTable(_Table):
    desktop: bool | None = _about("cfg_bool")
    apprise: list[Annotated[str, AfterValidator(_apprise_url)]] | None = _about(
        "cfg_apprise_list", max_length=20
    )
    language: Literal["ja", "en"] | None = _about("cfg_language")


class ServeTable(_Table):
    enabled: bool | None = _about("cfg_bool")
    host: Annotated[str, AfterValidator(_host)] | None = _about("cfg_listen_host")
    port: int | None = _whole(1024, 65535, "cfg_unit_port")


class RulesTable(_Table):
    seller_window: dict[Marketplace, SellerWindow] | None = _about("cfg_seller_window")
    kindle_refund_days: int | None = _whole(1, 90, "cfg_unit_days")
    preorder_lead: PreorderSpan | None = _about("cfg_preorder_lead")
    preorder_offsets: dict[Annotated[str, AfterValidator(_offset_key)], PreorderOffset] | None = (
        _about("cfg_preorder_offsets", max_length=1000)
    )


class ConfigFile(_Table):
    """The whole of config.toml."""

    accounts: dict[Annotated[str, AfterValidator(_account_name)], AccountTable] | None = _about(
        "cfg_accounts", max_length=100
    )
    browser: BrowserTable | None = _about("cfg_table_like", values={"table": "browser"})
    crawl: CrawlTable | None = _about("cfg_table_like", values={"table": "crawl"})
    watch: WatchTable | None = _about("cfg_table_like", values={"table": "watch"})
    alerts: AlertsTable | None = _about("cfg_table_like", values={"table": "alerts"})
    quiet_hours: QuietTable | None = _about("cfg_quiet_table")
    notify: NotifyTable | None = _about("cfg_table_like", values={"table": "notify"})
    rules: RulesTable | None = _about("cfg_table_like", values={"table": "rules"})
    serve: ServeTable | None = _about("cfg_table_like", values={"table": "serve"})


# -- one line per error -----------------------------------------------------------------


def file_language(data: dict[str, Any]) -> Lang:
    """The language to word a problem of the document `data` in: its notify.language when
    that reads as one, else the locale's (the file may be wrong there too)."""
    notify = data.get("notify")
    chosen = notify.get("language") if isinstance(notify, dict) else None
    try:
        lang = default_lang(chosen if isinstance(chosen, str) else None)
    except ValueError:
        lang = default_lang(None)
    return "ja" if lang == "ja" else "en"


def describe(error: ValidationError, lang: Lang = "en") -> str:
    """The first problem pydantic found, in one line in `lang`, and how many more there
    are."""
    errors = error.errors(include_url=False)
    more = len(errors) - 1
    tail = "" if not more else Said.of("cfg_more_one" if more == 1 else "cfg_more", n=more)
    return _line(errors[0]).words(lang) + str(worded(tail, lang))


def _line(error: ErrorDetails) -> Said:
    loc = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        return _unknown(loc)
    where = _where(loc)
    if error["type"] == "value_error":
        found = error.get("ctx", {}).get("error")
        said = found.said if isinstance(found, Problem) else str(found)
        return Said.of("cfg_value_error", where=where, problem=said)
    field, _ = _walk(loc)
    description = field.description if field is not None else None
    allowed = _ALLOWED.get(description or "", Said.of("cfg_another_value"))
    if error["type"] == "missing":
        return Said.of("cfg_missing", where=where, allowed=allowed)
    secret = loc[:2] == ("notify", "apprise") or "password_command" in loc
    got = Said.of("cfg_not_shown") if secret else said_value(error["input"])
    return Said.of("cfg_expected", where=where, allowed=allowed, got=got)


def _unknown(loc: tuple[int | str, ...]) -> Said:
    _, model = _walk(loc[:-1])
    known = ", ".join(sorted(model.model_fields)) if model is not None else Said.of("cfg_none")
    name = ".".join(toml_key(shown_key(part)) for part in loc)
    if not loc[:-1]:
        return Said.of("cfg_unknown_key", name=name, known=known)
    table = ".".join(toml_key(shown_key(p)) for p in loc[:-1])
    return Said.of("cfg_unknown_key_in", name=name, table=table, known=known)


def shown_key(part: int | str) -> str:
    text = str(part)
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…"


def _where(loc: tuple[int | str, ...]) -> Said | str:
    """("accounts", "main", "base_url") → "[accounts.main] base_url", ("accounts",) →
    "accounts"; list positions and a bad dict key itself (the message shows it) are left
    out."""
    parts = [shown_key(p) for p in loc if isinstance(p, str)]
    if parts and parts[-1] == "[key]":
        parts = parts[:-2]
    if len(parts) < 2:
        return toml_key(parts[0]) if parts else Said.of("cfg_the_file")
    head, rest = parts[0], parts[1:]
    if head == "accounts" and rest:
        head, rest = f"accounts.{toml_key(rest[0])}", rest[1:]
    table = f"[{head}]"
    return f"{table} {'.'.join(toml_key(p) for p in rest)}" if rest else table


def _walk(loc: tuple[int | str, ...]) -> tuple[FieldInfo | None, type[BaseModel] | None]:
    """The field a location ends at, and the model that holds keys there."""
    annotation: Any = ConfigFile
    field: FieldInfo | None = None
    for part in loc:
        annotation = _bare(annotation)
        if not isinstance(part, str) or part == "[key]":
            break
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(part)
            if field is None:
                return None, None
            annotation = field.annotation
        elif get_origin(annotation) is dict:
            annotation = get_args(annotation)[1]
        else:
            break
    annotation = _bare(annotation)
    model = (
        annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    )
    return field, model


def _bare(annotation: Any) -> Any:
    """Without Annotated[...] and `| None`."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            annotation = next(a for a in get_args(annotation) if a is not type(None))
        else:
            return annotation
