"""The secrets file's passphrase, held in this process's memory instead of its environment.

A module of its own, importing nothing heavy: the console script takes the passphrase out
of the environment before anything else, the browser's driver included, can start a child
(`scheduler/cli/entry.py`), and that must not wait for the secret store's imports."""

from __future__ import annotations

import os

PASSPHRASE_ENV = "CANCELWATCH_PASSPHRASE"

# The passphrase, once taken out of the environment (see `hold_passphrase`).
_held: dict[str, str] = {}


def hold_passphrase() -> None:
    """Move CANCELWATCH_PASSPHRASE from the environment into this process's memory.

    A child process inherits os.environ; the Playwright driver, Chromium and its renderers,
    systemctl have no business with the passphrase. The command line calls this before
    anything can start a child; `secret_store` calls it too, for other callers."""
    value = os.environ.pop(PASSPHRASE_ENV, None)
    if value is not None:
        _held[PASSPHRASE_ENV] = value


def passphrase_given() -> bool:
    """Whether a passphrase was given (it is no longer in os.environ once held)."""
    hold_passphrase()
    return bool(_held.get(PASSPHRASE_ENV))


def held_passphrase() -> str | None:
    """The passphrase this process holds, to hand to a child of ours through a pipe."""
    hold_passphrase()
    return _held.get(PASSPHRASE_ENV)


def take_passphrase(value: str | None) -> None:
    """Hold a passphrase handed over through a pipe by the parent (`held_passphrase`)."""
    if value:
        _held[PASSPHRASE_ENV] = value


def drop_passphrase() -> None:
    """Forget the held passphrase (a process that no longer needs it; tests)."""
    _held.clear()
