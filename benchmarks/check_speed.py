"""How long one full check takes, and how much memory it needs, as the history grows.

For each history length (`--sizes`, default 30, 300 and 3,000 orders, of which the same 5
are open: the demo store's "benchmark" preset) and with resource blocking on and off, it
starts a demo store, then runs one check the way `cancelwatch check` does: a fresh
Playwright driver and browser (`open_browser`), a new context, sign-in with OTP, the order
list newest first until the incremental stop, details and tracking pages of the open
orders, the browser closed. It times that from the launch to the close, and samples the
memory of this process and all its children (the Playwright driver and every Chromium
process) every `--sample-ms` while it runs.

The polite delay between page loads is set to 0 (`CrawlOptions(delay_seconds=0)`): it is a
pause we choose, not work, and it would only add (pages - 1) x delay to every run.

The demo store runs in a process of its own (this script with `--serve`), as a real site is
elsewhere: its memory is not counted, and its page rendering does not compete for this
process's GIL. It still shares the machine's CPUs.

Memory, summed over the process tree, from /proc (Linux only; no dependency): RSS from
/proc/PID/statm every `--sample-ms`; PSS and USS from /proc/PID/smaps_rollup every 4th
sample and whenever the RSS sum has grown by 5%. PSS (proportional set size) splits each
shared page between the processes that map it, so Chromium's shared pages (the binary, the
zygote's) count once in the sum, not once per process as in the RSS sum. It also splits
them with any other Chromium on the machine that maps the same binary, so PSS drops while
other browsers run. USS (private pages only) does not depend on other processes: it is
what the check frees when it ends, a lower bound of its footprint.

Also per run: the CPU time of the check (this process and its reaped children: the
driver and Chromium, from getrusage; the sampler's own thread left out), the 1-minute load
average, the share of the wall time in which some task of the machine waited for a CPU
(/proc/pressure/cpu), pages and orders read, the store's request count, and the wall time
split into launch, setup (context and page until the first request reaches the store),
sign-in, orders (list, details and tracking pages) and close, by the store's request log.

First, in the same run: a warm-session 30-order `cancelwatch check` (its own process,
process start included, the session saved by an untimed first check) against a bare
browser cycle (start Playwright, launch, load one list page, close; also a process of its
own), round by round, as a ratio. The gaps the crawl must keep between page loads
(crawl.delay_seconds, at least 1 s in config.toml) are subtracted: safety, not work.

Run from the repository root with the project's venv:

    .venv/bin/python benchmarks/check_speed.py [--sizes 30,300,3000] [--repeat 3]
    .venv/bin/python benchmarks/check_speed.py --warm-only [--warm-repeat 7]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The checkout's own code, after the line above has put it on the path.
import procfs  # noqa: E402
from background import Background  # noqa: E402  (benchmarks/, beside this script)

from cancelwatch.scheduler.watch.check import Target, open_browser, read_orders  # noqa: E402
from cancelwatch.scraper.browse.browser import LAUNCH_ARGS, find_browser  # noqa: E402
from cancelwatch.scraper.browse.crawl import default_is_open  # noqa: E402
from cancelwatch.scraper.browse.credentials import Credentials  # noqa: E402
from cancelwatch.scraper.browse.options import CrawlOptions  # noqa: E402
from cancelwatch.scraper.demo import DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET, DemoStore  # noqa: E402

OPEN_ORDERS = 5
TARGET_RATIO = 1.5
TARGET_SMALL_SECONDS = 5.0


# ---- the demo store, in a process of its own --------------------------------------------


def serve(marketplace: str, total: int) -> None:
    """`--serve`: run a benchmark-preset store, print its URL, wait for a line on stdin,
    then print its request log as JSON lines and exit."""
    store = DemoStore(marketplace, preset="benchmark", history=total - OPEN_ORDERS)
    print(store.start(), flush=True)
    sys.stdin.readline()
    for entry in store.requests:
        print(json.dumps(entry.to_json()), flush=True)
    store.stop()


@dataclass
class StoreProcess:
    process: subprocess.Popen[str]
    base_url: str

    def stop(self) -> list[dict[str, object]]:
        """Stop the store; its request log."""
        out, _ = self.process.communicate("stop\n", timeout=30)
        return [json.loads(line) for line in out.splitlines() if line.strip()]


@contextmanager
def store_process(marketplace: str, total: int) -> Iterator[StoreProcess]:
    command = [sys.executable, __file__, "--serve", "--marketplace", marketplace]
    command += ["--sizes", str(total)]
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        if not base_url.startswith("http"):
            raise RuntimeError(f"the demo store did not start (said {base_url!r})")
        yield StoreProcess(process, base_url)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


# ---- memory of a process tree, from /proc -----------------------------------------------


def _kind(pid: int) -> str:
    """python (this process), driver (Playwright's node) or chromium."""
    if pid == os.getpid():
        return "python"
    comm = (procfs.read(f"/proc/{pid}/comm") or "").strip()
    return "driver" if comm.startswith("node") else "chromium"


@dataclass
class Peak:
    pss_kib: int = 0
    uss_kib: int = 0
    """Private memory (USS) summed over the tree: what it frees when it ends."""
    rss_kib: int = 0
    processes: int = 0
    by_kind_kib: dict[str, int] = field(default_factory=dict)
    """PSS of python / driver / chromium at the moment of the PSS peak."""
    other_browsers: int = 0
    """Chromium processes outside the tree at the moment of the PSS peak."""
    samples: int = 0
    pss_samples: int = 0
    busy_s: float = 0.0
    """Wall time the sampler spent sampling."""
    cpu_s: float = 0.0
    """CPU time the sampler's thread used."""


class TreeSampler(Background):
    """Samples the memory of this process and its descendants, except `exclude` (the store)
    and its descendants, in a thread; keeps the peaks.

    Every `interval` s it sums the tree's RSS (/proc/PID/statm, cheap). PSS needs a walk of
    each process's page tables (/proc/PID/smaps_rollup, ~30 ms for a browser's tree on a
    loaded 2-CPU machine), so it is read every `pss_every`-th sample, and at once when the
    RSS sum has grown by more than `growth` since the last PSS reading: the PSS peak is
    taken where the memory grows, without a sampler that keeps a CPU busy. The thread's
    own CPU time is kept (`Peak.cpu_s`), for the check's CPU time to leave it out.
    """

    def __init__(
        self, interval: float, exclude: int, pss_every: int = 4, growth: float = 0.05
    ) -> None:
        self.interval = interval
        self.exclude = exclude
        self.pss_every = pss_every
        self.growth = growth
        self._rss_at_pss = 0
        self.peak = Peak()
        self._parents: dict[int, int | None] = {}
        super().__init__("tree-sampler")

    def _run(self) -> None:
        while not self._stop.is_set():
            began, cpu = time.perf_counter(), time.thread_time()
            self.sample()
            spent = time.perf_counter() - began
            self.peak.busy_s += spent
            self.peak.cpu_s += time.thread_time() - cpu
            self._stop.wait(max(0.0, self.interval - spent))

    def tree(self) -> list[int]:
        pids = {int(entry.name) for entry in os.scandir("/proc") if entry.name.isdigit()}
        for gone in self._parents.keys() - pids:
            del self._parents[gone]
        for new in pids - self._parents.keys():
            self._parents[new] = procfs.ppid(new)
        children: dict[int, list[int]] = {}
        for pid, parent in self._parents.items():
            if parent is not None:
                children.setdefault(parent, []).append(pid)
        found, todo = [], [os.getpid()]
        while todo:
            pid = todo.pop()
            if pid == self.exclude:
                continue
            found.append(pid)
            todo.extend(children.get(pid, ()))
        return found

    def sample(self) -> None:
        peak = self.peak
        pids = self.tree()
        rss = sum(procfs.rss_kib(pid) for pid in pids)
        peak.samples += 1
        peak.rss_kib = max(peak.rss_kib, rss)
        grown = rss > self._rss_at_pss * (1 + self.growth)
        if not grown and peak.samples % self.pss_every:
            return
        self._rss_at_pss = rss
        peak.pss_samples += 1
        by_kind: dict[str, int] = {}
        uss = 0
        for pid in pids:
            kind = _kind(pid)  # not cached: a child of the driver is "node" until its exec
            pss_one, uss_one = procfs.rollup_kib(pid)
            by_kind[kind] = by_kind.get(kind, 0) + pss_one
            uss += uss_one
        pss = sum(by_kind.values())
        peak.uss_kib = max(peak.uss_kib, uss)
        if pss > peak.pss_kib:
            peak.pss_kib, peak.processes, peak.by_kind_kib = pss, len(pids), by_kind
            peak.other_browsers = self._other_browsers(set(pids))

    def _other_browsers(self, ours: set[int]) -> int:
        """Chromium processes on the machine outside our tree: they share the binary's
        pages with ours, which lowers our PSS and USS."""
        others = self._parents.keys() - ours
        return sum((procfs.read(f"/proc/{pid}/comm") or "").startswith("chrom") for pid in others)


def _cpu_s() -> float:
    """CPU time of this process and its ended, reaped descendants (Playwright waits for its
    driver, the driver for the browser, the browser for its helpers)."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


# ---- one check --------------------------------------------------------------------------


@dataclass
class Run:
    total: int
    blocking: bool
    wall_s: float
    cpu_s: float
    """CPU time of the check: this process, the driver and every Chromium process."""
    peak: Peak
    pages_read: int
    orders_read: int
    open_read: int
    requests: int
    signed_in: bool
    load: float
    """The 1-minute load average when it started."""
    cpu_wait: float | None
    """Share of the wall time in which some task of the machine waited for a CPU."""
    phases_s: dict[str, float]
    """launch, setup (context and first request), sign-in, orders (list, details,
    tracking), close."""


_SIGN_IN_PREFIX = "/ap/"


def _phases(
    marks: dict[str, float], log: list[dict[str, object]], epoch_offset: float
) -> dict[str, float]:
    """Split the wall time with the store's request log (its times are the wall clock when
    it answered; `epoch_offset` turns perf_counter marks into the same clock)."""

    def at(entry: dict[str, object]) -> float:
        return datetime.fromisoformat(str(entry["time"])).timestamp() - epoch_offset

    first = at(log[0]) if log else marks["launched"]
    sign_ins = [at(e) for e in log if str(e["path"]).startswith(_SIGN_IN_PREFIX)]
    signed = max(sign_ins) if sign_ins else first
    return {
        "launch": marks["launched"] - marks["start"],
        "setup": first - marks["launched"],
        "sign-in": signed - first,
        "orders": marks["read"] - signed,
        "close": marks["closed"] - marks["read"],
    }


def one_check(
    marketplace: str, total: int, blocking: bool, interval: float, browser: str | None
) -> Run:
    with store_process(marketplace, total) as store:
        target = Target(
            account="benchmark",
            marketplace=marketplace,
            base_url=store.base_url,
            credentials=lambda: Credentials(DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET),
            store=None,
        )
        today = date.today()
        marks: dict[str, float] = {}
        sampler = TreeSampler(interval, exclude=store.process.pid)
        with sampler if interval > 0 else nullcontext():
            epoch_offset = time.time() - time.perf_counter()
            load = os.getloadavg()[0]
            cpu_before, wait_before = _cpu_s(), procfs.cpu_wait_s()
            marks["start"] = time.perf_counter()
            with open_browser(browser, block_resources=blocking) as chromium:
                marks["launched"] = time.perf_counter()
                result = read_orders(
                    target, chromium, options=CrawlOptions(delay_seconds=0), today=today
                )
                marks["read"] = time.perf_counter()
            marks["closed"] = time.perf_counter()
            cpu, wait_after = _cpu_s() - cpu_before, procfs.cpu_wait_s()
        cpu -= sampler.peak.cpu_s  # the sampler's thread is not the check
        log = store.stop()
    is_open = default_is_open(today)
    return Run(
        total=total,
        blocking=blocking,
        wall_s=marks["closed"] - marks["start"],
        cpu_s=cpu,
        load=load,
        cpu_wait=None
        if wait_before is None or wait_after is None
        else (wait_after - wait_before) / (marks["closed"] - marks["start"]),
        peak=sampler.peak,
        pages_read=result.pages_read,
        orders_read=len(result.orders),
        open_read=sum(1 for o in result.orders if is_open(o)),
        requests=len(log),
        signed_in=result.signed_in,
        phases_s=_phases(marks, log, epoch_offset),
    )


# ---- report -----------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _software(browser: str | None) -> str:
    return procfs.browser_line(browser)


def report(runs: list[Run], sizes: list[int], repeat: int) -> None:
    cells: dict[tuple[int, bool], list[Run]] = {}
    for run in runs:
        cells.setdefault((run.total, run.blocking), []).append(run)
    print()
    print(
        f"median of {repeat} runs per cell; wall time from launch to browser closed; CPU: "
        "this process, the driver and Chromium; CPU wait: share of the wall time in which "
        "some task of the machine waited for a CPU"
    )
    print()
    header = (
        "| orders | blocking | wall s | wall min–max | CPU s | CPU wait | peak PSS MiB "
        "| PSS python/driver/chromium | other Chromium | peak USS MiB | peak RSS sum MiB "
        "| pages read | orders read | open | requests |"
    )
    print(header)
    print("|" + "|".join("---" for _ in range(header.count("|") - 1)) + "|")
    medians: dict[str, dict[str, float]] = {}
    for total in sizes:
        for blocking in (True, False):
            group = cells.get((total, blocking), [])
            if not group:
                continue
            mode = "on" if blocking else "off"
            walls = [r.wall_s for r in group]
            cell = {
                "wall_s": _median(walls),
                "cpu_s": _median([r.cpu_s for r in group]),
                "pss_mib": procfs.mib(_median([r.peak.pss_kib for r in group])),
                "uss_mib": procfs.mib(_median([r.peak.uss_kib for r in group])),
                "rss_mib": procfs.mib(_median([r.peak.rss_kib for r in group])),
                **{k: _median([r.phases_s[k] for r in group]) for k in group[0].phases_s},
            }
            medians[f"{total}/{mode}"] = cell
            known = [r.cpu_wait for r in group if r.cpu_wait is not None]
            waits = _median(known) if known else None
            kinds = "/".join(
                f"{procfs.mib(_median([r.peak.by_kind_kib.get(k, 0) for r in group])):.0f}"
                for k in ("python", "driver", "chromium")
            )
            print(
                f"| {total:,} | {mode} | {cell['wall_s']:.2f} | {min(walls):.2f}–{max(walls):.2f} "
                f"| {cell['cpu_s']:.2f} | {_percent(waits)} | {cell['pss_mib']:.0f} | {kinds} "
                f"| {_median([r.peak.other_browsers for r in group]):.0f} "
                f"| {cell['uss_mib']:.0f} | {cell['rss_mib']:.0f} "
                f"| {_set([r.pages_read for r in group])} "
                f"| {_set([r.orders_read for r in group])} "
                f"| {_set([r.open_read for r in group])} | {_set([r.requests for r in group])} |"
            )
    print()
    print("where the wall time goes (medians, s; split by the store's request log):")
    print()
    names = list(runs[0].phases_s) if runs else []
    print("| orders | blocking | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for total in sizes:
        for mode in ("on", "off"):
            found = medians.get(f"{total}/{mode}")
            if found is not None:
                row = " | ".join(f"{found[n]:.2f}" for n in names)
                print(f"| {total:,} | {mode} | {row} |")
    _verdict(medians, sizes)
    wall = max(sum(r.wall_s for r in runs), 1e-9)
    busy = sum(r.peak.busy_s for r in runs) / wall
    cpu = sum(r.peak.cpu_s for r in runs) / wall
    samples = sum(r.peak.samples for r in runs)
    pss = sum(r.peak.pss_samples for r in runs)
    print()
    print(
        f"memory sampler: {samples} samples, {pss} of them with PSS; busy {busy:.0%} of the "
        f"wall time, CPU {cpu:.0%} of it (left out of the CPU column)"
    )


def _percent(share: float | None) -> str:
    return "n/a" if share is None else f"{share:.0%}"


def _set(values: list[int]) -> str:
    """The distinct values, e.g. "2" or "2/3"."""
    return "/".join(f"{v:,}" for v in sorted(set(values)))


def _verdict(medians: dict[str, dict[str, float]], sizes: list[int]) -> None:
    small, large = min(sizes), max(sizes)
    print()
    for mode in ("on", "off"):
        a, b = medians.get(f"{small}/{mode}"), medians.get(f"{large}/{mode}")
        if a is None:
            continue
        if b is not None and large != small:
            ratio = b["wall_s"] / a["wall_s"]
            ok = "met" if ratio <= TARGET_RATIO else "MISSED"
            memory = (
                f"{b['pss_mib'] / a['pss_mib']:.2f}x, peak USS {b['uss_mib'] / a['uss_mib']:.2f}x"
                if a["pss_mib"] and a["uss_mib"]
                else "not sampled"
            )
            print(
                f"blocking {mode}: {large:,} / {small:,} orders: wall {ratio:.2f}x "
                f"(target <= {TARGET_RATIO:g}x: {ok}), CPU {b['cpu_s'] / a['cpu_s']:.2f}x, "
                f"peak PSS {memory}"
            )
        if small == 30:
            fast = "met" if a["wall_s"] < TARGET_SMALL_SECONDS else "MISSED"
            print(
                f"blocking {mode}: 30-order check {a['wall_s']:.2f} s wall, {a['cpu_s']:.2f} s "
                f"CPU (target < {TARGET_SMALL_SECONDS:g} s wall: {fast})"
            )


# ---- a warm-session check against a bare browser cycle -----------------------------------

WARM_ACCOUNT = "demo"
WARM_TOTAL = 30
WARM_TARGET_RATIO = 1.5
WARM_DELAY_SECONDS = 1
"""The smallest pause between page loads that config.toml accepts."""

WARM_CONFIG = """\
[accounts.demo]
marketplace = "{marketplace}"
base_url = "{base_url}"
[crawl]
delay_seconds = {delay}
refresh_hours = {refresh}
[notify]
desktop = false
"""

SAVE_CREDENTIALS = """\
from cancelwatch.scraper.browse import credentials as cr
from cancelwatch.scraper.demo import DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET
cr.save_credentials("demo", cr.Credentials(DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET))
"""

SAVE_SESSION_FOR_BARE = """\
import json, sys
from cancelwatch.scraper.browse import credentials as cr
state = cr.load_session("demo", cr.secret_store())
assert state is not None, "the first check saved no session"
open(sys.argv[1], "w").write(json.dumps(state))
"""

# `cancelwatch check` itself, as the console script runs it (`scheduler/cli/entry.py`, which
# starts the browser's driver while the command line imports), with a stopwatch on the
# crawl's pauses: they are a safety setting (at least crawl.delay_seconds from one page read
# to the next load), not work. The stopwatch goes in when the crawl's module is first
# imported, by the command itself (an import hook), so that the shim imports nothing the
# command would not and the driver's head start is the command's own. Written to the file
# named by argv[1]: the gap each pause had to keep (the crawl's own rule, copied: the delay,
# doubled per retry), summed, and the time asleep in them (less, when reading the page took
# part of the gap).
TIMED_CHECK = """\
import atexit, importlib.abc, importlib.util, sys, time
kept, asleep = [0.0], [0.0]
def _stopwatch(crawl):
    pause = crawl.Crawl._pause
    def _timed(self, attempt):
        if self._loads or attempt:
            kept[0] += self.options.delay_seconds * (2 ** attempt)
        began = time.perf_counter()
        try:
            pause(self, attempt)
        finally:
            asleep[0] += time.perf_counter() - began
    crawl.Crawl._pause = _timed
class _OnImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != "cancelwatch.scraper.browse.crawl":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        run = spec.loader.exec_module
        def exec_module(module):
            run(module)
            _stopwatch(module)
        spec.loader.exec_module = exec_module
        return spec
sys.meta_path.insert(0, _OnImport())
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(f"{kept[0]} {asleep[0]}"))
from cancelwatch.scheduler.cli.entry import main
sys.argv[0] = "cancelwatch"
main()
"""

BARE_CYCLE = """\
import sys, time
from playwright.sync_api import sync_playwright
url, state, executable = sys.argv[1:4]
began = time.perf_counter()
with sync_playwright() as playwright:
    browser = playwright.chromium.launch(
        executable_path=executable or None,
        channel=None if executable else "chromium",
        args=sys.argv[4:] or None,
    )
    page = browser.new_context(storage_state=state).new_page()
    page.goto(url, wait_until="domcontentloaded")
    if "startIndex" not in page.url:
        raise SystemExit(f"the bare cycle did not land on the order list: {page.url}")
    browser.close()
print(time.perf_counter() - began)
"""


@dataclass
class WarmRound:
    check_s: float
    """`cancelwatch check` from the process's start to its exit."""
    paused_s: float
    """The gaps the crawl had to keep between page loads: crawl.delay_seconds x the loads
    after the first."""
    asleep_s: float
    """The time it slept in those pauses (less: reading a page counts towards its gap)."""
    bare_s: float
    """Start Playwright, launch the browser, load one list page, close: process start to
    exit, as the check."""
    bare_inner_s: float
    """The same cycle from Playwright's start to the browser closed."""
    exit_code: int

    @property
    def work_s(self) -> float:
        return self.check_s - self.paused_s


def _warm_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        CANCELWATCH_HOME=str(home),
        CANCELWATCH_SECRETS="file",
        CANCELWATCH_PASSPHRASE="benchmark passphrase",
    )
    return env


def _age_checks(db: Path) -> None:
    """Move the recorded checks a day back. The limits between checks ([watch]
    min_gap_minutes, at least 2) would refuse a check a minute after the last one; this
    way each round's check finds the state a check of yesterday left."""
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        rows = conn.execute("SELECT id, started_at, finished_at FROM checks").fetchall()
        for id_, *times in rows:
            started, finished = (
                (datetime.fromisoformat(t) - timedelta(days=1)).isoformat(timespec="microseconds")
                for t in times
            )
            conn.execute(
                "UPDATE checks SET started_at = ?, finished_at = ? WHERE id = ?",
                (started, finished, id_),
            )


def _timed_check(home: Path, env: dict[str, str]) -> tuple[float, float, float, int]:
    """One `cancelwatch check` in a process of its own: (wall s, gaps kept s, asleep s,
    exit code)."""
    if (home / "state.db").exists():
        _age_checks(home / "state.db")
    out = home / "paused.txt"
    out.unlink(missing_ok=True)
    command = [sys.executable, "-c", TIMED_CHECK, str(out), "check"]
    began = time.perf_counter()
    done = subprocess.run(
        command, check=False, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    wall = time.perf_counter() - began
    # 1: an order needs the user, as the scenario's do; the pages it read say it was read.
    # (One list page since issue 10: a check after the first stops where page 1 ends in
    # old closed orders.)
    if done.returncode not in (0, 1) or "read order page 1" not in done.stderr:
        raise RuntimeError(f"cancelwatch check exited {done.returncode}: {done.stderr.strip()}")
    kept, asleep = (float(x) for x in out.read_text().split())
    return wall, kept, asleep, done.returncode


def bare_cycle(url: str, storage_state: Path, browser: str | None) -> tuple[float, float]:
    """Start Playwright, launch the browser (the binary and switches cancelwatch uses; no
    guard, no profile of its own), load one list page with the saved session, close; in a
    process of its own, like the check. (From the process's start to its exit, from
    Playwright's start to the browser closed.)"""
    executable = find_browser(browser).executable or ""
    command = [sys.executable, "-c", BARE_CYCLE, url, str(storage_state), executable]
    command += list(LAUNCH_ARGS)
    began = time.perf_counter()
    done = subprocess.run(command, check=True, cwd=ROOT, capture_output=True, text=True)
    return time.perf_counter() - began, float(done.stdout)


def warm_vs_bare(
    marketplace: str, repeat: int, browser: str | None, refresh_hours: float = 6.0
) -> list[WarmRound]:
    """A warm-session 30-order `cancelwatch check` against a bare browser cycle, round by
    round on the same store: a first, untimed check signs in and saves the session."""
    home = Path(tempfile.mkdtemp(prefix="cancelwatch-warm-"))
    rounds: list[WarmRound] = []
    try:
        env = _warm_env(home)
        with store_process(marketplace, WARM_TOTAL) as store:
            config = WARM_CONFIG.format(
                marketplace=marketplace,
                base_url=store.base_url,
                delay=WARM_DELAY_SECONDS,
                refresh=refresh_hours,
            )
            (home / "config.toml").write_text(config)
            run = functools.partial(subprocess.run, env=env, cwd=ROOT, check=True, timeout=120)
            run([sys.executable, "-c", SAVE_CREDENTIALS])
            _timed_check(home, env)  # signs in, saves the session; untimed
            state = home / "bare-storage-state.json"
            run([sys.executable, "-c", SAVE_SESSION_FOR_BARE, str(state)])
            url = store.base_url + "/your-orders/orders?timeFilter=year-2026&startIndex=0"
            bare_cycle(url, state, browser)  # warm-up
            for round_ in range(repeat):
                # Alternate which goes first: drift in the machine's load lands on both.
                if round_ % 2:
                    check = _timed_check(home, env)
                    bare = bare_cycle(url, state, browser)
                else:
                    bare = bare_cycle(url, state, browser)
                    check = _timed_check(home, env)
                rounds.append(WarmRound(*check[:3], bare[0], bare[1], check[3]))
                r = rounds[-1]
                print(
                    f"warm round {round_ + 1}: check {r.check_s:.2f} s (gaps {r.paused_s:.2f} "
                    f"s, work {r.work_s:.2f} s), bare cycle {r.bare_s:.2f} s: "
                    f"{r.work_s / r.bare_s:.2f}x; load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
            store.stop()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return rounds


def report_warm(rounds: list[WarmRound]) -> None:
    def spread(values: list[float], unit: str = " s") -> str:
        return (
            f"{_median(values):.2f}{unit} ({min(values):.2f}–{max(values):.2f}, "
            f"spread {max(values) - min(values):.2f})"
        )

    ratios = [r.work_s / r.bare_s for r in rounds]
    print()
    print(
        f"warm-session {WARM_TOTAL}-order `cancelwatch check` (process start to exit; "
        f"crawl.delay_seconds = {WARM_DELAY_SECONDS}) against a bare browser cycle, "
        f"{len(rounds)} rounds, median (min–max):"
    )
    print()
    print("| | median (min–max, spread) |")
    print("|---|---|")
    print(f"| warm check, wall | {spread([r.check_s for r in rounds])} |")
    print(
        "| of it, gaps kept between page loads (delay x loads after the first) "
        f"| {spread([r.paused_s for r in rounds])} |"
    )
    print(f"| time asleep in those gaps | {spread([r.asleep_s for r in rounds])} |")
    print(f"| warm check without the gaps | {spread([r.work_s for r in rounds])} |")
    print(f"| bare cycle, process start to exit | {spread([r.bare_s for r in rounds])} |")
    print(
        "| bare cycle, Playwright's start to the browser closed "
        f"| {spread([r.bare_inner_s for r in rounds])} |"
    )
    print(f"| **ratio: check without the gaps / bare** | {spread(ratios, 'x')} |")
    print(f"| ratio with the gaps | {spread([r.check_s / r.bare_s for r in rounds], 'x')} |")
    ok = "met" if _median(ratios) <= WARM_TARGET_RATIO else "MISSED"
    print()
    print(
        f"warm check / bare cycle: {_median(ratios):.2f}x (target <= {WARM_TARGET_RATIO:g}x: {ok})"
    )


# ---- main -------------------------------------------------------------------------------


def _sizes(text: str) -> list[int]:
    sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    if not sizes or min(sizes) < OPEN_ORDERS:
        raise argparse.ArgumentTypeError(f"sizes must be at least {OPEN_ORDERS} (the open orders)")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", type=_sizes, default=[30, 300, 3000], help="orders in the history (30,300,3000)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per cell (3)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first (1)")
    parser.add_argument("--marketplace", default="amazon.co.jp")
    parser.add_argument("--browser", help="browser executable (default: as cancelwatch finds it)")
    parser.add_argument(
        "--sample-ms", type=float, default=50.0, help="memory sampling interval; 0: none (50)"
    )
    parser.add_argument("--json", type=Path, help="also write every run to this file")
    parser.add_argument(
        "--warm-only",
        action="store_true",
        help="only the warm-session check against the bare browser cycle",
    )
    parser.add_argument(
        "--warm-repeat", type=int, default=7, help="rounds of warm check and bare cycle (7)"
    )
    parser.add_argument(
        "--refresh-hours",
        type=float,
        default=6.0,
        help="crawl.refresh_hours of the warm check; 0 reads every page every time (6)",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.marketplace, args.sizes[0])
        return 0
    if not Path("/proc/self/smaps_rollup").exists():
        print("this benchmark reads /proc/PID/smaps_rollup: it needs Linux 4.14 or later")
        return 2

    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {procfs.machine()}")
    print(_software(args.browser))
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    warm = warm_vs_bare(args.marketplace, args.warm_repeat, args.browser, args.refresh_hours)
    if args.warm_only:
        report_warm(warm)
        return 0
    interval = args.sample_ms / 1000
    for _ in range(args.warmup):
        one_check(args.marketplace, args.sizes[0], True, interval, args.browser)
    runs: list[Run] = []
    # Round by round, every cell once per round: drift in the machine's load spreads over
    # all cells instead of landing on one.
    for round_ in range(args.repeat):
        for total in args.sizes:
            for blocking in (True, False):
                run = one_check(args.marketplace, total, blocking, interval, args.browser)
                runs.append(run)
                print(
                    f"round {round_ + 1}: {total:,} orders, blocking "
                    f"{'on' if blocking else 'off'}: {run.wall_s:.2f} s, "
                    f"peak PSS {procfs.mib(run.peak.pss_kib):.0f} MiB, USS "
                    f"{procfs.mib(run.peak.uss_kib):.0f} MiB ({run.peak.other_browsers} other "
                    f"Chromium), {run.pages_read} pages, "
                    f"{run.orders_read} orders ({run.open_read} open), "
                    f"{run.requests} requests; load {run.load:.1f}, CPU wait "
                    f"{_percent(run.cpu_wait)}",
                    flush=True,
                )
    report(runs, args.sizes, args.repeat)
    report_warm(warm)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json is not None:
        args.json.write_text(json.dumps([asdict(r) for r in runs], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
