"""`cancelwatch config` in the user's language (issue 12): the comments that say where
each value came from follow notify.language, or the locale; the keys, the values and the
file's path stay as config.toml writes them, and the JSON keeps its own words."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cancelwatch.scheduler.cli.main import cli, run

ASCII_WORD = re.compile(r"[A-Za-z]+")


def cancelwatch(*args: str) -> tuple[int, str, str]:
    with CliRunner().isolation() as streams:
        code = run(cli, list(args))
        out, err = streams[0].getvalue(), streams[1].getvalue()
    return code, out.decode(), err.decode()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path))
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def _written(home: Path, language: str) -> Path:
    path = home / "config.toml"
    path.write_text(
        f'[notify]\nlanguage = "{language}"\napprise = ["ntfy://t0ken-topic"]\n', encoding="utf-8"
    )
    return path


def test_the_comments_are_japanese_when_the_config_says_so(home: Path) -> None:
    path = _written(home, "ja")
    code, out, err = cancelwatch("config")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"# {path}"
    assert 'notify.language = "ja"  # ' + str(path) in lines
    assert "watch.interval_minutes = 30.0  # 既定値" in lines
    assert "quiet_hours = null  # 既定値（オフ）" in lines
    assert 'notify.apprise = ["ntfy://（非表示）"]' + f"  # {path}" in lines
    assert "t0ken" not in out
    # Past the keys, the values and the path, every comment is Japanese.
    comments = [line.rpartition("  # ")[2].replace(str(path), "") for line in lines[1:]]
    assert [c for c in comments if ASCII_WORD.search(c)] == []


def test_the_locale_words_a_missing_file(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    code, out, err = cancelwatch("config")
    assert code == 0, err
    assert (
        out.splitlines()[0] == f"# {home / 'config.toml'}（ファイルがありません。すべて既定値です）"
    )
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    _, out, _ = cancelwatch("config")
    assert out.splitlines()[0] == f"# {home / 'config.toml'} (does not exist: all defaults)"
    assert "watch.interval_minutes = 30.0  # default" in out.splitlines()


def test_the_json_keeps_its_own_words_in_japanese(home: Path) -> None:
    _written(home, "ja")
    code, out, err = cancelwatch("config", "--json")
    assert code == 0, err
    values = {row["key"]: row for row in json.loads(out)["values"]}
    assert values["watch.interval_minutes"]["from"] == "default"
    assert values["notify.apprise"]["value"] == ["ntfy://(hidden)"]
