"""SOQL string literals for the queries the Salesforce client builds."""

from __future__ import annotations

__all__ = ["quote"]

_QUOTE = {"\\": "\\\\", "'": "\\'", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def quote(value: str) -> str:
    """``value`` as a SOQL string literal, every special character escaped."""
    return "'" + "".join(_QUOTE.get(ch, ch) for ch in value) + "'"
