"""Linux: the watcher as a systemd user unit, `systemctl --user` to run it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePath, PurePosixPath
from typing import Final

from cancelwatch.scheduler.service.plans import (
    LINUX,
    RESTART_SECONDS,
    SECRET_ENV,
    STOP_TIMEOUT_SECONDS,
    Command,
    ServiceError,
    ServicePlan,
)

__all__ = ["SYSTEMD_UNIT", "plan", "systemd_quote"]

SYSTEMD_UNIT: Final = "cancelwatch.service"

NO_SYSTEMD: Final = (
    "systemd is not running for your user (no `systemctl --user`); run `cancelwatch watch` "
    "from your session's autostart instead"
)
# What systemctl prints when systemd is there but cannot be reached.
SYSTEMD_UNREACHABLE: Final = (
    "Failed to connect to bus",
    "not been booted with systemd",
    "XDG_RUNTIME_DIR not defined",
)
NO_SESSION_BUS: Final = (
    "warning: your systemd user manager has no DBUS_SESSION_BUS_ADDRESS, so the watcher "
    "cannot reach your desktop's notifications or keyring. Install dbus-user-session, or "
    "have your session run `dbus-update-activation-environment --systemd "
    "DBUS_SESSION_BUS_ADDRESS DISPLAY XAUTHORITY`, then `systemctl --user restart "
    f"{SYSTEMD_UNIT}`."
)

# Words systemd reads as they are: no quoting needed (no whitespace, quotes, backslash,
# specifier `%`, variable `$` or separator `;`).
_SYSTEMD_PLAIN = re.compile(r"[A-Za-z0-9_@+=:,./-]+")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def systemd_quote(word: str, *, dollars: bool = True) -> str:
    """One word of a unit file line, quoted per systemd.syntax(7).

    `%` is a specifier everywhere: `%%`. `dollars`: `$` starts a variable here (in
    ExecStart's arguments; not in its program path, nor in Environment=): `$$`. Inside
    double quotes, `\\` and `"` are escaped with a backslash. A lone `;` would separate
    two commands: `\\;`.
    """
    if any(ord(char) < 0x20 or char == "\x7f" for char in word):
        raise ServiceError(f"a unit file cannot hold a control character: {word!r}")
    escaped = word.replace("%", "%%")
    if dollars:
        escaped = escaped.replace("$", "$$")
    if word == ";":
        return "\\;"
    if _SYSTEMD_PLAIN.fullmatch(word):
        return escaped
    return '"' + escaped.replace("\\", "\\\\").replace('"', '\\"') + '"'


def plan(
    executable: PurePath,
    args: Sequence[str],
    home: Path,
    env: Mapping[str, str],
    passed: Mapping[str, str],
) -> ServicePlan:
    """The user unit running `executable args`, with the `passed` variables set."""
    program = str(executable)
    if not PurePosixPath(program).is_absolute():
        raise ServiceError(f"the service needs the absolute path of cancelwatch, not {program}")
    # systemd refuses a program path holding quotes or backslashes ("Executable name
    # contains special characters"), however it is quoted.
    if any(char in program for char in "\"'\\"):
        raise ServiceError(
            f"systemd cannot start a program whose path holds quotes or backslashes: "
            f"{program}; install cancelwatch under a plain path (e.g. `pipx install`)"
        )
    systemctl = ("systemctl", "--user")
    return ServicePlan(
        platform=LINUX,
        kind="systemd user unit",
        path=_unit_dir(home, env) / SYSTEMD_UNIT,
        content=_unit(program, args, passed).encode("utf-8"),
        # restart, not start: a re-install (a new path after an upgrade) takes effect now.
        install_commands=(
            Command((*systemctl, "daemon-reload")),
            Command((*systemctl, "enable", SYSTEMD_UNIT)),
            Command((*systemctl, "restart", SYSTEMD_UNIT)),
        ),
        uninstall_commands=(Command((*systemctl, "disable", "--now", SYSTEMD_UNIT)),),
        cleanup_commands=(
            Command((*systemctl, "daemon-reload")),
            Command((*systemctl, "reset-failed", SYSTEMD_UNIT), required=False),
        ),
        status_commands=(
            Command((*systemctl, "is-active", SYSTEMD_UNIT), required=False),
            Command(
                (*systemctl, "status", SYSTEMD_UNIT, "--no-pager", "--lines=10"),
                required=False,
            ),
        ),
        state_pattern=r"^(\S+)",
        starts="whenever your user session starts",
        logs=f"journalctl --user -u {SYSTEMD_UNIT}",
        unavailable=NO_SYSTEMD,
        unreachable_markers=SYSTEMD_UNREACHABLE,
        session_check=Command((*systemctl, "show-environment"), required=False),
        session_warning=NO_SESSION_BUS,
        notes=_notes(env),
    )


def _unit_dir(home: Path, env: Mapping[str, str]) -> Path:
    # systemd looks in $XDG_CONFIG_HOME/systemd/user, ~/.config when it is unset.
    config_home = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
    return (config_home if config_home.is_absolute() else home / ".config") / "systemd/user"


def _unit(program: str, args: Sequence[str], passed: Mapping[str, str]) -> str:
    exec_start = " ".join(
        [systemd_quote(program, dollars=False), *(systemd_quote(arg) for arg in args)]
    )
    environment = {"PYTHONUNBUFFERED": "1", **passed}
    lines = [
        "# Written by `cancelwatch service install`; `cancelwatch service uninstall` removes it.",
        "[Unit]",
        "Description=cancelwatch: warns before Amazon cancel windows close",
        "",
        "[Service]",
        "Type=simple",
        f"ExecStart={exec_start}",
        "Restart=on-failure",
        f"RestartSec={RESTART_SECONDS}",
        "# The watcher stops cleanly on SIGTERM; a browser still open gets SIGKILL after it.",
        "KillSignal=SIGTERM",
        "KillMode=mixed",
        f"TimeoutStopSec={STOP_TIMEOUT_SECONDS}",
        *(f"Environment={_environment(name, value)}" for name, value in environment.items()),
        "",
        "[Install]",
        "WantedBy=default.target",
        "",
    ]
    return "\n".join(lines)


def _environment(name: str, value: str) -> str:
    if not _ENV_NAME.fullmatch(name):
        raise ServiceError(f"not an environment variable name: {name!r}")
    # No `$` expansion in Environment=: only specifiers and quoting.
    return systemd_quote(f"{name}={value}", dollars=False)


def _notes(env: Mapping[str, str]) -> tuple[str, ...]:
    user = env.get("USER") or env.get("LOGNAME") or "$USER"
    notes = [
        f"To keep watching while you are logged out (and from boot), run "
        f"`loginctl enable-linger {user}`. Your keyring stays locked until you log in, so "
        "until then a check that needs a password or the saved session fails and says so "
        "(or store secrets with CANCELWATCH_SECRETS=file).",
    ]
    if env.get(SECRET_ENV):
        notes.append(
            f"{SECRET_ENV} is not written into the unit. Give it to the service with "
            "`systemctl --user edit cancelwatch.service` (a [Service] section with "
            f"Environment={SECRET_ENV}=...), then `chmod 600` the drop-in it creates."
        )
    return tuple(notes)
