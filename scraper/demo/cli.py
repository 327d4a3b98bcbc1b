"""`cancelwatch demo-store`: run the demo store on its own until Ctrl-C."""

from __future__ import annotations

import argparse
import threading
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from cancelwatch.scraper.demo.account import DemoAccount
from cancelwatch.scraper.demo.faults import Fault, FaultOptions, parse_faults
from cancelwatch.scraper.demo.locale import LOCALES
from cancelwatch.scraper.demo.pages import LAYOUTS
from cancelwatch.scraper.demo.server import DemoStore


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cancelwatch demo-store",
        description="An Amazon look-alike on 127.0.0.1 with made-up orders, for trying "
        "cancelwatch without an account.",
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free)")
    parser.add_argument("--marketplace", choices=sorted(LOCALES), default="amazon.co.jp")
    parser.add_argument(
        "--layout",
        choices=LAYOUTS,
        default="classic",
        help="the order list's layout: classic, or react (skeleton first, cards by script)",
    )
    parser.add_argument(
        "--faults",
        default="",
        help="comma-separated fault switches: " + ", ".join(f.value for f in Fault),
    )
    parser.add_argument("--history", type=int, default=0, help="old delivered orders to add")
    parser.add_argument(
        "--session-minutes", type=float, default=720, help="how long a sign-in lasts"
    )
    parser.add_argument("--slow-seconds", type=float, default=FaultOptions.slow_seconds)
    parser.add_argument("--js-delay-ms", type=int, default=FaultOptions.js_delay_ms)
    parser.add_argument("--log", type=Path, help="append every request as JSON lines here")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        faults = parse_faults(args.faults)
    except ValueError as error:
        print(f"cancelwatch demo-store: {error}")
        return 2
    account = DemoAccount()
    store = DemoStore(
        args.marketplace,
        faults=faults,
        history=args.history,
        account=account,
        session_ttl=timedelta(minutes=args.session_minutes),
        fault_options=FaultOptions(args.slow_seconds, args.js_delay_ms),
        log_path=args.log,
        layout=args.layout,
    )
    try:
        url = store.start(args.port)
    except OSError as error:
        print(f"cancelwatch demo-store: cannot listen on port {args.port}: {error}")
        return 2
    print(f"Demo store ({args.marketplace}, {args.layout} layout) at {url}/your-orders/orders")
    print("Demo account (public demo values, they open nothing else):")
    print(f"  email:       {account.email}")
    print(f"  password:    {account.password}")
    print(f"  TOTP secret: {account.totp_secret}")
    print(f"  faults:      {', '.join(sorted(faults)) or 'none'}")
    print("Press Ctrl-C to stop.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        store.stop()
    return 0
