"""Import from a CRM list (PRODUCT.md rule 13, Crelate's help page): members with an email join
the sequence linked to their existing record; members without one are counted, not added. The
other CRMs have no lists in the product (an "optional extra"), and /crm import says so."""

from __future__ import annotations

import pytest

from tests.conftest import eventually
from tests.scenarios.matrix.profiles import PROFILES, crms
from tests.scenarios.matrix.recruiter import Recruiter, input_block
from tests.support.emulators import CRELATE_KEY


@pytest.mark.parametrize("crm", crms(lists=True))
async def test_list_import(crm: str, me: Recruiter) -> None:
    owner = me.crm.state.users[CRELATE_KEY]
    ada = me.crm.state.add_contact("Ada", "Lovelace", "Ada@Example.com", owner=owner, tags=["Q4"])
    me.crm.state.add_contact("No", "Email", None, owner=owner, tags=["Q4"])
    await me.connect()
    records_before = len(me.crm.state.contacts)

    view = await me.open("import")
    block = input_block(view, "Crelate list")
    lists = await me.user.suggest(view, block["element"]["action_id"], block["block_id"], "q")
    [q4] = lists["options"]
    await me.user.submit(view, {"Crelate list": q4, "New sequence": "Imported Q4"})
    summary = await eventually(lambda: me.sent("Imported Crelate list", "chat.update"))
    assert "added 1, skipped 1 without email" in summary[-1].args["text"]
    await me.settle()

    assert len(me.crm.state.contacts) == records_before  # linked, nothing created
    assert "linked to the existing record" in await me.status("ada@example.com")
    assert me.records("ada@example.com") == [ada["Id"]]


@pytest.mark.parametrize("crm", [kind for kind in crms() if not PROFILES[kind].lists])
async def test_import_says_there_are_no_lists(crm: str, me: Recruiter) -> None:
    await me.connect()
    assert f"{me.profile.crm} has none" in await me.say("import")
