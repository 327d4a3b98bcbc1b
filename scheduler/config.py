"""The user's config.toml as a typed object. Unknown keys are errors naming key and file."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduler.policy import Rules, default_rules
from scraper.crawl import CrawlOptions
from scraper.errors import ConfigError
from scraper.markup import marketplaces
from scraper.paths import config_dir

DEMO_ACCOUNT = "demo"
_T = TypeVar("_T")


@dataclass(frozen=True)
class Account:
    name: str
    marketplace: str = "amazon.co.jp"
    base_url: str | None = None
    """Where to sign in and read; the marketplace's own site unless set (the demo store)."""


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


@dataclass(frozen=True)
class AlertSettings:
    cancel_leads: tuple[timedelta, ...] = (
        timedelta(hours=24),
        timedelta(hours=3),
        timedelta(minutes=30),
    )
    return_leads: tuple[timedelta, ...] = (timedelta(days=3), timedelta(days=1))
    account_risk_threshold: int = 3
    """cancelwatch's own choice: Amazon publishes no threshold (DOMAIN.md)."""
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


def load_config(path: Path | None = None) -> Config:
    path = path or config_path()
    if not path.exists():
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    return _config(data, str(path))


_SECTIONS = {"accounts", "browser", "crawl", "watch", "alerts", "quiet_hours", "notify", "rules"}


def _config(data: dict[str, Any], path: str) -> Config:
    _known(data, _SECTIONS, path, "")
    accounts = {
        name: _account(name, table, path) for name, table in data.get("accounts", {}).items()
    }
    set_keys = {
        f"{section}.{key}"
        for section, table in data.items()
        if isinstance(table, dict)
        for key in table
    }
    alerts = _alerts(_table(data.get("alerts", {}), path, "alerts"), path)
    return Config(
        accounts=accounts,
        browser=_section(BrowserSettings, data.get("browser", {}), path, "browser"),
        crawl=_section(CrawlOptions, data.get("crawl", {}), path, "crawl"),
        watch=_section(WatchSettings, data.get("watch", {}), path, "watch"),
        alerts=alerts,
        quiet_hours=_quiet(data.get("quiet_hours"), path),
        notify=_notify(_table(data.get("notify", {}), path, "notify"), path),
        rules=_rules(_table(data.get("rules", {}), path, "rules"), alerts, path),
        source=path,
        set_keys=frozenset(set_keys),
    )


def _alerts(table: dict[str, Any], path: str) -> AlertSettings:
    defaults = AlertSettings()
    _known(table, {f.name for f in fields(AlertSettings)}, path, "alerts")
    leads = {}
    for key in ("cancel_leads", "return_leads"):
        raw = table.get(key)
        if raw is None:
            leads[key] = getattr(defaults, key)
            continue
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            raise ConfigError(f'{path}: alerts.{key}: expected a list like ["24h", "3h", "30m"]')
        leads[key] = tuple(
            sorted((parse_duration(v, path, f"alerts.{key}") for v in raw), reverse=True)
        )
    counts = {k: v for k, v in table.items() if k.startswith("account_risk")}
    for key, value in counts.items():
        _check_type(value, "int", path, f"alerts.{key}")
    return AlertSettings(**leads, **counts)


def _rules(table: dict[str, Any], alerts: AlertSettings, path: str) -> Rules:
    """[rules]: seller windows per marketplace, Kindle refund days, how long before release
    a pre-order's preparation starts, and per-item pre-order offsets ("release − 90 days")."""
    _known(table, {"seller_window", "kindle_refund_days", "preorder_lead", "preorder_offsets"},
           path, "rules")  # fmt: skip
    base = default_rules()
    windows = dict(base.seller_window)
    for market, text in _table(table.get("seller_window", {}), path, "rules.seller_window").items():
        if market not in marketplaces():
            raise ConfigError(f"{path}: rules.seller_window.{market}: not a marketplace")
        windows[market] = parse_duration(str(text), path, f"rules.seller_window.{market}")
    offsets = {
        key: parse_duration(str(text), path, f"rules.preorder_offsets.{key}")
        for key, text in _table(
            table.get("preorder_offsets", {}), path, "rules.preorder_offsets"
        ).items()
    }
    days = table.get("kindle_refund_days", base.kindle_refund_days)
    _check_type(days, "int", path, "rules.kindle_refund_days")
    lead = table.get("preorder_lead")
    try:
        return replace(
            base,
            seller_window=windows,
            kindle_refund_days=days,
            preorder_lead=parse_duration(str(lead), path, "rules.preorder_lead")
            if lead is not None
            else base.preorder_lead,
            preorder_offsets=offsets,
            account_risk_threshold=alerts.account_risk_threshold,
            account_risk_days=alerts.account_risk_days,
        )
    except ValueError as exc:
        raise ConfigError(f"{path}: rules: {exc}") from None


def _quiet(table: Any, path: str) -> QuietHours | None:
    if table is None:
        return None
    table = _table(table, path, "quiet_hours")
    _known(table, {"start", "end", "timezone"}, path, "quiet_hours")
    if "start" not in table or "end" not in table:
        raise ConfigError(f'{path}: quiet_hours: needs start and end, like "22:00" and "07:00"')
    zone = table.get("timezone")
    if zone is not None:
        try:
            ZoneInfo(str(zone))
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{path}: quiet_hours.timezone: unknown time zone {zone!r}") from None
    return QuietHours(
        start=_clock(table["start"], path, "quiet_hours.start"),
        end=_clock(table["end"], path, "quiet_hours.end"),
        timezone=str(zone) if zone is not None else None,
    )


def _clock(value: Any, path: str, where: str) -> time:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f'{path}: {where}: expected a time like "22:00", got {value!r}') from None


def _notify(table: dict[str, Any], path: str) -> NotifySettings:
    _known(table, {"desktop", "apprise", "language"}, path, "notify")
    apprise = table.get("apprise", [])
    if not isinstance(apprise, list) or not all(isinstance(v, str) for v in apprise):
        raise ConfigError(f'{path}: notify.apprise: expected a list of URLs like ["ntfy://topic"]')
    language = table.get("language")
    if language not in (None, "ja", "en"):
        raise ConfigError(f'{path}: notify.language: use "ja" or "en", got {language!r}')
    desktop = table.get("desktop", True)
    _check_type(desktop, "bool", path, "notify.desktop")
    return NotifySettings(desktop=desktop, apprise=tuple(apprise), language=language)


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")


def parse_duration(text: str, path: str = "", where: str = "") -> timedelta:
    """ "30m", "3h", "3d" → timedelta; an error names the key and the file."""
    found = _DURATION.match(text)
    if not found:
        at = f"{path}: {where}: " if path else ""
        raise ConfigError(f'{at}expected a duration like "30m", "3h" or "3d", got {text!r}')
    return timedelta(seconds=float(found.group(1)) * _UNITS[found.group(2)])


def _account(name: str, table: Any, path: str) -> Account:
    account = _section(
        Account, {"name": name, **_table(table, path, f"accounts.{name}")}, path, f"accounts.{name}"
    )
    if account.marketplace not in marketplaces():
        raise ConfigError(
            f"{path}: accounts.{name}.marketplace: {account.marketplace!r} is not one of "
            f"{', '.join(marketplaces())}"
        )
    return account


def _table(value: Any, path: str, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: {where}: expected a table")
    return value


def _known(table: dict[str, Any], allowed: set[str], path: str, where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        at = f"{where}." if where else ""
        raise ConfigError(
            f"{path}: unknown key {at}{unknown[0]} (known: {', '.join(sorted(allowed))})"
        )


def _section(cls: type[_T], table: Any, path: str, where: str) -> _T:
    table = _table(table, path, where)
    types = {f.name: f.type for f in fields(cls)}  # type: ignore[arg-type]
    _known(table, set(types), path, where)
    for key, value in table.items():
        _check_type(value, str(types[key]), path, f"{where}.{key}")
    return cls(**table)


def _check_type(value: Any, declared: str, path: str, where: str) -> None:
    expected: tuple[type, ...]
    if declared.startswith("str"):
        expected = (str,) if "None" not in declared else (str, type(None))
    elif declared == "bool":
        expected = (bool,)
    elif declared == "int":
        expected = (int,)
    elif declared == "float":
        expected = (int, float)
    else:
        return
    if not isinstance(value, expected) or (declared != "bool" and isinstance(value, bool)):
        raise ConfigError(f"{path}: {where}: expected {declared}, got {value!r}")
    if isinstance(value, int | float) and value < 0:
        raise ConfigError(f"{path}: {where}: must not be negative, got {value!r}")


def save_account(account: Account, path: Path | None = None) -> Path:
    """Add or replace one [accounts.NAME] table, keeping the rest of the file (and its
    comments) as the user wrote it."""
    path = path or config_path()
    load_config(path)  # refuse to edit a file that is already broken
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    block = _account_block(account)
    lines = text.splitlines()
    header = f"[accounts.{_key(account.name)}]"
    if header in (line.strip() for line in lines):
        start = next(i for i, line in enumerate(lines) if line.strip() == header)
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")),
            len(lines),
        )
        lines[start:end] = [*block.splitlines(), ""]
        text = "\n".join(lines).rstrip() + "\n"
    else:
        text = (text.rstrip() + "\n\n" if text.strip() else "") + block
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    load_config(path)
    return path


def _account_block(account: Account) -> str:
    lines = [f"[accounts.{_key(account.name)}]", f"marketplace = {_string(account.marketplace)}"]
    if account.base_url:
        lines.append(f"base_url = {_string(account.base_url)}")
    return "\n".join(lines) + "\n"


def _key(name: str) -> str:
    return name if name.replace("-", "").replace("_", "").isalnum() else _string(name)


def _string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
