"""Commands that set cancelwatch up: login, config."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import fields, is_dataclass
from datetime import time, timedelta
from typing import Any

import click

from cancelwatch.scheduler.cli.context import (
    App,
    account_option,
    headed_option,
    json_option,
    marketplace_option,
    pass_app,
)
from cancelwatch.scheduler.config.schema import format_duration
from cancelwatch.scheduler.config.settings import (
    Account,
    Config,
    config_path,
    save_account,
    validate_account,
)
from cancelwatch.scheduler.notify.configured import language
from cancelwatch.scheduler.policy.words import Lang, text
from cancelwatch.scheduler.watch.accounts import sign_in_account, validate_totp_secret
from cancelwatch.scraper.browse.credentials import Credentials


@click.command()
@account_option("The name to save the account under.", default="default")
@marketplace_option("The site (default: the account's, or amazon.co.jp for a new one).")
@click.option("--base-url", help="Sign in elsewhere than the marketplace's site (the demo store).")
@headed_option("Sign in in a visible browser (CAPTCHA, no TOTP).")
@pass_app
def login(
    app: App, account: str, marketplace: str | None, base_url: str | None, headed: bool
) -> None:
    """Store email, password and TOTP secret in the OS keyring, then sign in once."""
    cfg = app.config
    known = cfg.accounts.get(account)
    acc = Account(
        name=account,
        marketplace=marketplace or (known.marketplace if known else "amazon.co.jp"),
        base_url=base_url or (known.base_url if known else None),
    )
    validate_account(acc)  # a bad name or address is refused before any secret is asked for
    lang = language(cfg)
    creds = _prompt_credentials(lang)
    signed = sign_in_account(acc, cfg, creds, clock=app.clock, headed=headed)
    path = save_account(acc)
    said = {"marketplace": acc.marketplace, "email": creds.email, "account": acc.name}
    click.echo(text(lang, "setup_signed_in", path=path, **said))
    click.echo(text(lang, "setup_next", pages=signed.pages_read, account=acc.name))


def _prompt_credentials(lang: Lang) -> Credentials:
    email = click.prompt(text(lang, "setup_email")).strip()
    password = click.prompt(text(lang, "setup_password"), hide_input=True)
    totp = click.prompt(
        text(lang, "setup_totp"),
        default="",
        show_default=False,
        hide_input=True,
    ).replace(" ", "")
    if totp:
        validate_totp_secret(totp)
    return Credentials(email, password, totp or None)


@click.command("config")
@json_option()
@pass_app
def show_config(app: App) -> None:
    """The effective configuration, and where each value came from."""
    cfg = app.config
    rows = list(_config_rows(cfg))
    payload = {
        "file": str(config_path()),
        "exists": cfg.source is not None,
        "values": [{"key": k, "value": v, "from": src} for k, v, src in rows],
    }
    app.emit(payload, lambda shown: _print_config(shown, language(cfg)))


# Where a value came from, as the JSON says it, and as a person reads it.
_FROM = {"default": "setup_from_default", "default (off)": "setup_from_default_off"}


def _print_config(payload: dict[str, Any], lang: Lang) -> None:
    head = "setup_file" if payload["exists"] else "setup_file_missing"
    click.echo(text(lang, head, file=payload["file"]))
    for row in payload["values"]:
        value = json.dumps(_worded(row["value"], lang), ensure_ascii=False)
        source = row["from"]
        came = text(lang, _FROM[source]) if source in _FROM else source
        click.echo(f"{row['key']} = {value}  # {came}")


def _worded(value: Any, lang: Lang) -> Any:
    """A shown value with the mark of a hidden secret in `lang`."""
    if isinstance(value, list):
        return [_worded(v, lang) for v in value]
    if isinstance(value, str) and value.endswith(_HIDDEN):
        return value.removesuffix(_HIDDEN) + text(lang, "setup_hidden")
    return value


def _config_rows(cfg: Config) -> Iterator[tuple[str, Any, str]]:
    for name, account in cfg.accounts.items():
        for key in ("marketplace", "base_url"):
            yield f"accounts.{name}.{key}", getattr(account, key), cfg.source or "default"
    sections = {
        "browser": cfg.browser,
        "crawl": cfg.crawl,
        "watch": cfg.watch,
        "alerts": cfg.alerts,
        "quiet_hours": cfg.quiet_hours,
        "notify": cfg.notify,
        "rules": cfg.rules,
        "serve": cfg.serve,
    }
    for section, value in sections.items():
        if value is None or not is_dataclass(value):
            yield section, None, "default (off)"
            continue
        for f in fields(value):
            if section == "rules" and f.name.startswith("account_risk"):
                continue  # set under [alerts]
            key = f"{section}.{f.name}"
            source = cfg.source if key in cfg.set_keys and cfg.source else "default"
            shown = getattr(value, f.name)
            if key == "notify.apprise":
                shown = tuple(_hidden(url) for url in shown)
            yield key, _plain(shown), source


def _plain(value: Any) -> Any:
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


_HIDDEN = "(hidden)"


def _hidden(url: str) -> str:
    """An Apprise URL holds its channel's token or password: only its scheme is shown."""
    scheme, sep, _ = url.partition("://")
    return f"{scheme}://{_HIDDEN}" if sep else _HIDDEN


COMMANDS = (login, show_config)
