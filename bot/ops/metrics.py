"""Prometheus metrics. Counters and histograms are counted where things happen (each process
its own); the state of the data (contacts by sync state, unposted alerts, queue depth) is read
from the database when ``/metrics`` is scraped, so every process reports the fleet's numbers.
"""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func, select

from bot.storage import models as m
from bot.storage.db import Database
from bot.storage.models import utcnow

__all__ = [
    "ALERT_LAG",
    "CONTENT_TYPE_LATEST",
    "CRM_RATE_LIMITED",
    "CRM_REQUESTS",
    "EVENTS",
    "PASS_SECONDS",
    "render",
]

EVENTS = Counter(
    "crm_sync_events", "Outreach events received, by result", ["result"]
)  # accepted | duplicate | rejected
PASS_SECONDS = Histogram(
    "crm_sync_pass_seconds",
    "Duration of one sync pass of one connection",
    ["crm"],
    buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600),
)
CRM_REQUESTS = Counter("crm_sync_crm_requests", "HTTP calls to a CRM, by status", ["crm", "status"])
CRM_RATE_LIMITED = Counter("crm_sync_crm_rate_limited", "CRM answers of 429", ["crm"])
ALERT_LAG = Histogram(
    "crm_sync_alert_lag_seconds",
    "Time from an alert's cause to its Slack message",
    buckets=(1, 2, 5, 10, 30, 60, 300, 900, 3600),
)
CONTACTS = Gauge(
    "crm_sync_contacts", "Contacts in sequences, by CRM and sync state", ["crm", "state"]
)
OLDEST_UNPOSTED_ALERT = Gauge(
    "crm_sync_oldest_unposted_alert_seconds", "Age of the oldest alert not yet in Slack"
)
QUEUE_DEPTH = Gauge("crm_sync_queue_jobs", "Background jobs, by status", ["status"])


async def render(db: Database, queue_depth: dict[str, int]) -> bytes:
    """The exposition text, after reading the fleet-wide numbers from the database."""
    async with db.session() as session:
        rows = await session.execute(
            select(m.Connection.kind, m.Membership.sync_state, func.count(m.Membership.id))
            .join(m.Sequence, m.Sequence.id == m.Membership.sequence_id)
            .join(
                m.Connection,
                (m.Connection.workspace_id == m.Sequence.workspace_id)
                & (m.Connection.user_id == m.Sequence.owner_user_id),
            )
            .group_by(m.Connection.kind, m.Membership.sync_state)
        )
        oldest = await session.scalar(
            select(func.min(m.Alert.created_at)).where(m.Alert.posted_at.is_(None))
        )
    CONTACTS.clear()
    for crm, state, count in rows.all():
        CONTACTS.labels(crm=crm, state=state).set(count)
    age = (utcnow() - _aware(oldest)).total_seconds() if oldest else 0.0
    OLDEST_UNPOSTED_ALERT.set(max(0.0, age))
    for status, count in queue_depth.items():
        QUEUE_DEPTH.labels(status=status).set(count)
    return generate_latest()


def _aware(moment: datetime) -> datetime:
    """SQLite hands aggregates back without the zone; stored times are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
