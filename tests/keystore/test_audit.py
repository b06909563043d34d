"""The audit log: what it records, the hash chain recomputed independently, edits and
deletions detected with their sequence number, and no secret anywhere in the store."""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from kmskit.keystore import Keystore, open_keystore
from kmskit.offline.errors import DisabledException, NotFoundException


def _rows(home: Path) -> list[tuple[int, str, bytes]]:
    conn = sqlite3.connect(home / "keystore.db")
    try:
        return conn.execute("SELECT seq, record, hash FROM audit ORDER BY seq").fetchall()
    finally:
        conn.close()


def _execute(home: Path, sql: str, *args: object) -> None:
    conn = sqlite3.connect(home / "keystore.db")
    try:
        conn.execute(sql, args)
        conn.commit()
    finally:
        conn.close()


def _some_history(ks: Keystore) -> None:
    key = ks.create_key(description="audited")
    ks.create_alias("alias/audited", key.key_id)
    ks.encrypt("alias/audited", b"x", encryption_context={"who": "me"})
    ks.disable_key(key.key_id)
    with pytest.raises(DisabledException):
        ks.encrypt(key.key_id, b"x")
    with pytest.raises(NotFoundException):
        ks.describe_key("alias/none")


def test_records_say_what_happened(ks: Keystore) -> None:
    _some_history(ks)
    records = list(ks.audit.records())
    assert [r.operation for r in records] == [
        "InitHome", "CreateKey", "CreateAlias", "Encrypt", "DisableKey", "Encrypt",
        "DescribeKey",
    ]  # fmt: skip
    assert [r.sequence for r in records] == list(range(1, 8))
    assert [r.outcome for r in records] == ["Success"] * 5 + [
        "DisabledException",
        "NotFoundException",
    ]
    encrypt = records[3]
    key_arn = records[1].key_arn
    assert key_arn is not None and key_arn.startswith("arn:aws:kms:us-east-1:111122223333:key/")
    assert encrypt.key_arn == key_arn
    assert encrypt.encryption_context == {"who": "me"}
    assert encrypt.parameters == {
        "KeyId": "alias/audited",
        "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
    }
    assert records[5].error_message and records[6].key_arn is None
    assert records[0].time == "2026-11-23T09:00:00.123+00:00"
    line = records[3].to_dict()
    assert set(line) == {
        "Sequence", "Time", "Operation", "KeyArn", "EncryptionContext", "Outcome",
        "Parameters", "ErrorMessage", "Hash",
    }  # fmt: skip
    assert ks.audit.verify().ok


def test_the_chain_is_the_documented_one(ks: Keystore, home: Path) -> None:
    """hash = SHA-256(previous ‖ canonical JSON), from 32 zero bytes, recomputed here."""
    _some_history(ks)
    previous = bytes(32)
    rows = _rows(home)
    for seq, text, digest in rows:
        fields = json.loads(text)
        canonical = json.dumps(
            fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
        assert canonical == text.encode()  # stored in canonical form
        assert fields["Sequence"] == seq
        previous = hashlib.sha256(previous + canonical).digest()
        assert previous == digest
    report = ks.audit.verify()
    assert (report.ok, report.count, report.head_hash) == (True, len(rows), previous.hex())
    assert [r.hash for r in ks.audit.records()][-1] == previous.hex()


def test_an_edited_record_is_detected_with_its_sequence(ks: Keystore, home: Path) -> None:
    _some_history(ks)
    _execute(
        home, "UPDATE audit SET record = replace(record, 'DisabledException', 'Success')"
        " WHERE seq = 6",
    )  # fmt: skip
    report = ks.audit.verify()
    assert (report.ok, report.first_bad_sequence) == (False, 6)
    with open_keystore(home) as again:  # and from another process's point of view
        assert again.audit.verify().first_bad_sequence == 6


def test_a_record_edited_with_its_hash_recomputed_breaks_the_next_one(
    ks: Keystore, home: Path
) -> None:
    _some_history(ks)
    rows = _rows(home)
    seq, text, _ = rows[3]
    forged = text.replace('"who":"me"', '"who":"you"')
    assert forged != text
    new_hash = hashlib.sha256(rows[2][2] + forged.encode()).digest()
    _execute(home, "UPDATE audit SET record = ?, hash = ? WHERE seq = ?", forged, new_hash, seq)
    assert ks.audit.verify().first_bad_sequence == seq + 1


def test_a_deleted_record_is_detected(ks: Keystore, home: Path) -> None:
    _some_history(ks)
    _execute(home, "DELETE FROM audit WHERE seq = 3")
    report = ks.audit.verify()
    assert (report.ok, report.first_bad_sequence, report.count) == (False, 4, 6)


def test_a_record_that_is_no_longer_json(ks: Keystore, home: Path) -> None:
    _some_history(ks)
    _execute(home, "UPDATE audit SET record = 'garbage' WHERE seq = 2")
    assert ks.audit.verify().first_bad_sequence == 2
    from kmskit.offline.errors import KeystoreError

    with pytest.raises(KeystoreError, match="record 2"):
        list(ks.audit.records())


def test_appending_continues_the_chain_after_reopen(home: Path) -> None:
    with open_keystore(home) as ks:
        _some_history(ks)
    with open_keystore(home) as ks:
        ks.generate_random(8)
        report = ks.audit.verify()
        assert report.ok and report.count == 8


def test_no_plaintext_or_data_key_anywhere_in_the_store(home: Path) -> None:
    plaintext = b"PLAINTEXT-MARKER-7f3a9c" + bytes(range(16))
    with open_keystore(home) as ks:
        key = ks.create_key()
        ks.create_alias("alias/secret", key.key_id)
        blob = ks.encrypt(key.key_id, plaintext, encryption_context={"c": "v"}).ciphertext_blob
        ks.decrypt(blob, encryption_context={"c": "v"})
        data_key = ks.generate_data_key("alias/secret", key_spec="AES_256")
        assert data_key.plaintext is not None
        secret_key = bytes(data_key.plaintext)
        ks.decrypt(data_key.ciphertext_blob)
        ks.re_encrypt(blob, key.key_id, source_encryption_context={"c": "v"})
        random = bytes(ks.generate_random(32).plaintext)
        with pytest.raises(Exception):  # noqa: B017 - any failure will do
            ks.decrypt(blob)  # a failure record too
        stored = b"".join(p.read_bytes() for p in sorted(home.glob("keystore.db*")))
    stored += b"".join(p.read_bytes() for p in sorted(home.glob("keystore.db*")))
    for secret in (plaintext, secret_key, random):
        for form in (secret, base64.b64encode(secret), secret.hex().encode(), secret[:12]):
            assert form not in stored
