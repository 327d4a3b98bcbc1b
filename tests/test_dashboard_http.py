"""The dashboard over plain HTTP: who gets in (token, Host header), what every answer
carries (security headers), "check now", the token file, [serve] and `cancelwatch serve`.

One dashboard for the module, on a state.db written here with an order and a failed
check whose words are hostile; the clock is passed in. The browser's view of the page is
tests/test_dashboard.py's."""

from __future__ import annotations

import http.client
import logging
import os
import re
import socket
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from cancelwatch.scheduler.cli import serve as cli_serve
from cancelwatch.scheduler.cli.context import App
from cancelwatch.scheduler.cli.main import cli, run
from cancelwatch.scheduler.config.settings import Account, Config, load_config
from cancelwatch.scheduler.dashboard import server
from cancelwatch.scheduler.dashboard.app import CSP, split_host
from cancelwatch.scheduler.dashboard.server import Dashboard
from cancelwatch.scheduler.dashboard.view import as_of, countdown, fix_commands, span, web_address
from cancelwatch.scheduler.state.store import NewAlert, State
from cancelwatch.scraper.errors import ConfigError
from cancelwatch.scraper.read.model import Cancellability, Item, Order, OrderStatus

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # noon in Tokyo
ORDER_ID = "503-1111111-2222222"
HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
FIX = "cancelwatch login --account main --headed"


@dataclass
class Served:
    dashboard: Dashboard
    state: State
    asked: list[str]

    @property
    def port(self) -> int:
        return self.dashboard.port

    @property
    def token(self) -> str:
        return self.dashboard.token


def hostile_state(path: Path) -> State:
    """An account with one open seller order whose item title and seller are markup, an
    alert about it sent on one channel, then a check that failed asking for a sign-in."""
    state = State.open(path)
    order = Order(
        id=ORDER_ID,
        placed_on=NOW.date(),
        total=None,
        currency=None,
        status=OrderStatus.PENDING,
        cancellable=Cancellability.YES,
        cancel_url=None,
        digital=False,
        preorder=None,
        left_at_door=None,
        return_until=None,
        items=(Item(title=HOSTILE, url=None, seller=HOSTILE),),
        details_url="javascript:window.__pwned = 3",
    )
    state.record_check("main", "amazon.co.jp", [order], {}, now=NOW, alerts=[])
    (alert_id,) = state.add_alerts(
        "main",
        [NewAlert(ORDER_ID, "cancel_closing", "PT3M", NOW, f"Cancel {HOSTILE}", "body")],
        now=NOW,
    )
    assert state.claim(alert_id, at=NOW)
    attempt = state.start_delivery(alert_id, "apprise:ntfy", at=NOW, repeat=False)
    state.end_delivery(alert_id, "apprise:ntfy", attempt, at=NOW + timedelta(seconds=2), error=None)
    state.release(alert_id)
    state.record_failure(
        "main",
        now=NOW + timedelta(minutes=1),
        kind="sign_in_needed",
        message=f"Amazon shows a puzzle <b>now</b>; run `{FIX}`, answer it",
        marketplace="amazon.co.jp",
    )
    return state


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("dashboard")
    state = hostile_state(folder / "state.db")
    cfg = Config(accounts={"main": Account("main")})
    asked: list[str] = []

    def ask(account: str) -> bool:
        asked.append(account)
        return account == "main"

    with cli_serve.dashboard_for(
        cfg,
        state,
        lambda: NOW + timedelta(minutes=2),
        "en",
        host="127.0.0.1",
        port=0,
        token_folder=folder,
        request_check=ask,
    ) as dashboard:
        yield Served(dashboard, state, asked)
    state.close()


@pytest.fixture
def site(served: Served) -> Served:
    served.asked.clear()
    return served


@dataclass(frozen=True)
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def fetch(
    port: int,
    path: str,
    *,
    method: str = "GET",
    host: str | None = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        named = f"127.0.0.1:{port}" if host is None else host
        conn.request(method, path, headers={"Host": named, **(headers or {})})
        response = conn.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        conn.close()


def cookie(site: Served) -> dict[str, str]:
    return {"Cookie": f"cancelwatch-{site.port}={site.token}"}


# -- who gets in ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/?lang=ja", "/static/dashboard.js", "/calendar.ics"])
def test_without_the_token_every_route_is_forbidden(site, path):
    answer = fetch(site.port, path)
    assert answer.status == 403
    assert site.token.encode() not in answer.body
    wrong = "x" * len(site.token)
    join = "&" if "?" in path else "?"
    assert fetch(site.port, f"{path}{join}token={wrong}").status == 403
    forged = {"Cookie": f"cancelwatch-{site.port}={wrong}"}
    assert fetch(site.port, path, headers=forged).status == 403


def test_the_token_of_the_address_becomes_a_cookie_and_leaves_the_address(site):
    answer = fetch(site.port, f"/?token={site.token}&lang=ja")
    assert answer.status == 303
    assert answer.headers["location"] == "/?lang=ja"
    set_cookie = answer.headers["set-cookie"]
    assert set_cookie.startswith(f"cancelwatch-{site.port}={site.token};")
    assert "HttpOnly" in set_cookie and "samesite=strict" in set_cookie.lower()
    page = fetch(site.port, "/?lang=ja", headers=cookie(site))
    assert page.status == 200 and '<html lang="ja">' in page.text


@pytest.mark.parametrize(
    "host",
    [
        "evil.example:{port}",  # DNS rebinding: the attacker's name, resolving to us
        "evil.example",
        "127.0.0.1:{other}",
        "localhost.evil.example:{port}",
        "192.168.1.20:{port}",  # an address, but we listen on loopback only
        "",
    ],
)
def test_a_host_header_that_does_not_name_this_server_is_refused(site, host):
    given = host.format(port=site.port, other=site.port + 1)
    answer = fetch(site.port, f"/?token={site.token}", host=given, headers=cookie(site))
    assert answer.status == 421
    assert site.token.encode() not in answer.body


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST.:{port}"])
def test_loopback_names_are_let_in(site, host):
    answer = fetch(site.port, "/", host=host.format(port=site.port), headers=cookie(site))
    assert answer.status == 200


def test_split_host():
    assert split_host("127.0.0.1:8765") == ("127.0.0.1", 8765)
    assert split_host("[::1]:8765") == ("::1", 8765)
    assert split_host("Example.COM.:80") == ("example.com", 80)
    assert split_host("example.com") == ("example.com", None)
    assert split_host("[::1]") == ("::1", None)
    assert split_host("a:b") == ("a", None)


@pytest.mark.parametrize(
    "path", ["/", "/static/dashboard.js", "/static/dashboard.css", "/nowhere", "/calendar.ics"]
)
def test_every_answer_carries_the_security_headers(site, path):
    for answer in (fetch(site.port, path, headers=cookie(site)), fetch(site.port, path)):
        assert answer.headers["content-security-policy"] == CSP
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
    assert "'unsafe-inline'" not in CSP and "default-src 'none'" in CSP
    assert "frame-ancestors 'none'" in CSP and "form-action 'self'" in CSP


# -- the page ---------------------------------------------------------------------------------


def test_strings_from_the_pages_are_escaped_and_links_are_web_addresses_only(site):
    page = fetch(site.port, "/", headers=cookie(site)).text
    assert "<script>window" not in page and "<img src=x" not in page
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    assert "javascript:" not in page
    # The failed check's own words are escaped too, and its command shown on its own.
    assert "&lt;b&gt;now&lt;/b&gt;" in page
    assert f'<pre class="fix"><code>{FIX}</code></pre>' in page
    # The page's only script is the file: no inline one.
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/dashboard.js" defer>']


def test_the_page_shows_the_alert_sent_with_its_channel_and_time(site):
    page = fetch(site.port, "/", headers=cookie(site)).text
    sent = re.search(r'<ul class="sent-alerts">(.*?)</ul>', page, re.S)
    assert sent is not None
    # NOW + 2 s, in Tokyo: 12:00 JST, on the one channel that took it.
    assert '<span class="sent-on">2026-11-26 12:00 JST on apprise:ntfy</span>' in sent[1]


def test_the_last_check_failed_and_says_so(site):
    page = fetch(site.port, "/", headers=cookie(site)).text
    assert "2026-11-26 12:01 JST: failed" in page


def test_the_page_is_as_of_the_marketplaces_clock(site):
    page = fetch(site.port, "/", headers=cookie(site)).text
    assert '<p class="as-of">As of 11-26 12:02 JST ·' in page  # the clock: NOW + 2 min
    page = fetch(site.port, "/?lang=ja", headers=cookie(site)).text
    assert '<p class="as-of">11-26 12:02 JST 現在 ·' in page


def test_a_page_of_two_marketplaces_is_as_of_both_clocks():
    payload = {"accounts": [{"marketplace": m} for m in ("amazon.co.jp", "amazon.com")]}
    assert as_of(payload, NOW) == "11-26 12:00 JST / 11-25 19:00 PST"


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", ("open the address cancelwatch printed", "does not answer to that name",
                "no such account", "from the dashboard only")),
        ("ja", ("トークンごと開いてください", "その名前では応答しません",
                "そのアカウントはありません", "ダッシュボードの画面からだけ")),
    ],
)  # fmt: skip
def test_a_refusal_is_said_in_the_pages_language(site, lang, said):
    origin = {"Origin": f"http://127.0.0.1:{site.port}", **cookie(site)}
    foreign = {"Origin": "http://evil.example", **cookie(site)}
    answers = [
        fetch(site.port, f"/?lang={lang}"),
        fetch(site.port, f"/?lang={lang}", host="evil.example", headers=cookie(site)),
        fetch(site.port, f"/check/other?lang={lang}", method="POST", headers=origin),
        fetch(site.port, f"/check/main?lang={lang}", method="POST", headers=foreign),
    ]
    assert [a.status for a in answers] == [403, 421, 404, 403]
    for answer, words in zip(answers, said, strict=True):
        assert words in answer.text, answer.text
        japanese = re.search("[\u3040-\u30ff]", answer.text) is not None
        assert japanese == (lang == "ja"), answer.text
    assert site.asked == ["other"]


# -- check now --------------------------------------------------------------------------------


def test_check_now_asks_the_watcher_from_the_page_only(site):
    origin = {"Origin": f"http://127.0.0.1:{site.port}", **cookie(site)}
    answer = fetch(site.port, "/check/main?lang=ja", method="POST", headers=origin)
    assert answer.status == 303 and answer.headers["location"] == "/?asked=main&lang=ja"
    assert site.asked == ["main"]
    # Another site's form, or none at all: nothing asked.
    foreign = {"Origin": "http://evil.example", **cookie(site)}
    assert fetch(site.port, "/check/main", method="POST", headers=foreign).status == 403
    assert fetch(site.port, "/check/main", method="POST", headers=cookie(site)).status == 403
    assert fetch(site.port, "/check/main", method="POST").status == 403  # no token
    assert fetch(site.port, "/check/main", headers=origin).status == 405  # a GET changes nothing
    assert site.asked == ["main"]
    assert fetch(site.port, "/check/other", method="POST", headers=origin).status == 404


def test_the_page_offers_check_now_only_with_a_watcher(site):
    page = fetch(site.port, "/", headers=cookie(site)).text
    assert '<form method="post" action="/check/main?lang=en">' in page


# -- logs -------------------------------------------------------------------------------------


def test_the_token_is_never_logged(site, caplog):
    caplog.set_level(logging.DEBUG)
    fetch(site.port, f"/?token={site.token}")
    fetch(site.port, "/", headers=cookie(site))
    fetch(site.port, "/", host="evil.example:1")
    assert site.token not in caplog.text


# -- the token file ---------------------------------------------------------------------------


def test_the_token_is_made_once_owner_only_and_random(tmp_path):
    first = server.load_token(tmp_path)
    path = tmp_path / server.TOKEN_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert server.load_token(tmp_path) == first
    assert len(first) >= 43  # 32 random bytes
    other = tmp_path / "other"
    assert server.load_token(other) != first


@pytest.mark.parametrize("content", [b"", b"short", b"\xff" * 50, b"x" * 5000, b"a b c" * 20])
def test_a_damaged_token_file_is_one_line_without_its_content(tmp_path, content):
    (tmp_path / server.TOKEN_FILE).write_bytes(content)
    with pytest.raises(Exception) as caught:
        server.load_token(tmp_path)
    message = str(caught.value)
    assert "\n" not in message and str(tmp_path) in message
    assert getattr(caught.value, "exit_code", None) == 2
    if content:
        assert content.decode("latin-1")[:20] not in message


# -- [serve] and `cancelwatch serve` ----------------------------------------------------------


def test_serve_defaults_to_loopback_off():
    cfg = Config()
    assert (cfg.serve.enabled, cfg.serve.host, cfg.serve.port) == (False, "127.0.0.1", 8765)


def test_the_serve_section_is_read(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[serve]\nenabled = true\nhost = "0.0.0.0"\nport = 9000\n', encoding="utf-8")
    cfg = load_config(path)
    assert (cfg.serve.enabled, cfg.serve.host, cfg.serve.port) == (True, "0.0.0.0", 9000)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("port = 80", "[serve] port: expected a whole number of port from 1024 to 65535, got 80"),
        ("port = 65536", "from 1024 to 65535, got 65536"),
        ('port = "8765"', 'got "8765"'),
        ("enabled = 1", "[serve] enabled: expected true or false, got 1"),
        ('host = "not a host"', '[serve] host: expected a host name like "imap.gmail.com"'),
        ('host = ""', "[serve] host:"),
        ("listen = true", "unknown key serve.listen (known in [serve]: enabled, host, port)"),
    ],
)
def test_a_bad_serve_section_is_one_line_naming_the_key(tmp_path, text, expected):
    path = tmp_path / "config.toml"
    path.write_text(f"[serve]\n{text}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and expected in message and "\n" not in message


def cancelwatch(*args: str) -> tuple[int, str, str]:
    with CliRunner().isolation() as streams:
        code = run(cli, list(args), app=App(clock=lambda: NOW))
        return code, streams[0].getvalue().decode(), streams[1].getvalue().decode()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path))
    return tmp_path


def test_serve_on_a_port_in_use_is_one_line_and_exit_2(home):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        code, out, err = cancelwatch("serve", "--port", str(port))
    assert code == 2
    assert err.strip() == (
        f"cancelwatch: error: port {port} on 127.0.0.1 is already in use (another cancelwatch "
        "serve or watch?); stop it, or choose another with --port or [serve] port"
    )
    assert out == ""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--port", "80"), "error: --port: expected a whole number of port from 1024 to 65535"),
        (("--host", "bad host"), 'error: --host: expected a host name like "imap.gmail.com"'),
        (("--host", "203.0.113.9", "--port", "45678"), "203.0.113.9 is not an address of this"),
    ],
)
def test_serve_refuses_a_bad_host_or_port_in_one_line(home, args, expected):
    code, _, err = cancelwatch("serve", *args)
    assert code == 2
    assert expected in err and err.count("\n") == 1


def test_serve_prints_the_address_and_serves_until_stopped(home, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    seen: list[Answer] = []

    with CliRunner().isolation() as streams:

        def stopped_after_one_visit() -> None:
            printed = streams[0].getvalue().decode()
            url = re.search(r"dashboard at (http://\S+)", printed)
            assert url is not None, printed
            seen.append(fetch(port, url[1].removeprefix(f"http://127.0.0.1:{port}")))

        monkeypatch.setattr(cli_serve, "wait_until_interrupted", stopped_after_one_visit)
        code = run(cli, ["serve", "--port", str(port)], app=App(clock=lambda: NOW))
        err = streams[1].getvalue().decode()
    assert code == 0, err
    token = server.load_token(home)
    assert stat.S_IMODE((home / server.TOKEN_FILE).stat().st_mode) == 0o600
    assert [a.status for a in seen] == [303]
    assert seen[0].headers["set-cookie"].startswith(f"cancelwatch-{port}={token};")
    assert token not in err
    # Stopped: the port is free again.
    with socket.socket() as again:
        again.bind(("127.0.0.1", port))
    # `serve --url` prints the same address without serving.
    code, out, _ = cancelwatch("serve", "--url", "--port", str(port))
    assert (code, out) == (0, f"http://127.0.0.1:{port}/?token={token}\n")


def test_config_lists_the_serve_section(home):
    code, out, _ = cancelwatch("config")
    assert code == 0
    assert "serve.enabled = false  # default" in out
    assert 'serve.host = "127.0.0.1"  # default' in out
    assert "serve.port = 8765  # default" in out


# -- the page's words, worked out by hand -----------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "en", "ja"),
    [
        (300, "5:00", "5:00"),
        (239.9, "4:00", "4:00"),
        (239.0, "3:59", "3:59"),
        (0.2, "0:01", "0:01"),
        (3600, "1:00:00", "1:00:00"),
        (2 * 86400 + 3 * 3600 + 4 * 60 + 5, "2d 03:04:05", "2日 03:04:05"),
        (0, "closed", "期限切れ"),
        (-5, "closed", "期限切れ"),
    ],
)
def test_countdown(seconds, en, ja):
    assert (countdown(seconds, "en"), countdown(seconds, "ja")) == (en, ja)


def test_span():
    assert span(9 * 60 + 59, "en") == "9 min"
    assert span(3 * 3600 + 5 * 60, "ja") == "3時間5分"
    assert span(86400 + 3600, "en") == "1 d 1 h"


def test_fix_commands_are_the_quoted_cancelwatch_commands():
    message = "run `cancelwatch login --account a`, then `cancelwatch doctor` or `rm -rf /`"
    assert fix_commands(message) == ("cancelwatch login --account a", "cancelwatch doctor")
    assert fix_commands("Amazon could not be reached") == ()


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://www.amazon.co.jp/gp/your-account/order-details?orderID=1", True),
        ("http://127.0.0.1:8080/x", True),
        ("javascript:alert(1)", False),
        ("JAVASCRIPT:alert(1)", False),
        ("data:text/html,<script>1</script>", False),
        ("//evil.example/x", False),
        ("https://", False),
        (None, False),
    ],
)
def test_only_web_addresses_become_links(url, kept):
    assert web_address(url) == (url if kept else None)


def test_no_file_of_the_dashboard_is_group_readable_token(home):
    # The token file is the only secret the dashboard keeps; it is never world-readable,
    # even under a permissive umask.
    previous = os.umask(0)
    try:
        server.load_token(home)
    finally:
        os.umask(previous)
    assert stat.S_IMODE((home / server.TOKEN_FILE).stat().st_mode) == 0o600


# -- the calendar -----------------------------------------------------------------------------


def test_the_calendar_is_served_for_a_subscription_and_parses(site):
    from icalendar import Calendar  # noqa: PLC0415

    answer = fetch(site.port, f"/calendar.ics?token={site.token}&lang=ja")
    assert answer.status == 200
    assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "set-cookie" not in answer.headers  # a calendar app keeps the token in its URL
    calendar = Calendar.from_ical(answer.body)
    events = list(calendar.walk("VEVENT"))
    # The seller order, seen at NOW: its direct cancel closes 5 minutes later (docs/rules.md).
    mine = [e for e in events if ORDER_ID in str(e["SUMMARY"])]
    assert mine, [str(e["SUMMARY"]) for e in events]
    assert {e.decoded("DTEND").astimezone(UTC) for e in mine} == {NOW + timedelta(minutes=5)}


def test_the_page_links_the_subscription_with_its_token(site):
    page = fetch(site.port, "/", headers=cookie(site)).text
    webcal = f"webcal://127.0.0.1:{site.port}/calendar.ics?token={site.token}&amp;lang=en"
    assert f'href="{webcal}"' in page


# -- `watch`'s dashboard ---------------------------------------------------------------------


def test_watch_check_now_is_planned_within_the_minimum_gap(tmp_path, monkeypatch):
    from cancelwatch.scheduler.config.settings import ServeSettings  # noqa: PLC0415
    from cancelwatch.scheduler.watch import jobs  # noqa: PLC0415

    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cfg = Config(accounts={"main": Account("main")}, serve=ServeSettings(enabled=True, port=port))
    placed: list[tuple[str, datetime]] = []
    at = NOW + timedelta(minutes=2)
    with hostile_state(tmp_path / "state.db") as state:
        watcher = jobs.Watcher(
            cfg,
            state,
            "en",
            lambda _account: None,
            clock=lambda: at,
            place=lambda account, when, _job: placed.append((account, when)),
            spread=lambda: 0.0,
        )
        watcher.start()
        dashboard = cli_serve.watcher_dashboard(cfg, state, lambda: at, "en", watcher)
        try:
            placed.clear()
            token = server.load_token(tmp_path)
            headers = {
                "Origin": f"http://127.0.0.1:{port}",
                "Cookie": f"cancelwatch-{port}={token}",
            }
            answer = fetch(port, "/check/main", method="POST", headers=headers)
            assert answer.status == 303
            # The last check started at NOW + 1 min; [watch] min_gap_minutes is 5 by default.
            assert placed == [("main", NOW + timedelta(minutes=6))]
            page = fetch(port, "/?asked=main", headers=headers).text
            assert "A check of main was asked for" in page
            assert "2026-11-26 12:06 JST (in 4 min): " in page
        finally:
            dashboard.stop()


def test_demo_serves_or_mails_one_at_a_time(home):
    code, out, err = cancelwatch("demo", "--mail", "--serve")
    assert (code, out) == (2, "")
    assert err == "cancelwatch: error: demo --mail and --serve go one at a time: choose one\n"


def test_serve_beyond_loopback_warns_and_still_refuses_other_names(home, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("0.0.0.0", 0))
        port = probe.getsockname()[1]
    statuses: dict[str, int] = {}

    with CliRunner().isolation() as streams:

        def visit_by_each_name() -> None:
            token = server.load_token(home)
            own = {"Cookie": f"cancelwatch-{port}={token}"}
            for host in (
                f"{socket.gethostname()}:{port}",  # this computer's name, as a phone uses it
                f"192.0.2.7:{port}",  # an address: it cannot be rebound to another site
                f"127.0.0.1:{port}",
                f"evil.example:{port}",  # a name that is not ours: DNS rebinding
            ):
                statuses[host.split(":")[0]] = fetch(port, "/", host=host, headers=own).status

        monkeypatch.setattr(cli_serve, "wait_until_interrupted", visit_by_each_name)
        code = run(
            cli, ["serve", "--host", "0.0.0.0", "--port", str(port)], app=App(clock=lambda: NOW)
        )
        out, err = streams[0].getvalue().decode(), streams[1].getvalue().decode()
    assert code == 0, err
    assert statuses == {socket.gethostname(): 200, "192.0.2.7": 200, "127.0.0.1": 200,
                        "evil.example": 421}  # fmt: skip
    assert f"from another device: http://{socket.gethostname()}:{port}/?token=" in out
    assert "listening on 0.0.0.0, beyond this computer" in err
    assert server.load_token(home) not in err
