"""What a Slack listener gets from the process it runs in: the Runtime, seen through
:class:`Deps`. A Bolt middleware (:func:`provide`) puts it in every request's context, so
listeners are plain module-level functions that read ``deps_of(context)`` and hand it to a
service unopened; nothing but the entry point imports ``bot.app``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any, Protocol

from bot.services.context import ServiceContext

__all__ = ["DEPS", "Deps", "deps_of", "provide"]

DEPS = "deps"


class Deps(ServiceContext, Protocol):
    def spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run ``work`` after the Slack acknowledgement (kept referenced, awaited on stop)."""
        ...


Middleware = Callable[..., Awaitable[Any]]


def provide(deps: Deps) -> Middleware:
    """A Bolt middleware that puts ``deps`` into every request's context."""

    async def middleware(context: dict[str, Any], next_: Callable[[], Awaitable[Any]]) -> Any:
        context[DEPS] = deps
        return await next_()

    return middleware


def deps_of(context: Mapping[str, Any]) -> Deps:
    return context[DEPS]
