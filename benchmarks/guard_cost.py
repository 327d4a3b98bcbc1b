"""What the read-only guard costs per page: the same pages loaded in a browser launched by
cancelwatch (`scraper.browse.browser.launch`: every request paused and judged in Python, every
page handed back with its Content-Security-Policy) and in the same browser binary launched
by Playwright alone, with no guard (the peer), in the same run.

Two pages:
- `demo list`: the demo store's order list (amazon.co.jp, signed in with the demo account
  in both browsers first), one document and no subresources, as the demo serves it.
- `70 files`: a page on the order list's path that loads 50 scripts and 20 stylesheets,
  served by `python -m http.server` from a temporary folder: a stand-in for a real Amazon
  page, which loads about that many files. Each file is small, so the guard's fixed cost
  per request shows, not the transfer.

The browsers' HTTP caches are off, so every load asks the server for every file, as a
check's first visit to a page does. Both servers run in processes of their own, so their
work does not compete for this process's GIL, where the guard answers. Each timed load is
`page.goto(url, "commit")`, then waiting until the document is parsed and every file has
loaded (`document.readyState == "complete"`). Each round loads every page `--loads` times in each
browser, the browser that goes first alternating by round; the figure is the median load
time over all rounds, and the ratio is guarded / unguarded.

Run from the repository root with the project's venv:

    .venv/bin/python benchmarks/guard_cost.py [--rounds 5] [--loads 10]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import check_speed  # noqa: E402  (benchmarks/, beside this script)
import procfs  # noqa: E402
from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

from cancelwatch.scraper.browse.browser import LAUNCH_ARGS, find_browser, launch, new_context  # noqa: E402
from cancelwatch.scraper.browse.credentials import Credentials  # noqa: E402
from cancelwatch.scraper.browse.guard import guard_of  # noqa: E402
from cancelwatch.scraper.browse.login import SignIn  # noqa: E402
from cancelwatch.scraper.demo import DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET  # noqa: E402

_COMPLETE = "() => document.readyState === 'complete'"
_SCRIPTS, _STYLES = 50, 20


def _files_page(root: Path) -> None:
    """The 70-file page at /your-orders/orders/ (a path the guard lets a check read)."""
    static = root / "static"
    static.mkdir()
    for i in range(_SCRIPTS):
        (static / f"s{i}.js").write_text(f"window.s{i} = {i};\n")
    for i in range(_STYLES):
        (static / f"c{i}.css").write_text(f".c{i} {{ color: #{i:06x}; }}\n")
    page = root / "your-orders" / "orders"
    page.mkdir(parents=True)
    head = "".join(f'<link rel="stylesheet" href="/static/c{i}.css">' for i in range(_STYLES))
    body = "".join(f'<script src="/static/s{i}.js"></script>' for i in range(_SCRIPTS))
    (page / "index.html").write_text(
        f"<!doctype html><html><head><title>Your Orders</title>{head}</head>"
        f"<body><p>orders</p>{body}</body></html>"
    )


@contextmanager
def file_server() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="cancelwatch-guard-cost-") as tmp:
        _files_page(Path(tmp))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        process = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
            cwd=tmp,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_for_port(port)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.kill()
            process.wait()


def _wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"the file server did not start on port {port}")


def _signed_in_page(browser: Browser, store_url: str, guarded: bool) -> Page:
    context = new_context(browser, site=store_url) if guarded else browser.new_context()
    page = context.new_page()
    page.goto(store_url + "/your-orders/orders", wait_until="commit")
    creds = Credentials(DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET)
    SignIn(page, "amazon.co.jp", lambda: creds, account="guard-cost").run()
    return page


def _load(page: Page, url: str) -> float:
    started = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_function(_COMPLETE)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--loads", type=int, default=10, help="loads of each page per round")
    args = parser.parse_args()

    choice = find_browser()
    with (
        check_speed.store_process("amazon.co.jp", 30) as store,
        file_server() as files_url,
        sync_playwright() as playwright,
        launch(playwright, choice) as guarded,
    ):
        plain = playwright.chromium.launch(
            executable_path=choice.executable,
            channel=None if choice.executable else "chromium",
            args=list(LAUNCH_ARGS),  # the same Chromium switches as cancelwatch's
        )
        pages = {
            True: _signed_in_page(guarded, store.base_url, True),
            False: _signed_in_page(plain, store.base_url, False),
        }
        guard_of(guarded).policy.add_site(files_url)  # the file server is a site too
        urls = {
            "demo list": store.base_url + "/your-orders/orders?timeFilter=year-2026",
            "70 files": files_url + "/your-orders/orders/",
        }
        times: dict[tuple[str, bool], list[float]] = {(n, g): [] for n in urls for g in pages}
        for page in pages.values():
            # Every load goes to the network, as a check's first visit to a page does.
            session = page.context.new_cdp_session(page)
            session.send("Network.enable")
            session.send("Network.setCacheDisabled", {"cacheDisabled": True})
        for url in urls.values():  # one untimed warm-up load each
            for page in pages.values():
                _load(page, url)
        for round_no in range(args.rounds):
            order = [True, False] if round_no % 2 == 0 else [False, True]
            for name, url in urls.items():
                for guard in order:
                    times[(name, guard)] += [_load(pages[guard], url) for _ in range(args.loads)]
        plain.close()
        store.stop()

    print(procfs.machine())
    print(procfs.browser_line())
    print(f"{args.rounds} rounds x {args.loads} loads of each page in each browser; median ms")
    print()
    print("| page | requests | guarded ms | unguarded ms | ratio |")
    print("|---|---|---|---|---|")
    for name in urls:
        on = statistics.median(times[(name, True)]) * 1000
        off = statistics.median(times[(name, False)]) * 1000
        requests = 1 + (_SCRIPTS + _STYLES if name == "70 files" else 0)
        print(f"| {name} | {requests} | {on:.1f} | {off:.1f} | {on / off:.2f}x |")


if __name__ == "__main__":
    main()
