"""Starting and stopping the dashboard's server, in a thread of this process, and the
token that opens it.

The socket is bound here, before uvicorn runs, so a port in use is a one-line error of
ours (uvicorn would log it and exit its thread) and port 0 gives a free port whose number
we know. uvicorn's access log is off: it would write every URL, token included.
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import re
import secrets
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from cancelwatch.scraper.browse.credentials import write_private
from cancelwatch.scraper.errors import CancelwatchError, ConfigError
from cancelwatch.scraper.files import read_regular_file

TOKEN_FILE = "dashboard-token"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,128}")
_WILDCARDS = ("0.0.0.0", "::")
_START_TIMEOUT_S = 30.0


class ServeError(CancelwatchError):
    """The dashboard could not start: its port is taken, its address is not this
    computer's."""

    exit_code = 2


def load_token(folder: Path) -> str:
    """The dashboard's token, kept in `folder` (owner-only); made at the first start."""
    path = folder / TOKEN_FILE
    if not path.exists():
        token = secrets.token_urlsafe(32)
        write_private(path, token.encode("ascii"))
        return token
    raw = read_regular_file(path, 1000)
    token = raw.decode("ascii", errors="replace").strip()
    if not _TOKEN.fullmatch(token):
        # Never the file's content in the message: it may be a token after all.
        raise ConfigError(
            f"{path}: is not a dashboard token; delete it and start the dashboard again to "
            "make a new one (the old URL stops working)"
        )
    return token


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_wildcard(host: str) -> bool:
    return host in _WILDCARDS


@dataclass
class Dashboard:
    """An ASGI app served on (host, port) from a thread; `start` returns once it answers."""

    app: Any
    host: str
    port: int
    token: str = ""

    def __post_init__(self) -> None:
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._failed: BaseException | None = None

    def url(self, name: str) -> str:
        """The address to open, by `name`, token included."""
        shown = f"[{name}]" if ":" in name else name
        return f"http://{shown}:{self.port}/?token={self.token}"

    def start(self, sock: socket.socket | None = None) -> Dashboard:
        """Serve on `sock` (bound by `bind`), or on a socket bound here."""
        # uvicorn logs each request line whenever its access logger has a handler: the
        # line holds the query string, and the token with it.
        logging.getLogger("uvicorn.access").disabled = True
        sock = sock or bind(self.host, self.port)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_config=None,
            access_log=False,
            lifespan="off",
            proxy_headers=False,
            server_header=False,
            http="h11",
            loop="asyncio",
            ws="none",
            timeout_graceful_shutdown=5,
        )
        self._server = server = _Server(config, self._ready)
        self._thread = threading.Thread(
            target=self._run, args=(server, sock), name="dashboard", daemon=True
        )
        self._thread.start()
        self._ready.wait(_START_TIMEOUT_S)
        if not server.started:
            self.stop()
            why = f": {self._failed}" if self._failed else ""
            raise ServeError(f"the dashboard did not start on {self.host}:{self.port}{why}")
        return self

    def _run(self, server: uvicorn.Server, sock: socket.socket) -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # SystemExit from uvicorn's startup, too
            self._failed = exc
        finally:
            sock.close()
            self._ready.set()

    def stop(self) -> None:
        """Stop serving and wait for the thread (idempotent)."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join()
            self._thread = None


class _Server(uvicorn.Server):
    """uvicorn's server, telling when it listens."""

    def __init__(self, config: uvicorn.Config, ready: threading.Event) -> None:
        super().__init__(config)
        self._ready_event = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self._ready_event.set()


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on (host, port); a ServeError of one line when it cannot be."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ServeError(
            f"cannot listen on {host}: {exc.strerror}; give an address of this computer in "
            "[serve] host or --host, like 127.0.0.1"
        ) from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6 and host == "::":
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ServeError(_bind_problem(host, port, exc)) from None
    sock.setblocking(False)
    return sock


def _bind_problem(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (
            f"port {port} on {host} is already in use (another cancelwatch serve or watch?); "
            "stop it, or choose another with --port or [serve] port"
        )
    if exc.errno == errno.EADDRNOTAVAIL:
        return (
            f"{host} is not an address of this computer; give one of its own in [serve] host "
            "or --host, like 127.0.0.1"
        )
    if exc.errno == errno.EACCES:
        return f"not allowed to listen on {host}:{port}; choose a port from 1024 up"
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
