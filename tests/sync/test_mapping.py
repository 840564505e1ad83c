"""Mapping rows checked against a CRM field list (each problem as the modal words it), and
the values they give a contact."""

from __future__ import annotations

import pytest

from bot.connectors.base import FieldSpec
from bot.storage.models import Contact
from bot.sync.mapping import MappingRow, mapped_values, validate_rows
from bot.views.mapping import problem_text

FIELDS = [
    FieldSpec("LastName", "Last Name", "string", required=True, max_length=80),
    FieldSpec("Company", "Company", "string", required=True),
    FieldSpec("Rating", "Rating", "picklist", picklist=("Hot", "Warm", "Cold")),
    FieldSpec("Tags", "Tags", "multipicklist", picklist=("a", "b")),
    FieldSpec("Score", "Score", "number"),
    FieldSpec("Vip", "VIP", "boolean"),
    FieldSpec("Since", "Since", "date"),
    FieldSpec("Site", "Website", "url"),
    FieldSpec("Code", "Code", "string", max_length=5),
]


def problems(*rows: MappingRow) -> list[tuple[int, str, str]]:
    return [(p.index, p.part, problem_text(p)) for p in validate_rows(list(rows), FIELDS)]


def test_a_valid_mapping_has_no_problems() -> None:
    assert (
        problems(
            MappingRow("field", "email", "LastName"),
            MappingRow("constant", "Acme", "Company"),
            MappingRow("constant", "Warm", "Rating"),
            MappingRow("constant", "a, b", "Tags", "multipicklist"),
            MappingRow("constant", "4.5", "Score", "number"),
            MappingRow("constant", "yes", "Vip", "boolean"),
            MappingRow("constant", "2026-11-23", "Since", "date"),
            MappingRow("custom", "site", "Site", "url"),
            MappingRow("field", "title", "Code"),
        )
        == []
    )


@pytest.mark.parametrize(
    ("row", "part", "words"),
    [
        (MappingRow("constant", "Lukewarm", "Rating"), "value", "one of: Hot, Warm, Cold"),
        (MappingRow("constant", "a, z", "Tags"), "value", "one of: a, b"),
        (MappingRow("constant", "many", "Score"), "value", "takes a number"),
        (MappingRow("constant", "perhaps", "Vip"), "value", "yes or no"),
        (MappingRow("constant", "23/11/2026", "Since"), "value", "date like"),
        (MappingRow("constant", "toolong", "Code"), "value", "at most 5 characters"),
        (MappingRow("constant", "", "Company"), "value", "required"),
        (MappingRow("field", "title", "Company"), "source", "required"),
        (MappingRow("custom", "co", "Company"), "source", "required"),
        (MappingRow("field", "title", "Score"), "field", "takes a number"),
        (MappingRow("field", "title", "Rating"), "field", "listed values"),
        (MappingRow("field", "title", "Nope"), "field", "not a field"),
        (MappingRow("field", "title", ""), "field", "Choose the CRM field"),
        (MappingRow("", "", "Company"), "source", "Choose where"),
        (MappingRow("field", "salary", "Code"), "source", "not a contact field"),
        (MappingRow("custom", " ", "Code"), "value", "custom key"),
    ],
)
def test_each_bad_row_gets_a_readable_reason(row: MappingRow, part: str, words: str) -> None:
    [(index, got_part, message)] = problems(row)
    assert (index, got_part) == (0, part)
    assert words in message


def test_a_field_filled_twice_points_at_the_first_row() -> None:
    found = problems(
        MappingRow("constant", "Acme", "Company"), MappingRow("constant", "Other", "Company")
    )
    assert found == [(1, "field", "Company is already filled by row 1.")]


def test_mapped_values_read_fields_custom_keys_and_constants() -> None:
    contact = Contact(
        email="jane@acme.com", title="CTO", company=None, custom={"score": "7", "site": ""}
    )
    rows = [
        MappingRow("field", "title", "Title"),
        MappingRow("field", "company", "Company"),
        MappingRow("custom", "score", "Score", "number"),
        MappingRow("custom", "site", "Site", "url"),
        MappingRow("custom", "missing", "Other"),
        MappingRow("constant", "yes", "Vip", "boolean"),
        MappingRow("constant", "a, b", "Tags", "multipicklist"),
    ]
    assert mapped_values(rows, contact) == {
        "Title": "CTO",
        "Score": 7,
        "Vip": True,
        "Tags": ["a", "b"],
    }
