"""config.toml: typed, every key known, errors naming key and file, defaults explained."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from scheduler.config import Account, QuietHours, load_config, parse_duration, save_account
from scraper.errors import ConfigError


def _write(tmp_path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


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
    assert cfg.watch.interval_minutes == 15
    assert cfg.alerts.cancel_leads == (timedelta(hours=12), timedelta(minutes=30))
    assert cfg.quiet_hours == QuietHours(time(22, 30), time(7, 0), "Asia/Tokyo")
    assert cfg.notify.language == "ja"
    assert "crawl.delay_seconds" in cfg.set_keys and "crawl.max_pages" not in cfg.set_keys


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[crawl]\ndelay = 1\n", "unknown key crawl.delay"),
        ("[nope]\n", "unknown key nope"),
        ("[crawl]\ndelay_seconds = 'slow'\n", "crawl.delay_seconds: expected float"),
        ("[crawl]\nmax_pages = -1\n", "crawl.max_pages: must not be negative"),
        ("[browser]\nblock_resources = 1\n", "browser.block_resources: expected bool"),
        (
            "[accounts.x]\nmarketplace = 'amazon.de'\n",
            "accounts.x.marketplace: 'amazon.de' is not one of",
        ),
        ("[accounts.x]\nregion = 'jp'\n", "unknown key accounts.x.region"),
        ("[alerts]\ncancel_leads = ['soon']\n", "alerts.cancel_leads: expected a duration"),
        ("[alerts]\ncancel_leads = '3h'\n", "alerts.cancel_leads: expected a list"),
        ("[quiet_hours]\nstart = '22:00'\n", "quiet_hours: needs start and end"),
        ("[quiet_hours]\nstart = '25:00'\nend = '07:00'\n", "quiet_hours.start: expected a time"),
        (
            "[quiet_hours]\nstart = '22:00'\nend = '07:00'\ntimezone = 'Mars/Olympus'\n",
            "unknown time zone",
        ),
        ("[notify]\nlanguage = 'fr'\n", 'notify.language: use "ja" or "en"'),
        ("[notify]\napprise = 'ntfy://x'\n", "notify.apprise: expected a list"),
        ("[crawl\n", "not valid TOML"),
    ],
)
def test_bad_config_names_key_and_file(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(path)
    assert str(caught.value).startswith(str(path))


def test_quiet_hours_over_midnight_in_their_time_zone():
    quiet = QuietHours(time(22, 0), time(7, 0), "Asia/Tokyo")
    assert quiet.covers(datetime(2026, 11, 26, 14, 0, tzinfo=UTC))  # 23:00 in Tokyo
    assert not quiet.covers(datetime(2026, 11, 26, 22, 0, tzinfo=UTC))  # 07:00 in Tokyo
    assert quiet.ends_after(datetime(2026, 11, 26, 14, 0, tzinfo=UTC)) == datetime(
        2026, 11, 26, 22, 0, tzinfo=UTC
    )


def test_durations():
    assert parse_duration("90d") == timedelta(days=90)
    assert parse_duration("1.5h") == timedelta(minutes=90)
    with pytest.raises(ConfigError):
        parse_duration("3 weeks")


def test_save_account_keeps_the_rest_of_the_file(tmp_path):
    path = _write(
        tmp_path,
        "# my settings\n[crawl]\ndelay_seconds = 3\n\n"
        '[accounts.main]\nmarketplace = "amazon.com"\n',
    )
    save_account(Account("main", "amazon.co.jp", "http://127.0.0.1:9"), path)
    save_account(Account("other"), path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# my settings\n[crawl]\ndelay_seconds = 3\n")
    cfg = load_config(path)
    assert cfg.accounts["main"] == Account("main", "amazon.co.jp", "http://127.0.0.1:9")
    assert cfg.accounts["other"] == Account("other", "amazon.co.jp")
    assert cfg.crawl.delay_seconds == 3


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


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[rules]\nseller_window = { 'amazon.de' = '5m' }\n",
            "rules.seller_window.amazon.de: not a marketplace",
        ),
        (
            "[rules]\npreorder_offsets = { 'B0X' = 'soon' }\n",
            "rules.preorder_offsets.B0X: expected a duration",
        ),
        ("[rules]\nkindle_refund_days = 0\n", "rules: kindle_refund_days must be at least 1"),
        ("[rules]\nkindle_days = 7\n", "unknown key rules.kindle_days"),
    ],
)
def test_bad_rules(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_config(_write(tmp_path, text))
