"""Tell the user: a desktop notification, the console, and optional extra channels.

A `Notice` goes to the desktop through desktop-notifier (D-Bus on Linux, the notification
centre on macOS and Windows), with a button that opens the order page. desktop-notifier
never raises when it cannot deliver (it logs and carries on), so this module checks for
itself: on Linux it resolves the session bus (a background process may lack
DBUS_SESSION_BUS_ADDRESS; the standard per-user socket is tried) and asks the bus whether
`org.freedesktop.Notifications` is there, and it counts a notification as shown only once
the backend reports it dispatched. Whatever the desktop does, the notice is never lost:
when the desktop did not take it, it is written to the console (stderr) and the log.

Extra channels are Apprise URLs from the config (email, ntfy, Slack, LINE, ...). A
failing channel is an error in the returned `Delivery` and a log line, never an
exception. The URLs hold tokens: only their scheme is ever logged, and the `apprise`
logger is filtered so that it never prints a configured URL either.

Each channel is a step of its own. `send` takes a `Progress` (the dispatcher's record in
the state database), told before each channel is tried and as soon as it returns, which
also says what an earlier send of the same notice, cut off by a crash, already did: a
channel that has the notice is skipped; one whose attempt was cut off gets it again, its
title marked "(repeat)" /「（再送）」. On macOS and Windows a desktop notification is posted
under the alert's key, so there the repeat replaces the first one.

desktop-notifier needs a running asyncio loop (also to run the button's callback later),
and callers are synchronous — the CLI, or a scheduler worker thread — so every desktop
send runs on one private loop in a daemon thread, with a timeout.

Imports: desktop-notifier (with dbus-fast) and Apprise are imported on first use only.
They weigh about 17 MB and 32 MB of RSS; the idle watcher imports neither until it has
something to say, and Apprise only when a channel is configured.
"""

from __future__ import annotations

import asyncio
import atexit
import locale
import logging
import os
import sys
import threading
import uuid
import warnings
import webbrowser
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from enum import Enum
from functools import cache, partial
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Protocol, TextIO, TypeVar

from cancelwatch.scheduler.policy.urgency import Urgency

if TYPE_CHECKING:
    from desktop_notifier import DesktopNotifier, Notification

__all__ = [
    "CRITICAL_LEAD",
    "NORMAL_LEAD",
    "Attempt",
    "Delivery",
    "Notice",
    "Notifier",
    "Progress",
    "Urgency",
    "default_lang",
    "session_bus_address",
    "urgency_for",
]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

CRITICAL_LEAD: Final = timedelta(minutes=30)
"""A window closing this soon (or already closed) is critical."""
NORMAL_LEAD: Final = timedelta(hours=3)
"""A window closing within this is normal; anything further off is low."""

NOTIFICATIONS_NAME: Final = "org.freedesktop.Notifications"
RUN_USER_DIR = Path("/run/user")
"""Where systemd-logind puts each user's runtime directory (and the session bus socket)."""

PROBE_TIMEOUT_S: Final = 2.0
"""How long the bus check may take: it is a local socket, an answer is instant."""
SEND_TIMEOUT_S: Final = 5.0
"""How long a desktop send may take before the notice goes to the console instead."""

LANGUAGES: Final = ("en", "ja")

_TEXTS: Final[Mapping[str, Mapping[str, str]]] = {
    "en": {
        "open": "Open order",
        "notice": "Notice",
        "urgent": "Urgent",
        "repeat": "{title} (repeat)",
    },
    "ja": {
        "open": "注文を表示",
        "notice": "お知らせ",
        "urgent": "至急",
        "repeat": "{title}（再送）",
    },
}


@dataclass(frozen=True)
class Notice:
    title: str
    body: str
    url: str | None = None
    """The order page, opened by the notification's button (and by clicking it)."""
    urgency: Urgency = Urgency.NORMAL
    key: str = ""
    """The alert's unique key: for the log, and the desktop notification's identifier
    where the platform replaces a notification of the same identifier."""


@dataclass(frozen=True)
class Delivery:
    channels: tuple[str, ...]
    """Where the notice went in this send: "desktop", "console", "log",
    "apprise:<scheme>" (a second URL of the same scheme: "apprise:<scheme>#2", ...)."""
    desktop: bool
    """Whether the desktop has the notification (from this send or an earlier one)."""
    errors: tuple[str, ...] = ()
    """One line per channel that failed (URLs reduced to their scheme)."""


class Attempt(Enum):
    """What a channel does with a notice, by what an earlier send of it recorded."""

    FIRST = "first"
    """Never tried, or tried and failed: send it."""
    REPEAT = "repeat"
    """An earlier attempt was cut off (cancelwatch was killed in the middle): it may have
    arrived, so it is sent again marked as a repeat."""
    DONE = "done"
    """The channel already took it: skip it."""


class Progress(Protocol):
    """Where a send records each channel's delivery the moment it is known (the state
    database), and learns what an interrupted earlier send of the same notice did."""

    def begin(self, channel: str) -> Attempt:
        """Called before `channel` is tried; records the attempt unless DONE."""
        ...

    def end(self, channel: str, error: str | None) -> None:
        """Called as soon as `channel` returns: delivered (`error` None) or failed."""
        ...


class _Unrecorded:
    """A send nobody records: every channel tried once."""

    def begin(self, channel: str) -> Attempt:
        return Attempt.FIRST

    def end(self, channel: str, error: str | None) -> None:
        return None


_UNRECORDED: Final = _Unrecorded()


def urgency_for(lead: timedelta | None) -> Urgency:
    """The urgency of an alert sent `lead` before its window closes.

    None is an alert about a change of state (shipped, cancelled by Amazon, ...): normal.
    A lead of 30 minutes or less (also a negative one: the window closed while we were
    away) is critical; up to 3 hours is normal; anything earlier is low.
    """
    if lead is None:
        return Urgency.NORMAL
    if lead <= CRITICAL_LEAD:
        return Urgency.CRITICAL
    if lead <= NORMAL_LEAD:
        return Urgency.NORMAL
    return Urgency.LOW


def _normalise_lang(value: str) -> str | None:
    lowered = value.strip().lower()
    for lang in LANGUAGES:
        if lowered == lang or lowered.startswith((f"{lang}_", f"{lang}-", f"{lang}.")):
            return lang
    return None


def default_lang(config_value: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """ "ja" or "en": the config's choice, else the user's locale.

    The config may say "ja", "en" (or a locale such as "ja_JP"), or "auto"/nothing for
    the locale: LC_ALL, LC_MESSAGES, LANG in POSIX order, then the process locale (which
    is how Windows reports "Japanese_Japan"). Anything Japanese gives "ja"; the rest "en".
    Raises ValueError for any other configured language.
    """
    if config_value is not None and config_value.strip().lower() not in ("", "auto"):
        lang = _normalise_lang(config_value)
        if lang is None:
            raise ValueError(f"unsupported language {config_value!r}: use 'ja', 'en' or 'auto'")
        return lang
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    if environ is None:
        try:
            current = locale.getlocale()[0] or ""
        except ValueError:  # macOS: "unknown locale: UTF-8"
            current = ""
        if current.lower().startswith("ja"):
            return "ja"
    return "en"


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
    """One asyncio loop in a daemon thread, shared by every Notifier of the process.

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


class _Desktop:
    """desktop-notifier on the private loop: one connection, reopened after a failure."""

    def __init__(self, app_name: str, open_url: Callable[[str], object]) -> None:
        self._app_name = app_name
        self._open_url = open_url
        self._notifier: DesktopNotifier | None = None
        self._address: str | None = None
        self._lock = threading.Lock()

    def available(self) -> str | None:
        """None when a desktop notification can be shown now, else why not."""
        backend = _backend_name()
        if backend == "DummyNotificationCenter":
            return "no desktop notification service on this platform"
        if backend != "DBusDesktopNotifier":
            return None  # macOS / Windows: the notification centre is always there
        # Imported here, not on the loop: an import there would stall it.
        import dbus_fast.aio  # noqa: F401, PLC0415 (lazy: see "Imports")

        address = _use_session_bus()
        if address is None:
            return (
                "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set and "
                "there is no user bus socket)"
            )
        try:
            return _LOOP.run(_probe_notifications(address), PROBE_TIMEOUT_S)
        except TimeoutError:
            return "the session bus did not answer in time"

    def send(self, notice: Notice, button_label: str) -> str | None:
        """Show `notice`; None when dispatched, else why not."""
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
                dispatched = _LOOP.run(self._send(notice, button_label), SEND_TIMEOUT_S)
            except TimeoutError:
                dispatched = False
                reason = f"the notification service did not answer in {SEND_TIMEOUT_S:g} s"
            except Exception as exc:  # desktop-notifier raised after all
                dispatched = False
                reason = f"{type(exc).__name__}: {exc}"
            if dispatched:
                return None
            self._close_locked()
            return reason or "the notification service did not accept the notification"

    def _build(
        self, notice: Notice, button_label: str, on_dispatched: Callable[[], None]
    ) -> Notification:
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

            buttons = (Button(title=button_label, on_pressed=open_page),)
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

    async def _send(self, notice: Notice, button_label: str) -> bool:
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
        await self._notifier.send_notification(self._build(notice, button_label, mark))
        return dispatched

    def close(self) -> None:
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


# --- Apprise ---------------------------------------------------------------------------


def _scheme(url: str) -> str:
    scheme, sep, _ = url.partition("://")
    return scheme.lower() if sep and scheme.isascii() and scheme.isalnum() else "unknown"


def _log_failure(channel: str, error: str) -> None:
    if channel == "desktop":
        logger.warning("desktop notification not shown: %s", error)
    else:
        logger.warning("notification channel %s failed: %s", channel, error)


def _channel_names(urls: Sequence[str]) -> list[str]:
    """Each URL's channel name, by its scheme only (the rest holds tokens): "apprise:json",
    and for a second URL of the same scheme "apprise:json#2"."""
    seen: dict[str, int] = {}
    names = []
    for url in urls:
        scheme = _scheme(url)
        seen[scheme] = seen.get(scheme, 0) + 1
        suffix = f"#{seen[scheme]}" if seen[scheme] > 1 else ""
        names.append(f"apprise:{scheme}{suffix}")
    return names


class _RedactUrls(logging.Filter):
    """Keeps the configured Apprise URLs (they hold tokens) out of apprise's own log.

    Apprise prints a URL it cannot parse in full, and at DEBUG the request URL it
    derived (an ntfy topic, a webhook path): both the URL and what follows its scheme
    are replaced by "<redacted>".
    """

    def __init__(self) -> None:
        super().__init__()
        self._secrets: dict[str, str] = {}
        self._lock = threading.Lock()

    def add(self, urls: Sequence[str]) -> None:
        with self._lock:
            for url in urls:
                if not url:
                    continue
                self._secrets[url] = f"{_scheme(url)}://<redacted>"
                rest = url.partition("://")[2].partition("?")[0]
                if len(rest) >= 8:
                    self._secrets[rest] = "<redacted>"

    def redact(self, text: str) -> str:
        with self._lock:
            secrets = sorted(self._secrets.items(), key=lambda item: len(item[0]), reverse=True)
        for secret, replacement in secrets:
            text = text.replace(secret, replacement)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_REDACT = _RedactUrls()
_APPRISE_LOG = logging.getLogger("apprise")
_APPRISE_LOG.addFilter(_REDACT)
if _APPRISE_LOG.level == logging.NOTSET:
    # Its DEBUG and INFO lines print request URLs and payloads; its warnings name the
    # failing service by host, which is enough.
    _APPRISE_LOG.setLevel(logging.WARNING)


def _apprise_instance(url: str, app_name: str) -> Any:
    """An Apprise object holding `url`, or None when Apprise cannot parse it."""
    # Apprise loads its plugins on first use; some import modules that are deprecated
    # (imghdr): not our warning to raise.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import apprise  # noqa: PLC0415 (lazy: see "Imports")

        instance = apprise.Apprise(asset=apprise.AppriseAsset(app_id=app_name))
        if not instance.add(url):
            return None
    return instance


# --- The notifier ------------------------------------------------------------------------


class Notifier:
    """Sends each `Notice` to the desktop, the extra channels, and, when the desktop did
    not take it, to the console and the log. Safe to call from any thread."""

    def __init__(
        self,
        *,
        desktop: bool = True,
        apprise_urls: Sequence[str] = (),
        lang: str = "en",
        console: TextIO | None = None,
        app_name: str = "cancelwatch",
        open_url: Callable[[str], object] = webbrowser.open,
    ) -> None:
        normalised = _normalise_lang(lang)
        if normalised is None:
            raise ValueError(f"unsupported language {lang!r}: use 'ja' or 'en'")
        self.lang = normalised
        self.app_name = app_name
        self._use_desktop = desktop
        self._console = console
        self._apprise_urls = tuple(apprise_urls)
        names = _channel_names(self._apprise_urls)
        self._apprise_channels = tuple(zip(names, self._apprise_urls, strict=True))
        _REDACT.add(self._apprise_urls)
        self._apprise: dict[str, Any] = {}
        self._apprise_lock = threading.Lock()
        self._desktop = _Desktop(app_name, open_url) if desktop else None

    def __enter__(self) -> Notifier:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Drop the desktop connection (a button pressed later no longer opens the page)."""
        if self._desktop is not None:
            self._desktop.close()

    def text(self, key: str) -> str:
        return _TEXTS[self.lang][key]

    def desktop_available(self) -> bool:
        """Whether a desktop notification could be shown now (asks the bus on Linux)."""
        if self._desktop is None:
            return False
        try:
            reason = self._desktop.available()
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
        if reason is not None:
            logger.debug("desktop notifications unavailable: %s", reason)
        return reason is None

    def send(self, notice: Notice, progress: Progress | None = None) -> Delivery:
        """Send `notice` to the desktop, to each Apprise URL, and, when the desktop does
        not have it, to the console (or the log): never nowhere.

        `progress` records each channel the moment it is tried and the moment it returns,
        and tells what an earlier send of the same notice, cut off by a crash, already
        did: a channel that has the notice is skipped; one whose attempt was cut off gets
        it again, its title marked as a repeat; the others get it as usual.
        """
        progress = progress if progress is not None else _UNRECORDED
        channels: list[str] = []
        errors: list[str] = []

        def on(channel: str, send: Callable[[Notice], tuple[str, str | None]]) -> bool:
            attempt = progress.begin(channel)
            if attempt is Attempt.DONE:
                return True
            shown = self.repeated(notice) if attempt is Attempt.REPEAT else notice
            try:
                went, error = send(shown)
            except Exception as exc:  # a bug in a channel must not cost the others
                went, error = channel, type(exc).__name__
            progress.end(channel, error)
            if error is None:
                channels.append(went)
            else:
                errors.append(f"{channel}: {error}")
                _log_failure(channel, error)
            return error is None

        desktop = self._desktop is not None and on("desktop", self._send_desktop)
        for name, url in self._apprise_channels:
            on(name, partial(self._send_apprise, name, url))
        if not desktop:
            on("console", lambda shown: (self._fallback(shown), None))
        logger.info(
            "notice %s (%s) sent via %s: %s",
            notice.key or "-",
            notice.urgency.value,
            ", ".join(channels) or "nothing new",
            notice.title,
        )
        return Delivery(channels=tuple(channels), desktop=desktop, errors=tuple(errors))

    def repeated(self, notice: Notice) -> Notice:
        """`notice` marked as a repeat: "… (repeat)", 「…（再送）」."""
        return replace(notice, title=self.text("repeat").format(title=notice.title))

    def _send_desktop(self, notice: Notice) -> tuple[str, str | None]:
        assert self._desktop is not None
        try:
            reason = self._desktop.send(notice, self.text("open"))
        except Exception as exc:  # e.g. desktop-notifier missing: still never lost
            reason = f"{type(exc).__name__}: {exc}"
        return "desktop", reason

    def _send_apprise(self, name: str, url: str, notice: Notice) -> tuple[str, str | None]:
        return name, self._apprise_error(url, notice)

    def _apprise_error(self, url: str, notice: Notice) -> str | None:
        try:
            with self._apprise_lock:
                if url not in self._apprise:
                    self._apprise[url] = _apprise_instance(url, self.app_name)
                instance = self._apprise[url]
            if instance is None:
                return "Apprise cannot read this URL"
            import apprise  # noqa: PLC0415 (lazy: see "Imports")

            notify_type = (
                apprise.NotifyType.WARNING
                if notice.urgency is Urgency.CRITICAL
                else apprise.NotifyType.INFO
            )
            body = notice.body if not notice.url else f"{notice.body}\n{notice.url}"
            result = instance.notify(title=notice.title, body=body, notify_type=notify_type)
        except ImportError:
            return "Apprise is not installed"
        except Exception as exc:
            return f"{type(exc).__name__}"  # never the message: it may quote the URL
        return None if bool(result) else "not delivered"

    def console_text(self, notice: Notice) -> str:
        label = self.text("urgent" if notice.urgency is Urgency.CRITICAL else "notice")
        lines = [f"[{self.app_name}] {label}: {notice.title}"]
        lines += [f"    {line}" for line in notice.body.splitlines() if line.strip()]
        if notice.url:
            lines.append(f"    {self.text('open')}: {notice.url}")
        return "\n".join(lines) + "\n"

    def _fallback(self, notice: Notice) -> str:
        """The last resort: the console (stderr unless told otherwise), else the log."""
        text = self.console_text(notice)
        stream = self._console if self._console is not None else sys.stderr
        channel = "log"
        if stream is not None:  # pythonw.exe and some service managers have no stderr
            try:
                stream.write(text)
                stream.flush()
                channel = "console"
            except (OSError, ValueError):
                pass
        level = logging.INFO if channel == "console" else logging.WARNING
        logger.log(level, "notice %s: %s", notice.key or "-", text.rstrip("\n"))
        return channel
