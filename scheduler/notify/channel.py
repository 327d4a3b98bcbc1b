"""The one interface every notification channel offers the `Notifier`.

A channel is a place a notice can go: the desktop (`desktop`), one Apprise URL
(`apprise_urls`), the console (`console`). Adding one means a module with a class of this
shape and a place in `channels.lineup`, the one place the order of channels lives.
"""

from __future__ import annotations

from typing import Protocol

from cancelwatch.scheduler.notify.notice import Notice


class Channel(Protocol):
    @property
    def name(self) -> str:
        """What the channel is called in a `Delivery`, the log and the state database:
        "desktop", "apprise:json#2", "console". Never a secret (an Apprise URL's token)."""
        ...

    def available(self) -> str | None:
        """None when a notice could go out now, else why not (cheap: no notice is sent)."""
        ...

    def send(self, notice: Notice) -> str | None:
        """Deliver `notice`: None when the channel took it, else a one-line reason that
        names no secret. Expected failures are returned, not raised."""
        ...

    def close(self) -> None:
        """Let go of any connection the channel holds; it may be used again afterwards."""
        ...
