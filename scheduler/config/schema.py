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
    """ "30m", "3h", "1.5d" → a timedelta from `low` to `high` (whole seconds); a ValueError
    that states the range otherwise."""
    allowed = (
        f"a duration from {format_duration(low)} to {format_duration(high)}, "
        'like "30m", "3h" or "3d"'
    )
    found = _DURATION.fullmatch(text.strip()) if len(text) <= _SHOWN_CHARS else None
    if found is None:
        raise ValueError(f"expected {allowed}, got {shown(text)}")
    # Compared as a float first: timedelta itself overflows on absurd values.
    seconds = round(float(found[1]) * _UNITS[found[2].lower()])
    if not low.total_seconds() <= seconds <= high.total_seconds():
        raise ValueError(f"expected {allowed}, got {shown(text)}")
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
        raise ValueError(f'expected a 24-hour time as HH:MM, like "22:00", got {shown(value)}')
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
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        cut = value if len(value) <= _SHOWN_CHARS else value[:_SHOWN_CHARS] + "…"
        return quoted(cut)
    if isinstance(value, int):
        return str(value) if abs(value) < 10**15 else "a huge number"
    if isinstance(value, float | date | time):
        return str(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return type(value).__name__


def _has_control(text: str) -> bool:
    """Control, format (bidi overrides), surrogate, unassigned and line-breaking characters."""
    return any(unicodedata.category(c) in _CONTROL for c in text)


def _text(value: str, *, what: str, longest: int) -> str:
    if not value.strip() or value != value.strip() or len(value) > longest or _has_control(value):
        raise ValueError(
            f"expected {what} (1 to {longest} characters, no control characters or "
            f"surrounding spaces), got {shown(value)}"
        )
    return value


# -- the meaning of single values ---------------------------------------------------------


def _span(low: timedelta, high: timedelta) -> BeforeValidator:
    return BeforeValidator(partial(_span_of, low=low, high=high))


def _span_of(value: object, *, low: timedelta, high: timedelta) -> timedelta:
    if not isinstance(value, str):
        raise ValueError(
            f"expected a duration from {format_duration(low)} to {format_duration(high)} "
            f'as a string, like "3h", got {shown(value)}'
        )
    return duration(value, low, high)


def _marketplace(value: str) -> str:
    if value not in marketplaces():
        raise ValueError(f"expected one of {', '.join(marketplaces())}, got {shown(value)}")
    return value


_NOT_IN_FILE_NAMES = frozenset('/\\:*?"<>|')


def _account_name(value: str) -> str:
    """An account name also names its files (sessions/NAME.session): one file name on
    every platform, so a name can never point outside that folder."""
    name = _text(value, what="an account name", longest=64)
    if name.startswith(".") or _NOT_IN_FILE_NAMES.intersection(name):
        raise ValueError(
            "expected an account name that can name a file: letters, digits, - and _, "
            f'not starting with a dot, none of / \\ : * ? " < > |, got {shown(value)}'
        )
    return name


def _offset_key(value: str) -> str:
    return _text(value, what="an ASIN or a word of the title", longest=200)


def _executable(value: str) -> str:
    return _text(value, what="the path of a Chromium or Chrome program", longest=4096)


def _base_url(value: str) -> str:
    allowed = 'expected an http:// or https:// address, like "http://127.0.0.1:8080"'
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
        raise ValueError(f"{allowed}, got {shown(value)}")
    return value


def _apprise_url(value: str) -> str:
    # Never repeat the URL: it holds the channel's token or password.
    scheme, sep, rest = value.partition("://")
    if not (sep and rest and _SCHEME.fullmatch(scheme)):
        raise ValueError('expected an Apprise URL like "ntfy://my-topic" (not shown here)')
    if len(value) > 2000 or _has_control(value) or " " in value:
        raise ValueError(
            f"expected an Apprise URL without spaces or control characters, got a {scheme}:// "
            "URL (not shown here)"
        )
    return value


_HOST_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def _host(value: str) -> str:
    """A DNS host name (or an IP address): labels of letters, digits and inner hyphens."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        labels = value.removesuffix(".").split(".")
        if len(value) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
            raise ValueError(
                f'expected a host name like "imap.gmail.com", got {shown(value)}'
            ) from None
    return value


def _mail_username(value: str) -> str:
    return _text(value, what="a user name", longest=320)


def _folder(value: str) -> str:
    return _text(value, what="a folder name", longest=200)


def _password_command(value: str) -> str:
    # Never repeat the command: a careless one may hold the password itself.
    if len(value) > 4000 or _has_control(value):
        raise ValueError("expected one line of command (not shown here)")
    try:
        words = shlex.split(value)
    except ValueError:
        raise ValueError("is not a command line: a quote is not closed (not shown here)") from None
    if not words:
        raise ValueError("is empty; give a command that prints the password or token")
    program = words[0]
    if program_path(program) is None:
        raise ValueError(
            f"{shown(program)} is neither a program on PATH nor the absolute path of an "
            "executable file; install it or give its full path"
        )
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
    hint = f"; did you mean {quoted(near[0])}?" if near else ""
    raise ValueError(
        f'expected a time-zone name like "Asia/Tokyo" or "America/New_York", '
        f"got {shown(value)}{hint}"
    )


def _no_repeats(values: list[timedelta]) -> list[timedelta]:
    seen: set[timedelta] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"lists {format_duration(value)} twice; give each lead once")
        seen.add(value)
    return values


# -- fields -----------------------------------------------------------------------------


def _number(low: float, high: float, unit: str, why: str = "") -> Any:
    """A finite number from `low` to `high`; the description is the "expected …" text."""
    reason = f" ({why})" if why else ""
    described = f"a number of {unit} from {low:g} to {high:g}{reason}"
    return Field(None, ge=low, le=high, description=described)


def _whole(low: int, high: int, unit: str) -> Any:
    described = f"a whole number of {unit} from {low} to {high}"
    return Field(None, ge=low, le=high, description=described)


def _about(description: str, **constraints: Any) -> Any:
    return Field(None, description=description, **constraints)


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
_TIME = 'a 24-hour time as HH:MM, like "22:00"'


class _Table(BaseModel):
    """Strict: a TOML string is never taken for a number, 1 never for true."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


class MailTable(_Table):
    """[accounts.NAME.mail]: the mailbox Amazon's order mails for this account arrive in.
    The password is never here: it is in the keyring, or printed by password_command."""

    server: Annotated[str, AfterValidator(_host)] = Field(
        description='the IMAP server\'s host name, like "imap.gmail.com"'
    )
    port: int | None = _about("a port number from 1 to 65535, like 993", ge=1, le=65535)
    username: Annotated[str, AfterValidator(_mail_username)] = Field(
        description='the mailbox\'s user name, like "hanako@gmail.com"'
    )
    folder: Annotated[str, AfterValidator(_folder)] | None = _about(
        'the folder Amazon\'s mails arrive in, like "INBOX"'
    )
    auth: Literal["password", "oauth2"] | None = _about('"password" or "oauth2"')
    password_command: Annotated[str, AfterValidator(_password_command)] | None = _about(
        'a command that prints the password or token, like "pass show mail/gmail"'
    )
    authserv_id: Annotated[str, AfterValidator(_host)] = Field(
        description="the name the receiving server writes first in Authentication-Results, "
        'like "mx.google.com"'
    )

    @model_validator(mode="after")
    def _token_from_a_command(self) -> MailTable:
        if self.auth == "oauth2" and self.password_command is None:
            raise ValueError(
                'auth = "oauth2" needs password_command, a command that prints a fresh '
                "access token (like oama or your provider's own tool)"
            )
        return self


class AccountTable(_Table):
    marketplace: Marketplace | None = _about('a marketplace, like "amazon.co.jp"')
    base_url: Annotated[str, AfterValidator(_base_url)] | None = _about(
        'an http:// or https:// address, like "http://127.0.0.1:8080"'
    )
    mail: MailTable | None = _about("a table like [accounts.main.mail] with server and username")


class BrowserTable(_Table):
    executable: Annotated[str, AfterValidator(_executable)] | None = _about(
        'the path of a Chromium or Chrome program, like "/usr/bin/chromium"'
    )
    block_resources: bool | None = _about("true or false")


class CrawlTable(_Table):
    delay_seconds: float | None = _number(
        1, 60, "seconds", "at least a second between page loads keeps a check gentle on Amazon"
    )
    max_pages: int | None = _whole(1, 500, "pages")
    retries: int | None = _whole(0, 10, "retries")
    timeout_seconds: float | None = _number(5, 300, "seconds")
    render_wait_seconds: float | None = _number(0, 120, "seconds")
    lookback_days: int | None = _whole(1, 3650, "days")


class WatchTable(_Table):
    interval_minutes: float | None = _number(
        5,
        1440,
        "minutes",
        "checking more often than every 5 minutes can get your Amazon account challenged or locked",
    )
    jitter_seconds: float | None = _number(0, 3600, "seconds")
    dispatch_seconds: float | None = _number(1, 3600, "seconds")
    min_gap_minutes: float | None = _number(
        2,
        1440,
        "minutes",
        "checks closer than 2 minutes apart can get your Amazon account challenged or locked",
    )
    max_checks_per_day: int | None = _whole(1, 720, "checks")
    young_every_minutes: float | None = _number(2, 1440, "minutes")
    young_for_minutes: float | None = _number(0, 1440, "minutes")


class AlertsTable(_Table):
    cancel_leads: CancelLeads | None = _about(
        'a list of up to 10 durations, like ["24h", "3h", "30m"]', max_length=10
    )
    return_leads: ReturnLeads | None = _about(
        'a list of up to 10 durations, like ["3d", "1d"]', max_length=10
    )
    account_risk_threshold: int | None = _whole(1, 100, "cancellations")
    account_risk_days: int | None = _whole(1, 365, "days")


class QuietTable(_Table):
    start: Clock = Field(description=_TIME)
    end: Clock = Field(description=_TIME)
    timezone: Annotated[str, AfterValidator(_zone)] | None = _about(
        'a time-zone name, like "Asia/Tokyo"'
    )

    @model_validator(mode="after")
    def _not_empty(self) -> QuietTable:
        if self.start == self.end:
            raise ValueError(
                f"start and end are both {self.start:%H:%M}, so quiet hours would never "
                "begin; remove [quiet_hours] to have none"
            )
        return self


class NotifyTable(_Table):
    desktop: bool | None = _about("true or false")
    apprise: list[Annotated[str, AfterValidator(_apprise_url)]] | None = _about(
        'a list of up to 20 Apprise URLs, like ["ntfy://my-topic"]', max_length=20
    )
    language: Literal["ja", "en"] | None = _about('"ja" or "en"')


class ServeTable(_Table):
    enabled: bool | None = _about("true or false")
    host: Annotated[str, AfterValidator(_host)] | None = _about(
        'a host name or IP address to listen on, like "127.0.0.1" (loopback: this computer '
        'only) or "0.0.0.0" (every network the computer is on)'
    )
    port: int | None = _whole(1024, 65535, "port")


class RulesTable(_Table):
    seller_window: dict[Marketplace, SellerWindow] | None = _about(
        'a table of marketplace = duration, like { "amazon.co.jp" = "5m" }'
    )
    kindle_refund_days: int | None = _whole(1, 90, "days")
    preorder_lead: PreorderSpan | None = _about('a duration from 0s to 90d, like "2d"')
    preorder_offsets: dict[Annotated[str, AfterValidator(_offset_key)], PreorderOffset] | None = (
        _about(
            'a table of ASIN or title word = duration, like { "B0XXXXXXXX" = "90d" }',
            max_length=1000,
        )
    )


class ConfigFile(_Table):
    """The whole of config.toml."""

    accounts: dict[Annotated[str, AfterValidator(_account_name)], AccountTable] | None = _about(
        "a table per account, like [accounts.main]", max_length=100
    )
    browser: BrowserTable | None = _about("a table like [browser]")
    crawl: CrawlTable | None = _about("a table like [crawl]")
    watch: WatchTable | None = _about("a table like [watch]")
    alerts: AlertsTable | None = _about("a table like [alerts]")
    quiet_hours: QuietTable | None = _about("a table like [quiet_hours] with start and end")
    notify: NotifyTable | None = _about("a table like [notify]")
    rules: RulesTable | None = _about("a table like [rules]")
    serve: ServeTable | None = _about("a table like [serve]")


# -- one line per error -----------------------------------------------------------------


def describe(error: ValidationError) -> str:
    """The first problem pydantic found, in one line, and how many more there are."""
    errors = error.errors(include_url=False)
    more = len(errors) - 1
    tail = f" (and {more} more {'problem' if more == 1 else 'problems'})" if more else ""
    return _line(errors[0]) + tail


def _line(error: ErrorDetails) -> str:
    loc = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        return _unknown(loc)
    where = _where(loc)
    if error["type"] == "value_error":
        return f"{where}: {error.get('ctx', {}).get('error')}"
    field, _ = _walk(loc)
    allowed = field.description if field is not None and field.description else "another value"
    if error["type"] == "missing":
        return f"{where}: missing; expected {allowed}"
    secret = loc[:2] == ("notify", "apprise") or "password_command" in loc
    got = "a value not shown here (it may hold a token)" if secret else shown(error["input"])
    return f"{where}: expected {allowed}, got {got}"


def _unknown(loc: tuple[int | str, ...]) -> str:
    _, model = _walk(loc[:-1])
    known = ", ".join(sorted(model.model_fields)) if model is not None else "none"
    name = ".".join(toml_key(shown_key(part)) for part in loc)
    scope = f" in [{'.'.join(toml_key(shown_key(p)) for p in loc[:-1])}]" if loc[:-1] else ""
    return f"unknown key {name} (known{scope}: {known})"


def shown_key(part: int | str) -> str:
    text = str(part)
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…"


def _where(loc: tuple[int | str, ...]) -> str:
    """("accounts", "main", "base_url") → "[accounts.main] base_url", ("accounts",) →
    "accounts"; list positions and a bad dict key itself (the message shows it) are left
    out."""
    parts = [shown_key(p) for p in loc if isinstance(p, str)]
    if parts and parts[-1] == "[key]":
        parts = parts[:-2]
    if len(parts) < 2:
        return toml_key(parts[0]) if parts else "the file"
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
