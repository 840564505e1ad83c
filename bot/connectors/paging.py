"""Pagination strategies: each connector declares how a vendor pages instead of writing a loop.

As in the Airbyte CDK's declarative paginators, a strategy only says what to ask for first and,
given an answer, what to ask for next (None at the end); :func:`paginate` runs any of them with
one guard against endless or repeating listings. The connector's ``fetch`` decides where the
page fields go (query string or JSON body).

The five vendors use three styles:

* :class:`PageNumber`: page number plus page size (PCRecruiter, Recruiterflow);
* :class:`Offset`: offset plus limit (Crelate);
* :class:`Cursor`: a cursor from the answer, sent back as a field (Ashby) or followed as the
  next page's path (Salesforce's ``nextRecordsUrl``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.connectors.errors import SystemError_

__all__ = [
    "Cursor",
    "Offset",
    "Page",
    "PageNumber",
    "PageRequest",
    "Paginator",
    "paginate",
    "records",
]

MAX_PAGES = 10_000


@dataclass(frozen=True, slots=True)
class PageRequest:
    """What to send for one page: paging ``fields`` (merged into the call's query or body), or
    a ``path`` that replaces the call's path (a next-page URL)."""

    fields: Mapping[str, Any] = field(default_factory=dict)
    path: str | None = None

    def key(self) -> tuple[str | None, tuple[tuple[str, Any], ...]]:
        return self.path, tuple(sorted(self.fields.items()))


@dataclass(frozen=True, slots=True)
class Page:
    """One answer as a strategy sees it; ``seen`` counts the rows so far, this page's included."""

    request: PageRequest
    answer: Any
    rows: Sequence[dict[str, Any]]
    seen: int


class Paginator(Protocol):
    records_key: str | None
    max_pages: int

    def first(self) -> PageRequest: ...

    def next(self, page: Page) -> PageRequest | None: ...


def dig(answer: Any, path: Sequence[str]) -> Any:
    """The value at ``path`` in nested dicts, or None."""
    for key in path:
        if not isinstance(answer, dict):
            return None
        answer = answer.get(key)
    return answer


def _last_page(page: Page, size: int | None, total_at: Sequence[str]) -> bool:
    """No rows, a short page (when ``size`` is given), or the announced total reached."""
    total = dig(page.answer, total_at) if total_at else None
    return (
        not page.rows
        or (size is not None and len(page.rows) < size)
        or (isinstance(total, int) and page.seen >= total)
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class PageNumber:
    page_param: str
    size_param: str
    size: int = 100
    first_page: int = 1
    total_at: tuple[str, ...] = ()
    # False where the vendor's page size cap is unknown, so a short page proves nothing.
    short_page_ends: bool = True
    records_key: str | None = None
    max_pages: int = MAX_PAGES

    def first(self) -> PageRequest:
        return self._request(self.first_page)

    def next(self, page: Page) -> PageRequest | None:
        if _last_page(page, self.size if self.short_page_ends else None, self.total_at):
            return None
        return self._request(page.request.fields[self.page_param] + 1)

    def _request(self, number: int) -> PageRequest:
        return PageRequest({self.size_param: self.size, self.page_param: number})


@dataclass(frozen=True, slots=True, kw_only=True)
class Offset:
    offset_param: str
    limit_param: str
    size: int = 100
    total_at: tuple[str, ...] = ()
    records_key: str | None = None
    max_pages: int = MAX_PAGES

    def first(self) -> PageRequest:
        return self._request(0)

    def next(self, page: Page) -> PageRequest | None:
        if _last_page(page, self.size, self.total_at):
            return None
        return self._request(page.request.fields[self.offset_param] + len(page.rows))

    def _request(self, offset: int) -> PageRequest:
        return PageRequest({self.limit_param: self.size, self.offset_param: offset})


@dataclass(frozen=True, slots=True, kw_only=True)
class Cursor:
    cursor_at: str
    # The request field the cursor goes in; None: the cursor is the next page's path.
    cursor_param: str | None = None
    more_at: str | None = None  # answer flag, true while more pages exist
    done_at: str | None = None  # answer flag, true on the last page (missing counts as true)
    size_param: str | None = None
    size: int = 100
    records_key: str | None = None
    max_pages: int = MAX_PAGES

    def first(self) -> PageRequest:
        return PageRequest(self._size_field())

    def next(self, page: Page) -> PageRequest | None:
        answer = page.answer if isinstance(page.answer, dict) else {}
        cursor = answer.get(self.cursor_at)
        if not cursor or (self.more_at and not answer.get(self.more_at)):
            return None
        if self.done_at and answer.get(self.done_at, True):
            return None
        if self.cursor_param is None:
            return PageRequest(path=str(cursor).lstrip("/"))
        return PageRequest({**self._size_field(), self.cursor_param: cursor})

    def _size_field(self) -> dict[str, Any]:
        return {self.size_param: self.size} if self.size_param else {}


def records(answer: Any, key: str | None, *, vendor: str, what: str) -> list[dict[str, Any]]:
    """The rows of one answer: a bare list, or the list under ``key``; non-objects dropped."""
    rows = answer.get(key) if key is not None and isinstance(answer, dict) else answer
    if not isinstance(rows, list):
        raise SystemError_(f"{vendor} answered {what} without a list of records.")
    return [row for row in rows if isinstance(row, dict)]


async def paginate(
    fetch: Callable[[PageRequest], Awaitable[Any]],
    paginator: Paginator,
    *,
    vendor: str,
    what: str,
) -> AsyncIterator[dict[str, Any]]:
    """Every row of a listing, page by page, as ``paginator`` directs ``fetch``."""
    request = paginator.first()
    asked = {request.key()}
    seen = 0
    for _ in range(paginator.max_pages):
        answer = await fetch(request)
        rows = records(answer, paginator.records_key, vendor=vendor, what=what)
        for row in rows:
            yield row
        seen += len(rows)
        following = paginator.next(Page(request, answer, rows, seen))
        if following is None:
            return
        if following.key() in asked:
            raise SystemError_(f"{vendor} sent the same page twice while listing {what}.")
        asked.add(following.key())
        request = following
    raise SystemError_(f"{vendor} returned more than {paginator.max_pages} pages for {what}.")
