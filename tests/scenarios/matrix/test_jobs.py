"""Jobs per sequence (PRODUCT.md rule 6, the Recruiterflow help page): the same contact in
sequences with different jobs is one record on every one of those jobs."""

from __future__ import annotations

import pytest

from tests.scenarios.matrix.profiles import crms
from tests.scenarios.matrix.recruiter import Recruiter, added


@pytest.mark.parametrize("crm", crms(jobs=True))
async def test_one_record_on_the_job_of_each_sequence(crm: str, me: Recruiter) -> None:
    backend = me.crm.seed_job("Backend Engineer")
    frontend = me.crm.seed_job("Frontend Engineer")
    await me.connect()
    await me.send(added("first@acme.com", "seq-1"), added("second@acme.com", "seq-2"))
    await me.sequence("seq-1", {"Job": "Backend Engineer"})
    await me.sequence("seq-2", {"Job": "Frontend Engineer"})
    await me.send(added("jane@acme.com", "seq-1"))
    await me.settle()
    await me.send(added("jane@acme.com", "seq-2"))
    await me.settle()
    assert sorted(me.crm.jobs_of(me.record("jane@acme.com"))) == sorted([backend, frontend])


@pytest.mark.parametrize("crm", ["recruiterflow"])
@pytest.mark.xfail(
    strict=True,
    reason="An existing Recruiterflow client Contact found for a sequence with a job is linked, "
    "left off the job and shown as synced, and nobody is told: the connector's assign_to_job "
    "returns quietly for record type Contact (bot/connectors/recruiterflow/client.py) and the "
    "engine marks the membership synced (bot/sync/engine.py _sync_one)",
)
async def test_existing_client_contact_on_a_sequence_job(crm: str, me: Recruiter) -> None:
    job = me.crm.seed_job("Staff Engineer")
    me.crm.state.add_contact("Bob", "Client", "bob@acme.com")
    await me.connect()
    await me.settings({"Options": ["activity"]})  # no duplicate warning: this is about the job
    await me.send(added("first@acme.com"))
    await me.sequence("seq-1", {"Job": "Staff Engineer"})
    await me.send(added("bob@acme.com"))
    await me.settle()
    on_the_job = any(job in me.crm.jobs_of(record) for record in me.records("bob@acme.com"))
    told = [c for c in me.sent("bob@acme.com") if "Staff Engineer" in str(c.args.get("blocks"))]
    assert on_the_job or told
