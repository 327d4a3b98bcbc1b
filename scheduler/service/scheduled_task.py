"""Windows: the watcher as a Task Scheduler task started at the user's logon, `schtasks`
to run it."""

from __future__ import annotations

import codecs
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePath
from typing import Final

from cancelwatch.scheduler.service.plans import (
    SECRET_ENV,
    WINDOWS,
    Command,
    ServiceError,
    ServicePlan,
)

__all__ = ["TASK_NAME", "plan"]

TASK_NAME: Final = "cancelwatch"
TASK_RESTART_COUNT: Final = 255  # the Task Scheduler schema's maximum (unsignedByte)
TASK_NS: Final = "http://schemas.microsoft.com/windows/2004/02/mit/task"

NO_SCHTASKS: Final = (
    "the Task Scheduler (`schtasks`) is not available; run `cancelwatch watch` from your "
    "Startup folder instead"
)


def plan(
    executable: PurePath,
    args: Sequence[str],
    home: Path,
    env: Mapping[str, str],
    passed: Mapping[str, str],
) -> ServicePlan:
    """The task running `executable args` at the logon of the user `env` names."""
    username = env.get("USERNAME")
    if not username:
        raise ServiceError("USERNAME is not set: cannot tell whose logon starts the task")
    domain = env.get("USERDOMAIN")
    user = f"{domain}\\{username}" if domain else username
    local = env.get("LOCALAPPDATA")
    path = (Path(local) if local else home / "AppData" / "Local") / "cancelwatch" / "task.xml"
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
        starts="at each logon",
        logs="no log file: the watcher writes to its console window",
        unavailable=NO_SCHTASKS,
        notes=_notes(env, passed),
    )


def _notes(env: Mapping[str, str], passed: Mapping[str, str]) -> tuple[str, ...]:
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
    return tuple(notes)


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
