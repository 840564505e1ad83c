"""One httpx transport in front of every CRM emulator, chosen by the request's host.

The Runtime takes a single ``crm_transport``; scenario tests give it this router so each
connector reaches its own emulator at the API URL the settings name (``https://api.ashbyhq.test``
and so on), through real request/response shapes and no sockets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx


class HostRouter(httpx.AsyncBaseTransport):
    def __init__(self, apps: Mapping[str, Any]):
        self.transports = {host: httpx.ASGITransport(app=app) for host, app in apps.items()}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        transport = self.transports.get(request.url.host)
        if transport is None:
            known = ", ".join(sorted(self.transports))
            raise httpx.ConnectError(f"no emulator for {request.url.host} (known: {known})")
        return await transport.handle_async_request(request)
