"""Run `cancelwatch watch` as a per-user background service.

A systemd user unit on Linux, a launchd agent on macOS, a scheduled task at logon on
Windows. `plan()` is pure: it turns a platform, the cancelwatch executable and the user's
home into a `ServicePlan` (the file to write, its content and the commands that register,
start, stop and unregister it), so every platform's file is built and tested on any OS.
`install()`, `uninstall()` and `status()` carry a plan out through an injectable runner
(`subprocess.run` by default). `current_plan()` is the plan for this machine and this
install of cancelwatch.

The service runs as the user, in the user's session, so the keyring and the desktop's
notification service are the user's own. Secrets are never written into the files: the
passphrase of the encrypted secrets file (`CANCELWATCH_PASSPHRASE`) stays with the user.
"""

from __future__ import annotations

import codecs
import os
import plistlib
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath, PurePosixPath

from cancelwatch.scraper.browse.credentials import passphrase_given
from cancelwatch.scraper.errors import ConfigError

LINUX, MACOS, WINDOWS = "linux", "darwin", "win32"

SYSTEMD_UNIT = "cancelwatch.service"
LAUNCHD_LABEL = "dev.cancelwatch.watch"
TASK_NAME = "cancelwatch"

RESTART_SECONDS = 30  # between a crash and the next start (systemd, launchd)
STOP_TIMEOUT_SECONDS = 60  # SIGTERM, then this long for a check to wind down, then SIGKILL
TASK_RESTART_COUNT = 255  # the Task Scheduler schema's maximum (unsignedByte)
COMMAND_TIMEOUT_SECONDS = 60

# Carried from the environment `service install` runs in into the service's own, so the
# service reads the same files and uses the same browser as the command line does.
PASSED_ENV = ("CANCELWATCH_HOME", "CANCELWATCH_SECRETS", "CANCELWATCH_BROWSER")
# Never written into a service file: the user gives it to the service their own way.
SECRET_ENV = "CANCELWATCH_PASSPHRASE"

NO_SYSTEMD = (
    "systemd is not running for your user (no `systemctl --user`); run `cancelwatch watch` "
    "from your session's autostart instead"
)
NO_LAUNCHD = (
    "launchd cannot take a per-user agent here: `launchctl` is missing or there is no GUI "
    "session for your user (log in at the Mac, not only over ssh); or run "
    "`cancelwatch watch` from a login item instead"
)
NO_SCHTASKS = (
    "the Task Scheduler (`schtasks`) is not available; run `cancelwatch watch` from your "
    "Startup folder instead"
)
# What the tools print when the service manager is there but cannot be reached.
SYSTEMD_UNREACHABLE = (
    "Failed to connect to bus",
    "not been booted with systemd",
    "XDG_RUNTIME_DIR not defined",
)
LAUNCHD_UNREACHABLE = ("Could not find domain", "Domain does not support specified action")

TASK_NS = "http://schemas.microsoft.com/windows/2004/02/mit/task"

Runner = Callable[..., subprocess.CompletedProcess[str]]


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
    logs: str  # where the watcher's output goes, in words
    unavailable: str  # the message when the platform's service manager is missing
    unreachable_markers: tuple[str, ...] = ()  # stderr text meaning `unavailable`
    directories: tuple[Path, ...] = ()
    session_check: Command | None = None  # Linux: does the manager know the user's bus?
    notes: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The file's content as text (the scheduled task's file is UTF-16)."""
        if self.content.startswith(codecs.BOM_UTF16_LE):
            return self.content[len(codecs.BOM_UTF16_LE) :].decode("utf-16-le")
        return self.content.decode("utf-8")


def plan(
    platform: str,
    *,
    executable: PurePath,
    args: Sequence[str],
    home: Path,
    env: Mapping[str, str],
    uid: int | None = None,
) -> ServicePlan:
    """The service for `executable args` on `platform` (a `sys.platform` value).

    `home` is the user's home directory and `env` the environment `service install` runs
    in (CANCELWATCH_HOME and friends are carried over, the user's name read from it).
    `uid` is needed on macOS only (launchd's `gui/UID` domain).
    """
    kind = platform_kind(platform)
    passed = {name: env[name] for name in PASSED_ENV if env.get(name)}
    if kind == LINUX:
        return _systemd_plan(executable, args, home, env, passed)
    if kind == MACOS:
        if uid is None:
            raise ServiceError("a launchd agent needs the user's uid (launchctl gui/UID)")
        return _launchd_plan(executable, args, home, env, passed, uid=uid)
    return _task_plan(executable, args, home, env, passed)


def platform_kind(platform: str) -> str:
    """The kind of `platform` (a `sys.platform` value): linux, darwin or win32, else an error."""
    if platform.startswith("linux"):
        return LINUX
    if platform in (MACOS, WINDOWS):
        return platform
    raise ServiceError(
        f"cancelwatch service supports Linux (systemd), macOS (launchd) and Windows (Task "
        f"Scheduler), not {platform}; run `cancelwatch watch` from your session's autostart "
        "instead"
    )


# --- Linux: a systemd user unit ------------------------------------------------------------

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


def _systemd_plan(
    executable: PurePath,
    args: Sequence[str],
    home: Path,
    env: Mapping[str, str],
    passed: Mapping[str, str],
) -> ServicePlan:
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
    # systemd looks in $XDG_CONFIG_HOME/systemd/user, ~/.config when it is unset.
    config_home = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
    unit_dir = (config_home if config_home.is_absolute() else home / ".config") / "systemd/user"
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
        *(f"Environment={_systemd_env(name, value)}" for name, value in environment.items()),
        "",
        "[Install]",
        "WantedBy=default.target",
        "",
    ]
    systemctl = ("systemctl", "--user")
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
    return ServicePlan(
        platform=LINUX,
        kind="systemd user unit",
        path=unit_dir / SYSTEMD_UNIT,
        content="\n".join(lines).encode("utf-8"),
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
        logs=f"journalctl --user -u {SYSTEMD_UNIT}",
        unavailable=NO_SYSTEMD,
        unreachable_markers=SYSTEMD_UNREACHABLE,
        session_check=Command((*systemctl, "show-environment"), required=False),
        notes=tuple(notes),
    )


def _systemd_env(name: str, value: str) -> str:
    if not _ENV_NAME.fullmatch(name):
        raise ServiceError(f"not an environment variable name: {name!r}")
    # No `$` expansion in Environment=: only specifiers and quoting.
    return systemd_quote(f"{name}={value}", dollars=False)


# --- macOS: a launchd agent ----------------------------------------------------------------


def _launchd_plan(
    executable: PurePath,
    args: Sequence[str],
    home: Path,
    env: Mapping[str, str],
    passed: Mapping[str, str],
    *,
    uid: int,
) -> ServicePlan:
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
        logs=log,
        unavailable=NO_LAUNCHD,
        unreachable_markers=LAUNCHD_UNREACHABLE,
        directories=(logs,),
        notes=tuple(notes),
    )


# --- Windows: a scheduled task at logon ----------------------------------------------------


def _task_plan(
    executable: PurePath,
    args: Sequence[str],
    home: Path,
    env: Mapping[str, str],
    passed: Mapping[str, str],
) -> ServicePlan:
    username = env.get("USERNAME")
    if not username:
        raise ServiceError("USERNAME is not set: cannot tell whose logon starts the task")
    domain = env.get("USERDOMAIN")
    user = f"{domain}\\{username}" if domain else username
    local = env.get("LOCALAPPDATA")
    path = (Path(local) if local else home / "AppData" / "Local") / "cancelwatch" / "task.xml"
    notes = [
        "The task starts at your logon and shows a console window: closing it stops the "
        "watcher until the next logon (or `schtasks /Run /TN cancelwatch`); minimise it.",
    ]
    if passed:
        names = ", ".join(passed)
        notes.append(
            f"A scheduled task cannot carry environment variables: set {names} for your user "
            f'(`setx NAME "value"`) so the task sees them from your next logon.'
        )
    if env.get(SECRET_ENV):
        notes.append(
            f"{SECRET_ENV} is not written into the task: set it for your user with "
            f'`setx {SECRET_ENV} "..."` if the service must read the encrypted secrets file.'
        )
    schtasks = "schtasks"
    return ServicePlan(
        platform=WINDOWS,
        kind="scheduled task",
        path=path,
        content=_task_xml(executable, args, home, user),
        install_commands=(
            Command((schtasks, "/End", "/TN", TASK_NAME), required=False),
            Command((schtasks, "/Create", "/XML", str(path), "/TN", TASK_NAME, "/F")),
            Command((schtasks, "/Run", "/TN", TASK_NAME)),
        ),
        uninstall_commands=(
            Command((schtasks, "/End", "/TN", TASK_NAME), required=False),
            Command((schtasks, "/Delete", "/TN", TASK_NAME, "/F")),
        ),
        cleanup_commands=(),
        status_commands=(
            Command((schtasks, "/Query", "/TN", TASK_NAME, "/FO", "LIST", "/V"), required=False),
        ),
        state_pattern=r"^Status:\s*(.+?)\s*$",
        logs="no log file: the watcher writes to its console window",
        unavailable=NO_SCHTASKS,
        notes=tuple(notes),
    )


def _task_xml(executable: PurePath, args: Sequence[str], home: Path, user: str) -> bytes:
    """Task Scheduler XML (schema 1.2, Vista and later), UTF-16 as schtasks /XML wants it."""

    def sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
        element = ET.SubElement(parent, tag)
        element.text = text
        return element

    task = ET.Element("Task", {"version": "1.2", "xmlns": TASK_NS})
    info = sub(task, "RegistrationInfo")
    sub(info, "Author", user)
    sub(info, "Description", "cancelwatch: warns before Amazon cancel windows close")
    sub(info, "URI", f"\\{TASK_NAME}")
    logon = sub(sub(task, "Triggers"), "LogonTrigger")
    sub(logon, "Enabled", "true")
    sub(logon, "UserId", user)
    principal = sub(sub(task, "Principals"), "Principal")
    principal.set("id", "Author")
    sub(principal, "UserId", user)
    # The user's own session: their Credential Manager and their notifications.
    sub(principal, "LogonType", "InteractiveToken")
    sub(principal, "RunLevel", "LeastPrivilege")
    settings = sub(task, "Settings")
    for tag, value in (
        ("MultipleInstancesPolicy", "IgnoreNew"),
        ("DisallowStartIfOnBatteries", "false"),  # a laptop: the defaults would stop it
        ("StopIfGoingOnBatteries", "false"),
        ("AllowHardTerminate", "true"),
        ("StartWhenAvailable", "true"),
        ("RunOnlyIfNetworkAvailable", "false"),
    ):
        sub(settings, tag, value)
    idle = sub(settings, "IdleSettings")
    sub(idle, "StopOnIdleEnd", "false")
    sub(idle, "RestartOnIdle", "false")
    for tag, value in (
        ("AllowStartOnDemand", "true"),
        ("Enabled", "true"),
        ("Hidden", "true"),
        ("RunOnlyIfIdle", "false"),
        ("WakeToRun", "false"),
        ("ExecutionTimeLimit", "PT0S"),  # no limit: it runs until logoff
        ("Priority", "7"),
    ):
        sub(settings, tag, value)
    restart = sub(settings, "RestartOnFailure")
    sub(restart, "Interval", "PT1M")
    sub(restart, "Count", str(TASK_RESTART_COUNT))
    actions = sub(task, "Actions")
    actions.set("Context", "Author")
    action = sub(actions, "Exec")
    program = str(executable)
    sub(action, "Command", f'"{program}"' if " " in program else program)
    if args:
        sub(action, "Arguments", subprocess.list2cmdline(list(args)))
    sub(action, "WorkingDirectory", str(home))
    ET.indent(task)
    text = '<?xml version="1.0" encoding="UTF-16"?>\n' + ET.tostring(task, encoding="unicode")
    return codecs.BOM_UTF16_LE + (text + "\n").replace("\n", "\r\n").encode("utf-16-le")


# --- This machine --------------------------------------------------------------------------


def current_plan() -> ServicePlan:
    """The plan for this machine, running this install's `cancelwatch watch`."""
    windows = sys.platform == WINDOWS
    getuid = getattr(os, "getuid", None)
    env = dict(os.environ)
    if passphrase_given():
        # Held in memory, out of os.environ: only its presence matters here, for the note
        # on how to hand it to the service; the plan never writes it.
        env[SECRET_ENV] = "(given)"
    return plan(
        sys.platform,
        executable=find_executable(windows=windows),
        args=("watch",),
        home=Path.home(),
        env=env,
        uid=getuid() if getuid is not None else None,
    )


def find_executable(
    *,
    argv0: str | None = None,
    scripts_dir: Path | None = None,
    which: Callable[[str], str | None] = shutil.which,
    windows: bool = sys.platform == WINDOWS,
) -> Path:
    """The absolute path of the `cancelwatch` command of the running install.

    The program running now when it is the `cancelwatch` script; else the script in this
    Python's scripts directory (a venv's bin/ or Scripts\\, pipx's, the user's); else the
    first `cancelwatch` on PATH.
    """
    argv0 = sys.argv[0] if argv0 is None else argv0
    if scripts_dir is None:
        scripts_dir = Path(sysconfig.get_path("scripts"))
    candidates: list[Path] = []
    if argv0 and Path(argv0).stem == "cancelwatch":
        candidates.append(Path(argv0))
    candidates.append(scripts_dir / "cancelwatch")
    found = which("cancelwatch")
    if found:
        candidates.append(Path(found))
    for candidate in candidates:
        script = _script(candidate, windows=windows)
        if script is not None:
            return script
    raise ServiceError(
        "cannot find the `cancelwatch` command of this install; install cancelwatch with "
        "pip or pipx so that the command exists, then run `cancelwatch service install` again"
    )


def _script(path: Path, *, windows: bool) -> Path | None:
    tries = [path]
    if windows and path.suffix.lower() != ".exe":
        tries.insert(0, path.with_name(path.name + ".exe"))
    for attempt in tries:
        if attempt.is_file() and (windows or os.access(attempt, os.X_OK)):
            return attempt.resolve()
    return None


# --- Carrying a plan out -------------------------------------------------------------------


def install(plan: ServicePlan, run: Runner = subprocess.run) -> str:
    """Write the service file, register the service and start it. Returns what it did."""
    for directory in plan.directories:
        directory.mkdir(parents=True, exist_ok=True)
    _write(plan.path, plan.content)
    for command in plan.install_commands:
        _run(plan, command, run, check=command.required)
    lines = [
        f"Installed the cancelwatch {plan.kind}: {plan.path}",
        f"It runs `cancelwatch watch` now and {_when(plan)}.",
        f"Logs: {plan.logs}",
        "Check it with `cancelwatch service status`; remove it with "
        "`cancelwatch service uninstall`.",
    ]
    warning = _session_warning(plan, run)
    return "\n".join([*lines, *plan.notes, *([warning] if warning else [])])


def uninstall(plan: ServicePlan, run: Runner = subprocess.run) -> str:
    """Stop and unregister the service and remove its file. Fine when nothing is there."""
    installed = plan.path.exists()
    # Not installed: the commands only tidy up, and failing is expected.
    for command in plan.uninstall_commands:
        _run(plan, command, run, check=installed and command.required, strict=installed)
    plan.path.unlink(missing_ok=True)
    for command in plan.cleanup_commands:
        _run(plan, command, run, check=installed and command.required, strict=installed)
    if not installed:
        return f"The cancelwatch {plan.kind} was not installed ({plan.path} does not exist)."
    kept = f" Its logs stay in {plan.logs}." if plan.directories else ""
    return f"Stopped and removed the cancelwatch {plan.kind}: {plan.path}.{kept}"


def status(plan: ServicePlan, run: Runner = subprocess.run) -> str:
    """Whether the service is installed and running, with the manager's own report."""
    results = [_run(plan, command, run, check=False) for command in plan.status_commands]
    installed = plan.path.exists()
    match = re.search(plan.state_pattern, results[0].stdout or "", re.MULTILINE)
    state = match.group(1) if match and results[0].stdout.strip() else "not loaded"
    if not installed and state in ("inactive", "not loaded", "unknown"):
        state = "not installed"
    lines = [
        f"cancelwatch service: {state}",
        f"{plan.kind}: {plan.path}" + ("" if installed else " (not written)"),
        f"logs: {plan.logs}",
    ]
    report = "\n".join((result.stdout or "").rstrip() for result in results[1:] or results)
    if report.strip():
        lines += ["", report.strip()]
    warning = _session_warning(plan, run)
    if warning:
        lines += ["", warning]
    return "\n".join(lines)


def preview(plan: ServicePlan) -> str:
    """What `install` would do, for a dry run: the file and the commands."""
    commands = "\n".join(f"  {command}" for command in plan.install_commands)
    return f"# {plan.path}\n{plan.text.rstrip()}\n\n# then:\n{commands}"


def _when(plan: ServicePlan) -> str:
    if plan.platform == LINUX:
        return "whenever your user session starts"
    if plan.platform == MACOS:
        return "whenever you log in"
    return "at each logon"


def _session_warning(plan: ServicePlan, run: Runner) -> str | None:
    """Linux: services reach the desktop only when the manager knows the session's bus."""
    if plan.session_check is None:
        return None
    result = _run(plan, plan.session_check, run, check=False)
    if result.returncode != 0 or "DBUS_SESSION_BUS_ADDRESS=" in (result.stdout or ""):
        return None
    return (
        "warning: your systemd user manager has no DBUS_SESSION_BUS_ADDRESS, so the watcher "
        "cannot reach your desktop's notifications or keyring. Install dbus-user-session, or "
        "have your session run `dbus-update-activation-environment --systemd "
        "DBUS_SESSION_BUS_ADDRESS DISPLAY XAUTHORITY`, then `systemctl --user restart "
        f"{SYSTEMD_UNIT}`."
    )


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(content)
    partial.chmod(0o644)
    partial.replace(path)


def _run(
    plan: ServicePlan,
    command: Command,
    run: Runner,
    *,
    check: bool,
    strict: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run one command. `check`: a failure is an error. `strict`: so is a missing manager."""
    try:
        result = run(
            list(command.argv),
            capture_output=True,
            text=True,
            errors="replace",
            check=False,
            timeout=COMMAND_TIMEOUT_SECONDS,
        )
    except FileNotFoundError as exc:
        if not strict:
            return subprocess.CompletedProcess(list(command.argv), 127, "", str(exc))
        raise ServiceError(plan.unavailable) from exc
    except subprocess.TimeoutExpired as exc:
        raise ServiceError(
            f"`{command}` did not answer within {COMMAND_TIMEOUT_SECONDS} s"
        ) from exc
    if result.returncode != 0:
        said = result.stderr or ""
        if strict and any(marker in said for marker in plan.unreachable_markers):
            raise ServiceError(f"{plan.unavailable} (`{command}`: {_first_line(said)})")
        if check:
            first = _first_line(said) or _first_line(result.stdout or "") or "no message"
            raise ServiceError(f"`{command}` failed with status {result.returncode}: {first}")
    return result


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")
