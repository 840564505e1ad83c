"""Errors a CRM connector raises, classified by who has to act.

    ConnectorError                 base; ``reason`` is a sentence a person can read
    ├── ConfigError                needs a person (bad credentials, missing permission, bad mapping)
    │   ├── AuthError              credentials rejected or revoked: connection goes to needs_reauth
    │   └── ValidationError        the CRM refused the data of one record (per-record, not fatal)
    ├── TransientError             retry later with backoff (timeouts, 5xx, network)
    │   └── RateLimitError         the CRM asked us to slow down; ``retry_after`` seconds if it said
    └── SystemError_               a bug on our side or an answer we do not understand

Messages never contain credentials: connectors build them from status codes and vendor error
codes only, and :func:`bot.connectors.http.redact` scrubs anything echoed back.
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "ConfigError",
    "ConnectorError",
    "RateLimitError",
    "SystemError_",
    "TransientError",
    "ValidationError",
]


class ConnectorError(Exception):
    """Base of every connector failure."""

    kind = "system"

    def __init__(self, reason: str, *, status: int | None = None, code: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.code = code

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(reason={self.reason!r}, status={self.status}, code={self.code})"
        )


class ConfigError(ConnectorError):
    kind = "config"


class AuthError(ConfigError):
    kind = "auth"


class ValidationError(ConfigError):
    kind = "validation"


class TransientError(ConnectorError):
    kind = "transient"


class RateLimitError(TransientError):
    kind = "rate_limit"

    def __init__(self, reason: str, *, retry_after: float | None = None, **kw):
        super().__init__(reason, **kw)
        self.retry_after = retry_after


class SystemError_(ConnectorError):  # trailing underscore avoids the builtin SystemError
    kind = "system"
