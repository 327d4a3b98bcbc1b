"""Files cancelwatch is handed (saved pages, config.toml, selector overrides), read within
bounds: regular files only, never blocking, never read past a limit, and TOML documents
parsed with every way they can fail turned into one line.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cancelwatch.scraper.errors import ConfigError, UnreadableFile, UsageError

MAX_TOML_DEPTH = 8
"""Tables and lists nested deeper than this are refused: our files need 3 at most, and
tomllib recurses once per level."""

_ONLY_REGULAR = "cancelwatch reads only regular files"
_SPECIAL = (
    (stat.S_ISDIR, "is a directory, not a file"),
    (stat.S_ISFIFO, f"is a named pipe (FIFO), not a file; {_ONLY_REGULAR}"),
    (stat.S_ISSOCK, f"is a socket, not a file; {_ONLY_REGULAR}"),
    (stat.S_ISCHR, f"is a device, not a file; {_ONLY_REGULAR}"),
    (stat.S_ISBLK, f"is a device, not a file; {_ONLY_REGULAR}"),
)


def read_regular_file(
    path: Path, limit: int, too_big: Callable[[Path, str], str] | None = None
) -> bytes:
    """At most `limit` bytes of the regular file at `path`, without ever blocking: a FIFO, a
    socket, a device (/dev/zero, /dev/urandom) or a directory is refused in one line, and a
    file is never read past `limit` + 1 bytes. Raises UnreadableFile."""
    say = too_big or (lambda p, size: f"{p}: the file is {size}, more than cancelwatch reads")
    try:
        _refuse_special(path, path.stat().st_mode)
        # O_NONBLOCK: should the path turn into a FIFO between stat and open, open returns.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(fd, "rb") as fh:
            info = os.fstat(fh.fileno())
            _refuse_special(path, info.st_mode)
            if info.st_size > limit:
                raise UnreadableFile(say(path, _megabytes(info.st_size)))
            data = fh.read(limit + 1)
    except FileNotFoundError:
        what = "is a link to a file that does not exist" if path.is_symlink() else "no such file"
        raise UnreadableFile(f"{path}: {what}") from None
    except PermissionError:
        raise UnreadableFile(f"{path}: permission denied") from None
    except OSError as exc:
        raise UnreadableFile(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:  # a file that grew, or one (in /proc) whose size says nothing
        raise UnreadableFile(say(path, f"more than {_megabytes(limit)}"))
    return data


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def _refuse_special(path: Path, mode: int) -> None:
    for test, what in _SPECIAL:
        if test(mode):
            raise UnreadableFile(f"{path}: {what}")
    if not stat.S_ISREG(mode):
        raise UnreadableFile(f"{path}: not a regular file; {_ONLY_REGULAR}")


def read_toml(
    path: Path, limit: int, too_big: Callable[[Path, str], str] | None = None
) -> tuple[str, dict[str, Any]]:
    """The text of a TOML file and its document. Raises ConfigError in one line for a file
    that is not a regular file, too large, not UTF-8, not TOML or nested too deep."""
    try:
        data = read_regular_file(path, limit, too_big)
    except UsageError as exc:
        raise ConfigError(str(exc)) from None
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")  # Notepad's byte-order mark
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}: line {line} is not UTF-8 text (byte 0x{data[exc.start]:02x}); "
            "save the file as UTF-8"
        ) from None
    return text, parse_toml(text, path)


def parse_toml(text: str, path: Path) -> dict[str, Any]:
    """`text` as a TOML document, or ConfigError naming `path`."""
    try:
        document = tomllib.loads(text)
    except RecursionError:
        document = None
    except ValueError as exc:  # TOMLDecodeError, and a number too long to convert
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    if document is None or _depth(document) > MAX_TOML_DEPTH:
        raise ConfigError(
            f"{path}: tables and lists are nested too deep (more than {MAX_TOML_DEPTH} "
            "levels); cancelwatch's files need 3 at most"
        )
    return document


def _depth(document: dict[str, Any]) -> int:
    deepest = 0
    todo: list[tuple[dict[str, Any] | list[Any], int]] = [(document, 1)]
    while todo:
        value, level = todo.pop()
        deepest = max(deepest, level)
        if level <= MAX_TOML_DEPTH:
            children = value.values() if isinstance(value, dict) else value
            todo += [(v, level + 1) for v in children if isinstance(v, dict | list)]
    return deepest
