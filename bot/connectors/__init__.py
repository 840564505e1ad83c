"""CRM connectors: the :class:`Connector` contract, its errors, and the registry by CRM kind."""

from bot.connectors.base import Capability, Connector
from bot.connectors.errors import ConnectorError
from bot.connectors.registry import CONNECTORS, ConnectorSpec, UnknownCrmError, build_connector

__all__ = [
    "CONNECTORS",
    "Capability",
    "Connector",
    "ConnectorError",
    "ConnectorSpec",
    "UnknownCrmError",
    "build_connector",
]
