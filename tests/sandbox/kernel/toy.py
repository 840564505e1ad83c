"""A minimal emulator on the kernel, so the kernel's tests depend on no vendor: notes behind
an ``X-Key`` header, errors as ``{"error": ...}``."""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.kernel import Api, Call, Endpoint, Fault, Routes, State, build_app, fingerprint

KEY = "toy-key-123"
routes = Routes()


class ToyState(State):
    def __init__(self, **options: Any):
        super().__init__(**options)
        self.keys = {KEY, "other-key"}
        self.notes: dict[str, str] = {}

    def snapshot(self) -> dict[str, Any]:
        return {"notes": self.notes}


@routes.get("/notes", label="notes.list")
def _list(state: ToyState, body: Any) -> Any:
    return state.notes


@routes.post("/notes", label="notes.add")
def _add(state: ToyState, body: Any) -> Any:
    note_id = state.ids.uuid()
    state.notes[note_id] = body["text"]
    return {"id": note_id}


class ToyApi(Api[ToyState]):
    name = "toy"
    routes = routes
    secret_params = frozenset({"key"})

    async def credential(self, state: ToyState, request: Request) -> str | None:
        key = request.headers.get("x-key")
        return fingerprint(key) if key else None

    async def handle(
        self, state: ToyState, endpoint: Endpoint, request: Request, call: Call
    ) -> Response:
        if request.headers.get("x-key") not in state.keys:
            call.error = "unauthorised"
            return JSONResponse({"error": "unauthorised"}, status_code=401)
        raw = await request.body()
        call.body = json.loads(raw) if raw else None
        return JSONResponse(endpoint.handler(state, call.body))

    def failure(self, state: ToyState, fault: Fault, request: Request) -> Response:
        error = fault.code or fault.message or "injected"
        return JSONResponse({"error": error}, status_code=fault.status or 503)


def create_app(state: ToyState) -> Starlette:
    return build_app(ToyApi(), state)
