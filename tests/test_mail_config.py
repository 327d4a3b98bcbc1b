"""[accounts.NAME.mail] in config.toml: checked by meaning, one line per problem, the
password command never repeated, and nothing changes for an account without it."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from cancelwatch.scheduler.config.settings import (
    Account,
    MailSettings,
    load_config,
    remove_account,
    save_account,
)
from cancelwatch.scraper.errors import ConfigError

GMAIL = """
[accounts.main]
marketplace = "amazon.co.jp"

[accounts.main.mail]
server = "imap.gmail.com"
username = "hanako@gmail.com"
authserv_id = "mx.google.com"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_mailbox_with_the_defaults(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, GMAIL))
    assert cfg.accounts["main"].mail == MailSettings(
        server="imap.gmail.com",
        username="hanako@gmail.com",
        authserv_id="mx.google.com",
        port=993,
        folder="INBOX",
        auth="password",
        password_command=None,
    )


def test_every_key_set(tmp_path: Path) -> None:
    text = (
        GMAIL + 'port = 1993\nfolder = "Amazon"\nauth = "oauth2"\npassword_command = "true --x"\n'
    )
    mail = load_config(write(tmp_path, text)).accounts["main"].mail
    assert mail is not None
    assert (mail.port, mail.folder, mail.auth, mail.password_command) == (
        1993,
        "Amazon",
        "oauth2",
        "true --x",
    )


def test_an_account_without_mail_is_as_before(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, '[accounts.main]\nmarketplace = "amazon.com"\n'))
    assert cfg.accounts["main"] == Account(name="main", marketplace="amazon.com")
    assert cfg.accounts["main"].mail is None


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (
            "port = 0\n",
            "[accounts.main] mail.port: expected a port number from 1 to 65535, like 993, got 0",
        ),
        (
            'port = "993"\n',
            'mail.port: expected a port number from 1 to 65535, like 993, got "993"',
        ),
        ('auth = "plain"\n', 'mail.auth: expected "password" or "oauth2", got "plain"'),
        ('auth = "oauth2"\n', 'auth = "oauth2" needs password_command'),
        ('folder = ""\n', "mail.folder: expected a folder name"),
        ('imap = "x"\n', "unknown key accounts.main.mail.imap"),
        (
            'password_command = "no-such-program-cw --get"\n',
            '"no-such-program-cw" is neither a program on PATH',
        ),
        ('password_command = "./pw.sh"\n', '"./pw.sh" is neither a program on PATH'),
        ('password_command = "echo \'unclosed"\n', "a quote is not closed"),
        ('password_command = ""\n', "is empty"),
    ],
)
def test_a_bad_mail_value_is_one_line(tmp_path: Path, extra: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, GMAIL + extra))
    message = str(caught.value)
    assert says in message
    assert message.startswith(str(tmp_path))
    assert "\n" not in message


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ('"imap.gmail.com"', '"imap gmail.com"', "mail.server: expected a host name"),
        ('"imap.gmail.com"', '"-imap.gmail.com"', "mail.server: expected a host name"),
        ('"imap.gmail.com"', '"imap..gmail.com"', "mail.server: expected a host name"),
        ('authserv_id = "mx.google.com"\n', "", "mail.authserv_id: missing"),
        ('username = "hanako@gmail.com"\n', "", "mail.username: missing"),
    ],
)
def test_a_bad_or_missing_server_name(tmp_path: Path, old: str, new: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, GMAIL.replace(old, new)))
    assert says in str(caught.value)


def test_an_ip_address_and_an_absolute_executable_are_accepted(tmp_path: Path) -> None:
    script = tmp_path / "token.sh"
    script.write_text("#!/bin/sh\necho x\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    text = GMAIL.replace('"imap.gmail.com"', '"127.0.0.1"') + f'password_command = "{script} a"\n'
    mail = load_config(write(tmp_path, text)).accounts["main"].mail
    assert mail is not None
    assert mail.server == "127.0.0.1"
    script.chmod(0o600)
    with pytest.raises(ConfigError, match="neither a program"):
        load_config(tmp_path / "config.toml")


def test_the_password_command_is_never_repeated_in_an_error(tmp_path: Path) -> None:
    for command in ("no-such-cw hunter2-secret", "pass\u0007 hunter2-secret", 'x "hunter2-secret'):
        with pytest.raises(ConfigError) as caught:
            load_config(
                write(tmp_path, GMAIL + f"password_command = {command!r}\n".replace("'", '"'))
            )
        assert "hunter2" not in str(caught.value)
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, GMAIL + "password_command = ['hunter2-secret']\n"))
    assert "hunter2" not in str(caught.value)


def test_login_keeps_and_remove_drops_the_accounts_mailbox(tmp_path: Path) -> None:
    path = write(tmp_path, GMAIL + '\n[accounts.other]\nmarketplace = "amazon.com"\n')
    save_account(Account(name="main", marketplace="amazon.com"), path)
    cfg = load_config(path)
    assert cfg.accounts["main"].marketplace == "amazon.com"
    assert cfg.accounts["main"].mail is not None
    assert cfg.accounts["main"].mail.server == "imap.gmail.com"
    assert remove_account("main", path)
    cfg = load_config(path)
    assert list(cfg.accounts) == ["other"]
    assert "imap.gmail.com" not in path.read_text(encoding="utf-8")
