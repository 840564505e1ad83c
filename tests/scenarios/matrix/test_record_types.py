"""Sync as: every record type the CRM's help page offers, chosen in /crm settings, is the type
of the record created for the next contact."""

from __future__ import annotations

import pytest

from tests.scenarios.matrix.profiles import crms
from tests.scenarios.matrix.recruiter import Recruiter, added, input_block


@pytest.mark.parametrize("crm", crms())
async def test_each_record_type(crm: str, me: Recruiter) -> None:
    await me.connect()
    offered = input_block(await me.open("settings"), "Sync as")["element"]["options"]
    assert [o["value"] for o in offered] == list(me.profile.record_types)
    for i, record_type in enumerate(me.profile.record_types):
        email = f"person{i}@acme.com"
        await me.settings({"Sync as": record_type})
        await me.send(added(email))
        await me.settle()
        assert me.crm.record_type_of(me.record(email)) == record_type
