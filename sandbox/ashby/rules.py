"""Ashby's shapes that every endpoint shares: the error envelope, opaque paging tokens,
timestamps, and the subset of the request schemas (``ashby-openapi.json``) the emulator
enforces."""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from starlette.responses import JSONResponse

PAGE_MAX = 100


def iso(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class ApiError(Exception):
    """A failure answered with the Ashby error envelope (HTTP 200 unless said otherwise)."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status
        self.headers = dict(headers or {})

    def response(self) -> JSONResponse:
        return JSONResponse(
            error_envelope(self.code, self.message), status_code=self.status, headers=self.headers
        )


def error_envelope(code: str, message: str) -> dict[str, Any]:
    request_id = uuid.uuid4().hex[:26].upper()
    return {
        "success": False,
        "errors": [code],
        "errorInfo": {"code": code, "message": message, "requestId": request_id, "meta": {}},
    }


def encode(payload: Mapping[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def _decode(token: str) -> dict[str, Any]:
    padded = token + "=" * (-len(token) % 4)
    value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    if not isinstance(value, dict):
        raise ValueError("not an object")
    return value


def decode_cursor(cursor: str, method: str) -> tuple[int, int | None]:
    try:
        data = _decode(cursor)
        if data["m"] != method or not isinstance(data["o"], int):
            raise ValueError("cursor from another listing")
        return data["o"], data.get("s")
    except (ValueError, KeyError, binascii.Error, UnicodeDecodeError) as exc:
        raise ApiError("invalid_next_cursor", "The provided cursor is invalid") from exc


def decode_sync_token(token: str) -> int:
    try:
        version = _decode(token)["v"]
        if not isinstance(version, int):
            raise ValueError("bad version")
        return version
    except (ValueError, KeyError, binascii.Error, UnicodeDecodeError) as exc:
        raise ApiError("sync_token_invalid", "The provided sync token is invalid") from exc


def page_limit(body: Mapping[str, Any]) -> int:
    limit = body.get("limit", PAGE_MAX)
    if limit < 1:
        raise ApiError("invalid_input", "limit must be a positive number")
    return min(int(limit), PAGE_MAX)


Check = Callable[[Any], bool]


def is_str(value: Any) -> bool:
    return isinstance(value, str)


def is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        return False
    return True


def is_url(value: Any) -> bool:
    if not isinstance(value, str) or " " in value:
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and "." in parts.netloc


def is_email(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value) is not None


def is_datetime(value: Any) -> bool:
    try:
        parse_iso(value)
    except (TypeError, ValueError, AttributeError):
        return False
    return True


def list_of(check: Check) -> Check:
    return lambda value: isinstance(value, list) and all(check(v) for v in value)


def one_of(*choices: str) -> Check:
    return lambda value: value in choices


def is_location(value: Any) -> bool:
    keys = {"city", "region", "country"}
    return isinstance(value, dict) and set(value) <= keys and all(map(is_str, value.values()))


def is_note(value: Any) -> bool:
    if isinstance(value, str):
        return True
    return (
        isinstance(value, dict)
        and value.get("type") in ("text/plain", "text/html")
        and isinstance(value.get("value"), str)
    )


@dataclass(frozen=True)
class Schema:
    """The subset of a request schema the emulator enforces: property types and required sets."""

    fields: Mapping[str, Check] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()

    def problem(self, body: Mapping[str, Any]) -> str | None:
        for name in self.required:
            if body.get(name) is None:
                return f"Missing required field: {name}"
        if self.any_of and not any(body.get(n) is not None for n in self.any_of):
            return f"One of {', '.join(self.any_of)} is required"
        for name, check in self.fields.items():
            if body.get(name) is not None and not check(body[name]):
                return f"Invalid value for field: {name}"
        return None


PAGING: dict[str, Check] = {"cursor": is_str, "syncToken": is_str, "limit": is_number}
