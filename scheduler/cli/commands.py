"""Which module under scheduler/cli holds each command. Imports nothing: the console
script's entry reads it before the command line's own imports (`entry.py`)."""

from __future__ import annotations

COMMANDS: dict[str, str] = {
    "parse": "pages",
    "doctor": "pages",
    "demo": "demo",
    "demo-store": "demo",
    "check": "check",
    "status": "check",
    "advise": "check",
    "deadline": "check",
    "calendar": "calendar",
    "watch": "watch",
    "watched-check": "watch",
    "serve": "serve",
    "login": "setup",
    "config": "setup",
    "service": "service",
    "logout": "account",
    "mail": "mail",
}
"""Each command's module under scheduler/cli. A module is imported only when one of its
commands runs (or --help lists them): `watch` lives for weeks, and what it never uses (the
browser's modules, the dashboard's, the calendar's) should not sit in its memory."""

READS_AMAZON: dict[str, tuple[str, ...]] = {
    "check": ("cancelwatch.scheduler.watch.accounts",),
    "watched-check": ("cancelwatch.scheduler.watch.accounts",),
}
"""The commands that open a browser as soon as their limits allow, and what they import
besides their own module: their browser's driver is started while they import."""
