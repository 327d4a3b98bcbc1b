"""Regexes that run in linear time: RE2 (google-re2), for every pattern that meets page
text, ours or a user's. A backtracking engine can take hours on a page built for it;
RE2 cannot. It has no lookaround and no backreferences: a pattern that needs them is
refused, with the reason."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Protocol

import re2

_MAX_PATTERN = 2000
_SHOWN = 40
# Lookaround and backreferences (\1, (?P=name), \k<name>): what RE2 leaves out to stay linear.
_UNSUPPORTED = re.compile(r"\(\?<?[=!]|\\[1-9]|\(\?P=|\\k<")


class Match(Protocol):
    """The part of a match (RE2's, like `re`'s) that the readers use."""

    @property
    def re(self) -> Pattern: ...

    def group(self, index: int = 0, /) -> Any: ...

    def groupdict(self) -> dict[str, Any]: ...

    def start(self, index: int = 0, /) -> int: ...


class Pattern(Protocol):
    """A compiled RE2 pattern: `re.Pattern`'s methods, matching in linear time."""

    @property
    def pattern(self) -> str: ...

    @property
    def groups(self) -> int: ...

    @property
    def groupindex(self) -> dict[str, int]: ...

    def search(self, text: Any) -> Match | None: ...

    def fullmatch(self, text: Any) -> Match | None: ...

    def finditer(self, text: Any) -> Iterator[Match]: ...

    def findall(self, text: Any) -> list[Any]: ...

    def sub(self, repl: Any, text: Any) -> Any: ...


def linear_regex(expr: str) -> Pattern:
    """`expr` compiled by RE2. Raises ValueError saying why RE2 cannot run it."""
    if len(expr) > _MAX_PATTERN:
        raise ValueError(f"a regex of {len(expr)} characters is too long (at most {_MAX_PATTERN})")
    options = re2.Options()
    options.log_errors = False
    try:
        compiled: Pattern = re2.compile(expr, options)
    except re2.error as exc:
        said = exc.args[0] if exc.args else "invalid"
        reason = said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)
        hint = ""
        if _UNSUPPORTED.search(expr):
            hint = (
                "; cancelwatch runs regexes in linear time (RE2), which has no lookaround "
                "(?= (?! (?<= (?<! and no backreferences: rewrite it without them"
            )
        raise ValueError(f"bad regex {_shown(expr)}: {reason}{hint}") from None
    return compiled


def _shown(expr: str) -> str:
    return repr(expr if len(expr) <= _SHOWN else expr[:_SHOWN] + "…")
