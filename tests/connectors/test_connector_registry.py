"""The explicit registry of CRM kinds."""

from __future__ import annotations

import httpx
import pytest

from bot.connectors import CONNECTORS, UnknownCrmError, build_connector
from bot.connectors.ashby.client import AshbyConnector, AshbyOptions
from bot.connectors.base import Connector
from bot.connectors.errors import ConfigError
from bot.connectors.registry import display_name, get_spec
from bot.settings import Settings
from sandbox.ashby import AshbyState, create_app


@pytest.fixture
def settings() -> Settings:
    return Settings(_env_file=None, ashby_api_url="https://ashby.emulator.test/")


def test_registered_crms_and_their_connect_forms():
    assert set(CONNECTORS) == {"ashby", "salesforce", "crelate", "recruiterflow", "pcrecruiter"}
    pcr = [(f.name, f.secret) for f in CONNECTORS["pcrecruiter"].credential_fields]
    assert pcr == [
        ("database_id", False),
        ("username", False),
        ("password", True),
        ("api_key", True),
        ("app_id", True),
    ]
    assert CONNECTORS["recruiterflow"].record_types == ("Candidate", "Contact")
    spec = CONNECTORS["ashby"]
    assert spec.display_name == "Ashby"
    assert spec.record_types == ("Candidate",)
    [field] = spec.credential_fields
    assert (field.name, field.label, field.secret) == ("api_key", "API key", True)
    assert field.hint


async def test_build_connector_uses_the_settings_url_and_transport(settings):
    state = AshbyState()
    state.add_api_key("key-1")
    transport = httpx.ASGITransport(app=create_app(state))
    connector = build_connector("ashby", {"api_key": " key-1 "}, settings, transport)
    try:
        assert isinstance(connector, AshbyConnector)
        assert isinstance(connector, Connector)
        assert connector.base_url == "https://ashby.emulator.test"
        await connector.verify()
        assert state.calls["apiKey.info"] == 1
    finally:
        await connector.aclose()


def test_missing_credentials_are_a_config_error(settings):
    with pytest.raises(ConfigError, match="API key"):
        build_connector("ashby", {}, settings)
    with pytest.raises(ConfigError, match="App ID"):
        build_connector(
            "pcrecruiter",
            {"database_id": "D", "username": "u", "password": "p", "api_key": "k"},
            settings,
        )


def test_inferred_vendor_names_come_from_settings():
    settings = Settings(
        _env_file=None,
        pcrecruiter_activity_type="OUTREACH",
        pcrecruiter_interview_type="SOURCING",
        pcrecruiter_interview_status="ADDED",
        pcrecruiter_open_job_status="Active",
        recruiterflow_activity_type="Sequence email",
    )
    login = {k: "x" for k in ("database_id", "username", "password", "api_key", "app_id")}
    pcr = build_connector("pcrecruiter", login, settings).options
    rf = build_connector("recruiterflow", {"api_key": "k"}, settings).options
    assert (pcr.activity_type, pcr.interview_type, pcr.interview_status, pcr.open_job_status) == (
        "OUTREACH",
        "SOURCING",
        "ADDED",
        "Active",
    )
    assert rf.activity_type_name == "Sequence email"


def test_unknown_kinds_raise_a_key_error(settings):
    with pytest.raises(UnknownCrmError) as caught:
        build_connector("hubspot", {}, settings)
    assert isinstance(caught.value, KeyError)
    assert "hubspot" in str(caught.value)
    with pytest.raises(KeyError):
        get_spec("nope")


def test_display_name_for_messages():
    assert display_name("ashby") == "Ashby"
    assert display_name("retired-crm") == "retired-crm"


def test_each_connector_gets_only_its_slice_of_settings():
    settings = Settings(
        _env_file=None,
        ashby_api_url="https://ashby.example.test",
        crm_retry_wait_seconds=3,
        crelate_record_type_bits="1,2,16,32",
        crelate_workflow_type_id="",
        salesforce_client_id="cid",
        salesforce_client_secret="client-s3cret",
    )
    assert get_spec("ashby").options_from(settings) == AshbyOptions(
        base_url="https://ashby.example.test", retry_wait=3
    )
    crelate = get_spec("crelate").options_from(settings)
    assert crelate.record_type_bits["Employee"] == 32 and crelate.workflow_type_id is None
    salesforce = get_spec("salesforce").options_from(settings)
    assert (salesforce.client_id, salesforce.client_secret) == ("cid", "client-s3cret")
    assert "client-s3cret" not in repr(salesforce)


def test_specs_describe_their_connector():
    for kind, spec in CONNECTORS.items():
        assert spec.kind == kind == spec.connector.kind
        assert spec.record_types and spec.capabilities == spec.connector.capabilities
        assert all(f.label for f in spec.credential_fields)
