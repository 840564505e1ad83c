"""How an email event reads when written into a CRM, shared by every connector.

Each written activity ends with ``[crm-sync:<marker>]`` so an in-doubt write (the pass died
mid-call) can be found in the CRM again instead of being written twice.
"""

from __future__ import annotations

from bot.connectors.base import ActivityKind, ActivityRecord

__all__ = ["ACTIVITY_VERBS", "activity_lines", "marker_tag", "verb"]

ACTIVITY_VERBS: dict[ActivityKind, str] = {
    ActivityKind.SENT: "Email sent",
    ActivityKind.OPENED: "Email opened",
    ActivityKind.CLICKED: "Link clicked",
    ActivityKind.REPLIED: "Replied",
    ActivityKind.BOUNCED: "Email bounced",
}

SNIPPET_LIMIT = 500


def marker_tag(marker: str) -> str:
    return f"[crm-sync:{marker}]"


def verb(kind: ActivityKind) -> str:
    return ACTIVITY_VERBS.get(kind, str(kind).capitalize())


def activity_lines(activity: ActivityRecord) -> list[str]:
    """The event as plain lines (what, subject, snippet, sentiment), ending with its marker."""
    lines = [f"{verb(activity.kind)} in sequence '{activity.sequence_name}'"]
    if activity.subject:
        lines.append(f"Subject: {activity.subject}")
    if activity.snippet:
        lines.append(activity.snippet[:SNIPPET_LIMIT])
    if activity.sentiment:
        lines.append(f"Sentiment: {activity.sentiment}")
    lines.append(marker_tag(activity.marker))
    return lines
