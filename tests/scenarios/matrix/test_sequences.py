"""The /crm sequence modal (PRODUCT.md rules 2-4, the help pages' "Syncing" tab): a sequence
overrides the sync mode and the record type, picks its own job, or turns syncing off. A
sequence exists once the outreach tool sent its first contact."""

from __future__ import annotations

import pytest

from tests.scenarios.matrix.profiles import crms
from tests.scenarios.matrix.recruiter import Recruiter, added, emailed


@pytest.mark.parametrize("crm", crms())
async def test_sequence_override(crm: str, me: Recruiter) -> None:
    await me.connect()
    await me.settings({"Sync contacts": "on_reply"})
    await me.send(added("first@acme.com"))
    chosen = me.profile.record_types[-1]
    modal = await me.sequence("seq-1", {"Sync contacts": "on_add", "Sync as": chosen})
    assert "apply only to contacts synced from now on" in str(modal["blocks"])
    await me.send(added("amy@acme.com"))
    await me.settle()
    assert me.crm.record_type_of(me.record("amy@acme.com")) == chosen
    # Settings are those of the trigger: the first contact still waits for its reply.
    assert me.records("first@acme.com") == []


@pytest.mark.parametrize("crm", crms(jobs=True))
async def test_sequence_job(crm: str, me: Recruiter) -> None:
    me.crm.seed_job("Senior Backend Engineer")
    staff = me.crm.seed_job("Staff Engineer")
    await me.connect()
    await me.settings({"Default job": "Senior Backend Engineer"})
    await me.send(added("first@acme.com"))
    await me.sequence("seq-1", {"Job": "Staff Engineer"})
    await me.send(added("amy@acme.com"))
    await me.settle()
    assert me.crm.jobs_of(me.record("amy@acme.com")) == [staff]


@pytest.mark.parametrize("crm", crms())
async def test_sequence_disable(crm: str, me: Recruiter) -> None:
    await me.connect()
    await me.send(added("first@acme.com"))
    await me.settle()
    await me.send(added("ben@acme.com"))  # queued when the switch is turned
    await me.sequence("seq-1", {"Options": ["disable"]})
    await me.send(added("amy@acme.com"), emailed("replied", "amy@acme.com"))
    await me.settle()
    me.record("first@acme.com")
    for email in ("ben@acme.com", "amy@acme.com"):
        assert me.records(email) == []
        assert "Syncing is disabled for the sequence" in await me.status(email)
