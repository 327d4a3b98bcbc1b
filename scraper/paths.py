"""Where cancelwatch keeps its files: platform directories, or CANCELWATCH_HOME."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "cancelwatch"


def _home() -> Path | None:
    home = os.environ.get("CANCELWATCH_HOME")
    return Path(home).expanduser() if home else None


def config_dir() -> Path:
    """config.toml and selector overrides live here."""
    home = _home()
    return home if home else Path(platformdirs.user_config_dir(APP))


def data_dir() -> Path:
    """state.db, the encrypted session and saved pages live here."""
    home = _home()
    return home if home else Path(platformdirs.user_data_dir(APP))
