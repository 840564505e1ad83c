"""The event model: what may be stored on every database, and the email check's shortcut."""

from __future__ import annotations

import string

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from pydantic.networks import validate_email
from pydantic_core import PydanticCustomError

from bot.services.events import OutreachEvent, _is_common, check_email, describe
from tests.support.outreach import make_event

ATEXT = string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~-"


def email_validator_says(address: str) -> str | None:
    """email-validator's verdict (pydantic's EmailStr), lower-cased as the app stores it."""
    try:
        return validate_email(address)[1].strip().lower()
    except PydanticCustomError:
        return None


label = st.text(string.ascii_letters + string.digits + "-", min_size=1, max_size=64)
local_part = st.lists(st.text(ATEXT, min_size=1, max_size=30), min_size=1, max_size=3).map(".".join)
suffix = st.sampled_from(["com", "io", "example", "test", "local", "arpa", "onion", "c0m", "x"])
near_common = st.builds(
    lambda local, labels, tld: f"{local}@{'.'.join([*labels, tld])}",
    local_part | st.text(min_size=1, max_size=70),
    st.lists(label, min_size=1, max_size=3),
    suffix,
)


@settings(max_examples=400, deadline=None)
@given(near_common | st.emails())
@example("jane@acme.com")
@example("a@my--company.com")  # "--" at 3-4 is not a Punycode label: email-validator refuses
@example("x@xn--nxasmq6b.com")
@example("jane@sub.localhost")
@example(f"{'a' * 65}@acme.com")
@example(f"a@{'b' * 63}.{'c' * 63}.{'d' * 63}.{'e' * 57}.com")
def test_the_shortcut_agrees_with_email_validator(address: str) -> None:
    if _is_common(address):
        assert check_email(address) == email_validator_says(address) == address.lower()


def test_the_shortcut_takes_ordinary_addresses() -> None:
    for address in ("jane@acme.com", "J.Doe+tag@Mail.Example.co.uk", "o'neil@acme.io"):
        assert _is_common(address)
    for address in ("josé@acme.com", "jane@acme.local", "Jane <jane@acme.com>", "a@b"):
        assert not _is_common(address)


@pytest.mark.parametrize(
    "address", ["josé@exämple.com", "用户@例子.广告", "JANE@ACME.COM ", "Jane <jane@acme.com>"]
)
def test_other_addresses_get_email_validators_answer(address: str) -> None:
    assert check_email(address) == email_validator_says(address.strip())


@pytest.mark.parametrize(
    ("overrides", "where", "why"),
    [
        ({"contact": {"first_name": "Ja\x00ne"}}, "contact.first_name", "NUL"),
        ({"id": "evt\x00"}, "id", "NUL"),
        ({"contact": {"custom": {"k\x00": 1}}}, "contact.custom.k\\u0000.[key]", "NUL"),
        ({"contact": {"custom": {"k": "v\x00"}}}, "contact.custom.k", "NUL"),
        ({"contact": {"custom": {"k": float("nan")}}}, "contact.custom.k", "finite"),
        ({"contact": {"custom": {"k": float("inf")}}}, "contact.custom.k", "finite"),
        ({"contact": {"custom": {"k": {"deep": 1}}}}, "contact.custom.k", "a string, a number"),
        ({"occurred_at": "0001-01-01T00:00:00+01:00"}, "occurred_at", "years 1 to 9999"),
        ({"occurred_at": "9999-12-31T23:59:59-01:00"}, "occurred_at", "years 1 to 9999"),
    ],
)
def test_values_no_database_can_store_are_refused_with_a_reason(
    overrides: dict, where: str, why: str
) -> None:
    with pytest.raises(ValidationError) as error:
        OutreachEvent.model_validate(make_event(**overrides))
    reason = describe(error.value)
    assert reason.startswith(f"{where}: ") and why in reason, reason
    assert "\x00" not in reason


def test_a_long_odd_field_name_is_shortened_in_the_reason() -> None:
    with pytest.raises(ValidationError) as error:
        OutreachEvent.model_validate(make_event(contact={"custom": {"k" * 5000: [1]}}))
    reason = describe(error.value)
    assert "k" * 65 not in reason and len(reason) < 400, reason
