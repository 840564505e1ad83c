"""Email activity tracking (PRODUCT.md rule 8): each email event of a synced contact is written
to the CRM once; activity from before the connection is left out by normal syncing."""

from __future__ import annotations

import pytest

from tests.scenarios.matrix.profiles import crms
from tests.scenarios.matrix.recruiter import LONG_AGO, Recruiter, added, emailed

KINDS = ("sent", "opened", "clicked", "replied", "bounced")


@pytest.mark.parametrize("crm", crms())
async def test_email_activity(crm: str, me: Recruiter) -> None:
    await me.connect()  # activity tracking is on by default
    await me.send(added("amy@acme.com"), emailed("sent", "amy@acme.com", at=LONG_AGO))
    events = [emailed(kind, "amy@acme.com") for kind in KINDS]
    await me.send(*events)
    await me.settle()
    amy = me.record("amy@acme.com")
    assert len(me.crm.activities_of(amy)) == len(KINDS)

    assert (await me.send(*events))["duplicates"] == len(events)
    await me.settle()
    assert len(me.crm.activities_of(amy)) == len(KINDS)
