"""How an emulator becomes an ASGI app.

A vendor module declares its endpoints in a :class:`Routes` table and writes an :class:`Api`
subclass with its rules (who the caller is, auth, envelopes, errors). :func:`build_app`
serves them, sending every call through one pipeline:

    log the call → gate → latency → rate limit → injected fault → the vendor's handle

plus the admin routes of :mod:`sandbox.kernel.admin` (``/_sandbox/...``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Generic, TypeVar

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.kernel.admin import admin_routes
from sandbox.kernel.calls import Call
from sandbox.kernel.faults import Fault
from sandbox.kernel.state import State

__all__ = [
    "Api",
    "ConnectionDropped",
    "Endpoint",
    "Routes",
    "build_app",
    "fingerprint",
]

S = TypeVar("S", bound=State)
H = TypeVar("H", bound=Callable[..., Any])
MASK = "•••"


@dataclass(frozen=True)
class Endpoint:
    """``label`` names the endpoint in the call log and in fault routes; it may use the path
    parameters (``describe/{sobject}``). ``options`` are the vendor's own (a permission...)."""

    methods: tuple[str, ...]
    path: str
    handler: Callable[..., Any]
    label: str
    options: dict[str, Any] = field(default_factory=dict)


class Routes:
    """A vendor's endpoint table, filled with decorators: ``@routes.post("/candidate.search")``.
    Order matters (the first match wins), so catch-alls go last."""

    def __init__(self) -> None:
        self.endpoints: list[Endpoint] = []

    def route(
        self, methods: str | Sequence[str], path: str, *, label: str | None = None, **options: Any
    ) -> Callable[[H], H]:
        verbs = (methods,) if isinstance(methods, str) else tuple(methods)

        def add(handler: H) -> H:
            name = label if label is not None else f"{' '.join(verbs)} {path}"
            self.endpoints.append(Endpoint(verbs, path, handler, name, options))
            return handler

        return add

    def get(self, path: str, **kw: Any) -> Callable[[H], H]:
        return self.route("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Callable[[H], H]:
        return self.route("POST", path, **kw)

    def patch(self, path: str, **kw: Any) -> Callable[[H], H]:
        return self.route("PATCH", path, **kw)


class Api(Generic[S]):
    """One vendor's rules. Subclasses set ``name`` and ``routes`` and implement
    :meth:`handle` (auth, body, envelope, errors around ``endpoint.handler``) and
    :meth:`failure` (an injected or throttled failure in the vendor's envelope)."""

    name: ClassVar[str]
    routes: ClassVar[Routes]
    prefix: str = ""
    # What the vendor answers over the rate limit; retry_after is filled in per call.
    throttle: ClassVar[Fault] = Fault(status=429, message="Too many requests")
    throttle_retry_after: ClassVar[bool] = True
    # Query parameters that carry secrets, masked in the call log.
    secret_params: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, prefix: str | None = None):
        if prefix is not None:
            self.prefix = prefix.rstrip("/")

    async def credential(self, state: S, request: Request) -> str | None:
        """A label for the caller's credential (never the secret): the call log shows it and
        the rate limit keeps one bucket per label."""
        return None

    async def label(self, state: S, endpoint: Endpoint, request: Request) -> str:
        """The call's route label: the endpoint's, filled in from the path."""
        return endpoint.label.format(**request.path_params)

    def normalise(self, path: str) -> str:
        """The path routing sees (a vendor with case-insensitive paths lowers it)."""
        return path

    async def handle(self, state: S, endpoint: Endpoint, request: Request, call: Call) -> Response:
        raise NotImplementedError

    def failure(self, state: S, fault: Fault, request: Request) -> Response:
        raise NotImplementedError

    def throttled(self, state: S, wait: float) -> Fault:
        answer = state.limits.answer or self.throttle
        retry_after = math.ceil(wait) if self.throttle_retry_after else None
        return replace(answer, retry_after=retry_after)


def fingerprint(secret: str) -> str:
    """A stable label for a secret that does not reveal it."""
    return "key-" + hashlib.sha256(secret.encode()).hexdigest()[:8]


class ConnectionDropped(httpx.RemoteProtocolError):
    """Raised in the app to cut the connection. In-process (httpx's ASGI transport) the client
    gets this very error; under uvicorn the half-sent response is cut off."""


class Dropped(Response):
    def __init__(self) -> None:
        super().__init__(status_code=200)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Starting the answer first keeps servers from replacing the reset with a 500.
        headers = [(b"content-length", b"1")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        raise ConnectionDropped("the emulator dropped the connection")


class _NormalisedPaths:
    def __init__(self, app: ASGIApp, api: Api[Any]):
        self.app, self.api = app, api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = {**scope, "path": self.api.normalise(scope["path"])}
        await self.app(scope, receive, send)


def build_app(api: Api[S], state: S, *more: tuple[Api[Any], State]) -> Starlette:
    """The emulator as an ASGI app (``app.state.<api.name>`` is its state). ``more`` adds
    other parts served on the same host, each with its own state (Salesforce's login server)."""
    parts: list[tuple[Api[Any], State]] = [(api, state), *more]
    routes = admin_routes(state, [s for _, s in parts])
    for part_api, part_state in parts:
        routes += [
            Route(part_api.prefix + e.path, _endpoint(part_api, part_state, e), methods=e.methods)
            for e in part_api.routes.endpoints
        ]
    app = Starlette(routes=routes, middleware=[Middleware(_NormalisedPaths, api=api)])
    app.state.sandbox = state
    for part_api, part_state in parts:
        setattr(app.state, part_api.name, part_state)
    return app


def _endpoint(api: Api[S], state: S, endpoint: Endpoint) -> Callable[[Request], Any]:
    async def run(request: Request) -> Response:
        call = await _open_call(api, state, endpoint, request)
        started = time.perf_counter()
        try:
            response = await _answer(api, state, endpoint, request, call)
            call.status = 0 if isinstance(response, Dropped) else response.status_code
            return response
        finally:
            call.seconds = round(time.perf_counter() - started, 6)

    return run


async def _open_call(api: Api[S], state: S, endpoint: Endpoint, request: Request) -> Call:
    query = {
        k: MASK if k.lower() in api.secret_params else v for k, v in request.query_params.items()
    }
    call = Call(
        route=await api.label(state, endpoint, request),
        method=request.method,
        path=request.url.path,
        query=query,
        credential=await api.credential(state, request),
        at=state.clock.time(),
    )
    state.log.append(call)
    return call


async def _answer(
    api: Api[S], state: S, endpoint: Endpoint, request: Request, call: Call
) -> Response:
    gate = state.gates.get(call.route)
    if gate is not None:
        await gate.wait()
    delay = state.latency.delay(state.rng)
    if delay:
        await asyncio.sleep(delay)
    wait = state.limits.take(call.credential)
    if wait:
        call.fault = "throttled"
        return _failure(api, state, api.throttled(state, wait), request)
    fault = state.faults.take(call.route)
    if fault is None:
        return await api.handle(state, endpoint, request, call)
    call.fault = fault.kind
    if fault.kind == "status":
        return _failure(api, state, fault, request)
    if fault.kind == "hang":
        await _hang(request, fault.hang)
    elif fault.kind == "lost":
        await api.handle(state, endpoint, request, call)
        if fault.status is not None:
            return _failure(api, state, fault, request)
    return Dropped()


def _failure(api: Api[S], state: S, fault: Fault, request: Request) -> Response:
    response = api.failure(state, fault, request)
    response.headers.update(fault.answer_headers())
    return response


async def _hang(request: Request, seconds: float) -> None:
    """Hold the call, giving up early once the client has gone."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            while (await request.receive())["type"] != "http.disconnect":
                pass
