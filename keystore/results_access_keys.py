"""What the access-key operations return (:mod:`keystore.access_keys`): an access key as
``kmskit access-key`` prints it, and a new one with its secret.

spec: docs/server.md ("Access keys")
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kmskit.keystore.results import iso_time

__all__ = ["AccessKey", "NewAccessKey"]


@dataclass(frozen=True)
class AccessKey:
    """An access key without its secret (what ``kmskit access-key list`` prints)."""

    access_key_id: str
    principal: str
    create_date: datetime

    def to_response(self) -> dict[str, Any]:
        return {
            "AccessKeyId": self.access_key_id,
            "Principal": self.principal,
            "CreateDate": iso_time(self.create_date),
        }


@dataclass(frozen=True)
class NewAccessKey:
    """A new access key with its secret: shown once, at creation."""

    access_key: AccessKey
    secret_access_key: str

    def to_response(self) -> dict[str, Any]:
        return {**self.access_key.to_response(), "SecretAccessKey": self.secret_access_key}
