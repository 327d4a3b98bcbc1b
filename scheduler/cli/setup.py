"""Commands that set cancelwatch up: login, config, service, demo-store."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from datetime import time, timedelta
from typing import Any

import click

from cancelwatch.scheduler.config.schema import format_duration
from cancelwatch.scheduler.config.settings import (
    Account,
    Config,
    config_path,
    load_config,
    save_account,
    validate_account,
)
from cancelwatch.scheduler.service import install as svc
from cancelwatch.scheduler.watch.accounts import sign_in_account, validate_totp_secret
from cancelwatch.scraper.browse.credentials import Credentials
from cancelwatch.scraper.read.markup import marketplaces


@click.command()
@click.option("--account", "-a", default="default", show_default=True)
@click.option(
    "--marketplace",
    "-m",
    type=click.Choice(marketplaces()),
    default=None,
    help="The site (default: the account's, or amazon.co.jp for a new one).",
)
@click.option("--base-url", help="Sign in elsewhere than the marketplace's site (the demo store).")
@click.option("--headed", is_flag=True, help="Sign in in a visible browser (CAPTCHA, no TOTP).")
def login(account: str, marketplace: str | None, base_url: str | None, headed: bool) -> None:
    """Store email, password and TOTP secret in the OS keyring, then sign in once."""
    cfg = load_config()
    known = cfg.accounts.get(account)
    acc = Account(
        name=account,
        marketplace=marketplace or (known.marketplace if known else "amazon.co.jp"),
        base_url=base_url or (known.base_url if known else None),
    )
    validate_account(acc)  # a bad name or address is refused before any secret is asked for
    creds = _prompt_credentials()
    signed = sign_in_account(acc, cfg, creds, headed=headed)
    path = save_account(acc)
    click.echo(
        f"signed in to {acc.marketplace} as {creds.email}; account {acc.name!r} saved in {path}"
    )
    click.echo(f"{signed.pages_read} page read; run `cancelwatch check --account {acc.name}`")


def _prompt_credentials() -> Credentials:
    email = click.prompt("Amazon email or phone").strip()
    password = click.prompt("Password", hide_input=True)
    totp = click.prompt(
        "TOTP secret of your authenticator app (blank if none)",
        default="",
        show_default=False,
        hide_input=True,
    ).replace(" ", "")
    if totp:
        validate_totp_secret(totp)
    return Credentials(email, password, totp or None)


@click.command("config")
@click.option("--json", "as_json", is_flag=True)
def show_config(as_json: bool) -> None:
    """The effective configuration, and where each value came from."""
    cfg = load_config()
    rows = list(_config_rows(cfg))
    if as_json:
        payload = {
            "file": str(config_path()),
            "exists": cfg.source is not None,
            "values": [{"key": k, "value": v, "from": src} for k, v, src in rows],
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    state = "" if cfg.source else " (does not exist: all defaults)"
    click.echo(f"# {config_path()}{state}")
    for key, value, source in rows:
        click.echo(f"{key} = {json.dumps(value, ensure_ascii=False)}  # {source}")


def _config_rows(cfg: Config) -> Any:
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


def _hidden(url: str) -> str:
    """An Apprise URL holds its channel's token or password: only its scheme is shown."""
    scheme, sep, _ = url.partition("://")
    return f"{scheme}://(hidden)" if sep else "(hidden)"


@click.group()
def service() -> None:
    """Run `cancelwatch watch` in the background: a systemd user unit (Linux), a launchd
    agent (macOS) or a scheduled task (Windows)."""


@service.command()
@click.option("--dry-run", is_flag=True, help="Show the file and the commands only.")
def install(dry_run: bool) -> None:
    """Write the service file and start the watcher at each login."""
    plan = svc.current_plan()
    click.echo(svc.preview(plan) if dry_run else svc.install(plan))


@service.command()
def uninstall() -> None:
    """Stop the watcher and remove the service file."""
    click.echo(svc.uninstall(svc.current_plan()))


@service.command("status")
def service_status() -> None:
    """Whether the background watcher is installed and running."""
    click.echo(svc.status(svc.current_plan()))


@click.command(
    "demo-store",
    context_settings={"ignore_unknown_options": True, "help_option_names": []},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def demo_store(args: tuple[str, ...]) -> None:
    """Run the embedded demo store on its own (--help for its options)."""
    from cancelwatch.scraper.demo.cli import main as store_main  # noqa: PLC0415  (not for the watcher)

    code = store_main(list(args))
    if code:
        sys.exit(code)


COMMANDS = (login, show_config, service, demo_store)
