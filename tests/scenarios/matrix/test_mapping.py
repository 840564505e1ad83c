"""/crm mapping (PRODUCT.md rule 10, every help page's custom field mapping): a saved mapping
fills the CRM's own field for contacts created from then on; earlier ones keep their values."""

from __future__ import annotations

import pytest

from tests.scenarios.matrix.profiles import crms
from tests.scenarios.matrix.recruiter import Recruiter, added

VALUE = "Mapped by the matrix"


@pytest.mark.parametrize("crm", crms())
async def test_mapping(crm: str, me: Recruiter) -> None:
    await me.connect()
    await me.send(added("early@acme.com"))
    await me.settle()

    saved = await me.save_mapping(me.profile.mapped_field, VALUE)
    assert saved["response_action"] == "update" and "version 1" in str(saved["view"])
    await me.send(added("amy@acme.com"))
    await me.settle()

    assert VALUE in repr(me.crm.record_of(me.record("amy@acme.com")))
    assert VALUE not in repr(me.crm.record_of(me.record("early@acme.com")))
