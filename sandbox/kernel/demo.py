"""What ``python -m sandbox serve`` prints for one emulator."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Demo"]


@dataclass
class Demo:
    """``settings``: the bot's environment to reach the emulator (``ASHBY_API_URL=...``);
    ``credentials``: what to enter when connecting; ``notes``: what was seeded."""

    name: str
    origin: str
    settings: dict[str, str]
    credentials: dict[str, str]
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"{self.name} emulator on {self.origin}"]
        out += [f"  {key}={value}" for key, value in self.settings.items()]
        out += [f"  {key}: {value}" for key, value in self.credentials.items()]
        return out + [f"  {note}" for note in self.notes]

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)
