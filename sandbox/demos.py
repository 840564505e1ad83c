"""One emulator with its demo account, on loopback: what ``python -m sandbox serve`` and the
console start for each CRM."""

from __future__ import annotations

from importlib import import_module

from sandbox.kernel import Demo, Server, State
from sandbox.kernel.server import bind, socket_url

__all__ = ["demo_server"]


def demo_server(name: str, port: int = 0) -> tuple[Server, State, Demo]:
    """The emulator ``name`` seeded with its demo account, bound to ``port`` (0: a free one)
    and not started yet, so its state can be shaped first."""
    sock = bind(port)
    module = import_module(f"sandbox.{name}")
    state, demo = module.demo(socket_url(sock))
    return Server(module.create_app(state), sock), state, demo
