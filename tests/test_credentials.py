"""Secrets in the keyring, the session encrypted at rest, and no plain-text fallback."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import stat
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import keyring
import pytest
from cryptography.fernet import Fernet
from filelock import FileLock
from keyring.backend import KeyringBackend
from keyring.backends import fail

from cancelwatch.scheduler.watch.check import Target, load_session_ahead
from cancelwatch.scraper.browse import credentials as cr
from cancelwatch.scraper.browse import passphrase as pp
from cancelwatch.scraper.browse.login import rejected_marker
from cancelwatch.scraper.errors import ConfigError

PASSWORD = "correct horse battery staple"
TOTP = "JBSWY3DPEHPK3PXP"
COOKIE = "session-token-value-that-must-not-leak"
PASSPHRASE = "a long passphrase nobody else knows"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def no_held_passphrase():
    """Each test starts, and leaves, with no passphrase held in memory."""
    pp.drop_passphrase()
    yield
    pp.drop_passphrase()


@pytest.fixture
def file_store(monkeypatch, tmp_path):
    """The opt-in encrypted file in a fresh CANCELWATCH_HOME; yields that directory."""
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path))
    monkeypatch.setenv(cr.STORE_ENV, "file")
    monkeypatch.setenv(pp.PASSPHRASE_ENV, PASSPHRASE)
    return tmp_path


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.entries.get((service, username))

    def set_password(self, service, username, password):
        self.entries[(service, username)] = password

    def delete_password(self, service, username):
        if self.entries.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)


@pytest.fixture
def memory_keyring(monkeypatch, tmp_path):
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path))
    monkeypatch.delenv(cr.STORE_ENV, raising=False)
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_credentials_round_trip_through_the_keyring(memory_keyring):
    cr.save_credentials("main", cr.Credentials("me@example.com", PASSWORD, TOTP))
    loaded = cr.load_credentials("main")
    assert (loaded.email, loaded.password, loaded.totp_secret) == ("me@example.com", PASSWORD, TOTP)
    assert memory_keyring.entries[("cancelwatch:main", "password")] == PASSWORD


def test_credentials_never_show_their_secrets():
    creds = cr.Credentials("me@example.com", PASSWORD, TOTP)
    for text in (repr(creds), str(creds), f"{creds}"):
        assert PASSWORD not in text and TOTP not in text
        assert "me@example.com" in text


def test_missing_credentials_say_which_command_to_run(memory_keyring):
    with pytest.raises(ConfigError, match=r"run `cancelwatch login --account spare`"):
        cr.load_credentials("spare")


def test_session_is_encrypted_at_rest_with_mode_0600(memory_keyring):
    state = {"cookies": [{"name": "session-token", "value": COOKIE}], "origins": []}
    path = cr.save_session("main", state)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert COOKIE.encode() not in path.read_bytes()
    assert cr.load_session("main") == state


def test_session_that_cannot_be_decrypted_means_sign_in_again(memory_keyring, caplog):
    cr.save_session("main", {"cookies": []})
    memory_keyring.entries[("cancelwatch:main", "session-key")] = Fernet.generate_key().decode()
    assert cr.load_session("main") is None
    assert "cannot be decrypted" in caplog.text


def test_no_keyring_backend_is_a_clear_error_not_a_plain_text_file(monkeypatch, tmp_path):
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path))
    monkeypatch.delenv(cr.STORE_ENV, raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(cr.SecretsUnavailable) as caught:
            cr.save_credentials("main", cr.Credentials("me@example.com", PASSWORD))
    finally:
        keyring.set_keyring(previous)
    message = str(caught.value)
    assert "CANCELWATCH_SECRETS=file" in message and "CANCELWATCH_PASSPHRASE" in message
    assert PASSWORD not in message
    assert list(tmp_path.iterdir()) == []


def test_opt_in_file_store_is_encrypted_and_needs_its_passphrase(monkeypatch, tmp_path):
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path))
    monkeypatch.setenv(cr.STORE_ENV, "file")
    monkeypatch.setenv(pp.PASSPHRASE_ENV, "a long passphrase")
    cr.save_credentials("main", cr.Credentials("me@example.com", PASSWORD, TOTP))
    secrets_file = tmp_path / "secrets.enc"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    raw = secrets_file.read_bytes()
    assert PASSWORD.encode() not in raw and TOTP.encode() not in raw
    assert cr.load_credentials("main").password == PASSWORD
    monkeypatch.setenv(pp.PASSPHRASE_ENV, "the wrong one")
    with pytest.raises(cr.SecretsUnavailable, match="not the passphrase"):
        cr.load_credentials("main")
    pp.drop_passphrase()
    with pytest.raises(cr.SecretsUnavailable, match="needs a passphrase"):
        cr.load_credentials("main")


def test_unknown_secret_store_choice(monkeypatch):
    monkeypatch.setenv(cr.STORE_ENV, "plaintext")
    with pytest.raises(ConfigError, match="use 'keyring' or 'file'"):
        cr.secret_store()


def test_real_secret_service_through_gnome_keyring(tmp_path):
    """Once through a real Secret Service: a private D-Bus session with gnome-keyring."""
    assert shutil.which("dbus-run-session"), "dbus is installed by .ci/setup"
    assert shutil.which("gnome-keyring-daemon"), "gnome-keyring is installed by .ci/setup"
    script = tmp_path / "probe.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import os, keyring
            from cancelwatch.scraper.browse import credentials as cr
            os.environ["CANCELWATCH_HOME"] = {str(tmp_path)!r}
            print(type(keyring.get_keyring()).__module__)
            cr.save_credentials("real", cr.Credentials("me@example.com", {PASSWORD!r}, {TOTP!r}))
            cr.save_session("real", {{"cookies": [{{"value": {COOKIE!r}}}]}})
            back = cr.load_credentials("real")
            print(back.password == {PASSWORD!r}, back.totp_secret == {TOTP!r})
            print(cr.load_session("real")["cookies"][0]["value"] == {COOKIE!r})
            """
        ),
        encoding="utf-8",
    )
    shell = (
        "echo -n unlock | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; "
        f"{sys.executable} {script}"
    )
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", shell],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=root,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root), "HOME": str(tmp_path)},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split("\n")[:3] == ["keyring.backends.SecretService", "True True", "True"]
    assert PASSWORD not in proc.stdout + proc.stderr


# ---- the encrypted file under concurrency, damage and a held lock ----------------------------


def _log_in_each_round(home: str, name: str, rounds: int, barrier: Any) -> None:
    """One process of the race: in each round, once every process is ready, store the
    sign-in of a new account, as `cancelwatch login --account NAME<round>` does."""
    os.environ.update(
        {"CANCELWATCH_HOME": home, cr.STORE_ENV: "file", pp.PASSPHRASE_ENV: PASSPHRASE}
    )
    for round_ in range(rounds):
        barrier.wait(timeout=60)
        account = f"{name}{round_}"
        cr.save_credentials(
            account, cr.Credentials(f"{account}@example.com", f"{PASSWORD} {account}", TOTP)
        )


def test_logins_in_concurrent_processes_keep_every_account(file_store):
    processes, rounds = 3, 20
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter, like a second login
    barrier = spawn.Barrier(processes)
    names = [chr(ord("a") + i) for i in range(processes)]
    children = [
        spawn.Process(target=_log_in_each_round, args=(str(file_store), n, rounds, barrier))
        for n in names
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=120)
    assert [child.exitcode for child in children] == [0] * processes
    store = cr.secret_store()
    for name in names:
        for round_ in range(rounds):
            account = f"{name}{round_}"
            creds = cr.load_credentials(account, store)
            assert (creds.email, creds.password, creds.totp_secret) == (
                f"{account}@example.com",
                f"{PASSWORD} {account}",
                TOTP,
            ), account
    secrets_file = file_store / "secrets.enc"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    assert not list(file_store.glob(".secrets.enc.*.tmp"))  # every write was renamed in


def test_a_writer_waits_for_the_lock_and_says_so_when_it_times_out(file_store, monkeypatch):
    cr.save_credentials("main", cr.Credentials("me@example.com", PASSWORD, TOTP))
    before = (file_store / "secrets.enc").read_bytes()
    monkeypatch.setattr(cr, "LOCK_TIMEOUT_S", 0.2)
    holder = FileLock(file_store / "secrets.enc.lock")
    with holder, pytest.raises(cr.SecretsUnavailable, match="another cancelwatch") as caught:
        cr.save_credentials("spare", cr.Credentials("spare@example.com", "other password"))
    assert (file_store / "secrets.enc").read_bytes() == before
    assert PASSWORD not in str(caught.value) and PASSPHRASE not in str(caught.value)
    assert cr.load_credentials("main").password == PASSWORD  # reads need no lock


@pytest.mark.parametrize(
    "content",
    [b"", b"not json", b"[1, 2]", b'{"salt": "%%%", "data": "x"}', b'{"salt": "AAAA"}'],
    ids=["empty", "text", "a list", "bad salt", "no data"],
)
def test_a_damaged_secrets_file_is_a_clear_error(file_store, content):
    (file_store / "secrets.enc").write_bytes(content)
    with pytest.raises(cr.SecretsUnavailable, match="not a cancelwatch secrets file") as caught:
        cr.load_credentials("main")
    assert "cancelwatch login" in str(caught.value)
    with pytest.raises(cr.SecretsUnavailable):
        cr.save_credentials("main", cr.Credentials("me@example.com", PASSWORD))
    assert (file_store / "secrets.enc").read_bytes() == content  # nothing overwritten


# ---- the passphrase stays out of child processes -----------------------------------------


def test_the_passphrase_leaves_the_environment_once_the_store_is_opened(file_store):
    store = cr.secret_store()
    assert pp.PASSPHRASE_ENV not in os.environ
    assert pp.passphrase_given()
    cr.save_credentials("main", cr.Credentials("me@example.com", PASSWORD, TOTP), store)
    assert cr.load_credentials("main").password == PASSWORD  # a new store: held in memory


def test_no_process_a_command_starts_sees_the_passphrase(tmp_path):
    """Through the console script's `main`: a command that starts a child process after
    using the encrypted file; the child's environment has the rest but not the passphrase."""
    script = textwrap.dedent(
        f"""
        import subprocess
        from cancelwatch.scheduler.cli import main as cli
        from cancelwatch.scraper.browse import credentials as cr

        @cli.cli.command()
        def probe():
            cr.save_credentials("main", cr.Credentials("me@example.com", {PASSWORD!r}))
            print(cr.load_credentials("main").password == {PASSWORD!r})
            print(subprocess.run(["env"], capture_output=True, text=True, check=True).stdout)

        cli.main(["probe"])
        """
    )
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT),
        "CANCELWATCH_HOME": str(tmp_path),
        cr.STORE_ENV: "file",
        pp.PASSPHRASE_ENV: PASSPHRASE,
    }
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    first, child_env = proc.stdout.split("\n", 1)
    assert first == "True"
    assert f"{cr.STORE_ENV}=file" in child_env and f"CANCELWATCH_HOME={tmp_path}" in child_env
    assert pp.PASSPHRASE_ENV not in child_env and PASSPHRASE not in child_env


@pytest.mark.parametrize("name", ["../outside", "a/b", "a\\b", "..", ".", "", ".hidden"])
def test_an_account_name_never_reaches_outside_the_sessions_folder(name, tmp_path, monkeypatch):
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path))
    with pytest.raises(ConfigError, match="cannot name a file"):
        cr.session_path(name)
    with pytest.raises(ConfigError, match="cannot name a file"):
        rejected_marker(name)
    assert cr.session_path("main-2") == tmp_path / "sessions" / "main-2.session"


def _no_credentials() -> cr.Credentials:
    raise AssertionError("no sign-in here")


class _SlowStore:
    """A secret store whose lookups wait to be let go, as the file store's scrypt does."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], str] = {}
        self.go = threading.Event()
        self.entered = threading.Event()
        self.threads: list[str] = []

    def get(self, account: str, key: str) -> str | None:
        self.threads.append(threading.current_thread().name)
        self.entered.set()
        assert self.go.wait(10), "the lookup was never let go"
        return self.values.get((account, key))

    def set(self, account: str, key: str, value: str) -> None:
        self.values[(account, key)] = value

    def delete(self, account: str, key: str) -> bool:
        return self.values.pop((account, key), None) is not None


def test_a_session_loaded_ahead_unlocks_while_the_caller_goes_on(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path))
    store = _SlowStore()
    state = {"cookies": [{"name": "session-token", "value": COOKIE}], "origins": []}
    store.go.set()
    cr.save_session("main", state, store)
    store.go.clear()
    store.entered.clear()
    store.threads.clear()
    target = Target("main", "amazon.co.jp", "https://www.amazon.co.jp", _no_credentials, store)

    with load_session_ahead(target) as session:
        # The lookup has started and waits, and the caller (the browser's launch) is here.
        assert store.entered.wait(10)
        assert [name.startswith("session") for name in store.threads] == [True]
        store.go.set()
        assert session() == state


def test_without_a_store_nothing_is_loaded_ahead() -> None:
    target = Target("main", "amazon.co.jp", "https://www.amazon.co.jp", _no_credentials, None)
    with load_session_ahead(target) as session:
        assert session() is None
