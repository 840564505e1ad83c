"""Secrets at rest: MultiFernet, stored as ``v1:<key id>:<token>`` so keys can rotate.

The key id is a short fingerprint of the key that encrypted the value. Decryption picks that
key directly; :meth:`SecretBox.needs_rotation` tells which values a re-encryption must touch.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

__all__ = ["DecryptionError", "SecretBox", "key_id"]

_VERSION = "v1"


class DecryptionError(Exception):
    """A stored secret cannot be read with any configured key."""


def key_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:8]


class SecretBox:
    def __init__(self, keys: Sequence[str]):
        if not keys:
            raise ValueError("at least one encryption key is required")
        try:
            self._fernets = {key_id(k): Fernet(k.encode()) for k in keys}
        except ValueError as exc:
            raise ValueError(
                "ENCRYPTION_KEYS holds a key that is not a valid Fernet key "
                "(32 url-safe base64-encoded bytes)"
            ) from exc
        self._primary_id = key_id(keys[0])
        self._multi = MultiFernet(list(self._fernets.values()))

    def __repr__(self) -> str:
        return f"SecretBox(primary={self._primary_id}, keys={len(self._fernets)})"

    def encrypt(self, plaintext: str) -> str:
        token = self._fernets[self._primary_id].encrypt(plaintext.encode()).decode()
        return f"{_VERSION}:{self._primary_id}:{token}"

    def decrypt(self, stored: str) -> str:
        _, kid, token = self._split(stored)
        fernet = self._fernets.get(kid, self._multi)
        try:
            return fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise DecryptionError(
                f"stored secret (key id {kid}) cannot be decrypted with ENCRYPTION_KEYS"
            ) from exc

    def encrypt_json(self, value: dict[str, Any]) -> str:
        return self.encrypt(json.dumps(value, separators=(",", ":")))

    def decrypt_json(self, stored: str) -> dict[str, Any]:
        return json.loads(self.decrypt(stored))

    def needs_rotation(self, stored: str) -> bool:
        return self._split(stored)[1] != self._primary_id

    def rotate(self, stored: str) -> str:
        return self.encrypt(self.decrypt(stored))

    @staticmethod
    def _split(stored: str) -> tuple[str, str, str]:
        parts = stored.split(":", 2)
        if len(parts) != 3 or parts[0] != _VERSION:
            raise DecryptionError("stored secret is not in the v1:<key id>:<token> format")
        return parts[0], parts[1], parts[2]
