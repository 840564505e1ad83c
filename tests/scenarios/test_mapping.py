"""/crm mapping through signed Slack requests, with contacts then created in the Ashby emulator."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from bot.app import Runtime
from bot.storage import models as m
from bot.storage.models import utcnow
from sandbox.ashby import AshbyState
from tests.conftest import eventually
from tests.scenarios.conftest import candidates_with, connect_ashby, membership_of, send_events
from tests.support.blockkit import assert_valid_view
from tests.support.driver import SlackUser
from tests.support.fake_slack import FakeSlack
from tests.support.outreach import make_event
from tests.support.slack_requests import fill


async def mapping_view(slack: FakeSlack, updates: int) -> dict[str, Any]:
    """The mapping modal once the bot has updated it ``updates`` times (it opens as
    'loading' and is filled in after the CRM's field list arrives)."""
    await eventually(lambda: len(slack.calls_to("views.update")) >= updates)
    call = slack.calls_to("views.update")[updates - 1]
    assert_valid_view(call.args["view"])
    return slack.views[call.args["view_id"]]


def added(email: str, first: str, custom: dict[str, Any] | None = None) -> dict[str, Any]:
    return make_event(
        occurred_at=utcnow().isoformat(),
        contact={"email": email, "first_name": first, "last_name": "Doe", "custom": custom or {}},
        sequence={"id": "seq-42", "name": "Backend"},
    )


async def versions(runtime: Runtime) -> list[m.MappingVersion]:
    async with runtime.db.session() as session:
        return list(await session.scalars(select(m.MappingVersion).order_by(m.MappingVersion.id)))


async def test_mapping_is_validated_versioned_and_used_for_new_contacts_only(
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
    ashby: AshbyState,
    http: httpx.AsyncClient,
) -> None:
    seniority = ashby.add_custom_field(
        "Seniority", "ValueSelect", selectable_values=("Junior", "Senior")
    )
    source = ashby.add_custom_field("Lead source", "String")
    await connect_ashby(user, fake_slack)

    await user.command("mapping")
    view = await mapping_view(fake_slack, 1)
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == ["Row 1: source", "Row 1: custom key or constant", "Row 1: Ashby field"]
    field_options = [o["text"]["text"] for o in view["blocks"][3]["element"]["options"]]
    assert "Seniority" in field_options and "Name (required)" in field_options

    # A constant outside the picklist: inline error on that row's value, nothing saved.
    bad = await user.submit(
        view,
        {
            "Row 1: source": "constant",
            "Row 1: custom key or constant": "Principal",
            "Row 1: Ashby field": seniority.id,
        },
    )
    assert bad["response_action"] == "errors"
    assert "Junior, Senior" in bad["errors"]["map_value_0"]
    assert await versions(runtime) == []

    # Add a second row (views.update keeps what was typed), then save a valid mapping.
    await user.pick(view, "Add row", None)
    view = await mapping_view(fake_slack, 2)
    assert len([b for b in view["blocks"] if b["type"] == "input"]) == 6
    answers = {
        "Row 1: source": "constant",
        "Row 1: custom key or constant": "Senior",
        "Row 1: Ashby field": seniority.id,
        "Row 2: source": "custom",
        "Row 2: custom key or constant": "origin",
        "Row 2: Ashby field": source.id,
    }
    saved = await user.submit(view, answers)
    assert saved["response_action"] == "update"
    assert "version 1" in str(saved["view"])
    assert_valid_view(saved["view"])

    runtime.clock.start()
    await send_events(http, [added("jane@acme.com", "Jane", {"origin": "github"})])
    [jane] = await eventually(lambda: candidates_with(ashby, "jane@acme.com"))
    await eventually(lambda: len(jane.custom_values) == 2)
    assert jane.custom_values[seniority.id]["value"] == "Senior"
    assert jane.custom_values[source.id]["value"] == "github"

    # A second save is version 2; Jane is not re-synced, a new contact gets the new value.
    await user.command("mapping")
    view = await mapping_view(fake_slack, 3)
    answers["Row 1: custom key or constant"] = "Junior"
    assert "version 2" in str((await user.submit(view, answers))["view"])
    assert [v.version for v in await versions(runtime)] == [1, 2]

    await send_events(http, [added("max@acme.com", "Max")])
    [max_] = await eventually(lambda: candidates_with(ashby, "max@acme.com"))
    await eventually(lambda: seniority.id in max_.custom_values)
    assert max_.custom_values[seniority.id]["value"] == "Junior"
    assert source.id not in max_.custom_values  # no "origin" on Max: the field is left alone
    assert jane.custom_values[seniority.id]["value"] == "Senior"

    async def max_synced() -> bool:
        return (await membership_of(runtime, "max@acme.com")).sync_state == "synced"

    await eventually(max_synced)
    async with runtime.db.session() as session:
        links = {
            c.email: link.mapping_version
            for link, c in (
                await session.execute(
                    select(m.SyncLink, m.Contact).join(
                        m.Contact, m.Contact.id == m.SyncLink.contact_id
                    )
                )
            ).all()
        }
    assert links == {"jane@acme.com": 1, "max@acme.com": 2}


async def test_mapping_standard_field_and_required_checks(
    user: SlackUser,
    fake_slack: FakeSlack,
    runtime: Runtime,
    ashby: AshbyState,
    http: httpx.AsyncClient,
) -> None:
    await connect_ashby(user, fake_slack)
    await user.command("mapping")
    view = await mapping_view(fake_slack, 1)

    # Name is required in Ashby; a title can be empty, so it cannot fill it.
    bad = await user.submit(view, {"Row 1: source": "field:title", "Row 1: Ashby field": "name"})
    assert "required" in bad["errors"]["map_source_0"]
    unknown = await user.submit(
        view, {"Row 1: source": "field:company", "Row 1: Ashby field": {"value": "nope"}}
    )
    assert "not a field" in unknown["errors"]["map_field_0"]
    assert await versions(runtime) == []

    ok = await user.submit(
        view, {"Row 1: source": "field:company", "Row 1: Ashby field": "location"}
    )
    assert ok["response_action"] == "update"
    runtime.clock.start()
    event = added("ann@acme.com", "Ann")
    event["contact"]["company"] = "Acme GmbH"
    event["contact"]["location"] = "Berlin"
    await send_events(http, [event])
    [ann] = await eventually(lambda: candidates_with(ashby, "ann@acme.com"))
    assert ann.location == {"city": "Acme GmbH"}


async def test_mapping_without_a_connection_says_so(user: SlackUser) -> None:
    body = (await user.command("mapping")).json()
    assert "/crm connect" in body["text"]


async def test_rows_are_added_and_removed_keeping_what_was_typed(
    user: SlackUser, fake_slack: FakeSlack, ashby: AshbyState
) -> None:
    await connect_ashby(user, fake_slack)
    await user.command("mapping")
    view = await mapping_view(fake_slack, 1)
    await user.pick(view, "Add row", None)
    view = await mapping_view(fake_slack, 2)
    await user.pick(view, "Add row", None)
    view = await mapping_view(fake_slack, 3)
    typed = fill(
        view,
        {
            "Row 1: source": "field:title",
            "Row 1: Ashby field": "location",
            "Row 2: source": "field:phone",
            "Row 2: Ashby field": "phoneNumber",
            "Row 3: source": "constant",
            "Row 3: custom key or constant": "Someone",
            "Row 3: Ashby field": "name",
        },
    )["state"]["values"]
    await user.pick({**view, "values": typed}, "Remove row 2", None)
    view = await mapping_view(fake_slack, 4)
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert len(inputs) == 6
    assert inputs["map_source_0"]["initial_option"]["value"] == "field:title"
    assert inputs["map_source_1"]["initial_option"]["value"] == "constant"
    assert inputs["map_value_1"]["initial_value"] == "Someone"
    assert inputs["map_field_1"]["initial_option"]["value"] == "name"


async def test_a_crm_with_hundreds_of_fields_is_searched_not_listed(
    user: SlackUser, fake_slack: FakeSlack, runtime: Runtime, ashby: AshbyState
) -> None:
    fields = [ashby.add_custom_field(f"Field {i:03d} " + "x" * 120, "String") for i in range(250)]
    await connect_ashby(user, fake_slack)
    await user.command("mapping")
    view = await mapping_view(fake_slack, 1)
    element = next(b for b in view["blocks"] if b.get("block_id") == "map_field_0")["element"]
    assert element["type"] == "external_select"

    everything = await user.suggest(view, element["action_id"], "map_field_0", "")
    assert len(everything["options"]) == 100
    found = await user.suggest(view, element["action_id"], "map_field_0", "field 042")
    [only] = found["options"]
    assert only["value"] == fields[42].id and len(only["text"]["text"]) <= 75

    saved = await user.submit(
        view,
        {
            "Row 1: source": "field:title",
            "Row 1: Ashby field": {"text": only["text"], "value": only["value"]},
        },
    )
    assert saved["response_action"] == "update"
    [version] = await versions(runtime)
    assert version.rows[0]["crm_field"] == fields[42].id


async def test_removing_every_row_saves_an_empty_mapping(
    user: SlackUser, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    await connect_ashby(user, fake_slack)
    await user.command("mapping")
    view = await mapping_view(fake_slack, 1)
    await user.pick(view, "Remove row 1", None)
    view = await mapping_view(fake_slack, 2)
    assert not [b for b in view["blocks"] if b["type"] == "input"]
    saved = await user.submit(view)
    assert "no rows (the built-in fields)" in str(saved["view"])
    [version] = await versions(runtime)
    assert version.rows == []
