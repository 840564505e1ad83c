"""Ashby: the connector (``client``) and an emulator of its public API (``emulator``)."""

from bot.connectors.ashby.client import AshbyConnector

__all__ = ["AshbyConnector"]
