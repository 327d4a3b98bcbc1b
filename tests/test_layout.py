"""The folders are the architecture: which code may import what, checked on every module.

Read from the source with `ast` (imports inside functions count: a lazy import is still
an import), and confirmed at run time for the two rules that matter most: parsing a page
loads no browser, and the rules load neither a browser nor the database.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = {"scraper": "cancelwatch.scraper", "scheduler": "cancelwatch.scheduler"}

BROWSER = ("playwright", "cancelwatch.scraper.browse")
STATE = ("sqlite3", "cancelwatch.scheduler.state")
NETWORK = ("urllib.request", "http", "ssl", "keyring", "subprocess", "apscheduler")


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name of the file
    imported: str  # dotted name as written, made absolute
    where: str  # file:line, for the failure message


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return f"{FOLDERS[parts[0]]}.{'.'.join(parts[1:])}".rstrip(".")


def _imports_of(path: Path, module: str) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, where)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import mod` imports pkg.mod when mod is a module: count both.
            yield Import(module, base, where)
            for alias in node.names:
                yield Import(module, f"{base}.{alias.name}", where)


def _all_imports() -> list[Import]:
    found: list[Import] = []
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            found.extend(_imports_of(path, _module_name(path)))
    return found


IMPORTS = _all_imports()


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _breaches(importers: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{i.where}: {i.importer} imports {i.imported}"
        for i in IMPORTS
        if _within(i.importer, importers) and _within(i.imported, forbidden)
    ]


def test_the_source_tree_was_read() -> None:
    # Guards the rules below against passing on an empty or misread tree.
    importers = {i.importer for i in IMPORTS}
    assert "cancelwatch.scraper.read.parse" in importers
    assert "cancelwatch.scheduler.policy.assess" in importers
    assert any(i.imported == "playwright.sync_api" for i in IMPORTS)


@pytest.mark.parametrize(
    ("importers", "forbidden", "why"),
    [
        (
            ("cancelwatch.scraper.read",),
            (*BROWSER, *NETWORK, "sqlite3", "cancelwatch.scraper.demo", "cancelwatch.scheduler"),
            "reading a page is pure: HTML in, model out",
        ),
        (
            ("cancelwatch.scraper",),
            ("cancelwatch.scheduler",),
            "the scraper knows pages, not alerts",
        ),
        (
            ("cancelwatch.scheduler.policy",),
            (
                *BROWSER,
                *STATE,
                *NETWORK,
                "cancelwatch.scheduler.config",
                "cancelwatch.scheduler.notify",
                "cancelwatch.scheduler.watch",
                "cancelwatch.scheduler.cli",
            ),
            "the rules are pure functions of an order and a clock",
        ),
        (
            ("cancelwatch.scheduler.state",),
            (*BROWSER, "cancelwatch.scheduler.notify", "cancelwatch.scheduler.watch"),
            "the database layer stores facts; it neither browses nor notifies",
        ),
        (
            ("cancelwatch.scheduler.notify",),
            (*BROWSER, *STATE, "cancelwatch.scheduler.watch", "cancelwatch.scheduler.cli"),
            "a channel sends what it is given",
        ),
        (
            ("cancelwatch.scheduler.mail",),
            (
                *BROWSER,
                *STATE,
                "cancelwatch.scheduler.notify",
                "cancelwatch.scheduler.watch",
                "cancelwatch.scheduler.cli",
            ),
            "a mail source yields what it heard; the check it starts is the consumer's",
        ),
        (
            ("cancelwatch.scraper", "cancelwatch.scheduler"),
            ("scraper", "scheduler", "selectors"),
            "first-party imports go through the installed name, cancelwatch.*",
        ),
    ],
    ids=["read", "scraper", "policy", "state", "notify", "mail", "installed-names"],
)
def test_a_folder_imports_only_what_its_job_allows(
    importers: tuple[str, ...], forbidden: tuple[str, ...], why: str
) -> None:
    assert _breaches(importers, forbidden) == [], why


def test_only_the_demo_commands_import_the_demo_store() -> None:
    allowed = ("cancelwatch.scraper.demo", "cancelwatch.scheduler.cli.demo")
    breaches = [
        f"{i.where}: {i.importer} imports {i.imported}"
        for i in IMPORTS
        if _within(i.imported, ("cancelwatch.scraper.demo",)) and not _within(i.importer, allowed)
    ]
    assert breaches == []


def test_only_the_mail_package_talks_imap() -> None:
    breaches = [
        f"{i.where}: {i.importer} imports {i.imported}"
        for i in IMPORTS
        if _within(i.imported, ("imapclient", "imaplib"))
        and not _within(i.importer, ("cancelwatch.scheduler.mail",))
    ]
    assert breaches == []
    assert any(i.imported == "imapclient" for i in IMPORTS)  # the rule sees the real import


def test_nothing_but_the_command_line_imports_the_command_line() -> None:
    breaches = [
        f"{i.where}: {i.importer} imports {i.imported}"
        for i in IMPORTS
        if _within(i.imported, ("cancelwatch.scheduler.cli",))
        and not _within(i.importer, ("cancelwatch.scheduler.cli",))
    ]
    assert breaches == []


def test_tests_and_benchmarks_import_the_installed_names() -> None:
    stray = []
    for folder in ("tests", "benchmarks"):
        for path in sorted((ROOT / folder).glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                    if isinstance(node, ast.ImportFrom) and not node.level
                    else []
                )
                stray += [
                    f"{path.name}:{node.lineno}: {n}"  # type: ignore[attr-defined]
                    for n in names
                    if _within(n, ("scraper", "scheduler"))
                ]
    assert stray == []


@pytest.mark.parametrize(
    ("module", "absent"),
    [
        ("cancelwatch.scraper.read.parse", ("playwright", "cancelwatch.scraper.browse", "sqlite3")),
        (
            "cancelwatch.scheduler.policy.assess",
            ("playwright", "cancelwatch.scraper.browse", "cancelwatch.scheduler.state", "sqlite3"),
        ),
        # `config`, `status` and `advise` read config.toml and need no browser library.
        ("cancelwatch.scheduler.config.settings", ("playwright",)),
        # Hearing a mailbox loads neither a browser nor the database (config.toml's reader
        # brings browse.options and browse.credentials, not Playwright).
        (
            "cancelwatch.scheduler.mail.imap",
            ("playwright", "cancelwatch.scheduler.state", "sqlite3"),
        ),
        # The watcher lives for weeks and checks in a child process: what only a check,
        # the calendar or the dashboard uses must stay out of its memory.
        (
            "cancelwatch.scheduler.cli.watch",
            ("playwright", "icalendar", "starlette", "uvicorn", "jinja2"),
        ),
        # The group imports a command's module only when that command runs.
        ("cancelwatch.scheduler.cli.main", ("cancelwatch.scheduler.cli.check", "playwright")),
    ],
)
def test_importing_a_pure_package_loads_no_browser_and_no_database(
    module: str, absent: tuple[str, ...]
) -> None:
    # A fresh interpreter: this test process has long since loaded everything.
    probe = (
        f"import sys, {module}\n"
        f"print('\\n'.join(m for m in sys.modules if m.split('.')[0] == 'playwright' "
        f"or m in {absent!r} or any(m.startswith(a + '.') for a in {absent!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd="/"
    )
    assert out.stdout.split() == []


def test_the_wheel_lists_every_package_folder() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    on_disk = {
        _module_name(init)
        for folder in FOLDERS
        for init in (ROOT / folder).rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    mapping = config["tool"]["setuptools"]["package-dir"]
    data = _data_folders({package: ROOT / folder for package, folder in mapping.items()})
    assert {"cancelwatch.selectors", "cancelwatch.scheduler.dashboard.static"} <= set(data)
    assert listed == on_disk | set(data)
    shipped = config["tool"]["setuptools"]["package-data"]
    for package, folder in data.items():  # every data folder ships each kind of its files
        kinds = {f"*{f.suffix}" for f in folder.iterdir() if f.is_file()}
        assert kinds <= set(shipped.get(package, [])), package
    assert mapping == {
        "cancelwatch.scraper": "scraper",
        "cancelwatch.scheduler": "scheduler",
        "cancelwatch.selectors": "selectors",
    }
    # selectors/ stays data: a package of that name would shadow the stdlib's selectors
    # wherever the source tree is on sys.path (pytest puts it there).
    assert not (ROOT / "selectors" / "__init__.py").exists()


def _data_folders(roots: dict[str, Path]) -> dict[str, Path]:
    """Folders of data files (templates, script, style, TOML) without an __init__.py, by
    the package name they install as."""
    found = {}
    for package, root in roots.items():
        for folder in [root, *root.rglob("*")]:
            if (
                folder.is_dir()
                and "__pycache__" not in folder.parts
                and not (folder / "__init__.py").exists()
                and any(f.is_file() and f.suffix != ".py" for f in folder.iterdir())
            ):
                name = ".".join([package, *folder.relative_to(root).parts])
                found[name] = folder
    return found


def test_the_command_table_names_every_command_where_it_lives() -> None:
    from cancelwatch.scheduler.cli.commands import COMMANDS, READS_AMAZON  # noqa: PLC0415

    defined = {}
    for init in sorted((ROOT / "scheduler" / "cli").glob("*.py")):
        if init.stem in ("main", "commands", "entry", "__main__"):  # the table; running it
            continue
        module = __import__(f"cancelwatch.scheduler.cli.{init.stem}", fromlist=["COMMANDS"])
        for command in getattr(module, "COMMANDS", ()):
            defined[command.name] = init.stem
    assert defined == COMMANDS
    assert set(READS_AMAZON) <= set(COMMANDS)
