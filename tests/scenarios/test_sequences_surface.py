"""/crm sequences and /crm sequence: counts, paging, close matches, overrides, rule 3."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from bot.app import Runtime
from bot.storage import models as m
from bot.storage.models import SyncState
from bot.views.reasons import reason_text
from sandbox.ashby import AshbyState
from tests.conftest import eventually
from tests.scenarios.conftest import (
    candidates_with,
    connect_ashby,
    membership_of,
    opened_view,
    send_events,
)
from tests.scenarios.surface import (
    added,
    reply_number,
    run_pass,
    validated_slack,  # noqa: F401  (fixture)
)
from tests.support.driver import SlackUser
from tests.support.fake_slack import FakeSlack

pytestmark = pytest.mark.usefixtures("validated_slack")


async def test_sequences_lists_counts_and_pages(
    user: SlackUser, fake_slack: FakeSlack, runtime: Runtime, ashby: AshbyState, http
) -> None:
    await connect_ashby(user, fake_slack)
    ashby.add_candidate("Old Bob", "bob@acme.com")
    events = [added(f"c{i}@acme.com", seq=f"seq-{i:02d}") for i in range(12)]
    events += [added("bob@acme.com", seq="seq-00"), added("dan@acme.com", seq="seq-00")]
    await send_events(http, events)
    ashby.inject_fault("candidate.create", status=200, code="invalid_input", times=None)
    await run_pass(runtime)
    ashby.clear_faults()

    await user.command("sequences")
    first = await reply_number(fake_slack, 1)
    assert first["response_type"] == "ephemeral"
    assert "12 sequences" in first["text"]
    rows = [b for b in first["blocks"] if b.get("block_id", "").startswith("seq-")]
    assert len(rows) == 10
    assert all(r["accessory"]["text"]["text"] == "Edit" for r in rows)
    seq00 = rows[0]["text"]["text"]
    assert "Sequence seq-00" in seq00
    assert "3 contacts · 0 synced · 0 pending · 2 failed · 1 flagged" in seq00

    await user.click(first["blocks"], "Next ▶", channel_id="C0001")
    second = await reply_number(fake_slack, 2)
    assert second["replace_original"] is True
    names = [
        b["text"]["text"] for b in second["blocks"] if b.get("block_id", "").startswith("seq-")
    ]
    assert len(names) == 2 and "seq-11" in names[-1]
    assert "Page 2 of 2" in str(second["blocks"])


async def test_unknown_and_ambiguous_names_list_close_matches(
    user: SlackUser, fake_slack: FakeSlack, http
) -> None:
    await connect_ashby(user, fake_slack)
    await send_events(
        http,
        [
            added("a@acme.com", seq="s-1", name="Backend Q4"),
            added("b@acme.com", seq="s-2", name="Backend Q4"),
            added("c@acme.com", seq="s-3", name="Frontend Q4"),
        ],
    )
    unknown = (await user.command("sequence Backend")).json()
    assert "no sequence named" in unknown["text"] and "“Backend Q4” (id `s-1`)" in unknown["text"]
    ambiguous = (await user.command("sequence backend q4")).json()
    assert (
        "Several" in ambiguous["text"] and "s-1" in ambiguous["text"] and "s-2" in ambiguous["text"]
    )
    nothing = (await user.command("sequence zzz")).json()
    assert "/crm sequences" in nothing["text"]


async def test_sequence_modal_saves_overrides_and_disable_stops_syncing(
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
    ashby: AshbyState,
    http: httpx.AsyncClient,
) -> None:
    job = ashby.add_job("Staff Engineer")
    await connect_ashby(user, fake_slack)
    await send_events(http, [added("amy@acme.com")])
    await run_pass(runtime)

    await user.command("sequence seq-42")
    view = await opened_view(fake_slack, 2)
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == ["Sync contacts", "Sync as", "Job", "Options"]
    assert "already has 1 contact" in str(view["blocks"])
    assert "apply only to contacts synced from now on" in str(view["blocks"])
    jobs = (await user.suggest(view, "sequence_job_select", "job", "staff"))["options"]
    assert [o["value"] for o in jobs] == [job.id]

    answer = {"text": {"type": "plain_text", "text": job.title}, "value": job.id}
    await user.submit(view, {"Sync contacts": "on_reply", "Sync as": "Candidate", "Job": answer})
    async with runtime.db.session() as session:
        seq = await session.scalar(select(m.Sequence))
    assert (seq.sync_mode, seq.sync_as, seq.job_id, seq.job_name) == (
        "on_reply",
        "Candidate",
        job.id,
        "Staff Engineer",
    )
    saved = await eventually(lambda: fake_slack.calls_to("chat.postEphemeral"))
    assert "Saved the sync settings" in saved[-1].args["text"]
    amy = await membership_of(runtime, "amy@acme.com")
    assert amy.sync_state == SyncState.SYNCED  # synced before: untouched by the change

    # Disable: a contact queued before the switch and one added after never sync (rule 3).
    await user.command("sequence seq-42")
    await user.submit(await opened_view(fake_slack, 3), {"Sync contacts": "inherit"})
    await send_events(http, [added("ben@acme.com")])
    await user.command("sequence Sequence seq-42")
    view = await opened_view(fake_slack, 4)
    await user.submit(view, {"Options": ["disable"]})
    await send_events(http, [added("cat@acme.com")])
    await run_pass(runtime)
    for email in ("ben@acme.com", "cat@acme.com"):
        membership = await membership_of(runtime, email)
        assert membership.sync_state == SyncState.SKIPPED
        assert "disabled" in reason_text(membership.sync_reason)
        assert not candidates_with(ashby, email)


async def test_sequence_needs_a_connection_and_a_name(user: SlackUser) -> None:
    assert "/crm connect" in (await user.command("sequence seq-42")).json()["text"]
