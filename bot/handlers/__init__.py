"""Slack listeners, one module per surface, each a set of module-level functions that read
their dependencies from Bolt's context (:mod:`bot.deps`); :func:`register_all` wires them."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.handlers import (
    alerts,
    commands,
    connect,
    disconnect,
    home,
    imports,
    jobs,
    lifecycle,
    mapping,
    resync,
    sequences,
    settings,
    team,
)

__all__ = ["SURFACES", "register_all"]

SURFACES = (
    commands,
    connect,
    settings,
    jobs,
    alerts,
    imports,
    sequences,
    resync,
    disconnect,
    home,
    mapping,
    team,
    lifecycle,
)


def register_all(app: AsyncApp) -> None:
    for surface in SURFACES:
        surface.register(app)
