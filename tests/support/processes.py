"""Real ``python -m bot`` processes for fleet tests: started with an environment, stopped with
SIGTERM or killed with SIGKILL, their output kept in a log file the test can read."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from sandbox.kernel.server import bind

PROJECT = Path(__file__).resolve().parents[2]

__all__ = ["BotProcess", "free_port"]


def free_port() -> int:
    with bind() as sock:
        return sock.getsockname()[1]


class BotProcess:
    def __init__(self, name: str, role: str, env: dict[str, str], logs: Path):
        self.name = name
        self.role = role
        self.port = free_port()
        self.env = {**os.environ, **env, "PORT": str(self.port), "HOST": "127.0.0.1"}
        self.log_path = logs / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> BotProcess:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", self.role],
                cwd=PROJECT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    async def ready(self, within: float = 60.0) -> None:
        deadline = asyncio.get_running_loop().time() + within
        async with httpx.AsyncClient() as client:
            while True:
                if self.process is not None and self.process.poll() is not None:
                    raise AssertionError(f"{self.name} exited: {self.log()[-3000:]}")
                try:
                    if (await client.get(f"{self.url}/readyz", timeout=2)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    raise AssertionError(f"{self.name} not ready: {self.log()[-3000:]}")
                await asyncio.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL: no goodbye, as when a machine dies."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    async def terminate(self, within: float = 60.0) -> int:
        """SIGTERM, then wait for the process to stop by itself; its exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.to_thread(self.process.wait, within)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
