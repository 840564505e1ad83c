"""Contact ↔ CRM record links per connection, and the jobs each record was assigned to."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import select

from bot.storage import models as m
from bot.storage.models import utcnow
from bot.storage.scope import Scoped, insert_ignore

__all__ = ["Links"]

log = logging.getLogger(__name__)


class Links(Scoped):
    async def links_for(
        self, connection_id: int, contact_ids: Iterable[int]
    ) -> dict[int, m.SyncLink]:
        ids = list(set(contact_ids))
        if not ids:
            return {}
        links = await self.session.scalars(
            select(m.SyncLink).where(
                m.SyncLink.workspace_id == self.ws,
                m.SyncLink.connection_id == connection_id,
                m.SyncLink.contact_id.in_(ids),
            )
        )
        return {link.contact_id: link for link in links}

    async def add_link(
        self,
        connection_id: int,
        contact_id: int,
        record_id: str,
        record_type: str,
        record_url: str | None,
        *,
        created: bool,
        mapping_version: int | None = None,
    ) -> m.SyncLink:
        """Link a contact to its CRM record, or return the link already there: the unique key
        (connection, contact) means a second pass that got here first wins, never a crash."""
        inserted = await self.session.scalar(
            insert_ignore(
                self.session,
                m.SyncLink,
                {
                    "workspace_id": self.ws,
                    "connection_id": connection_id,
                    "contact_id": contact_id,
                    "crm_record_id": record_id,
                    "record_type": record_type,
                    "record_url": record_url,
                    "created_in_crm": created,
                    "mapping_version": mapping_version,
                    "synced_at": utcnow(),
                },
            ).returning(m.SyncLink.id)
        )
        link = (await self.links_for(connection_id, [contact_id]))[contact_id]
        if inserted is None and created and link.crm_record_id != record_id:
            log.warning(
                "a record was created for a contact another pass had linked",
                extra={"connection_id": connection_id, "contact_id": contact_id},
            )
        return link

    async def assigned_jobs(self, sync_link_id: int) -> set[str]:
        jobs = await self.session.scalars(
            select(m.JobAssignment.job_id).where(
                m.JobAssignment.workspace_id == self.ws,
                m.JobAssignment.sync_link_id == sync_link_id,
            )
        )
        return set(jobs)

    async def add_job_assignment(self, sync_link_id: int, job_id: str) -> None:
        await self.session.execute(
            insert_ignore(
                self.session,
                m.JobAssignment,
                {
                    "workspace_id": self.ws,
                    "sync_link_id": sync_link_id,
                    "job_id": job_id,
                    "assigned_at": utcnow(),
                },
            )
        )
