"""The connector skeleton's pieces on their own: paginators, error tables, emails, the guard."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx
import pytest

from bot.connectors.base import Capability, ContactData, CrmJob, CrmRecord
from bot.connectors.error_map import SUCCESS, ErrorRule, ErrorTable, Failure, map_error, short
from bot.connectors.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    RateLimitError,
    SystemError_,
    TransientError,
    ValidationError,
)
from bot.connectors.paging import Cursor, Offset, PageNumber, PageRequest, paginate
from bot.connectors.skeleton import (
    ApiKeyConnector,
    ConnectorOptions,
    HttpConnector,
    ServiceOptions,
    SessionCache,
    matching_jobs,
    normalise_email,
    unique_emails,
)

# --- emails and jobs -----------------------------------------------------------------------------


def test_emails_are_trimmed_lowered_and_deduplicated_in_order() -> None:
    assert normalise_email("  Ada@Example.COM ") == "ada@example.com"
    emails = ["B@x.io", "a@x.io", " b@X.io", "", "   ", None, "A@x.io"]
    assert unique_emails(emails) == ["b@x.io", "a@x.io"]


def test_matching_jobs_filter_by_title_and_sort() -> None:
    jobs = [CrmJob("1", "Senior Engineer"), CrmJob("2", "designer"), CrmJob("3", "Engineer")]
    assert [j.id for j in matching_jobs(jobs, " ENGINEER ")] == ["3", "1"]
    assert [j.id for j in matching_jobs(jobs, "")] == ["2", "3", "1"]


# --- paginators ----------------------------------------------------------------------------------


class Pages:
    """A fake listing: answers each request from a function and records what was asked."""

    def __init__(self, answer: Any):
        self.answer = answer
        self.asked: list[PageRequest] = []

    async def __call__(self, request: PageRequest) -> Any:
        self.asked.append(request)
        return self.answer(request)


async def rows_of(fetch: Pages, paginator: Any) -> list[dict[str, Any]]:
    return [row async for row in paginate(fetch, paginator, vendor="Acme", what="list things")]


def numbered(start: int, count: int) -> list[dict[str, int]]:
    return [{"n": n} for n in range(start, start + count)]


async def test_page_numbers_stop_at_a_short_page() -> None:
    paginator = PageNumber(page_param="page", size_param="per", size=2)
    fetch = Pages(lambda r: numbered(r.fields["page"] * 10, 2 if r.fields["page"] < 3 else 1))
    rows = await rows_of(fetch, paginator)
    assert [r["n"] for r in rows] == [10, 11, 20, 21, 30]
    assert [dict(r.fields) for r in fetch.asked] == [
        {"per": 2, "page": 1},
        {"per": 2, "page": 2},
        {"per": 2, "page": 3},
    ]


async def test_page_numbers_can_trust_only_the_total_or_an_empty_page() -> None:
    paginator = PageNumber(
        page_param="Page",
        size_param="Size",
        size=100,
        total_at=("Total",),
        short_page_ends=False,
        records_key="Results",
    )
    # The server caps pages at 2 rows whatever was asked: a short page is not the end.
    fetch = Pages(lambda r: {"Total": 5, "Results": numbered(r.fields["Page"] * 2, 2)})
    rows = await rows_of(fetch, paginator)
    assert len(rows) == 6 and len(fetch.asked) == 3  # stops once 5 were announced and seen
    empty = Pages(lambda r: {"Results": numbered(0, 2) if r.fields["Page"] == 1 else []})
    assert len(await rows_of(empty, paginator)) == 2 and len(empty.asked) == 2


async def test_offsets_advance_by_the_rows_received_and_read_a_nested_total() -> None:
    paginator = Offset(
        offset_param="offset",
        limit_param="limit",
        size=3,
        total_at=("Meta", "Total"),
        records_key="Data",
    )
    fetch = Pages(lambda r: {"Data": numbered(r.fields["offset"], 3), "Meta": {"Total": 6}})
    rows = await rows_of(fetch, paginator)
    assert [r["n"] for r in rows] == [0, 1, 2, 3, 4, 5]
    assert [r.fields["offset"] for r in fetch.asked] == [0, 3]


async def test_a_cursor_goes_back_as_a_field_while_more_data_is_flagged() -> None:
    paginator = Cursor(
        cursor_at="next",
        cursor_param="cursor",
        more_at="more",
        size_param="limit",
        size=2,
        records_key="results",
    )
    answers = {
        None: {"results": numbered(0, 2), "next": "c1", "more": True},
        "c1": {"results": numbered(2, 1), "next": "c2", "more": False},
    }
    fetch = Pages(lambda r: answers[r.fields.get("cursor")])
    assert len(await rows_of(fetch, paginator)) == 3
    assert [dict(r.fields) for r in fetch.asked] == [{"limit": 2}, {"limit": 2, "cursor": "c1"}]


async def test_a_cursor_can_be_the_next_pages_path() -> None:
    paginator = Cursor(cursor_at="nextUrl", done_at="done", records_key="records")
    answers = {
        None: {"records": numbered(0, 1), "done": False, "nextUrl": "/q/page-2"},
        "q/page-2": {"records": numbered(1, 1), "done": True, "nextUrl": "/q/page-3"},
    }
    fetch = Pages(lambda r: answers[r.path])
    assert len(await rows_of(fetch, paginator)) == 2
    assert [r.path for r in fetch.asked] == [None, "q/page-2"]


async def test_a_repeated_page_is_a_system_error_not_a_loop() -> None:
    paginator = Cursor(cursor_at="next", cursor_param="cursor", records_key="results")
    fetch = Pages(lambda r: {"results": numbered(0, 1), "next": "same"})
    with pytest.raises(SystemError_, match="Acme sent the same page twice while listing"):
        await rows_of(fetch, paginator)
    assert len(fetch.asked) == 2


async def test_runaway_listings_stop_at_max_pages() -> None:
    paginator = PageNumber(page_param="p", size_param="s", size=1, max_pages=3)
    with pytest.raises(SystemError_, match="more than 3 pages for list things"):
        await rows_of(Pages(lambda r: numbered(0, 1)), paginator)


async def test_an_answer_without_a_list_is_a_system_error() -> None:
    paginator = PageNumber(page_param="p", size_param="s", records_key="data")
    with pytest.raises(SystemError_, match="Acme answered list things without a list"):
        await rows_of(Pages(lambda r: {"data": None}), paginator)
    bare = Pages(lambda r: [{"n": 1}, "junk", None])  # a bare list is accepted as is
    assert await rows_of(bare, paginator) == [{"n": 1}]


# --- error tables --------------------------------------------------------------------------------


def failure(status: int, code: str | None = None, message: str | None = None, **kw) -> Failure:
    return Failure(
        vendor="Acme", op="thing.create", status=status, code=code, message=message, **kw
    )


RULES = (
    ErrorRule(AuthError, "Acme wants a new key ({code_label}).", status=403, code="key_revoked"),
    ErrorRule(
        RateLimitError,
        "Acme is busy ({code}); {op} again{retry_in}.",
        status=SUCCESS,
        code=frozenset({"slow_down", "too_many"}),
    ),
    ErrorRule(
        ValidationError,
        "Acme refused {op}.{said}",
        status=range(400, 500),
        when=lambda f: "required" in (f.message or ""),
    ),
    ErrorRule(AuthError, "Session over.", status=401, fallback_code="SESSION"),
)


def test_rules_match_on_status_code_and_predicate_first_match_wins() -> None:
    error = map_error(failure(403, "key_revoked"), RULES)
    assert type(error) is AuthError and error.reason == "Acme wants a new key (key_revoked)."
    limited = map_error(failure(200, "too_many", retry_after=4), RULES)
    assert isinstance(limited, RateLimitError) and limited.retry_after == 4
    assert limited.reason == "Acme is busy (too_many); thing.create again in 4s."
    refused = map_error(failure(422, message="name is required"), RULES)
    assert type(refused) is ValidationError
    assert refused.reason == "Acme refused thing.create. Acme said: name is required"
    assert (refused.status, refused.code) == (422, None)


def test_a_rule_can_supply_the_code_the_vendor_left_out() -> None:
    assert map_error(failure(401), RULES).code == "SESSION"
    assert map_error(failure(401, "OTHER"), RULES).code == "OTHER"


@pytest.mark.parametrize(
    ("status", "code", "error_type"),
    [
        (403, "other", AuthError),
        (429, None, RateLimitError),
        (503, None, TransientError),
        (422, None, ValidationError),
        (404, None, ConfigError),
        (302, None, SystemError_),
    ],
)
def test_unmatched_failures_fall_back_to_the_status(status, code, error_type) -> None:
    error = map_error(failure(status, code, "detail here"), RULES)
    assert type(error) is error_type
    assert error.status == status and "Acme" in error.reason


def envelope_failed(response: httpx.Response, body: Any) -> bool:
    return not response.is_success or not (isinstance(body, dict) and body.get("ok"))


TABLE = ErrorTable(
    vendor="Acme",
    credential="API key",
    rules=RULES,
    read=lambda body: (body.get("code"), body.get("message")) if body else (None, None),
    failed=envelope_failed,
)


def test_a_table_classifies_envelopes_and_reads_code_and_message() -> None:
    assert TABLE.classify(httpx.Response(200, json={"ok": True}), "op") is None
    busy = httpx.Response(
        200, json={"ok": False, "code": "slow_down"}, headers={"Retry-After": "2"}
    )
    error = TABLE.classify(busy, "thing.list")
    assert isinstance(error, RateLimitError) and error.retry_after == 2
    long = {"ok": False, "code": "x", "message": "name is\n required " + "y" * 400}
    refused = TABLE.classify(httpx.Response(400, json=long), "thing.create")
    assert isinstance(refused, ValidationError)
    assert "name is required" in refused.reason and refused.reason.endswith("…")


def test_a_status_only_table_leaves_success_alone() -> None:
    table = ErrorTable(vendor="Acme")
    assert table.classify(httpx.Response(201, content=b"not json"), "op") is None
    error = table.classify(httpx.Response(401), "op")
    assert isinstance(error, AuthError) and "credentials" in error.reason


def test_short_messages_are_one_line_and_bounded() -> None:
    assert short(None) is None and short("") is None
    assert short(" a \n b ") == "a b"
    assert short("x" * 10, limit=5) == "xxxx…"


# --- the connector base: guard, create_many, options ---------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class AcmeOptions(ConnectorOptions):
    base_url: str = "https://acme.test"
    color: str = "blue"


class AcmeConnector(HttpConnector):
    kind = "acme"
    display_name = "Acme"
    record_types: ClassVar[tuple[str, ...]] = ("Person", "Company Contact")
    capabilities = frozenset({Capability.ACTIVITY})
    options_type = AcmeOptions
    errors = ErrorTable(vendor="Acme", credential="API key")

    def __init__(self, *, options: AcmeOptions | None = None, **overrides: Any):
        self.options: AcmeOptions = self.configure(options, overrides)
        super().__init__(base_url=self.options.base_url, options=self.options)
        self.created: list[str] = []

    async def create(self, contact: ContactData, record_type: str) -> CrmRecord:
        self.check_record_type(record_type)
        if "bad" in contact.email:
            raise ValidationError(f"Acme refused {contact.email}.")
        if "down" in contact.email:
            raise TransientError("Acme is down.")
        self.created.append(contact.email)
        return CrmRecord(contact.email, record_type, (contact.email,))


async def test_the_record_type_guard_names_what_the_crm_has() -> None:
    async with AcmeConnector() as connector:
        with pytest.raises(ConfigError) as caught:
            await connector.create_many([ContactData("a@x.io")], "Lead")
        assert caught.value.reason == (
            "Acme records people as Person or Company Contact, not as Lead."
        )
        assert connector.created == []
        assert connector.searched_types(["Lead", "Company Contact"]) == ["Company Contact"]
        assert connector.searched_types(None) == ["Person", "Company Contact"]


async def test_create_many_returns_refusals_in_place_and_raises_the_rest() -> None:
    async with AcmeConnector() as connector:
        contacts = [ContactData("a@x.io"), ContactData("bad@x.io"), ContactData("c@x.io")]
        results: Sequence[CrmRecord | ConnectorError] = await connector.create_many(
            contacts, "Person"
        )
        assert [type(r).__name__ for r in results] == ["CrmRecord", "ValidationError", "CrmRecord"]
        with pytest.raises(TransientError):
            await connector.create_many([ContactData("down@x.io")], "Person")


async def test_options_take_single_field_overrides() -> None:
    connector = AcmeConnector(options=AcmeOptions(color="red"), retry_wait=0)
    assert (connector.options.color, connector.options.retry_wait) == ("red", 0)
    assert connector.options.retry_policy() is not None
    assert AcmeOptions().retry_policy() is None
    with pytest.raises(TypeError):
        AcmeConnector(colour="green")
    assert repr(connector) == "AcmeConnector(base_url='https://acme.test')"
    await connector.aclose()


def test_a_session_cache_keys_by_hash() -> None:
    cache = SessionCache()
    key = SessionCache.key("https://login.test", "client", "refresh-secret")
    assert "refresh-secret" not in key
    assert cache.get(key) is None
    cache.put(key, "token-1")
    assert cache.get(key) == "token-1"
    assert "token-1" not in repr(cache)


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyedOptions(ServiceOptions):
    base_url: str = "https://keyed.test/"


class KeyedConnector(ApiKeyConnector):
    kind = "keyed"
    display_name = "Keyed"
    record_types: ClassVar[tuple[str, ...]] = ("Person",)
    capabilities = frozenset()
    options_type = KeyedOptions
    errors = ErrorTable(vendor="Keyed", credential="API key")
    key_header = "X-Key"
    api_path = "api/v2"


class BasicKeyedConnector(KeyedConnector):
    key_header = None
    extra_headers: ClassVar[dict[str, str]] = {"Accept": "application/json; version=1"}


async def test_an_api_key_goes_in_its_header_or_as_the_basic_auth_user() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    transport = httpx.MockTransport(answer)
    async with KeyedConnector(" k-123 ", transport=transport) as keyed:
        assert await keyed.request_json("GET", "things") == {"ok": True}
    async with BasicKeyedConnector("k-123", transport=transport) as basic:
        await basic.request_json("GET", "things")
    assert str(seen[0].url) == "https://keyed.test/api/v2/things"
    assert seen[0].headers["X-Key"] == "k-123" and "Authorization" not in seen[0].headers
    assert seen[1].headers["Authorization"] == "Basic " + base64.b64encode(b"k-123:").decode()
    assert seen[1].headers["Accept"] == "application/json; version=1"


async def test_a_non_json_answer_is_a_system_error_and_the_key_never_shows() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, text="<html>k-123"))
    async with KeyedConnector("k-123", transport=transport) as keyed:
        with pytest.raises(SystemError_, match="Keyed answered list things with something not"):
            await keyed.request_json("GET", "things", op="list things")
    refusing = httpx.MockTransport(lambda request: httpx.Response(401))
    async with KeyedConnector("k-123", transport=refusing, retry_wait=0) as keyed:
        with pytest.raises(AuthError) as caught:
            await keyed.request_json("GET", "things")
    assert "k-123" not in f"{caught.value} {caught.value!r}"
