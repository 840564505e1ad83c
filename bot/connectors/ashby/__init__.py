"""Ashby: the connector (``client``); the emulator of its public API is ``sandbox.ashby``."""

from bot.connectors.ashby.client import AshbyConnector

__all__ = ["AshbyConnector"]
