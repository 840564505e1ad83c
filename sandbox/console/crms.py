"""The console's side panel of CRMs: for each emulator, what to connect with, what it holds
and the calls it answered, read over HTTP from its admin routes (``/_sandbox/...``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from sandbox.kernel.admin import PREFIX
from sandbox.kernel.demo import Demo

__all__ = ["CALLS_SHOWN", "Crm", "read_crm"]

CALLS_SHOWN = 40


@dataclass(frozen=True)
class Crm:
    kind: str
    demo: Demo

    def to_json(self) -> dict[str, Any]:
        demo = self.demo
        return {
            "kind": self.kind,
            "name": demo.name,
            "origin": demo.origin,
            "credentials": demo.credentials,
            "notes": demo.notes,
        }


async def read_crm(http: httpx.AsyncClient, crm: Crm) -> dict[str, Any]:
    """The emulator's records, and its latest calls first."""
    base = crm.demo.origin + PREFIX
    records = (await http.get(f"{base}/records", timeout=10)).json()
    calls = (await http.get(f"{base}/calls", timeout=10)).json()
    latest = [
        {k: call[k] for k in ("route", "method", "path", "status", "fault", "error")}
        for call in reversed(calls[-CALLS_SHOWN:])
    ]
    return {**crm.to_json(), "records": records, "calls": latest, "call_count": len(calls)}
