"""Emulators over real HTTP, always on 127.0.0.1.

    with Server(create_app(state)) as server:         # uvicorn in a thread of this process
        server.url                                     # http://127.0.0.1:<free port>

    with spawn("ashby", "--latency", "0.1") as served:  # `python -m sandbox serve` in a subprocess
        served.demo["credentials"]                     # what it seeded and printed
        served.admin.calls()                           # its call log, read over HTTP

Both work in sync and async tests (``async with`` starts and stops in a worker thread, so
the test's event loop keeps serving its own fakes meanwhile).
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Self

import httpx
import uvicorn

from sandbox.kernel.admin import PREFIX
from sandbox.kernel.app import ConnectionDropped

__all__ = ["LOOPBACK", "Remote", "Server", "Spawned", "bind", "socket_url", "spawn"]

LOOPBACK = "127.0.0.1"
STARTUP_SECONDS = 20.0
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def bind(port: int = 0) -> socket.socket:
    """A socket bound on loopback now (port 0: a free one), so its URL is known up front."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOOPBACK, port))
    return sock


def socket_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{host}:{port}"


class _QuietDrops(logging.Filter):
    """A dropped connection is the emulator's intent, not an error worth a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))


_QUIET = _QuietDrops()


class Server:
    def __init__(self, app: Any, sock: socket.socket | None = None, *, port: int = 0):
        self.sock = sock or bind(port)
        self.url = socket_url(self.sock)
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, timeout_graceful_shutdown=1
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True, name=self.url
        )

    def start(self) -> Self:
        errors = logging.getLogger("uvicorn.error")
        if _QUIET not in errors.filters:
            errors.addFilter(_QUIET)
        self.thread.start()
        deadline = time.monotonic() + STARTUP_SECONDS
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server at {self.url} did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(STARTUP_SECONDS)
        self.sock.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return await asyncio.to_thread(self.start)

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)


class Remote:
    """The admin routes of an emulator served at ``origin`` (see :mod:`sandbox.kernel.admin`)."""

    def __init__(self, origin: str):
        self.base = origin.rstrip("/") + PREFIX

    def _send(self, method: str, name: str, body: Any = None) -> Any:
        response = httpx.request(method, f"{self.base}/{name}", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def records(self) -> dict[str, Any]:
        return self._send("GET", "records")

    def calls(self) -> list[dict[str, Any]]:
        return self._send("GET", "calls")

    def reset_calls(self) -> None:
        self._send("DELETE", "calls")

    def inject_fault(self, **spec: Any) -> dict[str, Any]:
        return self._send("POST", "faults", spec)[0]

    def chaos(self, **rates: Any) -> list[dict[str, Any]]:
        return self._send("POST", "faults", {"chaos": rates})

    def clear_faults(self) -> None:
        self._send("DELETE", "faults")

    def set_latency(self, fixed: float = 0.0, jitter: float = 0.0) -> None:
        self._send("POST", "latency", {"fixed": fixed, "jitter": jitter})

    def set_rate_limit(self, rate: float | None, burst: int = 1) -> None:
        self._send("POST", "limits", {"rate": rate, "burst": burst} if rate else None)


class Spawned:
    """An emulator served by a ``python -m sandbox serve`` subprocess."""

    def __init__(self, process: subprocess.Popen[str], demo: dict[str, Any]):
        self.process, self.demo = process, demo
        self.origin: str = demo["origin"]
        self.admin = Remote(self.origin)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(STARTUP_SECONDS)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def spawn(name: str, *flags: str) -> Spawned:
    """Serve one emulator in a subprocess on a free port; returns once it answers."""
    command = [sys.executable, "-m", "sandbox", "serve", name, "--port", "0", "--json", *flags]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.wait(STARTUP_SECONDS)
        raise RuntimeError(f"`{' '.join(command)}` exited with {process.returncode}")
    return Spawned(process, json.loads(line))
