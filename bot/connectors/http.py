"""HTTP plumbing shared by every connector: one retrying request path, one error classification.

Every request goes through :meth:`HttpClient.request`, which

* retries transient failures (connection problems, timeouts, HTTP 429 and 5xx) with ``tenacity``,
  waiting ``Retry-After`` seconds when the server says so (capped) and exponential backoff with
  jitter otherwise;
* retries a non-idempotent call (a create) only when the request certainly was not processed
  (the connection never opened, HTTP 429 or 503), so a retry cannot write a record twice;
* turns every failure into an error from :mod:`bot.connectors.errors` whose reason is scrubbed of
  the connection's secrets;
* logs one line per attempt with the operation, status and duration, never payloads or secrets.

Vendor specifics (envelopes, error codes) plug in through a :data:`Classifier`.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from functools import partial
from typing import Any, TypeVar

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from bot.connectors.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    RateLimitError,
    SystemError_,
    TransientError,
    ValidationError,
)
from bot.ops.metrics import CRM_RATE_LIMITED, CRM_REQUESTS

__all__ = [
    "Classifier",
    "HttpClient",
    "RetryPolicy",
    "basic_auth_secrets",
    "bounded_gather",
    "error_for_status",
    "redact",
    "retry_after_seconds",
]

logger = logging.getLogger("bot.connectors")

MASK = "****"

Classifier = Callable[[httpx.Response, str], ConnectorError | None]
"""Given a response and the operation name, the error it means, or None when it is a success."""

T = TypeVar("T")
R = TypeVar("R")


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every occurrence of each secret in ``text`` with a mask (longest secrets first,
    so a secret that contains another is masked whole)."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def basic_auth_secrets(username: str, password: str = "") -> tuple[str, ...]:
    """The strings that would reveal Basic credentials: each part and the encoded header value."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return tuple(s for s in (username, password, token) if s)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to retry. ``retry_after_cap`` bounds how long a ``Retry-After`` is waited out."""

    max_attempts: int = 4
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    jitter: float = 0.5
    retry_after_cap: float = 30.0

    @classmethod
    def capped(cls, wait: float, *, max_attempts: int = 4) -> RetryPolicy:
        """A policy whose every wait is at most ``wait`` seconds (``0`` for tests)."""
        default = cls()
        return cls(
            max_attempts=max_attempts,
            backoff_initial=min(default.backoff_initial, wait),
            backoff_max=min(default.backoff_max, wait),
            jitter=min(default.jitter, wait),
            retry_after_cap=min(default.retry_after_cap, wait),
        )


def retry_after_seconds(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or HTTP date); None when absent or unreadable."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, IndexError):
            return None
    if not math.isfinite(seconds):
        return None
    return max(seconds, 0.0)


def error_for_status(
    vendor: str,
    status: int,
    *,
    op: str,
    code: str | None = None,
    detail: str | None = None,
    retry_after: float | None = None,
    credential: str = "credentials",
) -> ConnectorError:
    """The error an HTTP status means. ``detail`` is the vendor's own message, if any."""
    suffix = f" {vendor} said: {detail}" if detail else ""
    kw: dict[str, Any] = {"status": status, "code": code}
    if status == 401:
        return AuthError(
            f"{vendor} rejected the {credential} (HTTP 401). Reconnect with a valid {credential}.",
            **kw,
        )
    if status == 403:
        return AuthError(
            f"{vendor} refused access with this {credential} (HTTP 403): it may be deactivated "
            f"or lack a permission needed for {op}. Reconnect with a {credential} that has access.",
            **kw,
        )
    if status == 429:
        when = f" in {retry_after:g}s" if retry_after is not None else " later"
        return RateLimitError(
            f"{vendor} asked us to slow down (HTTP 429); {op} will be retried{when}.",
            retry_after=retry_after,
            **kw,
        )
    if status >= 500:
        return TransientError(
            f"{vendor} had a server problem (HTTP {status}) during {op}; it will be retried.", **kw
        )
    if status in (400, 409, 422):
        return ValidationError(f"{vendor} refused the data for {op} (HTTP {status}).{suffix}", **kw)
    if 400 <= status < 500:
        return ConfigError(
            f"{vendor} answered HTTP {status} to {op}; check the {vendor} API URL setting.{suffix}",
            **kw,
        )
    return SystemError_(f"{vendor} gave an unexpected answer (HTTP {status}) to {op}.", **kw)


def _status_classifier(vendor: str, credential: str) -> Classifier:
    def classify(response: httpx.Response, op: str) -> ConnectorError | None:
        if response.is_success:
            return None
        return error_for_status(
            vendor,
            response.status_code,
            op=op,
            retry_after=retry_after_seconds(response),
            credential=credential,
        )

    return classify


class _Retryable(Exception):
    """Raised inside an attempt to ask tenacity for another one; carries the final error."""

    def __init__(self, error: TransientError, wait: float | None = None):
        super().__init__(error.reason)
        self.error = error
        self.wait = wait


# Failures where the request certainly never reached the server: safe to repeat even a create.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_NOT_PROCESSED_STATUSES = frozenset({429, 503})


class _Wait:
    """Tenacity wait: the server's Retry-After (capped) if it gave one, else backoff with jitter."""

    def __init__(self, policy: RetryPolicy):
        self._policy = policy
        # wait_exponential + wait_random rather than wait_exponential_jitter, whose arguments
        # changed between the tenacity versions pyproject allows.
        self._backoff = wait_exponential(
            multiplier=policy.backoff_initial, max=policy.backoff_max
        ) + wait_random(0, policy.jitter)

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retryable) and exc.wait is not None:
            return min(exc.wait, self._policy.retry_after_cap)
        return min(self._backoff(state), self._policy.backoff_max)


class HttpClient:
    """An ``httpx.AsyncClient`` with retries, classification, redaction and logging."""

    def __init__(
        self,
        *,
        vendor: str,
        base_url: str,
        auth: httpx.Auth | None = None,
        headers: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        secrets: Sequence[str] = (),
        classify: Classifier | None = None,
        credential: str = "credentials",
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.vendor = vendor
        self._sleep = sleep
        self.retry = retry or RetryPolicy()
        self._secrets = tuple(secrets)
        self._classify = classify or _status_classifier(vendor, credential)
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/",
            auth=auth,
            headers=headers,
            transport=transport,
            timeout=timeout,
        )

    def __repr__(self) -> str:
        return f"HttpClient(vendor={self.vendor!r}, base_url={str(self._client.base_url)!r})"

    async def aclose(self) -> None:
        await self._client.aclose()

    def redact(self, text: str) -> str:
        return redact(text, self._secrets)

    async def request(
        self,
        method: str,
        path: str,
        *,
        op: str | None = None,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool = True,
    ) -> httpx.Response:
        """Send a request and return its successful response, or raise a ConnectorError.

        ``op`` names the operation in logs and messages (defaults to ``path``). Pass
        ``idempotent=False`` for calls that write, so in-doubt failures are not repeated.
        """
        op = op or path
        retrying = AsyncRetrying(
            stop=stop_after_attempt(max(self.retry.max_attempts, 1)),
            wait=_Wait(self.retry),
            retry=retry_if_exception_type(_Retryable),
            before_sleep=lambda state: self._log_retry(op, state),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    number = attempt.retry_state.attempt_number
                    send = partial(
                        self._client.request,
                        method,
                        path,
                        json=json,
                        params=params,
                        headers=headers,
                    )
                    return await self._attempt(send, op, idempotent, number)
        except _Retryable as exc:
            raise self._scrub(exc.error) from None
        except ConnectorError as exc:
            raise self._scrub(exc) from None
        raise SystemError_(f"No attempt was made for {op}.")  # pragma: no cover - stop >= 1

    async def _attempt(
        self,
        send: Callable[[], Awaitable[httpx.Response]],
        op: str,
        idempotent: bool,
        number: int,
    ) -> httpx.Response:
        started = time.monotonic()
        try:
            response = await send()
        except (httpx.RequestError, httpx.InvalidURL) as exc:
            self._log(op, f"failed ({type(exc).__name__})", started, number, logging.WARNING)
            CRM_REQUESTS.labels(crm=self.vendor, status=type(exc).__name__).inc()
            error = self._transport_error(exc, op)
            if isinstance(error, TransientError) and (idempotent or isinstance(exc, _NOT_SENT)):
                raise _Retryable(error) from None
            raise error from None
        level = logging.DEBUG if response.is_success else logging.WARNING
        self._log(op, f"HTTP {response.status_code}", started, number, level)
        CRM_REQUESTS.labels(crm=self.vendor, status=str(response.status_code)).inc()
        if response.status_code == 429:
            CRM_RATE_LIMITED.labels(crm=self.vendor).inc()
        error = self._classify(response, op)
        if error is None:
            return response
        if isinstance(error, TransientError) and (
            idempotent or response.status_code in _NOT_PROCESSED_STATUSES
        ):
            raise _Retryable(error, wait=retry_after_seconds(response)) from None
        raise error

    def _transport_error(self, exc: Exception, op: str) -> ConnectorError:
        if isinstance(exc, httpx.TimeoutException):
            return TransientError(f"{self.vendor} did not answer {op} in time; it will be retried.")
        if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError):
            return TransientError(f"Could not reach {self.vendor} for {op}; it will be retried.")
        if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
            return ConfigError(f"The {self.vendor} API URL is not a valid http(s) address.")
        return SystemError_(f"The request to {self.vendor} for {op} failed ({type(exc).__name__}).")

    def _scrub(self, error: ConnectorError) -> ConnectorError:
        error.reason = self.redact(error.reason)
        error.args = (error.reason,)
        return error

    def _log(self, op: str, outcome: str, started: float, attempt: int, level: int) -> None:
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.log(
            level,
            "%s %s -> %s in %.0fms (attempt %d)",
            self.vendor,
            op,
            outcome,
            elapsed_ms,
            attempt,
        )

    def _log_retry(self, op: str, state: RetryCallState) -> None:
        wait = state.next_action.sleep if state.next_action else 0.0
        logger.info(
            "%s %s: retrying in %.2fs (attempt %d of %d)",
            self.vendor,
            op,
            wait,
            state.attempt_number + 1,
            self.retry.max_attempts,
        )


async def bounded_gather(
    fn: Callable[[T], Awaitable[R]], items: Iterable[T], *, limit: int
) -> list[R]:
    """``fn`` over ``items`` with at most ``limit`` running at once; on the first failure the
    rest are cancelled and that failure is raised as is (not wrapped in an ExceptionGroup)."""
    semaphore = asyncio.Semaphore(max(limit, 1))

    async def run(item: T) -> R:
        async with semaphore:
            return await fn(item)

    tasks = [asyncio.create_task(run(item)) for item in items]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
