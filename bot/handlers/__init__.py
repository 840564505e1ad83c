"""Slack listeners, one module per surface; each ``register(app, runtime)``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncApp

from bot.handlers import (
    alerts,
    commands,
    connect,
    disconnect,
    home,
    imports,
    lifecycle,
    mapping,
    resync,
    sequences,
    settings,
    team,
)

if TYPE_CHECKING:
    from bot.app import Runtime

__all__ = ["register_all"]


def register_all(app: AsyncApp, runtime: Runtime) -> None:
    for module in (
        commands,
        connect,
        settings,
        alerts,
        imports,
        sequences,
        resync,
        disconnect,
        home,
        mapping,
        team,
        lifecycle,
    ):
        module.register(app, runtime)
