"""A private Dovecot IMAP server for the mail tests: Debian's dovecot-imapd, configured in a
temporary folder, listening on 127.0.0.1 on a free port, one passwd-file user. Plain
text login without TLS, for the tests only. Started and stopped by the tests; readiness
is awaited by connecting, never by sleeping."""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

DOVECOT = "/usr/sbin/dovecot"
DOVEADM = "/usr/bin/doveadm"
USER = "hanako"
PASSWORD = "correct-horse-battery-staple"
_START_TIMEOUT_S = 20.0

CONFIG = """\
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
info_log_path = {dir}/dovecot.log
listen = 127.0.0.1
protocols = imap
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login{mechanisms}
{users}
first_valid_uid = 1
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u {dir}/passwd
}}
{oauth2}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={dir}/mail/%u
}}
{chroots}service imap-login {{
  {login_chroot}
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
"""


OAUTH2_PASSDB = """\
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {dir}/oauth2.conf.ext
}}
"""
OAUTH2_CONFIG = """\
introspection_mode = post
introspection_url = {url}
username_attribute = username
active_attribute = active
active_value = true
"""


def _identity() -> dict[str, str]:
    """Who Dovecot's processes run as. As root (CI's containers), its own users, since
    imap-login refuses root. As anyone else, that user for everything and no chroot,
    which Dovecot allows unprivileged: the tests then need no root."""
    if os.geteuid() == 0:
        return {
            "users": "default_internal_user = dovecot\ndefault_login_user = dovenull",
            "uid": "dovecot",
            "gid": "dovecot",
            "chroots": "",
            "login_chroot": "",
        }
    user = pwd.getpwuid(os.geteuid()).pw_name
    group = grp.getgrgid(os.getegid()).gr_name
    return {
        "users": (
            f"default_internal_user = {user}\ndefault_internal_group = {group}\n"
            f"default_login_user = {user}"
        ),
        "uid": user,
        "gid": group,
        "chroots": "service anvil {\n  chroot =\n}\n",
        "login_chroot": "chroot =",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Dovecot:
    folder: Path
    port: int
    host: str = "127.0.0.1"
    user: str = USER
    password: str = PASSWORD
    introspection_url: str | None = None
    """Where Dovecot asks whether an OAuth2 token is good; None: no XOAUTH2."""
    tls: tuple[Path, Path] | None = None
    """A certificate and its key in PEM: IMAP over TLS on `tls_port` too; None: none."""
    tls_port: int = 0

    @property
    def config(self) -> Path:
        return self.folder / "dovecot.conf"

    def write(self) -> None:
        for sub in ("run", "state", "mail"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        oauth2 = self.introspection_url is not None
        self.config.write_text(
            CONFIG.format(
                dir=self.folder,
                port=self.port,
                mechanisms=" xoauth2 oauthbearer" if oauth2 else "",
                ssl=f"ssl = yes\nssl_cert = <{self.tls[0]}\nssl_key = <{self.tls[1]}"
                if self.tls
                else "ssl = no",
                tls_port=self.tls_port,
                oauth2=OAUTH2_PASSDB.format(dir=self.folder) if oauth2 else "",
                **_identity(),
            ),
            encoding="utf-8",
        )
        if oauth2:
            (self.folder / "oauth2.conf.ext").write_text(
                OAUTH2_CONFIG.format(url=self.introspection_url), encoding="utf-8"
            )
        (self.folder / "passwd").write_text(f"{self.user}:{{PLAIN}}{self.password}\n")
        if os.geteuid() == 0:
            shutil.chown(self.folder / "mail", "dovecot", "dovecot")
        self.folder.chmod(0o755)  # Dovecot's own users reach the mail folder through it

    def start(self) -> None:
        # It daemonises: with our pipes left open the caller would wait for it forever.
        subprocess.run(
            [DOVECOT, "-c", str(self.config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
            timeout=_START_TIMEOUT_S,
            env=_real_clock(),
        )
        self._await(listening=True)

    def stop(self) -> None:
        """Stop it as a machine going down would: its client connections end too (Dovecot's
        own stop leaves the imap process of a connection running)."""
        pid_file = self.folder / "run" / "master.pid"
        pid = int(pid_file.read_text().strip()) if pid_file.exists() else None
        subprocess.run(
            [DOVEADM, "-c", str(self.config), "stop"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            check=False,
            timeout=_START_TIMEOUT_S,
            env=_real_clock(),
        )
        children = []
        if pid is not None:
            self._await_exit(pid)
            # By session, not by parent: a client that reconnects at once may meet an imap
            # process the stopping master started after we looked, left behind as an orphan.
            children = _session(pid)
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)
        for child in children:
            self._await_exit(child)
        self._await(listening=False)

    def log(self) -> str:
        path = self.folder / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _await(self, *, listening: bool) -> None:
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._accepts() == listening:
                return
        state = "accept" if listening else "stop accepting"
        raise RuntimeError(f"dovecot did not {state} connections on {self.port}: {self.log()}")

    def _accepts(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=1) as conn:
                conn.settimeout(1)
                return conn.recv(64).startswith(b"* OK")
        except OSError:
            return False

    def _await_exit(self, pid: int) -> None:
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            if not _running(pid):
                return
            time.sleep(0.01)  # no event tells us a process we did not start has exited
        raise RuntimeError(f"dovecot (pid {pid}) did not stop: {self.log()}")


def _running(pid: int) -> bool:
    """Whether `pid` still runs: an exited child of a master that is gone waits as a zombie
    for an init process to reap it, and a container's init may never do so."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _real_clock() -> dict[str, str]:
    """Our environment without libfaketime: the server is the world outside the test, and
    Dovecot halts for minutes when its processes disagree on the time (CI runs the suite
    under `faketime -f '+400d'`)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAKETIME")}
    kept = [lib for lib in env.get("LD_PRELOAD", "").split(":") if lib and "faketime" not in lib]
    env["LD_PRELOAD"] = ":".join(kept)
    return env


def _session(leader: int) -> list[int]:
    """The processes of the session that `leader` (Dovecot's master, which daemonises into
    a session of its own) started, from /proc; they keep it after their parent is gone."""
    found = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rpartition(")")[2].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[3]) == leader:
            found.append(int(stat_file.parent.name))
    return found


@contextmanager
def dovecot(
    introspection_url: str | None = None, tls: tuple[Path, Path] | None = None
) -> Iterator[Dovecot]:
    """A running private Dovecot in a temporary folder of its own, stopped and removed at
    the end. Not under pytest's tmp_path: its parents are private to root, and Dovecot's
    own users must reach the mail folder."""
    with tempfile.TemporaryDirectory(prefix="cancelwatch-dovecot-") as folder:
        server = Dovecot(
            Path(folder),
            free_port(),
            introspection_url=introspection_url,
            tls=tls,
            tls_port=free_port() if tls else 0,
        )
        server.write()
        server.start()
        try:
            yield server
        finally:
            server.stop()
