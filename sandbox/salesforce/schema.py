"""Describe metadata of the standard objects the sync uses (Lead, Contact, Task), with the
lengths, required fields and picklists of a default Salesforce org (vendor notes A9/A10;
Salesforce Object Reference for Lead, Contact and Task). The emulator serves and enforces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["OBJECTS", "FieldMeta", "ObjectMeta"]

STRINGISH = ("string", "email", "phone", "url", "textarea", "combobox", "picklist")


@dataclass(frozen=True)
class FieldMeta:
    name: str
    label: str
    type: str
    length: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    defaulted_on_create: bool = False
    default_value: Any = None
    picklist: tuple[str, ...] = ()
    restricted: bool = False
    filterable: bool = True
    reference_to: tuple[str, ...] = ()
    custom: bool = False

    @property
    def required_on_create(self) -> bool:
        return self.createable and not self.nillable and not self.defaulted_on_create

    def describe(self) -> dict[str, Any]:
        soap = {
            "id": "tns:ID",
            "reference": "tns:ID",
            "boolean": "xsd:boolean",
            "date": "xsd:date",
            "datetime": "xsd:dateTime",
            "double": "xsd:double",
        }.get(self.type, "xsd:string")
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "soapType": soap,
            "length": self.length,
            "byteLength": self.length * 3,
            "precision": 0,
            "scale": 0,
            "nillable": self.nillable,
            "createable": self.createable,
            "updateable": self.updateable,
            "defaultedOnCreate": self.defaulted_on_create,
            "defaultValue": self.default_value,
            "custom": self.custom,
            "unique": False,
            "externalId": False,
            "idLookup": self.name in ("Id", "Email"),
            "calculated": False,
            "filterable": self.filterable,
            "sortable": self.filterable,
            "groupable": self.filterable and self.type not in ("double", "datetime"),
            "referenceTo": list(self.reference_to),
            "relationshipName": self.name[:-2] if self.type == "reference" else None,
            "restrictedPicklist": self.restricted,
            "dependentPicklist": False,
            "controllerName": None,
            "picklistValues": [
                {
                    "active": True,
                    "defaultValue": value == self.default_value,
                    "label": value,
                    "value": value,
                    "validFor": None,
                }
                for value in self.picklist
            ],
        }


@dataclass
class ObjectMeta:
    name: str
    label: str
    label_plural: str
    key_prefix: str
    fields: dict[str, FieldMeta]

    def field(self, name: str) -> FieldMeta | None:
        """A field by its case-insensitive API name, as SOQL and the REST API accept it."""
        return self.fields.get(name) or next(
            (f for f in self.fields.values() if f.name.lower() == name.lower()), None
        )

    def describe(self, version: str) -> dict[str, Any]:
        base = f"/services/data/{version}/sobjects/{self.name}"
        return {
            "name": self.name,
            "label": self.label,
            "labelPlural": self.label_plural,
            "keyPrefix": self.key_prefix,
            "custom": False,
            "createable": True,
            "updateable": True,
            "deletable": True,
            "queryable": True,
            "searchable": True,
            "retrieveable": True,
            "undeletable": True,
            "mergeable": self.name != "Task",
            "triggerable": True,
            "layoutable": True,
            "childRelationships": [],
            "recordTypeInfos": [
                {
                    "recordTypeId": "012000000000000AAA",
                    "name": "Master",
                    "developerName": "Master",
                    "available": True,
                    "defaultRecordTypeMapping": True,
                    "master": True,
                    "active": True,
                }
            ],
            "urls": {
                "sobject": base,
                "describe": f"{base}/describe",
                "rowTemplate": f"{base}/{{ID}}",
            },
            "fields": [f.describe() for f in self.fields.values()],
        }


def _f(name: str, label: str, type_: str, length: int = 0, **kw: Any) -> FieldMeta:
    return FieldMeta(name, label, type_, length, **kw)


def _system_fields() -> list[FieldMeta]:
    fixed = {"createable": False, "updateable": False, "nillable": False}
    return [
        _f("Id", "Record ID", "id", 18, defaulted_on_create=True, **fixed),
        _f(
            "OwnerId",
            "Owner ID",
            "reference",
            18,
            nillable=False,
            defaulted_on_create=True,
            reference_to=("User",),
        ),
        _f("CreatedDate", "Created Date", "datetime", defaulted_on_create=True, **fixed),
        _f("LastModifiedDate", "Last Modified Date", "datetime", defaulted_on_create=True, **fixed),
        _f(
            "IsDeleted",
            "Deleted",
            "boolean",
            defaulted_on_create=True,
            default_value=False,
            **fixed,
        ),
    ]


LEAD_SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")
LEAD_STATUSES = (
    "Open - Not Contacted",
    "Working - Contacted",
    "Closed - Converted",
    "Closed - Not Converted",
)
SALUTATIONS = ("Mr.", "Ms.", "Mrs.", "Dr.", "Prof.")
TASK_STATUSES = ("Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred")
TASK_SUBTYPES = ("Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn")


def _person_fields() -> list[FieldMeta]:
    read_only = {"createable": False, "updateable": False}
    return [
        _f("Salutation", "Salutation", "picklist", 40, picklist=SALUTATIONS),
        _f("FirstName", "First Name", "string", 40),
        _f("LastName", "Last Name", "string", 80, nillable=False),
        _f("Name", "Full Name", "string", 121, nillable=False, **read_only),
        _f("Title", "Title", "string", 128),
        _f("Email", "Email", "email", 80),
        _f("Phone", "Phone", "phone", 40),
        _f("MobilePhone", "Mobile Phone", "phone", 40),
        _f("LeadSource", "Lead Source", "picklist", 255, picklist=LEAD_SOURCES),
        _f("Description", "Description", "textarea", 32000, filterable=False),
        _f(
            "HasOptedOutOfEmail",
            "Email Opt Out",
            "boolean",
            nillable=False,
            defaulted_on_create=True,
            default_value=False,
        ),
    ]


def _lead() -> ObjectMeta:
    fields = (
        _system_fields()
        + _person_fields()
        + [
            _f("Company", "Company", "string", 255, nillable=False),
            _f(
                "Status",
                "Lead Status",
                "picklist",
                255,
                nillable=False,
                defaulted_on_create=True,
                default_value=LEAD_STATUSES[0],
                picklist=LEAD_STATUSES,
            ),
            _f("Website", "Website", "url", 255),
            _f("City", "City", "string", 40),
            _f("Country", "Country", "string", 80),
            _f(
                "Industry",
                "Industry",
                "picklist",
                255,
                picklist=("Banking", "Education", "Healthcare", "Technology", "Other"),
            ),
            _f(
                "IsConverted",
                "Converted",
                "boolean",
                nillable=False,
                createable=False,
                updateable=False,
                defaulted_on_create=True,
                default_value=False,
            ),
            _f(
                "ConvertedContactId",
                "Converted Contact ID",
                "reference",
                18,
                createable=False,
                updateable=False,
                reference_to=("Contact",),
            ),
        ]
    )
    return ObjectMeta("Lead", "Lead", "Leads", "00Q", {f.name: f for f in fields})


def _contact() -> ObjectMeta:
    fields = (
        _system_fields()
        + _person_fields()
        + [
            _f("AccountId", "Account ID", "reference", 18, reference_to=("Account",)),
            _f("Department", "Department", "string", 80),
            _f("MailingCity", "Mailing City", "string", 40),
            _f("MailingCountry", "Mailing Country", "string", 80),
        ]
    )
    return ObjectMeta("Contact", "Contact", "Contacts", "003", {f.name: f for f in fields})


def _task() -> ObjectMeta:
    fields = [
        *_system_fields(),
        _f("WhoId", "Name ID", "reference", 18, reference_to=("Contact", "Lead")),
        _f("WhatId", "Related To ID", "reference", 18, reference_to=("Account", "Opportunity")),
        _f(
            "Subject",
            "Subject",
            "combobox",
            255,
            picklist=("Call", "Send Letter", "Send Quote", "Other"),
        ),
        _f("Description", "Description", "textarea", 32000, filterable=False),
        _f(
            "Status",
            "Status",
            "picklist",
            255,
            nillable=False,
            defaulted_on_create=True,
            default_value="Not Started",
            picklist=TASK_STATUSES,
        ),
        _f(
            "Priority",
            "Priority",
            "picklist",
            40,
            nillable=False,
            defaulted_on_create=True,
            default_value="Normal",
            picklist=("High", "Normal", "Low"),
        ),
        _f("ActivityDate", "Due Date Only", "date"),
        _f(
            "TaskSubtype",
            "Task Subtype",
            "picklist",
            40,
            updateable=False,
            restricted=True,
            picklist=TASK_SUBTYPES,
        ),
        _f("Type", "Type", "picklist", 40, picklist=("Call", "Email", "Meeting", "Other")),
        _f(
            "IsClosed",
            "Closed",
            "boolean",
            nillable=False,
            createable=False,
            updateable=False,
            defaulted_on_create=True,
            default_value=False,
        ),
    ]
    return ObjectMeta("Task", "Task", "Tasks", "00T", {f.name: f for f in fields})


def standard_objects() -> dict[str, ObjectMeta]:
    """Fresh metadata (tests add custom fields to their own copy)."""
    return {meta.name: meta for meta in (_lead(), _contact(), _task())}


OBJECTS = standard_objects()
