"""Secrets in the keyring, the session encrypted at rest, and no plain-text fallback."""

from __future__ import annotations

import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from scraper import credentials as cr

PASSWORD = "correct horse battery staple"
TOTP = "JBSWY3DPEHPK3PXP"
COOKIE = "session-token-value-that-must-not-leak"


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

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
    with pytest.raises(cr.ConfigError, match=r"run `cancelwatch login --account spare`"):
        cr.load_credentials("spare")


def test_session_is_encrypted_at_rest_with_mode_0600(memory_keyring):
    state = {"cookies": [{"name": "session-token", "value": COOKIE}], "origins": []}
    path = cr.save_session("main", state)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert COOKIE.encode() not in path.read_bytes()
    assert cr.load_session("main") == state


def test_session_that_cannot_be_decrypted_means_sign_in_again(memory_keyring, caplog):
    cr.save_session("main", {"cookies": []})
    memory_keyring.entries[("cancelwatch:main", "session-key")] = cr.Fernet.generate_key().decode()
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
    monkeypatch.setenv(cr.PASSPHRASE_ENV, "a long passphrase")
    cr.save_credentials("main", cr.Credentials("me@example.com", PASSWORD, TOTP))
    secrets_file = tmp_path / "secrets.enc"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    raw = secrets_file.read_bytes()
    assert PASSWORD.encode() not in raw and TOTP.encode() not in raw
    assert cr.load_credentials("main").password == PASSWORD
    monkeypatch.setenv(cr.PASSPHRASE_ENV, "the wrong one")
    with pytest.raises(cr.SecretsUnavailable, match="not the passphrase"):
        cr.load_credentials("main")
    monkeypatch.delenv(cr.PASSPHRASE_ENV)
    with pytest.raises(cr.SecretsUnavailable, match="needs a passphrase"):
        cr.load_credentials("main")


def test_unknown_secret_store_choice(monkeypatch):
    monkeypatch.setenv(cr.STORE_ENV, "plaintext")
    with pytest.raises(cr.ConfigError, match="use 'keyring' or 'file'"):
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
            from scraper import credentials as cr
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
