"""``/crm add``: one contact added by hand goes through the same path as an outreach event."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from pydantic import ValidationError

from bot.services.events import OutreachEvent
from bot.services.ingest import ingest
from bot.storage.db import Database
from bot.storage.models import Membership, utcnow
from bot.storage.repos import Repo

__all__ = ["AddRequest", "UsageError", "add_contact", "parse_add"]

_EMAIL_LIKE = re.compile(r"^[^@\s]+@[^@\s]+$")
USAGE = (
    "Usage: `/crm add <sequence> <email> [first last]`, "
    "e.g. `/crm add Senior Backend Q4 jane@acme.com Jane Doe`"
)


class UsageError(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class AddRequest:
    sequence: str
    email: str
    first_name: str | None
    last_name: str | None


def parse_add(text: str) -> AddRequest:
    words = text.split()
    at = next((i for i, w in enumerate(words) if _EMAIL_LIKE.match(w.strip("<>"))), None)
    if at is None:
        raise UsageError(f"I could not find an email address. {USAGE}")
    sequence = " ".join(words[:at]).strip("\"'“”")
    if not sequence:
        raise UsageError(f"Which sequence? {USAGE}")
    email = words[at].strip("<>")
    if email.startswith("mailto:"):
        email = email.removeprefix("mailto:").split("|", 1)[0]
    names = words[at + 1 :]
    return AddRequest(sequence, email, names[0] if names else None, " ".join(names[1:]) or None)


async def add_contact(
    db: Database, workspace_id: str, user_id: str, request: AddRequest
) -> Membership:
    async with db.session() as session:
        existing = await Repo(session, workspace_id).find_sequence(user_id, request.sequence)
    sequence = (
        {"id": existing.external_id, "name": existing.name}
        if existing
        else {"id": f"slack:{request.sequence.lower()}", "name": request.sequence}
    )
    try:
        event = OutreachEvent.model_validate(
            {
                "id": f"slack-{uuid.uuid4().hex}",
                "type": "contact.added",
                "occurred_at": utcnow(),
                "team_id": workspace_id,
                "user_id": user_id,
                "sequence": sequence,
                "contact": {
                    "email": request.email,
                    "first_name": request.first_name,
                    "last_name": request.last_name,
                },
            }
        )
    except ValidationError as exc:
        raise UsageError(f"`{request.email}` is not a valid email address. {USAGE}") from exc
    await ingest(db, [event])
    async with db.session() as session:
        repo = Repo(session, workspace_id)
        seq = await repo.sequence_by_external_id(event.sequence.id)
        contact = await repo.contact_by_email(event.contact.email)
        membership = await repo.membership(seq.id, contact.id)
    return membership
