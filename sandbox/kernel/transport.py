"""An emulator in-process, as an httpx transport that keeps the client's read timeout.

httpx's ASGI transport ignores timeouts, so a hung call would hang the test; this one gives
up the way a socket would, with ``httpx.ReadTimeout``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

__all__ = ["Transport"]


class Transport(httpx.AsyncBaseTransport):
    def __init__(self, app: Any):
        self.app = app
        self._asgi = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout = request.extensions.get("timeout", {}).get("read")
        try:
            return await asyncio.wait_for(self._asgi.handle_async_request(request), timeout)
        except TimeoutError:
            raise httpx.ReadTimeout(
                "the emulator did not answer in time", request=request
            ) from None
