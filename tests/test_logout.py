"""`cancelwatch logout`: the saved session goes, and with --forget every secret cancelwatch
stored for the account and its table in config.toml; nothing else, and never a secret shown.

The keyring is the real Secret Service: gnome-keyring on a private D-Bus session, started
the way tests/test_credentials.py starts it, with this process's `keyring` talking to it.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import keyring
import pytest
import secretstorage
from click.testing import CliRunner
from keyring.backends import SecretService, fail

from cancelwatch.scheduler.cli.main import cli, run
from cancelwatch.scheduler.config.settings import load_config, remove_account
from cancelwatch.scheduler.state.store import State
from cancelwatch.scraper.browse import credentials as cr
from cancelwatch.scraper.browse import passphrase as pp
from cancelwatch.scraper.browse.login import rejected_marker
from cancelwatch.scraper.errors import ConfigError

# Written here rather than taken from the code: the entries `login` and a check leave.
KEYS = ("email", "password", "totp", "session-key", "mail-password")
NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
CONFIG = """\
# cancelwatch, set up by hand
[crawl]
delay_seconds = 3  # gentle

[accounts.main]  # the family one
marketplace = "amazon.co.jp"
# the spare one: ordered from the US
[accounts.spare]
marketplace = "amazon.com"
"""
SIGN_IN = {
    "main": cr.Credentials("main@example.com", "main password: correct horse", "JBSWY3DPEHPK3PXP"),
    "spare": cr.Credentials(
        "spare@example.com", "spare password: battery staple", "KRSXG5CTMVRXEZLU"
    ),
}
COOKIE = {"main": "main-session-token-must-not-leak", "spare": "spare-session-token"}


# ---- the real Secret Service -----------------------------------------------------------------


@pytest.fixture
def secret_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """gnome-keyring's Secret Service, unlocked, on a D-Bus session of its own, for one
    test; the `keyring` of this process uses it."""
    assert shutil.which("dbus-run-session"), "dbus is installed by .ci/setup"
    assert shutil.which("gnome-keyring-daemon"), "gnome-keyring is installed by .ci/setup"
    assert shutil.which("gdbus"), "gdbus comes with libglib2.0-dev, installed by .ci/setup"
    keyring_home = tmp_path / "keyring-home"
    keyring_home.mkdir()
    shell = (
        "echo -n unlock | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; "
        # The daemon takes its bus name a moment after it returns; a request before that
        # would have D-Bus start a second, locked one.
        "gdbus wait --session --timeout 30 org.freedesktop.secrets && "
        'echo "$DBUS_SESSION_BUS_ADDRESS" && exec cat >/dev/null'  # lives until stdin closes
    )
    session = subprocess.Popen(
        ["dbus-run-session", "--", "sh", "-c", shell],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(keyring_home)},
    )
    assert session.stdin is not None and session.stdout is not None
    watchdog = threading.Timer(60, session.kill)  # a daemon that never answers fails the test
    watchdog.start()
    try:
        address = session.stdout.readline().strip()
        watchdog.cancel()
        assert address.startswith("unix:"), "the private D-Bus session did not start"
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        previous = keyring.get_keyring()
        keyring.set_keyring(SecretService.Keyring())
        try:
            yield
        finally:
            keyring.set_keyring(previous)
    finally:
        watchdog.cancel()
        session.stdin.close()
        session.wait(timeout=30)
        session.stdout.close()


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh CANCELWATCH_HOME with config.toml, using the keyring, no passphrase held."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("CANCELWATCH_HOME", str(folder))
    monkeypatch.delenv(cr.STORE_ENV, raising=False)
    monkeypatch.delenv(pp.PASSPHRASE_ENV, raising=False)
    (folder / "config.toml").write_text(CONFIG, encoding="utf-8")
    pp.drop_passphrase()
    yield folder
    pp.drop_passphrase()


def sign_in_both() -> None:
    """What `login` and a first check leave for each account: its sign-in, an encrypted
    session and its history; and for main, the note of a password Amazon rejected."""
    for account, creds in SIGN_IN.items():
        cr.save_credentials(account, creds)
        cr.save_session(account, {"cookies": [{"name": "session-token", "value": COOKIE[account]}]})
    rejected_marker("main").write_text("", encoding="utf-8")
    with State.open() as state:
        state.record_check("main", "amazon.co.jp", [], {}, now=NOW, alerts=[])


def keyring_entries(account: str) -> dict[str, str | None]:
    return {key: keyring.get_password(f"cancelwatch:{account}", key) for key in KEYS}


def cancelwatch(*args: str) -> tuple[int, str, str]:
    with CliRunner().isolation() as streams:
        code = run(cli, list(args))
        out, err = streams[0].getvalue(), streams[1].getvalue()
    return code, out.decode(), err.decode()


def assert_no_secret_in(*texts: str) -> None:
    shown = "".join(texts)
    for creds in SIGN_IN.values():
        assert creds.password not in shown
        assert creds.totp_secret is not None and creds.totp_secret not in shown
    for cookie in COOKIE.values():
        assert cookie not in shown


# ---- logout --forget -------------------------------------------------------------------------


def test_forget_leaves_no_secret_of_the_account_in_the_secret_service(secret_service, home):
    sign_in_both()
    spare_before = keyring_entries("spare")
    session_key = keyring.get_password("cancelwatch:main", "session-key")
    assert session_key is not None
    keyring.set_password("cancelwatch:main", "mail-password", "abcd efgh ijkl mnop")

    code, out, err = cancelwatch("logout", "--account", "main", "--forget")

    assert code == 0, err
    assert keyring_entries("main") == dict.fromkeys(KEYS)
    # No entry of the account under any name, not only the four above.
    assert keyring.get_credential("cancelwatch:main", None) is None
    assert keyring_entries("spare") == spare_before
    assert spare_before["password"] == SIGN_IN["spare"].password
    assert not (home / "sessions" / "main.session").exists()
    assert not rejected_marker("main").exists()
    assert cr.load_session("spare") == {
        "cookies": [{"name": "session-token", "value": COOKIE["spare"]}]
    }
    text = (home / "config.toml").read_text(encoding="utf-8")
    assert text == (
        "# cancelwatch, set up by hand\n[crawl]\ndelay_seconds = 3  # gentle\n\n"
        '# the spare one: ordered from the US\n[accounts.spare]\nmarketplace = "amazon.com"\n'
    )
    assert set(load_config().accounts) == {"spare"}
    with State.open() as state:
        assert state.last_check("main") is not None  # the history is kept
    lines = out.splitlines()
    for removed in (
        f"removed [accounts.main] from {home / 'config.toml'}",
        "removed the password of 'main' from the keyring",
        "removed the TOTP secret of 'main' from the keyring",
        "removed the session key of 'main' from the keyring",
        "removed the email address of 'main' from the keyring",
        "removed the mail app password of 'main' from the keyring",
        "removed the note that Amazon rejected the password of 'main'",
        f"kept its order history in {home / 'state.db'}",
    ):
        assert removed in lines
    assert any(line.startswith("removed the saved browser session of 'main'") for line in lines)
    assert "did not visit Amazon" in out and "sign out everywhere" in out
    assert_no_secret_in(out, err, session_key)


def test_forget_removes_a_second_copy_another_tool_left(secret_service):
    cr.save_credentials("main", SIGN_IN["main"])
    connection = secretstorage.dbus_init()
    try:
        collection = secretstorage.get_default_collection(connection)
        collection.create_item(
            "an older copy",
            {"service": "cancelwatch:main", "username": "password", "application": "other"},
            b"an older password",
            replace=False,
        )
        query = {"service": "cancelwatch:main", "username": "password"}
        assert len(list(collection.search_items(query))) == 2

        code, _, err = cancelwatch("logout", "--account", "main", "--forget")

        assert code == 0, err
        assert list(collection.search_items({"service": "cancelwatch:main"})) == []
    finally:
        connection.close()


def test_a_second_forget_finishes_what_an_interrupted_one_left(secret_service, home):
    """The config went, then the keyring stopped answering: the account is no longer in
    config.toml, but what is left of it is still found and removed."""
    sign_in_both()
    assert remove_account("main")

    code, out, err = cancelwatch("logout", "--account", "main", "--forget")

    assert code == 0, err
    assert keyring.get_credential("cancelwatch:main", None) is None
    assert not (home / "sessions" / "main.session").exists()
    assert "removed [accounts.main]" not in out
    assert "removed the password of 'main' from the keyring" in out.splitlines()


def test_forget_once_more_when_nothing_is_left_says_so(secret_service, home):
    sign_in_both()
    assert cancelwatch("logout", "--account", "main", "--forget")[0] == 0
    config = (home / "config.toml").read_bytes()

    code, out, err = cancelwatch("logout", "--account", "main", "--forget")

    assert code == 2 and out == ""
    assert err == (
        f"cancelwatch: error: no account named 'main': not in {home / 'config.toml'}, and the "
        "keyring holds nothing of it (known: spare)\n"
    )
    assert (home / "config.toml").read_bytes() == config
    assert keyring_entries("spare")["password"] == SIGN_IN["spare"].password


def test_a_table_it_cannot_remove_for_you_stops_before_any_secret_goes(secret_service, home):
    (home / "config.toml").write_text(
        '[accounts]\nmain = { marketplace = "amazon.co.jp" }\n', encoding="utf-8"
    )
    sign_in_both()

    code, out, err = cancelwatch("logout", "--account", "main", "--forget")

    assert code == 2 and out == ""
    assert "cannot remove [accounts.main] without changing the rest" in err
    assert "delete that table by hand" in err and len(err.splitlines()) == 1
    assert keyring_entries("main")["password"] == SIGN_IN["main"].password
    assert (home / "sessions" / "main.session").exists()


def test_forget_with_the_encrypted_secrets_file(home, monkeypatch):
    """No keyring at all: the secrets the user opted in to keep in the file go from it."""
    monkeypatch.setenv(cr.STORE_ENV, "file")
    monkeypatch.setenv(pp.PASSPHRASE_ENV, "a long passphrase nobody else knows")
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        sign_in_both()
        code, out, err = cancelwatch("logout", "--account", "main", "--forget")
    finally:
        keyring.set_keyring(previous)

    assert code == 0, err
    store = cr.secret_store()
    assert [key for key in KEYS if store.get("main", key) is not None] == []
    assert store.get("spare", "password") == SIGN_IN["spare"].password
    assert store.get("spare", "session-key") is not None
    where = f"the secrets file {home / 'secrets.enc'}"
    assert f"removed the password of 'main' from {where}" in out.splitlines()
    assert_no_secret_in(out, err)


def test_forget_points_at_a_secrets_file_the_keyring_does_not_cover(secret_service, home):
    """Signed in once with the file store, now run with the keyring: nothing of the account
    is in the keyring, and the file that may hold it is named."""
    (home / "secrets.enc").write_bytes(b"{}")

    code, out, err = cancelwatch("logout", "--account", "main", "--forget")

    assert code == 0, err
    assert (
        f"the keyring held no secret of 'main'; {home / 'secrets.enc'} exists too: if the "
        "account was stored there, run this again with CANCELWATCH_SECRETS=file and "
        "CANCELWATCH_PASSPHRASE set"
    ) in out.splitlines()


def test_forget_without_a_keyring_is_one_line_and_touches_nothing(home):
    cr.write_private(cr.session_path("main"), b"an encrypted session")
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        code, out, err = cancelwatch("logout", "--account", "main", "--forget")
    finally:
        keyring.set_keyring(previous)

    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert "CANCELWATCH_SECRETS=file" in err
    assert (home / "config.toml").read_text(encoding="utf-8") == CONFIG
    assert cr.session_path("main").exists()


# ---- logout ------------------------------------------------------------------------------


def test_logout_ends_the_session_and_keeps_every_secret_and_the_config(secret_service, home):
    sign_in_both()
    before = keyring_entries("main")

    code, out, err = cancelwatch("logout", "--account", "main")

    assert code == 0, err
    assert not (home / "sessions" / "main.session").exists()
    assert cr.load_session("main") is None  # the next check signs in afresh
    assert keyring_entries("main") == before
    assert before["password"] == SIGN_IN["main"].password and before["session-key"]
    assert cr.load_session("spare") is not None
    assert (home / "config.toml").read_text(encoding="utf-8") == CONFIG
    assert rejected_marker("main").exists()  # a rejected password is still not retried
    lines = out.splitlines()
    assert lines[0] == (
        f"removed the saved browser session of 'main' ({home / 'sessions' / 'main.session'}); "
        "its next check signs in afresh"
    )
    assert "`cancelwatch logout --account main --forget` removes them" in lines[1]
    assert lines[2] == f"kept its order history in {home / 'state.db'}"
    assert "did not visit Amazon" in lines[3] and "on amazon.co.jp" in lines[3]
    assert_no_secret_in(out, err)

    code, out, err = cancelwatch("logout", "--account", "main")
    assert code == 0, err
    assert out.splitlines()[0] == "'main' had no saved browser session here"


def test_logout_needs_no_keyring(home):
    cr.write_private(cr.session_path("main"), b"an encrypted session")
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        code, _, err = cancelwatch("logout", "--account", "main")
    finally:
        keyring.set_keyring(previous)
    assert code == 0, err
    assert not cr.session_path("main").exists()


@pytest.mark.parametrize("forget", [[], ["--forget"]], ids=["logout", "forget"])
def test_an_unknown_account_is_one_line_that_lists_the_known_ones(
    secret_service, home, forget: list[str]
):
    sign_in_both()
    sessions = sorted(p.name for p in (home / "sessions").iterdir())

    code, out, err = cancelwatch("logout", "--account", "mian", *forget)

    assert code == 2 and out == ""
    assert err.startswith("cancelwatch: error: no account named 'mian': not in ")
    assert err.endswith("(known: main, spare)\n") and len(err.splitlines()) == 1
    assert sorted(p.name for p in (home / "sessions").iterdir()) == sessions
    assert keyring_entries("main")["password"] == SIGN_IN["main"].password
    assert (home / "config.toml").read_text(encoding="utf-8") == CONFIG


def test_logout_never_guesses_the_account(home):
    code, out, err = cancelwatch("logout", "--forget")
    assert code == 2 and out == ""
    assert err == (
        "cancelwatch: error: logout needs --account NAME (known: main, spare); it never "
        "guesses which account to sign out\n"
    )


def test_a_name_that_is_a_path_reaches_no_file_outside_the_sessions(home):
    outside = home / "outside.session"
    outside.write_text("not cancelwatch's", encoding="utf-8")
    (home / "sessions").mkdir()

    code, _, err = cancelwatch("logout", "--account", "../outside")

    assert code == 2 and "no account named '../outside'" in err
    assert outside.exists()


# ---- removing the table from config.toml -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "left"),
    [
        (
            CONFIG,
            CONFIG.replace('[accounts.main]  # the family one\nmarketplace = "amazon.co.jp"\n', ""),
        ),
        ('[accounts.main]\nmarketplace = "amazon.com"\n', ""),
        (
            '[accounts.main]\n# keys of main\nmarketplace = "amazon.com"\n\n\n[watch]\n'
            "interval_minutes = 30\n",
            "[watch]\ninterval_minutes = 30\n",
        ),
        (
            '[notify]\nlanguage = "en"\n\n[accounts.main]\nmarketplace = "amazon.com"\n\n'
            '[accounts.b]\nmarketplace = "amazon.com"\n',
            '[notify]\nlanguage = "en"\n\n[accounts.b]\nmarketplace = "amazon.com"\n',
        ),
    ],
    ids=["comments of the neighbours stay", "only table", "comments inside go", "blank lines"],
)
def test_remove_account_keeps_the_rest_of_the_file(tmp_path, text: str, left: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    assert remove_account("main", path)
    assert path.read_text(encoding="utf-8") == left
    assert path.stat().st_mode & 0o777 == 0o600
    assert not remove_account("main", path)  # gone already: nothing to do


def test_remove_account_with_a_quoted_name(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        '[accounts."my account"]\nmarketplace = "amazon.com"\n[accounts.b]\n', encoding="utf-8"
    )
    assert remove_account("my account", path)
    assert set(load_config(path).accounts) == {"b"}


def test_remove_account_keeps_a_linked_config_linked(tmp_path):
    kept = tmp_path / "dotfiles" / "config.toml"
    kept.parent.mkdir()
    kept.write_text(CONFIG, encoding="utf-8")
    link = tmp_path / "config.toml"
    link.symlink_to(kept)

    assert remove_account("main", link)

    assert link.is_symlink()
    assert set(load_config(link).accounts) == {"spare"}
    assert "# the spare one: ordered from the US" in kept.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "text",
    [
        '[accounts]\nmain = { marketplace = "amazon.com" }\n',
        '[accounts]\nmain.marketplace = "amazon.com"\n',
    ],
    ids=["inline table", "dotted keys"],
)
def test_remove_account_never_writes_what_it_cannot_remove_cleanly(tmp_path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"cannot remove \[accounts.main\]"):
        remove_account("main", path)
    assert path.read_text(encoding="utf-8") == text


def test_remove_account_of_no_file_or_no_such_table(tmp_path):
    path = tmp_path / "config.toml"
    assert not remove_account("main", path)
    assert not path.exists()
    path.write_text(CONFIG, encoding="utf-8")
    assert not remove_account("other", path)
    assert path.read_text(encoding="utf-8") == CONFIG
