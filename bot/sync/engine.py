"""One sync pass for one connection (PRODUCT.md section 4, rules 5-8, 14, 15).

A pass, in order:
1. dedup: memberships added with deduplication on are looked up in the CRM before anything
   syncs; found ones are flagged ``Exists in <CRM>`` and an alert is queued;
2. sync: due memberships are linked to the CRM record with their email (found) or to a new
   record (not found), then assigned to the effective job;
3. activity: email events of synced memberships are written to the CRM once each.

Exactly once: a pass runs with the connection's lock held (see ``bot.tasks``); a link is
committed right after its record is created, and a crash before that commit is healed by
find-before-create on the next pass. Activity writes are marked in flight before the call
and checked in the CRM (``activity_exists``) if a pass dies mid-call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import timedelta

from bot.connectors.base import (
    ActivityKind,
    ActivityRecord,
    BatchActivityLogger,
    Connector,
    ContactData,
    CrmRecord,
)
from bot.connectors.errors import (
    AuthError,
    ConnectorError,
    RateLimitError,
    TransientError,
    ValidationError,
)
from bot.connectors.registry import display_name
from bot.ops.metrics import PASS_SECONDS
from bot.states import ConnectionStatus, DedupState, Reason, SyncState
from bot.storage.db import Database
from bot.storage.leases import Lease, LeaseLost, Leases
from bot.storage.models import (
    Activity,
    Connection,
    Contact,
    Membership,
    Sequence,
    SyncLink,
    utcnow,
)
from bot.storage.repos import Repo
from bot.sync import reasons
from bot.sync.lookup import find_by_emails
from bot.sync.mapping import SavedMapping, latest_mapping, mapped_values
from bot.sync.reasons import Why, why
from bot.sync.rules import effective_settings
from bot.sync.statuses import advance_statuses

__all__ = ["ConnectorFactory", "PassResult", "SyncEngine"]

log = logging.getLogger(__name__)

ConnectorFactory = Callable[[Connection], Awaitable[Connector]]

BATCH = 200
# Memberships synced per round: large enough that batch CRMs fill whole create calls (a
# Salesforce Collections call takes 200) across lookup batches, small enough for one session.
SYNC_BATCH = 1000
MAX_TRANSIENT_ATTEMPTS = 8
DEFAULT_PAUSE = timedelta(seconds=60)
ALERT_EXISTS = "exists_in_crm"
ALERT_REAUTH = "reauth"
ALERT_PAUSED = "paused"
BUSY = "another pass of this connection is running"
# A rate limit that pauses the connection longer than this is told to the teammate (e.g.
# Salesforce's used-up daily API allowance); short slow-downs are not worth a DM.
TELL_PAUSE_AFTER = timedelta(minutes=15)


class _StopPass(Exception):
    """The connection cannot go on (credentials, rate limit); the rest waits for next time."""


@dataclass
class PassResult:
    flagged: int = 0
    created: int = 0
    linked: int = 0
    failed: int = 0
    activities: int = 0
    stopped: str | None = None


def contact_data(contact: Contact, mapping: SavedMapping | None = None) -> ContactData:
    """The connector's view of a contact; ``mapping`` (the latest field mapping for the record
    type being created) fills ``crm_fields``."""
    return ContactData(
        email=contact.email,
        first_name=contact.first_name,
        last_name=contact.last_name,
        title=contact.title,
        company=contact.company,
        phone=contact.phone,
        linkedin_url=contact.linkedin_url,
        location=contact.location,
        custom=dict(contact.custom or {}),
        crm_fields=mapped_values(mapping.rows, contact) if mapping else {},
    )


def activity_record(conn: Connection, activity: Activity, sequence: Sequence) -> ActivityRecord:
    return ActivityRecord(
        kind=ActivityKind(activity.kind),
        occurred_at=activity.occurred_at,
        sequence_name=sequence.name,
        marker=f"{conn.id}-{activity.id}",
        subject=activity.subject,
        snippet=activity.snippet,
        sentiment=activity.sentiment,
    )


def record_of(link: SyncLink) -> CrmRecord:
    return CrmRecord(
        id=link.crm_record_id, record_type=link.record_type, emails=(), url=link.record_url
    )


class SyncEngine:
    def __init__(self, db: Database, connector_for: ConnectorFactory):
        self.db = db
        self.connector_for = connector_for
        self.leases = Leases(db)

    async def run_pass(
        self, workspace_id: str, connection_id: int, *, wait_seconds: float = 0.0
    ) -> PassResult:
        """Dedup, sync and activity for one connection, unless another pass of the same
        connection is running anywhere (then this one stands aside: the work stays due)."""
        async with self.leases.hold("sync", connection_id, wait_seconds=wait_seconds) as lease:
            if lease is None:
                log.info(
                    "sync pass skipped: another pass holds the connection",
                    extra={"connection_id": connection_id},
                )
                return PassResult(stopped=BUSY)
            return await self._run_pass(workspace_id, connection_id, lease)

    async def run_status_pass(self, workspace_id: str, connection_id: int) -> int:
        """Status advance (PRODUCT rule 11) for one connection; returns statuses written."""
        async with self.leases.hold("statuses", connection_id) as lease:
            if lease is None:
                return 0
            conn = await self._active_connection(workspace_id, connection_id)
            if conn is None:
                return 0
            connector = await self.connector_for(conn)
            try:
                return await advance_statuses(
                    self.db, conn, connector, lambda call: self._call(conn, call)
                )
            except (_StopPass, TransientError):
                return 0
            finally:
                await connector.aclose()

    async def _active_connection(self, workspace_id: str, connection_id: int) -> Connection | None:
        async with self.db.session() as session:
            conn = await Repo(session, workspace_id).connection(connection_id)
        if conn is None or conn.status != ConnectionStatus.ACTIVE:
            return None
        if conn.paused_until and conn.paused_until > utcnow():
            return None
        return conn

    async def _run_pass(self, workspace_id: str, connection_id: int, lease: Lease) -> PassResult:
        result = PassResult()
        conn = await self._active_connection(workspace_id, connection_id)
        if conn is None:
            return result
        connector = await self.connector_for(conn)
        started = time.monotonic()
        try:
            # Emails the dedup step just found absent need no second lookup in this pass.
            cleared: set[str] = set()
            await self._dedup(conn, connector, result, cleared)
            await self._sync(conn, connector, result, cleared, lease)
            if conn.activity_enabled:
                await self._activities(conn, connector, result)
        except _StopPass as stop:
            result.stopped = str(stop)
        except TransientError as exc:
            result.stopped = exc.reason
            await self._pause(conn, exc, DEFAULT_PAUSE)
        except LeaseLost as exc:
            result.stopped = str(exc)
            log.warning("sync pass stopped: lease lost", extra={"connection_id": conn.id})
        finally:
            await connector.aclose()
            await self._touch(conn)
            PASS_SECONDS.labels(crm=conn.kind).observe(time.monotonic() - started)
        log.info(
            "sync pass",
            extra={
                "connection_id": conn.id,
                "crm": conn.kind,
                "seconds": round(time.monotonic() - started, 3),
                "pass_result": asdict(result),
            },
        )
        return result

    # step 1: deduplication warning ---------------------------------------------------------

    async def _dedup(
        self, conn: Connection, connector: Connector, result: PassResult, cleared: set[str]
    ) -> None:
        crm = display_name(conn.kind)
        while True:
            async with self.db.session() as session:
                repo = Repo(session, conn.workspace_id)
                rows = await repo.dedup_due(conn, BATCH)
                if not rows:
                    return
                links = await repo.links_for(conn.id, (c.id for _, _, c in rows))
                unlinked = [c.email for _, _, c in rows if c.id not in links]
                found = await self._call(conn, lambda e=unlinked: find_by_emails(connector, e))
                for membership, sequence, contact in rows:
                    record = found.get(contact.email)
                    if record is None:
                        membership.dedup_state = DedupState.CLEAR
                        cleared.add(contact.email)
                        continue
                    self._flag(membership, record, crm)
                    await repo.add_alert(
                        membership.id, ALERT_EXISTS, sequence.owner_user_id, conn.alert_channel_id
                    )
                    result.flagged += 1

    @staticmethod
    def _flag(membership: Membership, record: CrmRecord, crm: str) -> None:
        membership.dedup_state = DedupState.EXISTS
        membership.flag = reasons.exists_in(crm)
        membership.flag_record_id = record.id
        membership.flag_record_url = record.url
        if membership.sync_state == SyncState.PENDING:
            membership.sync_state = SyncState.NEEDS_DECISION
            membership.sync_reason = reasons.needs_decision(crm)

    # step 2: find before create, then jobs --------------------------------------------------

    async def _sync(
        self,
        conn: Connection,
        connector: Connector,
        result: PassResult,
        cleared: set[str],
        lease: Lease,
    ) -> None:
        seen: set[int] = set()
        while True:
            async with self.db.session() as session:
                repo = Repo(session, conn.workspace_id)
                due = await repo.sync_due(conn, utcnow(), SYNC_BATCH)
                rows = [r for r in due if r[0].id not in seen]
                if not rows:
                    return
                seen.update(r[0].id for r in rows)
                rows = await self._drop_disabled(conn, repo, rows)
                if not rows:
                    continue
                links = await repo.links_for(conn.id, (c.id for _, _, c in rows))
            unlinked = sorted({c.email for _, _, c in rows if c.id not in links} - cleared)
            found = await self._call(conn, lambda e=unlinked: find_by_emails(connector, e))
            missing = self._to_create(conn, connector, rows, links, found)
            outcomes = await self._create_missing(conn, connector, missing, result, lease)
            for membership, sequence, contact in rows:
                outcome = outcomes.get(contact.id) or found.get(contact.email)
                await self._sync_one(
                    conn, connector, membership, sequence, contact, outcome, result
                )

    @staticmethod
    async def _drop_disabled(
        conn: Connection, repo: Repo, rows: list[tuple[Membership, Sequence, Contact]]
    ) -> list[tuple[Membership, Sequence, Contact]]:
        """Rule 3: a sequence disabled after its contacts were queued still never syncs."""
        kept = []
        for membership, sequence, contact in rows:
            if not sequence.sync_disabled:
                kept.append((membership, sequence, contact))
                continue
            row = await repo.membership_by_id(membership.id)
            if row is not None:
                row.sync_state = SyncState.SKIPPED
                row.sync_reason = reasons.sequence_disabled(sequence.name)
                row.next_attempt_at = None
        return kept

    @staticmethod
    def _to_create(
        conn: Connection,
        connector: Connector,
        rows: list[tuple[Membership, Sequence, Contact]],
        links: dict[int, SyncLink],
        found: dict[str, CrmRecord],
    ) -> dict[str, list[Contact]]:
        """Contacts with neither a link nor a CRM record, by record type. A contact in two
        due sequences is created once, as the first sequence's record type."""
        by_type: dict[str, list[Contact]] = {}
        taken: set[int] = set()
        for _, sequence, contact in rows:
            if contact.id in links or contact.email in found or contact.id in taken:
                continue
            taken.add(contact.id)
            record_type = effective_settings(sequence, conn).sync_as or connector.record_types[0]
            by_type.setdefault(record_type, []).append(contact)
        return by_type

    async def _create_missing(
        self,
        conn: Connection,
        connector: Connector,
        missing: dict[str, list[Contact]],
        result: PassResult,
        lease: Lease,
    ) -> dict[int, CrmRecord | ConnectorError]:
        """Create in the CRM's batch size; each batch's links are committed right after it.
        The lease is checked before each create: a pass that lost it must not create more."""
        outcomes: dict[int, CrmRecord | ConnectorError] = {}
        size = max(1, connector.create_batch_size)
        for record_type, contacts in missing.items():
            async with self.db.session() as session:
                mapping = await latest_mapping(
                    Repo(session, conn.workspace_id), conn.id, record_type
                )
            for start in range(0, len(contacts), size):
                chunk = contacts[start : start + size]
                data = [contact_data(c, mapping) for c in chunk]
                await lease.check()
                try:
                    made = await self._call(
                        conn, lambda d=data, t=record_type: connector.create_many(d, t)
                    )
                except TransientError as exc:
                    outcomes.update({c.id: exc for c in chunk})
                    continue
                async with self.db.session() as session:
                    repo = Repo(session, conn.workspace_id)
                    for contact, record in zip(chunk, made, strict=True):
                        outcomes[contact.id] = record
                        if isinstance(record, CrmRecord):
                            await repo.add_link(
                                conn.id,
                                contact.id,
                                record.id,
                                record.record_type,
                                record.url,
                                created=True,
                                mapping_version=mapping.version if mapping else None,
                            )
                            result.created += 1
        return outcomes

    async def _sync_one(
        self,
        conn: Connection,
        connector: Connector,
        membership: Membership,
        sequence: Sequence,
        contact: Contact,
        outcome: CrmRecord | ConnectorError | None,
        result: PassResult,
    ) -> None:
        """Link (if the record was found), assign the job, and mark the membership."""
        crm = display_name(conn.kind)
        settings = effective_settings(sequence, conn)
        try:
            if isinstance(outcome, ConnectorError):
                raise outcome
            async with self.db.session() as session:
                repo = Repo(session, conn.workspace_id)
                link = (await repo.links_for(conn.id, [contact.id])).get(contact.id)
                if link is None and outcome is not None:
                    link = await repo.add_link(
                        conn.id,
                        contact.id,
                        outcome.id,
                        outcome.record_type,
                        outcome.url,
                        created=False,
                    )
                    result.linked += 1
            if link is None:  # created in an earlier batch whose links did not commit
                await self._mark(conn, membership.id, SyncState.PENDING, None)
                return
            if settings.job_id:
                await self._assign_job(conn, connector, link, settings.job_id)
            await self._mark(conn, membership.id, SyncState.SYNCED, None)
        except ValidationError as exc:
            result.failed += 1
            refused = why(Why.CRM_REFUSED, crm=crm, detail=exc.reason)
            await self._mark(conn, membership.id, SyncState.FAILED, refused)
        except TransientError as exc:
            await self._retry_later(conn, membership, exc, result)

    async def _assign_job(
        self, conn: Connection, connector: Connector, link: SyncLink, job_id: str
    ) -> None:
        async with self.db.session() as session:
            repo = Repo(session, conn.workspace_id)
            if job_id in await repo.assigned_jobs(link.id):
                return
        await self._call(conn, lambda: connector.assign_to_job(record_of(link), job_id))
        async with self.db.session() as session:
            await Repo(session, conn.workspace_id).add_job_assignment(link.id, job_id)

    async def _retry_later(
        self, conn: Connection, membership: Membership, exc: TransientError, result: PassResult
    ) -> None:
        crm = display_name(conn.kind)
        async with self.db.session() as session:
            row = await Repo(session, conn.workspace_id).membership_by_id(membership.id)
            if row is None:
                return
            row.sync_attempts += 1
            if row.sync_attempts >= MAX_TRANSIENT_ATTEMPTS:
                result.failed += 1
                row.sync_state = SyncState.FAILED
                row.sync_reason = why(
                    Why.CRM_KEPT_FAILING, crm=crm, detail=exc.reason, tries=row.sync_attempts
                )
                return
            delay = timedelta(seconds=min(3600, 15 * 2**row.sync_attempts))
            row.next_attempt_at = utcnow() + delay
            row.sync_reason = why(Why.CRM_NOT_ANSWERING, crm=crm, detail=exc.reason)

    async def _mark(
        self, conn: Connection, membership_id: int, state: SyncState, reason: Reason | None
    ) -> None:
        async with self.db.session() as session:
            row = await Repo(session, conn.workspace_id).membership_by_id(membership_id)
            if row is None:
                return
            row.sync_state = state
            row.sync_reason = reason
            row.next_attempt_at = None
            if state == SyncState.SYNCED:
                row.synced_at = utcnow()

    # step 3: activity -----------------------------------------------------------------------

    async def _activities(self, conn: Connection, connector: Connector, result: PassResult) -> None:
        size = connector.activity_batch_size if isinstance(connector, BatchActivityLogger) else 1
        seen: set[int] = set()  # left in flight by an outage: retried next pass, not in a loop
        while True:
            async with self.db.session() as session:
                rows = await Repo(session, conn.workspace_id).activities_to_push(conn, BATCH)
            rows = [row for row in rows if row[0].id not in seen]
            if not rows:
                return
            seen.update(activity.id for activity, _, _ in rows)
            for start in range(0, len(rows), size):
                await self._push_activities(conn, connector, rows[start : start + size], result)

    async def _push_activities(
        self,
        conn: Connection,
        connector: Connector,
        rows: list[tuple[Activity, SyncLink, Sequence]],
        result: PassResult,
    ) -> None:
        """Write a chunk once each: marked in flight first; one left in flight by an earlier
        pass is looked for in the CRM before it is written again."""
        items = {
            activity.id: (record_of(link), activity_record(conn, activity, sequence))
            for activity, link, sequence in rows
        }
        claimed = list(items)
        in_doubt = await self._mark_in_flight(conn, claimed)
        items = {a: items[a] for a in claimed}
        outcomes: dict[int, str | ConnectorError | None] = {}
        try:
            for activity_id in in_doubt:
                record, payload = items[activity_id]
                if await self._call(
                    conn, lambda r=record, p=payload: connector.activity_exists(r, p.marker)
                ):
                    outcomes[activity_id] = None
            to_write = [a for a in items if a not in outcomes]
            written = await self._call(
                conn, lambda: self._write(connector, [items[a] for a in to_write])
            )
            outcomes.update(zip(to_write, written, strict=True))
        except TransientError:
            pass  # what was not written stays in flight: checked in the CRM before the next try
        await self._record_pushes(conn, outcomes, result)

    @staticmethod
    async def _write(
        connector: Connector, items: list[tuple[CrmRecord, ActivityRecord]]
    ) -> list[str | ConnectorError]:
        if isinstance(connector, BatchActivityLogger) and len(items) > 1:
            return await connector.log_activities(items)
        written: list[str | ConnectorError] = []
        for record, payload in items:
            try:
                written.append(await connector.log_activity(record, payload))
            except ValidationError as exc:
                written.append(exc)
        return written

    async def _mark_in_flight(self, conn: Connection, activity_ids: list[int]) -> list[int]:
        """Claim each push before its CRM call; returns the ids that were claimed already and
        are still in flight (in doubt: an interrupted pass may have written them). Ids that
        another pass settled meanwhile are dropped from ``activity_ids``."""
        async with self.db.session() as session:
            repo = Repo(session, conn.workspace_id)
            existing = await repo.claim_activity_pushes(conn.id, activity_ids)
        settled = {a for a, status in existing.items() if status != "in_flight"}
        activity_ids[:] = [a for a in activity_ids if a not in settled]
        return [a for a, status in existing.items() if status == "in_flight"]

    async def _record_pushes(
        self,
        conn: Connection,
        outcomes: dict[int, str | ConnectorError | None],
        result: PassResult,
    ) -> None:
        async with self.db.session() as session:
            repo = Repo(session, conn.workspace_id)
            for activity_id, outcome in outcomes.items():
                push = await repo.activity_push(conn.id, activity_id)
                if push is None:
                    continue
                if isinstance(outcome, ConnectorError):
                    push.status, push.reason = "failed", reasons.crm_answer(outcome.reason)
                else:
                    push.status, push.crm_activity_id = "done", outcome
                    result.activities += 1

    # connector calls and connection health ---------------------------------------------------

    async def _call(self, conn: Connection, call: Callable[[], Awaitable]):
        """Run a connector call; failures that concern the whole connection stop the pass."""
        try:
            return await call()
        except AuthError as exc:
            await self._needs_reauth(conn, exc)
            raise _StopPass(exc.reason) from exc
        except RateLimitError as exc:
            await self._pause(conn, exc)
            raise _StopPass(exc.reason) from exc
        except ConnectorError:
            raise

    async def _needs_reauth(self, conn: Connection, exc: AuthError) -> None:
        async with self.db.session() as session:
            repo = Repo(session, conn.workspace_id)
            # One DM per lost connection, however many passes meet the refusal at once.
            if await repo.mark_needs_reauth(conn.id, reasons.crm_answer(exc.reason)):
                await repo.add_reauth_alert(conn.user_id)
        log.warning("connection needs reauth", extra={"connection_id": conn.id, "code": exc.code})

    async def _pause(
        self, conn: Connection, exc: TransientError, pause: timedelta | None = None
    ) -> None:
        retry_after = getattr(exc, "retry_after", None)
        pause = pause or (timedelta(seconds=retry_after) if retry_after else DEFAULT_PAUSE)
        async with self.db.session() as session:
            repo = Repo(session, conn.workspace_id)
            row = await repo.connection(conn.id)
            if row is not None:
                row.paused_until = utcnow() + pause
                row.status_reason = reasons.paused(row.paused_until, exc.reason)
                if isinstance(exc, RateLimitError) and pause >= TELL_PAUSE_AFTER:
                    await repo.add_user_alert(conn.user_id, ALERT_PAUSED)

    async def _touch(self, conn: Connection) -> None:
        async with self.db.session() as session:
            row = await Repo(session, conn.workspace_id).connection(conn.id)
            if row is not None:
                row.last_pass_at = utcnow()
