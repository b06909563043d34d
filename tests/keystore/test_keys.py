"""The key model: identifiers, CreateKey over the spec table, states, deletion windows and
deletion protection."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from kmskit.keystore import Keystore, init_home, open_keystore
from kmskit.offline.errors import (
    DisabledException,
    InvalidKeyUsageException,
    KMSInvalidStateException,
    NotFoundException,
    UnsupportedOperationException,
    ValidationException,
)
from kmskit.offline.specs import KeySpec, KeyUsage, profile
from tests.keystore.conftest import FakeClock

ARN_PREFIX = "arn:aws:kms:us-east-1:111122223333:"


def test_every_identifier_form_resolves(ks: Keystore) -> None:
    key = ks.create_key()
    ks.create_alias("alias/forms", key.key_id)
    assert key.arn == f"{ARN_PREFIX}key/{key.key_id}"
    assert uuid.UUID(key.key_id).version == 4
    forms = [key.key_id, key.arn, "alias/forms", f"{ARN_PREFIX}alias/forms"]
    for form in forms:
        assert ks.describe_key(form).key_id == key.key_id
        blob = ks.encrypt(form, b"x").ciphertext_blob
        assert bytes(ks.decrypt(blob, key_id=form).plaintext) == b"x"
        ks.tag_resource(form, {"form": "ok"})
        assert ks.list_resource_tags(form).tags[0].tag_value == "ok"


@pytest.mark.parametrize(
    "identifier",
    [
        "00000000-0000-4000-8000-000000000000",
        "alias/missing",
        "arn:aws:kms:us-east-1:111122223333:alias/missing",
        "arn:aws:kms:us-east-1:111122223333:something/else",
        "not-a-key",
    ],
)
def test_unknown_identifiers_are_not_found(ks: Keystore, identifier: str) -> None:
    with pytest.raises(NotFoundException):
        ks.describe_key(identifier)


def test_an_arn_for_another_partition_region_or_account_is_not_found(ks: Keystore) -> None:
    key = ks.create_key()
    ks.create_alias("alias/here", key.key_id)
    for foreign in (
        f"arn:aws-cn:kms:us-east-1:111122223333:key/{key.key_id}",
        f"arn:aws:kms:eu-west-1:111122223333:key/{key.key_id}",
        f"arn:aws:kms:us-east-1:444455556666:key/{key.key_id}",
        "arn:aws:kms:eu-west-1:111122223333:alias/here",
    ):
        with pytest.raises(NotFoundException):
            ks.describe_key(foreign)


def test_empty_identifier_is_a_validation_error(ks: Keystore) -> None:
    with pytest.raises(ValidationException):
        ks.describe_key("")


def test_home_settings_go_into_arns(home: Path) -> None:
    init_home(home, partition="aws-cn", region="cn-north-1", account_id="123456789012")
    with open_keystore(home) as ks:
        key = ks.create_key()
        assert key.arn == f"arn:aws-cn:kms:cn-north-1:123456789012:key/{key.key_id}"
        assert key.aws_account_id == "123456789012"
        ks.create_alias("alias/cn", key.key_id)
        entry = ks.list_aliases().aliases[0]
        assert entry.alias_arn == "arn:aws-cn:kms:cn-north-1:123456789012:alias/cn"
        assert ks.describe_key("arn:aws-cn:kms:cn-north-1:123456789012:alias/cn").key_id == (
            key.key_id
        )


def test_init_refuses_an_initialised_home_and_bad_settings(home: Path) -> None:
    from kmskit.offline.errors import KeystoreError

    with pytest.raises(ValidationException):
        init_home(home, account_id="12ab")
    init_home(home)
    with pytest.raises(KeystoreError):
        init_home(home)


# -- CreateKey --------------------------------------------------------------------------------


def _usage_for(spec: KeySpec) -> KeyUsage:
    return profile(spec).usages[0]


@pytest.mark.parametrize("spec", list(KeySpec))
def test_create_key_accepts_every_spec_with_an_allowed_usage(ks: Keystore, spec: KeySpec) -> None:
    usage = _usage_for(spec)
    meta = ks.create_key(key_spec=spec.value, key_usage=usage.value)
    assert (meta.key_spec, meta.key_usage, meta.key_state) == (spec.value, usage.value, "Enabled")
    response = ks.describe_key(meta.key_id).to_response()["KeyMetadata"]
    assert response["KeySpec"] == spec.value
    if usage is KeyUsage.ENCRYPT_DECRYPT:
        assert response["EncryptionAlgorithms"] == [a.value for a in profile(spec).encryption]
    if usage is KeyUsage.SIGN_VERIFY:
        assert response["SigningAlgorithms"] == [a.value for a in profile(spec).signing]
    if usage is KeyUsage.GENERATE_VERIFY_MAC:
        assert response["MacAlgorithms"] == [a.value for a in profile(spec).mac]


def test_create_key_spec_and_usage_rules(ks: Keystore) -> None:
    assert ks.create_key(key_spec="Aliyun_SM4").key_spec == "SM4"
    assert ks.create_key(key_spec="EC_P256", key_usage="SIGN/VERIFY").key_spec == "ECC_NIST_P256"
    for spec, usage in (
        ("ECC_NIST_P256", "ENCRYPT_DECRYPT"),  # the default usage does not fit, as in KMS
        ("HMAC_256", "ENCRYPT_DECRYPT"),
        ("SYMMETRIC_DEFAULT", "SIGN_VERIFY"),
        ("NO_SUCH_SPEC", "ENCRYPT_DECRYPT"),
        ("SYMMETRIC_DEFAULT", "NO_SUCH_USAGE"),
    ):
        with pytest.raises(ValidationException):
            ks.create_key(key_spec=spec, key_usage=usage)
    with pytest.raises(ValidationException):
        ks.create_key(origin="SOMEWHERE")
    with pytest.raises(UnsupportedOperationException):
        ks.create_key(origin="AWS_CLOUDHSM")
    with pytest.raises(ValidationException):
        ks.create_key(description="d" * 8193)
    assert ks.create_key(description="d" * 8192).description == "d" * 8192
    assert ks.list_keys().keys.__len__() == 3


def test_asymmetric_and_hmac_keys_refuse_symmetric_operations(ks: Keystore) -> None:
    signing = ks.create_key(key_spec="ECC_NIST_P256", key_usage="SIGN_VERIFY")
    hmac_key = ks.create_key(key_spec="HMAC_256", key_usage="GENERATE_VERIFY_MAC")
    rsa = ks.create_key(key_spec="RSA_2048", key_usage="ENCRYPT_DECRYPT")
    for key in (signing, hmac_key, rsa):
        with pytest.raises(InvalidKeyUsageException):
            ks.generate_data_key(key.key_id, key_spec="AES_256")
        with pytest.raises(InvalidKeyUsageException):
            ks.encrypt(key.key_id, b"x")
    # asymmetric encryption works since issue 5 (tests/keystore/test_asymmetric.py)
    assert len(ks.encrypt(rsa.key_id, b"x", encryption_algorithm="RSAES_OAEP_SHA_256")
               .ciphertext_blob) == 256  # fmt: skip
    symmetric = ks.create_key()
    with pytest.raises(InvalidKeyUsageException):
        ks.encrypt(symmetric.key_id, b"x", encryption_algorithm="RSAES_OAEP_SHA_256")


def test_external_origin_is_pending_import(ks: Keystore) -> None:
    key = ks.create_key(origin="EXTERNAL")
    assert key.key_state == "PendingImport" and not key.enabled
    assert "CurrentKeyMaterialId" not in key.to_response()["KeyMetadata"]
    for operation in (
        lambda: ks.encrypt(key.key_id, b"x"),
        lambda: ks.generate_data_key(key.key_id, number_of_bytes=8),
        lambda: ks.enable_key(key.key_id),
        lambda: ks.disable_key(key.key_id),
    ):
        with pytest.raises(KMSInvalidStateException):
            operation()
    ks.schedule_key_deletion(key.key_id)
    ks.cancel_key_deletion(key.key_id)
    assert ks.describe_key(key.key_id).key_state == "PendingImport"


# -- states -----------------------------------------------------------------------------------


def test_state_table(ks: Keystore) -> None:
    key = ks.create_key()
    with pytest.raises(KMSInvalidStateException):
        ks.cancel_key_deletion(key.key_id)  # not pending deletion
    ks.disable_key(key.key_id)
    ks.disable_key(key.key_id)  # idempotent, as in KMS
    ks.schedule_key_deletion(key.key_id)
    for operation in (
        lambda: ks.enable_key(key.key_id),
        lambda: ks.disable_key(key.key_id),
        lambda: ks.schedule_key_deletion(key.key_id),
        lambda: ks.create_alias("alias/late", key.key_id),
        lambda: ks.tag_resource(key.key_id, {"a": "b"}),
        lambda: ks.untag_resource(key.key_id, ["a"]),
        lambda: ks.set_deletion_protection(key.key_id, enabled=True),
    ):
        with pytest.raises(KMSInvalidStateException):
            operation()
    # reads still work
    assert ks.describe_key(key.key_id).key_state == "PendingDeletion"
    assert ks.list_resource_tags(key.key_id).tags == ()


@pytest.mark.parametrize("days", [6, 31, 0, -1, True])
def test_pending_window_bounds(ks: Keystore, days: int) -> None:
    key = ks.create_key()
    with pytest.raises(ValidationException):
        ks.schedule_key_deletion(key.key_id, pending_window_in_days=days)


def test_deletion_window_default_and_dates(ks: Keystore, clock: FakeClock) -> None:
    key = ks.create_key()
    schedule = ks.schedule_key_deletion(key.key_id)
    assert schedule.pending_window_in_days == 30
    # KMS reports milliseconds: the clock's 09:00:00.123456 is kept as .123
    assert schedule.to_response()["DeletionDate"] == "2026-12-23T09:00:00.123000+00:00"
    meta = ks.describe_key(key.key_id)
    assert meta.to_response()["KeyMetadata"]["DeletionDate"] == "2026-12-23T09:00:00.123000+00:00"
    assert meta.to_response()["KeyMetadata"]["CreationDate"] == "2026-11-23T09:00:00.123000+00:00"


def test_keys_are_deleted_on_open_once_their_window_has_passed(
    home: Path, clock: FakeClock
) -> None:
    with open_keystore(home, clock=clock) as ks:
        doomed = ks.create_key()
        kept = ks.create_key()
        ks.create_alias("alias/doomed", doomed.key_id)
        ks.tag_resource(doomed.key_id, {"t": "v"})
        blob = ks.encrypt(doomed.key_id, b"gone soon").ciphertext_blob
        ks.schedule_key_deletion(doomed.key_id, pending_window_in_days=7)
        ks.schedule_key_deletion(kept.key_id, pending_window_in_days=8)
    clock.advance(days=7, microseconds=-1000)
    with open_keystore(home, clock=clock) as ks:
        assert ks.describe_key(doomed.key_id).key_state == "PendingDeletion"
    clock.advance(microseconds=1000)  # exactly the deletion date
    with open_keystore(home, clock=clock) as ks:
        with pytest.raises(NotFoundException):
            ks.describe_key(doomed.key_id)
        with pytest.raises(NotFoundException):
            ks.describe_key("alias/doomed")
        assert ks.list_aliases().aliases == ()
        from kmskit.offline.errors import InvalidCiphertextException

        with pytest.raises(InvalidCiphertextException):
            ks.decrypt(blob)
        assert ks.describe_key(kept.key_id).key_state == "PendingDeletion"
        assert [k.key_id for k in ks.list_keys().keys] == [kept.key_id]
        deletions = [r for r in ks.audit.records() if r.operation == "DeleteKey"]
        assert [r.key_arn for r in deletions] == [doomed.arn]
        assert ks.audit.verify().ok
    conn_rows = _count_rows(home, doomed.key_id)
    assert conn_rows == {"materials": 0, "aliases": 0, "tags": 0, "keys": 0}


def _count_rows(home: Path, key_id: str) -> dict[str, int]:
    import sqlite3

    conn = sqlite3.connect(home / "keystore.db")
    try:
        counts = {}
        for table in ("materials", "aliases", "tags", "keys"):
            query = f"SELECT count(*) FROM {table} WHERE key_id = ?"  # noqa: S608
            counts[table] = conn.execute(query, (key_id,)).fetchone()[0]
        return counts
    finally:
        conn.close()


def test_deletion_protection_blocks_scheduling(ks: Keystore) -> None:
    key = ks.create_key()
    ks.set_deletion_protection(key.key_id, enabled=True)
    meta = ks.describe_key(key.key_id)
    assert meta.deletion_protection
    assert meta.to_response()["KeyMetadata"]["DeletionProtection"] == "Enabled"
    with pytest.raises(KMSInvalidStateException, match="deletion protection"):
        ks.schedule_key_deletion(key.key_id)
    ks.set_deletion_protection(key.key_id, enabled=False)
    assert ks.describe_key(key.key_id).to_response()["KeyMetadata"]["DeletionProtection"] == (
        "Disabled"
    )
    ks.schedule_key_deletion(key.key_id, pending_window_in_days=7)


def test_disabled_key_refuses_every_cryptographic_operation(ks: Keystore) -> None:
    key = ks.create_key()
    other = ks.create_key()
    blob = ks.encrypt(key.key_id, b"x").ciphertext_blob
    ks.disable_key(key.key_id)
    for operation in (
        lambda: ks.encrypt(key.key_id, b"x"),
        lambda: ks.decrypt(blob),
        lambda: ks.re_encrypt(blob, other.key_id),
        lambda: ks.re_encrypt(ks.encrypt(other.key_id, b"x").ciphertext_blob, key.key_id),
        lambda: ks.generate_data_key(key.key_id, key_spec="AES_128"),
        lambda: ks.generate_data_key_without_plaintext(key.key_id, key_spec="AES_128"),
    ):
        with pytest.raises(DisabledException):
            operation()
