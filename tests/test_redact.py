"""The copy of a failed page kept for a bug report has no personal data and still reads."""

from __future__ import annotations

import stat

from cancelwatch.scraper.browse.redact import keep_failed_page, redact
from cancelwatch.scraper.read.parse import parse_page
from tests.pages import REAL

LIST_2024 = (REAL / "orders" / "order-history-2024-0.html").read_text(encoding="utf-8")
DETAILS = (REAL / "orders" / "order-details-112-9685975-5907428.html").read_text(encoding="utf-8")


def test_names_addresses_emails_and_tokens_are_taken_out():
    # Each of these is on the real pages: the shipping name and address, the gift-card
    # recipient's email, the archive link's token, a session id in a script.
    for page, personal in (
        (DETAILS, ["Alex Laird", "555 My Road", "Chicago, IL 60007", "ending in 1234"]),
        (LIST_2024, ["contact@alexlaird.com", "token=142-", "ue_sid"]),
    ):
        assert all(p in page for p in personal)
        kept = redact(page)
        assert [p for p in personal if p in kept] == []


def test_the_redacted_page_still_reads_the_same_orders():
    before = parse_page(LIST_2024, "amazon.com")
    after = parse_page(redact(LIST_2024), "amazon.com")
    assert [o.id for o in after.orders] == [o.id for o in before.orders]
    assert [o.total for o in after.orders] == [o.total for o in before.orders]


def test_kept_page_is_private_to_its_owner(tmp_path, monkeypatch):
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path))
    path = keep_failed_page(LIST_2024, "amazon.com")
    assert path.parent == tmp_path / "failed-pages"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "contact@alexlaird.com" not in path.read_text(encoding="utf-8")
