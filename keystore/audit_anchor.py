"""The audit anchor: the audit chain's length and head hash, kept beside the master key.

The hash chain alone shows an edited or removed record in the middle, but not a log cut
short, nor a database deleted (a fresh one verifies) or swapped for an old copy. The anchor
file ``audit.anchor`` holds the number of records and the hash of the newest one, and a MAC
under the master key. It is created before the commit that creates the home, and brought
up to date after every committed write (under a lock on the home directory, always from the
newest committed state), so it never runs ahead of the database: a crash between commit and
update leaves it behind, which the next write repairs. The file holds two slots updated in
turn (:func:`update_anchor`), so a write torn by a crash never loses both.

The database is consistent with the anchor when it holds at least ``Count`` records and
record ``Count`` has hash ``HeadHash``. :func:`check_anchor` runs on every open (refusing a
truncated or replaced database before anything is written) and in ``kmskit audit verify``
(without the master key: the MAC is checked only when the keystore is opened).

spec: docs/keystore.md#audit-log
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
from collections.abc import Iterator
from typing import Protocol

from kmskit.offline._record import FrozenRecord
from kmskit.offline.errors import AuditLogError, FileAccessError, KeystoreError

__all__ = [
    "ANCHOR_NAME",
    "Anchor",
    "advance_anchor",
    "anchor_of",
    "check_anchor",
    "read_anchor",
    "update_anchor",
    "write_anchor",
]

ANCHOR_NAME = "audit.anchor"
_VERSION = 1
_MAC_LABEL = b"kmskit audit anchor v1\x00"
# Two fixed-size slots of one JSON line each; the one with more records is the anchor.
_SLOTS = 2
_SLOT = 256


class Mac(Protocol):
    def fingerprint(self, data: bytes | bytearray) -> bytes: ...

    def verify_fingerprint(self, data: bytes | bytearray, tag: bytes) -> bool: ...


class Anchor(FrozenRecord):
    count: int
    head: bytes  # 32 bytes; zeros for an empty log

    def _message(self) -> bytes:
        return _MAC_LABEL + self.count.to_bytes(8, "big") + self.head


def anchor_of(conn: sqlite3.Connection) -> Anchor:
    """The newest committed state of the log in ``conn``."""
    row = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    if row is None:
        return Anchor(0, bytes(32))
    return Anchor(int(row[0]), bytes(row[1]))


def _slot_text(anchor: Anchor, mac: Mac) -> bytes:
    doc = {
        "Version": _VERSION,
        "Count": anchor.count,
        "HeadHash": anchor.head.hex(),
        "Mac": mac.fingerprint(anchor._message()).hex(),
    }
    line = json.dumps(doc, sort_keys=True).encode("ascii")
    return line.ljust(_SLOT - 1) + b"\n"


def _parse_slot(raw: bytes) -> tuple[Anchor, bytes] | None:
    try:
        doc = json.loads(raw)
        anchor = Anchor(int(doc["Count"]), bytes.fromhex(doc["HeadHash"]))
        tag = bytes.fromhex(doc["Mac"])
        if doc["Version"] != _VERSION or len(anchor.head) != 32 or anchor.count < 0:
            return None
    except (ValueError, KeyError, TypeError, RecursionError):
        return None
    return anchor, tag


def _newest_slot(data: bytes) -> tuple[int, Anchor, bytes] | None:
    """(slot index, anchor, MAC) of the readable slot with the most records."""
    best: tuple[int, Anchor, bytes] | None = None
    for index in range(_SLOTS):
        parsed = _parse_slot(data[index * _SLOT : (index + 1) * _SLOT])
        if parsed is not None and (best is None or parsed[0].count > best[1].count):
            best = (index, *parsed)
    return best


def read_anchor(home: str | os.PathLike[str], *, mac: Mac | None = None) -> Anchor | None:
    """The anchor of ``home``, or None if it has none. Raises :class:`AuditLogError` if it is
    damaged or (with ``mac``) was not written with this master key."""
    path = os.path.join(home, ANCHOR_NAME)
    try:
        with open(path, "rb") as file:
            data = file.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise KeystoreError(f"cannot read {path}: {exc.strerror}") from None
    newest = _newest_slot(data)
    if newest is None:
        raise AuditLogError(f"{path} is damaged")
    _, anchor, tag = newest
    if mac is not None and not mac.verify_fingerprint(anchor._message(), tag):
        raise AuditLogError(f"{path} was not written by this keystore (its MAC does not match)")
    return anchor


def check_anchor(conn: sqlite3.Connection, anchor: Anchor) -> str | None:
    """None when the log in ``conn`` extends ``anchor``; else what is wrong, in words."""
    if anchor.count == 0:
        return None
    row = conn.execute("SELECT hash FROM audit WHERE seq = ?", (anchor.count,)).fetchone()
    last = anchor_of(conn).count
    if row is None:
        return (
            f"the audit log ends at record {last} but {anchor.count} were written: the log was"
            " truncated or the database deleted or replaced"
        )
    # Plain equality: both are the chain hash of a record, public (``kmskit audit verify``
    # prints it) and not a MAC; the anchor's MAC was checked in constant time on reading.
    if bytes(row[0]) != anchor.head:
        return (
            f"audit record {anchor.count} is not the one written: the database was replaced"
            " or the log rewritten"
        )
    return None


@contextlib.contextmanager
def _home_locked(home: str | os.PathLike[str]) -> Iterator[None]:
    fd = os.open(home, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def write_anchor(home: str | os.PathLike[str], anchor: Anchor, mac: Mac) -> None:
    """Create the anchor file (atomically, fsynced), both slots holding ``anchor``. Raises
    :class:`KeystoreError`."""
    # Only a new home (or one made before anchors) writes the whole file: every open reads
    # this module, and the atomic-output machinery would cost each of them its import.
    from kmskit.offline.output_file import write_output

    data = _slot_text(anchor, mac) * _SLOTS
    try:
        write_output(os.path.join(home, ANCHOR_NAME), data, overwrite=True, secret=True)
    except (FileAccessError, OSError) as exc:
        raise KeystoreError(f"cannot write the audit anchor: {exc}") from None


def update_anchor(conn: sqlite3.Connection, home: str | os.PathLike[str], mac: Mac) -> None:
    """Bring the anchor up to the newest committed state (never backwards). Call after a
    commit that is on stable storage, outside any transaction. Raises
    :class:`KeystoreError` on an I/O failure."""
    advance_anchor(home, anchor_of(conn), mac)


def advance_anchor(home: str | os.PathLike[str], newest: Anchor, mac: Mac) -> None:
    """Move the anchor forward to ``newest`` (never backwards). ``newest`` must be durable
    in the database already: :func:`update_anchor` after a synced commit, or the state a
    deferred group commit left, once the log has been synced (Keystore.sync_to_disk).
    Raises :class:`KeystoreError` on an I/O failure.

    The older of the two slots is overwritten in place: a write torn by a crash spoils at
    most that slot, and the other still holds an earlier, valid state. No fsync: the
    database is on stable storage first, so whatever a crash leaves of the anchor is at
    most behind the database, never ahead of it, and being behind is allowed.
    """
    path = os.path.join(home, ANCHOR_NAME)
    try:
        with _home_locked(home):
            try:
                fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
            except FileNotFoundError:
                write_anchor(home, newest, mac)
                return
            try:
                current = _newest_slot(os.pread(fd, _SLOT * _SLOTS, 0))
                if current is not None and current[1].count >= newest.count:
                    return
                slot = 0 if current is None else (current[0] + 1) % _SLOTS
                os.pwrite(fd, _slot_text(newest, mac), slot * _SLOT)
            finally:
                os.close(fd)
    except OSError as exc:
        raise KeystoreError(f"cannot update the audit anchor: {exc.strerror}") from None
