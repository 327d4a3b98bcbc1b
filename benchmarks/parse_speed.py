"""Parse speed: cancelwatch's parser against amazon-orders 5.2.0 on the same order-list pages.

Both parsers get the same HTML string at every repetition, and each is timed from that string
to its order objects, HTML parsing included. The peer is installed only for this benchmark,
in a venv of its own (see benchmarks/README.md); it is never a dependency of the project.

    python3 -m venv /tmp/bench-venv
    /tmp/bench-venv/bin/pip install 'amazon-orders==5.2.0' 'selectolax==1.0.2' platformdirs
    /tmp/bench-venv/bin/python benchmarks/parse_speed.py
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import importlib
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_FIXTURES = REPO / "tests" / "fixtures" / "real" / "amazon.com" / "orders"
PAGES = (
    "order-history-2024-0.html",
    "order-history-amazon-store.html",
    "order-history-2010-10.html",
    "order-history-2023-zero-orders.html",
)
MARKETPLACE = "amazon.com"
DESCRIPTION = "Time cancelwatch's parser against amazon-orders on the same order-list pages."
PEER = "amazon-orders"
PEER_VERSION = "5.2.0"
INSTALL_HINT = (
    "amazon-orders is installed only for this benchmark, in a venv of its own, never into the\n"
    "project's; our parser comes from this checkout, installed there without its browser and\n"
    "notification dependencies:\n"
    "    python3 -m venv /tmp/bench-venv\n"
    f"    /tmp/bench-venv/bin/pip install '{PEER}=={PEER_VERSION}' \\\n"
    "          'selectolax==1.0.2' platformdirs google-re2 pydantic charset-normalizer\n"
    "    /tmp/bench-venv/bin/pip install --no-deps -e .\n"
    "    /tmp/bench-venv/bin/python benchmarks/parse_speed.py"
)
# Attributes of the peer's entities that are not read from the page: the parsed tag, the config,
# and two echoes of the call's own arguments.
PEER_NOT_READ = frozenset({"parsed", "config", "full_details", "index"})
# Our "could not tell" values: an enum member of this value counts as not read.
UNKNOWN = "unknown"

Parse = Callable[[str], Sequence[Any]]
# cpu: this process's CPU time, which other work on a shared machine barely moves (both parsers
# are single-threaded); wall: elapsed time, what a user waits, noisy when the machine is busy.
CLOCKS: dict[str, Callable[[], float]] = {"cpu": time.process_time, "wall": time.perf_counter}


@dataclass(frozen=True)
class Side:
    name: str
    parse: Parse
    order_id: Callable[[Any], str | None]


@dataclass
class PageResult:
    name: str
    orders: dict[str, int]
    fields: dict[str, float]
    """Mean non-null fields of an order object, top level."""
    leaves: dict[str, float]
    """Mean non-null values anywhere under an order: its shipments, items, recipient."""
    times: dict[str, list[float]]
    ids_agree: bool

    def ms_page(self, side: str) -> float:
        return statistics.median(self.times[side]) * 1000

    def ms_order(self, side: str) -> float | None:
        count = self.orders[side]
        return self.ms_page(side) / count if count else None


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    try:
        peer_orders = importlib.import_module("amazonorders.orders")
        peer_conf = importlib.import_module("amazonorders.conf")
    except ImportError:
        print(f"{PEER} is not importable from {sys.executable}.\n{INSTALL_HINT}", file=sys.stderr)
        return 2
    try:
        ours = importlib.import_module("cancelwatch.scraper.read.parse")
    except ImportError as error:
        print(f"cancelwatch's parser is not importable ({error}).\n{INSTALL_HINT}", file=sys.stderr)
        return 2

    peer_version = metadata.version(PEER)
    if peer_version != PEER_VERSION:
        print(
            f"warning: {PEER} {peer_version} is installed; this benchmark was written for "
            f"{PEER_VERSION}",
            file=sys.stderr,
        )
    config = _peer_config(peer_conf.AmazonOrdersConfig, args.peer_bs4_parser)
    sides = (
        Side(
            "ours",
            lambda html: ours.parse_page(html, MARKETPLACE).orders,
            lambda order: order.id,
        ),
        Side(
            "peer",
            # 5.2.0: a classmethod taking the page's HTML string and the config; no session.
            lambda html: peer_orders.AmazonOrders.parse_orders(html, config),
            lambda order: order.order_number,
        ),
    )
    pages = [(name, (args.fixtures / name).read_text(encoding="utf-8")) for name in PAGES]

    _print_environment(peer_version, config.bs4_parser, args)
    results = _run(sides, pages, args.warmup, args.repeat, CLOCKS[args.clock])
    _print_table(results)
    return 0


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument(
        "--repeat",
        type=int,
        default=12,
        help="timed repetitions per page and parser; the median is reported (default: 12, "
        "about a minute on a 2-core machine)",
    )
    parser.add_argument(
        "--warmup", type=int, default=1, help="untimed repetitions first (default: 1)"
    )
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="cpu",
        help="cpu: process CPU time, steady on a busy machine (default); wall: elapsed time",
    )
    parser.add_argument(
        "--fixtures",
        type=Path,
        default=DEFAULT_FIXTURES,
        help=f"folder holding the order-list pages (default: {DEFAULT_FIXTURES})",
    )
    parser.add_argument(
        "--peer-bs4-parser",
        default=None,
        help="BeautifulSoup parser for amazon-orders (default: its own default, html.parser; "
        "lxml needs `pip install lxml` in the benchmark venv)",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.warmup < 0:
        parser.error("--repeat must be at least 1 and --warmup at least 0")
    missing = [name for name in PAGES if not (args.fixtures / name).is_file()]
    if missing:
        parser.error(f"not in {args.fixtures}: {', '.join(missing)}")
    return args


def _peer_config(config_class: Any, bs4_parser: str | None) -> Any:
    """The peer's config at its defaults: no config file of the user's, no AMAZON_* variables.
    Building it reads no network and signs nothing in."""
    data = {} if bs4_parser is None else {"bs4_parser": bs4_parser}
    with _without_peer_environment(), tempfile.TemporaryDirectory() as empty:
        config = config_class(config_path=str(Path(empty) / "config.yml"), data=data)
    if bs4_parser is not None and config.bs4_parser != bs4_parser:
        # The peer falls back to html.parser with only a log line; a benchmark must not.
        raise SystemExit(f"BeautifulSoup parser {bs4_parser!r} is not installed in this venv")
    return config


@contextlib.contextmanager
def _without_peer_environment() -> Iterator[None]:
    saved = {k: v for k, v in os.environ.items() if k.startswith("AMAZON_")}
    for key in saved:
        del os.environ[key]
    try:
        yield
    finally:
        os.environ.update(saved)


def _run(
    sides: Sequence[Side],
    pages: Sequence[tuple[str, str]],
    warmup: int,
    repeat: int,
    clock: Callable[[], float],
) -> list[PageResult]:
    results: list[PageResult] = []
    for name, html in pages:
        orders = {side.name: side.parse(html) for side in sides}
        ids = [{side.order_id(o) for o in orders[side.name]} for side in sides]
        times: dict[str, list[float]] = {side.name: [] for side in sides}
        for rep in range(warmup + repeat):
            # Alternate who goes first, so neither always runs on the other's cache.
            for side in sides if rep % 2 == 0 else tuple(reversed(sides)):
                gc.collect()  # neither side pays for the other's garbage
                start = clock()
                side.parse(html)
                elapsed = clock() - start
                if rep >= warmup:
                    times[side.name].append(elapsed)
        results.append(
            PageResult(
                name=name,
                orders={s.name: len(orders[s.name]) for s in sides},
                fields={
                    s.name: _mean([_count_fields(o, False) for o in orders[s.name]]) for s in sides
                },
                leaves={
                    s.name: _mean([_count_fields(o, True) for o in orders[s.name]]) for s in sides
                },
                times=times,
                ids_agree=all(i == ids[0] for i in ids),
            )
        )
        print(f"  timed {name}", file=sys.stderr)
    return results


def _count_fields(value: Any, deep: bool) -> int:
    """Non-null fields of an order object: None, empty lists and our UNKNOWN status count as
    not read; False and zero count as read. With deep, nested objects count their own fields."""
    total = 0
    for child in _attributes(value):
        if isinstance(child, list | tuple):
            if deep:
                total += sum(_leaves(item) for item in child)
            else:
                total += bool(child)
        elif deep and _is_entity(child):
            total += _leaves(child)
        else:
            total += _read(child)
    return total


def _leaves(value: Any) -> int:
    if isinstance(value, list | tuple):
        return sum(_leaves(item) for item in value)
    if _is_entity(value):
        return sum(_leaves(child) for child in _attributes(value))
    return _read(value)


def _is_entity(value: Any) -> bool:
    return dataclasses.is_dataclass(value) or (
        hasattr(value, "__dict__") and not isinstance(value, date | Enum)
    )


def _attributes(value: Any) -> list[Any]:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [getattr(value, f.name) for f in dataclasses.fields(value)]
    return [v for k, v in vars(value).items() if k not in PEER_NOT_READ]


def _read(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, Enum) and value.value == UNKNOWN:
        return 0
    return 1


def _mean(values: Sequence[int]) -> float:
    return statistics.fmean(values) if values else 0.0


def _print_environment(peer_version: str, bs4_parser: str, args: argparse.Namespace) -> None:
    print(f"date:          {date.today().isoformat()}")
    print(f"cpu:           {_cpu()}")
    print(f"python:        {platform.python_implementation()} {platform.python_version()}")
    print(f"selectolax:    {metadata.version('selectolax')}")
    print(f"beautifulsoup: {metadata.version('beautifulsoup4')} (peer's parser: {bs4_parser})")
    print(f"{PEER}: {peer_version}")
    runs = f"{args.repeat} timed runs after {args.warmup} warm-up"
    print(f"timing:        {args.clock} clock, {runs}, median of the timed runs")
    print(f"load average:  {_load()}")
    print(flush=True)


def _cpu() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
    except OSError:
        return platform.processor() or platform.machine()
    models = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    model = models[0] if models else platform.machine()
    return f"{model} ({len(models) or os.cpu_count()} logical CPUs)"


def _load() -> str:
    try:
        return " ".join(f"{load:.2f}" for load in os.getloadavg())
    except OSError:
        return "unknown"


def _print_table(results: Sequence[PageResult]) -> None:
    header = (
        "page",
        "orders ours/peer",
        "fields/order ours/peer",
        "nested ours/peer",
        "ms/page ours",
        "ms/page peer",
        "ms/order ours",
        "ms/order peer",
        "peer/ours per order",
    )
    rows = [header]
    for r in results:
        ours_order, peer_order = r.ms_order("ours"), r.ms_order("peer")
        ratio = f"{peer_order / ours_order:.1f}x" if ours_order and peer_order else "-"
        rows.append(
            (
                r.name.removesuffix(".html"),
                f"{r.orders['ours']} / {r.orders['peer']}" + ("" if r.ids_agree else " (!)"),
                _pair(r.fields, r.orders),
                _pair(r.leaves, r.orders),
                f"{r.ms_page('ours'):.1f}",
                f"{r.ms_page('peer'):.1f}",
                _ms(ours_order),
                _ms(peer_order),
                ratio,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in rows
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    print("\n".join(lines))

    with_orders = [r for r in results if r.orders["ours"] and r.orders["peer"]]
    ours = sum(r.ms_page("ours") for r in with_orders) / sum(r.orders["ours"] for r in with_orders)
    peer = sum(r.ms_page("peer") for r in with_orders) / sum(r.orders["peer"] for r in with_orders)
    if any(not r.ids_agree for r in results):
        print("(!) the two parsers found different order ids on this page")
    print(
        f"\noverall: {peer / ours:.1f}x faster per order than {PEER} "
        f"({ours:.2f} ms vs {peer:.2f} ms per order, pages with orders, medians summed)"
    )


def _pair(values: dict[str, float], orders: dict[str, int]) -> str:
    if not orders["ours"] and not orders["peer"]:
        return "-"
    return f"{values['ours']:.1f} / {values['peer']:.1f}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


if __name__ == "__main__":
    sys.exit(main())
