"""The admin routes of a served emulator, for a test (or console) in another process.

    GET    /_sandbox/records    everything the account holds (the state's ``snapshot()``)
    GET    /_sandbox/calls      the call log, oldest first;  DELETE clears it
    POST   /_sandbox/faults     one fault, a list, or {"chaos": {...}};  DELETE clears them
    POST   /_sandbox/latency    {"fixed": s, "jitter": s}
    POST   /_sandbox/limits     {"rate": per second, "burst": n}, or null for no limit

None of them is logged, delayed, limited or faulted.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.kernel.limits import Latency, RateLimit

if TYPE_CHECKING:
    from sandbox.kernel.state import State

__all__ = ["PREFIX", "admin_routes"]

PREFIX = "/_sandbox"


def _json(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, default=str)
    return Response(body, status_code=status, media_type="application/json")


def _admin(work: Callable[[Any], Any]) -> Callable[[Request], Awaitable[Response]]:
    """An admin endpoint: its JSON body (if any) in, JSON out, bad input → 400."""

    async def endpoint(request: Request) -> Response:
        raw = await request.body()
        try:
            return _json(work(json.loads(raw) if raw.strip() else None))
        except (TypeError, ValueError) as exc:
            return _json({"error": str(exc)}, 400)

    return endpoint


def admin_routes(state: State, parts: list[State]) -> list[Route]:
    def calls(_: Any) -> list[dict[str, Any]]:
        log = sorted((c for part in parts for c in part.log), key=lambda c: c.at)
        return [c.to_json() for c in log]

    def reset_calls(_: Any) -> dict[str, Any]:
        for part in parts:
            part.reset_calls()
        return {}

    def add_faults(spec: Any) -> list[dict[str, Any]]:
        if isinstance(spec, dict) and "chaos" in spec:
            made = state.faults.chaos(**spec["chaos"])
        else:
            made = [
                state.inject_fault(**one) for one in (spec if isinstance(spec, list) else [spec])
            ]
        return [f.to_json() for f in made]

    def clear_faults(_: Any) -> dict[str, Any]:
        state.clear_faults()
        return {}

    def set_latency(spec: Any) -> dict[str, Any]:
        state.latency = Latency(**spec)
        return spec

    def set_limits(spec: Any) -> Any:
        state.limits.limit = RateLimit(**spec) if spec else None
        return spec

    table = [
        ("GET", "records", lambda _: state.snapshot()),
        ("GET", "calls", calls),
        ("DELETE", "calls", reset_calls),
        ("POST", "faults", add_faults),
        ("DELETE", "faults", clear_faults),
        ("POST", "latency", set_latency),
        ("POST", "limits", set_limits),
    ]
    return [Route(f"{PREFIX}/{name}", _admin(work), methods=[m]) for m, name, work in table]
