"""The alert for a check that read the order list by its labels only.

The label tier (last in each fallback list; `[labels]` in the selector files, see
docs/architecture.md) reads a page whose classes and ids no selector fits any more. The
check still works, but the next change of wording would blind it: this alert tells the
user once a day per account, while there is still time to update the selectors.
"""

from __future__ import annotations

from datetime import datetime

from cancelwatch.scheduler.policy.words import Lang
from cancelwatch.scheduler.state.store import NewAlert

READ_BY_LABELS = "read_by_labels"

_TITLE = {
    "en": "Amazon changed its page; cancelwatch is reading it by its labels",
    "ja": "Amazonのページが変わり、cancelwatchは項目名を頼りに読んでいます",
}
_BODY = {
    "en": (
        "Amazon changed its page; cancelwatch is reading it by its labels: run "
        "`cancelwatch doctor` and report it. Your orders were read and checked as usual."
    ),
    "ja": (
        "Amazonのページが変わり、cancelwatchは「注文日」「合計」などの項目名を頼りに"
        "読んでいます。`cancelwatch doctor` を実行して、結果を報告してください。"
        "注文はいつもどおり読み取り、確認しました。"
    ),
}


def labels_alert(read_by_labels: bool, now: datetime, lang: Lang) -> NewAlert | None:
    """One alert a day per account when a check read some order by its labels, or None."""
    if not read_by_labels:
        return None
    # The day in `lead` makes the alerts table's unique key keep one a day.
    return NewAlert(None, READ_BY_LABELS, f"{now:%Y-%m-%d}", now, _TITLE[lang], _BODY[lang])
