"""Aliases: the AWS name rules, and the alias rows (create, retarget, delete, list).

spec: docs/keystore.md#keys (alias rules)
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from kmskit.keystore._limits import (
    ALIAS_PATTERN,
    ALIAS_PREFIX,
    LIST_ALIASES_LIMITS,
    MAX_ALIAS_NAME,
    RESERVED_ALIAS_PREFIX,
)
from kmskit.keystore._paging import decode_marker, encode_marker, page_limit
from kmskit.keystore._time import from_ms
from kmskit.keystore.home import HomeConfig
from kmskit.offline.errors import (
    AlreadyExistsException,
    InvalidAliasNameException,
    NotFoundException,
    ValidationException,
)

if TYPE_CHECKING:  # loaded by list_aliases: key resolution needs only alias_target
    from kmskit.keystore.results_key_model import AliasListPage

__all__ = [
    "alias_target",
    "delete_alias",
    "insert_alias",
    "list_aliases",
    "retarget_alias",
    "validate_alias_name",
]

_MARKER_KIND = "aliases"


def validate_alias_name(alias_name: str) -> None:
    """Check an alias name against the AWS rules.

    Raises :class:`InvalidAliasNameException` without the ``alias/`` prefix or with the
    reserved ``alias/aws/`` one, and :class:`ValidationException` for a name over 256
    characters or with characters outside ``[a-zA-Z0-9/_-]``.
    """
    if not isinstance(alias_name, str) or not alias_name.startswith(ALIAS_PREFIX):
        raise InvalidAliasNameException(f"alias names must begin with {ALIAS_PREFIX!r}")
    if alias_name.startswith(RESERVED_ALIAS_PREFIX):
        raise InvalidAliasNameException(
            f"the {RESERVED_ALIAS_PREFIX!r} prefix is reserved for AWS managed keys"
        )
    if len(alias_name) > MAX_ALIAS_NAME:
        raise ValidationException(f"alias names are at most {MAX_ALIAS_NAME} characters")
    if ALIAS_PATTERN.fullmatch(alias_name) is None:
        raise ValidationException(
            "alias names must match ^alias/[a-zA-Z0-9/_-]+$ (letters, digits, / _ -)"
        )


def alias_target(conn: sqlite3.Connection, alias_name: str) -> str | None:
    """The key id an alias points at, or None."""
    row = conn.execute("SELECT key_id FROM aliases WHERE alias_name = ?", (alias_name,)).fetchone()
    return None if row is None else str(row[0])


def insert_alias(
    conn: sqlite3.Connection, config: HomeConfig, alias_name: str, key_id: str, now_ms: int
) -> None:
    """Raises :class:`AlreadyExistsException` if the alias exists."""
    if alias_target(conn, alias_name) is not None:
        raise AlreadyExistsException(f"an alias named {config.alias_arn(alias_name)} exists")
    conn.execute(
        "INSERT INTO aliases (alias_name, key_id, created_ms, updated_ms) VALUES (?, ?, ?, ?)",
        (alias_name, key_id, now_ms, now_ms),
    )


def retarget_alias(
    conn: sqlite3.Connection, config: HomeConfig, alias_name: str, key_id: str, now_ms: int
) -> None:
    """Raises :class:`NotFoundException` if the alias does not exist."""
    cursor = conn.execute(
        "UPDATE aliases SET key_id = ?, updated_ms = ? WHERE alias_name = ?",
        (key_id, now_ms, alias_name),
    )
    if cursor.rowcount != 1:
        raise NotFoundException(f"alias {config.alias_arn(alias_name)} is not found")


def delete_alias(conn: sqlite3.Connection, config: HomeConfig, alias_name: str) -> None:
    """Raises :class:`NotFoundException` if the alias does not exist."""
    cursor = conn.execute("DELETE FROM aliases WHERE alias_name = ?", (alias_name,))
    if cursor.rowcount != 1:
        raise NotFoundException(f"alias {config.alias_arn(alias_name)} is not found")


def list_aliases(
    conn: sqlite3.Connection,
    config: HomeConfig,
    *,
    key_id: str | None,
    limit: int | None,
    marker: str | None,
) -> AliasListPage:
    """One page of aliases in name order, of all keys or of one key.

    Raises :class:`ValidationException` for a bad limit and :class:`InvalidMarkerException`
    for a foreign marker.
    """
    size = page_limit(limit, LIST_ALIASES_LIMITS)
    after = decode_marker(_MARKER_KIND, marker) or ""
    query = "SELECT alias_name, key_id, created_ms, updated_ms FROM aliases WHERE alias_name > ?"
    args: tuple[object, ...] = (after,)
    if key_id is not None:
        query += " AND key_id = ?"
        args += (key_id,)
    rows = conn.execute(query + " ORDER BY alias_name LIMIT ?", (*args, size + 1)).fetchall()
    from kmskit.keystore.results_key_model import AliasEntry, AliasListPage

    entries = tuple(
        AliasEntry(
            alias_name=name,
            alias_arn=config.alias_arn(name),
            target_key_id=target,
            creation_date=from_ms(created),
            last_updated_date=from_ms(updated),
        )
        for name, target, created, updated in rows[:size]
    )
    next_marker = encode_marker(_MARKER_KIND, entries[-1].alias_name) if len(rows) > size else None
    return AliasListPage(aliases=entries, next_marker=next_marker)
