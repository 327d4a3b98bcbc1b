"""The mail rules file: ours loads and says what MAIL facts say, and a hostile file is
refused in one line naming the file and the key."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cancelwatch.scheduler.mail.recognise import MailEvent, recognise
from cancelwatch.scheduler.mail.rules import KINDS, MAX_FILE_BYTES, load_rules
from cancelwatch.scraper.errors import ConfigError
from tests.mail_samples import SERVER, com_order

OURS = load_rules()

VALID = """
[marketplaces."amazon.com"]
domains = ["amazon.com"]
senders = ["auto-confirm"]

[subjects.en]
ordered = ['^Your order']

[order_ids]
patterns = ['([0-9]{3}-[0-9]{7}-[0-9]{7})']
"""


def test_ours_names_both_sites_senders_and_every_kind() -> None:
    by_site = {s.marketplace: s for s in OURS.senders}
    assert by_site["amazon.co.jp"].domains == ("amazon.co.jp",)
    assert {"auto-confirm", "shipment-tracking", "order-update"} <= by_site["amazon.com"].senders
    assert {r.kind for r in OURS.subjects} == set(KINDS)
    assert {r.language for r in OURS.subjects} == {"ja", "en"}
    # Tried cancelled first, ordered last: the first match wins.
    kinds = [r.kind for r in OURS.subjects]
    assert kinds == sorted(kinds, key=KINDS.index)


def test_a_file_of_the_users_own_is_used_as_written(tmp_path: Path) -> None:
    path = tmp_path / "mail.toml"
    path.write_text(VALID, encoding="utf-8")
    rules = load_rules(path)
    found = recognise(com_order(subject="Your order of a widget"), rules, SERVER)
    assert isinstance(found, MailEvent)
    assert found.kind == "ordered"
    assert rules.source == str(path)
    # Ours would not know this subject.
    assert not isinstance(recognise(com_order(subject="Your order"), OURS, SERVER), MailEvent)


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (("auto-confirm", "Auto Confirm"), "senders[0]: expected the lower-case part"),
        (
            ('"amazon.com"]\ndomains = ["amazon.com"]', '"amazon.com"]\ndomains = ["com"]'),
            "domains[0]: expected a lower-case domain",
        ),
        (('"amazon.com"]', '"amazon.zz"]'), "unknown marketplace 'amazon.zz'"),
        (("^Your order", "^Your (?<=x)order"), "no lookaround"),
        (("ordered =", "shipping ="), "unknown key 'shipping'"),
        (
            ("ordered = ['^Your order']", "ordered = '^Your order'"),
            "subjects.en.ordered: expected a list",
        ),
        (("([0-9]{3}-[0-9]{7}-[0-9]{7})", "[0-9]{3}"), "needs a group"),
        (("[subjects.en]", "[subjects.EN]"), "a language code"),
        (('senders = ["auto-confirm"]', "senders = []"), "senders: must not be empty"),
    ],
)
def test_a_hostile_rules_file_is_one_line_naming_the_file_and_key(
    tmp_path: Path, edit: tuple[str, str], says: str
) -> None:
    assert edit[0] in VALID
    path = tmp_path / "mail.toml"
    path.write_text(VALID.replace(*edit), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_rules(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert says in message
    assert "\n" not in message


def test_a_domain_belongs_to_one_marketplace(tmp_path: Path) -> None:
    path = tmp_path / "mail.toml"
    twice = '[marketplaces."amazon.co.jp"]\ndomains = ["amazon.com"]\nsenders = ["x"]\n'
    path.write_text(VALID + twice, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"already a domain of amazon\.com"):
        load_rules(path)


def test_a_huge_or_binary_file_is_refused_fast(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    started = time.perf_counter()
    for path, says in ((big, "larger than|more than"), (binary, "not UTF-8")):
        with pytest.raises(ConfigError, match=says):
            load_rules(path)
    assert time.perf_counter() - started < 1


def test_a_regex_built_to_backtrack_runs_in_linear_time(tmp_path: Path) -> None:
    path = tmp_path / "mail.toml"
    path.write_text(VALID.replace("^Your order", "^(a+)+$"), encoding="utf-8")
    rules = load_rules(path)
    started = time.perf_counter()
    found = recognise(com_order(subject="a" * 3000 + "!"), rules, SERVER)
    assert not isinstance(found, MailEvent)
    assert time.perf_counter() - started < 1
