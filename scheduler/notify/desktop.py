"""The desktop channel: a notification through desktop-notifier, with a button that opens
the order page.

desktop-notifier speaks D-Bus on Linux and to the notification centre on macOS and
Windows. It never raises when it cannot deliver (it logs and carries on), so this module
checks for itself: on Linux it resolves the session bus (a background process may lack
DBUS_SESSION_BUS_ADDRESS; the standard per-user socket is tried) and asks the bus whether
`org.freedesktop.Notifications` is there, and it counts a notification as shown only once
the backend reports it dispatched. On macOS and Windows a notification is posted under
the alert's key, so there a repeat replaces the first one.

desktop-notifier needs a running asyncio loop (also to run the button's callback later),
and callers are synchronous — the CLI, or a scheduler worker thread — so every send runs
on one private loop in a daemon thread, with a timeout.

Imports: desktop-notifier (with dbus-fast) is imported on first use only: it weighs about
17 MB of RSS, which the idle watcher does not pay until it has something to say.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import threading
import uuid
from collections.abc import Callable, Coroutine, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from cancelwatch.scheduler.notify.notice import Notice, Urgency
from cancelwatch.scheduler.policy.words import Lang, text

if TYPE_CHECKING:
    from desktop_notifier import DesktopNotifier, Notification

__all__ = ["Desktop", "notification_identifier", "session_bus_address"]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

NOTIFICATIONS_NAME: Final = "org.freedesktop.Notifications"
RUN_USER_DIR = Path("/run/user")
"""Where systemd-logind puts each user's runtime directory (and the session bus socket)."""

PROBE_TIMEOUT_S: Final = 2.0
"""How long the bus check may take: it is a local socket, an answer is instant."""
SEND_TIMEOUT_S: Final = 5.0
"""How long a desktop send may take before the notice goes to the console instead."""


# --- Where the desktop is -------------------------------------------------------------


def session_bus_address(environ: Mapping[str, str] | None = None) -> str | None:
    """The D-Bus session bus address: the environment's, else the standard user socket.

    A process started by cron, or by a service manager that does not import the
    session's environment, has no DBUS_SESSION_BUS_ADDRESS; its user's bus is still at
    $XDG_RUNTIME_DIR/bus, normally /run/user/$UID/bus. None when there is neither.
    """
    env = os.environ if environ is None else environ
    address = env.get("DBUS_SESSION_BUS_ADDRESS")
    if address:
        return address
    candidates: list[Path] = []
    runtime_dir = env.get("XDG_RUNTIME_DIR")
    if runtime_dir:
        candidates.append(Path(runtime_dir) / "bus")
    getuid: Callable[[], int] | None = getattr(os, "getuid", None)
    if getuid is not None:
        candidates.append(RUN_USER_DIR / str(getuid()) / "bus")
    for path in candidates:
        if path.is_socket():
            return f"unix:path={path}"
    return None


_ENV_LOCK = threading.Lock()


def _use_session_bus() -> str | None:
    """Resolve the session bus and make it the process's (desktop-notifier reads the env)."""
    with _ENV_LOCK:
        address = session_bus_address()
        if address is not None and not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            logger.info("DBUS_SESSION_BUS_ADDRESS was not set; using %s", address)
            os.environ["DBUS_SESSION_BUS_ADDRESS"] = address
        return address


async def _probe_notifications(address: str) -> str | None:
    """Ask the bus at `address` whether a notification service is there.

    Returns None when it is (running, or activatable on demand), else the reason.
    """
    from dbus_fast import Message, MessageType  # noqa: PLC0415 (imported by available())
    from dbus_fast.aio import MessageBus  # noqa: PLC0415 (imported by available())

    try:
        bus = await MessageBus(bus_address=address).connect()
    except Exception as exc:  # any failure to reach the bus means "no desktop"
        return f"session bus unreachable ({type(exc).__name__}: {exc})"
    try:
        for member in ("NameHasOwner", "ListActivatableNames"):
            reply = await bus.call(
                Message(
                    destination="org.freedesktop.DBus",
                    path="/org/freedesktop/DBus",
                    interface="org.freedesktop.DBus",
                    member=member,
                    signature="s" if member == "NameHasOwner" else "",
                    body=[NOTIFICATIONS_NAME] if member == "NameHasOwner" else [],
                )
            )
            if reply is None or reply.message_type == MessageType.ERROR:
                return f"the session bus refused {member}"
            found = (
                reply.body[0] if member == "NameHasOwner" else NOTIFICATIONS_NAME in reply.body[0]
            )
            if found:
                return None
        return f"no {NOTIFICATIONS_NAME} service on the session bus"
    finally:
        bus.disconnect()
        try:
            await bus.wait_for_disconnect()  # type: ignore[no-untyped-call]
        except Exception:
            logger.debug("closing the probe's bus connection", exc_info=True)


@cache
def _backend_name() -> str:
    """desktop-notifier's backend for this platform ("DummyNotificationCenter": none)."""
    from desktop_notifier.main import get_backend_class  # noqa: PLC0415 (lazy: see "Imports")

    return get_backend_class().__name__


# --- The private event loop ------------------------------------------------------------


class _LoopThread:
    """One asyncio loop in a daemon thread, shared by every desktop channel of the process.

    It stays up so that the D-Bus connection can deliver a button press long after the
    send returned; it is stopped at interpreter exit.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def _ensure(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._thread is None or not self._thread.is_alive():
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="cancelwatch-notify", daemon=True
                )
                thread.start()
                self._loop, self._thread = loop, thread
                atexit.register(self.stop)
            return self._loop

    def run(self, coro: Coroutine[Any, Any, _T], timeout: float) -> _T:
        """Run `coro` on the loop; TimeoutError (after cancelling it) when it overruns."""
        future = asyncio.run_coroutine_threadsafe(coro, self._ensure())
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise

    def stop(self) -> None:
        """Close every desktop connection still open, then the loop."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        atexit.unregister(self.stop)
        with _OPEN_LOCK:
            notifiers = list(_OPEN)
            _OPEN.clear()
        if notifiers and thread.is_alive():
            done = asyncio.run_coroutine_threadsafe(_disconnect_all(notifiers), loop)
            try:
                done.result(PROBE_TIMEOUT_S)
            except Exception:
                logger.debug("closing desktop notification connections", exc_info=True)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=2)
        if not thread.is_alive():
            loop.close()


_LOOP = _LoopThread()
_OPEN: set[DesktopNotifier] = set()
"""desktop-notifier instances whose D-Bus connection may be open (closed at exit)."""
_OPEN_LOCK = threading.Lock()


# --- The channel ----------------------------------------------------------------------------


class Desktop:
    """desktop-notifier on the private loop: one connection, reopened after a failure."""

    name: Final = "desktop"

    def __init__(
        self,
        app_name: str,
        open_url: Callable[[str], object],
        button_label: str,
        lang: Lang = "en",
    ) -> None:
        self._lang = lang
        """The language of why a notification was not shown (the log shows it)."""
        self._app_name = app_name
        self._open_url = open_url
        self._button_label = button_label
        self._notifier: DesktopNotifier | None = None
        self._address: str | None = None
        self._lock = threading.Lock()

    def available(self) -> str | None:
        """None when a desktop notification can be shown now, else why not."""
        backend = _backend_name()
        if backend == "DummyNotificationCenter":
            return text(self._lang, "desktop_no_service")
        if backend != "DBusDesktopNotifier":
            return None  # macOS / Windows: the notification centre is always there
        # Imported here, not on the loop: an import there would stall it.
        import dbus_fast.aio  # noqa: F401, PLC0415 (lazy: see "Imports")

        address = _use_session_bus()
        if address is None:
            return text(self._lang, "desktop_no_bus")
        try:
            return _LOOP.run(_probe_notifications(address), PROBE_TIMEOUT_S)
        except TimeoutError:
            return text(self._lang, "desktop_bus_silent")

    def send(self, notice: Notice) -> str | None:
        """Show `notice`; None when dispatched, else why not."""
        try:
            return self._show(notice)
        except Exception as exc:  # e.g. desktop-notifier missing: the notice goes elsewhere
            return f"{type(exc).__name__}: {exc}"

    def _show(self, notice: Notice) -> str | None:
        with self._lock:
            reason = self.available()
            if reason is not None:
                return reason
            address = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
            if self._notifier is not None and address != self._address:
                self._close_locked()  # the session changed under us: reconnect
            self._address = address
            import desktop_notifier  # noqa: F401, PLC0415 (lazy; and not on the loop)

            try:
                dispatched = _LOOP.run(self._send(notice), SEND_TIMEOUT_S)
            except TimeoutError:
                dispatched = False
                reason = text(self._lang, "desktop_timeout", seconds=SEND_TIMEOUT_S)
            except Exception as exc:  # desktop-notifier raised after all
                dispatched = False
                reason = f"{type(exc).__name__}: {exc}"
            if dispatched:
                return None
            self._close_locked()
            return reason or text(self._lang, "desktop_refused")

    def _build(self, notice: Notice, on_dispatched: Callable[[], None]) -> Notification:
        from desktop_notifier import Button, Notification  # noqa: PLC0415 (lazy: see "Imports")
        from desktop_notifier import Urgency as NativeUrgency  # noqa: PLC0415 (lazy: see "Imports")

        native = {
            Urgency.LOW: NativeUrgency.Low,
            Urgency.NORMAL: NativeUrgency.Normal,
            Urgency.CRITICAL: NativeUrgency.Critical,
        }[notice.urgency]
        url = notice.url
        open_page: Callable[[], None] | None = None
        buttons: tuple[Button, ...] = ()
        if url:

            def open_page() -> None:
                try:
                    self._open_url(url)
                except Exception:
                    logger.warning("could not open the order page", exc_info=True)

            buttons = (Button(title=self._button_label, on_pressed=open_page),)
        identifier = notification_identifier(notice.key, _backend_name())
        return Notification(
            title=notice.title,
            message=notice.body,
            urgency=native,
            buttons=buttons,
            on_clicked=open_page,
            on_dispatched=on_dispatched,
            identifier=identifier or str(uuid.uuid4()),
        )

    async def _send(self, notice: Notice) -> bool:
        from desktop_notifier import DesktopNotifier  # noqa: PLC0415 (imported by send())

        dispatched = False

        def mark() -> None:
            nonlocal dispatched
            dispatched = True

        if self._notifier is None:
            self._notifier = DesktopNotifier(app_name=self._app_name, app_icon=None)
            with _OPEN_LOCK:
                _OPEN.add(self._notifier)
        # Never raises: a failure is logged by desktop-notifier and `mark` is not called.
        await self._notifier.send_notification(self._build(notice, mark))
        return dispatched

    def close(self) -> None:
        """Drop the connection (a button pressed later no longer opens the page)."""
        with self._lock:
            self._close_locked()

    def _close_locked(self) -> None:
        notifier, self._notifier = self._notifier, None
        if notifier is None:
            return
        with _OPEN_LOCK:
            _OPEN.discard(notifier)
        try:
            _LOOP.run(_disconnect(notifier), PROBE_TIMEOUT_S)
        except Exception:
            logger.debug("closing the desktop notification connection", exc_info=True)


def notification_identifier(key: str, backend: str) -> str | None:
    """The identifier a desktop notification of the alert `key` is posted with, or None
    for a fresh one. macOS and Windows replace a notification posted under an identifier
    already shown, so a repeat takes the place of the first: the alert's key. On D-Bus the
    server assigns its own ids (desktop-notifier always asks for a new one) and
    desktop-notifier refuses an identifier it already holds: a fresh one."""
    if not key or backend == "DBusDesktopNotifier":
        return None
    return f"cancelwatch:{key}"


async def _disconnect_all(notifiers: Sequence[DesktopNotifier]) -> None:
    for notifier in notifiers:
        try:
            await _disconnect(notifier)
        except Exception:
            logger.debug("closing a desktop notification connection", exc_info=True)


async def _disconnect(notifier: DesktopNotifier) -> None:
    # desktop-notifier 6.2 has no close(); its D-Bus backend keeps the connection in
    # `_backend.bus` (absent on other platforms and before the first send).
    bus = getattr(getattr(notifier, "_backend", None), "bus", None)
    if bus is None:
        return
    bus.disconnect()
    await bus.wait_for_disconnect()
