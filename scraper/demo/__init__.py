"""The embedded demo store: a local web server that speaks Amazon's markup for
amazon.co.jp, amazon.com, amazon.co.uk and amazon.ca, in the classic or the React order-list
layout, with a scenario clock, fault switches and a request log."""

from cancelwatch.scraper.demo.account import (
    DEMO_EMAIL,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    DemoAccount,
)
from cancelwatch.scraper.demo.clock import Clock, ManualClock, SystemClock
from cancelwatch.scraper.demo.faults import Fault, FaultOptions
from cancelwatch.scraper.demo.server import DemoStore, LoggedRequest

__all__ = [
    "DEMO_EMAIL",
    "DEMO_PASSWORD",
    "DEMO_TOTP_SECRET",
    "Clock",
    "DemoAccount",
    "DemoStore",
    "Fault",
    "FaultOptions",
    "LoggedRequest",
    "ManualClock",
    "SystemClock",
]
