"""/crm clone and /crm role through signed Slack requests."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from bot.app import Runtime
from bot.storage import models as m
from bot.storage.repos import Repo
from bot.sync.mapping import MappingRow, save_version
from tests.conftest import SIGNING_SECRET
from tests.scenarios.conftest import connect_ashby, opened_view
from tests.support.blockkit import assert_valid_view
from tests.support.driver import SlackUser
from tests.support.fake_slack import FakeSlack

ALERTS = "C0ALERTS"


def teammate(http: httpx.AsyncClient, slack: FakeSlack, user_id: str) -> SlackUser:
    return SlackUser(http, slack, SIGNING_SECRET, user_id=user_id)


async def connection(runtime: Runtime, user_id: str) -> m.Connection | None:
    async with runtime.db.session() as session:
        return await Repo(session, "T0001").connection_for(user_id)


async def add_foreign_connection(runtime: Runtime, user_id: str, kind: str) -> None:
    """A teammate connected to another CRM (only the row matters to cloning)."""
    async with runtime.db.session() as session:
        session.add(
            m.Connection(
                workspace_id="T0001",
                user_id=user_id,
                kind=kind,
                credentials=runtime.box.encrypt_json({"k": "v"}),
                sync_mode="on_reply",
            )
        )


async def test_owner_clones_settings_to_connected_teammates_and_skips_others(
    http: httpx.AsyncClient, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    fake_slack.users["U0001"] = {"name": "olivia", "is_admin": True}
    owner, ben = teammate(http, fake_slack, "U0001"), teammate(http, fake_slack, "U0002")
    await connect_ashby(owner, fake_slack)
    await connect_ashby(ben, fake_slack)
    await add_foreign_connection(runtime, "U0004", "salesforce")

    before = len(fake_slack.views)
    await owner.command("settings")
    settings_view = await opened_view(fake_slack, before + 1)
    await owner.submit(settings_view, {"Sync contacts": "on_reply", "Alert channel": ALERTS})
    async with runtime.db.session() as session:
        source = await Repo(session, "T0001").connection_for("U0001")
        await save_version(
            Repo(session, "T0001"),
            source.id,
            "Candidate",
            [MappingRow("field", "company", "location", "string")],
            "U0001",
        )

    before = len(fake_slack.views)
    await owner.command("clone")
    view = await opened_view(fake_slack, before + 1)
    assert view["callback_id"] == "clone_submit"
    answer = await owner.submit(view, {"Teammates": ["U0001", "U0002", "U0003", "U0004"]})
    assert answer["response_action"] == "update"
    assert_valid_view(answer["view"])
    text = str(answer["view"])
    assert "<@U0002>" in text.split("Skipped")[0]
    assert "<@U0001>: that is you" in text
    assert "<@U0003>: has no CRM connected" in text
    assert "<@U0004>: is connected to Salesforce, not Ashby" in text

    copied = await connection(runtime, "U0002")
    assert (copied.sync_mode, copied.alert_channel_id) == ("on_reply", ALERTS)
    assert (await connection(runtime, "U0004")).alert_channel_id is None
    async with runtime.db.session() as session:
        audit = list(await session.scalars(select(m.AuditLog)))
        mapping = await session.scalar(
            select(m.MappingVersion).where(m.MappingVersion.connection_id == copied.id)
        )
    assert [(a.actor_user_id, a.action, a.target) for a in audit] == [
        ("U0001", "settings.clone", "U0002")
    ]
    assert audit[0].details["settings"]["sync_mode"] == "on_reply"
    assert mapping.rows[0]["crm_field"] == "location" and mapping.version == 1


async def test_members_are_refused_and_managers_are_made_by_owners(
    http: httpx.AsyncClient, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    fake_slack.users["U0001"] = {"name": "olivia", "is_owner": True}
    owner, mia = teammate(http, fake_slack, "U0001"), teammate(http, fake_slack, "U0005")
    await connect_ashby(mia, fake_slack)
    views_before = len(fake_slack.views)

    refused = (await mia.command("clone")).json()
    assert "Only owners and managers" in refused["text"]
    assert "Only owners" in (await mia.command("role <@U0001> member")).json()["text"]
    assert len(fake_slack.views) == views_before

    assert "Usage" in (await owner.command("role <@U0005> boss")).json()["text"]
    made = (await owner.command("role <@U0005|mia> manager")).json()
    assert made["text"] == "<@U0005> is now a manager."
    assert "always an owner" in (await owner.command("role <@U0001> member")).json()["text"]

    await mia.command("clone")
    view = await opened_view(fake_slack, views_before + 1)
    assert view["callback_id"] == "clone_submit"

    await owner.command("role <@U0005> member")
    assert "Only owners and managers" in (await mia.command("clone")).json()["text"]
    async with runtime.db.session() as session:
        actions = [a.action for a in await session.scalars(select(m.AuditLog))]
    assert actions == ["role.set", "role.set"]
