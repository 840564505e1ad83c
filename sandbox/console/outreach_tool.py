"""The console's outreach tool: sample contacts a person adds to a sequence of theirs, and
the email events that follow, posted signed to the app's ``/outreach/events`` as the real
tool posts them. It remembers what it sent, to show each contact's last event."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import httpx

from sandbox.console.directory import PEOPLE, TEAM_ID
from sandbox.outreach import event, sign_outreach

__all__ = ["EVENTS", "SAMPLE_CONTACTS", "OutreachTool"]

# Jane is already in every emulated CRM, so adding her raises the "Exists in <CRM>" alert.
SAMPLE_CONTACTS = (
    {
        "email": "jane@example.com",
        "first_name": "Jane",
        "last_name": "Doe",
        "title": "Staff Engineer",
        "company": "Example Inc",
        "location": "Berlin",
    },
    {
        "email": "priya.patel@example.com",
        "first_name": "Priya",
        "last_name": "Patel",
        "title": "Backend Engineer",
        "company": "Globex",
        "location": "London",
    },
    {
        "email": "marco.rossi@example.com",
        "first_name": "Marco",
        "last_name": "Rossi",
        "title": "Engineering Manager",
        "company": "Initech",
        "location": "Milan",
    },
)
# What the tool can report of a contact: label -> (event type, reply sentiment).
EVENTS: dict[str, tuple[str, str | None]] = {
    "Email sent": ("email.sent", None),
    "Opened": ("email.opened", None),
    "Clicked": ("email.clicked", None),
    "Replied: interested": ("email.replied", "interested"),
    "Replied: not interested": ("email.replied", "not_interested"),
    "Replied": ("email.replied", None),
    "Bounced": ("email.bounced", None),
    "Removed from sequence": ("contact.removed", None),
}
MESSAGE = {"subject": "Quick question", "snippet": "Hi {first}, are you open to a chat?"}


@dataclass
class Sequence:
    id: str
    name: str
    owner: str
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)  # email -> contact
    last_event: dict[str, str] = field(default_factory=dict)  # email -> label

    def to_json(self) -> dict[str, Any]:
        rows = [
            {**contact, "last_event": self.last_event.get(email, "")}
            for email, contact in self.contacts.items()
        ]
        return {"id": self.id, "name": self.name, "owner": self.owner, "contacts": rows}


class OutreachTool:
    def __init__(self, app_url: str, secret: str, http: httpx.AsyncClient):
        self.url = app_url.rstrip("/") + "/outreach/events"
        self.secret = secret
        self.http = http
        self.sequences: dict[str, Sequence] = {}

    def state(self, user: str) -> dict[str, Any]:
        return {
            "samples": SAMPLE_CONTACTS,
            "events": list(EVENTS),
            "sequences": [s.to_json() for s in self.sequences.values() if s.owner == user],
        }

    async def add(self, user: str, sequence_name: str, emails: list[str]) -> dict[str, Any]:
        sequence = self._sequence(user, sequence_name.strip() or "Senior Backend Q4")
        picked = [c for c in SAMPLE_CONTACTS if c["email"] in emails]
        answer = await self._post([self._event(sequence, c, "contact.added") for c in picked])
        for contact in picked:
            sequence.contacts[contact["email"]] = contact
            sequence.last_event[contact["email"]] = "Added"
        return answer

    async def send(self, user: str, sequence_id: str, email: str, label: str) -> dict[str, Any]:
        sequence = self.sequences[sequence_id]
        if sequence.owner != user:
            raise KeyError(f"{sequence.name} is not a sequence of yours")
        kind, sentiment = EVENTS[label]
        contact = sequence.contacts[email]
        answer = await self._post([self._event(sequence, contact, kind, sentiment)])
        sequence.last_event[email] = label
        return answer

    def _sequence(self, user: str, name: str) -> Sequence:
        handle = next((p.name for p in PEOPLE if p.id == user), user.lower())
        sequence_id = f"{_slug(name)}-{handle}"
        if sequence_id not in self.sequences:
            self.sequences[sequence_id] = Sequence(sequence_id, name, user)
        return self.sequences[sequence_id]

    def _event(
        self,
        sequence: Sequence,
        contact: dict[str, Any],
        kind: str,
        sentiment: str | None = None,
    ) -> dict[str, Any]:
        message = {**MESSAGE, "snippet": MESSAGE["snippet"].format(first=contact["first_name"])}
        return event(
            kind,
            team_id=TEAM_ID,
            user_id=sequence.owner,
            sequence={"id": sequence.id, "name": sequence.name},
            contact=contact,
            sentiment=sentiment,
            message=message if kind.startswith("email.") else None,
        )

    async def _post(self, events: list[dict[str, Any]]) -> dict[str, Any]:
        body = json.dumps({"events": events}).encode()
        headers = sign_outreach(self.secret, body)
        response = await self.http.post(self.url, content=body, headers=headers, timeout=10)
        return {"status": response.status_code, **response.json()}


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "sequence"
