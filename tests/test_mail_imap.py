"""The IMAP source against a real server (a private Dovecot): a mail appended is heard over
IDLE within seconds, a restart of the server neither loses nor repeats a mail, a refused
login is one clear error without retries, and no password or command output is logged."""

from __future__ import annotations

import ipaddress
import json
import logging
import queue
import socket
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from imapclient import IMAPClient

from cancelwatch.scheduler.config.settings import MailSettings
from cancelwatch.scheduler.mail.imap import (
    Backoff,
    Checkpoint,
    Credential,
    ImapSource,
    MailCredentialError,
    MailFolderMissing,
    MailLoginRejected,
    password_command,
    run_password_command,
)
from cancelwatch.scheduler.mail.recognise import MailEvent
from cancelwatch.scheduler.mail.rules import load_rules
from cancelwatch.scraper.errors import ConfigError
from tests.dovecot import USER, Dovecot, dovecot
from tests.mail_samples import SERVER, com_order, jp_order

RULES = load_rules()
FAST = Backoff(first_s=0.05, most_s=0.4)
HEARD_WITHIN_S = 5.0
"""The issue's bound, from a mail appended to its event: the latency test holds to it."""
PATIENCE_S = 20.0
"""How long the other tests wait for what must come: a loaded CI machine is slow."""


@pytest.fixture(scope="module")
def imap() -> Iterator[Dovecot]:
    with dovecot() as server:
        yield server


def settings(on: Dovecot, **overrides: object) -> MailSettings:
    values: dict[str, object] = {
        "server": on.host,
        "port": on.port,
        "username": on.user,
        "authserv_id": SERVER,
        "folder": "INBOX",
    }
    values.update(overrides)
    return MailSettings(**values)  # type: ignore[arg-type]


def source(server: Dovecot, credential: Credential | None = None, **kwargs: object) -> ImapSource:
    return ImapSource(
        "main",
        settings(server),
        RULES,
        credential or (lambda: server.password),
        allow_plain_loopback=True,
        backoff=FAST,
        timeout_s=5.0,
        **kwargs,  # type: ignore[arg-type]
    )


def append(server: Dovecot, raw: bytes) -> float:
    """Deliver `raw` as a mail server would, from another connection; when it was done."""
    with IMAPClient(server.host, server.port, ssl=False) as client:
        client.login(server.user, server.password)
        client.append("INBOX", raw)
        return time.monotonic()


class Heard:
    """What a source running in a thread yields, with when each came."""

    def __init__(self, running: ImapSource) -> None:
        self.source = running
        self.stop = threading.Event()
        self.items: queue.Queue[tuple[float, MailEvent] | BaseException] = queue.Queue()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            for event in self.source.events(self.stop):
                self.items.put((time.monotonic(), event))
        except BaseException as exc:  # handed to the test thread
            self.items.put(exc)

    def next(self, within_s: float = PATIENCE_S) -> tuple[float, MailEvent]:
        item = self.items.get(timeout=within_s)
        if isinstance(item, BaseException):
            raise item
        return item

    def listening(self) -> None:
        assert self.source.listening.wait(PATIENCE_S), "the source never started to IDLE"


@contextmanager
def heard(running: ImapSource) -> Iterator[Heard]:
    listener = Heard(running)
    listener.thread.start()
    try:
        yield listener
    finally:
        listener.stop.set()
        running.interrupt()
        listener.thread.join(timeout=PATIENCE_S)
        assert not listener.thread.is_alive(), "the source did not stop"


def order_mail(order_id: str) -> bytes:
    return com_order(
        subject=f"Your Amazon.com order #{order_id}",
        message_id=f"<{order_id}@email.amazonses.com>",
        parts=[("plain", "UTF-8", "7bit", f"Order #{order_id}\r\n".encode())],
    )


def test_an_appended_mail_is_heard_over_idle_within_seconds(
    imap: Dovecot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="cancelwatch.scheduler.mail")
    latencies = []
    with heard(source(imap)) as listener:
        listener.listening()
        phishing = jp_order(auth=[f"{SERVER}; dkim=none"], message_id="<phish@x.icu>")
        append(imap, phishing)
        for n in range(5):
            listener.listening()
            order_id = f"113-000000{n}-0000001"
            sent = append(imap, order_mail(order_id))
            at, event = listener.next()
            assert event.kind == "ordered"
            assert event.order_ids == (order_id,)  # the phishing copy yielded nothing
            latencies.append(at - sent)
    assert max(latencies) < HEARD_WITHIN_S, latencies
    said = [r.getMessage() for r in caplog.records if "not acted on" in r.getMessage()]
    assert len(said) == 1
    assert "unauthenticated" in said[0]


def test_the_mails_read_stay_unread(imap: Dovecot) -> None:
    with heard(source(imap)) as listener:
        listener.listening()
        append(imap, order_mail("113-1111111-0000001"))
        listener.next()
    with IMAPClient(imap.host, imap.port, ssl=False) as client:
        client.login(imap.user, imap.password)
        client.select_folder("INBOX", readonly=True)
        newest = max(client.search(["ALL"]))
        flags = client.get_flags([newest])[newest]
    assert b"\\Seen" not in flags


def test_mails_that_came_while_away_are_read_once_from_the_checkpoint(imap: Dovecot) -> None:
    first = source(imap)
    with heard(first) as listener:
        listener.listening()
        append(imap, order_mail("113-2222222-0000001"))
        assert listener.next()[1].order_ids == ("113-2222222-0000001",)
    kept = first.checkpoint
    assert isinstance(kept, Checkpoint)
    append(imap, order_mail("113-2222222-0000002"))
    append(imap, order_mail("113-2222222-0000003"))
    with heard(source(imap, checkpoint=kept)) as listener:
        assert listener.next()[1].order_ids == ("113-2222222-0000002",)
        assert listener.next()[1].order_ids == ("113-2222222-0000003",)
        listener.listening()
        append(imap, order_mail("113-2222222-0000004"))
        assert listener.next()[1].order_ids == ("113-2222222-0000004",)


def test_another_uidvalidity_starts_from_the_newest_mail(imap: Dovecot) -> None:
    append(imap, order_mail("113-3333333-0000001"))
    stale = Checkpoint(uidvalidity=1, last_uid=0)
    with heard(source(imap, checkpoint=stale)) as listener:
        listener.listening()
        append(imap, order_mail("113-3333333-0000002"))
        # Not the mails of the old numbering (they would come first), only the new one.
        assert listener.next()[1].order_ids == ("113-3333333-0000002",)


def test_a_restarted_server_is_reconnected_without_losing_or_repeating_a_mail(
    imap: Dovecot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="cancelwatch.scheduler.mail")
    with heard(source(imap)) as listener:
        listener.listening()
        append(imap, order_mail("113-4444444-0000001"))
        assert listener.next()[1].order_ids == ("113-4444444-0000001",)
        imap.stop()
        imap.start()
        # Before the source is back: it must be read on reconnecting, not skipped.
        append(imap, order_mail("113-4444444-0000002"))
        assert listener.next()[1].order_ids == ("113-4444444-0000002",)
        listener.listening()
        append(imap, order_mail("113-4444444-0000003"))
        # The next one is the new mail: nothing before it was yielded a second time.
        assert listener.next()[1].order_ids == ("113-4444444-0000003",)
    assert any("connecting again" in r.getMessage() for r in caplog.records)


def test_a_wrong_password_is_one_clear_error_and_no_retry(
    imap: Dovecot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(1)
    calls = []

    def wrong() -> str:
        calls.append(1)
        return "hunter2-wrong-password"

    with pytest.raises(MailLoginRejected) as caught:
        for _ in source(imap, credential=wrong).events(threading.Event()):
            pass
    message = str(caught.value)
    assert "refused the login of 'hanako'" in message
    assert "hunter2" not in message
    assert "hunter2" not in caplog.text
    assert caught.value.exit_code == 2
    assert calls == [1]


def test_a_missing_folder_is_a_config_error(imap: Dovecot) -> None:
    missing = ImapSource(
        "main",
        settings(imap, folder="Amazon"),
        RULES,
        lambda: imap.password,
        allow_plain_loopback=True,
    )
    with pytest.raises(MailFolderMissing, match="no folder 'Amazon'"):
        next(missing.events(threading.Event()))


def test_a_server_that_never_answers_times_out_and_is_tried_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="cancelwatch.scheduler.mail")
    accepted: queue.Queue[socket.socket] = queue.Queue()
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]

        def accept() -> None:
            for _ in range(2):
                conn, _ = silent.accept()
                accepted.put(conn)  # held open, never written to

        threading.Thread(target=accept, daemon=True).start()
        mute = MailSettings(server="127.0.0.1", port=port, username="u", authserv_id=SERVER)
        running = ImapSource(
            "main",
            mute,
            RULES,
            lambda: "pw",
            allow_plain_loopback=True,
            backoff=FAST,
            timeout_s=0.3,
        )
        with heard(running):
            first, second = accepted.get(timeout=PATIENCE_S), accepted.get(timeout=PATIENCE_S)
        first.close()
        second.close()
    assert any("did not answer in time" in r.getMessage() for r in caplog.records)


def test_plain_text_is_only_for_this_machine(imap: Dovecot) -> None:
    with pytest.raises(ConfigError, match="plain text IMAP is allowed to this machine only"):
        ImapSource(
            "main",
            settings(imap, server="imap.gmail.com"),
            RULES,
            lambda: "x",
            allow_plain_loopback=True,
        )


def test_backoff_doubles_up_to_a_ceiling_with_jitter() -> None:
    backoff = Backoff(first_s=2, most_s=60)
    assert [backoff.delay(n, lambda: 1.0) for n in range(7)] == [2, 4, 8, 16, 32, 60, 60]
    assert [backoff.delay(n, lambda: 0.0) for n in range(3)] == [1, 2, 4]
    assert backoff.delay(10_000, lambda: 1.0) == 60


# -- password_command ------------------------------------------------------------------------


def script(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_password_command_logs_in_and_its_output_is_never_logged(
    imap: Dovecot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(1)  # everything, imapclient's own protocol log included
    printer = script(tmp_path, "pw.sh", f"printf '%s\\nsecond line\\n' '{imap.password}'\n")
    with heard(source(imap, credential=password_command(f"{printer} --account 'main'"))) as got:
        got.listening()
        append(imap, order_mail("113-5555555-0000001"))
        assert got.next()[1].order_ids == ("113-5555555-0000001",)
    assert imap.password not in caplog.text
    assert "second line" not in caplog.text


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("echo hunter2-secret; echo hunter2-secret >&2; exit 3\n", "failed with exit code 3"),
        ("printf '\\n\\n'\n", "printed nothing"),
        ("sleep 5; echo hunter2-secret\n", "printed nothing within 0.3 s"),
    ],
)
def test_a_failing_password_command_says_why_without_its_output(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, body: str, says: str
) -> None:
    caplog.set_level(1)
    command = f"{script(tmp_path, 'pw.sh', body)} hunter2-argument"
    with pytest.raises(MailCredentialError) as caught:
        run_password_command(command, timeout_s=0.3)
    assert says in str(caught.value)
    assert "hunter2" not in str(caught.value)
    assert "hunter2" not in caplog.text


def test_password_command_runs_without_a_shell_or_our_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CANCELWATCH_PASSPHRASE", "file-passphrase")
    monkeypatch.setenv("MAILPASS_HINT", "kept")
    env = script(
        tmp_path,
        "env.sh",
        'printf "%s|%s|%s" "${CANCELWATCH_PASSPHRASE:-gone}" "$MAILPASS_HINT" "$1"\n',
    )
    # A shell would expand $HOME and run the second command; split as words, it does not.
    assert run_password_command(f"{env} '$HOME; echo owned'") == "gone|kept|$HOME; echo owned"
    with pytest.raises(MailCredentialError, match="not an executable program"):
        run_password_command("no-such-program-cw")


# -- XOAUTH2 ---------------------------------------------------------------------------------

TOKEN = "ya29.a0-token-for-the-tests"


class Introspection(BaseHTTPRequestHandler):
    """An OAuth2 token introspection endpoint (RFC 7662): TOKEN is hanako's, nothing else."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        token = parse_qs(self.rfile.read(length).decode()).get("token", [""])[0]
        good = token == TOKEN
        body = json.dumps({"active": "true", "username": USER} if good else {"active": "false"})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reads the source's logs, not this server's."""


@pytest.fixture(scope="module")
def oauth_imap() -> Iterator[Dovecot]:
    with ThreadingHTTPServer(("127.0.0.1", 0), Introspection) as http:
        threading.Thread(target=http.serve_forever, daemon=True).start()
        try:
            with dovecot(f"http://127.0.0.1:{http.server_address[1]}/introspect") as server:
                yield server
        finally:
            http.shutdown()


def test_xoauth2_with_a_token_from_password_command(
    oauth_imap: Dovecot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(1)
    printer = script(tmp_path, "token.sh", f"echo {TOKEN}\n")
    oauth2 = ImapSource(
        "main",
        settings(oauth_imap, auth="oauth2"),
        RULES,
        password_command(str(printer)),
        allow_plain_loopback=True,
        backoff=FAST,
    )
    with heard(oauth2) as listener:
        listener.listening()
        append(oauth_imap, order_mail("113-6666666-0000001"))
        assert listener.next()[1].order_ids == ("113-6666666-0000001",)
    assert TOKEN not in caplog.text
    stale = ImapSource(
        "main", settings(oauth_imap, auth="oauth2"), RULES, lambda: "expired-token-cw",
        allow_plain_loopback=True,
    )  # fmt: skip
    with pytest.raises(MailLoginRejected, match="check the user name and the token") as caught:
        next(stale.events(threading.Event()))
    assert "expired-token-cw" not in str(caught.value) + caplog.text


# -- TLS -------------------------------------------------------------------------------------


def certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A CA of the test's own and a certificate it signed for 127.0.0.1, valid around the
    test process's clock (moved or not): (CA, certificate, key) in PEM."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cancelwatch test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


@pytest.fixture(scope="module")
def tls_imap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Dovecot, Path]]:
    ca, cert, key = certificates(tmp_path_factory.mktemp("tls"))
    with dovecot(tls=(cert, key)) as server:
        yield server, ca


def test_tls_to_a_server_whose_certificate_is_trusted(
    tls_imap: tuple[Dovecot, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, ca = tls_imap
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))  # the system's trust store, for this test
    secure = ImapSource(
        "main", settings(server, port=server.tls_port), RULES, lambda: server.password, backoff=FAST
    )
    with heard(secure) as listener:
        listener.listening()
        append(server, order_mail("113-7777777-0000001"))
        assert listener.next()[1].order_ids == ("113-7777777-0000001",)


class Said(logging.Handler):
    """Each message logged, as it is logged: a test awaits one without polling."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: queue.Queue[str] = queue.Queue()

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.put(record.getMessage())


def test_tls_refuses_a_certificate_it_cannot_trust(
    tls_imap: tuple[Dovecot, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, ca = tls_imap
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.with_name("nothing-trusted.pem")))
    said = Said()
    logger = logging.getLogger("cancelwatch.scheduler.mail")
    logger.addHandler(said)
    calls = []

    def password() -> str:
        calls.append(1)
        return server.password

    secure = ImapSource(
        "main", settings(server, port=server.tls_port), RULES, password, backoff=FAST
    )
    try:
        with heard(secure):
            # Twice: refused, and tried again later rather than given up on.
            for _ in range(2):
                message = said.messages.get(timeout=PATIENCE_S)
                assert "TLS failed" in message
                assert "CERTIFICATE_VERIFY_FAILED" in message
    finally:
        logger.removeHandler(said)
    assert calls == []  # no password was ever sent to it


def test_idle_is_renewed_and_still_hears_a_mail(imap: Dovecot) -> None:
    said = Said()
    protocol = logging.getLogger("imapclient.imapclient")
    level = protocol.level
    protocol.addHandler(said)
    protocol.setLevel(logging.DEBUG)
    try:
        with heard(source(imap, idle_renew_s=0.2)) as listener:
            renewals = 0
            while renewals < 3:  # each renewal ends the IDLE with DONE and starts another
                renewals += said.messages.get(timeout=PATIENCE_S) == "< DONE"
            listener.listening()
            append(imap, order_mail("113-8888888-0000001"))
            assert listener.next()[1].order_ids == ("113-8888888-0000001",)
    finally:
        protocol.removeHandler(said)
        protocol.setLevel(level)
