"""What the connector conformance suite needs from each CRM: its emulator, seeded and
observed through one small interface, so one suite checks every connector the same way.

A CRM joins the suite by writing a ``Harness`` in ``tests/connectors/<kind>/harness.py`` and
listing it in ``HARNESSES`` in ``tests/connectors/conformance/conftest.py``.
"""

from __future__ import annotations

from typing import Literal, Protocol

import httpx

from bot.connectors.base import Connector

Fault = Literal["auth", "rate_limit", "transient", "validation"]


class Harness(Protocol):
    kind: str
    # A record type the connector creates people as, and the job-capable one (if any).
    person_type: str

    def transport(self) -> httpx.AsyncBaseTransport:
        """The emulator as an in-process transport."""

    def connector(self, *, valid: bool = True) -> Connector:
        """A connector built through ``bot.connectors.registry.build_connector`` with test
        settings and ``transport()``; ``valid=False`` uses credentials the emulator rejects.
        Retries must not sleep (zero waits) so faults surface fast."""

    def secrets(self) -> list[str]:
        """Credential values that must never appear in an error message or a log line."""

    def seed_person(self, email: str, first: str, last: str) -> str:
        """A person already in the CRM with this email; returns its id."""

    def seed_job(self, title: str) -> str:
        """An open job; returns its id."""

    def people_with_email(self, email: str) -> list[str]:
        """Ids of every person record (any type) holding this email."""

    def jobs_of(self, person_id: str) -> list[str]:
        """Ids of the jobs the person is on."""

    def activities_of(self, person_id: str) -> list[str]:
        """The text of each activity/note/task written on the person."""

    def inject(self, fault: Fault, *, retry_after: float | None = None) -> None:
        """Make the next API call fail this way (``validation``: the next create)."""
