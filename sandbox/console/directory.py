"""The pretend workspace the console shows: two teammates (an owner and a member, so clone
and roles can be tried), a few channels, and the app's name and commands from the manifest."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from sandbox.slack.workspace import Workspace

__all__ = ["CHANNELS", "PEOPLE", "TEAM_ID", "App", "Channel", "Person", "app_manifest", "seed"]

TEAM_ID = "T0001"
TEAM_NAME = "Acme Recruiting"
MANIFEST = Path(__file__).resolve().parents[2] / "slack" / "manifest.yml"


@dataclass(frozen=True)
class Person:
    id: str
    name: str  # the handle typed after @
    real_name: str
    title: str
    owner: bool = False

    def users_info(self) -> dict[str, Any]:
        """What users.info says of them (Slack owners and admins are owners in the app)."""
        return {
            "name": self.name,
            "real_name": self.real_name,
            "is_owner": self.owner,
            "is_admin": self.owner,
            "profile": {
                "real_name": self.real_name,
                "display_name": self.real_name.split()[0],
                "title": self.title,
                "email": f"{self.name}@acme.example",
            },
        }


@dataclass(frozen=True)
class Channel:
    id: str
    name: str
    private: bool = False


PEOPLE = (
    Person("U0001", "alex", "Alex Rivera", "Head of Talent (workspace owner)", owner=True),
    Person("U0002", "sam", "Sam Chen", "Recruiter"),
)
CHANNELS = (
    Channel("C0001", "general"),
    Channel("C0002", "recruiting"),
    Channel("G0003", "hiring-leads", private=True),
)


@dataclass(frozen=True)
class App:
    name: str
    commands: dict[str, str]  # command -> usage hint


@cache
def app_manifest() -> App:
    """The app as slack/manifest.yml declares it: what the console lets people type."""
    manifest = yaml.safe_load(MANIFEST.read_text())
    commands = {
        c["command"]: c.get("usage_hint", "") for c in manifest["features"]["slash_commands"]
    }
    return App(manifest["features"]["bot_user"]["display_name"], commands)


def seed(workspace: Workspace) -> None:
    for person in PEOPLE:
        workspace.users[person.id] = person.users_info()
    for channel in CHANNELS:
        workspace.channels[channel.id] = {"name": channel.name, "is_private": channel.private}


def escape_mentions(text: str) -> str:
    """What Slack sends for a command when ``should_escape`` is on: ``@sam`` becomes
    ``<@U0002|sam>`` and ``#recruiting`` becomes ``<#C0002|recruiting>``."""
    people = {p.name: p.id for p in PEOPLE}
    channels = {c.name: c.id for c in CHANNELS}

    def person(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"<@{people[name]}|{name}>" if name in people else match.group(0)

    def channel(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"<#{channels[name]}|{name}>" if name in channels else match.group(0)

    text = re.sub(r"(?<![\w<])@([\w.-]+)", person, text)
    return re.sub(r"(?<![\w<])#([\w-]+)", channel, text)
