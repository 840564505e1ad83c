"""Looking emails up in a CRM, in the connector's batch size: the one way the sync pass and
the resync preview ask "who is there already"."""

from __future__ import annotations

from collections.abc import Sequence

from bot.connectors.base import Connector, CrmRecord

__all__ = ["find_by_emails"]


async def find_by_emails(connector: Connector, emails: Sequence[str]) -> dict[str, CrmRecord]:
    """The CRM record of each email the CRM has, by email."""
    found: dict[str, CrmRecord] = {}
    size = max(1, connector.find_batch_size)
    for start in range(0, len(emails), size):
        found.update(await connector.find_by_emails(list(emails[start : start + size])))
    return found
