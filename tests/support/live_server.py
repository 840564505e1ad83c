"""An ASGI app served by uvicorn on 127.0.0.1 in a background thread, for tests that need a
real socket (a real browser, or a connector reaching an emulator over real HTTP).

    sock = free_socket()                     # bound now, so the URL is known before the app
    async with LiveServer(app, sock) as server:
        ...                                  # server.url == "http://127.0.0.1:<port>"

The server runs its own event loop (and the app's lifespan) in its thread; the test's loop
stays free, so fakes served by the test (FakeSlack) keep answering while it waits.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any, Self

import uvicorn

STARTUP_SECONDS = 20.0


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def socket_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{host}:{port}"


class LiveServer:
    def __init__(self, app: Any, sock: socket.socket):
        self.sock = sock
        self.url = socket_url(sock)
        config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [sock]}, daemon=True, name=self.url
        )

    async def __aenter__(self) -> Self:
        self.thread.start()
        deadline = asyncio.get_running_loop().time() + STARTUP_SECONDS
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError(f"the server at {self.url} stopped while starting")
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"the server at {self.url} did not start")
            await asyncio.sleep(0.02)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.should_exit = True
        # Joining in a worker thread keeps this loop serving fakes during shutdown.
        await asyncio.to_thread(self.thread.join, STARTUP_SECONDS)
        self.sock.close()
