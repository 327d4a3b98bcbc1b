"""Notification test fixtures: a private D-Bus session bus and notification services on it.

Load as a plugin, next to python-dbusmock's own fixtures:

    pytest_plugins = ("dbusmock.pytest_fixtures", "tests.notify_helpers")

- `session_bus`: python-dbusmock's private session bus (`dbusmock_session`), without
  its side effect: that fixture sets DBUS_SESSION_BUS_ADDRESS for the rest of the test
  session; this one puts it back, so tests that do not ask for a bus never see it.
- `notification_daemon`: python-dbusmock's `notification_daemon` template on that bus
  (capabilities "body actions"), DBUS_SESSION_BUS_ADDRESS pointing at the bus for the
  test, its recorded calls cleared; `.calls()` reads every Notify call.
- `action_notification_server`: an `ActionNotificationServer` on a private bus of its
  own, the address set for the test: a small notification service written with
  dbus-fast. The dbusmock template cannot emit ActionInvoked (its introspection lists no
  signals, so desktop-notifier never subscribes); this one can, to press a button.
- `webhook`: a `Webhook`, a local HTTP service for Apprise's json:// URLs that logs each
  request as it arrives and can hold one open (a slow service).

Import the classes for annotations only (`if TYPE_CHECKING:`): a module listed in
pytest_plugins must not be imported before pytest registers it.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Annotated, Any

import dbus  # type: ignore[import-untyped]
import dbusmock
import pytest
from dbus_fast import RequestNameReply, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusSignature
from dbus_fast.service import ServiceInterface, dbus_method, dbus_signal
from dbusmock.testcase import BusType, PrivateDBus, SpawnedMock

NOTIFICATIONS = "org.freedesktop.Notifications"
NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"
ADDRESS_VAR = "DBUS_SESSION_BUS_ADDRESS"


@dataclass(frozen=True)
class NotifyCall:
    """One org.freedesktop.Notifications.Notify call, in plain Python values."""

    app_name: str
    replaces_id: int
    icon: str
    summary: str
    body: str
    actions: tuple[str, ...]
    hints: dict[str, Any]
    timeout: int

    @property
    def buttons(self) -> dict[str, str]:
        """Action key → label, without the "default" (click) action."""
        pairs = dict(zip(self.actions[::2], self.actions[1::2], strict=True))
        pairs.pop("default", None)
        return pairs

    @property
    def urgency(self) -> int | None:
        value = self.hints.get("urgency")
        return None if value is None else int(value)


def _plain(value: Any) -> Any:
    """dbus-python or dbus-fast values as plain Python ones."""
    if isinstance(value, Variant):
        return _plain(value.value)
    if isinstance(value, dbus.Boolean):
        return bool(value)
    if isinstance(value, dbus.String | str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def notify_call(args: Any) -> NotifyCall:
    app_name, replaces_id, icon, summary, body, actions, hints, timeout = (_plain(a) for a in args)
    return NotifyCall(
        app_name, replaces_id, icon, summary, body, tuple(actions), dict(hints), timeout
    )


@dataclass
class MockedNotifications:
    """The dbusmock notification daemon, as a test sees it."""

    mock: SpawnedMock
    address: str

    def calls(self) -> list[NotifyCall]:
        recorded = self.mock.obj.GetMethodCalls("Notify", dbus_interface=dbusmock.MOCK_IFACE)
        return [notify_call(args) for _timestamp, args in recorded]

    def clear(self) -> None:
        self.mock.obj.ClearCalls(dbus_interface=dbusmock.MOCK_IFACE)


@pytest.fixture(scope="session")
def session_bus(request: pytest.FixtureRequest) -> PrivateDBus:
    """The private session bus, leaving the environment as it found it."""
    before = os.environ.get(ADDRESS_VAR)
    bus: PrivateDBus = request.getfixturevalue("dbusmock_session")
    if before is None:
        os.environ.pop(ADDRESS_VAR, None)
    else:
        os.environ[ADDRESS_VAR] = before
    return bus


@pytest.fixture(scope="module")
def _notification_daemon_process(session_bus: PrivateDBus) -> Iterator[SpawnedMock]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ADDRESS_VAR, session_bus.address)
        mock = SpawnedMock.spawn_with_template(
            "notification_daemon", {"capabilities": "body actions"}
        )
    try:
        yield mock
    finally:
        mock.terminate()


@pytest.fixture
def notification_daemon(
    _notification_daemon_process: SpawnedMock,
    session_bus: PrivateDBus,
    monkeypatch: pytest.MonkeyPatch,
) -> MockedNotifications:
    monkeypatch.setenv(ADDRESS_VAR, session_bus.address)
    daemon = MockedNotifications(_notification_daemon_process, session_bus.address)
    daemon.clear()
    return daemon


# --- A notification service that can press buttons ------------------------------------

Strings = Annotated[list[str], DBusSignature("as")]
ServerInfo = Annotated[list[str], DBusSignature("ssss")]
Str = Annotated[str, DBusSignature("s")]
UInt = Annotated[int, DBusSignature("u")]
Int = Annotated[int, DBusSignature("i")]
Hints = Annotated[dict[str, Variant], DBusSignature("a{sv}")]
IdAndKey = Annotated[list[Any], DBusSignature("us")]
IdAndReason = Annotated[list[int], DBusSignature("uu")]


class _Notifications(ServiceInterface):
    def __init__(self) -> None:
        super().__init__(NOTIFICATIONS)
        self.calls: list[NotifyCall] = []
        self.received = threading.Event()
        self._next_id = 1

    @dbus_method()
    def GetCapabilities(self) -> Strings:
        return ["body", "actions"]

    @dbus_method()
    def GetServerInformation(self) -> ServerInfo:
        return ["test-notifications", "cancelwatch tests", "1.0", "1.2"]

    @dbus_method()
    def Notify(  # noqa: PLR0917 (the D-Bus method's own eight arguments)
        self,
        app_name: Str,
        replaces_id: UInt,
        app_icon: Str,
        summary: Str,
        body: Str,
        actions: Strings,
        hints: Hints,
        expire_timeout: Int,
    ) -> UInt:
        nid = replaces_id or self._next_id
        self._next_id += 1
        self.calls.append(
            notify_call((app_name, nid, app_icon, summary, body, actions, hints, expire_timeout))
        )
        self.received.set()
        return nid

    @dbus_method()
    def CloseNotification(self, nid: UInt):  # no "-> None": not a D-Bus type
        self.NotificationClosed(nid, 3)

    @dbus_signal()
    def ActionInvoked(self, nid: int, action_key: str) -> IdAndKey:
        return [nid, action_key]

    @dbus_signal()
    def NotificationClosed(self, nid: int, reason: int) -> IdAndReason:
        return [nid, reason]


class ActionNotificationServer:
    """org.freedesktop.Notifications on the bus at `address`, run in its own thread."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.interface = _Notifications()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._bus: MessageBus | None = None

    def __enter__(self) -> ActionNotificationServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(5)
        return self

    def __exit__(self, *exc_info: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    async def _start(self) -> None:
        self._bus = await MessageBus(bus_address=self.address).connect()
        self._bus.export(NOTIFICATIONS_PATH, self.interface)
        reply = await self._bus.request_name(NOTIFICATIONS)
        assert reply is RequestNameReply.PRIMARY_OWNER, f"{NOTIFICATIONS} is taken: {reply}"

    async def _stop(self) -> None:
        if self._bus is not None:
            self._bus.disconnect()
            await self._bus.wait_for_disconnect()

    @property
    def calls(self) -> list[NotifyCall]:
        return list(self.interface.calls)

    def wait_for_notify(self, timeout: float = 5) -> NotifyCall:
        assert self.interface.received.wait(timeout), "no Notify call arrived"
        return self.interface.calls[-1]

    def invoke(self, nid: int, action_key: str) -> None:
        """The user pressed the button `action_key` (or "default": the notification)."""
        self._loop.call_soon_threadsafe(self.interface.ActionInvoked, nid, action_key)


@pytest.fixture
def action_notification_server(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[ActionNotificationServer]:
    """On a bus of its own: `notification_daemon` owns the name on `session_bus`."""
    monkeypatch.delenv(ADDRESS_VAR, raising=False)  # PrivateDBus sets it; this restores it
    with PrivateDBus(BusType.SESSION) as bus:
        monkeypatch.setenv(ADDRESS_VAR, bus.address)
        with ActionNotificationServer(bus.address) as server:
            yield server


# --- A webhook service for Apprise's json:// channel ----------------------------------


@dataclass(frozen=True)
class Received:
    """One request the webhook received, as it arrived."""

    path: str
    content_type: str
    payload: bytes

    @property
    def message(self) -> dict[str, Any]:
        """The JSON Apprise's json:// sends: title, message, type, ..."""
        value: dict[str, Any] = json.loads(self.payload)
        return value


class Webhook:
    """A local HTTP endpoint standing in for a webhook service (Apprise's json://).

    It keeps every request, in the order they arrived, as soon as their body is read.
    `hold(title)` makes it a slow service for the first request with that title: the
    request is kept, and the answer waits until `release()` (or the client gives up).
    """

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._arrived = threading.Condition()
        self._hold: str | None = None
        self._released = threading.Event()
        webhook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                received = Received(
                    self.path, self.headers.get("Content-Type", ""), self.rfile.read(length)
                )
                held = webhook._record(received)
                if held:
                    webhook._released.wait(60)
                try:
                    self.send_response(200)
                    self.end_headers()
                except OSError:  # the client is gone (killed while we held it)
                    pass

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str = "hook", *, read_timeout: float | None = None) -> str:
        query = f"?rto={read_timeout:g}" if read_timeout is not None else ""
        return f"json://127.0.0.1:{self.port}/{path}{query}"

    def hold(self, title: str) -> None:
        self._hold = title

    def release(self) -> None:
        self._released.set()

    def _record(self, received: Received) -> bool:
        with self._arrived:
            self.received.append(received)
            held = self._hold is not None and received.message.get("title") == self._hold
            if held:
                self._hold = None
            self._arrived.notify_all()
        return held

    def titles(self) -> list[str]:
        with self._arrived:
            return [r.message["title"] for r in self.received]

    def wait_for(self, condition: Callable[[list[str]], bool], timeout: float = 30) -> None:
        """Until `condition(titles received so far)` holds."""
        with self._arrived:
            met = self._arrived.wait_for(
                lambda: condition([r.message["title"] for r in self.received]), timeout
            )
        assert met, f"the webhook received only {self.titles()}"

    def __enter__(self) -> Webhook:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    with Webhook() as running:
        yield running
