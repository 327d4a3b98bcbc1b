"""The background service: every platform's file built here, checked by real validators.

The systemd unit goes through `systemd-analyze verify` (Debian package `systemd`), which
loads it as systemd would: it refuses a program path it cannot find or run, and prints a
warning for every setting it cannot parse (a bad quote, an unknown `%` specifier). The
launchd agent is read back with plistlib (and `plutil -lint` where there is one, on a
Mac); the scheduled task's XML with ElementTree. Installing, removing and asking about
the service run through a fake runner that records the commands, in a temporary home.
"""

from __future__ import annotations

import os
import plistlib
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path, PurePath
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cancelwatch.scheduler.service import install as service
from cancelwatch.scheduler.service.install import ServiceError, ServicePlan
from cancelwatch.scheduler.service.systemd import systemd_quote
from cancelwatch.scraper.browse.credentials import STORE_ENV
from cancelwatch.scraper.browse.passphrase import PASSPHRASE_ENV, drop_passphrase, hold_passphrase
from cancelwatch.scraper.errors import CancelwatchError

TASK = "{http://schemas.microsoft.com/windows/2004/02/mit/task}"


# --- helpers -------------------------------------------------------------------------------


def fake_cancelwatch(directory: Path, name: str = "cancelwatch") -> Path:
    """An executable standing in for the installed `cancelwatch` script."""
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / name
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return script


def linux_plan(
    executable: PurePath, home: Path, env: Mapping[str, str] | None = None
) -> ServicePlan:
    return service.plan(
        "linux", executable=executable, args=["watch"], home=home, env=env or {"USER": "jo"}
    )


def unit_settings(text: str) -> dict[str, list[tuple[str, str]]]:
    """A unit file's `Key=value` lines by section, in order (keys may repeat)."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = ""
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("["):
            current = line.strip("[]")
            sections[current] = []
            continue
        key, _, value = line.partition("=")
        sections[current].append((key, value))
    return sections


def values(sections: dict[str, list[tuple[str, str]]], section: str, key: str) -> list[str]:
    return [value for name, value in sections[section] if name == key]


@pytest.fixture(scope="session")
def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found:
        return found
    # The suite runs where CI runs (Debian); a unit nobody validated is not tested.
    pytest.fail(
        "systemd-analyze is missing: it validates the systemd unit. On Debian/Ubuntu it "
        "comes with the `systemd` package (`apt-get install systemd`, see .ci/setup)."
    )


def verify(analyzer: str, unit: Path) -> subprocess.CompletedProcess[str]:
    """`systemd-analyze --user verify UNIT` in a private runtime directory and home."""
    with tempfile.TemporaryDirectory() as scratch:
        runtime = Path(scratch) / "runtime"
        runtime.mkdir(mode=0o700)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": scratch,
            "XDG_RUNTIME_DIR": str(runtime),
            "LANG": "C.UTF-8",
            "SYSTEMD_LOG_COLOR": "0",
        }
        return subprocess.run(
            [analyzer, "--user", "verify", "--man=no", str(unit)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
            timeout=60,
        )


def assert_verified(analyzer: str, unit: Path) -> None:
    result = verify(analyzer, unit)
    said = (result.stdout + result.stderr).strip()
    assert result.returncode == 0 and said == "", f"systemd-analyze verify:\n{said}"


def write_plan(plan: ServicePlan) -> Path:
    plan.path.parent.mkdir(parents=True, exist_ok=True)
    plan.path.write_bytes(plan.content)
    return plan.path


class FakeRunner:
    """Stands in for subprocess.run: records each command and answers from a script.

    `answers` maps a piece of the command line ("enable", "/Query") to (status, stdout,
    stderr); the first piece found in the command wins, otherwise the command succeeds
    silently. `watch` is a path whose existence is recorded with each call.
    """

    def __init__(
        self,
        answers: Mapping[str, tuple[int, str, str]] | None = None,
        *,
        watch: Path | None = None,
        missing: bool = False,
    ) -> None:
        self.answers = dict(answers or {})
        self.watch = watch
        self.missing = missing
        self.calls: list[list[str]] = []
        self.file_there: list[bool] = []

    def __call__(self, argv: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        assert kwargs["capture_output"] is True and kwargs["text"] is True
        assert kwargs["check"] is False and kwargs["timeout"] > 0
        self.calls.append(list(argv))
        self.file_there.append(self.watch.exists() if self.watch else False)
        if self.missing:
            raise FileNotFoundError(2, "No such file or directory", argv[0])
        line = " ".join(argv)
        for piece, (code, out, err) in self.answers.items():
            if piece in line:
                return subprocess.CompletedProcess(list(argv), code, out, err)
        return subprocess.CompletedProcess(list(argv), 0, "", "")

    def lines(self) -> list[str]:
        return [" ".join(call) for call in self.calls]


# --- Linux: the systemd user unit ----------------------------------------------------------


def test_unit_runs_watch_restarts_on_failure_and_stops_on_sigterm(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {"USER": "jo", "CANCELWATCH_HOME": str(home / "cw data")}
    plan = linux_plan(Path("/opt/cw/bin/cancelwatch"), home, env)

    assert plan.platform == "linux"
    assert plan.path == home / ".config/systemd/user/cancelwatch.service"
    unit = unit_settings(plan.text)
    assert values(unit, "Service", "Type") == ["simple"]
    assert values(unit, "Service", "ExecStart") == ["/opt/cw/bin/cancelwatch watch"]
    assert values(unit, "Service", "Restart") == ["on-failure"]
    assert values(unit, "Service", "RestartSec") == ["30"]
    assert values(unit, "Service", "KillSignal") == ["SIGTERM"]
    assert values(unit, "Service", "TimeoutStopSec") == ["60"]
    assert values(unit, "Service", "Environment") == [
        "PYTHONUNBUFFERED=1",
        f'"CANCELWATCH_HOME={home}/cw data"',
    ]
    assert values(unit, "Install", "WantedBy") == ["default.target"]
    assert "enable-linger jo" in plan.notes[0] and "keyring" in plan.notes[0]


def test_unit_goes_where_xdg_config_home_points(tmp_path: Path) -> None:
    config = tmp_path / "elsewhere"
    plan = linux_plan(Path("/usr/bin/cancelwatch"), tmp_path, {"XDG_CONFIG_HOME": str(config)})
    assert plan.path == config / "systemd/user/cancelwatch.service"
    relative = linux_plan(Path("/usr/bin/cancelwatch"), tmp_path, {"XDG_CONFIG_HOME": "rel"})
    assert relative.path == tmp_path / ".config/systemd/user/cancelwatch.service"


@pytest.mark.parametrize(
    "directory",
    ["bin", "my apps/bin", "50% off/$HOME/bin", "  two  spaces ", "日本語 フォルダ", "semi;colon"],
)
def test_unit_passes_systemd_analyze_verify(
    systemd_analyze: str, tmp_path: Path, directory: str
) -> None:
    executable = fake_cancelwatch(tmp_path / directory)
    env = {"CANCELWATCH_HOME": str(tmp_path / directory / "data 100%"), "USER": "jo"}
    plan = linux_plan(executable, tmp_path / "home", env)
    assert_verified(systemd_analyze, write_plan(plan))


def test_verify_would_catch_a_wrongly_quoted_unit(systemd_analyze: str, tmp_path: Path) -> None:
    """The validator sees quoting mistakes, so the test above means something."""
    executable = fake_cancelwatch(tmp_path / "my apps" / "50% off")
    plan = linux_plan(executable, tmp_path / "home", {"CANCELWATCH_HOME": "/a b/100%x"})
    unit = write_plan(plan)
    good = unit.read_text()

    unit.write_text(re.sub(r"(?m)^ExecStart=.*$", f"ExecStart={executable} watch", good))
    assert verify(systemd_analyze, unit).returncode != 0  # the path split at its space

    unquoted = good.replace('"CANCELWATCH_HOME=/a b/100%%x"', "CANCELWATCH_HOME=/a b/100%%x")
    unit.write_text(unquoted)
    assert "Invalid environment assignment" in verify(systemd_analyze, unit).stderr

    unit.write_text(good.replace("100%%x", "100%x"))
    assert "specifier" in verify(systemd_analyze, unit).stderr


def test_a_path_systemd_cannot_run_is_refused_up_front(
    systemd_analyze: str, tmp_path: Path
) -> None:
    executable = fake_cancelwatch(tmp_path / 'say "hi"')
    with pytest.raises(ServiceError, match="quotes or backslashes"):
        linux_plan(executable, tmp_path)
    # systemd agrees: however it is quoted, it will not start such a program.
    unit = tmp_path / "cancelwatch.service"
    quoted = systemd_quote(str(executable), dollars=False)
    unit.write_text(f"[Service]\nExecStart={quoted} watch\n")
    assert "special characters" in verify(systemd_analyze, unit).stderr
    with pytest.raises(ServiceError, match="absolute path"):
        linux_plan(PurePath("bin/cancelwatch"), tmp_path)


# Directory names systemd can run a program from: no quotes, backslashes or control
# characters (refused up front, above), not "." or "..", short enough for the file system.
_directory_names = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/\"'\\"),
    min_size=1,
    max_size=20,
).filter(lambda name: name not in (".", "..") and len(name.encode()) < 200)


@settings(max_examples=10, deadline=None)
@given(directory=_directory_names, data_dir=_directory_names)
def test_any_plain_install_path_survives_systemd(
    systemd_analyze: str, directory: str, data_dir: str
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        executable = fake_cancelwatch(Path(scratch) / directory)
        env = {"CANCELWATCH_HOME": f"/home/jo/{data_dir}\\\"'"}
        assert_verified(systemd_analyze, write_plan(linux_plan(executable, Path(scratch), env)))


def unquote_systemd(line: str) -> list[str]:
    """The words of an ExecStart= value, read back as systemd.syntax(7) describes."""
    words: list[str] = []
    for match in re.finditer(r'"((?:[^"\\]|\\.)*)"|(\S+)', line):
        quoted, plain = match.groups()
        if quoted is not None:
            word = re.sub(r"\\(.)", r"\1", quoted)
        else:
            word = ";" if plain == "\\;" else plain  # a lone `\;` is a literal semicolon
        words.append(word.replace("%%", "%").replace("$$", "$"))
    return words


@given(st.lists(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)))
@example([";", "\\;", "", "%%", "$$HOME", 'a "b" \\c'])
def test_arguments_read_back_as_written(args: list[str]) -> None:
    line = " ".join(["/usr/bin/cancelwatch", *(systemd_quote(arg) for arg in args)])
    assert unquote_systemd(line) == ["/usr/bin/cancelwatch", *args]


def test_control_characters_are_refused() -> None:
    with pytest.raises(ServiceError, match="control character"):
        systemd_quote("line\nbreak")


# --- macOS: the launchd agent --------------------------------------------------------------


def mac_plan(home: Path, env: Mapping[str, str] | None = None) -> ServicePlan:
    return service.plan(
        "darwin",
        executable=Path("/Users/jo/my apps/bin/cancelwatch"),
        args=["watch"],
        home=home,
        env=env or {},
        uid=501,
    )


def test_agent_plist_reads_back(tmp_path: Path) -> None:
    plan = mac_plan(tmp_path, {"CANCELWATCH_HOME": "/Users/jo/cw & data"})
    assert plan.path == tmp_path / "Library/LaunchAgents/dev.cancelwatch.watch.plist"

    agent = plistlib.loads(plan.content)
    assert agent["Label"] == "dev.cancelwatch.watch"
    assert agent["ProgramArguments"] == ["/Users/jo/my apps/bin/cancelwatch", "watch"]
    assert agent["RunAtLoad"] is True
    assert agent["KeepAlive"] == {"SuccessfulExit": False}
    logs = tmp_path / "Library/Logs/cancelwatch"
    assert Path(agent["StandardOutPath"]).parent == logs
    assert Path(agent["StandardErrorPath"]).parent == logs
    assert plan.directories == (logs,)
    assert agent["EnvironmentVariables"] == {
        "PYTHONUNBUFFERED": "1",
        "CANCELWATCH_HOME": "/Users/jo/cw & data",
    }

    plutil = shutil.which("plutil")  # macOS only; elsewhere the plistlib round trip is it
    if plutil:
        subprocess.run([plutil, "-lint", str(write_plan(plan))], check=True, timeout=30)


def test_agent_needs_the_uid(tmp_path: Path) -> None:
    with pytest.raises(ServiceError, match="uid"):
        service.plan("darwin", executable=Path("/x"), args=["watch"], home=tmp_path, env={})


# --- Windows: the scheduled task -----------------------------------------------------------

WINDOWS_ENV = {"USERNAME": "jo", "USERDOMAIN": "R&D-PC"}


def windows_plan(home: Path, env: Mapping[str, str] | None = None) -> ServicePlan:
    return service.plan(
        "win32",
        executable=PurePath("C:/Users/Jo Ann/cw venv/Scripts/cancelwatch.exe"),
        args=["watch"],
        home=home,
        env=env or WINDOWS_ENV,
    )


def test_task_xml_is_utf16_with_every_required_element(tmp_path: Path) -> None:
    plan = windows_plan(tmp_path)
    assert plan.path == tmp_path / "AppData/Local/cancelwatch/task.xml"
    assert plan.content.startswith(b"\xff\xfe")  # UTF-16 little-endian, with its BOM
    assert plan.text.startswith('<?xml version="1.0" encoding="UTF-16"?>')

    task = ET.fromstring(plan.content)

    def text(path: str) -> str | None:
        element = task.find("/".join(TASK + step for step in path.split("/")))
        assert element is not None, f"missing {path}"
        return element.text

    assert task.tag == f"{TASK}Task"
    assert text("Triggers/LogonTrigger/UserId") == "R&D-PC\\jo"
    assert text("Triggers/LogonTrigger/Enabled") == "true"
    assert text("Principals/Principal/UserId") == "R&D-PC\\jo"
    assert text("Principals/Principal/LogonType") == "InteractiveToken"
    assert text("Principals/Principal/RunLevel") == "LeastPrivilege"
    assert text("Settings/ExecutionTimeLimit") == "PT0S"
    assert text("Settings/Hidden") == "true"
    assert text("Settings/MultipleInstancesPolicy") == "IgnoreNew"
    assert text("Settings/DisallowStartIfOnBatteries") == "false"
    assert text("Settings/StopIfGoingOnBatteries") == "false"
    assert text("Settings/RestartOnFailure/Interval") == "PT1M"
    assert 1 <= int(text("Settings/RestartOnFailure/Count") or 0) <= 255
    assert text("Actions/Exec/Command") == '"C:/Users/Jo Ann/cw venv/Scripts/cancelwatch.exe"'
    assert text("Actions/Exec/Arguments") == "watch"
    assert text("Actions/Exec/WorkingDirectory") == str(tmp_path)


def test_task_arguments_use_windows_quoting(tmp_path: Path) -> None:
    plan = service.plan(
        "win32",
        executable=PurePath("C:/cw/cancelwatch.exe"),
        args=["watch", "two words", 'say "x"'],
        home=tmp_path,
        env=WINDOWS_ENV,
    )
    exec_ = ET.fromstring(plan.content).find(f"./{TASK}Actions/{TASK}Exec")
    assert exec_ is not None
    assert exec_.findtext(f"{TASK}Command") == "C:/cw/cancelwatch.exe"
    assert exec_.findtext(f"{TASK}Arguments") == 'watch "two words" "say \\"x\\""'


def test_task_needs_the_user_and_explains_environment(tmp_path: Path) -> None:
    with pytest.raises(ServiceError, match="USERNAME"):
        windows_plan(tmp_path, {"USERDOMAIN": "PC"})
    plan = windows_plan(tmp_path, {**WINDOWS_ENV, "CANCELWATCH_HOME": "D:\\cw"})
    assert any("setx" in note and "CANCELWATCH_HOME" in note for note in plan.notes)
    local = windows_plan(tmp_path, {**WINDOWS_ENV, "LOCALAPPDATA": str(tmp_path / "L")})
    assert local.path == tmp_path / "L/cancelwatch/task.xml"


# --- every platform ------------------------------------------------------------------------


@pytest.mark.parametrize("platform", ["linux", "darwin", "win32"])
def test_the_passphrase_is_never_written(tmp_path: Path, platform: str) -> None:
    assert (service.SECRET_ENV, "CANCELWATCH_SECRETS") == (PASSPHRASE_ENV, STORE_ENV)
    env = {**WINDOWS_ENV, PASSPHRASE_ENV: "hunter2-secret", STORE_ENV: "file"}
    plan = service.plan(
        platform, executable=Path("/opt/cancelwatch"), args=["watch"], home=tmp_path, env=env, uid=1
    )
    assert "hunter2-secret" not in plan.text
    assert PASSPHRASE_ENV not in plan.text
    assert any(PASSPHRASE_ENV in note for note in plan.notes)
    if platform != "win32":
        assert "CANCELWATCH_SECRETS" in plan.text  # the choice of store travels along


def test_a_passphrase_held_in_memory_still_gets_its_note(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The command line takes the passphrase out of os.environ when it starts; the plan
    must still tell the user how to hand it to the service, and still not write it."""
    monkeypatch.setenv(PASSPHRASE_ENV, "hunter2-secret")
    drop_passphrase()
    hold_passphrase()
    try:
        assert PASSPHRASE_ENV not in os.environ
        plan = service.current_plan()
    finally:
        drop_passphrase()
    assert any(PASSPHRASE_ENV in note for note in plan.notes)
    assert "hunter2-secret" not in plan.text


def test_other_platforms_are_refused_with_an_alternative(tmp_path: Path) -> None:
    with pytest.raises(ServiceError, match="autostart") as caught:
        service.plan("freebsd14", executable=Path("/x"), args=[], home=tmp_path, env={})
    assert isinstance(caught.value, CancelwatchError) and caught.value.exit_code == 2


# --- install, uninstall, status with a recording runner -----------------------------------


def test_linux_install_writes_the_unit_then_enables_and_starts_it(tmp_path: Path) -> None:
    plan = linux_plan(Path("/opt/cw/cancelwatch"), tmp_path)
    run = FakeRunner({"show-environment": (0, "DBUS_SESSION_BUS_ADDRESS=unix:x\n", "")})
    run.watch = plan.path

    message = service.install(plan, run=run)

    assert plan.path.read_bytes() == plan.content
    assert run.lines() == [
        "systemctl --user daemon-reload",
        "systemctl --user enable cancelwatch.service",
        "systemctl --user restart cancelwatch.service",
        "systemctl --user show-environment",
    ]
    assert all(run.file_there)  # the unit was there before systemd was told about it
    assert str(plan.path) in message and "enable-linger" in message
    assert "DBUS_SESSION_BUS_ADDRESS" not in message


def test_linux_install_warns_when_services_cannot_reach_the_desktop(tmp_path: Path) -> None:
    plan = linux_plan(Path("/opt/cw/cancelwatch"), tmp_path)
    run = FakeRunner({"show-environment": (0, "HOME=/home/jo\nPATH=/usr/bin\n", "")})
    message = service.install(plan, run=run)
    assert "warning: your systemd user manager has no DBUS_SESSION_BUS_ADDRESS" in message


def test_linux_uninstall_disables_removes_and_reloads(tmp_path: Path) -> None:
    plan = linux_plan(Path("/opt/cw/cancelwatch"), tmp_path)
    write_plan(plan)
    run = FakeRunner(watch=plan.path)

    message = service.uninstall(plan, run=run)

    assert not plan.path.exists()
    assert run.lines() == [
        "systemctl --user disable --now cancelwatch.service",
        "systemctl --user daemon-reload",
        "systemctl --user reset-failed cancelwatch.service",
    ]
    assert run.file_there == [True, False, False]  # disabled while there, reloaded after
    assert message.startswith("Stopped and removed")


def test_uninstall_when_nothing_is_installed_is_fine(tmp_path: Path) -> None:
    plan = linux_plan(Path("/opt/cw/cancelwatch"), tmp_path)
    gone = (1, "", "Failed to disable unit: Unit file cancelwatch.service does not exist.\n")
    assert "was not installed" in service.uninstall(plan, run=FakeRunner({"disable": gone}))
    assert "was not installed" in service.uninstall(plan, run=FakeRunner(missing=True))


def test_status_reports_the_state_and_systemds_own_words(tmp_path: Path) -> None:
    plan = linux_plan(Path("/opt/cw/cancelwatch"), tmp_path)
    write_plan(plan)
    run = FakeRunner(
        {
            "is-active": (0, "active\n", ""),
            "status": (0, "● cancelwatch.service - cancelwatch\n   Active: active (running)\n", ""),
            "show-environment": (0, "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus\n", ""),
        }
    )
    report = service.status(plan, run=run)
    assert report.splitlines()[0] == "cancelwatch service: active"
    assert "Active: active (running)" in report
    assert "journalctl --user -u cancelwatch.service" in report
    assert "warning" not in report


def test_status_says_not_installed(tmp_path: Path) -> None:
    plan = linux_plan(Path("/opt/cw/cancelwatch"), tmp_path)
    run = FakeRunner({"is-active": (3, "inactive\n", ""), "status": (4, "", "Unit x not found.")})
    assert service.status(plan, run=run).startswith("cancelwatch service: not installed")


def test_no_systemctl_says_what_to_do_instead(tmp_path: Path) -> None:
    plan = linux_plan(Path("/opt/cw/cancelwatch"), tmp_path)
    for action in (service.install, service.status):
        with pytest.raises(ServiceError, match=r"systemd is not running for your user.*autostart"):
            action(plan, run=FakeRunner(missing=True))


def test_an_unreachable_user_manager_says_the_same(tmp_path: Path) -> None:
    plan = linux_plan(Path("/opt/cw/cancelwatch"), tmp_path)
    run = FakeRunner({"": (1, "", "Failed to connect to bus: No medium found\n")})
    with pytest.raises(ServiceError, match="systemd is not running for your user"):
        service.install(plan, run=run)


def test_the_real_systemctl_without_a_user_manager(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no user bus to reach, the real tool fails and the user reads the way out."""
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    plan = linux_plan(Path("/opt/cw/cancelwatch"), tmp_path)
    with pytest.raises(ServiceError, match="systemd is not running for your user"):
        service.status(plan)


def test_a_failing_command_shows_its_first_line(tmp_path: Path) -> None:
    plan = linux_plan(Path("/opt/cw/cancelwatch"), tmp_path)
    masked = (1, "", "Failed to enable unit: Unit file cancelwatch.service is masked.\nhint\n")
    with pytest.raises(ServiceError) as caught:
        service.install(plan, run=FakeRunner({"enable": masked}))
    assert str(caught.value) == (
        "`systemctl --user enable cancelwatch.service` failed with status 1: "
        "Failed to enable unit: Unit file cancelwatch.service is masked."
    )


def test_a_command_that_hangs_is_an_error(tmp_path: Path) -> None:
    plan = linux_plan(Path("/opt/cw/cancelwatch"), tmp_path)

    def hangs(argv: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        raise subprocess.TimeoutExpired(list(argv), kwargs["timeout"])

    with pytest.raises(ServiceError, match="did not answer"):
        service.install(plan, run=hangs)


def test_mac_install_boots_the_agent_into_the_gui_domain(tmp_path: Path) -> None:
    plan = mac_plan(tmp_path)
    not_loaded = (3, "", "Boot-out failed: 3: No such process\n")
    run = FakeRunner({"bootout": not_loaded}, watch=plan.path)

    service.install(plan, run=run)

    assert plistlib.loads(plan.path.read_bytes())["Label"] == "dev.cancelwatch.watch"
    assert (tmp_path / "Library/Logs/cancelwatch").is_dir()
    assert run.lines() == [
        "launchctl bootout gui/501/dev.cancelwatch.watch",
        "launchctl enable gui/501/dev.cancelwatch.watch",
        f"launchctl bootstrap gui/501 {plan.path}",
    ]
    assert run.file_there[-1]


def test_mac_install_explains_a_missing_gui_session(tmp_path: Path) -> None:
    plan = mac_plan(tmp_path)
    refused = (125, "", "Bootstrap failed: 125: Domain does not support specified action\n")
    with pytest.raises(ServiceError, match="no GUI session"):
        service.install(plan, run=FakeRunner({"bootstrap": refused}))


def test_mac_uninstall_and_status(tmp_path: Path) -> None:
    plan = mac_plan(tmp_path)
    write_plan(plan)
    printed = "gui/501/dev.cancelwatch.watch = {\n\tactive count = 1\n\tstate = running\n}\n"
    report = service.status(plan, run=FakeRunner({"print": (0, printed, "")}))
    assert report.splitlines()[0] == "cancelwatch service: running"

    run = FakeRunner({"bootout": (3, "", "Boot-out failed: 3: No such process\n")})
    service.uninstall(plan, run=run)
    assert run.lines() == ["launchctl bootout gui/501/dev.cancelwatch.watch"]
    assert not plan.path.exists()

    missing = (113, "", 'Could not find service "dev.cancelwatch.watch" in domain for user')
    report = service.status(plan, run=FakeRunner({"print": missing}))
    assert report.splitlines()[0] == "cancelwatch service: not installed"


@pytest.mark.parametrize(
    ("make", "starts", "asks_for_the_bus"),
    [
        (
            lambda home: linux_plan(Path("/opt/cw/cancelwatch"), home),
            "whenever your user session starts",
            True,
        ),
        (mac_plan, "whenever you log in", False),
        (windows_plan, "at each logon", False),
    ],
    ids=["systemd", "launchd", "scheduled-task"],
)
def test_each_platform_says_when_the_watcher_starts(
    tmp_path: Path, make: Callable[[Path], ServicePlan], starts: str, asks_for_the_bus: bool
) -> None:
    run = FakeRunner()  # a manager whose environment names no session bus
    message = service.install(make(tmp_path), run=run)
    assert f"It runs `cancelwatch watch` now and {starts}." in message.splitlines()
    assert ("systemctl --user show-environment" in run.lines()) is asks_for_the_bus
    assert ("warning: your systemd user manager" in message) is asks_for_the_bus


def test_windows_install_uninstall_and_status(tmp_path: Path) -> None:
    plan = windows_plan(tmp_path)
    run = FakeRunner({"/End": (1, "", "ERROR: The task is not running.\n")}, watch=plan.path)

    service.install(plan, run=run)

    assert plan.path.read_bytes() == plan.content
    assert run.lines() == [
        "schtasks /End /TN cancelwatch",
        f"schtasks /Create /XML {plan.path} /TN cancelwatch /F",
        "schtasks /Run /TN cancelwatch",
    ]
    queried = "Folder: \\\nTaskName:    \\cancelwatch\nStatus:      Running\n"
    report = service.status(plan, run=FakeRunner({"/Query": (0, queried, "")}))
    assert report.splitlines()[0] == "cancelwatch service: Running"

    run = FakeRunner()
    service.uninstall(plan, run=run)
    assert run.lines() == ["schtasks /End /TN cancelwatch", "schtasks /Delete /TN cancelwatch /F"]
    assert not plan.path.exists()


def test_preview_shows_the_file_and_the_commands(tmp_path: Path) -> None:
    plan = linux_plan(Path("/opt/cw/cancelwatch"), tmp_path)
    shown = service.preview(plan)
    assert str(plan.path) in shown and "ExecStart=/opt/cw/cancelwatch watch" in shown
    assert "systemctl --user enable cancelwatch.service" in shown
    assert "Task" in service.preview(windows_plan(tmp_path))  # UTF-16 decoded


# --- finding this install's cancelwatch ----------------------------------------------------


def test_find_executable_prefers_the_running_script(tmp_path: Path) -> None:
    running = fake_cancelwatch(tmp_path / "pipx venv/bin")
    venv = fake_cancelwatch(tmp_path / ".venv/bin")
    on_path = fake_cancelwatch(tmp_path / "usr/bin")

    def which(name: str) -> str:
        return str(on_path)

    found = service.find_executable(argv0=str(running), scripts_dir=venv.parent, which=which)
    assert found == running.resolve()
    found = service.find_executable(argv0="/x/pytest", scripts_dir=venv.parent, which=which)
    assert found == venv.resolve()
    found = service.find_executable(argv0="", scripts_dir=tmp_path / "none", which=which)
    assert found == on_path.resolve()
    with pytest.raises(ServiceError, match="cannot find the `cancelwatch` command"):
        service.find_executable(argv0="", scripts_dir=tmp_path / "none", which=lambda n: None)


def test_find_executable_resolves_a_symlinked_script(tmp_path: Path) -> None:
    script = fake_cancelwatch(tmp_path / "venvs/cancelwatch/bin")
    link = tmp_path / "local bin" / "cancelwatch"
    link.parent.mkdir()
    link.symlink_to(script)
    found = service.find_executable(argv0=str(link), scripts_dir=tmp_path, which=lambda n: None)
    assert found == script.resolve()


def test_find_executable_on_windows_adds_exe(tmp_path: Path) -> None:
    exe = tmp_path / "Scripts" / "cancelwatch.exe"
    exe.parent.mkdir()
    exe.write_bytes(b"MZ")
    found = service.find_executable(
        argv0=str(tmp_path / "Scripts" / "cancelwatch"),
        scripts_dir=tmp_path,
        which=lambda n: None,
        windows=True,
    )
    assert found == exe.resolve()


@pytest.fixture
def installed_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This machine, with `cancelwatch` running from a directory with a space in its name."""
    script = fake_cancelwatch(tmp_path / "my venv" / "bin")
    monkeypatch.setattr(sys, "argv", [str(script), "service", "install"])
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path / "cw data"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    return script


def test_current_plan_on_this_machine_verifies(
    systemd_analyze: str, installed_here: Path, tmp_path: Path
) -> None:
    plan = service.current_plan()
    assert plan.platform == "linux"
    assert plan.path == tmp_path / "home/.config/systemd/user/cancelwatch.service"
    assert f'ExecStart="{installed_here}" watch' in plan.text

    service.install(plan, run=FakeRunner())
    assert_verified(systemd_analyze, plan.path)
