"""Secrets: the password and TOTP secret in the OS keyring, the browser session encrypted.

Nothing here ever logs or formats a secret. Without a keyring backend (a headless Linux
box) the user must opt in, explicitly, to an encrypted file unlocked by a passphrase from
the environment; there is no silent plain-text fallback.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from filelock import FileLock, Timeout

from cancelwatch.scraper.browse.passphrase import PASSPHRASE_ENV, held_passphrase
from cancelwatch.scraper.errors import CancelwatchError, ConfigError
from cancelwatch.scraper.paths import data_dir

log = logging.getLogger(__name__)

SERVICE = "cancelwatch"
STORE_ENV = "CANCELWATCH_SECRETS"
"""`keyring` (default) or `file`: the opt-in encrypted file for machines without a keyring."""
LOCK_TIMEOUT_S = 60.0
"""How long a change to the secrets file waits for another process's change."""


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
    def delete(self, account: str, key: str) -> bool:
        """Remove one entry; whether there was one."""
        ...


MAIL_PASSWORD_KEY = "mail-password"
"""The app password of the account's mailbox (the mail trigger), when it has one."""
STORED_KEYS = ("password", "totp", "session-key", "email", MAIL_PASSWORD_KEY)
"""Every entry cancelwatch keeps in the secret store for an account."""
_MAX_COPIES = 16
"""A keyring may hold the same entry more than once (another tool made a second one):
`forget_credentials` removes up to this many copies of each."""


_NO_KEYRING = (
    "no OS keyring is available to keep your Amazon password ({why}). "
    "On a desktop, unlock your keyring (GNOME Keyring, KWallet, macOS Keychain, Windows "
    "Credential Manager). On a machine without one, opt in to an encrypted file: set "
    f"{STORE_ENV}=file and {PASSPHRASE_ENV} to a passphrase of your choice."
)


class KeyringStore:
    """The OS keyring through `keyring`; one entry per account and key. `keyring` is
    imported here, not at the top: a check with the file store does not pay for it."""

    def __init__(self) -> None:
        import keyring  # noqa: PLC0415
        import keyring.errors  # noqa: PLC0415

        self._keyring, self._errors = keyring, keyring.errors
        if _is_fail_backend(keyring.get_keyring()):
            raise SecretsUnavailable(_NO_KEYRING.format(why="keyring found no backend"))

    def get(self, account: str, key: str) -> str | None:
        value: str | None = self._call(self._keyring.get_password, _entry(account), key)
        return value

    def set(self, account: str, key: str, value: str) -> None:
        self._call(self._keyring.set_password, _entry(account), key, value)

    def delete(self, account: str, key: str) -> bool:
        try:
            self._call(self._keyring.delete_password, _entry(account), key)
        except self._errors.PasswordDeleteError:
            return False
        return True

    def _call(self, fn: Any, *args: str) -> Any:
        try:
            return fn(*args)
        except self._errors.PasswordDeleteError:
            raise
        except self._errors.KeyringError as exc:
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
    from a passphrase (scrypt), mode 0600.

    Two cancelwatch processes may write it at once (two `login`s): every change is a
    read-modify-write under an inter-process lock, and the file is replaced atomically, so
    neither loses the other's entries and a reader never sees half a file."""

    def __init__(self, path: Path, passphrase: str) -> None:
        if not passphrase:
            raise SecretsUnavailable(
                f"{STORE_ENV}=file needs a passphrase in {PASSPHRASE_ENV}; set it in the "
                "environment of cancelwatch (and of its background service)"
            )
        self.path = path
        self._passphrase = passphrase.encode()
        self._keys: dict[bytes, Fernet] = {}
        self._lock = FileLock(path.with_name(f"{path.name}.lock"), mode=0o600)

    def _fernet(self, salt: bytes) -> Fernet:
        # scrypt costs about 0.1 s on purpose; one derivation per salt is enough.
        if salt not in self._keys:
            key = Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(self._passphrase)
            self._keys[salt] = Fernet(base64.urlsafe_b64encode(key))
        return self._keys[salt]

    def _load(self) -> tuple[bytes, dict[str, str]]:
        """The file's salt and entries; a new salt and no entries when there is no file."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return secrets.token_bytes(16), {}
        except OSError as exc:
            raise SecretsUnavailable(
                f"{self.path}: cannot read the secrets file ({exc.strerror})"
            ) from None
        salt, token = self._unwrap(raw)
        try:
            plain = self._fernet(salt).decrypt(token)
        except InvalidToken:
            raise SecretsUnavailable(
                f"{self.path}: cannot decrypt the secrets file: {PASSPHRASE_ENV} is not the "
                "passphrase it was written with"
            ) from None
        data = json.loads(plain)
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise self._damaged()
        return salt, data

    def _unwrap(self, raw: bytes) -> tuple[bytes, bytes]:
        try:
            blob = json.loads(raw)
            return base64.b64decode(blob["salt"], validate=True), blob["data"].encode()
        except (ValueError, TypeError, KeyError, AttributeError, binascii.Error):
            raise self._damaged() from None

    def _damaged(self) -> SecretsUnavailable:
        return SecretsUnavailable(
            f"{self.path} is not a cancelwatch secrets file (damaged or replaced); move it "
            "aside and store your sign-in again with `cancelwatch login`"
        )

    def _save(self, salt: bytes, data: dict[str, str]) -> None:
        token = self._fernet(salt).encrypt(json.dumps(data).encode()).decode()
        payload = json.dumps({"salt": base64.b64encode(salt).decode(), "data": token})
        write_private(self.path, payload.encode())

    def _change(self, edit: Callable[[dict[str, str]], bool]) -> None:
        """Apply `edit` to the entries under the lock; write only when it says it changed
        something."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self._lock.acquire(timeout=LOCK_TIMEOUT_S):
                salt, data = self._load()
                if edit(data):
                    self._save(salt, data)
        except Timeout:
            raise SecretsUnavailable(
                f"{self.path}: another cancelwatch has been writing the secrets file for "
                f"{LOCK_TIMEOUT_S:g} s; let it finish (or stop it) and try again"
            ) from None

    def get(self, account: str, key: str) -> str | None:
        # No lock: the file is only ever replaced whole, so a read sees one version of it.
        return self._load()[1].get(f"{account}/{key}")

    def set(self, account: str, key: str, value: str) -> None:
        def put(data: dict[str, str]) -> bool:
            data[f"{account}/{key}"] = value
            return True

        self._change(put)

    def delete(self, account: str, key: str) -> bool:
        found = False

        def pop(data: dict[str, str]) -> bool:
            nonlocal found
            found = data.pop(f"{account}/{key}", None) is not None
            return found

        self._change(pop)
        return found


def secret_store() -> SecretStore:
    """The store the user chose: the OS keyring unless they opted in to the file."""
    choice = os.environ.get(STORE_ENV, "keyring")
    if choice == "keyring":
        return KeyringStore()
    if choice == "file":
        return EncryptedFileStore(secrets_file(), held_passphrase() or "")
    raise ConfigError(f"{STORE_ENV}={choice!r}: use 'keyring' or 'file'")


def secrets_file() -> Path:
    """Where the opt-in encrypted file is, whether or not it is the store in use."""
    return data_dir() / "secrets.enc"


def write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner can read, atomically: never a moment at 0644, never
    half a file (a temporary file in the same directory, synced, then renamed over)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)  # atomic, like os.replace
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_directory(path.parent)


def _sync_directory(folder: Path) -> None:
    """Make the rename itself durable (POSIX); Windows cannot open a directory."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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


def stored_keys(account: str, store: SecretStore) -> list[str]:
    """Which of `STORED_KEYS` the store holds for `account` (their names, never a value)."""
    return [key for key in STORED_KEYS if store.get(account, key) is not None]


def forget_credentials(account: str, store: SecretStore | None = None) -> list[str]:
    """Remove every entry cancelwatch keeps for `account`; the keys there were. An entry
    already gone is no error, so a second run (after an interrupted one) finishes the job."""
    store = store or secret_store()
    return [key for key in STORED_KEYS if _delete_every_copy(store, account, key)]


def _delete_every_copy(store: SecretStore, account: str, key: str) -> bool:
    for copies in range(_MAX_COPIES):
        if not store.delete(account, key):
            return copies > 0
    raise SecretsUnavailable(
        f"the secret store still holds a {key!r} entry for account {account!r} after "
        f"{_MAX_COPIES} removals; remove the entries of service {_entry(account)!r} with "
        "your keyring's own tool (Seahorse, Keychain Access, Credential Manager)"
    )


# ---- the browser session -------------------------------------------------------------------


def account_file(account: str, suffix: str) -> Path:
    """The file `sessions/<account><suffix>`. An account name is one file name: config
    checks it, and this refuses any other, so no name reaches outside sessions/."""
    if not account or account != Path(account).name or account.startswith(".") or "\\" in account:
        raise ConfigError(
            f"account name {account!r} cannot name a file: use letters, digits, - and _"
        )
    return data_dir() / "sessions" / f"{account}{suffix}"


def session_path(account: str) -> Path:
    return account_file(account, ".session")


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


def drop_session(account: str) -> bool:
    """Delete the saved session of `account`; whether there was one."""
    try:
        session_path(account).unlink()
    except FileNotFoundError:
        return False
    return True
