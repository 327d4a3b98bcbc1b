"""macOS: the watcher as a launchd agent in the user's GUI session, `launchctl` to run it."""

from __future__ import annotations

import plistlib
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePath
from typing import Final

from cancelwatch.scheduler.service.plans import (
    MACOS,
    RESTART_SECONDS,
    SECRET_ENV,
    STOP_TIMEOUT_SECONDS,
    Command,
    ServicePlan,
)

__all__ = ["LAUNCHD_LABEL", "plan"]

LAUNCHD_LABEL: Final = "dev.cancelwatch.watch"

NO_LAUNCHD: Final = (
    "launchd cannot take a per-user agent here: `launchctl` is missing or there is no GUI "
    "session for your user (log in at the Mac, not only over ssh); or run "
    "`cancelwatch watch` from a login item instead"
)
# What launchctl prints when launchd is there but the user's domain cannot be reached.
LAUNCHD_UNREACHABLE: Final = ("Could not find domain", "Domain does not support specified action")


def plan(
    executable: PurePath,
    args: Sequence[str],
    home: Path,
    env: Mapping[str, str],
    passed: Mapping[str, str],
    *,
    uid: int,
) -> ServicePlan:
    """The agent running `executable args` in the `gui/uid` domain, `passed` set."""
    path = home / "Library" / "LaunchAgents" / f"{LAUNCHD_LABEL}.plist"
    logs = home / "Library" / "Logs" / "cancelwatch"
    log = str(logs / "watch.log")
    agent = {
        "Label": LAUNCHD_LABEL,
        "ProgramArguments": [str(executable), *args],
        "RunAtLoad": True,
        # Started again when it crashes, not when it exits on purpose (status 0).
        "KeepAlive": {"SuccessfulExit": False},
        "ThrottleInterval": RESTART_SECONDS,
        "ExitTimeOut": STOP_TIMEOUT_SECONDS,
        "WorkingDirectory": str(home),
        "StandardOutPath": log,
        "StandardErrorPath": log,
        "EnvironmentVariables": {"PYTHONUNBUFFERED": "1", **passed},
    }
    domain = f"gui/{uid}"
    service = f"{domain}/{LAUNCHD_LABEL}"
    notes = [
        "The agent runs while you are logged in at the Mac. If macOS asks whether Python "
        "may use your keychain, answer Always Allow.",
    ]
    if env.get(SECRET_ENV):
        notes.append(
            f"{SECRET_ENV} is not written into the agent. Add it under EnvironmentVariables "
            f"in {path}, `chmod 600` the file, and run `cancelwatch service install` again."
        )
    return ServicePlan(
        platform=MACOS,
        kind="launchd agent",
        path=path,
        content=plistlib.dumps(agent, fmt=plistlib.FMT_XML, sort_keys=False),
        install_commands=(
            # An agent already loaded (a re-install) must go first: bootstrap refuses it.
            Command(("launchctl", "bootout", service), required=False),
            Command(("launchctl", "enable", service), required=False),
            Command(("launchctl", "bootstrap", domain, str(path))),
        ),
        uninstall_commands=(Command(("launchctl", "bootout", service), required=False),),
        cleanup_commands=(),
        status_commands=(Command(("launchctl", "print", service), required=False),),
        state_pattern=r"^\s*state = (.+)$",
        starts="whenever you log in",
        logs=log,
        unavailable=NO_LAUNCHD,
        unreachable_markers=LAUNCHD_UNREACHABLE,
        directories=(logs,),
        notes=tuple(notes),
    )
