"""The SQLite store: connection settings, the schema and its versions, and transactions.

WAL mode with ``synchronous=FULL``: a transaction that committed survives a crash of the
process or the machine. Every write runs in ``BEGIN IMMEDIATE`` so concurrent processes
serialise on the write lock instead of failing half-way.

Group commit (:func:`group_commit`): a server runs many operations in one outer transaction,
so one fsync makes all of them durable. Inside it, each operation's "transaction" is a
savepoint: it commits into the group (``RELEASE``) or rolls back alone (``ROLLBACK TO``), and
nothing is durable, or may be acknowledged, until the group commits.

spec: docs/keystore.md#home, docs/keystore.md#schema
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress

from kmskit.keystore.home import create_private
from kmskit.offline.errors import KeystoreError

__all__ = [
    "SCHEMA_VERSION",
    "begin_immediate",
    "commit",
    "connect",
    "group_commit",
    "read_meta",
    "read_transaction",
    "rollback",
    "sync_to_disk",
    "transaction",
    "write_meta",
]

# "kmsk": marks the file as a kmskit keystore (PRAGMA application_id).
_APPLICATION_ID = 0x6B6D736B
_BUSY_TIMEOUT_MS = 30_000

# Each entry upgrades the schema by one version; never edit a released entry, append one.
# Version 1 is issue 4. The materials table is keyed by (key_id, material_id) and keys point
# at their current material, so rotation and import (issue 5, version 2) add rows and columns
# only.
_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE meta (
            name TEXT PRIMARY KEY,
            value BLOB NOT NULL
        )""",
        """CREATE TABLE keys (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            key_id TEXT NOT NULL UNIQUE,
            created_ms INTEGER NOT NULL,
            description TEXT NOT NULL,
            key_spec TEXT NOT NULL,
            key_usage TEXT NOT NULL,
            origin TEXT NOT NULL,
            key_state TEXT NOT NULL,
            deletion_ms INTEGER,
            pending_window_days INTEGER,
            deletion_protection INTEGER NOT NULL DEFAULT 0,
            current_material_id INTEGER,
            FOREIGN KEY (key_id, current_material_id)
                REFERENCES materials (key_id, material_id) DEFERRABLE INITIALLY DEFERRED
        )""",
        "CREATE INDEX keys_by_state ON keys (key_state, deletion_ms)",
        """CREATE TABLE materials (
            key_id TEXT NOT NULL REFERENCES keys (key_id) ON DELETE CASCADE,
            material_id INTEGER NOT NULL CHECK (material_id BETWEEN 1 AND 4294967295),
            created_ms INTEGER NOT NULL,
            sealed BLOB NOT NULL,
            PRIMARY KEY (key_id, material_id)
        ) WITHOUT ROWID""",
        """CREATE TABLE aliases (
            alias_name TEXT PRIMARY KEY,
            key_id TEXT NOT NULL REFERENCES keys (key_id) ON DELETE CASCADE,
            created_ms INTEGER NOT NULL,
            updated_ms INTEGER NOT NULL
        )""",
        "CREATE INDEX aliases_by_key ON aliases (key_id)",
        """CREATE TABLE tags (
            key_id TEXT NOT NULL REFERENCES keys (key_id) ON DELETE CASCADE,
            tag_key TEXT NOT NULL,
            tag_value TEXT NOT NULL,
            PRIMARY KEY (key_id, tag_key)
        ) WITHOUT ROWID""",
        """CREATE TABLE audit (
            seq INTEGER PRIMARY KEY,
            record TEXT NOT NULL,
            hash BLOB NOT NULL
        )""",
    ),
    # Version 2 (issue 5): rotation, imported material and its expiry, import parameters.
    (
        "ALTER TABLE keys ADD COLUMN rotation_period_days INTEGER",
        "ALTER TABLE keys ADD COLUMN next_rotation_ms INTEGER",
        "ALTER TABLE keys ADD COLUMN expiration_model TEXT",
        "ALTER TABLE keys ADD COLUMN valid_to_ms INTEGER",
        "ALTER TABLE keys ADD COLUMN material_fingerprint BLOB",
        "ALTER TABLE materials ADD COLUMN rotation_type TEXT",
        "CREATE INDEX keys_by_next_rotation ON keys (next_rotation_ms)"
        " WHERE next_rotation_ms IS NOT NULL",
        "CREATE INDEX keys_by_valid_to ON keys (valid_to_ms) WHERE valid_to_ms IS NOT NULL",
        """CREATE TABLE import_parameters (
            parameters_id BLOB PRIMARY KEY,
            key_id TEXT NOT NULL REFERENCES keys (key_id) ON DELETE CASCADE,
            wrapping_algorithm TEXT NOT NULL,
            wrapping_key_spec TEXT NOT NULL,
            created_ms INTEGER NOT NULL,
            valid_to_ms INTEGER NOT NULL,
            sealed BLOB NOT NULL
        ) WITHOUT ROWID""",
        "CREATE INDEX import_parameters_by_valid_to ON import_parameters (valid_to_ms)",
        "CREATE INDEX import_parameters_by_key ON import_parameters (key_id)",
    ),
    # Version 3 (issue 16): access keys for kmskit serve; the secret is sealed.
    (
        """CREATE TABLE access_keys (
            access_key_id TEXT PRIMARY KEY,
            principal TEXT NOT NULL,
            created_ms INTEGER NOT NULL,
            sealed BLOB NOT NULL
        ) WITHOUT ROWID""",
    ),
    # Version 4 (issue 12): key policies and grants. A key without a key_policies row has the
    # default key policy (keystore/policy_defaults.py), so existing keys need no backfill.
    (
        """CREATE TABLE key_policies (
            key_id TEXT PRIMARY KEY REFERENCES keys (key_id) ON DELETE CASCADE,
            document TEXT NOT NULL,
            updated_ms INTEGER NOT NULL
        ) WITHOUT ROWID""",
        """CREATE TABLE grants (
            grant_id TEXT PRIMARY KEY,
            key_id TEXT NOT NULL REFERENCES keys (key_id) ON DELETE CASCADE,
            created_ms INTEGER NOT NULL,
            name TEXT,
            grantee_principal TEXT NOT NULL,
            retiring_principal TEXT,
            issuing_account TEXT NOT NULL,
            operations TEXT NOT NULL,
            constraints TEXT
        ) WITHOUT ROWID""",
        "CREATE INDEX grants_by_key ON grants (key_id, created_ms, grant_id)",
        "CREATE INDEX grants_by_retiring ON grants (retiring_principal, created_ms, grant_id)",
        """CREATE TABLE grant_tokens (
            token_digest BLOB PRIMARY KEY,
            grant_id TEXT NOT NULL REFERENCES grants (grant_id) ON DELETE CASCADE
        ) WITHOUT ROWID""",
        "CREATE INDEX grant_tokens_by_grant ON grant_tokens (grant_id)",
    ),
)
SCHEMA_VERSION = len(_MIGRATIONS)


class KeystoreConnection(sqlite3.Connection):
    """A keystore connection: knows whether it is inside a group commit, and runs
    ``after_commit`` (the audit anchor's update) after each real commit of a write
    transaction (not after each operation's savepoint inside a group commit)."""

    grouped = False
    after_commit: Callable[[], None] | None = None


def _grouped(conn: sqlite3.Connection) -> bool:
    return bool(getattr(conn, "grouped", False))


def connect(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """Open (creating if needed, mode 0600) the keystore database and bring its schema up to
    date.

    Raises :class:`KeystoreError` if the file is not a kmskit keystore (it is then left
    untouched), was written by a newer kmskit, or cannot be opened.
    """
    try:
        create_private(path)
        conn = sqlite3.connect(
            path,
            isolation_level=None,
            timeout=_BUSY_TIMEOUT_MS / 1000,
            factory=KeystoreConnection,
        )
    except (OSError, sqlite3.Error) as exc:
        raise KeystoreError(f"cannot open keystore database {path}: {exc}") from None
    try:
        conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        # One snapshot: a concurrent first use may commit the schema between two reads, and
        # an application id of 0 beside tables would then look like a foreign database.
        with read_transaction(conn):
            _check_ours(conn, path)
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise KeystoreError(f"keystore database {path} cannot use WAL mode")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        with transaction(conn):
            _check_ours(conn, path)  # again, now that no one else can be creating it
            _migrate(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise KeystoreError(f"{path} is not a usable keystore database: {exc}") from None
    except BaseException:
        conn.close()
        raise
    # The -wal and -shm files take the database file's mode (0600 from create_private). A
    # mode the owner set since is theirs to keep: never changed back here.
    return conn


def _check_ours(conn: sqlite3.Connection, path: str | os.PathLike[str]) -> None:
    """A kmskit store (our application id) or a still empty file; otherwise refuse."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    if app_id == _APPLICATION_ID:
        if version > SCHEMA_VERSION:
            raise KeystoreError(
                f"{path} has schema version {version}; this kmskit reads up to {SCHEMA_VERSION}"
            )
        return
    tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    if app_id != 0 or version != 0 or tables:
        raise KeystoreError(f"{path} is not a kmskit keystore")


def _migrate(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version == 0:
        conn.execute(f"PRAGMA application_id = {_APPLICATION_ID}")
    for statements in _MIGRATIONS[version:]:
        for statement in statements:
            conn.execute(statement)
    if version != SCHEMA_VERSION:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def begin_immediate(conn: sqlite3.Connection) -> None:
    """Start a write transaction (a savepoint inside a group commit). Raises
    :class:`KeystoreError` if the write lock cannot be had within the busy timeout."""
    if _grouped(conn):
        conn.execute("SAVEPOINT kmskit_step")
        return
    _begin(conn, "BEGIN IMMEDIATE")


def commit(conn: sqlite3.Connection, *, durable: bool = True) -> None:
    """Commit (into the group, inside a group commit); on failure roll back and raise
    :class:`KeystoreError`. After a real commit, run the connection's ``after_commit`` hook;
    its failure does not undo a committed operation (the audit anchor it updates catches up
    on the next commit). Inside a group the hook waits for the group's own commit, and a
    commit that is not ``durable`` yet (a deferred group commit) skips it: the hook moves
    the audit anchor, which must never get ahead of what is on disk."""
    grouped = _grouped(conn)
    try:
        if grouped:
            conn.execute("RELEASE kmskit_step")
        else:
            conn.commit()
    except sqlite3.Error as exc:
        rollback(conn)
        raise KeystoreError(f"keystore commit failed: {exc}") from None
    if grouped or not durable:
        return
    hook = getattr(conn, "after_commit", None)
    if hook is not None:
        with suppress(KeystoreError):
            hook()


def rollback(conn: sqlite3.Connection) -> None:
    """Undo the current transaction (only the current savepoint inside a group commit)."""
    if _grouped(conn):
        conn.execute("ROLLBACK TO kmskit_step")
        conn.execute("RELEASE kmskit_step")
    elif conn.in_transaction:
        conn.rollback()


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, or ``ROLLBACK`` if the body raises.

    Raises :class:`KeystoreError` if the write lock cannot be had or the commit fails.
    """
    begin_immediate(conn)
    try:
        yield conn
    except BaseException:
        rollback(conn)
        raise
    commit(conn)


@contextmanager
def read_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A read-only snapshot (``BEGIN DEFERRED``), for readers that span several statements.
    Inside a group commit the group's transaction already is one."""
    if _grouped(conn):
        yield conn
        return
    _begin(conn, "BEGIN DEFERRED")
    try:
        yield conn
    finally:
        if conn.in_transaction:
            conn.rollback()


@contextmanager
def group_commit(conn: sqlite3.Connection, *, defer_sync: bool = False) -> Iterator[None]:
    """Run the body's operations in one transaction, committed (one fsync) at the end.

    Each operation inside still commits or rolls back on its own (a savepoint), and is
    durable only once this returns. Raises :class:`KeystoreError` if the write lock cannot
    be had or the final commit fails: then none of the body's operations happened.

    ``defer_sync`` commits without waiting for the disk (``synchronous = NORMAL``): the
    write lock is released sooner, so the next group can run while :func:`sync_to_disk`
    (on another thread) makes this one durable. Nothing may be acknowledged before that,
    and the connection's ``after_commit`` hook (the audit anchor) does not run: the caller
    moves the anchor once the sync is done (Keystore.sync_to_disk).
    """
    if _grouped(conn):
        raise KeystoreError("group commits do not nest")
    if defer_sync:
        conn.execute("PRAGMA synchronous = NORMAL")
    try:
        _begin(conn, "BEGIN IMMEDIATE")
        conn.grouped = True  # type: ignore[attr-defined]
        try:
            yield
        except BaseException:
            conn.grouped = False  # type: ignore[attr-defined]
            if conn.in_transaction:
                conn.rollback()
            raise
        conn.grouped = False  # type: ignore[attr-defined]
        commit(conn, durable=not defer_sync)
    finally:
        if defer_sync:
            conn.execute("PRAGMA synchronous = FULL")


def sync_to_disk(db_path: str | os.PathLike[str]) -> None:
    """fsync the write-ahead log of ``db_path``: every transaction committed before the
    call is then on stable storage, as ``synchronous = FULL`` would have made it.

    A commit in WAL mode only appends frames to the ``-wal`` file; fsyncing that file makes
    them durable. A checkpoint that moved frames into the database file meanwhile synced the
    log before and the database after (SQLite, "PRAGMA synchronous", NORMAL in WAL mode), so
    frames it consumed are durable already. Safe on any thread: it uses no connection.
    Raises :class:`KeystoreError` if the file cannot be synced.
    """
    wal = os.fspath(db_path) + "-wal"
    target = wal if os.path.exists(wal) else db_path
    try:
        fd = os.open(target, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise KeystoreError(f"cannot sync the keystore to disk: {exc}") from None


def _begin(conn: sqlite3.Connection, statement: str) -> None:
    try:
        conn.execute(statement)
    except sqlite3.DatabaseError as exc:
        raise KeystoreError(f"keystore is busy or unavailable: {exc}") from None


def read_meta(conn: sqlite3.Connection) -> dict[str, object]:
    """The home's settings and sealing parameters (the ``meta`` table)."""
    return {str(name): value for name, value in conn.execute("SELECT name, value FROM meta")}


def write_meta(conn: sqlite3.Connection, entries: Mapping[str, bytes | int | str]) -> None:
    """Insert meta entries; the caller holds a write transaction."""
    conn.executemany("INSERT INTO meta (name, value) VALUES (?, ?)", list(entries.items()))
