"""The words of why a check is planned when it is (scheduler/watch/planner.py), as `status`
and the dashboard show them, in English and Japanese. Every key starts with `plan_`."""

from __future__ import annotations

from collections.abc import Mapping

EN: Mapping[str, str] = {
    "plan_first": "first check",
    "plan_interval": "regular interval",
    "plan_young": "young order, window unknown",
    "plan_lead": "before the {lead} reminder of {order_id}",
    "plan_mail": "a mail",
    "plan_dashboard": "asked for on the dashboard",
    "plan_held": "{why}, held back by {limit}",
}

JA: Mapping[str, str] = {
    "plan_first": "初回の確認",
    "plan_interval": "定期確認",
    "plan_young": "期限がまだ分からない新しい注文",
    "plan_lead": "{order_id}の{lead}前の通知に備えて",
    "plan_mail": "メールの受信",
    "plan_dashboard": "ダッシュボードからの依頼",
    "plan_held": "{why}（{limit} の制限で延期）",
}
