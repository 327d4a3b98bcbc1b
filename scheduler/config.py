"""The user's config.toml as a typed object. Unknown keys are errors naming key and file."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

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
class Config:
    accounts: dict[str, Account] = field(default_factory=dict)
    browser: BrowserSettings = field(default_factory=BrowserSettings)
    crawl: CrawlOptions = field(default_factory=CrawlOptions)
    source: str | None = None
    """The file this came from, or None for the defaults."""

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


def _config(data: dict[str, Any], path: str) -> Config:
    _known(data, {"accounts", "browser", "crawl"}, path, "")
    accounts = {
        name: _account(name, table, path) for name, table in data.get("accounts", {}).items()
    }
    return Config(
        accounts=accounts,
        browser=_section(BrowserSettings, data.get("browser", {}), path, "browser"),
        crawl=_section(CrawlOptions, data.get("crawl", {}), path, "crawl"),
        source=path,
    )


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
