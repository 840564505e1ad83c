"""The teammate's sync mode (PRODUCT.md rule 1, the help pages' three options): off, when a
contact is added to a sequence, or only when it replies."""

from __future__ import annotations

import pytest

from tests.scenarios.matrix.profiles import crms
from tests.scenarios.matrix.recruiter import Recruiter, added, emailed


@pytest.mark.parametrize("crm", crms())
async def test_sync_modes(crm: str, me: Recruiter) -> None:
    await me.connect()

    await me.settings({"Sync contacts": "off"})
    await me.send(added("amy@acme.com"), emailed("replied", "amy@acme.com"))
    await me.settle()
    assert me.records("amy@acme.com") == []
    assert "Sync mode is Off" in await me.status("amy@acme.com")

    await me.settings({"Sync contacts": "on_reply"})
    await me.send(added("ben@acme.com"), added("cat@acme.com"))
    await me.settle()
    assert me.records("ben@acme.com") == []
    await me.send(emailed("replied", "ben@acme.com"))
    await me.settle()
    me.record("ben@acme.com")
    assert me.records("cat@acme.com") == []
    assert "Waiting for a reply" in await me.status("cat@acme.com")

    await me.settings({"Sync contacts": "on_add"})
    await me.send(added("dan@acme.com"))
    await me.settle()
    assert me.record("dan@acme.com") in await me.status("dan@acme.com")


@pytest.mark.parametrize("crm", crms())
@pytest.mark.xfail(
    strict=True,
    raises=KeyError,
    reason="PRODUCT.md rule 1 mode `on_interested` is missing: /crm settings offers only off, "
    "on add and on reply (bot/views/settings.py MODE_LABELS; SyncMode has no ON_INTERESTED)",
)
async def test_mode_on_interested(crm: str, me: Recruiter) -> None:
    await me.connect()
    await me.settings({"Sync contacts": "on_interested"})
    people = ("amy@acme.com", "ben@acme.com", "cat@acme.com")
    await me.send(*(added(email) for email in people))
    await me.send(
        emailed("replied", "amy@acme.com", sentiment="interested"),
        emailed("replied", "ben@acme.com", sentiment="not_interested"),
        emailed("replied", "cat@acme.com"),
    )
    await me.settle()
    me.record("amy@acme.com")
    assert me.records("ben@acme.com") == me.records("cat@acme.com") == []
