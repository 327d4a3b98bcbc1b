"""Notifications, for real: a private D-Bus session bus with a mocked notification service,
a bus that is not there, Apprise channels against a local HTTP server."""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import subprocess
import sys
import threading
from dataclasses import astuple, dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from dbusmock.testcase import BusType, PrivateDBus

from cancelwatch.scheduler.notify import desktop as notify
from cancelwatch.scheduler.notify.apprise_urls import apprise_channels
from cancelwatch.scheduler.notify.channels import (
    Attempt,
    Delivery,
    Lineup,
    Notice,
    Notifier,
    Urgency,
    default_lang,
    deliver,
    urgency_for,
)
from cancelwatch.scheduler.notify.console import Console
from cancelwatch.scheduler.notify.desktop import Desktop

if TYPE_CHECKING:
    from tests.notify_helpers import ActionNotificationServer, MockedNotifications, Webhook

pytest_plugins = ("dbusmock.pytest_fixtures", "tests.notify_helpers")

ORDER_URL = "https://www.amazon.co.jp/gp/your-account/order-details?orderID=249-4829175-3061842"

NOTICE = Notice(
    title="Cancel window closes in 30 min",
    body="Order 249-4829175-3061842 can be cancelled until 14:00.",
    url=ORDER_URL,
    urgency=Urgency.CRITICAL,
    key="249-4829175-3061842:cancel:30m",
)


@pytest.fixture
def no_user_bus(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No session bus anywhere: no address, no $XDG_RUNTIME_DIR, an empty /run/user."""
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    run_user = tmp_path / "run-user"
    run_user.mkdir()
    monkeypatch.setattr(notify, "RUN_USER_DIR", run_user)
    return run_user


@pytest.fixture
def dead_socket(tmp_path: Path) -> Path:
    """A socket file nobody listens on (a session bus that went away)."""
    path = tmp_path / "bus"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.bind(str(path))
    return path


# --- Through the session bus -------------------------------------------------------------


def test_a_notice_reaches_the_notification_service(
    notification_daemon: MockedNotifications,
) -> None:
    console = io.StringIO()
    with Notifier(console=console) as notifier:
        delivery = notifier.send(NOTICE)

    assert delivery == Delivery(channels=("desktop",), desktop=True, errors=())
    assert console.getvalue() == ""  # shown on the desktop: not repeated on the console
    [call] = notification_daemon.calls()
    assert call.app_name == "cancelwatch"
    assert call.summary == NOTICE.title
    assert call.body == NOTICE.body
    assert list(call.buttons.values()) == ["Open order"]
    assert "default" in call.actions  # clicking the notification opens the order too
    assert call.urgency == 2  # critical


def test_urgency_hint_and_one_connection_for_many_notices(
    notification_daemon: MockedNotifications,
) -> None:
    with Notifier(console=io.StringIO()) as notifier:
        for urgency in (Urgency.LOW, Urgency.NORMAL, Urgency.CRITICAL):
            notice = Notice(f"{urgency} alert", "body", urgency=urgency)
            assert notifier.send(notice).desktop

    calls = notification_daemon.calls()
    assert [(c.summary, c.urgency) for c in calls] == [
        ("low alert", 0),
        ("normal alert", 1),
        ("critical alert", 2),
    ]
    assert all(c.buttons == {} for c in calls)  # no order page, no button


def test_japanese_button_and_text(notification_daemon: MockedNotifications) -> None:
    notice = Notice(
        title="キャンセル期限まで残り3時間",
        body="注文番号 249-6615023-9470318 は 18:00 までキャンセルできます。",
        url=ORDER_URL,
        urgency=urgency_for(timedelta(hours=3)),
    )
    with Notifier(lang="ja", app_name="cancelwatch", console=io.StringIO()) as notifier:
        assert notifier.send(notice).desktop

    [call] = notification_daemon.calls()
    assert call.summary == notice.title
    assert call.body == notice.body
    assert list(call.buttons.values()) == ["注文を表示"]
    assert call.urgency == 1


def test_the_button_and_a_click_open_the_order_page(
    action_notification_server: ActionNotificationServer,
) -> None:
    server = action_notification_server
    opened: list[str] = []
    pressed = threading.Event()

    def open_url(url: str) -> bool:
        opened.append(url)
        pressed.set()
        return True

    with Notifier(open_url=open_url, console=io.StringIO()) as notifier:
        assert notifier.send(NOTICE).desktop
        call = server.wait_for_notify()
        [(button_key, label)] = call.buttons.items()
        assert label == "Open order"

        server.invoke(call.replaces_id, button_key)
        assert pressed.wait(5), "the button did not open the order page"
        assert opened == [ORDER_URL]

        pressed.clear()
        assert notifier.send(NOTICE).desktop
        second = server.calls[-1]
        server.invoke(second.replaces_id, "default")
        assert pressed.wait(5), "clicking the notification did not open the order page"
        assert opened == [ORDER_URL, ORDER_URL]


def test_a_bus_found_at_the_standard_user_socket(
    notification_daemon: MockedNotifications, no_user_bus: Path
) -> None:
    """A background job without DBUS_SESSION_BUS_ADDRESS finds /run/user/$UID/bus."""
    bus_socket = notification_daemon.address.removeprefix("unix:path=")
    user_dir = no_user_bus / str(os.getuid())
    user_dir.mkdir()
    (user_dir / "bus").symlink_to(bus_socket)

    with Notifier(console=io.StringIO()) as notifier:
        assert notifier.send(NOTICE).desktop
    assert os.environ["DBUS_SESSION_BUS_ADDRESS"] == f"unix:path={user_dir / 'bus'}"
    assert [c.summary for c in notification_daemon.calls()] == [NOTICE.title]


def test_the_session_changing_under_a_long_lived_notifier(
    notification_daemon: MockedNotifications,
    dead_socket: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    console = io.StringIO()
    with Notifier(console=console) as notifier:
        assert notifier.send(Notice("first", "b")).desktop
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={dead_socket}")
        assert not notifier.send(Notice("second", "b")).desktop
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", notification_daemon.address)
        assert notifier.send(Notice("third", "b")).desktop

    assert [c.summary for c in notification_daemon.calls()] == ["first", "third"]
    assert "second" in console.getvalue()


def test_a_one_shot_process_sends_and_exits_cleanly(
    notification_daemon: MockedNotifications,
) -> None:
    """`cancelwatch check` sends and exits: no warning about a socket or loop left open.

    (Not -X dev: asyncio's debug mode reports any callback slower than 100 ms, which a
    loaded machine produces.)"""
    script = (
        "from cancelwatch.scheduler.notify.channels import Notice, Notifier\n"
        "delivery = Notifier().send(Notice('From a subprocess', 'body', url='https://e.test/'))\n"
        "print(delivery.channels)\n"
    )
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", script],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        cwd=Path(__file__).parent.parent,
        env={**os.environ, "DBUS_SESSION_BUS_ADDRESS": notification_daemon.address},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "('desktop',)\n"
    assert result.stderr == ""
    assert [c.summary for c in notification_daemon.calls()] == ["From a subprocess"]


# --- No desktop: the console and the log ------------------------------------------------


def assert_on_console(delivery: Delivery, console: io.StringIO, reason: str) -> None:
    assert delivery.desktop is False
    assert delivery.channels == ("console",)
    [error] = delivery.errors
    assert error.startswith("desktop: ")
    assert reason in error
    text = console.getvalue()
    assert NOTICE.title in text
    assert NOTICE.body in text
    assert f"Open order: {ORDER_URL}" in text


def test_a_dead_bus_falls_back_to_the_console(
    dead_socket: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={dead_socket}")
    console = io.StringIO()
    caplog.set_level(logging.INFO, logger="cancelwatch.scheduler.notify.channels")
    with Notifier(console=console) as notifier:
        delivery = notifier.send(NOTICE)

    assert_on_console(delivery, console, "unreachable")
    assert caplog.text.count("desktop notification not shown") == 1  # once, not per layer
    assert NOTICE.title in caplog.text  # and in the log


def test_a_missing_socket_falls_back_to_the_console(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'nothing-here'}")
    console = io.StringIO()
    with Notifier(console=console) as notifier:
        assert_on_console(notifier.send(NOTICE), console, "unreachable")


def test_no_bus_address_and_no_user_socket(no_user_bus: Path) -> None:
    console = io.StringIO()
    with Notifier(console=console) as notifier:
        assert_on_console(notifier.send(NOTICE), console, "no D-Bus session bus")
    assert "DBUS_SESSION_BUS_ADDRESS" not in os.environ


def test_a_bus_without_a_notification_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)  # PrivateDBus sets it
    with PrivateDBus(BusType.SESSION) as empty_bus:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", empty_bus.address)
        console = io.StringIO()
        with Notifier(console=console) as notifier:
            assert_on_console(notifier.send(NOTICE), console, "no org.freedesktop.Notifications")


def test_desktop_off_goes_to_the_console_only() -> None:
    console = io.StringIO()
    notifier = Notifier(desktop=False, console=console)
    assert notifier.send(NOTICE) == Delivery(channels=("console",), desktop=False, errors=())
    assert console.getvalue() == (
        "[cancelwatch] Urgent: Cancel window closes in 30 min\n"
        "    Order 249-4829175-3061842 can be cancelled until 14:00.\n"
        f"    Open order: {ORDER_URL}\n"
    )


def test_japanese_console_text() -> None:
    console = io.StringIO()
    notice = Notice("発送されました", "追跡番号 1234-5678-9012\nヤマト運輸", url=ORDER_URL)
    Notifier(desktop=False, lang="ja", console=console).send(notice)
    assert console.getvalue() == (
        "[cancelwatch] お知らせ: 発送されました\n"
        "    追跡番号 1234-5678-9012\n"
        "    ヤマト運輸\n"
        f"    注文を表示: {ORDER_URL}\n"
    )


def test_a_broken_console_leaves_the_log(caplog: pytest.LogCaptureFixture) -> None:
    console = io.StringIO()
    console.close()
    caplog.set_level(logging.INFO, logger="cancelwatch.scheduler.notify.channels")
    delivery = Notifier(desktop=False, console=console).send(NOTICE)
    assert delivery.channels == ("log",)
    [record] = [r for r in caplog.records if NOTICE.body in r.getMessage()]
    assert record.levelno == logging.WARNING


def test_console_defaults_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    Notifier(desktop=False).send(NOTICE)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert NOTICE.title in captured.err


# --- Apprise channels ---------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


SECRET = "s3cr3t-webhook-token"


def test_an_apprise_channel_receives_title_and_body(webhook: Webhook) -> None:
    url = webhook.url(f"hooks/{SECRET}")
    console = io.StringIO()
    delivery = Notifier(desktop=False, apprise_urls=[url], console=console).send(NOTICE)

    assert delivery == Delivery(channels=("apprise:json", "console"), desktop=False, errors=())
    [(path, content_type, payload)] = [astuple(r) for r in webhook.received]
    assert path == f"/hooks/{SECRET}"
    assert content_type.startswith("application/json")
    message = json.loads(payload)
    assert message["title"] == NOTICE.title
    assert message["message"] == f"{NOTICE.body}\n{ORDER_URL}"  # no button: the link
    assert message["type"] == "warning"  # critical


def test_a_failing_channel_is_an_error_not_an_exception(
    webhook: Webhook, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    good = webhook.url("ok")
    dead = f"json://127.0.0.1:{closed_port()}/hooks/{SECRET}"
    unreadable = f"nosuchservice://{SECRET}@example.invalid"
    console = io.StringIO()
    notifier = Notifier(desktop=False, apprise_urls=[dead, unreadable, good], console=console)
    delivery = notifier.send(Notice("Shipped", "Your order has shipped."))

    # two URLs of one scheme are two channels, told apart by their place, never by the URL
    assert delivery.channels == ("apprise:json#2", "console")
    assert delivery.errors == (
        "apprise:json: not delivered",
        "apprise:nosuchservice: Apprise cannot read this URL",
    )
    assert len(webhook.received) == 1
    assert "Shipped" in console.getvalue()  # never lost
    assert "notification channel apprise:json failed" in caplog.text
    assert SECRET not in caplog.text  # neither our log nor apprise's names the token


# --- A send that resumes one cut off by a crash ------------------------------------------


class Script:
    """A `Progress` that answers from a script (channel → attempt) and logs every call."""

    def __init__(self, attempts: dict[str, Attempt]) -> None:
        self.attempts = attempts
        self.calls: list[tuple[str, ...]] = []

    def begin(self, channel: str) -> Attempt:
        self.calls.append(("begin", channel))
        return self.attempts.get(channel, Attempt.FIRST)

    def end(self, channel: str, error: str | None) -> None:
        self.calls.append(("end", channel, "ok" if error is None else "failed"))


def test_a_resumed_send_skips_what_arrived_and_marks_what_was_cut_off(
    notification_daemon: MockedNotifications, webhook: Webhook
) -> None:
    console = io.StringIO()
    urls = [webhook.url("first"), webhook.url("second")]
    script = Script({"desktop": Attempt.DONE, "apprise:json": Attempt.REPEAT})
    with Notifier(apprise_urls=urls, console=console) as notifier:
        delivery = notifier.send(NOTICE, script)

    assert notification_daemon.calls() == []  # the desktop has it already
    assert [(r.path, r.message["title"]) for r in webhook.received] == [
        ("/first", f"{NOTICE.title} (repeat)"),
        ("/second", NOTICE.title),
    ]
    assert console.getvalue() == ""  # the desktop has it: no fallback
    assert delivery == Delivery(("apprise:json", "apprise:json#2"), desktop=True, errors=())
    # each channel's outcome is reported before the next one is tried
    assert script.calls == [
        ("begin", "desktop"),
        ("begin", "apprise:json"),
        ("end", "apprise:json", "ok"),
        ("begin", "apprise:json#2"),
        ("end", "apprise:json#2", "ok"),
    ]


def test_a_repeat_on_the_desktop_is_marked_in_the_users_language(
    notification_daemon: MockedNotifications,
) -> None:
    with Notifier(lang="ja", console=io.StringIO()) as notifier:
        notifier.send(
            Notice("キャンセル期限まであと4分", "本文"), Script({"desktop": Attempt.REPEAT})
        )

    [call] = notification_daemon.calls()
    assert call.summary == "キャンセル期限まであと4分（再送）"


def test_the_console_fallback_is_a_channel_too(no_user_bus: Path) -> None:
    console = io.StringIO()
    script = Script({"console": Attempt.REPEAT})
    with Notifier(console=console) as notifier:
        delivery = notifier.send(NOTICE, script)

    assert delivery.channels == ("console",) and not delivery.desktop
    assert f"{NOTICE.title} (repeat)" in console.getvalue()
    assert script.calls == [
        ("begin", "desktop"),
        ("end", "desktop", "failed"),
        ("begin", "console"),
        ("end", "console", "ok"),
    ]


KEY = "main/249-1/cancel_closing/PT30M"


@pytest.mark.parametrize(
    ("key", "backend", "expected"),
    [
        (KEY, "CocoaNotificationCenter", f"cancelwatch:{KEY}"),
        (KEY, "WinRTDesktopNotifier", f"cancelwatch:{KEY}"),
        (KEY, "DBusDesktopNotifier", None),
        ("", "CocoaNotificationCenter", None),
    ],
)
def test_a_desktop_repeat_replaces_the_first_where_the_platform_can(
    key: str, backend: str, expected: str | None
) -> None:
    assert notify.notification_identifier(key, backend) == expected


# --- Each channel alone, and the order they are tried in ---------------------------------


@dataclass
class Fake:
    """A channel that writes what it is sent into a journal shared with the others, and
    answers `error` (or raises, leaking a secret in the message if anyone printed it)."""

    name: str
    journal: list[tuple[str, str]]
    error: str | None = None
    raises: bool = False

    def available(self) -> str | None:
        return self.error

    def send(self, notice: Notice) -> str | None:
        self.journal.append((self.name, notice.title))
        if self.raises:
            raise RuntimeError(f"failed at https://hooks.test/{SECRET}")
        return self.error

    def close(self) -> None:
        return None


def test_channels_are_tried_in_order_and_the_fallback_when_the_desktop_fails() -> None:
    journal: list[tuple[str, str]] = []
    lineup = Lineup(
        desktop=Fake("desktop", journal, error="no bus"),
        extras=(Fake("a", journal, raises=True), Fake("b", journal), Fake("c", journal, "no")),
        fallback=Fake("console", journal),
    )
    script = Script({"b": Attempt.REPEAT})

    delivery = deliver(lineup, Notice("Shipped", "body"), script, "ja")

    assert journal == [
        ("desktop", "Shipped"),
        ("a", "Shipped"),
        ("b", "Shipped（再送）"),
        ("c", "Shipped"),
        ("console", "Shipped"),
    ]
    # a channel that raised costs only itself, and its message (it may hold a URL) is not kept
    assert delivery == Delivery(
        channels=("b", "console"),
        desktop=False,
        errors=("desktop: no bus", "a: RuntimeError", "c: no"),
    )
    assert script.calls == [
        ("begin", "desktop"), ("end", "desktop", "failed"),
        ("begin", "a"), ("end", "a", "failed"),
        ("begin", "b"), ("end", "b", "ok"),
        ("begin", "c"), ("end", "c", "failed"),
        ("begin", "console"), ("end", "console", "ok"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("desktop_error", "attempts", "tried", "went", "shown"),
    [
        (None, {}, ["desktop", "a"], ("desktop", "a"), True),
        (None, {"desktop": Attempt.DONE}, ["a"], ("a",), True),  # it took it before a crash
        ("no bus", {"console": Attempt.DONE}, ["desktop", "a"], ("a",), False),
    ],
    ids=["the-desktop-took-it", "the-desktop-had-it", "the-console-had-it"],
)
def test_the_fallback_is_spared_once_the_desktop_has_the_notice(
    desktop_error: str | None,
    attempts: dict[str, Attempt],
    tried: list[str],
    went: tuple[str, ...],
    shown: bool,
) -> None:
    journal: list[tuple[str, str]] = []
    lineup = Lineup(
        desktop=Fake("desktop", journal, error=desktop_error),
        extras=(Fake("a", journal),),
        fallback=Fake("console", journal),
    )
    delivery = deliver(lineup, NOTICE, Script(attempts), "en")
    assert [name for name, _ in journal] == tried
    assert (delivery.channels, delivery.desktop) == (went, shown)


def test_without_a_desktop_the_fallback_gets_every_notice() -> None:
    journal: list[tuple[str, str]] = []
    lineup = Lineup(desktop=None, extras=(), fallback=Fake("console", journal))
    delivery = deliver(lineup, NOTICE, Script({}), "en")
    assert journal == [("console", NOTICE.title)]
    assert delivery == Delivery(channels=("console",), desktop=False, errors=())


def test_a_fallback_that_cannot_show_the_notice_leaves_it_in_the_log() -> None:
    journal: list[tuple[str, str]] = []
    lineup = Lineup(desktop=None, extras=(), fallback=Fake("console", journal, "no console"))
    script = Script({})
    delivery = deliver(lineup, NOTICE, script, "en")
    assert delivery == Delivery(channels=("log",), desktop=False, errors=())
    assert script.calls == [("begin", "console"), ("end", "console", "ok")]


def test_the_console_channel_alone(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="cancelwatch.scheduler.notify.console")
    stream = io.StringIO()
    console = Console(stream, "cancelwatch", "en")
    assert (console.name, console.available()) == ("console", None)
    assert console.send(NOTICE) is None
    assert stream.getvalue().startswith("[cancelwatch] Urgent: Cancel window closes in 30 min\n")
    stream.close()
    assert console.send(NOTICE) == "the console refused it (ValueError)"

    monkeypatch.setattr(sys, "stderr", None)  # pythonw.exe: no console at all
    headless = Console(None, "cancelwatch", "en")
    assert headless.available() == "no console"
    assert headless.send(NOTICE) == "no console"
    levels = [r.levelno for r in caplog.records if NOTICE.body in r.getMessage()]
    assert levels == [logging.INFO, logging.WARNING, logging.WARNING]  # always in the log


def test_an_apprise_url_alone(webhook: Webhook, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="urllib3")  # it logs each request's path
    good, unreadable = apprise_channels(
        [webhook.url(f"hooks/{SECRET}"), f"nosuchservice://{SECRET}@example.invalid"],
        "cancelwatch",
    )
    assert (good.name, unreadable.name) == ("apprise:json", "apprise:nosuchservice")
    assert good.available() is None
    assert unreadable.available() == "Apprise cannot read this URL"
    assert unreadable.send(NOTICE) == "Apprise cannot read this URL"
    assert good.send(NOTICE) is None
    assert webhook.titles() == [NOTICE.title]
    assert '"POST /<redacted> HTTP/1.1" 200' in caplog.text
    assert SECRET not in caplog.text


def test_the_desktop_channel_alone(notification_daemon: MockedNotifications) -> None:
    desktop = Desktop("cancelwatch", lambda url: True, "Open order")
    try:
        assert (desktop.name, desktop.available()) == ("desktop", None)
        assert desktop.send(NOTICE) is None
        desktop.close()
        assert desktop.send(Notice("after close", "body")) is None  # connects again
    finally:
        desktop.close()
    assert [c.summary for c in notification_daemon.calls()] == [NOTICE.title, "after close"]


def test_the_desktop_channel_without_a_bus_says_why(no_user_bus: Path) -> None:
    desktop = Desktop("cancelwatch", lambda url: True, "Open order")
    reason = desktop.available()
    assert reason is not None and reason.startswith("no D-Bus session bus")
    assert desktop.send(NOTICE) == reason


# --- Pure functions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lead", "expected"),
    [
        (None, Urgency.NORMAL),
        (timedelta(minutes=-5), Urgency.CRITICAL),
        (timedelta(0), Urgency.CRITICAL),
        (timedelta(minutes=30), Urgency.CRITICAL),
        (timedelta(minutes=30, seconds=1), Urgency.NORMAL),
        (timedelta(hours=3), Urgency.NORMAL),
        (timedelta(hours=3, seconds=1), Urgency.LOW),
        (timedelta(days=1), Urgency.LOW),
    ],
)
def test_urgency_for(lead: timedelta | None, expected: Urgency) -> None:
    assert urgency_for(lead) is expected


@pytest.mark.parametrize(
    ("config_value", "environ", "expected"),
    [
        ("ja", {"LANG": "en_US.UTF-8"}, "ja"),
        ("en", {"LANG": "ja_JP.UTF-8"}, "en"),
        ("ja_JP", {}, "ja"),
        ("EN-us", {}, "en"),
        (None, {"LANG": "ja_JP.UTF-8"}, "ja"),
        ("auto", {"LANG": "ja_JP.UTF-8"}, "ja"),
        ("", {"LANG": "ja_JP.UTF-8"}, "ja"),
        (None, {"LC_ALL": "ja_JP.eucJP", "LANG": "en_US.UTF-8"}, "ja"),
        (None, {"LC_ALL": "C.UTF-8", "LANG": "ja_JP.UTF-8"}, "en"),
        (None, {"LC_MESSAGES": "ja_JP.UTF-8", "LANG": "C"}, "ja"),
        (None, {"LANG": "C.UTF-8"}, "en"),
        (None, {}, "en"),
    ],
)
def test_default_lang(config_value: str | None, environ: dict[str, str], expected: str) -> None:
    assert default_lang(config_value, environ) == expected


def test_unsupported_languages_are_refused() -> None:
    with pytest.raises(ValueError, match="'fr'"):
        default_lang("fr", {})
    with pytest.raises(ValueError, match="'de'"):
        Notifier(lang="de")
