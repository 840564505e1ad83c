"""The outreach events API's event shape (PRODUCT.md section 6), validated one by one.

Every event that validates can be stored on SQLite and on PostgreSQL: strings hold no NUL
character and numbers are finite, so one bad event is rejected alone instead of failing the
transaction of its whole batch.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import email_validator
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    field_validator,
)
from pydantic.networks import validate_email

__all__ = [
    "EVENT_TYPES",
    "ContactIn",
    "OutreachEvent",
    "check_email",
    "describe",
    "normalise_email",
]

EVENT_TYPES = (
    "contact.added",
    "contact.removed",
    "email.sent",
    "email.opened",
    "email.clicked",
    "email.replied",
    "email.bounced",
)

# PostgreSQL text cannot hold U+0000. Checked by pydantic's own (compiled) pattern matching,
# which costs next to nothing; ``describe`` words the failure.
NO_NUL = r"^[^\x00]*$"
NUL_REASON = "must not contain a NUL character (\\u0000)"

# The common address: ASCII dot-atom local part, ASCII letter-digit-hyphen labels and an
# alphabetic top-level label. email-validator accepts every such address and normalises it to
# its lower case, so it skips the ~40 µs email-validator takes; whatever else, including
# Unicode, "--" in a label (Punycode rules) and special-use domains, goes to email-validator.
_ATEXT = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_COMMON_EMAIL = re.compile(
    rf"(?P<local>{_ATEXT}+(?:\.{_ATEXT}+)*)@(?P<domain>(?:{_LABEL}\.)+[a-z]{{2,63}})", re.I
)
_SPECIAL_USE = tuple(email_validator.SPECIAL_USE_DOMAIN_NAMES)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _is_common(email: str) -> bool:
    match = _COMMON_EMAIL.fullmatch(email)
    if match is None or len(email) > 254 or len(match["local"]) > 64:
        return False
    domain = match["domain"].lower()
    if "--" in domain:
        return False
    return not any(domain == name or domain.endswith("." + name) for name in _SPECIAL_USE)


def check_email(value: str) -> str:
    """email-validator's syntax rules (no DNS), normalised to lower case."""
    value = value.strip()
    if _is_common(value):
        return value.lower()
    return normalise_email(validate_email(value)[1])


def _custom_value(value: Any) -> str | int | float | bool | None:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(NUL_REASON)
        return value.strip()
    raise ValueError("must be a string, a number, true, false or null")


Email = Annotated[
    str, AfterValidator(check_email), WithJsonSchema({"type": "string", "format": "email"})
]
Text = Annotated[str, Field(pattern=NO_NUL)]
ShortText = Annotated[Text, Field(max_length=255)]
CustomValue = Annotated[Any, AfterValidator(_custom_value)]
_SCALAR = {
    "anyOf": [{"type": "string", "pattern": NO_NUL}, {"type": ["number", "boolean", "null"]}]
}
CustomFields = Annotated[
    dict[Annotated[Text, Field(max_length=100)], CustomValue],
    # Every name, not only those matching a pattern, is held to the rules.
    WithJsonSchema(
        {
            "type": "object",
            "propertyNames": {"maxLength": 100, "pattern": NO_NUL},
            "additionalProperties": _SCALAR,
        }
    ),
]


class _Model(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore", allow_inf_nan=False)


class SequenceIn(_Model):
    id: Annotated[Text, Field(min_length=1, max_length=255)]
    name: ShortText | None = None


class ContactIn(_Model):
    email: Email
    first_name: ShortText | None = None
    last_name: ShortText | None = None
    title: ShortText | None = None
    company: ShortText | None = None
    phone: Annotated[Text, Field(max_length=64)] | None = None
    linkedin_url: Annotated[Text, Field(max_length=512)] | None = None
    location: ShortText | None = None
    custom: CustomFields = Field(default_factory=dict)


class MessageIn(_Model):
    subject: Annotated[Text, Field(max_length=1000)] | None = None
    snippet: Annotated[Text, Field(max_length=5000)] | None = None


class OutreachEvent(_Model):
    id: Annotated[Text, Field(min_length=1, max_length=255)]
    type: Literal[
        "contact.added",
        "contact.removed",
        "email.sent",
        "email.opened",
        "email.clicked",
        "email.replied",
        "email.bounced",
    ]
    occurred_at: datetime
    team_id: Annotated[Text, Field(min_length=1, max_length=32)]
    user_id: Annotated[Text, Field(min_length=1, max_length=32)]
    sequence: SequenceIn
    contact: ContactIn
    message: MessageIn | None = None
    sentiment: Literal["interested", "not_interested"] | None = None

    @field_validator("occurred_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        try:
            return value.astimezone(UTC)
        except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 is before year 1 in UTC
            raise ValueError("is outside the years 1 to 9999 in UTC") from None

    @property
    def activity_kind(self) -> str | None:
        return self.type.removeprefix("email.") if self.type.startswith("email.") else None


def describe(error: ValidationError) -> str:
    """One line naming each invalid field and why."""
    parts = []
    for item in error.errors(include_url=False, include_input=False):
        where = ".".join(_readable(part) for part in item["loc"]) or "event"
        nul = item["type"] == "string_pattern_mismatch" and item["ctx"]["pattern"] == NO_NUL
        parts.append(f"{where}: {NUL_REASON if nul else item['msg']}")
    return "; ".join(parts)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _readable(part: str | int) -> str:
    """A location part (a custom field name may be anything) made short and printable."""
    text = _CONTROL.sub(lambda m: f"\\u{ord(m[0]):04x}", str(part))
    return text if len(text) <= 64 else text[:61] + "..."
