"""Parse speed: cancelwatch's parser against amazon-orders 5.2.0 on the same order-list pages.

Both parsers get the same HTML string at every repetition, and each is timed from that string
to its order objects, HTML parsing included. In the same rounds our parser also reads each
page with every class and id attribute stripped, which only its label tier can read (issue 9),
and our own page of Amazon's React order list, which the peer does not read. The peer is
installed only for this benchmark, in a venv of its own (see benchmarks/README.md); it is
never a dependency of the project.

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
import math
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
REACT_PAGE = REPO / "tests" / "fixtures" / "amazon.com" / "react-order-list-com.html"
"""Our own page of the React "Your Orders" layout (issue 9), written from its description."""
MARKETPLACE = "amazon.com"
TARGET = 20.0
"""Issue 9: at least this many times faster per order than the peer, for both tiers."""
DESCRIPTION = (
    "Time cancelwatch's parser against amazon-orders on the same order-list pages, and our label "
    "tier on those pages with their classes and ids stripped."
)
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
OURS, LABELS, PEER_SIDE = "ours", "labels", "peer"
# cpu: this process's CPU time, which other work on a shared machine barely moves (both parsers
# are single-threaded); wall: elapsed time, what a user waits, noisy when the machine is busy.
CLOCKS: dict[str, Callable[[], float]] = {"cpu": time.process_time, "wall": time.perf_counter}


def _as_saved(html: str) -> str:
    return html


@dataclass(frozen=True)
class Side:
    name: str
    parse: Parse
    order_id: Callable[[Any], str | None]
    source: Callable[[str], str] = _as_saved
    """The page this side reads, made from the saved one before the timed rounds."""


@dataclass(frozen=True)
class Page:
    name: str
    html: str
    sides: frozenset[str]
    """The sides that read this page: the peer does not read the React layout."""


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

    def ms_page(self, side: str) -> float | None:
        times = self.times.get(side)
        return statistics.median(times) * 1000 if times else None

    def ms_order(self, side: str) -> float | None:
        count, ms = self.orders.get(side), self.ms_page(side)
        return ms / count if count and ms is not None else None


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

    def ours_parse(html: str) -> Sequence[Any]:
        return ours.parse_page(html, MARKETPLACE).orders

    def peer_parse(html: str) -> Sequence[Any]:
        # 5.2.0: a classmethod taking the page's HTML string and the config; no session.
        return peer_orders.AmazonOrders.parse_orders(html, config)

    sides = (
        Side(OURS, ours_parse, lambda order: order.id),
        Side(LABELS, ours_parse, lambda order: order.id, strip_classes_and_ids),
        Side(PEER_SIDE, peer_parse, lambda order: order.order_number),
    )
    every_side = frozenset(side.name for side in sides)
    pages = [
        Page(name, (args.fixtures / name).read_text(encoding="utf-8"), every_side) for name in PAGES
    ]
    react = Page(REACT_PAGE.name, REACT_PAGE.read_text(encoding="utf-8"), frozenset({OURS}))
    for page in pages:
        _check_label_tier(page, ours.parse_page)

    _print_environment(peer_version, config.bs4_parser, args)
    results = _run(sides, [*pages, react], args.warmup, args.repeat, CLOCKS[args.clock])
    _print_table(results, _peer_on(peer_parse, react))
    _print_label_table(results)
    _print_verdict(results)
    return 0


def strip_classes_and_ids(html: str) -> str:
    """The page with every class and id attribute removed, as tests/test_label_tier.py strips
    the real pages: no selector of a class or id can match, only the label tier reads it."""
    # Imported here: the script's --help and its refusal without the peer need no selectolax.
    from selectolax.lexbor import LexborHTMLParser  # noqa: PLC0415

    tree = LexborHTMLParser(html)
    if tree.root is None:
        return html
    for node in tree.root.traverse():
        for name in ("class", "id"):
            if name in node.attributes:
                del node.attrs[name]
    return tree.html or ""


def _check_label_tier(page: Page, parse_page: Callable[..., Any]) -> None:
    """Refuse to time the label tier unless, on the stripped page, it is what found the cards
    and it gives every order of the unstripped page with the same id, date and total."""
    reference = parse_page(page.html, MARKETPLACE).orders
    read = parse_page(strip_classes_and_ids(page.html), MARKETPLACE)
    expected = [f"{o.id} {o.placed_on} {o.total}" for o in reference]
    got = [f"{o.id} {o.placed_on} {o.total}" for o in read.orders]
    if got != expected:
        missing = [o for o in expected if o not in got]
        extra = [o for o in got if o not in expected]
        differ = (
            f"the page's {'; '.join(missing[:3]) or 'orders'} read as "
            f"{'; '.join(extra[:3]) or 'nothing'} (id, date, total)"
            if missing or extra
            else "the same orders in another order"
        )
        raise SystemExit(
            f"label tier: {page.name} stripped of classes and ids gives {len(got)} orders, "
            f"the page itself {len(expected)}; {differ}. Its speed would mean nothing: fix "
            "the label tier first (tests/test_label_tier.py fails the same way)."
        )
    card = read.matches.get("order_card")
    if expected and not (card or "").startswith("label "):
        raise SystemExit(
            f"label tier: {page.name} stripped of classes and ids had its cards found by "
            f"{card!r}, not by the label tier, so this run would not time the label tier."
        )


def _peer_on(parse: Parse, page: Page) -> str:
    """What the peer does with a page it is not timed on, said as it happened in this run."""
    try:
        orders = parse(page.html)
    except Exception as error:  # whatever the peer raises is the answer here
        return f"raises {type(error).__name__}: {error}"
    return f"returns {len(orders)} orders"


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument(
        "--repeat",
        type=int,
        default=12,
        help="timed repetitions per page and side (ours, ours on the stripped page, the peer); "
        "the median is reported (default: 12, about 20 s on an idle 2-core machine)",
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
        help=f"folder holding the real order-list pages (default: {DEFAULT_FIXTURES}); "
        f"the React page is always {REACT_PAGE.relative_to(REPO)}",
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
    if not REACT_PAGE.is_file():
        parser.error(f"our React order-list page is missing: {REACT_PAGE}")
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
    pages: Sequence[Page],
    warmup: int,
    repeat: int,
    clock: Callable[[], float],
) -> list[PageResult]:
    results: list[PageResult] = []
    for page in pages:
        reading = [side for side in sides if side.name in page.sides]
        # Stripping the classes is not timed: the label tier is timed on a page already bare.
        html = {side.name: side.source(page.html) for side in reading}
        orders = {side.name: side.parse(html[side.name]) for side in reading}
        ids = [{side.order_id(o) for o in orders[side.name]} for side in reading]
        times: dict[str, list[float]] = {side.name: [] for side in reading}
        for rep in range(warmup + repeat):
            # Rotate who goes first, so no side always runs on another's cache.
            shift = rep % len(reading)
            for side in reading[shift:] + reading[:shift]:
                gc.collect()  # no side pays for another's garbage
                start = clock()
                side.parse(html[side.name])
                elapsed = clock() - start
                if rep >= warmup:
                    times[side.name].append(elapsed)
        results.append(
            PageResult(
                name=page.name,
                orders={name: len(found) for name, found in orders.items()},
                fields={
                    name: _mean([_count_fields(o, False) for o in found])
                    for name, found in orders.items()
                },
                leaves={
                    name: _mean([_count_fields(o, True) for o in found])
                    for name, found in orders.items()
                },
                times=times,
                ids_agree=all(i == ids[0] for i in ids),
            )
        )
        print(f"  timed {page.name}", file=sys.stderr)
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


def _print_table(results: Sequence[PageResult], peer_on_react: str) -> None:
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
        rows.append(
            (
                _page(r.name),
                _counts(r.orders, OURS, PEER_SIDE) + ("" if r.ids_agree else " (!)"),
                _pair(r.fields, r.orders, OURS, PEER_SIDE),
                _pair(r.leaves, r.orders, OURS, PEER_SIDE),
                _ms(r.ms_page(OURS), 1),
                _ms(r.ms_page(PEER_SIDE), 1),
                _ms(r.ms_order(OURS)),
                _ms(r.ms_order(PEER_SIDE)),
                _ratio(r.ms_order(PEER_SIDE), r.ms_order(OURS)),
            )
        )
    print(_markdown(rows))
    if any(not r.ids_agree for r in results):
        print("(!) the parsers found different order ids on this page")
    for r in results:
        if PEER_SIDE not in r.times:
            print(f"{_page(r.name)}: ours only; {PEER} does not read this layout ({peer_on_react})")
    ours, peer = _overall(results, OURS)
    print(
        f"\noverall: {peer / ours:.1f}x faster per order than {PEER} "
        f"({ours:.2f} ms vs {peer:.2f} ms per order, pages with orders, medians summed)"
    )


def _print_label_table(results: Sequence[PageResult]) -> None:
    header = (
        "page, classes and ids stripped",
        "orders labels/ours",
        "fields/order labels/ours",
        "ms/page labels",
        "ms/page ours",
        "ms/order labels",
        "ms/order peer",
        "labels/ours ms/page",
        "peer/labels per order",
    )
    rows = [header]
    for r in results:
        if LABELS not in r.times:
            continue
        labels_page, ours_page = r.ms_page(LABELS), r.ms_page(OURS)
        rows.append(
            (
                _page(r.name),
                _counts(r.orders, LABELS, OURS),
                _pair(r.fields, r.orders, LABELS, OURS),
                _ms(labels_page, 1),
                _ms(ours_page, 1),
                _ms(r.ms_order(LABELS)),
                _ms(r.ms_order(PEER_SIDE)),
                _ratio(labels_page, ours_page),
                _ratio(r.ms_order(PEER_SIDE), r.ms_order(LABELS)),
            )
        )
    print("\nlabel tier: our parser on the same pages with every class and id attribute stripped;")
    print(f"{PEER} on the pages as saved (it reads nothing on a stripped page)\n")
    print(_markdown(rows))
    labels, peer = _overall(results, LABELS)
    print(
        f"\noverall, label tier: {peer / labels:.1f}x faster per order than {PEER} "
        f"({labels:.2f} ms vs {peer:.2f} ms per order, pages with orders, medians summed)"
    )


def _print_verdict(results: Sequence[PageResult]) -> None:
    tiers = ((OURS, "selectors"), (LABELS, "label tier"))
    verdicts = []
    for side, tier in tiers:
        ms, peer_ms = _overall(results, side)
        met = "met" if peer_ms / ms >= TARGET else "NOT met"
        verdicts.append(f"{tier} {_against_target(peer_ms / ms)}: {met}")
    print(f"\ntarget (issue 9): at least {TARGET:.0f}x per order overall; " + "; ".join(verdicts))
    for r in results:
        ratios = {tier: _speedup(r, side) for side, tier in tiers}
        below = [
            f"{tier} {_against_target(x)}"
            for tier, x in ratios.items()
            if x is not None and x < TARGET
        ]
        if below:
            print(f"  under {TARGET:.0f}x on {_page(r.name)} alone: {', '.join(below)}")


def _against_target(ratio: float) -> str:
    """One decimal, or two cut down where one would round a miss up to the target: 19.96x,
    not 20.0x."""
    shown = f"{ratio:.1f}x"
    return f"{math.floor(ratio * 100) / 100:.2f}x" if ratio < TARGET <= round(ratio, 1) else shown


def _speedup(result: PageResult, side: str) -> float | None:
    ms, peer_ms = result.ms_order(side), result.ms_order(PEER_SIDE)
    return peer_ms / ms if ms and peer_ms else None


def _overall(results: Sequence[PageResult], side: str) -> tuple[float, float]:
    """Milliseconds per order of side and of the peer, over the pages where both found
    orders: the medians of those pages summed, over the orders on them."""
    both = [r for r in results if r.orders.get(side) and r.orders.get(PEER_SIDE)]
    if not both:
        raise SystemExit(f"no page where both {side} and {PEER} found orders: no ratio to give")
    ms = {
        name: sum(r.ms_page(name) or 0.0 for r in both) / sum(r.orders[name] for r in both)
        for name in (side, PEER_SIDE)
    }
    return ms[side], ms[PEER_SIDE]


def _markdown(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in rows
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _page(name: str) -> str:
    return name.removesuffix(".html")


def _counts(orders: dict[str, int], left: str, right: str) -> str:
    return " / ".join(str(orders.get(side, "-")) for side in (left, right))


def _pair(values: dict[str, float], orders: dict[str, int], left: str, right: str) -> str:
    """Left and right side's mean, "-" for a side that did not read the page, and a bare "-"
    when neither found an order."""
    if not orders.get(left) and not orders.get(right):
        return "-"
    return " / ".join(f"{values[side]:.1f}" if side in values else "-" for side in (left, right))


def _ratio(numerator: float | None, denominator: float | None) -> str:
    return f"{numerator / denominator:.1f}x" if numerator and denominator else "-"


def _ms(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


if __name__ == "__main__":
    sys.exit(main())
