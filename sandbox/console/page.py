"""What the console page shows one person: their conversations (channel messages, their own
ephemeral ones, their DM with the app), their App Home, their open modals with inline
errors, and who and where everyone is."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sandbox.console.directory import CHANNELS, PEOPLE, TEAM_NAME, app_manifest
from sandbox.slack.workspace import Workspace

__all__ = ["page_state"]


def page_state(workspace: Workspace, user: str) -> dict[str, Any]:
    app = app_manifest()
    stack = workspace.modal_stack(user)
    return {
        "version": workspace.version,
        "team": TEAM_NAME,
        "me": user,
        "app": {"name": app.name, "user_id": workspace.bot_user_id, "commands": app.commands},
        "people": [person.__dict__ for person in PEOPLE],
        "channels": [channel.__dict__ for channel in CHANNELS],
        "dm": workspace.dm_channel(user),
        "conversations": conversations(workspace, user),
        "home": workspace.home_views.get(user),
        "modal": {
            "stack": stack,
            "errors": {
                v["id"]: workspace.view_errors[v["id"]]
                for v in stack
                if v["id"] in workspace.view_errors
            },
        },
    }


def conversations(workspace: Workspace, user: str) -> dict[str, list[dict[str, Any]]]:
    """Messages by channel, oldest first: everyone's, and the ephemeral ones ``user`` sees;
    of the app's DMs, only ``user``'s own."""
    dm = workspace.dm_channel(user)
    seen: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (channel, _), message in workspace.messages.items():
        if not channel.startswith("D") or channel == dm:
            seen[channel].append(message)
    for (channel, _), message in workspace.ephemerals.items():
        if message.get("user_seeing") == user:
            seen[channel].append({**message, "ephemeral": True})
    return {channel: sorted(found, key=lambda m: float(m["ts"])) for channel, found in seen.items()}
