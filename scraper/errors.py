"""The errors a user can meet, each with what to do next.

The command line turns each class into a message and an exit code in one place
(`cancelwatch.scheduler.cli.main`), so no command repeats its own try/except.
"""

from __future__ import annotations


class CancelwatchError(Exception):
    """Base of every error cancelwatch raises on purpose."""

    exit_code = 2


class UsageError(CancelwatchError):
    """Bad input from the user: a missing, empty or non-HTML file, a bad option."""

    exit_code = 2


class ConfigError(CancelwatchError):
    """A config or selector file is wrong; the message names the file and the field."""

    exit_code = 2


class BrowserUnavailable(ConfigError):
    """No usable browser: none was found, or the one found would not start.

    Next: install one (`python -m playwright install chromium`, or the system's Chromium
    or Google Chrome), or point `CANCELWATCH_BROWSER` or `executable` under `[browser]`
    in config.toml at a working Chromium or Chrome binary. The message says which browser
    was tried, where that choice came from, and why it failed.
    """


class UnreadableFile(UsageError):
    """A file the user handed in cannot be read as one: missing, not a regular file, too
    large, empty, not an HTML page. The message names the file and what is wrong.

    Next: check the path, or save the page again from the browser.
    """


class NoDisplay(UsageError):
    """A visible browser (`--headed`) was asked for on a machine without a display.

    Next: run the command from a desktop session, under `xvfb-run`, or on a machine with
    a screen; a headless check needs no display.
    """


class SelectorFailure(CancelwatchError):
    """The page shows orders but our selectors could not read them: we are blind."""

    exit_code = 1

    def __init__(self, message: str, fields: list[str] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or []


class SignInNeeded(CancelwatchError):
    """Amazon wants a human: CAPTCHA, WAF challenge, a rejected password."""

    exit_code = 3


class AmazonUnavailable(CancelwatchError):
    """Amazon (or the demo store) could not be reached or kept failing."""

    exit_code = 4


class PageUnresponsive(AmazonUnavailable):
    """A page stopped answering (a script that never yields); its browser was ended."""
