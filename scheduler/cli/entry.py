"""The console script's entry: what happens before the command line's own imports.

The passphrase leaves the environment first, before anything can start a child process.
Then a command that opens a browser at once (`check`, and the watcher's `watched-check`,
which an order mail waits for) starts the browser's driver, a Node.js process that takes
about 0.2 s to boot, and imports the command line meanwhile, which takes about as long:
the two overlap instead of adding up. A driver no check took (the check was refused, or
failed before it needed a browser) is stopped before the process ends.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import sys
import threading
from collections.abc import Callable, Sequence

from cancelwatch.scheduler.cli.commands import COMMANDS, READS_AMAZON
from cancelwatch.scraper.browse.passphrase import hold_passphrase

_NOT_A_RUN = frozenset({"-h", "--help", "--version"})
"""Options after which the command prints and ends: no browser to get ready."""


def main() -> None:
    """Entry point of the console script and of `python -m cancelwatch.scheduler.cli`."""
    # Registered first, so it runs last: the heap is freed with the process, and the
    # collections of the interpreter's shutdown over every imported module take 50-70 ms.
    atexit.register(gc.freeze)
    # First, before any child process (the driver, Chromium, systemctl) can inherit it.
    hold_passphrase()
    command = browser_command(sys.argv[1:])
    if command is None:
        _run_cli()
        return
    from cancelwatch.scraper.browse import driver  # noqa: PLC0415 (Playwright: only here)

    try:
        _meanwhile(driver.start_ahead, imports_of(command))
        _run_cli()
    except KeyboardInterrupt:  # while the driver started: the CLI was not running yet
        from cancelwatch.scheduler.cli.main import aborted  # noqa: PLC0415

        sys.exit(aborted())
    finally:
        driver.discard_ahead()


def browser_command(argv: Sequence[str]) -> str | None:
    """The command in `argv` if it opens a browser at once; None for any other, and when
    it will only print its help or the version. The group's own options take no values,
    so the command is the first word that is not an option."""
    if _NOT_A_RUN.intersection(argv):
        return None
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    return command if command in READS_AMAZON else None


def imports_of(command: str) -> list[str]:
    """The modules `command` needs before it opens its browser."""
    own = f"cancelwatch.scheduler.cli.{COMMANDS[command]}"
    return ["cancelwatch.scheduler.cli.main", own, *READS_AMAZON[command]]


def _meanwhile(start: Callable[[], object], modules: list[str]) -> None:
    """Call `start` (which mostly waits) in this thread while another imports `modules`;
    return when both are done."""
    importer = threading.Thread(target=_import, args=(modules,), name="imports", daemon=True)
    importer.start()
    try:
        start()
    finally:
        importer.join()


def _import(modules: list[str]) -> None:
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # imported again by the command, which reports what went wrong
            return


def _run_cli() -> None:
    from cancelwatch.scheduler.cli.main import main as cli_main  # noqa: PLC0415

    cli_main()
