"""The outreach events API's event shape (PRODUCT.md section 6), validated one by one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, field_validator

__all__ = ["EVENT_TYPES", "ContactIn", "OutreachEvent", "normalise_email"]

EVENT_TYPES = (
    "contact.added",
    "contact.removed",
    "email.sent",
    "email.opened",
    "email.clicked",
    "email.replied",
    "email.bounced",
)


def normalise_email(email: str) -> str:
    return email.strip().lower()


Email = Annotated[EmailStr, AfterValidator(normalise_email)]
ShortText = Annotated[str, Field(max_length=255)]
CustomValue = str | int | float | bool | None


class _Model(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")


class SequenceIn(_Model):
    id: Annotated[str, Field(min_length=1, max_length=255)]
    name: ShortText | None = None


class ContactIn(_Model):
    email: Email
    first_name: ShortText | None = None
    last_name: ShortText | None = None
    title: ShortText | None = None
    company: ShortText | None = None
    phone: Annotated[str, Field(max_length=64)] | None = None
    linkedin_url: Annotated[str, Field(max_length=512)] | None = None
    location: ShortText | None = None
    custom: dict[Annotated[str, Field(max_length=100)], CustomValue] = Field(default_factory=dict)

    @field_validator("email", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value


class MessageIn(_Model):
    subject: Annotated[str, Field(max_length=1000)] | None = None
    snippet: Annotated[str, Field(max_length=5000)] | None = None


class OutreachEvent(_Model):
    id: Annotated[str, Field(min_length=1, max_length=255)]
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
    team_id: Annotated[str, Field(min_length=1, max_length=32)]
    user_id: Annotated[str, Field(min_length=1, max_length=32)]
    sequence: SequenceIn
    contact: ContactIn
    message: MessageIn | None = None
    sentiment: Literal["interested", "not_interested"] | None = None

    @field_validator("occurred_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    @property
    def activity_kind(self) -> str | None:
        return self.type.removeprefix("email.") if self.type.startswith("email.") else None
