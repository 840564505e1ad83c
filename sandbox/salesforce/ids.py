"""Salesforce record ids as the API shows them: 18 characters, a 3-character key prefix.

The 18-character form adds a 3-character checksum to the case-sensitive 15-character id: each
5-character chunk gives a 5-bit number with bit *i* set when character *i* is upper case,
looked up in ``A..Z0..5`` (vendor notes A1).
"""

from __future__ import annotations

import re

from sandbox.kernel import Ids

__all__ = ["KEY_PREFIXES", "is_record_id", "new_id", "to_18"]

KEY_PREFIXES = {
    "Account": "001",
    "Contact": "003",
    "Lead": "00Q",
    "Task": "00T",
    "User": "005",
    "Organization": "00D",
}
_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ID_RE = re.compile(r"[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?")


def to_18(id15: str) -> str:
    if len(id15) != 15:
        raise ValueError("a Salesforce id has 15 characters before its checksum")
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, char in enumerate(id15[start : start + 5]) if char.isupper())
        suffix += _SUFFIX_ALPHABET[bits]
    return id15 + suffix


def is_record_id(value: str, prefix: str | None = None) -> bool:
    """Whether ``value`` looks like a 15- or 18-character id (with ``prefix`` if given)."""
    if not isinstance(value, str) or not _ID_RE.fullmatch(value):
        return False
    if len(value) == 18 and to_18(value[:15]) != value:
        return False
    return prefix is None or value.startswith(prefix)


def new_id(ids: Ids, prefix: str, pod: str = "5g0") -> str:
    """The next id with ``prefix``, numbered by the emulator's id factory, with a fixed
    pod/instance part like real ones."""
    number = ids.number()
    body = ""
    while number:
        number, digit = divmod(number, len(_DIGITS))
        body = _DIGITS[digit] + body
    return to_18(prefix + pod + body.rjust(15 - len(prefix) - len(pod), "0"))
