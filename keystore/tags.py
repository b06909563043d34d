"""Tags: the AWS and Alibaba tag rules, and the tag rows of a key.

spec: docs/keystore.md#keys (tag rules)
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from kmskit.keystore._limits import (
    LIST_TAGS_LIMITS,
    MAX_TAG_KEY,
    MAX_TAG_VALUE,
    MAX_TAGS_PER_KEY,
    RESERVED_TAG_PREFIXES,
)
from kmskit.keystore._paging import decode_marker, encode_marker, page_limit
from kmskit.offline.errors import TagException

if TYPE_CHECKING:  # loaded by list_tags, the one operation that returns them
    from kmskit.keystore.results_key_model import TagListPage

__all__ = ["list_tags", "remove_tags", "set_tags", "validate_tag_key", "validate_tags"]

_MARKER_KIND = "tags"


def validate_tag_key(tag_key: object) -> str:
    """Return ``tag_key`` if it is a valid tag key.

    Raises :class:`TagException` for a non-string, a length outside 1–128, or a reserved
    prefix (``aws:``, ``acs:``, ``aliyun``, in any case).
    """
    if not isinstance(tag_key, str) or not 1 <= len(tag_key) <= MAX_TAG_KEY:
        raise TagException(f"tag keys must be strings of 1 to {MAX_TAG_KEY} characters")
    if tag_key.lower().startswith(RESERVED_TAG_PREFIXES):
        raise TagException(
            f"tag key {tag_key!r} uses a reserved prefix ({', '.join(RESERVED_TAG_PREFIXES)})"
        )
    return tag_key


def validate_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """Check every pair; returns them as a dict. Raises :class:`TagException`."""
    if not isinstance(tags, Mapping):
        raise TagException("tags must be a mapping of tag keys to tag values")
    checked: dict[str, str] = {}
    for key, value in tags.items():
        validate_tag_key(key)
        if not isinstance(value, str) or len(value) > MAX_TAG_VALUE:
            raise TagException(f"tag values must be strings of at most {MAX_TAG_VALUE} characters")
        checked[key] = value
    if len(checked) > MAX_TAGS_PER_KEY:
        raise TagException(f"a key has at most {MAX_TAGS_PER_KEY} tags")
    return checked


def set_tags(conn: sqlite3.Connection, key_id: str, tags: Mapping[str, str]) -> None:
    """Add or overwrite tags. Raises :class:`TagException` for a bad tag or if the key would
    have more than 50."""
    checked = validate_tags(tags)
    conn.executemany(
        "INSERT INTO tags (key_id, tag_key, tag_value) VALUES (?, ?, ?)"
        " ON CONFLICT (key_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value",
        [(key_id, k, v) for k, v in checked.items()],
    )
    (count,) = conn.execute("SELECT count(*) FROM tags WHERE key_id = ?", (key_id,)).fetchone()
    if count > MAX_TAGS_PER_KEY:
        raise TagException(f"a key has at most {MAX_TAGS_PER_KEY} tags")


def remove_tags(conn: sqlite3.Connection, key_id: str, tag_keys: Iterable[str]) -> None:
    """Remove tags; keys the key does not have are ignored, as in KMS. Raises
    :class:`TagException` for an invalid tag key."""
    if isinstance(tag_keys, str):
        raise TagException("tag_keys must be a sequence of tag keys, not one string")
    keys = [validate_tag_key(k) for k in tag_keys]
    conn.executemany(
        "DELETE FROM tags WHERE key_id = ? AND tag_key = ?", [(key_id, k) for k in keys]
    )


def list_tags(
    conn: sqlite3.Connection, key_id: str, *, limit: int | None, marker: str | None
) -> TagListPage:
    """One page of a key's tags in tag-key order.

    Raises :class:`ValidationException` for a bad limit and :class:`InvalidMarkerException`
    for a foreign marker.
    """
    size = page_limit(limit, LIST_TAGS_LIMITS)
    after = decode_marker(_MARKER_KIND, marker) or ""
    rows = conn.execute(
        "SELECT tag_key, tag_value FROM tags WHERE key_id = ? AND tag_key > ?"
        " ORDER BY tag_key LIMIT ?",
        (key_id, after, size + 1),
    ).fetchall()
    from kmskit.keystore.results_key_model import Tag, TagListPage

    tags = tuple(Tag(tag_key=k, tag_value=v) for k, v in rows[:size])
    next_marker = encode_marker(_MARKER_KIND, tags[-1].tag_key) if len(rows) > size else None
    return TagListPage(tags=tags, next_marker=next_marker)
