"""Prometheus metrics. Counters and histograms are counted where things happen (each process
its own); the state of the data (contacts by sync state, unposted alerts, queue depth) is set
from the database when ``/metrics`` is scraped (:mod:`bot.ops.routes`), so every process
reports the fleet's numbers. This module imports nothing of the app: any layer may count.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

__all__ = [
    "ALERT_LAG",
    "CONTACTS",
    "CONTENT_TYPE_LATEST",
    "CRM_RATE_LIMITED",
    "CRM_REQUESTS",
    "EVENTS",
    "OLDEST_UNPOSTED_ALERT",
    "PASS_SECONDS",
    "QUEUE_DEPTH",
    "generate_latest",
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
