"""A thread that works from the start of a `with` block to its end: the samplers and the
log tail of the benchmarks."""

from __future__ import annotations

import threading
from typing import Self


class Background:
    """Runs `_run` in a daemon thread from `__enter__`; `__exit__` sets `_stop` and waits.
    `_run` loops until `_stop` is set. A subclass sets its own fields, then calls
    `super().__init__(name)`."""

    def __init__(self, name: str) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        raise NotImplementedError
