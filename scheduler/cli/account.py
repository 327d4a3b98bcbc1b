"""`logout`: end an account's saved session here, and with --forget every trace of its
sign-in: the secrets cancelwatch stored and the account's table in config.toml.

Nothing here visits Amazon (the read-only guard opens no sign-out page), and the order
history in state.db is never touched.
"""

from __future__ import annotations

from pathlib import Path

import click

from cancelwatch.scheduler.cli.context import App, account_option, pass_app
from cancelwatch.scheduler.config.schema import toml_key
from cancelwatch.scheduler.config.settings import config_path, remove_account
from cancelwatch.scheduler.state.store import DB_NAME
from cancelwatch.scraper.browse.credentials import (
    EncryptedFileStore,
    SecretStore,
    drop_session,
    forget_credentials,
    secret_store,
    secrets_file,
    session_path,
    stored_keys,
)
from cancelwatch.scraper.browse.login import rejected_marker
from cancelwatch.scraper.errors import ConfigError, UsageError
from cancelwatch.scraper.paths import data_dir

_SECRET_NAMES = {
    "password": "password",
    "totp": "TOTP secret",
    "session-key": "session key",
    "email": "email address",
    "mail-password": "mail app password",
}
_AMAZON_SIDE = (
    "cancelwatch did not visit Amazon (its read-only browser opens no sign-out page), so "
    "Amazon may count that session as signed in until it expires; to end it on Amazon's "
    "side too, sign out everywhere from Your Account → Login & security on {site}"
)


@click.command()
@account_option("The account to sign out (required).")
@click.option(
    "--forget",
    is_flag=True,
    help="Also remove its password, TOTP secret and session key from the keyring (or the "
    "secrets file) and its table from config.toml.",
)
@pass_app
def logout(app: App, account: str | None, forget: bool) -> None:
    """End an account's saved session: delete its encrypted browser session (its cookies)
    here, so its next check signs in afresh. Its password, TOTP secret and its table in
    config.toml stay unless --forget; its order history in state.db stays either way.

    cancelwatch does not visit Amazon for this: its read-only browser opens no sign-out
    page. To end the session on Amazon's side too, sign out everywhere from Your Account →
    Login & security."""
    known = list(app.config.accounts)
    if account is None:
        raise UsageError(
            f"logout needs --account NAME (known: {', '.join(known) or 'none'}); it never "
            "guesses which account to sign out"
        )
    configured = account in app.config.accounts
    if forget:
        _forget(account, configured, known)
    else:
        _end_session(account, configured, known)
    click.echo(f"kept its order history in {data_dir() / DB_NAME}")
    site = app.config.accounts[account].marketplace if configured else "Amazon's site"
    click.echo(_AMAZON_SIDE.format(site=site))


def _end_session(account: str, configured: bool, known: list[str]) -> None:
    if not configured and not _files_left(account):
        raise ConfigError(
            f"no account named {account!r}: not in {config_path()}, and no saved session "
            f"of it (known: {', '.join(known) or 'none'})"
        )
    _report_session(account, drop_session(account))
    click.echo(
        "kept its password, TOTP secret and session key, and its table in config.toml: "
        f"`cancelwatch logout --account {account} --forget` removes them"
    )


def _forget(account: str, configured: bool, known: list[str]) -> None:
    store = secret_store()
    where = _where(store)
    # Read before anything is removed: a locked keyring stops the command here, with the
    # config and the session as they were.
    held = stored_keys(account, store)
    if not (configured or held or _files_left(account)):
        raise ConfigError(
            f"no account named {account!r}: not in {config_path()}, and {where} holds "
            f"nothing of it (known: {', '.join(known) or 'none'})" + _other_store_hint(store)
        )
    # The config first: when its table cannot be removed for the user, nothing else is.
    if configured and remove_account(account):
        click.echo(f"removed [accounts.{toml_key(account)}] from {config_path()}")
    removed = forget_credentials(account, store)
    for key in removed:
        click.echo(f"removed the {_SECRET_NAMES[key]} of {account!r} from {where}")
    if not removed:
        click.echo(f"{where} held no secret of {account!r}" + _other_store_hint(store))
    _report_session(account, drop_session(account))
    if _remove(rejected_marker(account)):
        click.echo(f"removed the note that Amazon rejected the password of {account!r}")
    if configured:
        # The watcher reads config.toml once, as it starts.
        click.echo(
            f"a running `cancelwatch watch` still checks {account!r} until it restarts "
            "(`cancelwatch service install` restarts the service)"
        )


def _report_session(account: str, dropped: bool) -> None:
    if dropped:
        click.echo(
            f"removed the saved browser session of {account!r} ({session_path(account)}); "
            "its next check signs in afresh"
        )
    else:
        click.echo(f"{account!r} had no saved browser session here")


def _files_left(account: str) -> bool:
    """Whether a session or a rejected-password note of an account that is no longer in
    config.toml is still here (a name that is not a plain file name is no account's)."""
    if Path(account).name != account or account in (".", "..") or "\\" in account:
        return False
    return session_path(account).exists() or rejected_marker(account).exists()


def _remove(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def _where(store: SecretStore) -> str:
    if isinstance(store, EncryptedFileStore):
        return f"the secrets file {store.path}"
    return "the keyring"


def _other_store_hint(store: SecretStore) -> str:
    """The secrets file the user opted in to once may hold what the keyring does not."""
    if isinstance(store, EncryptedFileStore) or not secrets_file().exists():
        return ""
    return (
        f"; {secrets_file()} exists too: if the account was stored there, run this again "
        "with CANCELWATCH_SECRETS=file and CANCELWATCH_PASSPHRASE set"
    )


COMMANDS = (logout,)
