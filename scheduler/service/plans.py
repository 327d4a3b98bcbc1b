"""What every platform's service is made of: a `ServicePlan` of files and `Command`s.

Each platform module (`systemd`, `launchd`, `scheduled_task`) builds one; `install`
chooses the platform and carries the plan out.
"""

from __future__ import annotations

import codecs
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cancelwatch.scraper.errors import ConfigError

__all__ = [
    "LINUX",
    "MACOS",
    "RESTART_SECONDS",
    "SECRET_ENV",
    "STOP_TIMEOUT_SECONDS",
    "WINDOWS",
    "Command",
    "ServiceError",
    "ServicePlan",
]

LINUX: Final = "linux"
MACOS: Final = "darwin"
WINDOWS: Final = "win32"

RESTART_SECONDS: Final = 30  # between a crash and the next start (systemd, launchd)
STOP_TIMEOUT_SECONDS: Final = 60  # SIGTERM, then this long for a check to wind down, then SIGKILL

# Never written into a service file: the user gives it to the service their own way.
SECRET_ENV: Final = "CANCELWATCH_PASSPHRASE"


class ServiceError(ConfigError):
    """The service could not be written, registered, started, stopped or asked about.

    The message says which command failed and the first line of what it said, or, when
    the platform has no service manager for the user, what to do instead.
    """


@dataclass(frozen=True)
class Command:
    """One command of a plan. `required=False`: failing is normal (nothing to stop)."""

    argv: tuple[str, ...]
    required: bool = True

    def __str__(self) -> str:
        return shlex.join(self.argv)


@dataclass(frozen=True)
class ServicePlan:
    """Everything `install`, `uninstall` and `status` do on one platform.

    Install: create `directories`, write `content` to `path`, run `install_commands`
    (register and start). Uninstall: run `uninstall_commands` (stop and unregister),
    remove `path`, run `cleanup_commands`. Status: run `status_commands`; the first one's
    output, matched against `state_pattern`, says whether the watcher runs.
    """

    platform: str  # "linux", "darwin" or "win32"
    kind: str  # "systemd user unit", "launchd agent", "scheduled task"
    path: Path
    content: bytes
    install_commands: tuple[Command, ...]
    uninstall_commands: tuple[Command, ...]
    cleanup_commands: tuple[Command, ...]
    status_commands: tuple[Command, ...]
    state_pattern: str  # a regex with one group, searched in the first status output
    starts: str  # when the manager starts the watcher, in words: "at each logon"
    logs: str  # where the watcher's output goes, in words
    unavailable: str  # the message when the platform's service manager is missing
    unreachable_markers: tuple[str, ...] = ()  # stderr text meaning `unavailable`
    directories: tuple[Path, ...] = ()
    session_check: Command | None = None
    """Linux: a command whose output names DBUS_SESSION_BUS_ADDRESS when the service
    manager knows the session's bus (and so the desktop and the keyring)."""
    session_warning: str = ""
    """What to tell the user when `session_check` ran and named no bus."""
    notes: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The file's content as text (the scheduled task's file is UTF-16)."""
        if self.content.startswith(codecs.BOM_UTF16_LE):
            return self.content[len(codecs.BOM_UTF16_LE) :].decode("utf-16-le")
        return self.content.decode("utf-8")
