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

ERROR_PREFIX = {"en": "cancelwatch: error: ", "ja": "cancelwatch: エラー: "}
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


# -- what is wrong with the file ---------------------------------------------------------


def _refused(home: Path, document: str) -> str:
    """`cancelwatch config` on `document`: exit 2 and one line naming the file; the rest."""
    path = home / "config.toml"
    path.write_text(document, encoding="utf-8")
    code, out, err = cancelwatch("config")
    assert (code, out, err.count("\n")) == (2, "", 1), err
    # The line's prefix in the language of the message it leads.
    lang = "ja" if err.startswith("cancelwatch: エラー: ") else "en"
    prefix = f"{ERROR_PREFIX[lang]}{path}: "
    assert err.startswith(prefix), err
    said = err.removeprefix(prefix).rstrip("\n")
    assert bool(re.search("[\u3040-\u30ff]", said)) == (lang == "ja"), err
    return said


def test_a_wrong_value_is_told_in_the_files_language(home: Path) -> None:
    said = _refused(home, '[notify]\nlanguage = "ja"\n[watch]\ninterval_minutes = 1\n')
    assert said == (
        "[watch] interval_minutes: 5から1440までの数（分。5分より短い間隔で確認すると、"
        "Amazonアカウントに本人確認を求められたり、ロックされたりすることがあります）を"
        "書いてください（書かれているのは1）"
    )


@pytest.mark.parametrize(
    ("document", "ja", "en"),
    [
        (
            "[crawl]\nmax_pages = 0\n",
            "[crawl] max_pages: 1から500までの整数（ページ数）を書いてください"
            "（書かれているのは0）",
            "[crawl] max_pages: expected a whole number of pages from 1 to 500, got 0",
        ),
        (
            '[notify]\nlanguage = "fr"\n',
            '[notify] language: "ja" か "en"を書いてください（書かれているのは"fr"）',
            '[notify] language: expected "ja" or "en", got "fr"',
        ),
        (
            "[watch]\nintervals = 30\n",
            "不明なキー watch.intervals（[watch]で使えるキー: dispatch_seconds, interval_minutes,"
            " jitter_seconds, max_checks_per_day, min_gap_minutes, young_every_minutes,"
            " young_for_minutes）",
            "unknown key watch.intervals (known in [watch]: dispatch_seconds, interval_minutes,"
            " jitter_seconds, max_checks_per_day, min_gap_minutes, young_every_minutes,"
            " young_for_minutes)",
        ),
        (
            '[quiet_hours]\nstart = "22:00"\nend = "22:00"\n',
            "quiet_hours: start と end がどちらも 22:00 なので、通知を控える時間が始まりません。"
            "不要なら [quiet_hours] を削除してください",
            "quiet_hours: start and end are both 22:00, so quiet hours would never begin;"
            " remove [quiet_hours] to have none",
        ),
        (
            '[alerts]\ncancel_leads = ["3h", "3h"]\n',
            "[alerts] cancel_leads: 3h が2回あります。それぞれ1回だけ書いてください",
            "[alerts] cancel_leads: lists 3h twice; give each lead once",
        ),
        (
            '[alerts]\ncancel_leads = ["3h", "3h"]\n[browser]\nblock_resources = "yes"\n',
            '[browser] block_resources: true か falseを書いてください（書かれているのは"yes"）'
            "（ほかに1件の問題があります）",
            '[browser] block_resources: expected true or false, got "yes" (and 1 more problem)',
        ),
    ],
)
def test_the_locale_words_a_file_that_does_not_choose(
    home: Path, monkeypatch: pytest.MonkeyPatch, document: str, ja: str, en: str
) -> None:
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    assert _refused(home, document) == ja
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert _refused(home, document) == en


def test_a_secret_is_not_repeated_in_japanese_either(home: Path) -> None:
    said = _refused(home, '[notify]\nlanguage = "ja"\napprise = ["ntfy://t0ken topic"]\n')
    assert said == (
        "[notify] apprise: 空白や制御文字のないApprise URLを書いてください"
        "（書かれているのは ntfy:// のURL。値はここに表示しません）"
    )


def test_serve_words_a_wrong_port_in_the_users_language(home: Path) -> None:
    (home / "config.toml").write_text('[notify]\nlanguage = "ja"\n', encoding="utf-8")
    code, _, err = cancelwatch("serve", "--port", "80")
    assert code == 2
    assert (
        "--port: 1024から65535までの整数（ポート番号）を書いてください（書かれているのは80）" in err
    )
