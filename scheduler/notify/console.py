"""The last resort: the notice as text on the console (stderr unless told otherwise), and
always in the log, so that a notice the desktop did not take is never lost."""

from __future__ import annotations

import logging
import sys
from typing import Final, TextIO

from cancelwatch.scheduler.notify.notice import Notice, Urgency, text

__all__ = ["Console"]

logger = logging.getLogger(__name__)

NO_CONSOLE: Final = "no console"


class Console:
    """Writes each notice to `stream` (stderr when None, looked up at each send) and logs
    it: at INFO when the console has it, at WARNING when the log is all there is."""

    name: Final = "console"

    def __init__(self, stream: TextIO | None, app_name: str, lang: str) -> None:
        self._stream = stream
        self._app_name = app_name
        self._lang = lang

    def available(self) -> str | None:
        if self._target() is None:  # pythonw.exe and some service managers have no stderr
            return NO_CONSOLE
        return None

    def send(self, notice: Notice) -> str | None:
        """None when the console has it; else why not (the log has it all the same)."""
        message = self.text(notice)
        reason = self._write(message)
        level = logging.INFO if reason is None else logging.WARNING
        logger.log(level, "notice %s: %s", notice.key or "-", message.rstrip("\n"))
        return reason

    def close(self) -> None:
        """Nothing to let go of: the stream belongs to whoever passed it."""

    def text(self, notice: Notice) -> str:
        """The notice as lines: a labelled title, the body indented, the order page."""
        label = text(self._lang, "urgent" if notice.urgency is Urgency.CRITICAL else "notice")
        lines = [f"[{self._app_name}] {label}: {notice.title}"]
        lines += [f"    {line}" for line in notice.body.splitlines() if line.strip()]
        if notice.url:
            lines.append(f"    {text(self._lang, 'open')}: {notice.url}")
        return "\n".join(lines) + "\n"

    def _target(self) -> TextIO | None:
        return self._stream if self._stream is not None else sys.stderr

    def _write(self, message: str) -> str | None:
        stream = self._target()
        if stream is None:
            return NO_CONSOLE
        try:
            stream.write(message)
            stream.flush()
        except (OSError, ValueError) as exc:
            return f"the console refused it ({type(exc).__name__})"
        return None
