"""config.toml: typed, every key known, checked by meaning; every error one line naming the
file and the key, exit 2; defaults explained by `cancelwatch config`."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from dataclasses import fields
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from cancelwatch.scheduler.cli.main import cli, run
from cancelwatch.scheduler.config import schema
from cancelwatch.scheduler.config.settings import (
    Account,
    AlertSettings,
    BrowserSettings,
    MailSettings,
    NotifySettings,
    QuietHours,
    ServeSettings,
    WatchSettings,
    load_config,
    save_account,
    validate_account,
)
from cancelwatch.scheduler.policy.assess import Rules
from cancelwatch.scraper.browse.options import CrawlOptions
from cancelwatch.scraper.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
TABLES_OF_THE_FILE: list[type[BaseModel]] = [
    schema.AccountTable, schema.BrowserTable, schema.CrawlTable, schema.WatchTable,
    schema.AlertsTable, schema.QuietTable, schema.NotifyTable, schema.RulesTable,
    schema.ServeTable, schema.MailTable,
]  # fmt: skip


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def cancelwatch(*args: str) -> tuple[int, str, str]:
    with CliRunner().isolation() as streams:
        code = run(cli, list(args))
        out, err = streams[0].getvalue(), streams[1].getvalue()
    return code, out.decode(), err.decode()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path))
    return tmp_path


def _refused(home: Path) -> str:
    """Run `cancelwatch config`, expect exit 2 and one line naming the file; the line."""
    code, out, err = cancelwatch("config")
    assert code == 2, out
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err, err
    prefix = f"cancelwatch: error: {home / 'config.toml'}: "
    assert err.startswith(prefix), err
    return err.removeprefix(prefix).rstrip("\n")


# -- good files ---------------------------------------------------------------------------


def test_missing_file_gives_the_defaults(tmp_path):
    cfg = load_config(tmp_path / "config.toml")
    assert cfg.source is None and cfg.accounts == {}
    assert cfg.alerts.cancel_leads == (
        timedelta(hours=24),
        timedelta(hours=3),
        timedelta(minutes=30),
    )
    assert cfg.alerts.return_leads == (timedelta(days=3), timedelta(days=1))
    assert cfg.quiet_hours is None


def test_full_file(tmp_path):
    path = _write(
        tmp_path,
        """
[accounts.main]
marketplace = "amazon.com"
[crawl]
delay_seconds = 5
refresh_hours = 0
[watch]
interval_minutes = 15
[alerts]
cancel_leads = ["30m", "12h"]
[quiet_hours]
start = "22:30"
end = "07:00"
timezone = "Asia/Tokyo"
[notify]
apprise = ["ntfy://cancelwatch-topic"]
language = "ja"
""",
    )
    cfg = load_config(path)
    assert cfg.accounts["main"] == Account("main", "amazon.com")
    assert cfg.crawl.delay_seconds == 5
    assert cfg.crawl.refresh_hours == 0  # every page read on every check
    assert cfg.watch.interval_minutes == 15
    assert cfg.alerts.cancel_leads == (timedelta(hours=12), timedelta(minutes=30))
    assert cfg.quiet_hours == QuietHours(time(22, 30), time(7, 0), "Asia/Tokyo")
    assert cfg.notify.apprise == ("ntfy://cancelwatch-topic",)
    assert cfg.notify.language == "ja"
    assert "crawl.delay_seconds" in cfg.set_keys and "crawl.max_pages" not in cfg.set_keys


def _readme_config() -> str:
    """The toml blocks of the README's "Configuration" and "Windows and alerts" sections,
    with their commented-out keys switched on."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("### Configuration")
    end = readme.index("\n## ", readme.index("## Windows and alerts"))
    blocks = re.findall(r"```toml\n(.*?)```", readme[start:end], re.DOTALL)
    assert len(blocks) == 2
    return re.sub(r"(?m)^# (\w+ = )", r"\1", "\n".join(blocks))


def test_the_readme_example_config_loads_with_every_documented_key(home):
    (home / "config.toml").write_text(_readme_config(), encoding="utf-8")
    code, out, err = cancelwatch("config", "--json")
    assert code == 0, err
    values = {v["key"]: v["value"] for v in json.loads(out)["values"]}
    documented = set(re.findall(r"(?m)^(\w+) = ", _readme_config()))
    shown = {key.rsplit(".", 1)[-1] for key in values}
    assert documented <= shown
    assert values["accounts.main.base_url"] == "http://127.0.0.1:8080"
    assert values["browser.executable"] == "/usr/bin/chromium"
    assert values["quiet_hours.start"] == "22:00"
    assert values["quiet_hours.timezone"] == "Asia/Tokyo"
    assert values["watch.interval_minutes"] == 30
    assert values["rules.preorder_offsets"] == {"B0XXXXXXXX": "90d"}
    assert values["alerts.return_leads"] == ["3d", "1d"]


def test_config_shows_an_apprise_url_without_its_token(home):
    (home / "config.toml").write_text(
        '[notify]\napprise = ["mailto://me:s3cret-pass@example.com", "ntfy://t0ken-topic"]\n',
        encoding="utf-8",
    )
    code, out, err = cancelwatch("config")
    assert code == 0, err
    assert 'notify.apprise = ["mailto://(hidden)", "ntfy://(hidden)"]' in out
    assert "s3cret" not in out and "t0ken" not in out


def test_a_utf8_byte_order_mark_and_toml_local_times_are_accepted(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xef\xbb\xbf[quiet_hours]\nstart = 22:00:00\nend = 07:30:00\n")
    assert load_config(path).quiet_hours == QuietHours(time(22, 0), time(7, 30))


def test_the_schema_has_exactly_the_fields_of_the_typed_config():
    """A field added to a dataclass is one the file can set, and nothing else is."""
    typed = [Account, BrowserSettings, CrawlOptions, WatchSettings, AlertSettings, QuietHours,
             NotifySettings, Rules, ServeSettings, MailSettings]  # fmt: skip
    # An account's name is its table's key; the rules' account-risk numbers are in [alerts].
    not_in_file = {Account: {"name"}, Rules: {"account_risk_threshold", "account_risk_days"}}
    for table, kind in zip(TABLES_OF_THE_FILE, typed, strict=True):
        expected = {f.name for f in fields(kind)} - not_in_file.get(kind, set())
        assert set(table.model_fields) == expected, table


# -- bad values, through `cancelwatch config` --------------------------------------------

TOO_DEEP = "x = " + "[" * 50_000 + "]" * 50_000 + "\n"


@pytest.mark.parametrize(
    ("text", "where", "allowed"),
    [
        # each one the reviewer met (issue 7)
        ("accounts = 5\n", "accounts:", "like [accounts.main], got 5"),
        ("[alerts]\ncancel_leads = ['99999999999d']\n", "[alerts] cancel_leads:", "1m to 30d"),
        ("[rules]\npreorder_lead = '99999999999d'\n", "[rules] preorder_lead:", "0s to 90d"),
        ("[alerts]\ncancel_leads = ['0s']\n", "[alerts] cancel_leads:", 'got "0s"'),
        ("[crawl]\ndelay_seconds = nan\n", "[crawl] delay_seconds:", "from 1 to 60"),
        ("[watch]\ninterval_minutes = nan\n", "[watch] interval_minutes:", "got nan"),
        ("[watch]\ninterval_minutes = inf\n", "[watch] interval_minutes:", "got inf"),
        ("[watch]\ninterval_minutes = 0\n", "[watch] interval_minutes:", "Amazon account"),
        (
            "[quiet_hours]\nstart = '22:00+09:00'\nend = '07:00'\n",
            "[quiet_hours] start:",
            'HH:MM, like "22:00", got "22:00+09:00"',
        ),
        # types
        ("[crawl]\ndelay_seconds = 'slow'\n", "[crawl] delay_seconds:", 'got "slow"'),
        ("[crawl]\nmax_pages = 2.5\n", "[crawl] max_pages:", "whole number of pages"),
        ("[browser]\nblock_resources = 1\n", "[browser] block_resources:", "true or false"),
        ("[alerts]\ncancel_leads = '3h'\n", "[alerts] cancel_leads:", "a list of up to 10"),
        ("[notify]\nlanguage = 'fr'\n", "[notify] language:", '"ja" or "en", got "fr"'),
        ("crawl = [1, 2]\n", "crawl:", "a table like [crawl]"),
        # meaning
        ("[crawl]\ndelay_seconds = 0.5\n", "[crawl] delay_seconds:", "gentle on Amazon"),
        ("[crawl]\nretries = -1\n", "[crawl] retries:", "from 0 to 10, got -1"),
        (
            "[crawl]\nrefresh_hours = 25\n",
            "[crawl] refresh_hours:",
            "hours from 0 to 24 (0 reads every page on every check), got 25",
        ),
        ("[crawl]\nmax_pages = 99999999999999999999\n", "[crawl] max_pages:", "a huge number"),
        ("[watch]\ninterval_minutes = 4.9\n", "[watch] interval_minutes:", "from 5 to 1440"),
        ("[watch]\njitter_seconds = -5\n", "[watch] jitter_seconds:", "from 0 to 3600"),
        ("[watch]\ndispatch_seconds = 0\n", "[watch] dispatch_seconds:", "from 1 to 3600"),
        ("[alerts]\nreturn_leads = ['-1d']\n", "[alerts] return_leads:", "1m to 60d"),
        ("[alerts]\ncancel_leads = ['3h', '3h']\n", "[alerts] cancel_leads:", "3h twice"),
        (
            "[alerts]\ncancel_leads = [" + ", ".join(f"'{h}h'" for h in range(1, 12)) + "]\n",
            "[alerts] cancel_leads:",
            "a list of up to 10 durations, like",
        ),
        (
            "[notify]\napprise = [" + ", ".join(f"'ntfy://t{i}'" for i in range(21)) + "]\n",
            "[notify] apprise:",
            "up to 20 Apprise URLs",
        ),
        ("[alerts]\naccount_risk_days = 0\n", "[alerts] account_risk_days:", "from 1 to 365"),
        ("[quiet_hours]\nstart = '25:00'\nend = '07:00'\n", "[quiet_hours] start:", "HH:MM"),
        ("[quiet_hours]\nstart = '7:00pm'\nend = '07:00'\n", "[quiet_hours] start:", "HH:MM"),
        ("[quiet_hours]\nstart = '22:00'\n", "[quiet_hours] end:", "missing; expected"),
        ("[quiet_hours]\nstart = '22:00'\nend = '22:00'\n", "quiet_hours:", "never begin"),
        (
            "[quiet_hours]\nstart = '22:00'\nend = '07:00'\ntimezone = 'Mars/Olympus'\n",
            "[quiet_hours] timezone:",
            'a time-zone name like "Asia/Tokyo"',
        ),
        (
            "[quiet_hours]\nstart = '22:00'\nend = '07:00'\ntimezone = 'asia/tokyo'\n",
            "[quiet_hours] timezone:",
            'did you mean "Asia/Tokyo"?',
        ),
        (
            "[accounts.x]\nmarketplace = 'amazon.de'\n",
            "[accounts.x] marketplace:",
            'one of amazon.ca, amazon.co.jp, amazon.co.uk, amazon.com, got "amazon.de"',
        ),
        ("[accounts.x]\nbase_url = 'file:///etc/passwd'\n", "[accounts.x] base_url:", "http://"),
        ('[accounts."a\\u0007b"]\n', "accounts:", "account name (1 to 64 characters"),
        # An account name is also a file name (sessions/NAME.session): never a path.
        ('[accounts."../../x"]\n', "accounts:", "account name that can name a file"),
        ('[accounts."a/b"]\n', "accounts:", "account name that can name a file"),
        ('[accounts.".hidden"]\n', "accounts:", "not starting with a dot"),
        ("[browser]\nexecutable = ''\n", "[browser] executable:", "path of a Chromium"),
        (
            "[rules]\nseller_window = { 'amazon.de' = '5m' }\n",
            "[rules] seller_window:",
            'got "amazon.de"',
        ),
        (
            "[rules]\npreorder_offsets = { 'B0X' = 'soon' }\n",
            "[rules] preorder_offsets.B0X:",
            'a duration from 0s to 365d, like "30m", "3h" or "3d", got "soon"',
        ),
        ("[rules]\nkindle_refund_days = 0\n", "[rules] kindle_refund_days:", "from 1 to 90"),
        # unknown keys: the old message, and the keys allowed there
        ("[crawl]\ndelay = 1\n", "unknown key crawl.delay", "(known in [crawl]: delay_seconds,"),
        ("[nope]\n", "unknown key nope", "(known: accounts, alerts, browser,"),
        ("[accounts.x]\nregion = 'jp'\n", "unknown key accounts.x.region", "[accounts.x]"),
        ("[rules]\nkindle_days = 7\n", "unknown key rules.kindle_days", "kindle_refund_days"),
        # the file itself
        ("[crawl\n", "not valid TOML", "line 1"),
        ("x = " + "9" * 5000 + "\n", "not valid TOML", "digits"),
        (TOO_DEEP, "tables and lists are nested too deep", "3 at most"),
        ("x = " + "[" * 9 + "]" * 9 + "\n", "tables and lists are nested", "(more than 8 levels)"),
    ],
)
def test_a_bad_config_is_refused_in_one_line_naming_file_and_key(home, text, where, allowed):
    (home / "config.toml").write_text(text, encoding="utf-8")
    message = _refused(home)
    assert message.startswith(where), message
    assert allowed in message, message


def test_several_problems_are_counted_after_the_first(home):
    (home / "config.toml").write_text("[crawl]\nmax_pages = 0\nretries = -1\n")
    message = _refused(home)
    assert message.startswith("[crawl] max_pages:") and message.endswith("(and 1 more problem)")


def test_an_apprise_url_is_never_repeated_in_an_error(home):
    (home / "config.toml").write_text(
        '[notify]\napprise = ["slack://T0KEN/s3cret nope"]\n', encoding="utf-8"
    )
    message = _refused(home)
    assert message.startswith("[notify] apprise:") and "slack://" in message
    assert "T0KEN" not in message and "s3cret" not in message
    (home / "config.toml").write_text('[notify]\napprise = "ntfy://t0ken"\n', encoding="utf-8")
    assert "t0ken" not in _refused(home)


def test_a_config_that_is_not_utf8_names_the_line(home):
    (home / "config.toml").write_bytes(b'[notify]\nlanguage = "ja"\n# \x83L\x83\x83\x83\x93\n')
    assert _refused(home) == "line 3 is not UTF-8 text (byte 0x83); save the file as UTF-8"


def test_a_config_that_is_too_large_is_refused_unread(home):
    (home / "config.toml").write_bytes(b"# " + b"x" * 2_000_000 + b"\n")
    assert "is larger than 1000 KB" in _refused(home)


def test_a_config_that_is_a_directory_is_refused(home):
    (home / "config.toml").mkdir()
    assert _refused(home).startswith("is a directory, not a file")


def test_a_config_link_to_nowhere_is_refused(home):
    (home / "config.toml").symlink_to(home / "gone.toml")
    assert _refused(home) == "is a link to a file that does not exist"


def test_a_config_that_is_a_fifo_is_refused_without_waiting(tmp_path):
    os.mkfifo(tmp_path / "config.toml")
    done = subprocess.run(
        [sys.executable, "-m", "cancelwatch.scheduler.cli", "config"],
        env={**os.environ, "CANCELWATCH_HOME": str(tmp_path), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,  # a blocked open would wait for a writer for ever
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == (
        f"cancelwatch: error: {tmp_path / 'config.toml'}: is a named pipe (FIFO), not a "
        "file; cancelwatch reads only regular files\n"
    )


def test_every_command_refuses_a_bad_config_the_same_way(home):
    (home / "config.toml").write_text("[watch]\ninterval_minutes = 0\n", encoding="utf-8")
    for command in (["status"], ["check"], ["watch"], ["advise", "111-1111111-1111111"]):
        code, _, err = cancelwatch(*command)
        assert code == 2, command
        assert "[watch] interval_minutes: expected a number of minutes from 5" in err, command


# -- many bad values: only ConfigError, always one line -----------------------------------

# Bad for every key of their kind (a zero is allowed for some: retries, jitter).
BAD_NUMBERS = [math.nan, math.inf, -math.inf, -1, -0.5, 1e308, 10**30, "5", "nan", True, [], {}]
BAD_DURATIONS = ["-1h", "99999999999d", "1e9d", "", "3 weeks", "nan", "inf d", "1..5h",
                 "５h", 5, 1.5, False, ["3h"], {"h": 3}, "3h" * 40]  # fmt: skip
BAD_TIMES = ["24:00", "22:00:00", "22:00+09:00", "22", "-1:00", "2200", "", 2200, True, ["22:00"]]
BAD_ZONES = ["", "Asia", "../etc/passwd", "/etc/localtime", "Asia/Tokyo\x00", "zone.tab", 9]
NUMBER_KEYS = {
    "crawl": ["delay_seconds", "max_pages", "retries", "timeout_seconds", "render_wait_seconds",
              "lookback_days", "refresh_hours"],
    "watch": ["interval_minutes", "jitter_seconds", "dispatch_seconds"],
    "alerts": ["account_risk_threshold", "account_risk_days"],
    "rules": ["kindle_refund_days"],
}  # fmt: skip


def _toml(value: object) -> str:
    """A TOML inline value (tomllib reads, nothing writes, so the tests carry their own)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return schema.quoted(value)
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    assert isinstance(value, dict)
    inner = ", ".join(f"{schema.toml_key(k)} = {_toml(v)}" for k, v in value.items())
    return "{ " + inner + " }"


def _bad_values() -> list[tuple[str, str]]:
    cases = []
    for section, keys in NUMBER_KEYS.items():
        cases += [(f"[{section}]\n{k} = {_toml(v)}\n", f"[{section}] {k}")
                  for k in keys for v in BAD_NUMBERS]  # fmt: skip
    for value in BAD_DURATIONS:
        cases += [
            (f"[alerts]\ncancel_leads = [{_toml(value)}]\n", "[alerts] cancel_leads"),
            (f"[alerts]\nreturn_leads = [{_toml(value)}]\n", "[alerts] return_leads"),
            (f"[rules]\npreorder_lead = {_toml(value)}\n", "[rules] preorder_lead"),
            (f"[rules]\nseller_window = {{ 'amazon.com' = {_toml(value)} }}\n",
             '[rules] seller_window."amazon.com"'),
        ]  # fmt: skip
    for value in BAD_TIMES:
        cases.append((f"[quiet_hours]\nstart = {_toml(value)}\nend = '07:00'\n",
                      "[quiet_hours] start"))  # fmt: skip
    for value in BAD_ZONES:
        cases.append((f"[quiet_hours]\nstart = '22:00'\nend = '07:00'\ntimezone = {_toml(value)}\n",
                      "[quiet_hours] timezone"))  # fmt: skip
    for key in ("marketplace", "base_url"):
        cases += [(f"[accounts.a]\n{key} = {_toml(v)}\n", f"[accounts.a] {key}")
                  for v in ["", "x", 5, True, [], "http://", "javascript:alert(1)"]]  # fmt: skip
    return cases


def test_a_table_of_bad_values_each_gives_one_line_naming_the_key(tmp_path):
    cases = _bad_values()
    assert len(cases) > 200
    for text, where in cases:
        path = _write(tmp_path, text)
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        message = str(caught.value)
        assert message.startswith(f"{path}: {where}: "), (text, message)
        assert "\n" not in message and len(message) < 400, (text, message)


KNOWN_SECTIONS = sorted(schema.ConfigFile.model_fields)
KNOWN_KEYS = sorted({key for table in TABLES_OF_THE_FILE for key in table.model_fields})
SCALARS = (
    st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(["3h", "0s", "22:00", "99999999999d", "Asia/Tokyo", "amazon.com", "-1m"])
    | st.times()
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KNOWN_KEYS) | st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
TABLES = st.dictionaries(st.sampled_from(KNOWN_KEYS) | st.text(max_size=8), VALUES, max_size=4)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document=st.dictionaries(st.sampled_from(KNOWN_SECTIONS), TABLES | VALUES, max_size=4))
def test_random_documents_load_or_fail_in_one_line(tmp_path, document):
    path = _write(tmp_path, "\n".join(f"{schema.toml_key(k)} = {_toml(v)}"
                                      for k, v in document.items()))  # fmt: skip
    try:
        load_config(path)
    except ConfigError as exc:
        message = str(exc)
        assert message.startswith(f"{path}: ") and "\n" not in message and len(message) < 600


# -- durations and quiet hours ------------------------------------------------------------


def test_quiet_hours_over_midnight_in_their_time_zone():
    quiet = QuietHours(time(22, 0), time(7, 0), "Asia/Tokyo")
    assert quiet.covers(datetime(2026, 11, 26, 14, 0, tzinfo=UTC))  # 23:00 in Tokyo
    assert not quiet.covers(datetime(2026, 11, 26, 22, 0, tzinfo=UTC))  # 07:00 in Tokyo
    assert quiet.ends_after(datetime(2026, 11, 26, 14, 0, tzinfo=UTC)) == datetime(
        2026, 11, 26, 22, 0, tzinfo=UTC
    )


# -- [rules] ------------------------------------------------------------------------------


def test_rules_section_sets_the_policy(tmp_path):
    path = _write(
        tmp_path,
        """
[rules]
seller_window = { "amazon.co.jp" = "10m" }
kindle_refund_days = 5
preorder_lead = "3d"
preorder_offsets = { "B0SAMPLE01" = "90d", "限定版" = "60d" }
[alerts]
account_risk_threshold = 5
""",
    )
    rules = load_config(path).rules
    assert rules.seller_window["amazon.co.jp"] == timedelta(minutes=10)
    assert rules.seller_window["amazon.com"] == timedelta(minutes=30)  # the default stays
    assert rules.kindle_refund_days == 5
    assert rules.preorder_lead == timedelta(days=3)
    assert rules.preorder_offsets == {
        "B0SAMPLE01": timedelta(days=90),
        "限定版": timedelta(days=60),
    }
    assert rules.account_risk_threshold == 5


# -- save_account -------------------------------------------------------------------------


def test_save_account_keeps_the_rest_of_the_file(tmp_path):
    path = _write(
        tmp_path,
        "# my settings\n[crawl]\ndelay_seconds = 3\n\n"
        '[accounts.main]  # the family one\nmarketplace = "amazon.com"\n',
    )
    save_account(Account("main", "amazon.co.jp", "http://127.0.0.1:9"), path)
    save_account(Account("other"), path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# my settings\n[crawl]\ndelay_seconds = 3\n")
    cfg = load_config(path)
    assert cfg.accounts["main"] == Account("main", "amazon.co.jp", "http://127.0.0.1:9")
    assert cfg.accounts["other"] == Account("other", "amazon.co.jp")
    assert cfg.crawl.delay_seconds == 3
    assert path.stat().st_mode & 0o777 == 0o600  # it may hold Apprise tokens


def test_save_account_quotes_a_name_toml_cannot_write_bare(tmp_path):
    path = tmp_path / "config.toml"
    for name in ("妻", "my account", "it's", "a.b"):
        save_account(Account(name, "amazon.com"), path)
    assert set(load_config(path).accounts) == {"妻", "my account", "it's", "a.b"}


@pytest.mark.parametrize(
    ("text", "account", "message"),
    [
        ("[watch]\ninterval_minutes = 1\n", Account("a"), "[watch] interval_minutes"),
        ("[crawl\n", Account("a"), "not valid TOML"),
        ('[accounts."a"]\nmarketplace = "amazon.com"\n', Account("a"), "add it by hand"),
        ("", Account("a\nb"), "accounts: expected an account name"),
        ("", Account("a", "amazon.de"), "[accounts.a] marketplace"),
    ],
)
def test_save_account_never_writes_a_file_it_cannot_read_back(tmp_path, text, account, message):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError, match=re.escape(message)):
        save_account(account, path)
    assert path.read_text(encoding="utf-8") == text


def test_an_account_is_checked_before_anything_is_written(tmp_path):
    path = tmp_path / "config.toml"
    validate_account(Account("main", "amazon.com", "http://127.0.0.1:8080"), path)
    with pytest.raises(ConfigError, match=r"\[accounts.main\] base_url: expected an http"):
        validate_account(Account("main", "amazon.com", "ftp://127.0.0.1"), path)
    with pytest.raises(ConfigError, match="expected an account name"):
        validate_account(Account(" main"), path)
    with pytest.raises(ConfigError, match="can name a file"):
        validate_account(Account("../../elsewhere"), path)
    assert not path.exists()


SAVER = """
import sys
from pathlib import Path
from cancelwatch.scheduler.config.settings import Account, save_account
path, prefix = Path(sys.argv[1]), sys.argv[2]
for i in range(15):
    save_account(Account(f"{prefix}{i}", "amazon.com"), path)
"""


def test_two_logins_at_once_keep_both_accounts(tmp_path):
    path = _write(tmp_path, "[crawl]\nretries = 2\n")
    savers = [
        subprocess.Popen([sys.executable, "-c", SAVER, str(path), prefix], cwd=ROOT)
        for prefix in ("a", "b")
    ]
    assert [p.wait(timeout=120) for p in savers] == [0, 0]
    cfg = load_config(path)
    assert set(cfg.accounts) == {f"{p}{i}" for p in "ab" for i in range(15)}
    assert cfg.crawl.retries == 2


def test_saving_an_account_into_a_linked_config_keeps_the_link(tmp_path):
    """A config kept elsewhere (a dotfiles repository) and linked into place stays linked."""
    kept = tmp_path / "dotfiles" / "config.toml"
    kept.parent.mkdir()
    kept.write_text("[crawl]\ndelay_seconds = 3\n", encoding="utf-8")
    link = tmp_path / "config.toml"
    link.symlink_to(kept)

    save_account(Account("main", "amazon.com"), link)

    assert link.is_symlink()
    assert "[accounts.main]" in kept.read_text(encoding="utf-8")
    assert "delay_seconds = 3" in kept.read_text(encoding="utf-8")
