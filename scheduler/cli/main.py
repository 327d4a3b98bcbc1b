"""The `cancelwatch` command. Thin: each command calls the package that does the work.

Errors become a message and an exit code here and nowhere else.
"""

from __future__ import annotations

import importlib
import logging
import sqlite3
import sys
from collections.abc import Callable

import click

from cancelwatch.scheduler.cli.commands import COMMANDS
from cancelwatch.scheduler.cli.context import App
from cancelwatch.scheduler.policy.words import TEXTS, Lang, text
from cancelwatch.scheduler.policy.words.messages import LOGGED_JA
from cancelwatch.scheduler.state.schema import StateError
from cancelwatch.scheduler.state.store import DB_NAME
from cancelwatch.scraper.browse.credentials import SecretsUnavailable
from cancelwatch.scraper.browse.passphrase import hold_passphrase
from cancelwatch.scraper.errors import (
    AmazonUnavailable,
    BrowserUnavailable,
    CancelwatchError,
    NoDisplay,
    PageUnresponsive,
    SelectorFailure,
    SignInNeeded,
    UnreadableFile,
)
from cancelwatch.scraper.paths import data_dir

EXIT_OK, EXIT_USAGE = 0, 2


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*COMMANDS, *(name for name in super().list_commands(ctx) if name not in COMMANDS)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:  # one added with add_command, e.g. by a test
            return super().get_command(ctx, cmd_name)
        found = importlib.import_module(f"cancelwatch.scheduler.cli.{module}")
        commands: tuple[click.Command, ...] = found.COMMANDS
        return {command.name: command for command in commands}[cmd_name]


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log lines on stderr (-vv: debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.version_option(package_name="cancelwatch")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Watch your Amazon orders and hear before a cancel window closes."""
    app = ctx.ensure_object(App)
    level = (
        logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_InLanguage(app.language))
    logging.basicConfig(level=level, handlers=[handler])


class _InLanguage(logging.Formatter):
    """A log line with its level in the user's language ("cancelwatch: 警告: …"). The
    language is asked for at each line: config.toml is read only when a command needs it."""

    def __init__(self, lang: Callable[[], Lang]) -> None:
        super().__init__()
        self._lang = lang

    def format(self, record: logging.LogRecord) -> str:
        lang = self._lang()
        key = f"level_{record.levelname}"
        level = text(lang, key) if key in TEXTS[lang] else record.levelname
        line = text(lang, "log_line", level=level, message=_logged(record, lang))
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def main(argv: list[str] | None = None) -> None:
    """Run the command line and exit with its code (`entry.main`, the console script's
    entry, calls this once it has done what must come first)."""
    # First, before any command can start a child process (the Playwright driver,
    # Chromium, systemctl): none of them may inherit the secrets file's passphrase.
    hold_passphrase()
    sys.exit(run(cli, argv))


def run(command: click.Command, argv: list[str] | None, *, app: App | None = None) -> int:
    """Run `command` with `argv`; the exit code. `app` is what the command gets from the
    context: a test hands in its own (its clock), one per run; by default a fresh one."""
    app = app or App()
    try:
        command.main(args=argv, prog_name="cancelwatch", standalone_mode=False, obj=app)
    except CancelwatchError as exc:
        lang = app.language()
        click.echo(text(lang, "err_line", message=explained(exc, lang)), err=True)
        return exc.exit_code
    except sqlite3.DatabaseError as exc:
        # Only state.db is SQLite: damage met after it opened (a table gone, a page that
        # does not read) is the user's file to fix or move aside, not a traceback. A busy
        # or full disk is not damage: moving a healthy history aside would lose it.
        lang = app.language()
        click.echo(text(lang, "err_line", message=_database_problem(exc, lang)), err=True)
        return EXIT_USAGE
    except click.exceptions.Abort:
        return aborted(app)
    except click.ClickException as exc:
        _show_refused(exc, app.language())
        return exc.exit_code
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    return EXIT_OK


def _show_refused(exc: click.ClickException, lang: Lang) -> None:
    """A command line Click refused, as Click shows it in English; in Japanese, the same
    three parts (usage, where the help is, what was wrong) with Click's own words kept as
    the detail, as for any error raised where the language is not known."""
    if lang == "en":
        exc.show()
        return
    lines = []
    ctx = exc.ctx if isinstance(exc, click.UsageError) else None
    if ctx is not None:
        usage = ctx.get_usage().removeprefix("Usage:").strip()
        lines.append(text(lang, "usage_line", usage=usage))
        if ctx.command.get_help_option(ctx) is not None:
            option = max(ctx.command.get_help_option_names(ctx), key=len)  # as Click does
            lines.append(text(lang, "usage_help", command=ctx.command_path, option=option))
            lines.append("")
    said = text(lang, "err_explained", lead=text(lang, "lead_usage"), detail=exc.format_message())
    lines.append(text(lang, "err_line", message=said))
    click.echo("\n".join(lines), err=True)


def aborted(app: App | None = None) -> int:
    """Say the command was stopped (Ctrl-C); its exit code."""
    click.echo(text((app or App()).language(), "err_aborted"), err=True)
    return 130


def _logged(record: logging.LogRecord, lang: Lang) -> str:
    """The record's message in `lang`: a line the table words in Japanese, filled with its
    values (which stay as they are); any other as logged."""
    worded = LOGGED_JA.get(record.msg) if lang == "ja" and isinstance(record.msg, str) else None
    if worded is None:
        return record.getMessage()
    return worded % record.args if record.args else worded


_LEADS: tuple[tuple[type[CancelwatchError], str], ...] = (
    (SignInNeeded, "lead_sign_in"),
    (BrowserUnavailable, "lead_no_browser"),
    (NoDisplay, "lead_no_display"),
    (PageUnresponsive, "lead_unresponsive"),  # before AmazonUnavailable, its kind
    (AmazonUnavailable, "lead_unreachable"),
    (SelectorFailure, "lead_unreadable"),
    (SecretsUnavailable, "lead_secrets"),
    (UnreadableFile, "lead_file"),
    (StateError, "lead_state"),
)
"""The errors raised where the user's language is not known (the browser, the crawl, the
secret store, state.db), with the key of the sentence that leads their English message.
The others are worded in the user's language where they are raised."""


def explained(exc: Exception, lang: Lang) -> str:
    """What `exc` tells the user in `lang`: its lead sentence, then its own message."""
    for kind, key in _LEADS:
        if isinstance(exc, kind):
            return text(lang, "err_explained", lead=text(lang, key), detail=exc)
    return str(exc)


def _database_problem(exc: sqlite3.DatabaseError, lang: Lang) -> str:
    path, said = data_dir() / DB_NAME, str(exc)
    if isinstance(exc, sqlite3.OperationalError) and "locked" in said:
        return text(lang, "db_busy", path=path, said=said)
    if isinstance(exc, sqlite3.OperationalError) and ("full" in said or "disk I/O" in said):
        return text(lang, "db_full", path=path, said=said)
    return text(lang, "db_damaged", path=path, said=said)
