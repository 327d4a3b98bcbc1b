"""The errors a user can meet, each with what to do next.

The command line turns each class into a message and an exit code in one place
(`scheduler.cli`), so no command repeats its own try/except.
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
