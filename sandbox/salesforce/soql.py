"""The SOQL subset the Salesforce emulator understands, parsed the way Salesforce reads it.

    SELECT f1, f2 | COUNT() FROM Object
    [WHERE cond]   cond: a = v | a != v | a < v ... | a [NOT] IN (v, ...) | a LIKE 'x%'
                         joined by AND / OR, NOT, parentheses
    [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST]] [LIMIT n]

Values: 'strings' with backslash escapes (\\' \\" \\\\ \\n \\r \\t \\b \\f, and \\_ \\% in LIKE),
true/false/null, numbers, unquoted date and datetime literals. Keywords and field names are
case-insensitive; string comparison is case-insensitive, as in Salesforce.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Condition", "Query", "SoqlError", "condition_fields", "matches", "parse"]

_ESCAPES = {"'": "'", '"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}
_LIKE_ESCAPES = {"_": "\\_", "%": "\\%"}
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>')
      | (?P<op><=|>=|!=|<>|=|<|>|\(|\)|,)
      | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
      | (?P<date>\d{4}-\d{2}-\d{2})
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)
KEYWORDS = {"SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "LIMIT"}


class SoqlError(Exception):
    """A query Salesforce would refuse: ``code`` is MALFORMED_QUERY or INVALID_FIELD etc."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Token:
    kind: str
    value: Any
    column: int  # 1-based, as Salesforce reports it


@dataclass
class Condition:
    """A node of the WHERE tree: ``op`` is AND / OR / NOT or a comparison."""

    op: str
    field: str | None = None
    value: Any = None
    children: list[Condition] = dataclasses.field(default_factory=list)


@dataclass
class Query:
    fields: list[str]
    sobject: str
    where: Condition | None = None
    order_by: tuple[str, bool] | None = None  # (field, descending)
    limit: int | None = None
    count: bool = False


def _tokens(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None:
            column = len(text) - len(text[pos:].lstrip()) + 1
            raise _malformed(text, column, f"unexpected token: '{text[column - 1]}'")
        column = match.start(match.lastgroup) + 1
        kind = match.lastgroup or ""
        if kind == "string":
            value, pos = _read_string(text, match.end())
            tokens.append(Token("string", value, column))
            continue
        raw = match.group(kind)
        pos = match.end()
        if kind == "word" and raw.upper() in KEYWORDS | {"ASC", "DESC", "NULLS", "FIRST", "LAST"}:
            tokens.append(Token("keyword", raw.upper(), column))
        elif kind == "word" and raw.lower() in ("true", "false", "null"):
            tokens.append(Token("literal", {"true": True, "false": False}.get(raw.lower()), column))
        elif kind == "number":
            tokens.append(Token("literal", float(raw) if "." in raw else int(raw), column))
        elif kind in ("date", "datetime"):
            tokens.append(Token("literal", raw, column))
        else:
            tokens.append(Token(kind, raw, column))
    return tokens


def _read_string(text: str, pos: int) -> tuple[str, int]:
    out: list[str] = []
    start = pos
    while pos < len(text):
        ch = text[pos]
        if ch == "'":
            return "".join(out), pos + 1
        if ch == "\\":
            nxt = text[pos + 1 : pos + 2]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
            elif nxt in _LIKE_ESCAPES:
                out.append(_LIKE_ESCAPES[nxt])
            else:
                raise _malformed(text, pos + 1, "Invalid string literal: illegal escape sequence")
            pos += 2
            continue
        out.append(ch)
        pos += 1
    raise _malformed(text, start, "unexpected token: '<EOF>'")


def _malformed(text: str, column: int, detail: str) -> SoqlError:
    return SoqlError(
        "MALFORMED_QUERY",
        f"\n{text}\n{' ' * (column - 1)}^\nERROR at Row:1:Column:{column}\n{detail}",
    )


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokens(text)
        self.pos = 0

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise _malformed(self.text, len(self.text) + 1, "unexpected token: '<EOF>'")
        self.pos += 1
        return token

    def error(self, token: Token | None) -> SoqlError:
        if token is None:
            return _malformed(self.text, len(self.text) + 1, "unexpected token: '<EOF>'")
        return _malformed(self.text, token.column, f"unexpected token: '{token.value}'")

    def expect(self, kind: str, value: Any = None) -> Token:
        token = self.peek()
        if token is None or token.kind != kind or (value is not None and token.value != value):
            raise self.error(token)
        self.pos += 1
        return token

    def accept(self, kind: str, value: Any = None) -> bool:
        token = self.peek()
        if token is not None and token.kind == kind and (value is None or token.value == value):
            self.pos += 1
            return True
        return False

    def query(self) -> Query:
        self.expect("keyword", "SELECT")
        fields, count = self.field_list()
        self.expect("keyword", "FROM")
        sobject = self.expect("word").value
        query = Query(fields, sobject, count=count)
        if self.accept("keyword", "WHERE"):
            query.where = self.or_condition()
        if self.accept("keyword", "ORDER"):
            self.expect("keyword", "BY")
            name = self.expect("word").value
            descending = False
            if self.accept("keyword", "DESC"):
                descending = True
            else:
                self.accept("keyword", "ASC")
            if self.accept("keyword", "NULLS") and not (
                self.accept("keyword", "FIRST") or self.accept("keyword", "LAST")
            ):
                raise self.error(self.peek())
            query.order_by = (name, descending)
        if self.accept("keyword", "LIMIT"):
            token = self.take()
            if token.kind != "literal" or not isinstance(token.value, int):
                raise self.error(token)
            query.limit = token.value
        if self.peek() is not None:
            raise self.error(self.peek())
        return query

    def field_list(self) -> tuple[list[str], bool]:
        token = self.peek()
        if token is not None and token.kind == "word" and token.value.upper() == "COUNT":
            self.take()
            self.expect("op", "(")
            self.expect("op", ")")
            return [], True
        fields = [self.expect("word").value]
        while self.accept("op", ","):
            fields.append(self.expect("word").value)
        return fields, False

    def or_condition(self) -> Condition:
        parts = [self.and_condition()]
        while self.accept("keyword", "OR"):
            parts.append(self.and_condition())
        return parts[0] if len(parts) == 1 else Condition("OR", children=parts)

    def and_condition(self) -> Condition:
        parts = [self.atom()]
        while self.accept("keyword", "AND"):
            parts.append(self.atom())
        return parts[0] if len(parts) == 1 else Condition("AND", children=parts)

    def atom(self) -> Condition:
        if self.accept("keyword", "NOT"):
            return Condition("NOT", children=[self.atom()])
        if self.accept("op", "("):
            inner = self.or_condition()
            self.expect("op", ")")
            return inner
        name = self.expect("word").value
        token = self.take()
        if token.kind == "keyword" and token.value == "NOT":
            self.expect("keyword", "IN")
            return Condition("NOT IN", name, self.value_list())
        if token.kind == "keyword" and token.value == "IN":
            return Condition("IN", name, self.value_list())
        if token.kind == "keyword" and token.value == "LIKE":
            value = self.take()
            if value.kind != "string":
                raise self.error(value)
            return Condition("LIKE", name, value.value)
        if token.kind == "op" and token.value in ("=", "!=", "<>", "<", ">", "<=", ">="):
            op = "!=" if token.value == "<>" else token.value
            return Condition(op, name, self.value())
        raise self.error(token)

    def value(self) -> Any:
        token = self.take()
        if token.kind not in ("string", "literal"):
            raise self.error(token)
        return token.value

    def value_list(self) -> list[Any]:
        self.expect("op", "(")
        values = [self.value()]
        while self.accept("op", ","):
            values.append(self.value())
        self.expect("op", ")")
        return values


def parse(text: str) -> Query:
    """Parse a SOQL statement; raises :class:`SoqlError` (MALFORMED_QUERY) when it is not
    valid in the supported subset."""
    return _Parser(text.strip()).query()


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _like(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        if pattern[i] == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append({"%": ".*", "_": "."}.get(pattern[i], re.escape(pattern[i])))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def matches(condition: Condition | None, lookup: Callable[[str], Any]) -> bool:
    """Whether a record (read through ``lookup(field)``) satisfies ``condition``."""
    if condition is None:
        return True
    if condition.op == "AND":
        return all(matches(c, lookup) for c in condition.children)
    if condition.op == "OR":
        return any(matches(c, lookup) for c in condition.children)
    if condition.op == "NOT":
        return not matches(condition.children[0], lookup)
    actual = _fold(lookup(condition.field or ""))
    if condition.op == "IN":
        return actual in {_fold(v) for v in condition.value}
    if condition.op == "NOT IN":
        return actual not in {_fold(v) for v in condition.value}
    if condition.op == "LIKE":
        return isinstance(actual, str) and _like(condition.value).fullmatch(actual) is not None
    expected = _fold(condition.value)
    if condition.op == "=":
        return actual == expected
    if condition.op == "!=":
        return actual != expected
    if actual is None or expected is None:
        return False
    try:
        return {
            "<": actual < expected,
            ">": actual > expected,
            "<=": actual <= expected,
            ">=": actual >= expected,
        }[condition.op]
    except TypeError:
        return False


def condition_fields(condition: Condition | None) -> list[str]:
    if condition is None:
        return []
    if condition.field is not None:
        return [condition.field]
    return [name for child in condition.children for name in condition_fields(child)]
