"""The database-backed installation and OAuth state stores."""

from __future__ import annotations

from slack_sdk.oauth.installation_store.models.installation import Installation
from sqlalchemy import select

from bot.app import Runtime
from bot.notify.slack_clients import MultiWorkspaceClients
from bot.slack_install.stores import DbInstallationStore, DbOAuthStateStore
from bot.storage import models as m


def installation(team_id: str | None, enterprise_id: str | None = None, token: str = "xoxb-1"):
    return Installation(
        app_id="A1",
        enterprise_id=enterprise_id,
        team_id=team_id,
        team_name="Team",
        bot_token=token,
        bot_id="B1",
        bot_user_id="UBOT",
        bot_scopes="commands,chat:write",
        user_id="U1",
        is_enterprise_install=team_id is None,
    )


async def test_tokens_are_encrypted_replaced_on_reinstall_and_found_by_team(
    runtime: Runtime,
) -> None:
    store = DbInstallationStore(runtime.db, runtime.box)
    await store.async_save(installation("T1", "E1", "xoxb-old"))
    await store.async_save(installation("T1", "E1", "xoxb-new"))
    async with runtime.db.session() as session:
        rows = list(await session.scalars(select(m.SlackInstallation)))
    assert len(rows) == 1 and "xoxb-new" not in rows[0].bot_token

    bot = await store.async_find_bot(enterprise_id="E1", team_id="T1")
    assert bot.bot_token == "xoxb-new"
    found = await store.async_find_installation(enterprise_id=None, team_id="T1")
    assert (found.bot_token, found.user_id) == ("xoxb-new", "U1")
    clients = MultiWorkspaceClients(store, "http://127.0.0.1:9/api/")
    assert (await clients.for_workspace("T1")).token == "xoxb-new"
    assert await clients.for_workspace("T2") is None

    await store.async_delete_bot(enterprise_id=None, team_id=None)  # matches nothing
    assert await store.async_find_bot(enterprise_id=None, team_id="T1") is not None
    await store.async_delete_all(enterprise_id="E1", team_id="T1")
    assert await store.async_find_bot(enterprise_id="E1", team_id="T1") is None


async def test_an_org_wide_install_covers_its_workspaces(runtime: Runtime) -> None:
    store = DbInstallationStore(runtime.db, runtime.box)
    await store.async_save(installation(None, "E9", "xoxb-org"))
    bot = await store.async_find_bot(enterprise_id="E9", team_id="T5")
    assert bot is not None and bot.bot_token == "xoxb-org"
    org = await store.async_find_bot(enterprise_id="E9", team_id=None, is_enterprise_install=True)
    assert org is not None


async def test_oauth_states_are_single_use_and_expire(runtime: Runtime) -> None:
    store = DbOAuthStateStore(runtime.db)
    state = await store.async_issue()
    assert await store.async_consume(state) is True
    assert await store.async_consume(state) is False
    assert await store.async_consume("never-issued") is False
    expired = await DbOAuthStateStore(runtime.db, expiration_seconds=-1).async_issue()
    assert await store.async_consume(expired) is False
