"""From an order mail APPENDed on a real IMAP server to the desktop notification of the new
order, as `cancelwatch watch` runs it: p50 and p95 over `--runs` runs (issue 10's target:
p95 under 30 s).

What runs, each in a process of its own and all of it stopped at the end:

- **Demo stores** (this script with `--serve`): one per account, the benchmark preset
  (5 open orders in front of `--history` delivered ones) on the real clock. On request a
  store places a NEW third-party seller order (`DemoStore.place_seller_order`, its 5-minute
  window open from now) and hands back that order's mail as Amazon's arrive
  (`scraper/demo/mail.py` `order_mail`: the Date the moment it was placed, and an
  Authentication-Results of the demo's own receiving server, `DEMO_AUTHSERV_ID`, which the
  accounts' `authserv_id` names).
- **A private Dovecot over TLS** with a CA of this run's own (watch_idle.py's
  `imap_server`): one folder per account in the same mailbox, so one IDLE connection per
  account. The watcher trusts the CA through SSL_CERT_FILE (the system's bundle plus it).
- **A private D-Bus session bus** with python-dbusmock's `notification_daemon` template
  as org.freedesktop.Notifications. The mock writes each call it receives to its log with
  the time to the millisecond: that is the moment a notification is counted as shown.
- **The watcher**: `python -m cancelwatch.scheduler.cli -v watch` in a temporary
  CANCELWATCH_HOME with the demo credentials and each mailbox's password in the encrypted
  secrets file, the real Chromium, desktop notifications on (the default).

One run: the store places a seller order; its mail is APPENDed to the account's folder
(plain IMAP on 127.0.0.1: this script is the mail server's delivery, not the watcher);
the clock starts when the server has answered the APPEND. The moments after it, on this
machine's wall clock unless said otherwise:

- the watcher logs the mail's request for a check: its first log line naming the account
  and the order (the log read every 20 ms);
- the watcher's first child process appears (the check's own process, or the browser of
  a watcher that checks in its own process; looked up every 25 ms) and, at the end, the
  last one is gone;
- the store's first and last request of the check (the store's request log): between
  them the crawl, with `[crawl] delay_seconds` (default 2 s) kept between page loads;
- the check's `started_at` and `finished_at` in state.db, by the clock of the process
  that ran the check;
- the Notify call whose summary names the new order reaches the mock: the end.

The limits hold as a user has them: `min_gap_minutes = 2` (the least the config allows)
and `watch` checks every account once when it starts. A mail inside an account's gap
waits for the gap to end, so the runs go round the accounts (`--accounts`, default 4),
one run at a time, and a run's mail is appended only once its account's gap has passed
(the last check's start + 2 min + 5 s). Then, unless `--gap-runs 0`, a mail arriving
inside the gap is measured separately: appended `--gap-offset` seconds (default 65: past
the mail trigger's 60-second debounce) after the previous mail of the same account. A
mail within 60 s of the account's previous one asks for no check at all (`--gap-offset
20` shows it: no notification within the run's timeout).

Run from the repository root with the project's venv (about 14 minutes with 20 runs):

    .venv/bin/python benchmarks/mail_latency.py [--runs 20] [--accounts 4] [--json FILE]
"""

from __future__ import annotations

import argparse
import base64
import imaplib
import json
import math
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import procfs  # noqa: E402
import watch_idle as wi  # noqa: E402
from background import Background  # noqa: E402  (benchmarks/, beside this script)

from cancelwatch.scraper.demo import DemoStore  # noqa: E402
from cancelwatch.scraper.demo.mail import DEMO_AUTHSERV_ID, order_mail  # noqa: E402
from tests.dovecot import _session as dovecot_session  # noqa: E402

TARGET_P95_S = 30.0
GAP_MINUTES = 2
"""[watch] min_gap_minutes: the floor the config allows."""
GAP_MARGIN_S = 5.0
"""How long after an account's gap has ended its next mail is appended."""
SETTLE_S = 1.0
"""The pause after a run's check has ended and its browser is gone, before the next."""
RUN_TIMEOUT_S = 180.0
_TAIL_POLL_S = 0.02
_CHILDREN_POLL_S = 0.025
_NOTIFY = re.compile(r"^(\d+\.\d+) Notify (.*)$")

CONFIG = """\
[watch]
interval_minutes = 60
jitter_seconds = 0
min_gap_minutes = {gap}
young_for_minutes = 0
"""
"""The interval and no young-order cadence keep every check but the first and the mails'
out of the run; crawl and notify settings are the defaults."""

ACCOUNT = """\
[accounts.{name}]
marketplace = "{marketplace}"
base_url = "{base_url}"
[accounts.{name}.mail]
server = "{host}"
port = {port}
username = "{user}"
folder = "{folder}"
authserv_id = "{authserv_id}"
"""

SAVE_CREDENTIALS = """\
import sys
from cancelwatch.scraper.browse import credentials as cr
from cancelwatch.scraper.demo import DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET
mail_password = sys.stdin.read()
for account in sys.argv[1:]:
    cr.save_credentials(account, cr.Credentials(DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET))
    cr.secret_store().set(account, cr.MAIL_PASSWORD_KEY, mail_password)
"""


# ---- the demo stores, in a process of their own -----------------------------------------


def serve(marketplace: str, history: int, count: int) -> None:
    """`--serve`: run `count` benchmark-preset stores and print their URLs as a JSON line;
    then answer each line on stdin with a JSON line: `place N` places a seller order in
    store N (its request log emptied) and gives its id and order mail (base64);
    `requests N` gives store N's requests since (epoch time, method, path). Stops at the
    end of input."""
    stores = [DemoStore(marketplace, preset="benchmark", history=history) for _ in range(count)]
    print(json.dumps([store.start() for store in stores]), flush=True)
    try:
        for line in sys.stdin:
            command, index = line.split()
            store = stores[int(index)]
            if command == "place":
                store.clear_requests()
                order = store.place_seller_order(store.clock.now())
                raw = order_mail(order, marketplace)
                answer: object = {"order": order.id, "mail": base64.b64encode(raw).decode()}
            else:
                answer = [[r.time.timestamp(), r.method, r.path] for r in store.requests]
            print(json.dumps(answer), flush=True)
    finally:
        for store in stores:
            store.stop()


class Stores:
    """The stores' process: their URLs, and a seller order placed on request."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        assert process.stdout is not None
        said = process.stdout.readline()
        if not said.startswith("["):
            raise RuntimeError(f"the demo stores did not start (said {said!r})")
        self.urls: list[str] = json.loads(said)

    def place(self, index: int) -> tuple[str, bytes]:
        """A new seller order in store `index`, placed now: (its id, its order mail)."""
        answer = self._ask(f"place {index}")
        return str(answer["order"]), base64.b64decode(answer["mail"])

    def requests(self, index: int) -> list[tuple[float, str]]:
        """Store `index`'s requests since its last order was placed: (epoch time, path)."""
        return [
            (float(at), f"{method} {path}") for at, method, path in self._ask(f"requests {index}")
        ]

    def _ask(self, line: str) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())


@contextmanager
def stores_process(marketplace: str, history: int, count: int) -> Iterator[Stores]:
    command = [sys.executable, __file__, "--serve", "--marketplace", marketplace]
    command += ["--history", str(history), "--accounts", str(count)]
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        yield Stores(process)
        process.communicate(timeout=30)  # end of input: the stores stop
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


# ---- the notification service -------------------------------------------------------------


@dataclass(frozen=True)
class Bus:
    address: str
    log: Path
    """The mock's log: a line per method call, the time first ("1764540000.123 Notify ...")."""

    def notified(self, order_id: str, after: float) -> float | None:
        """When the first Notify naming `order_id` reached the mock after `after` (epoch
        seconds). The stores are alike, so their n-th placed orders share an id: only the
        run's own account checks while it runs."""
        for line in self.log.read_text(encoding="utf-8", errors="replace").splitlines():
            found = _NOTIFY.match(line)
            if found and order_id in found[2] and float(found[1]) >= after:
                return float(found[1])
        return None

    def notifications(self) -> int:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return sum(1 for line in text.splitlines() if _NOTIFY.match(line))


@contextmanager
def notification_bus(folder: Path) -> Iterator[Bus]:
    """A private session bus with a mocked org.freedesktop.Notifications, both stopped
    at the end; this process's DBUS_SESSION_BUS_ADDRESS as it was."""
    # Imported here: `--serve` never needs D-Bus.
    from dbusmock.testcase import BusType, PrivateDBus, SpawnedMock  # noqa: PLC0415

    variable = "DBUS_SESSION_BUS_ADDRESS"
    before = os.environ.get(variable)
    log = folder / "notifications.log"
    try:
        with PrivateDBus(BusType.SESSION) as bus, log.open("wb") as out:
            mock = SpawnedMock.spawn_with_template(
                "notification_daemon", {"capabilities": "body actions"}, stdout=out
            )
            try:
                yield Bus(bus.address, log)
            finally:
                mock.terminate()
    finally:
        if before is None:
            os.environ.pop(variable, None)
        else:
            os.environ[variable] = before


# ---- the mailboxes ----------------------------------------------------------------------


def folder_of(index: int) -> str:
    return f"bench{index + 1}"


def account_of(index: int) -> str:
    return f"demo{index + 1}"


@contextmanager
def imap_session(imap: wi.Imap) -> Iterator[imaplib.IMAP4]:
    """This script's own connection, the way mail is delivered into the mailbox."""
    server = imap.server
    client = imaplib.IMAP4(server.host, server.port)
    try:
        client.login(server.user, server.password)
        yield client
    finally:
        client.logout()


def create_folders(imap: wi.Imap, count: int) -> None:
    with imap_session(imap) as client:
        for index in range(count):
            status, said = client.create(folder_of(index))
            if status != "OK":
                raise RuntimeError(f"Dovecot did not create {folder_of(index)}: {said!r}")


def append(client: imaplib.IMAP4, folder: str, raw: bytes) -> float:
    """APPEND `raw` to `folder`; the moment the server answered OK (epoch seconds)."""
    status, said = client.append(folder, None, None, raw)
    answered = time.time()
    if status != "OK":
        raise RuntimeError(f"Dovecot refused the APPEND to {folder}: {said!r}")
    return answered


def idle_sessions(imap: wi.Imap) -> int:
    """Sessions of this run's Dovecot in IDLE (their verbose process titles); another
    Dovecot on the machine (a test's) is not counted."""
    master = imap.server.folder / "run" / "master.pid"
    if not master.exists():
        return 0
    found = 0
    for pid in dovecot_session(int(master.read_text().strip())):
        title = (procfs.read(f"/proc/{pid}/cmdline") or "").replace("\0", " ")
        found += title.startswith("dovecot/imap ") and "IDLE" in title
    return found


# ---- the watcher ------------------------------------------------------------------------


class LogTail(Background):
    """The watcher's log read every 20 ms in a thread: each line with when it was seen."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines: list[tuple[float, str]] = []
        self._lock = threading.Lock()
        super().__init__("log-tail")

    def _run(self) -> None:
        offset, partial = 0, b""
        while not self._stop.is_set():
            with self.path.open("rb") as log:
                log.seek(offset)
                chunk = log.read()
            seen = time.time()
            offset += len(chunk)
            *complete, partial = (partial + chunk).split(b"\n")
            with self._lock:
                self.lines += [(seen, line.decode(errors="replace")) for line in complete]
            time.sleep(_TAIL_POLL_S)

    def first(self, *parts: str, after: float = 0.0) -> float | None:
        """When the first line holding every one of `parts` was seen, after `after`."""
        with self._lock:
            for seen, line in self.lines:
                if seen >= after and all(part in line for part in parts):
                    return seen
        return None


class Children(Background):
    """The watcher's child processes, looked up every 25 ms in a thread: when the first
    appeared and when none was left, on this script's clock. A check's process (or, in a
    watcher that checks in its own process, its browser) is the watcher's only child."""

    def __init__(self, watcher: wi.Watcher) -> None:
        self.tree = watcher.tree
        self.spans: list[tuple[float, float | None]] = []
        """(first child seen, none left), the latest maybe still open."""
        self._lock = threading.Lock()
        super().__init__("children")

    def _run(self) -> None:
        while not self._stop.is_set():
            busy, now = len(self.tree.pids()) > 1, time.time()
            with self._lock:
                open_span = bool(self.spans) and self.spans[-1][1] is None
                if busy and not open_span:
                    self.spans.append((now, None))
                elif not busy and open_span:
                    self.spans[-1] = (self.spans[-1][0], now)
            time.sleep(_CHILDREN_POLL_S)

    def closed(self, after: float) -> bool:
        """Whether every child seen since `after` is gone, as far as the thread has looked."""
        with self._lock:
            return all(end is not None for began, end in self.spans if began >= after)

    def first_after(self, after: float) -> tuple[float, float | None] | None:
        with self._lock:
            return next((span for span in self.spans if span[0] >= after), None)


@dataclass(frozen=True)
class CheckRow:
    account: str
    started: float
    finished: float
    result: str


def check_rows(db: Path) -> list[CheckRow]:
    if not db.exists():
        return []
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            rows = conn.execute(
                "SELECT account, started_at, finished_at, result FROM checks ORDER BY id"
            ).fetchall()
    except sqlite3.Error:  # not created or migrated yet, or locked for a moment
        return []
    return [
        CheckRow(
            str(account),
            datetime.fromisoformat(started).timestamp(),
            datetime.fromisoformat(finished).timestamp(),
            str(result),
        )
        for account, started, finished, result in rows
    ]


def wait_until(
    what: str, condition: Callable[[], bool], timeout: float, watcher: wi.Watcher
) -> None:
    """Poll `condition()` every 50 ms until true, the watcher alive, at most `timeout` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        watcher.alive()
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


def settled(watcher: wi.Watcher) -> bool:
    """The watcher has no child process: no browser, no check process."""
    return len(watcher.tree.pids()) == 1


# ---- the runs ---------------------------------------------------------------------------


@dataclass
class Run:
    run: str
    account: str
    order_id: str
    appended_at: str
    """UTC, when Dovecot answered the APPEND."""
    append_s: float
    """How long the APPEND itself took."""
    heard_s: float | None
    """Appended → the watcher logged the mail's request for a check."""
    child_start_s: float | None
    """Appended → the watcher's first child process of the check appeared (the check's
    process, or the browser of a check run in the watcher)."""
    check_start_s: float | None
    """Appended → the check's `started_at` in state.db, by the clock of the process that
    ran it."""
    first_request_s: float | None
    """Appended → the store's first request of the check (the browser is up and signed in)."""
    last_request_s: float | None
    check_end_s: float | None
    child_end_s: float | None
    """Appended → no child process of the watcher was left."""
    notified_s: float | None
    """Appended → the Notify naming the order reached the mock; None: not within the run's
    timeout."""
    check_result: str
    requests: list[str] = field(default_factory=list)
    """What the check asked of the store: "GET /path", in order."""
    gap_wait_s: float = 0.0
    """How long the account's minimum gap still had to run when the mail arrived."""
    checks_before: int = 0
    """Checks already recorded when the mail was appended."""


@dataclass
class Session:
    stores: Stores
    bus: Bus
    watcher: wi.Watcher
    tail: LogTail
    children: Children
    imap: imaplib.IMAP4
    db: Path
    gap_s: float
    last_start: dict[str, float] = field(default_factory=dict)
    last_request: dict[str, float] = field(default_factory=dict)

    def measure(self, label: str, index: int, timeout: float) -> Run:
        """One run: a seller order placed in store `index` and its mail appended to its
        account's folder now; waits for the notification (at most `timeout` s), the
        check's row and the browser's end."""
        account = account_of(index)
        before = check_rows(self.db)
        order_id, raw = self.stores.place(index)
        began = time.time()
        appended = append(self.imap, folder_of(index), raw)
        self.last_request[account] = appended
        gap_wait = max(0.0, self.last_start.get(account, 0.0) + self.gap_s - appended)
        deadline = time.monotonic() + timeout
        notified = None
        while notified is None and time.monotonic() < deadline:
            self.watcher.alive()
            notified = self.bus.notified(order_id, began)
            time.sleep(0.05)
        row = self._row_after(account, appended, len(before), notified is not None)
        if row is not None:
            self.last_start[account] = row.started
        wait_until("the check's browser to close", lambda: settled(self.watcher), 60, self.watcher)
        heard = self.tail.first(f" {account} ", order_id, after=began)
        requests = self.stores.requests(index)
        wait_until("the child's end noted", lambda: self.children.closed(began), 5, self.watcher)
        child = self.children.first_after(began)
        first = requests[0][0] - appended if requests else None
        last = requests[-1][0] - appended if requests else None
        return Run(
            run=label,
            account=account,
            order_id=order_id,
            appended_at=f"{datetime.fromtimestamp(appended, UTC):%H:%M:%S.%f}"[:-3],
            append_s=appended - began,
            heard_s=None if heard is None else heard - appended,
            child_start_s=None if child is None else child[0] - appended,
            check_start_s=None if row is None else row.started - appended,
            first_request_s=first,
            last_request_s=last,
            check_end_s=None if row is None else row.finished - appended,
            child_end_s=None if child is None or child[1] is None else child[1] - appended,
            notified_s=None if notified is None else notified - appended,
            check_result="-" if row is None else row.result,
            requests=[path for _, path in requests],
            gap_wait_s=gap_wait,
            checks_before=len(before),
        )

    def _row_after(
        self, account: str, appended: float, known: int, expected: bool
    ) -> CheckRow | None:
        """The account's first check started after the mail; awaited when one ran."""

        def found() -> CheckRow | None:
            rows = check_rows(self.db)[known:]
            return next((r for r in rows if r.account == account and r.started > appended), None)

        if expected:
            wait_until("the check's row", lambda: found() is not None, 60, self.watcher)
        return found()

    def await_gap(self, account: str) -> None:
        """Until the account's minimum gap has passed, with a margin."""
        wait = self.last_start.get(account, 0.0) + self.gap_s + GAP_MARGIN_S - time.time()
        if wait > 0:
            time.sleep(wait)


@dataclass
class Result:
    when: str
    machine: str
    software: str
    commit: str
    """The code at the start (`git describe --always --dirty`)."""
    accounts: int
    gap_minutes: float
    load_before: list[float]
    load_after: list[float]
    startup_s: float
    """From the watcher's start until every account's first check had ended."""
    runs: list[Run]
    gap_runs: list[Run]
    notifications: int
    """Notify calls the mock received over the whole run (first checks included)."""


def _prepare_home(home: Path, imap: wi.Imap, urls: list[str], marketplace: str) -> None:
    server = imap.server
    config = CONFIG.format(gap=GAP_MINUTES)
    for index, url in enumerate(urls):
        config += ACCOUNT.format(
            name=account_of(index),
            marketplace=marketplace,
            base_url=url,
            host=server.host,
            port=server.tls_port,
            user=server.user,
            folder=folder_of(index),
            authserv_id=DEMO_AUTHSERV_ID,
        )
    (home / "config.toml").write_text(config, encoding="utf-8")
    accounts = [account_of(index) for index in range(len(urls))]
    subprocess.run(
        [sys.executable, "-c", SAVE_CREDENTIALS, *accounts],
        env=wi._environment(home),
        cwd=ROOT,
        check=True,
        timeout=120,
        input=server.password,
        text=True,
    )


def _start_watcher(home: Path, imap: wi.Imap, bus: Bus) -> wi.Watcher:
    env = wi._environment(home)
    env.update(SSL_CERT_FILE=str(imap.ca_bundle), DBUS_SESSION_BUS_ADDRESS=bus.address)
    return wi.Watcher(home, env)


def _await_ready(watcher: wi.Watcher, imap: wi.Imap, accounts: int) -> None:
    db = watcher.home / "state.db"
    # Every account's first check (at start, all at once), its alerts sent, its browser
    # closed; every mailbox listening: a mail appended before its IDLE would be old news.
    wait_until(
        "the first checks",
        lambda: len(check_rows(db)) >= accounts and settled(watcher),
        600,
        watcher,
    )
    wait_until("every mailbox in IDLE", lambda: idle_sessions(imap) >= accounts, 120, watcher)


def _commit() -> str:
    done = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "unknown"


def measure(args: argparse.Namespace) -> Result:
    load_before, commit = list(os.getloadavg()), _commit()
    home = Path(tempfile.mkdtemp(prefix="cancelwatch-latency-"))
    try:
        with ExitStack() as stack:
            stores = stack.enter_context(
                stores_process(args.marketplace, args.history, args.accounts)
            )
            imap = stack.enter_context(wi.imap_server())
            create_folders(imap, args.accounts)
            bus = stack.enter_context(notification_bus(home))
            _prepare_home(home, imap, stores.urls, args.marketplace)
            started = time.perf_counter()
            watcher = _start_watcher(home, imap, bus)
            stack.callback(watcher.stop)
            _await_ready(watcher, imap, args.accounts)
            startup = time.perf_counter() - started
            print(f"every account's first check done after {startup:.1f} s", flush=True)
            tail = stack.enter_context(LogTail(watcher.log))
            children = stack.enter_context(Children(watcher))
            session = Session(
                stores,
                bus,
                watcher,
                tail,
                children,
                stack.enter_context(imap_session(imap)),
                home / "state.db",
                GAP_MINUTES * 60.0,
            )
            session.last_start = {row.account: row.started for row in check_rows(session.db)}
            runs = _runs(session, args)
            gap_runs = _gap_runs(session, args)
            notifications = bus.notifications()
            if args.log:
                print(watcher.text())
    finally:
        if args.keep:
            print(f"kept {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)
    return Result(
        when=f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        machine=procfs.machine(),
        software=wi._software(),
        commit=commit,
        accounts=args.accounts,
        gap_minutes=GAP_MINUTES,
        load_before=load_before,
        load_after=list(os.getloadavg()),
        startup_s=startup,
        runs=runs,
        gap_runs=gap_runs,
        notifications=notifications,
    )


def _runs(session: Session, args: argparse.Namespace) -> list[Run]:
    runs = []
    for number in range(args.runs):
        index = number % args.accounts
        session.await_gap(account_of(index))
        time.sleep(SETTLE_S)
        run = session.measure(str(number + 1), index, RUN_TIMEOUT_S)
        print(_row(run), flush=True)
        runs.append(run)
    return runs


def _gap_runs(session: Session, args: argparse.Namespace) -> list[Run]:
    """Mails inside their account's gap, on the account of the last run: each
    `--gap-offset` s after the account's previous mail, so its check waits for the gap."""
    runs = []
    index = (args.runs - 1) % args.accounts if args.runs else 0
    account = account_of(index)
    if args.gap_runs and account not in session.last_request:
        session.await_gap(account)
        session.measure("gap lead-in", index, RUN_TIMEOUT_S)
    for number in range(args.gap_runs):
        wait = session.last_request[account] + args.gap_offset - time.time()
        if wait > 0:
            time.sleep(wait)
        timeout = session.gap_s + RUN_TIMEOUT_S
        run = session.measure(f"gap {number + 1}", index, timeout)
        print(_row(run), flush=True)
        runs.append(run)
    return runs


# ---- report -----------------------------------------------------------------------------


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


POINTS = (
    ("heard", "the watcher's request (log)", "heard_s"),
    ("child", "the check's process starts", "child_start_s"),
    ("start", "the check's started_at (db)", "check_start_s"),
    ("first req", "the store's first request", "first_request_s"),
    ("last req", "the store's last request", "last_request_s"),
    ("end", "the check's finished_at (db)", "check_end_s"),
    ("notified", "**the notification**", "notified_s"),
    ("child gone", "the check's process gone", "child_end_s"),
)
"""The moments of a run after the APPEND: (column, summary row, Run's field)."""


def _row(run: Run) -> str:
    cells = [run.run, run.account, run.order_id, run.appended_at]
    cells += [_s(getattr(run, name)) for _, _, name in POINTS]
    cells += [str(len(run.requests)), run.check_result]
    return "| " + " | ".join(cells) + " |"


HEADER = (
    "| run | account | order | appended (UTC) | "
    + " | ".join(f"→ {column} s" for column, _, _ in POINTS)
    + " | requests | check |\n"
    + "|---" * (len(POINTS) + 6)
    + "|"
)


def nearest_rank(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `share` of the values
    at or below it (p95 of 20 values: the 19th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summary(name: str, values: list[float | None]) -> str:
    known = [v for v in values if v is not None]
    missing = len(values) - len(known)
    if not known:
        return f"| {name} | - | - | - | - | - | {missing} |"
    return (
        f"| {name} | {nearest_rank(known, 0.5):.2f} | {nearest_rank(known, 0.95):.2f} "
        f"| {min(known):.2f} | {max(known):.2f} | {statistics.fmean(known):.2f} | {missing} |"
    )


SPANS = (
    ("the watcher's request to the check's process", "heard_s", "child_start_s"),
    ("the process to the store's first request", "child_start_s", "first_request_s"),
    ("the first request to the last", "first_request_s", "last_request_s"),
    ("the last request to the notification", "last_request_s", "notified_s"),
    ("started_at to finished_at (db)", "check_start_s", "check_end_s"),
)
"""The spans within a run that the summary shows: (name, from, to) as Run's fields."""


def _between(runs: list[Run], start: str, end: str) -> list[float | None]:
    """Per run, the time from one phase to a later one (None where either is missing)."""
    spans = []
    for run in runs:
        began, ended = getattr(run, start), getattr(run, end)
        spans.append(None if began is None or ended is None else ended - began)
    return spans


def report(result: Result) -> None:
    print()
    print(f"{result.when}; {result.machine}")
    print(f"{result.software}; commit {result.commit}")
    load = " / ".join(
        " ".join(f"{x:.2f}" for x in loads) for loads in (result.load_before, result.load_after)
    )
    print(f"load average before / after: {load}")
    print(
        f"{result.accounts} accounts in one watcher, min_gap_minutes = {result.gap_minutes}; "
        f"startup to every first check done: {result.startup_s:.1f} s"
    )
    print()
    print(HEADER)
    for run in result.runs + result.gap_runs:
        print(_row(run))
    print()
    runs = result.runs
    print(f"over {len(runs)} runs, seconds after the APPEND (nearest-rank percentiles):")
    print()
    print("| from the APPEND to | p50 | p95 | min | max | mean | missing |")
    print("|---|---|---|---|---|---|---|")
    for _, name, point in POINTS:
        print(summary(name, [getattr(run, point) for run in runs]))
    for name, began, ended in SPANS:
        print(summary(f"({name})", _between(runs, began, ended)))
    for run in result.gap_runs:
        print()
        said = (
            "no notification within the run's timeout"
            if run.notified_s is None
            else f"notified after {run.notified_s:.2f} s"
        )
        print(
            f"inside the gap ({run.run}): appended with {run.gap_wait_s:.1f} s of the "
            f"account's {result.gap_minutes}-minute gap left: {said}, its check started "
            f"after {_s(run.check_start_s)} s"
        )
    notified = [r.notified_s for r in runs if r.notified_s is not None]
    if notified:
        p95 = nearest_rank(notified, 0.95)
        verdict = "met" if p95 < TARGET_P95_S and len(notified) == len(runs) else "MISSED"
        print()
        print(f"p95 < {TARGET_P95_S:g} s: {verdict} (p95 {p95:.2f} s over {len(notified)} runs)")
    print(f"Notify calls received in all: {result.notifications}")


# ---- main -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="measured runs (20)")
    parser.add_argument(
        "--accounts", type=int, default=4, help="accounts in the watcher, each its store (4)"
    )
    parser.add_argument(
        "--gap-runs", type=int, default=1, help="runs with the mail inside the gap (1)"
    )
    parser.add_argument(
        "--gap-offset",
        type=float,
        default=65.0,
        help="seconds after the account's previous mail that a gap run's mail arrives (65)",
    )
    parser.add_argument(
        "--history", type=int, default=25, help="delivered orders behind the 5 open ones (25)"
    )
    parser.add_argument("--marketplace", default="amazon.co.jp")
    parser.add_argument("--json", type=Path, help="also write the result to this file")
    parser.add_argument("--log", action="store_true", help="print the watcher's log at the end")
    parser.add_argument("--keep", action="store_true", help="keep the temporary home")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.marketplace, args.history, args.accounts)
        return 0
    if args.runs < 0 or args.accounts < 1 or args.gap_runs < 0:
        parser.error("--runs and --gap-runs must be 0 or more, --accounts 1 or more")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    print(HEADER, flush=True)
    result = measure(args)
    report(result)
    if args.json is not None:
        args.json.write_text(json.dumps(asdict(result), indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
