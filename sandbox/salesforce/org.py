"""The records of an emulated Salesforce org and the rules a create goes through: describe
metadata (:mod:`.schema`), validation, duplicate rules, validation-rule refusals, and the daily
API allowance.

Tests seed a :class:`SalesforceState` (``add_lead``, ``add_contact``, ``oauth.add_user``...),
read it back (``people_with_email``, ``tasks_for``) and use the kernel hooks it inherits;
``inject_record_error`` refuses the next creates the way a validation rule would.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sandbox.kernel import Clock, State
from sandbox.salesforce.ids import new_id
from sandbox.salesforce.oauth import OAuthState, OAuthUser
from sandbox.salesforce.schema import STRINGISH, FieldMeta, ObjectMeta, standard_objects

__all__ = ["DEFAULT_DAILY_LIMIT", "MAX_URI_LENGTH", "ApiError", "RecordError", "SalesforceState"]

DEFAULT_DAILY_LIMIT = 15_000  # Developer Edition allowance
MAX_URI_LENGTH = 16_384
COLLECTION_LIMIT = 200
QUERY_BATCH = 2_000
DUPLICATE_MESSAGE = "Use one of these records?"
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
VERSION_RE = re.compile(r"v\d+\.\d")
PERSON_OBJECTS = ("Lead", "Contact")
URL_VERSION = "v60.0"  # in record URLs that are not tied to one request's version


def _sf_datetime(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


@dataclass
class RecordFault:
    """An injected per-record refusal for the next creates of ``sobject`` (``*`` = any)."""

    sobject: str
    error_code: str
    message: str
    fields: list[str]
    remaining: int | None


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: Sequence[str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields = list(fields) if fields is not None else None
        self.extra = dict(extra or {})

    def body(self) -> list[dict[str, Any]]:
        error: dict[str, Any] = {**self.extra, "message": self.message, "errorCode": self.code}
        if self.fields is not None:
            error["fields"] = self.fields
        return [error]


class RecordError(Exception):
    """One record refused; rendered with ``errorCode`` (single create) or ``statusCode``."""

    def __init__(
        self,
        code: str,
        message: str,
        fields: Sequence[str] = (),
        duplicate_result: dict[str, Any] | None = None,
    ):
        super().__init__(message)
        self.code, self.message, self.fields = code, message, list(fields)
        self.duplicate_result = duplicate_result

    def as_error(self, key: str, *, with_duplicates: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {key: self.code, "message": self.message, "fields": self.fields}
        if self.duplicate_result is not None and with_duplicates:
            out["duplicateResult"] = self.duplicate_result
        return out


class SalesforceState(State):
    """One emulated org: its login server (``oauth``, a state of its own), records, metadata,
    the daily allowance and the kernel hooks (see ``State``)."""

    def __init__(
        self,
        *,
        login_url: str = "https://login.salesforce.com",
        clock: Clock | None = None,
        seed: int | None = None,
        daily_limit: int = DEFAULT_DAILY_LIMIT,
        max_uri_length: int = MAX_URI_LENGTH,
        query_batch_size: int = QUERY_BATCH,
    ):
        super().__init__(clock=clock, seed=seed)
        self.oauth = OAuthState(login_url=login_url, clock=self.clock, ids=self.ids, seed=seed)
        self.objects: dict[str, ObjectMeta] = standard_objects()
        self.records: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in self.objects}
        self.daily_limit = daily_limit
        self.api_usage = 0
        self._usage_day: date = self.clock.now().date()
        self.max_uri_length = max_uri_length
        self.query_batch_size = query_batch_size
        # Object being created → objects its duplicate rule compares the email with.
        self.duplicate_rules: dict[str, tuple[str, ...]] = {
            "Lead": ("Lead", "Contact"),
            "Contact": ("Contact", "Lead"),
        }
        self.duplicate_action = "alert"  # alert (allowSave header saves) | block | off
        self.duplicate_details_in_collections = True
        self.record_faults: list[RecordFault] = []
        self._cursors: dict[str, list[dict[str, Any]]] = {}

    # seeding -----------------------------------------------------------------------------

    def add_record(self, sobject: str, owner: OAuthUser | None = None, **values: Any) -> str:
        """Store a record as is (no validation); returns its id."""
        meta = self.objects[sobject]
        record_id = new_id(self.ids, meta.key_prefix)
        now = _sf_datetime(self.clock.now())
        record: dict[str, Any] = {
            f.name: f.default_value for f in meta.fields.values() if f.default_value is not None
        }
        record.update(values)
        record.update(
            Id=record_id,
            CreatedDate=now,
            LastModifiedDate=now,
            OwnerId=owner.id if owner else record.get("OwnerId"),
        )
        if "Name" in meta.fields:
            record["Name"] = " ".join(
                p for p in (record.get("FirstName"), record.get("LastName")) if p
            )
        self.records[sobject][record_id] = record
        return record_id

    def add_lead(
        self,
        email: str,
        last_name: str,
        company: str = "Acme",
        *,
        first_name: str | None = None,
        converted_to: str | None = None,
    ) -> str:
        values: dict[str, Any] = {"Email": email, "LastName": last_name, "Company": company}
        if first_name:
            values["FirstName"] = first_name
        if converted_to:
            values.update(
                IsConverted=True, ConvertedContactId=converted_to, Status="Closed - Converted"
            )
        return self.add_record("Lead", **values)

    def add_contact(self, email: str, last_name: str, *, first_name: str | None = None) -> str:
        values = {"Email": email, "LastName": last_name}
        if first_name:
            values["FirstName"] = first_name
        return self.add_record("Contact", **values)

    def add_custom_field(self, sobject: str, meta: FieldMeta) -> None:
        self.objects[sobject].fields[meta.name] = meta

    # test hooks --------------------------------------------------------------------------

    def inject_record_error(
        self,
        error_code: str = "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        message: str = "Records from this source need review",
        *,
        sobject: str = "*",
        fields: Sequence[str] = (),
        times: int | None = 1,
    ) -> None:
        """Refuse the next ``times`` record creates of ``sobject`` as a validation rule would."""
        self.record_faults.append(RecordFault(sobject, error_code, message, list(fields), times))

    def clear_faults(self) -> None:
        super().clear_faults()
        self.record_faults.clear()

    def set_api_usage(self, used: int, limit: int | None = None) -> None:
        self.api_usage = used
        if limit is not None:
            self.daily_limit = limit

    def snapshot(self) -> dict[str, Any]:
        return {sobject: list(rows.values()) for sobject, rows in self.records.items()}

    def people_with_email(self, email: str) -> list[tuple[str, str]]:
        """(object, id) of every Lead and Contact holding ``email`` (case-insensitive)."""
        wanted = email.casefold()
        return [
            (sobject, record["Id"])
            for sobject in PERSON_OBJECTS
            for record in self.records[sobject].values()
            if str(record.get("Email") or "").casefold() == wanted
        ]

    def tasks_for(self, who_id: str) -> list[dict[str, Any]]:
        return [t for t in self.records["Task"].values() if t.get("WhoId") == who_id]

    def data_calls(self) -> int:
        """Calls that reached the data API and counted against the daily allowance."""
        return sum(1 for c in self.log if c.status not in (401, 414))

    # internals ---------------------------------------------------------------------------

    def roll_usage_day(self) -> None:
        today = self.clock.now().date()
        if today != self._usage_day:
            self._usage_day, self.api_usage = today, 0

    def limit_header(self) -> dict[str, str]:
        return {"Sforce-Limit-Info": f"api-usage={self.api_usage}/{self.daily_limit}"}

    def _take_record_fault(self, sobject: str) -> RecordFault | None:
        for fault in self.record_faults:
            if fault.sobject in ("*", sobject):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self.record_faults.remove(fault)
                return fault
        return None

    def _meta(self, sobject: str) -> ObjectMeta:
        meta = self.objects.get(sobject) or next(
            (m for m in self.objects.values() if m.name.lower() == sobject.lower()), None
        )
        if meta is None:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        return meta

    def _render(self, meta: ObjectMeta, record: dict[str, Any], version: str) -> dict[str, Any]:
        return {
            "attributes": {
                "type": meta.name,
                "url": f"/services/data/{version}/sobjects/{meta.name}/{record['Id']}",
            }
        }

    # --- create -------------------------------------------------------------------------

    def create(
        self, sobject: str, values: Mapping[str, Any], *, allow_save: bool, commit: bool = True
    ) -> str:
        """Validate and store one record; raises RecordError when refused."""
        meta = self._meta(sobject)
        clean = self._validate(meta, values)
        fault = self._take_record_fault(meta.name)
        if fault is not None:
            raise RecordError(fault.error_code, fault.message, fault.fields)
        self._check_duplicates(meta, clean, allow_save)
        if not commit:
            return ""
        owner_id = clean.pop("OwnerId", None)
        record_id = self.add_record(meta.name, **clean)
        if owner_id:
            self.records[meta.name][record_id]["OwnerId"] = owner_id
        if meta.name == "Task" and clean.get("Status") == "Completed":
            self.records["Task"][record_id]["IsClosed"] = True
        return record_id

    def _validate(self, meta: ObjectMeta, values: Mapping[str, Any]) -> dict[str, Any]:
        clean: dict[str, Any] = {}
        for name, value in values.items():
            field_meta = meta.field(name)
            if field_meta is None:
                raise ApiError(
                    400,
                    "INVALID_FIELD",
                    f"No such column '{name}' on sobject of type {meta.name}",
                )
            if not field_meta.createable:
                raise RecordError(
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to create/update fields: {field_meta.name}. Please check the "
                    "security settings of this field and verify that it is read/write for "
                    "your profile or permission set.",
                    [field_meta.name],
                )
            clean[field_meta.name] = value
        missing = [
            f.name
            for f in meta.fields.values()
            if f.required_on_create and (clean.get(f.name) in (None, ""))
        ]
        if missing:
            raise RecordError(
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{', '.join(missing)}]",
                missing,
            )
        for name, value in clean.items():
            self._check_value(meta, meta.fields[name], value)
        return clean

    def _check_value(self, meta: ObjectMeta, field_meta: FieldMeta, value: Any) -> None:
        if value is None:
            return
        label = field_meta.label
        if field_meta.type in STRINGISH and not isinstance(value, str):
            raise RecordError(
                "JSON_PARSER_ERROR", f"Cannot deserialize value for {field_meta.name}"
            )
        if field_meta.type in STRINGISH and field_meta.length and len(value) > field_meta.length:
            raise RecordError(
                "STRING_TOO_LONG",
                f"{label}: data value too large: {value[:40]} (max length={field_meta.length})",
                [field_meta.name],
            )
        if field_meta.type == "email" and not EMAIL_RE.fullmatch(value):
            raise RecordError(
                "INVALID_EMAIL_ADDRESS",
                f"{label}: invalid email address: {value}",
                [field_meta.name],
            )
        if (
            field_meta.type == "picklist"
            and field_meta.restricted
            and value not in (field_meta.picklist)
        ):
            raise RecordError(
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{label}: bad value for restricted picklist field: {value}",
                [field_meta.name],
            )
        if field_meta.type == "boolean" and not isinstance(value, bool):
            raise RecordError("JSON_PARSER_ERROR", f"Cannot deserialize {field_meta.name}")
        if field_meta.type == "reference" and field_meta.name != "OwnerId":
            targets = [t for t in field_meta.reference_to if t in self.records]
            if not any(value in self.records[t] for t in targets):
                raise RecordError(
                    "INVALID_CROSS_REFERENCE_KEY",
                    f"{label}: id value of incorrect type: {value}",
                    [field_meta.name],
                )
        if field_meta.type == "date":
            try:
                date.fromisoformat(value)
            except (TypeError, ValueError):
                raise RecordError(
                    "INVALID_TYPE_ON_FIELD_IN_RECORD",
                    f"{label}: value not of required type: {value}",
                    [field_meta.name],
                ) from None

    def _check_duplicates(self, meta: ObjectMeta, values: dict[str, Any], allow_save: bool) -> None:
        compared = self.duplicate_rules.get(meta.name)
        email = str(values.get("Email") or "").casefold()
        if self.duplicate_action == "off" or not compared or not email:
            return
        if self.duplicate_action == "alert" and allow_save:
            return
        matches: dict[str, list[str]] = {}
        for sobject in compared:
            for record in self.records[sobject].values():
                if str(record.get("Email") or "").casefold() != email:
                    continue
                if sobject == "Lead" and record.get("IsConverted"):
                    continue
                matches.setdefault(sobject, []).append(record["Id"])
        if matches:
            raise RecordError(
                "DUPLICATES_DETECTED",
                DUPLICATE_MESSAGE,
                [],
                _duplicate_result(meta.name, matches, URL_VERSION, self.duplicate_action),
            )


def _duplicate_result(
    entity: str, matches: dict[str, list[str]], version: str, action: str
) -> dict[str, Any]:
    return {
        "allowSave": action == "alert",
        "duplicateRule": f"Standard_{entity}_Duplicate_Rule",
        "duplicateRuleEntityType": entity,
        "errorMessage": DUPLICATE_MESSAGE,
        "matchResults": [
            {
                "entityType": sobject,
                "errors": [],
                "matchEngine": "FuzzyMatchEngine",
                "rule": f"Standard_{sobject}_Match_Rule_v1_1",
                "size": len(ids),
                "success": True,
                "matchRecords": [
                    {
                        "additionalInformation": [],
                        "fieldDiffs": [],
                        "matchConfidence": 100.0,
                        "record": {
                            "attributes": {
                                "type": sobject,
                                "url": f"/services/data/{version}/sobjects/{sobject}/{rid}",
                            },
                            "Id": rid,
                        },
                    }
                    for rid in ids
                ],
            }
            for sobject, ids in matches.items()
        ],
    }
