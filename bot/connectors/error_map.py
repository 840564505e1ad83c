"""Each vendor's errors as a table, applied by one shared function.

A vendor declares an :class:`ErrorTable`: how to tell a failed answer (by default any non-2xx
status; some vendors also fail inside a 200 envelope), how to read the error code and message
from the decoded body, and its :class:`ErrorRule` rows, most specific first. :func:`map_error`
returns the error of the first row that matches; when none does, the HTTP status alone decides
through :func:`bot.connectors.http.error_for_status`, the meaning every vendor shares. This is
the shape of simple-salesforce's status → exception map and the Airbyte CDK's error mapping.

A rule matches on the status (a number or a container such as ``range(400, 500)``), the vendor
error code (a string or a container of strings), and an optional predicate. Its reason is a
``str.format`` template over :meth:`Failure.fields` (``{vendor} {op} {status} {code}
{code_label} {message} {said} {credential} {retry_in}``) or a function of the failure.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass
from typing import Any

import httpx

from bot.connectors.errors import ConnectorError, RateLimitError
from bot.connectors.http import error_for_status, retry_after_seconds

__all__ = [
    "CLIENT_ERROR",
    "SUCCESS",
    "ErrorRule",
    "ErrorTable",
    "Failure",
    "json_or_none",
    "map_error",
    "short",
]

SUCCESS = range(200, 300)
CLIENT_ERROR = range(400, 500)
MESSAGE_CHARS = 300

Reader = Callable[[Any], tuple[str | None, str | None]]
"""From a decoded error body: ``(vendor error code, message)``, either possibly None."""


def json_or_none(response: httpx.Response) -> Any:
    """The decoded JSON body, or None when there is none."""
    try:
        return response.json()
    except ValueError:
        return None


def short(message: Any, limit: int = MESSAGE_CHARS) -> str | None:
    """A vendor message on one line, cut to ``limit`` characters; None when empty."""
    if not message:
        return None
    text = " ".join(str(message).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class Failure:
    """What a failed answer says, as the rules see it."""

    vendor: str
    op: str
    status: int
    code: str | None = None
    message: str | None = None
    retry_after: float | None = None
    credential: str = "credentials"
    body: Any = None
    response: httpx.Response | None = None

    def fields(self) -> dict[str, Any]:
        """The names a reason template may use."""
        return {
            "vendor": self.vendor,
            "op": self.op,
            "status": self.status,
            "code": self.code,
            "code_label": self.code or "no error code",
            "message": self.message,
            "said": f" {self.vendor} said: {self.message}" if self.message else "",
            "credential": self.credential,
            "retry_in": f" in {self.retry_after:g}s" if self.retry_after is not None else " later",
        }


def _fits(value: Any, wanted: Any) -> bool:
    if wanted is None:
        return True
    if isinstance(wanted, int | str):
        return value == wanted
    return value is not None and value in wanted


@dataclass(frozen=True, slots=True)
class ErrorRule:
    """One row: when an answer matches, the error class it is and the reason a person reads."""

    error: type[ConnectorError]
    reason: str | Callable[[Failure], str]
    status: int | Container[int] | None = None
    code: str | Container[str] | None = None
    when: Callable[[Failure], bool] | None = None
    # The code the error carries when the vendor sent none (callers branch on it).
    fallback_code: str | None = None

    def matches(self, failure: Failure) -> bool:
        return (
            _fits(failure.status, self.status)
            and _fits(failure.code, self.code)
            and (self.when is None or self.when(failure))
        )

    def error_for(self, failure: Failure) -> ConnectorError:
        if isinstance(self.reason, str):
            reason = self.reason.format(**failure.fields())
        else:
            reason = self.reason(failure)
        code = failure.code or self.fallback_code
        if issubclass(self.error, RateLimitError):
            return self.error(
                reason, retry_after=failure.retry_after, status=failure.status, code=code
            )
        return self.error(reason, status=failure.status, code=code)


def map_error(failure: Failure, rules: tuple[ErrorRule, ...]) -> ConnectorError:
    """The error of the first matching rule, else what the HTTP status alone means."""
    for rule in rules:
        if rule.matches(failure):
            return rule.error_for(failure)
    return error_for_status(
        failure.vendor,
        failure.status,
        op=failure.op,
        code=failure.code,
        detail=failure.message,
        retry_after=failure.retry_after,
        credential=failure.credential,
    )


def _no_details(body: Any) -> tuple[str | None, str | None]:
    return None, None


@dataclass(frozen=True, slots=True)
class ErrorTable:
    """A vendor's error mapping; :meth:`classify` is the HTTP client's classifier."""

    vendor: str
    credential: str = "credentials"
    rules: tuple[ErrorRule, ...] = ()
    read: Reader = _no_details
    # Whether an answer failed, given the response and its decoded body; None: non-2xx only
    # (and success bodies are then never decoded here).
    failed: Callable[[httpx.Response, Any], bool] | None = None

    def classify(self, response: httpx.Response, op: str) -> ConnectorError | None:
        if self.failed is None and response.is_success:
            return None
        body = json_or_none(response)
        if self.failed is not None and not self.failed(response, body):
            return None
        return map_error(self.failure(response, op, body), self.rules)

    def failure(self, response: httpx.Response, op: str, body: Any) -> Failure:
        code, message = self.read(body)
        return Failure(
            vendor=self.vendor,
            op=op,
            status=response.status_code,
            code=code,
            message=short(message),
            retry_after=retry_after_seconds(response),
            credential=self.credential,
            body=body,
            response=response,
        )
