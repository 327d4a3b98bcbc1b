"""Secrets: the password and TOTP secret in the OS keyring, the browser session encrypted.

Nothing here ever logs or formats a secret. Without a keyring backend (a headless Linux
box) the user must opt in, explicitly, to an encrypted file unlocked by a passphrase from
the environment; there is no silent plain-text fallback.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import keyring
import keyring.errors
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from scraper.errors import CancelwatchError, ConfigError
from scraper.paths import data_dir

log = logging.getLogger(__name__)

SERVICE = "cancelwatch"
PASSPHRASE_ENV = "CANCELWATCH_PASSPHRASE"
STORE_ENV = "CANCELWATCH_SECRETS"
"""`keyring` (default) or `file`: the opt-in encrypted file for machines without a keyring."""


class SecretsUnavailable(CancelwatchError):
    """No place to keep secrets safely; the message says how to get one."""

    exit_code = 2


@dataclass(frozen=True)
class Credentials:
    email: str
    password: str = field(repr=False)
    totp_secret: str | None = field(default=None, repr=False)

    def __str__(self) -> str:
        return f"{self.email} (password and OTP secret hidden)"


class SecretStore(Protocol):
    def get(self, account: str, key: str) -> str | None: ...
    def set(self, account: str, key: str, value: str) -> None: ...
    def delete(self, account: str, key: str) -> None: ...


_NO_KEYRING = (
    "no OS keyring is available to keep your Amazon password ({why}). "
    "On a desktop, unlock your keyring (GNOME Keyring, KWallet, macOS Keychain, Windows "
    "Credential Manager). On a machine without one, opt in to an encrypted file: set "
    f"{STORE_ENV}=file and {PASSPHRASE_ENV} to a passphrase of your choice."
)


class KeyringStore:
    """The OS keyring through `keyring`; one entry per account and key."""

    def __init__(self) -> None:
        backend = keyring.get_keyring()
        if _is_fail_backend(backend):
            raise SecretsUnavailable(_NO_KEYRING.format(why="keyring found no backend"))

    def get(self, account: str, key: str) -> str | None:
        value: str | None = self._call(keyring.get_password, _entry(account), key)
        return value

    def set(self, account: str, key: str, value: str) -> None:
        self._call(keyring.set_password, _entry(account), key, value)

    def delete(self, account: str, key: str) -> None:
        try:
            self._call(keyring.delete_password, _entry(account), key)
        except SecretsUnavailable:
            raise
        except keyring.errors.PasswordDeleteError:
            pass

    @staticmethod
    def _call(fn: Any, *args: str) -> Any:
        try:
            return fn(*args)
        except keyring.errors.PasswordDeleteError:
            raise
        except keyring.errors.KeyringError as exc:
            # The backend's message may quote the request; keep only its class name.
            raise SecretsUnavailable(_NO_KEYRING.format(why=type(exc).__name__)) from None


def _is_fail_backend(backend: Any) -> bool:
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if name == "keyring.backends.fail.Keyring":
        return True
    chained = getattr(backend, "backends", None)
    return chained is not None and not chained


def _entry(account: str) -> str:
    return f"{SERVICE}:{account}"


class EncryptedFileStore:
    """The opt-in for machines without a keyring: one file, encrypted with a key derived
    from a passphrase in the environment (scrypt), mode 0600."""

    def __init__(self, path: Path, passphrase: str) -> None:
        if not passphrase:
            raise SecretsUnavailable(
                f"{STORE_ENV}=file needs a passphrase in {PASSPHRASE_ENV}; set it in the "
                "environment of cancelwatch (and of its background service)"
            )
        self.path = path
        self._passphrase = passphrase.encode()

    def _fernet(self, salt: bytes) -> Fernet:
        key = Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(self._passphrase)
        return Fernet(base64.urlsafe_b64encode(key))

    def _load(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        blob = json.loads(self.path.read_text(encoding="utf-8"))
        salt = base64.b64decode(blob["salt"])
        try:
            plain = self._fernet(salt).decrypt(blob["data"].encode())
        except InvalidToken:
            raise SecretsUnavailable(
                f"{self.path}: cannot decrypt the secrets file: {PASSPHRASE_ENV} is not the "
                "passphrase it was written with"
            ) from None
        data: dict[str, str] = json.loads(plain)
        return data

    def _save(self, data: dict[str, str]) -> None:
        salt = secrets.token_bytes(16)
        token = self._fernet(salt).encrypt(json.dumps(data).encode()).decode()
        payload = json.dumps({"salt": base64.b64encode(salt).decode(), "data": token})
        write_private(self.path, payload.encode())

    def get(self, account: str, key: str) -> str | None:
        return self._load().get(f"{account}/{key}")

    def set(self, account: str, key: str, value: str) -> None:
        data = self._load()
        data[f"{account}/{key}"] = value
        self._save(data)

    def delete(self, account: str, key: str) -> None:
        data = self._load()
        if data.pop(f"{account}/{key}", None) is not None:
            self._save(data)


def secret_store() -> SecretStore:
    """The store the user chose: the OS keyring unless they opted in to the file."""
    choice = os.environ.get(STORE_ENV, "keyring")
    if choice == "keyring":
        return KeyringStore()
    if choice == "file":
        return EncryptedFileStore(data_dir() / "secrets.enc", os.environ.get(PASSPHRASE_ENV, ""))
    raise ConfigError(f"{STORE_ENV}={choice!r}: use 'keyring' or 'file'")


def write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner can read, atomically: never a moment at 0644."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# ---- credentials ---------------------------------------------------------------------------


def save_credentials(account: str, creds: Credentials, store: SecretStore | None = None) -> None:
    store = store or secret_store()
    store.set(account, "email", creds.email)
    store.set(account, "password", creds.password)
    if creds.totp_secret:
        store.set(account, "totp", creds.totp_secret)
    else:
        store.delete(account, "totp")


def load_credentials(account: str, store: SecretStore | None = None) -> Credentials:
    store = store or secret_store()
    email = store.get(account, "email")
    password = store.get(account, "password")
    if not email or not password:
        raise ConfigError(
            f"no stored sign-in for account {account!r}; "
            f"run `cancelwatch login --account {account}`"
        )
    return Credentials(email, password, store.get(account, "totp"))


def forget_credentials(account: str, store: SecretStore | None = None) -> None:
    store = store or secret_store()
    for key in ("email", "password", "totp", "session-key"):
        store.delete(account, key)


# ---- the browser session -------------------------------------------------------------------


def session_path(account: str) -> Path:
    return data_dir() / "sessions" / f"{account}.session"


def save_session(account: str, state: dict[str, Any], store: SecretStore | None = None) -> Path:
    """Encrypt Playwright's storage state (cookies) with a key kept in the secret store."""
    store = store or secret_store()
    key = store.get(account, "session-key")
    if key is None:
        key = Fernet.generate_key().decode()
        store.set(account, "session-key", key)
    path = session_path(account)
    write_private(path, Fernet(key.encode()).encrypt(json.dumps(state).encode()))
    return path


def load_session(account: str, store: SecretStore | None = None) -> dict[str, Any] | None:
    """The saved session, or None when there is none or it cannot be read (sign in again)."""
    path = session_path(account)
    if not path.exists():
        return None
    store = store or secret_store()
    key = store.get(account, "session-key")
    if key is None:
        log.warning("session file for %s has no key in the secret store; signing in again", account)
        return None
    try:
        state: dict[str, Any] = json.loads(Fernet(key.encode()).decrypt(path.read_bytes()))
    except (InvalidToken, ValueError):
        log.warning("session file for %s cannot be decrypted; signing in again", account)
        return None
    return state


def drop_session(account: str) -> None:
    session_path(account).unlink(missing_ok=True)
