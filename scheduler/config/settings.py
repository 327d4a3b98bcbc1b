"""The user's config.toml as a typed, frozen object, and adding or removing an account.

The file is read defensively (a regular UTF-8 file of bounded size, TOML nested a few
levels at most) and checked by meaning in `cancelwatch.scheduler.config.schema`; anything wrong is a
ConfigError of one line that names the file and the key. Keys the file leaves out keep
the defaults written here.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from filelock import FileLock, Timeout
from pydantic import BaseModel, ValidationError

from cancelwatch.scheduler.config.schema import (
    AccountTable,
    AlertsTable,
    ConfigFile,
    NotifyTable,
    QuietTable,
    RulesTable,
    WatchTable,
    describe,
    file_language,
    quoted,
    toml_key,
)
from cancelwatch.scheduler.policy.assess import Rules, default_rules
from cancelwatch.scraper.browse.credentials import write_private
from cancelwatch.scraper.browse.options import CrawlOptions
from cancelwatch.scraper.errors import ConfigError
from cancelwatch.scraper.files import parse_toml, read_toml
from cancelwatch.scraper.paths import config_dir


@dataclass(frozen=True)
class MailSettings:
    """The mailbox an account's order mails arrive in ([accounts.NAME.mail])."""

    server: str
    username: str
    authserv_id: str
    """The receiving server's name in Authentication-Results: only its word counts."""
    port: int = 993
    folder: str = "INBOX"
    auth: str = "password"
    """"password" (an app password) or "oauth2" (XOAUTH2 with an access token)."""
    password_command: str | None = None
    """A command that prints the password or token; None: the password is in the keyring."""


@dataclass(frozen=True)
class Account:
    name: str
    marketplace: str = "amazon.co.jp"
    base_url: str | None = None
    """Where to sign in and read; the marketplace's own site unless set (the demo store)."""
    mail: MailSettings | None = None
    """None: no mailbox is watched for this account."""


@dataclass(frozen=True)
class BrowserSettings:
    executable: str | None = None
    block_resources: bool = True


@dataclass(frozen=True)
class WatchSettings:
    interval_minutes: float = 30.0
    """How often each account is checked by `cancelwatch watch`."""
    jitter_seconds: float = 300.0
    """Random spread of each check, so checks never run like clockwork."""
    dispatch_seconds: float = 60.0
    """How often due alerts are looked for and sent."""
    min_gap_minutes: float = 5.0
    """The least time between the starts of two checks of an account, whatever asks."""
    max_checks_per_day: int = 96
    """The most checks of an account in any 24 hours, whatever asks."""
    young_every_minutes: float = 10.0
    """How often an order is checked while it is young and its window unknown."""
    young_for_minutes: float = 120.0
    """How long after it is first seen an order counts as young (0: never)."""


@dataclass(frozen=True)
class AlertSettings:
    cancel_leads: tuple[timedelta, ...] = (
        timedelta(hours=24),
        timedelta(hours=3),
        timedelta(minutes=30),
    )
    return_leads: tuple[timedelta, ...] = (timedelta(days=3), timedelta(days=1))
    account_risk_threshold: int = 3
    """cancelwatch's own choice: Amazon publishes no threshold (docs/rules.md)."""
    account_risk_days: int = 30


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time
    timezone: str | None = None
    """None: the computer's own time zone."""

    def zone(self) -> tzinfo:
        if self.timezone:
            return ZoneInfo(self.timezone)
        local = datetime.now().astimezone().tzinfo
        return local if local is not None else UTC

    def covers(self, when: datetime) -> bool:
        local = when.astimezone(self.zone()).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def ends_after(self, when: datetime) -> datetime:
        """The first end of quiet hours after `when` (aware, UTC)."""
        local = when.astimezone(self.zone())
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        return end.astimezone(UTC)


@dataclass(frozen=True)
class NotifySettings:
    desktop: bool = True
    apprise: tuple[str, ...] = ()
    """Extra channels as Apprise URLs (mailto://, ntfy://, slack://, line://)."""
    language: str | None = None
    """"ja" or "en"; None follows the system locale."""


@dataclass(frozen=True)
class ServeSettings:
    """The local dashboard ([serve]): `cancelwatch serve`, or `watch` when enabled."""

    enabled: bool = False
    """Whether `cancelwatch watch` also serves the dashboard."""
    host: str = "127.0.0.1"
    """Loopback: only this computer can reach it. Any other address opens it to the network."""
    port: int = 8765


@dataclass(frozen=True)
class Config:
    accounts: dict[str, Account] = field(default_factory=dict)
    browser: BrowserSettings = field(default_factory=BrowserSettings)
    crawl: CrawlOptions = field(default_factory=CrawlOptions)
    watch: WatchSettings = field(default_factory=WatchSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    quiet_hours: QuietHours | None = None
    notify: NotifySettings = field(default_factory=NotifySettings)
    rules: Rules = field(default_factory=default_rules)
    """The policy's rules: seller windows, Kindle days, pre-order lead and offsets."""
    serve: ServeSettings = field(default_factory=ServeSettings)
    source: str | None = None
    """The file this came from, or None for the defaults."""
    set_keys: frozenset[str] = frozenset()
    """The "section.key" names the file set; every other value is a default."""

    def account(self, name: str | None) -> Account:
        if name is None:
            if len(self.accounts) == 1:
                return next(iter(self.accounts.values()))
            if not self.accounts:
                raise ConfigError(
                    "no account is configured; run `cancelwatch login` to add one, "
                    "or `cancelwatch demo` to try the demo store"
                )
            raise ConfigError(
                f"several accounts are configured ({', '.join(self.accounts)}); "
                "choose one with --account"
            )
        try:
            return self.accounts[name]
        except KeyError:
            known = ", ".join(self.accounts) or "none"
            raise ConfigError(f"no account named {name!r} in the config (known: {known})") from None


def config_path() -> Path:
    return config_dir() / "config.toml"


MAX_FILE_BYTES = 1_000_000
"""A config.toml is a few KB; a bigger file is not one."""
_LOCK_TIMEOUT_S = 60.0


def load_config(path: Path | None = None) -> Config:
    """The file's configuration, or the defaults when there is no file. Anything wrong with
    the file or a value in it is a ConfigError of one line naming the file and the key."""
    path = path or config_path()
    document = _read_document(path)
    if document is None:
        return Config()
    return _config(document[1], str(path))


def _config(data: dict[str, Any], path: str) -> Config:
    try:
        file = ConfigFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {describe(exc, file_language(data))}") from None
    alerts = _alerts(file.alerts)
    return Config(
        accounts={name: _account(name, table) for name, table in (file.accounts or {}).items()},
        browser=BrowserSettings(**_set(file.browser)),
        crawl=CrawlOptions(**_set(file.crawl)),
        watch=_watch(file.watch, path),
        alerts=alerts,
        quiet_hours=_quiet(file.quiet_hours),
        notify=_notify(file.notify),
        rules=_rules(file.rules, alerts),
        serve=ServeSettings(**_set(file.serve)),
        source=path,
        set_keys=frozenset(
            f"{section}.{key}"
            for section, table in data.items()
            if isinstance(table, dict)
            for key in table
        ),
    )


def _set(table: BaseModel | None) -> dict[str, Any]:
    """Only the keys the file sets: every other one keeps the dataclass's default."""
    return table.model_dump(exclude_unset=True) if table is not None else {}


def _account(name: str, table: AccountTable) -> Account:
    values = _set(table)
    if table.mail is not None:
        values["mail"] = MailSettings(**_set(table.mail))
    return Account(name=name, **values)


def _watch(table: WatchTable | None, path: str) -> WatchSettings:
    """[watch] over the defaults, checked by meaning across keys (with their defaults)."""
    watch = WatchSettings(**_set(table))
    gap, interval = watch.min_gap_minutes, watch.interval_minutes
    if gap > interval:
        raise ConfigError(
            f"{path}: [watch] min_gap_minutes = {gap:g} is longer than interval_minutes = "
            f"{interval:g}, so the interval could never be kept; lower min_gap_minutes"
        )
    if watch.young_every_minutes < gap:
        raise ConfigError(
            f"{path}: [watch] young_every_minutes = {watch.young_every_minutes:g} is shorter "
            f"than min_gap_minutes = {gap:g}; give at least {gap:g}"
        )
    needed = math.ceil(24 * 60 / interval)
    if watch.max_checks_per_day < needed:
        raise ConfigError(
            f"{path}: [watch] max_checks_per_day = {watch.max_checks_per_day} leaves no room "
            f"for a check every {interval:g} minutes ({needed} a day); give at least {needed} "
            "or a longer interval_minutes"
        )
    return watch


def _alerts(table: AlertsTable | None) -> AlertSettings:
    values = _set(table)
    for key in ("cancel_leads", "return_leads"):
        if key in values:
            values[key] = tuple(sorted(values[key], reverse=True))
    return AlertSettings(**values)


def _quiet(table: QuietTable | None) -> QuietHours | None:
    if table is None:
        return None
    return QuietHours(start=table.start, end=table.end, timezone=table.timezone)


def _notify(table: NotifyTable | None) -> NotifySettings:
    values = _set(table)
    if "apprise" in values:
        values["apprise"] = tuple(values["apprise"])
    return NotifySettings(**values)


def _rules(table: RulesTable | None, alerts: AlertSettings) -> Rules:
    """[rules] over the defaults: a marketplace the file leaves out keeps its seller window."""
    base = default_rules()
    values = _set(table)
    values["seller_window"] = {**base.seller_window, **values.get("seller_window", {})}
    return replace(
        base,
        **values,
        account_risk_threshold=alerts.account_risk_threshold,
        account_risk_days=alerts.account_risk_days,
    )


# -- the file itself ----------------------------------------------------------------------


def _read_document(path: Path) -> tuple[str, dict[str, Any]] | None:
    """The file's text and its TOML, or None when there is no file."""
    if not os.path.lexists(path):
        return None
    return read_toml(path, MAX_FILE_BYTES, _too_big)


def _too_big(path: Path, size: str) -> str:
    return (
        f"{path}: is larger than {MAX_FILE_BYTES // 1000} KB ({size}); a config.toml is a "
        "few KB, is this the right file?"
    )


# -- adding and removing an account --------------------------------------------------------


def save_account(account: Account, path: Path | None = None) -> Path:
    """Add or replace one [accounts.NAME] table, keeping the rest of the file (and its
    comments) as the user wrote it. The edited file is checked before it replaces the old
    one, under a lock, so two `login`s at once keep both accounts and nothing is lost."""
    path = path or config_path()
    with _changing(path) as target:
        _save_account(account, target)
    return path


def remove_account(name: str, path: Path | None = None) -> bool:
    """Remove the [accounts.NAME] table, keeping the rest of the file as the user wrote it:
    the other tables, and the comments outside that table. Whether it was there; a file
    the edit would change elsewhere is left as it was (a ConfigError says so)."""
    path = path or config_path()
    with _changing(path) as target:
        return _remove_account(name, target)


@contextmanager
def _changing(path: Path) -> Iterator[Path]:
    """Hold the file's lock; yield the file to change."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path.with_name(f"{path.name}.lock"), mode=0o600)
    try:
        with lock.acquire(timeout=_LOCK_TIMEOUT_S):
            # The file a link points at is the one to change: replacing the link with a
            # file would cut a config kept elsewhere (a dotfiles repository) loose.
            yield _target_of(path)
    except Timeout:
        raise ConfigError(
            f"{path}: another cancelwatch has been changing this file for a minute; "
            "try again when it is done"
        ) from None


def _target_of(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a link loop: reading it says so, in one line
        return path


def validate_account(account: Account, path: Path | None = None) -> None:
    """Raise the ConfigError that saving `account` would meet for its name, marketplace or
    address, so `login` can refuse before it signs in."""
    path = path or config_path()
    _config(parse_toml(_account_block(account), path), str(path))


def _save_account(account: Account, path: Path) -> None:
    validate_account(account, path)
    block = _account_block(account)
    document = _read_document(path)
    text = document[0] if document else ""
    before = _config(document[1], str(path)) if document else Config(source=str(path))
    known = before.accounts.get(account.name)
    if account.mail is None and known is not None:
        # Its [accounts.NAME.mail] table is a table of its own that the edit leaves alone.
        account = replace(account, mail=known.mail)
    edited = _with_account(text, account)
    after = _reread(edited, path)
    if not _only_accounts_became(before, after, {**before.accounts, account.name: account}):
        raise ConfigError(
            f"{path}: cannot add [accounts.{toml_key(account.name)}] without changing the "
            "rest of the file, which is left as it was; add it by hand: "
            + "; ".join(block.splitlines())
        )
    write_private(path, edited.encode("utf-8"))


def _only_accounts_became(
    before: Config, after: Config | None, accounts: Mapping[str, Account]
) -> bool:
    """Whether an edit of the file changed its accounts into `accounts` and nothing else."""
    return (
        after is not None
        and after.accounts == accounts
        and _without_accounts(after) == _without_accounts(before)
    )


def _remove_account(name: str, path: Path) -> bool:
    document = _read_document(path)
    if document is None:
        return False
    before = _config(document[1], str(path))
    if name not in before.accounts:
        return False
    edited = _without_account(document[0], name)
    after = _reread(edited, path)
    rest = {key: value for key, value in before.accounts.items() if key != name}
    if not _only_accounts_became(before, after, rest):
        raise ConfigError(
            f"{path}: cannot remove [accounts.{toml_key(name)}] without changing the rest of "
            "the file, which is left as it was; delete that table by hand"
        )
    write_private(path, edited.encode("utf-8"))
    return True


def _reread(text: str, path: Path) -> Config | None:
    """The config an edited `text` would give, or None when it would not load."""
    try:
        return _config(parse_toml(text, path), str(path))
    except ConfigError:
        return None


def _without_accounts(cfg: Config) -> Config:
    return replace(cfg, accounts={}, set_keys=frozenset())


def _account_header(lines: list[str], name: str) -> int | None:
    """The line of the [accounts.NAME] header, as `login` writes it."""
    header = re.compile(rf"\s*\[\s*accounts\s*\.\s*{re.escape(toml_key(name))}\s*\]\s*(#.*)?")
    return next((i for i, line in enumerate(lines) if header.fullmatch(line)), None)


def _without_account(text: str, name: str) -> str:
    """`text` without the account's table: its header, keys and the comments among them.
    The comments and blank lines after its last key stay, with the next table they lead to.
    `text` itself when there is no such header (the check after it then says so)."""
    lines = text.splitlines()
    start = _account_header(lines, name)
    if start is None:
        return text
    end = _next_header(lines, start)
    while end < len(lines) and _is_account_subtable(lines[end], name):
        end = _next_header(lines, end)
    while end > start + 1 and _blank_or_comment(lines[end - 1]):
        end -= 1
    del lines[start:end]
    # One blank line where the table was, not two.
    while (
        start < len(lines)
        and not lines[start].strip()
        and (start == 0 or not lines[start - 1].strip())
    ):
        del lines[start]
    kept = "\n".join(lines).rstrip()
    return kept + "\n" if kept else ""


def _is_account_subtable(line: str, name: str) -> bool:
    """Whether `line` is the header of a table inside the account's: [accounts.NAME.mail]."""
    header = rf"\s*\[\s*accounts\s*\.\s*{re.escape(toml_key(name))}\s*\.[^\]]*\]\s*(#.*)?"
    return re.fullmatch(header, line) is not None


def _next_header(lines: list[str], start: int) -> int:
    """The line of the first table header after line `start`, or the end."""
    return next(
        (i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")),
        len(lines),
    )


def _blank_or_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _with_account(text: str, account: Account) -> str:
    """`text` with the account's table replaced, or added at the end."""
    block = _account_block(account)
    lines = text.splitlines()
    start = _account_header(lines, account.name)
    if start is None:
        return (text.rstrip() + "\n\n" if text.strip() else "") + block
    end = _next_header(lines, start)
    lines[start:end] = [*block.splitlines(), ""]
    return "\n".join(lines).rstrip() + "\n"


def _account_block(account: Account) -> str:
    lines = [f"[accounts.{toml_key(account.name)}]", f"marketplace = {quoted(account.marketplace)}"]
    if account.base_url:
        lines.append(f"base_url = {quoted(account.base_url)}")
    return "\n".join(lines) + "\n"
