"""Which statuses an activity calls for, and which are missing from a CRM account."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.connectors.base import CrmStatus
from bot.storage.models import Activity
from bot.sync.statuses import missing_statuses, targets_of


def activity(kind: str, sentiment: str | None = None) -> Activity:
    return Activity(kind=kind, sentiment=sentiment, occurred_at=datetime.now(UTC))


def test_targets_follow_the_conversation() -> None:
    assert targets_of(activity("sent")) == ["Messaged"]
    assert targets_of(activity("replied")) == ["Replied"]
    assert targets_of(activity("replied", "interested")) == ["Replied", "Interested"]
    assert targets_of(activity("replied", "not_interested")) == ["Replied", "Not Interested"]
    assert targets_of(activity("opened")) == []


def test_missing_statuses_need_exact_names() -> None:
    available = [
        CrmStatus("1", "Messaged"),
        CrmStatus("2", "replied"),
        CrmStatus("3", "Interested"),
    ]
    assert missing_statuses(available) == ["Replied", "Not Interested"]
