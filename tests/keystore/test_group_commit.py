"""Group commit (what ``kmskit serve`` does under load): many operations in one transaction.

Each operation still succeeds or fails alone and is audited; nothing is visible to another
connection, or durable, until the group commits; a group that does not commit leaves
nothing behind; the audit chain stays valid. Also: the caller's region and principal.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kmskit.keystore import Keystore, open_keystore
from kmskit.keystore.audit_anchor import read_anchor
from kmskit.offline.errors import KeystoreError, NotFoundException


def _committed_keys(home: Path) -> int:
    conn = sqlite3.connect(home / "keystore.db")
    try:
        return int(conn.execute("SELECT count(*) FROM keys").fetchone()[0])
    finally:
        conn.close()


def test_operations_in_a_group_succeed_and_fail_alone(ks: Keystore, home: Path) -> None:
    before = ks.audit.verify().count
    with ks.group_commit():
        key = ks.create_key()
        blob = ks.encrypt(key.key_id, b"grouped").ciphertext_blob
        with pytest.raises(NotFoundException):
            ks.describe_key("alias/missing")
        ks.create_alias("alias/grouped", key.key_id)
        # Another connection sees nothing yet: it is not committed.
        assert _committed_keys(home) == 0
    assert ks.decrypt(blob).plaintext == b"grouped"
    with open_keystore(home) as other:
        assert other.describe_key("alias/grouped").key_id == key.key_id
    records = list(ks.audit.records())[before:]
    outcomes = [(r.operation, r.outcome) for r in records]
    assert outcomes[:4] == [
        ("CreateKey", "Success"),
        ("Encrypt", "Success"),
        ("DescribeKey", "NotFoundException"),
        ("CreateAlias", "Success"),
    ]
    assert ks.audit.verify().ok


def test_a_group_that_does_not_commit_leaves_nothing(ks: Keystore) -> None:
    before = ks.audit.verify()
    with pytest.raises(RuntimeError), ks.group_commit():
        ks.create_key()
        raise RuntimeError("the commit did not happen")
    after = ks.audit.verify()
    assert (after.count, after.head_hash) == (before.count, before.head_hash)
    assert ks.list_keys().keys == ()


def test_deferred_sync_commits_then_syncs(ks: Keystore, home: Path) -> None:
    with ks.group_commit(defer_sync=True):
        key = ks.create_key()
    # Committed (another connection sees it); then made durable by the caller.
    assert _committed_keys(home) == 1
    ks.sync_to_disk()
    assert ks.describe_key(key.key_id).key_id == key.key_id
    # The connection is back to synchronous=FULL for everything else.
    assert ks._connection().execute("PRAGMA synchronous").fetchone()[0] == 2


def test_the_audit_anchor_waits_for_the_deferred_sync(ks: Keystore, home: Path) -> None:
    """The anchor says how far the log reached; after a crash the log is checked against it.
    Written before the log is on disk, it could claim records a power cut took away, and
    the keystore would then look tampered with. So a deferred group moves it only once
    sync_to_disk has run, and a synced commit moves it at once."""
    ks.create_key()  # a plain commit: durable, so anchored straight away
    anchored = read_anchor(home)
    assert anchored is not None and anchored.count == ks.audit.verify().count
    with ks.group_commit(defer_sync=True):
        ks.create_key()
        ks.list_keys()
    head = ks.audit.verify()
    assert head.count == anchored.count + 2
    assert read_anchor(home) == anchored  # committed, but not yet known to be on disk
    ks.sync_to_disk()
    after = read_anchor(home)
    assert after is not None and (after.count, after.head.hex()) == (head.count, head.head_hash)
    ks.sync_to_disk()  # nothing new: the anchor stays where it is
    assert read_anchor(home) == after


def test_groups_do_not_nest(ks: Keystore) -> None:
    with pytest.raises(KeystoreError), ks.group_commit(), ks.group_commit():
        pass


def test_caller_region_and_principal(ks: Keystore) -> None:
    with ks.as_caller(region="eu-west-1", principal="arn:aws:iam::111122223333:user/a"):
        key = ks.create_key()
        assert key.arn.startswith("arn:aws:kms:eu-west-1:")
    assert ks.describe_key(key.key_id).arn.startswith("arn:aws:kms:us-east-1:")
    last_two = list(ks.audit.records())[-2:]
    assert [r.principal for r in last_two] == ["arn:aws:iam::111122223333:user/a", None]
    assert "Principal" not in last_two[1].to_dict()  # records without one keep their form
