"""The Salesforce emulator: the org's records and create rules (:mod:`.org`, with describe
metadata in :mod:`.schema` and ids in :mod:`.ids`), the REST API (:mod:`.api`, queries parsed
by :mod:`.soql`) and the OAuth login server (:mod:`.oauth`)."""

from sandbox.salesforce.api import SalesforceApi, create_app, demo
from sandbox.salesforce.oauth import OAuthState, OAuthUser
from sandbox.salesforce.org import DEFAULT_DAILY_LIMIT, MAX_URI_LENGTH, SalesforceState

__all__ = [
    "DEFAULT_DAILY_LIMIT",
    "MAX_URI_LENGTH",
    "OAuthState",
    "OAuthUser",
    "SalesforceApi",
    "SalesforceState",
    "create_app",
    "demo",
]
