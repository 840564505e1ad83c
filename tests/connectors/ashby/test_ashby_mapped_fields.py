"""Mapped CRM field values (``ContactData.crm_fields``) written by the Ashby connector."""

from __future__ import annotations

import httpx

from bot.connectors.base import ContactData
from sandbox.ashby import AshbyState, create_app
from tests.connectors.ashby.conftest import API_KEY, BASE_URL


async def test_standard_fields_go_into_the_create_and_custom_ones_are_set(
    state: AshbyState, make_connector
) -> None:
    level = state.add_custom_field("Level", "ValueSelect", selectable_values=["L4", "L5"])
    years = state.add_custom_field("Years", "Number")
    remote = state.add_custom_field("Remote", "Boolean")
    stacks = state.add_custom_field("Stacks", "MultiValueSelect", selectable_values=["go", "py"])
    contact = ContactData(
        email="jane@acme.com",
        first_name="Jane",
        phone="+49 1",
        location="Berlin",
        crm_fields={
            "name": "Dr. Jane Doe",
            "location": "Hamburg",
            "email": "Jane.Private@mail.test",
            level.id: "L5",
            years.id: 7,
            remote.id: True,
            stacks.id: ["go", "py"],
        },
    )
    record = await make_connector().create(contact, "Candidate")

    candidate = state.candidates[record.id]
    assert candidate.name == "Dr. Jane Doe"
    assert candidate.location == {"city": "Hamburg"}
    assert candidate.email_values() == ["jane@acme.com", "jane.private@mail.test"]
    assert candidate.phones[0]["value"] == "+49 1"
    values = {k: v["value"] for k, v in candidate.custom_values.items()}
    assert values == {level.id: "L5", years.id: 7, remote.id: True, stacks.id: ["go", "py"]}
    assert state.calls["customField.setValue"] == 4


async def test_a_refused_custom_value_leaves_the_candidate_created(
    state: AshbyState, make_connector
) -> None:
    level = state.add_custom_field("Level", "ValueSelect", selectable_values=["L4"])
    contact = ContactData(email="max@acme.com", crm_fields={level.id: "L9"})
    record = await make_connector().create(contact, "Candidate")
    assert state.candidates[record.id].custom_values == {}


async def test_emulator_set_value_checks_field_object_and_type(state: AshbyState) -> None:
    years = state.add_custom_field("Years", "Number")
    job_code = state.add_custom_field("Code", "String", object_type="Job")
    candidate = state.add_candidate("Ann", "ann@acme.com")
    transport = httpx.ASGITransport(app=create_app(state))
    async with httpx.AsyncClient(
        transport=transport, base_url=BASE_URL, auth=(API_KEY, "")
    ) as http:

        async def set_value(**body) -> dict:
            body = {"objectId": candidate.id, "objectType": "Candidate", **body}
            return (await http.post("/customField.setValue", json=body)).json()

        assert (await set_value(fieldId=years.id, fieldValue=3))["success"] is True
        assert (await set_value(fieldId=years.id, fieldValue="three"))["success"] is False
        assert (await set_value(fieldId=job_code.id, fieldValue="x"))["success"] is False
        unknown = await set_value(fieldId=candidate.id, fieldValue=1)
        assert unknown["success"] is False
        assert (
            "fieldValue"
            in (
                await http.post(
                    "/customField.setValue",
                    json={"objectId": candidate.id, "objectType": "Candidate", "fieldId": years.id},
                )
            ).json()["errorInfo"]["message"]
        )
    assert candidate.custom_values[years.id]["value"] == 3
