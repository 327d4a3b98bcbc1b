"""Run `cancelwatch watch` as a per-user background service.

A systemd user unit on Linux (`systemd`), a launchd agent on macOS (`launchd`), a
scheduled task at logon on Windows (`scheduled_task`): this module chooses among them and
is the one the rest of cancelwatch imports. `plan()` is pure: it turns a platform, the
cancelwatch executable and the user's home into a `ServicePlan` (the file to write, its
content and the commands that register, start, stop and unregister it), so every
platform's file is built and tested on any OS. `install()`, `uninstall()` and `status()`
carry a plan out through an injectable runner (`subprocess.run` by default).
`current_plan()` is the plan for this machine and this install of cancelwatch.

The service runs as the user, in the user's session, so the keyring and the desktop's
notification service are the user's own. Secrets are never written into the files: the
passphrase of the encrypted secrets file (`CANCELWATCH_PASSPHRASE`) stays with the user.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path, PurePath

from cancelwatch.scheduler.service import launchd, scheduled_task, systemd
from cancelwatch.scheduler.service.plans import (
    LINUX,
    MACOS,
    SECRET_ENV,
    WINDOWS,
    Command,
    ServiceError,
    ServicePlan,
)
from cancelwatch.scraper.browse.passphrase import passphrase_given

__all__ = [
    "SECRET_ENV",
    "Command",
    "Runner",
    "ServiceError",
    "ServicePlan",
    "current_plan",
    "find_executable",
    "install",
    "plan",
    "platform_kind",
    "preview",
    "status",
    "uninstall",
]

COMMAND_TIMEOUT_SECONDS = 60

# Carried from the environment `service install` runs in into the service's own, so the
# service reads the same files and uses the same browser as the command line does.
PASSED_ENV = ("CANCELWATCH_HOME", "CANCELWATCH_SECRETS", "CANCELWATCH_BROWSER")

Runner = Callable[..., subprocess.CompletedProcess[str]]


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
        return systemd.plan(executable, args, home, env, passed)
    if kind == MACOS:
        if uid is None:
            raise ServiceError("a launchd agent needs the user's uid (launchctl gui/UID)")
        return launchd.plan(executable, args, home, env, passed, uid=uid)
    return scheduled_task.plan(executable, args, home, env, passed)


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
        f"It runs `cancelwatch watch` now and {plan.starts}.",
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


def _session_warning(plan: ServicePlan, run: Runner) -> str | None:
    """Linux: services reach the desktop only when the manager knows the session's bus."""
    if plan.session_check is None:
        return None
    result = _run(plan, plan.session_check, run, check=False)
    if result.returncode != 0 or "DBUS_SESSION_BUS_ADDRESS=" in (result.stdout or ""):
        return None
    return plan.session_warning or None


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
