"""Grant and key-policy rows in the keystore database (schema version 4, keystore/_db.py).

Grant ids are 64 hex digits, as KMS's. Each CreateGrant returns a fresh grant token: 48
random bytes, base64url; only its SHA-256 is stored, so the database never holds a usable
token. A grant's tokens go with it: once retired or revoked, its tokens are refused at
once (``InvalidGrantTokenException``), and the grant stops allowing anything.
Every function expects the caller's transaction (``Operation.db``) where it writes.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from kmskit.keystore._paging import decode_marker, encode_marker, page_limit
from kmskit.keystore._time import from_ms
from kmskit.keystore.grants import Grant
from kmskit.offline.errors import (
    InvalidGrantIdException,
    InvalidGrantTokenException,
    InvalidMarkerException,
    NotFoundException,
)

# ListGrants and ListRetirableGrants load their page class with them (start-up).
if TYPE_CHECKING:
    from kmskit.keystore.results_authorization import GrantPage

__all__ = [
    "LIST_GRANTS_LIMITS",
    "check_grant_tokens",
    "create_grant",
    "delete_grant",
    "find_grant",
    "grant_for_token",
    "grants_for_key",
    "list_grants",
    "list_retirable_grants",
    "read_key_policy",
    "write_key_policy",
]

LIST_GRANTS_LIMITS = (100, 50)  # ListGrants, ListRetirableGrants: at most 100, default 50
_GRANT_ID = r"[0-9a-f]{64}"
_TOKEN_BYTES = 48
_COLUMNS = (
    "grant_id, key_id, created_ms, name, grantee_principal, retiring_principal,"
    " issuing_account, operations, constraints"
)
_SELECT = f"SELECT {_COLUMNS} FROM grants"  # noqa: S608 (constant columns)
_INSERT = f"INSERT INTO grants ({_COLUMNS}) VALUES ({', '.join('?' * 9)})"  # noqa: S608
_SELECT_BY_TOKEN = (
    f"SELECT {', '.join('g.' + c.strip() for c in _COLUMNS.split(','))}"  # noqa: S608
    " FROM grant_tokens t JOIN grants g ON g.grant_id = t.grant_id WHERE t.token_digest = ?"
)


@functools.cache
def _grant_id_pattern() -> re.Pattern[str]:
    # Compiled on first use: every operation's authorization loads this module, and only
    # the grant operations look a grant up by id.
    return re.compile(_GRANT_ID)


def _digest(token: str) -> bytes:
    # Imported here: this module is part of every authorization, most of which use no grant.
    from kmskit.keystore._digest import sha256

    return sha256(token.encode("utf-8"))


def _constraints_json(
    equals: Mapping[str, str] | None, subset: Mapping[str, str] | None
) -> str | None:
    if equals is not None:
        return json.dumps({"EncryptionContextEquals": dict(equals)}, sort_keys=True)
    if subset is not None:
        return json.dumps({"EncryptionContextSubset": dict(subset)}, sort_keys=True)
    return None


def _grant(row: sqlite3.Row | tuple[Any, ...], key_arn: str) -> Grant:
    grant_id, _, created_ms, name, grantee, retiring, issuing, operations, constraints = row
    parsed = json.loads(constraints) if constraints else {}
    return Grant(
        grant_id=grant_id,
        key_arn=key_arn,
        grantee_principal=grantee,
        operations=tuple(json.loads(operations)),
        issuing_account=issuing,
        creation_date=from_ms(created_ms),
        retiring_principal=retiring,
        name=name,
        equals=parsed.get("EncryptionContextEquals"),
        subset=parsed.get("EncryptionContextSubset"),
    )


def _new_token(conn: sqlite3.Connection, grant_id: str, rng: Callable[[int], bytes]) -> str:
    token = base64.urlsafe_b64encode(rng(_TOKEN_BYTES)).decode("ascii").rstrip("=")
    conn.execute(
        "INSERT INTO grant_tokens (token_digest, grant_id) VALUES (?, ?)",
        (_digest(token), grant_id),
    )
    return token


def create_grant(
    conn: sqlite3.Connection,
    *,
    key_id: str,
    key_arn: str,
    grantee_principal: str,
    operations: tuple[str, ...],
    issuing_account: str,
    now_ms: int,
    rng: Callable[[int], bytes],
    retiring_principal: str | None = None,
    equals: Mapping[str, str] | None = None,
    subset: Mapping[str, str] | None = None,
    name: str | None = None,
) -> tuple[Grant, str]:
    """Store a grant and return it with a new grant token.

    With a ``name``, a grant on the same key with the same name, principals, operations and
    constraints is returned instead of a new one (CreateGrant is idempotent then, as KMS's);
    it gets a new token all the same.
    """
    constraints = _constraints_json(equals, subset)
    if name is not None:
        for row in conn.execute(
            _SELECT + " WHERE key_id = ? AND name = ?", (key_id, name)
        ):
            existing = _grant(row, key_arn)
            if (
                existing.grantee_principal == grantee_principal
                and existing.retiring_principal == retiring_principal
                and sorted(existing.operations) == sorted(operations)
                and row[8] == constraints
            ):
                return existing, _new_token(conn, existing.grant_id, rng)
    grant_id = rng(32).hex()
    conn.execute(
        _INSERT,
        (grant_id, key_id, now_ms, name, grantee_principal, retiring_principal,
         issuing_account, json.dumps(list(operations)), constraints),
    )
    row = conn.execute(_SELECT + " WHERE grant_id = ?", (grant_id,)).fetchone()
    return _grant(row, key_arn), _new_token(conn, grant_id, rng)


def grants_for_key(conn: sqlite3.Connection, key_id: str, key_arn: str) -> list[Grant]:
    """Every grant on the key, oldest first (what evaluation considers)."""
    return [
        _grant(row, key_arn)
        for row in conn.execute(
            _SELECT + " WHERE key_id = ? ORDER BY created_ms, grant_id",
            (key_id,),
        )
    ]


def _page(
    rows: Iterable[tuple[Any, ...]], limit: int, kind: str, key_arn_of: Callable[[str], str]
) -> GrantPage:
    listed = list(rows)
    more = len(listed) > limit
    listed = listed[:limit]
    marker = None
    if more:
        last = listed[-1]
        marker = encode_marker(kind, f"{last[2]}:{last[0]}")
    from kmskit.keystore.results_authorization import GrantPage

    return GrantPage(tuple(_grant(row, key_arn_of(row[1])) for row in listed), marker)


def _after(kind: str, marker: str | None) -> tuple[int, str]:
    position = decode_marker(kind, marker)
    if position is None:
        return -1, ""
    created, _, grant_id = position.partition(":")
    if not created.isdigit():
        raise InvalidMarkerException("the marker is not valid for this list")
    return int(created), grant_id


def list_grants(
    conn: sqlite3.Connection,
    key_id: str,
    key_arn: str,
    *,
    grant_id: str | None = None,
    grantee_principal: str | None = None,
    limit: int | None = None,
    marker: str | None = None,
) -> GrantPage:
    """ListGrants: the key's grants, optionally one grant id or one grantee, paged."""
    count = page_limit(limit, LIST_GRANTS_LIMITS)
    created, after_id = _after("grants", marker)
    query = _SELECT + " WHERE key_id = ? AND (created_ms, grant_id) > (?, ?)"
    params: list[Any] = [key_id, created, after_id]
    if grant_id is not None:
        query += " AND grant_id = ?"
        params.append(grant_id)
    if grantee_principal is not None:
        query += " AND grantee_principal = ?"
        params.append(grantee_principal)
    query += " ORDER BY created_ms, grant_id LIMIT ?"
    params.append(count + 1)
    return _page(conn.execute(query, params), count, "grants", lambda _: key_arn)


def list_retirable_grants(
    conn: sqlite3.Connection,
    retiring_principal: str,
    key_arn_of: Callable[[str], str],
    *,
    limit: int | None = None,
    marker: str | None = None,
) -> GrantPage:
    """ListRetirableGrants: grants on any key whose retiring principal is the one given."""
    count = page_limit(limit, LIST_GRANTS_LIMITS)
    created, after_id = _after("retirable", marker)
    rows = conn.execute(
        _SELECT + " WHERE retiring_principal = ?"
        " AND (created_ms, grant_id) > (?, ?) ORDER BY created_ms, grant_id LIMIT ?",
        (retiring_principal, created, after_id, count + 1),
    )
    return _page(rows, count, "retirable", key_arn_of)


def find_grant(conn: sqlite3.Connection, key_id: str, key_arn: str, grant_id: object) -> Grant:
    """The key's grant ``grant_id``. Raises :class:`InvalidGrantIdException` for a malformed
    id and :class:`NotFoundException` if the key has no such grant (KMS's names)."""
    if not isinstance(grant_id, str) or not _grant_id_pattern().fullmatch(grant_id):
        raise InvalidGrantIdException("the grant id is not valid")
    row = conn.execute(
        _SELECT + " WHERE grant_id = ? AND key_id = ?", (grant_id, key_id)
    ).fetchone()
    if row is None:
        raise NotFoundException(f"grant {grant_id} does not exist on key {key_arn}")
    return _grant(row, key_arn)


def grant_for_token(
    conn: sqlite3.Connection, token: object, key_arn_of: Callable[[str], str]
) -> Grant:
    """The live grant a token names. Raises :class:`InvalidGrantTokenException` for a token
    this keystore did not issue or whose grant was retired or revoked."""
    if not isinstance(token, str) or not token:
        raise InvalidGrantTokenException("the grant token is not valid")
    row = conn.execute(
        _SELECT_BY_TOKEN,
        (_digest(token),),
    ).fetchone()
    if row is None:
        raise InvalidGrantTokenException(
            "the grant token is not valid, or its grant was retired or revoked"
        )
    return _grant(row, key_arn_of(row[1]))


def check_grant_tokens(conn: sqlite3.Connection, tokens: Iterable[str]) -> None:
    """Refuse a request whose ``GrantTokens`` holds one that names no live grant."""
    for token in tokens:
        if conn.execute(
            "SELECT 1 FROM grant_tokens WHERE token_digest = ?", (_digest(token),)
        ).fetchone() is None:
            raise InvalidGrantTokenException(
                "a grant token is not valid, or its grant was retired or revoked"
            )


def delete_grant(conn: sqlite3.Connection, grant_id: str) -> None:
    """Retire or revoke: the grant and its tokens stop working in this transaction."""
    conn.execute("DELETE FROM grants WHERE grant_id = ?", (grant_id,))


def read_key_policy(conn: sqlite3.Connection, key_id: str) -> str | None:
    """The key's policy document, or None if it has the default one."""
    row = conn.execute("SELECT document FROM key_policies WHERE key_id = ?", (key_id,)).fetchone()
    return None if row is None else str(row[0])


def write_key_policy(conn: sqlite3.Connection, key_id: str, document: str, now_ms: int) -> None:
    conn.execute(
        "INSERT INTO key_policies (key_id, document, updated_ms) VALUES (?, ?, ?)"
        " ON CONFLICT (key_id) DO UPDATE SET document = excluded.document,"
        " updated_ms = excluded.updated_ms",
        (key_id, document, now_ms),
    )
