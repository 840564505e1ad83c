"""The Ashby API emulator: records and seeding in :mod:`.records`, shared shapes in
:mod:`.rules`, the endpoints in :mod:`.api`."""

from sandbox.ashby.api import AshbyApi, create_app, demo
from sandbox.ashby.records import ALL_PERMISSIONS, ApiKey, AshbyState

__all__ = ["ALL_PERMISSIONS", "ApiKey", "AshbyApi", "AshbyState", "create_app", "demo"]
