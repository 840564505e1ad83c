"""/crm resync: preview against the CRM, confirm, progress in place, summary; one contact."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from bot.app import Runtime
from bot.storage.models import SyncState, utcnow
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
from tests.support.blockkit import assert_valid_message, assert_valid_view
from tests.support.driver import SlackUser
from tests.support.fake_slack import FakeSlack
from tests.support.outreach import make_event

pytestmark = pytest.mark.usefixtures("validated_slack")

LONG_AGO = (utcnow() - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")


async def edit_sequence(user: SlackUser, slack: FakeSlack, seq: str, answers: dict) -> None:
    before = len(slack.views)
    await user.command(f"sequence {seq}")
    await user.submit(await opened_view(slack, before + 1), answers)


async def preview_of(fake_slack: FakeSlack) -> dict:
    update_call = await fake_slack.wait_for("views.update")
    view = update_call.args["view"]
    assert_valid_view(view)
    return fake_slack.views[update_call.args["view_id"]]


async def test_bulk_resync_previews_then_syncs_only_the_unsynced_with_backfill(
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
    ashby: AshbyState,
    http: httpx.AsyncClient,
) -> None:
    # Before the connection: four contacts, and an email to Amy (activity normal syncing skips).
    early = [added(e, occurred_at=LONG_AGO) for e in ("amy@acme.com", "ben@acme.com")]
    early += [added(e, occurred_at=LONG_AGO) for e in ("cat@acme.com", "dan@acme.com")]
    early.append(
        make_event(type="email.sent", contact={"email": "amy@acme.com"}, occurred_at=LONG_AGO)
    )
    await send_events(http, early)
    ben = ashby.add_candidate("Ben Existing", "ben@acme.com")
    ashby.add_candidate("Fay Existing", "fay@acme.com")
    await connect_ashby(user, fake_slack)
    # After: Eve syncs normally, Fay is flagged as existing and waits for a decision.
    await send_events(http, [added("eve@acme.com"), added("fay@acme.com")])
    await run_pass(runtime)
    eve_before = await membership_of(runtime, "eve@acme.com")
    assert eve_before.sync_state == SyncState.SYNCED
    creates_before = ashby.calls["candidate.create"]

    fake_slack.reset()
    await user.command("resync Sequence seq-42")
    loading = await fake_slack.wait_for("views.open")
    assert "Looking up" in str(loading.args["view"])
    preview = await preview_of(fake_slack)
    counts = str(preview["blocks"])
    assert "To create in Ashby:* 3" in counts
    assert "To link (already in Ashby):* 1" in counts
    assert "Skipped:* 2" in counts
    assert "1 already synced" in counts and "1 flagged as a duplicate" in counts
    assert preview["submit"]["text"] == "Confirm" and preview["close"]["text"] == "Cancel"
    assert ashby.calls["candidate.create"] == creates_before  # a preview writes nothing

    await user.submit(preview)  # backfill checkbox left on (its default)
    summary = await eventually(
        lambda: next(
            (c for c in fake_slack.calls_to("chat.update") if "Resync finished" in c.args["text"]),
            None,
        )
    )
    [posted] = [c for c in fake_slack.calls_to("chat.postMessage") if "Resyncing" in c.args["text"]]
    assert posted.args["channel"] == "U0001" and "0/4" in str(posted.args["blocks"])
    pointer = await fake_slack.wait_for("chat.postEphemeral")
    assert pointer.args["channel"] == "C0001" and "your messages" in pointer.args["text"]
    ts = summary.args["ts"]
    assert all(c.args["ts"] == ts for c in fake_slack.calls_to("chat.update"))
    assert "Resync finished" in fake_slack.messages[("DU0001", ts)]["text"]
    assert_valid_message(summary.args["blocks"], summary.args["text"])
    text = summary.args["text"]
    assert "3 created" in text and "1 linked" in text and "2 skipped" in text
    assert "▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓ 4/4" in str(summary.args["blocks"])

    # Created once each, Ben linked (not duplicated), Eve and Fay untouched.
    for email in ("amy@acme.com", "cat@acme.com", "dan@acme.com", "ben@acme.com"):
        assert len(candidates_with(ashby, email)) == 1
        assert (await membership_of(runtime, email)).sync_state == SyncState.SYNCED
    assert candidates_with(ashby, "ben@acme.com")[0].id == ben.id
    assert ashby.calls["candidate.create"] == creates_before + 3
    eve = await membership_of(runtime, "eve@acme.com")
    assert eve.synced_at == eve_before.synced_at
    assert (await membership_of(runtime, "fay@acme.com")).sync_state == SyncState.NEEDS_DECISION

    # Amy's email from before the connection was backfilled, once.
    [amy] = candidates_with(ashby, "amy@acme.com")
    assert len(ashby.notes_for(amy.id)) == 1
    await run_pass(runtime)
    assert len(ashby.notes_for(amy.id)) == 1


async def test_bulk_resync_without_backfill_and_disabled_sequence(
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
    ashby: AshbyState,
    http: httpx.AsyncClient,
) -> None:
    await send_events(
        http,
        [
            added("amy@acme.com", occurred_at=LONG_AGO),
            make_event(type="email.sent", contact={"email": "amy@acme.com"}, occurred_at=LONG_AGO),
        ],
    )
    await connect_ashby(user, fake_slack)
    fake_slack.reset()
    await user.command("resync seq-42")
    preview = await preview_of(fake_slack)
    await user.submit(preview, {"Activity": []})
    await eventually(
        lambda: any("Resync finished" in c.args["text"] for c in fake_slack.calls_to("chat.update"))
    )
    [amy] = candidates_with(ashby, "amy@acme.com")
    assert ashby.notes_for(amy.id) == []

    # A disabled sequence: the preview offers nothing to confirm.
    await send_events(http, [added("zed@acme.com", seq="seq-7")])
    await edit_sequence(user, fake_slack, "seq-7", {"Options": ["disable"]})
    fake_slack.reset()
    await user.command("resync seq-7")
    preview = await preview_of(fake_slack)
    assert "submit" not in preview or preview["submit"] is None
    assert "1 sync disabled for the sequence" in str(preview["blocks"])
    assert not candidates_with(ashby, "zed@acme.com")


async def test_resync_one_contact_syncs_it_or_says_why_not(
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
    ashby: AshbyState,
    http: httpx.AsyncClient,
) -> None:
    await send_events(http, [added("amy@acme.com", occurred_at=LONG_AGO)])
    await connect_ashby(user, fake_slack)

    ack = (await user.command("resync Sequence seq-42 amy@acme.com")).json()
    assert "Resyncing amy@acme.com" in ack["text"]
    done = await reply_number(fake_slack, 1)
    assert "amy@acme.com is synced: created in Ashby" in done["text"]
    assert len(candidates_with(ashby, "amy@acme.com")) == 1

    await user.command("resync seq-42 amy@acme.com")
    again = await reply_number(fake_slack, 2)
    assert "already synced" in again["text"]
    assert ashby.calls["candidate.create"] == 1

    await edit_sequence(user, fake_slack, "seq-42", {"Sync contacts": "on_reply"})
    await send_events(http, [added("ben@acme.com", occurred_at=LONG_AGO)])
    await user.command("resync seq-42 ben@acme.com")
    waiting = await reply_number(fake_slack, 3)
    assert "not resynced: waiting for a reply" in waiting["text"]

    await user.command("resync seq-42 nobody@acme.com")
    assert "is not in" in (await reply_number(fake_slack, 4))["text"]
    unknown = (await user.command("resync nope amy@acme.com")).json()
    assert "no sequence named" in unknown["text"]
    assert "Usage" in (await user.command("resync")).json()["text"]


async def test_preview_says_why_when_the_crm_cannot_be_asked(
    user: SlackUser, fake_slack: FakeSlack, ashby: AshbyState, http: httpx.AsyncClient
) -> None:
    from tests.support.emulators import ASHBY_KEY

    await send_events(http, [added("amy@acme.com", occurred_at=LONG_AGO)])
    await connect_ashby(user, fake_slack)
    ashby.disable_api_key(ASHBY_KEY)
    fake_slack.reset()
    await user.command("resync seq-42")
    problem = (await fake_slack.wait_for("views.update")).args["view"]
    assert "I could not ask Ashby" in str(problem["blocks"])
    assert ASHBY_KEY not in str(problem)
    assert ashby.calls["candidate.create"] == 0
