"""What every command gets from click's context (`ctx.obj`): the config, the clock, the
state database and the output mode, in one `App`; and the options that
every command spells the same way.

The commands read the time through `App.clock` and nothing else: `wall_clock` is the
one place they meet the real one, so a test runs a command at a moment of its choosing
by handing in its own `App` (`run(cli, argv, app=App(clock=lambda: moment))`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import click

from cancelwatch.scheduler.config.schema import file_language
from cancelwatch.scheduler.config.settings import MAX_FILE_BYTES, Config, config_path, load_config
from cancelwatch.scheduler.notify.notice import default_lang
from cancelwatch.scheduler.policy.words import Lang
from cancelwatch.scheduler.state.store import State
from cancelwatch.scraper.errors import CancelwatchError
from cancelwatch.scraper.files import read_toml
from cancelwatch.scraper.read.markup import marketplaces

EXIT_ATTENTION = 1
"""Something needs the user: an alert went out, a page did not read, a field was missed."""

Clock = Callable[[], datetime]
"""Now, as an aware datetime in UTC."""

F = TypeVar("F", bound=Callable[..., Any])


def wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class App:
    """One command's run. `run` builds one per run (the group does when `cli` is invoked
    without one), so the config and the database are never those of an earlier run; a
    test hands in its own to set the clock."""

    clock: Clock = wall_clock
    as_json: bool = False
    """Set by each command's --json."""
    _config: Config | None = field(default=None, init=False, repr=False)
    _state: State | None = field(default=None, init=False, repr=False)

    @property
    def config(self) -> Config:
        """config.toml, read at the first use, once."""
        if self._config is None:
            self._config = load_config()
        return self._config

    @property
    def state(self) -> State:
        """state.db, opened at the first use and closed when the command ends, however it
        ends."""
        if self._state is None:
            ctx = click.get_current_context()
            state = ctx.with_resource(State.open())
            ctx.call_on_close(self._forget_state)  # runs first: the closing is LIFO
            self._state = state
        return self._state

    def language(self) -> Lang:
        """The user's language: notify.language, else the locale's. While config.toml is
        wrong, the language its error is worded in (the file's notify.language when that
        reads as one, else the locale's)."""
        try:
            chosen = self.config.notify.language
        except (CancelwatchError, ValueError, OSError):
            return _file_language()
        return "ja" if default_lang(chosen) == "ja" else "en"

    def _forget_state(self) -> None:
        self._state = None

    def emit(self, payload: Any, printer: Callable[[Any], None]) -> None:
        """The command's result: JSON on stdout with --json, else each item printed."""
        if self.as_json:
            click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        items: Iterable[Any] = payload if isinstance(payload, list) else [payload]
        for item in items:
            printer(item)


def _file_language() -> Lang:
    try:
        _, document = read_toml(config_path(), MAX_FILE_BYTES)
    except (CancelwatchError, ValueError, OSError):
        document = {}
    return file_language(document)


pass_app = click.make_pass_decorator(App, ensure=True)


def _set_json(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.ensure_object(App).as_json = True


def json_option(help: str | None = None) -> Callable[[F], F]:
    """`--json`, per command as the README shows it (`cancelwatch check --json`); it sets
    the run's output mode rather than a parameter of its own."""
    return click.option("--json", is_flag=True, expose_value=False, callback=_set_json, help=help)


def account_option(help: str, default: str | None = None) -> Callable[[F], F]:
    return click.option("--account", "-a", default=default, show_default=bool(default), help=help)


def marketplace_option(help: str, default: str | None = None) -> Callable[[F], F]:
    return click.option(
        "--marketplace",
        "-m",
        type=click.Choice(marketplaces()),
        default=default,
        show_default=bool(default),
        help=help,
    )


def headed_option(help: str) -> Callable[[F], F]:
    return click.option("--headed", is_flag=True, help=help)
