"""The skeleton every HTTP connector is built on.

:class:`HttpConnector` owns what the five connectors used to repeat: the HTTP client (on
:class:`bot.connectors.http.HttpClient`, classified by the vendor's
:class:`~bot.connectors.error_map.ErrorTable`), JSON decoding, the record-type guard, paging
through a declared :mod:`~bot.connectors.paging` strategy, a one-by-one ``create_many`` and
``aclose``. A vendor subclass adds its shapes and the :class:`~bot.connectors.base.Connector`
methods.

A connector reads no Settings: it gets its slice as a frozen :class:`ConnectorOptions` subclass
(built by the vendor's spec, see :mod:`bot.connectors.spec`). Whatever outlives one connector,
like Salesforce sessions in :class:`SessionCache`, belongs to whoever builds connectors.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Self

import httpx

from bot.connectors.base import Capability, ContactData, CrmJob, CrmRecord
from bot.connectors.error_map import ErrorTable
from bot.connectors.errors import ConfigError, ConnectorError, SystemError_, ValidationError
from bot.connectors.http import HttpClient, RetryPolicy, basic_auth_secrets
from bot.connectors.paging import PageRequest, Paginator, paginate

__all__ = [
    "ApiKeyConnector",
    "ConnectorOptions",
    "HttpConnector",
    "ServiceOptions",
    "SessionCache",
    "matching_jobs",
    "normalise_email",
    "unique_emails",
]


def normalise_email(email: str) -> str:
    """The one form emails are compared in: trimmed and lower-cased."""
    return email.strip().lower()


def unique_emails(emails: Iterable[str | None]) -> list[str]:
    """Normalised emails without blanks or repeats, in first-seen order."""
    return list(dict.fromkeys(normalise_email(e) for e in emails if e and e.strip()))


def matching_jobs(jobs: Iterable[CrmJob], query: str) -> list[CrmJob]:
    """Jobs whose title contains ``query`` (case-insensitive), sorted by title."""
    needle = query.strip().casefold()
    found = [job for job in jobs if needle in job.title.casefold()]
    return sorted(found, key=lambda job: job.title.casefold())


def either(names: Sequence[str]) -> str:
    """``A``, ``A or B``, ``A, B or C`` for messages."""
    if len(names) == 1:
        return f"{names[0]} only"
    return f"{', '.join(names[:-1])} or {names[-1]}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectorOptions:
    """What every connector takes from Settings; each vendor extends it with its own facts."""

    retry_wait: float | None = None  # cap on every retry wait (0 in tests); None: defaults
    timeout: float = 30.0

    def retry_policy(self) -> RetryPolicy | None:
        return None if self.retry_wait is None else RetryPolicy.capped(self.retry_wait)


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceOptions(ConnectorOptions):
    """Options of a CRM whose API has one address for every account (``<CRM>_API_URL``)."""

    base_url: str


class SessionCache:
    """Access tokens shared by the connectors one builder makes, so the connector built for each
    sync pass reuses a live session instead of logging in again. Memory only; keys are hashes
    of what the session was obtained from, never the secrets themselves."""

    def __init__(self) -> None:
        self._tokens: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"SessionCache({len(self._tokens)} sessions)"

    @staticmethod
    def key(*parts: str) -> str:
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    def get(self, key: str) -> str | None:
        return self._tokens.get(key)

    def put(self, key: str, token: str) -> None:
        self._tokens[key] = token


class HttpConnector:
    """The shared part of a connector; subclasses set the class attributes and ``errors``."""

    kind: ClassVar[str]
    display_name: ClassVar[str]
    record_types: ClassVar[tuple[str, ...]]
    capabilities: ClassVar[frozenset[Capability]]
    find_batch_size: ClassVar[int] = 25
    create_batch_size: ClassVar[int] = 1
    options_type: ClassVar[type[ConnectorOptions]] = ConnectorOptions
    errors: ClassVar[ErrorTable]

    def __init__(
        self,
        *,
        base_url: str,
        options: ConnectorOptions,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        auth: httpx.Auth | None = None,
        headers: Mapping[str, str] | None = None,
        secrets: Sequence[str] = (),
        api_path: str = "",
    ):
        self.base_url = base_url.rstrip("/")
        self._http = HttpClient(
            vendor=self.display_name,
            base_url=f"{self.base_url}/{api_path}" if api_path else self.base_url,
            auth=auth,
            headers={"Accept": "application/json", **(headers or {})},
            transport=transport,
            timeout=options.timeout,
            retry=retry or options.retry_policy(),
            secrets=[s for s in secrets if s],
            classify=self._classify,
            credential=self.errors.credential,
        )

    @classmethod
    def configure(cls, options: ConnectorOptions | None, overrides: Mapping[str, Any]) -> Any:
        """``options`` (default: the vendor's defaults) with single fields replaced, so tests
        and scripts can say ``retry_wait=0`` without building a whole options object."""
        base = options if options is not None else cls.options_type()
        return replace(base, **overrides) if overrides else base

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- what subclasses build on -------------------------------------------------------------

    def _classify(self, response: httpx.Response, op: str) -> ConnectorError | None:
        return self.errors.classify(response, op)

    async def request_json(
        self,
        method: str,
        path: str,
        *,
        op: str | None = None,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotent: bool = True,
    ) -> Any:
        """One call through the retrying client; the decoded JSON of its successful answer."""
        op = op or path
        response = await self._http.request(
            method, path, op=op, json=json, params=params, idempotent=idempotent
        )
        try:
            return response.json()
        except ValueError:
            raise SystemError_(
                f"{self.display_name} answered {op} with something not JSON."
            ) from None

    def pages(
        self,
        paginator: Paginator,
        fetch: Callable[[PageRequest], Awaitable[Any]],
        what: str,
    ) -> AsyncIterator[dict[str, Any]]:
        """Every row of a listing; ``fetch`` sends one page's request, ``what`` names it."""
        return paginate(fetch, paginator, vendor=self.display_name, what=what)

    def check_record_type(self, record_type: str) -> None:
        """Refuse a record type this CRM does not have, before any call is made."""
        if record_type not in self.record_types:
            raise ConfigError(
                f"{self.display_name} records people as {either(self.record_types)}, "
                f"not as {record_type}."
            )

    def searched_types(self, record_types: Sequence[str] | None) -> list[str]:
        """The requested record types this CRM has (all of them for None), in its order."""
        return [t for t in self.record_types if record_types is None or t in record_types]

    # --- Connector defaults ------------------------------------------------------------------

    async def create(self, contact: ContactData, record_type: str) -> CrmRecord:
        raise NotImplementedError

    async def create_many(
        self, contacts: Sequence[ContactData], record_type: str
    ) -> list[CrmRecord | ConnectorError]:
        """One create per contact, for CRMs without a batch endpoint: a record the CRM refuses
        comes back in place as its ValidationError; anything else stops the batch."""
        self.check_record_type(record_type)
        results: list[CrmRecord | ConnectorError] = []
        for contact in contacts:
            try:
                results.append(await self.create(contact, record_type))
            except ValidationError as exc:
                results.append(exc)
        return results


class ApiKeyConnector(HttpConnector):
    """A connector whose one credential is an API key, sent in the ``key_header`` header or,
    when that is None, as the Basic auth username with an empty password."""

    key_header: ClassVar[str | None] = None
    extra_headers: ClassVar[Mapping[str, str]] = {}
    api_path: ClassVar[str] = ""  # below base_url, where every call's path starts
    options: ServiceOptions

    def __init__(
        self,
        api_key: str,
        *,
        options: ServiceOptions | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        **overrides: Any,
    ):
        api_key = api_key.strip()
        self.options = self.configure(options, overrides)
        if self.key_header is None:
            auth = httpx.BasicAuth(api_key, "")
            headers, secrets = dict(self.extra_headers), basic_auth_secrets(api_key)
        else:
            auth, headers = None, {**self.extra_headers, self.key_header: api_key}
            secrets = (api_key,)
        super().__init__(
            base_url=self.options.base_url,
            options=self.options,
            transport=transport,
            retry=retry,
            auth=auth,
            headers=headers,
            secrets=secrets,
            api_path=self.api_path,
        )
