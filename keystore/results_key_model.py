"""What the key-model operations return besides KeyMetadata (:mod:`keystore.results`): pages
of keys, aliases and tags, and ScheduleKeyDeletion's schedule.

spec: docs/keystore.md
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kmskit.keystore.results import _page, iso_time

__all__ = [
    "AliasEntry",
    "AliasListPage",
    "DeletionSchedule",
    "KeyListEntry",
    "KeyListPage",
    "Tag",
    "TagListPage",
]


@dataclass(frozen=True)
class KeyListEntry:
    key_id: str
    key_arn: str

    def to_response(self) -> dict[str, Any]:
        return {"KeyId": self.key_id, "KeyArn": self.key_arn}


@dataclass(frozen=True)
class KeyListPage:
    """One ListKeys page. ``next_marker`` is set exactly when the list is truncated."""

    keys: tuple[KeyListEntry, ...]
    next_marker: str | None = None

    @property
    def truncated(self) -> bool:
        return self.next_marker is not None

    def to_response(self) -> dict[str, Any]:
        return _page("Keys", [k.to_response() for k in self.keys], self.next_marker)


@dataclass(frozen=True)
class AliasEntry:
    alias_name: str
    alias_arn: str
    target_key_id: str
    creation_date: datetime
    last_updated_date: datetime

    def to_response(self) -> dict[str, Any]:
        return {
            "AliasName": self.alias_name,
            "AliasArn": self.alias_arn,
            "TargetKeyId": self.target_key_id,
            "CreationDate": iso_time(self.creation_date),
            "LastUpdatedDate": iso_time(self.last_updated_date),
        }


@dataclass(frozen=True)
class AliasListPage:
    aliases: tuple[AliasEntry, ...]
    next_marker: str | None = None

    @property
    def truncated(self) -> bool:
        return self.next_marker is not None

    def to_response(self) -> dict[str, Any]:
        return _page("Aliases", [a.to_response() for a in self.aliases], self.next_marker)


@dataclass(frozen=True)
class Tag:
    tag_key: str
    tag_value: str

    def to_response(self) -> dict[str, Any]:
        return {"TagKey": self.tag_key, "TagValue": self.tag_value}


@dataclass(frozen=True)
class TagListPage:
    tags: tuple[Tag, ...]
    next_marker: str | None = None

    @property
    def truncated(self) -> bool:
        return self.next_marker is not None

    def to_response(self) -> dict[str, Any]:
        return _page("Tags", [t.to_response() for t in self.tags], self.next_marker)


@dataclass(frozen=True)
class DeletionSchedule:
    """ScheduleKeyDeletion's response; ``key_id`` is the key ARN, as KMS returns it."""

    key_id: str
    deletion_date: datetime
    key_state: str
    pending_window_in_days: int

    def to_response(self) -> dict[str, Any]:
        return {
            "KeyId": self.key_id,
            "DeletionDate": iso_time(self.deletion_date),
            "KeyState": self.key_state,
            "PendingWindowInDays": self.pending_window_in_days,
        }
