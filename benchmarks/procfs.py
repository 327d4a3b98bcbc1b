"""What the benchmarks read from /proc: a process tree's memory and CPU, the machine's
CPU pressure, and a line naming the machine and the browser for the results."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib.metadata import version
from pathlib import Path

from cancelwatch.scraper.browse.browser import find_browser

PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def read(path: str) -> str | None:
    try:
        return Path(path).read_text(encoding="ascii", errors="replace")
    except OSError:  # the process ended between listing and reading
        return None


def stat_fields(pid: int) -> list[str] | None:
    """/proc/PID/stat from field 3 (state) on: field n is at index n - 3."""
    stat = read(f"/proc/{pid}/stat")
    # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    return None if stat is None else stat.rpartition(")")[2].split()


def ppid(pid: int) -> int | None:
    fields = stat_fields(pid)
    return None if fields is None else int(fields[1])


def rss_kib(pid: int) -> int:
    """RSS of one process in KiB; 0 if it is gone. A counter: cheap."""
    statm = read(f"/proc/{pid}/statm")
    return int(statm.split()[1]) * PAGE_KIB if statm else 0


def rollup_kib(pid: int) -> tuple[int, int]:
    """(PSS, USS) of one process in KiB; (0, 0) if it is gone. A walk of its page tables:
    ~1–10 ms a process for Chromium's."""
    pss = uss = 0
    for line in (read(f"/proc/{pid}/smaps_rollup") or "").splitlines():
        name, _, rest = line.partition(":")
        if name == "Pss":
            pss = int(rest.split()[0])
        elif name in ("Private_Clean", "Private_Dirty"):
            uss += int(rest.split()[0])
    return pss, uss


def cpu_wait_s() -> float | None:
    """Seconds in which some task of the machine waited for a CPU (/proc/pressure/cpu, the
    "some" line's total), or None without pressure stall information."""
    pressure = read("/proc/pressure/cpu")
    if pressure is None or not pressure.startswith("some"):
        return None
    return int(pressure.split()[4].removeprefix("total=")) / 1e6


def mib(kib: float) -> float:
    return kib / 1024


def machine() -> str:
    cpu = "unknown CPU"
    for line in (read("/proc/cpuinfo") or "").splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = 0
    for line in (read("/proc/meminfo") or "").splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    return (
        f"{cpu}, {os.cpu_count()} logical CPUs, {mem_kib / 1024 / 1024:.0f} GiB; "
        f"{platform.python_implementation()} {platform.python_version()}"
    )


def browser_line(explicit: str | None = None) -> str:
    choice = find_browser(explicit)
    try:
        out = subprocess.run(
            [choice.executable or "chromium", "--version"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        out = "version unknown"
    return f"browser {choice.source} ({out}); Playwright {version('playwright')}"
