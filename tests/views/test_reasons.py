"""Every reason code has words, and a reason reads the same whenever it is shown."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.states import Reason
from bot.sync import reasons
from bot.sync.reasons import Why
from bot.views.reasons import reason_text

AT = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
PARAMS = {
    "text": "as it was written",
    "detail": "the CRM's words",
    "crm": "Ashby",
    "sequence": "Backend Q4",
    "tries": 8,
    "user": "U0001",
    "until": AT.isoformat(),
    "at": AT.isoformat(),
    "status": "Replied",
}


@pytest.mark.parametrize("code", list(Why))
def test_every_code_has_words(code: Why) -> None:
    words = reason_text(Reason(code, PARAMS))
    assert words and words != code and "{" not in words


def test_reasons_keep_the_names_they_were_given() -> None:
    assert reason_text(reasons.mode_off("Ashby")) == (
        "Sync mode is Off, so contacts are not sent to Ashby."
    )
    assert reason_text(reasons.paused(AT, "rate limited")) == (
        "Paused until 09:30:00 UTC: rate limited"
    )
    assert reason_text(reasons.disconnected_by("U0001", AT)) == (
        "Disconnected by <@U0001> on 2026-11-23 09:30 UTC."
    )


def test_no_reason_and_an_unknown_code() -> None:
    assert reason_text(None) == "unknown reason"
    assert reason_text(Reason("from_a_newer_release")) == "from_a_newer_release"
