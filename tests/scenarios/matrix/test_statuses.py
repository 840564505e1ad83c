"""Status advance (PRODUCT.md rule 11, Crelate's help page): the first email sent moves the
record to "Messaged", a reply to "Replied", its sentiment to "Interested" / "Not Interested",
on the job of the contact's sequence. Only Crelate has it in the product (an "optional extra"
elsewhere)."""

from __future__ import annotations

import pytest

from tests.scenarios.matrix.profiles import crms
from tests.scenarios.matrix.recruiter import Recruiter, added, emailed

STATUSES = ["Sourced", "Messaged", "Replied", "Interested", "Not Interested"]


@pytest.mark.parametrize("crm", crms(statuses=True))
async def test_status_advance(crm: str, me: Recruiter) -> None:
    me.crm.state.set_statuses(STATUSES)
    job = me.crm.seed_job("Staff Engineer")
    await me.connect()
    await me.settings({"Options": ["activity", "status_advance"], "Default job": "Staff Engineer"})
    await me.send(added("jane@acme.com"))
    await me.settle()
    await me.send(emailed("sent", "jane@acme.com"))
    await me.settle()
    await me.send(emailed("replied", "jane@acme.com", sentiment="interested"))
    await me.settle()
    jane = me.record("jane@acme.com")
    assert me.crm.state.stage_names(job, jane) == ["Sourced", "Messaged", "Replied", "Interested"]


@pytest.mark.parametrize("crm", crms(statuses=True))
@pytest.mark.xfail(
    strict=True,
    reason="Status advance on a sequence with no job (and no default job) fails quietly: each "
    "status is recorded as failed (bot/sync/statuses.py _push catches the connector's "
    "ValidationError from set_status) and nobody is told; the owner should get one message "
    "with the fix (pick a job)",
)
async def test_status_advance_without_a_job_tells_the_owner_once(crm: str, me: Recruiter) -> None:
    me.crm.state.set_statuses(STATUSES)
    await me.connect()
    await me.settings({"Options": ["activity", "status_advance"]})
    people = ("jane@acme.com", "ben@acme.com")
    await me.send(*(added(email) for email in people))
    await me.settle()
    await me.send(*(emailed("sent", email) for email in people))
    await me.settle()
    told = [c for c in me.slack.calls_to("chat.postMessage") if "job" in c.args["text"].lower()]
    assert len(told) == 1
    assert "/crm sequence" in told[0].args["text"] or "/crm settings" in told[0].args["text"]
