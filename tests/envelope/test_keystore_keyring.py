"""The local-keystore keyring: EDK layout, "not mine", and the keystore's rules on every unwrap
(key states, rotation, the context, the audit log)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kmskit.envelope import decrypt, encrypt
from kmskit.envelope.keyrings import EncryptedDataKey, KeystoreKeyring
from kmskit.keystore import Keystore, open_keystore
from kmskit.offline.errors import (
    DisabledException,
    IncorrectKeyException,
    InvalidCiphertextException,
    InvalidKeyUsageException,
    KeyringMismatch,
    KMSInvalidStateException,
    NoMatchingKeyringError,
    NotFoundException,
)
from tests.envelope._helpers import aes_keyring

DATA = b"files under a keystore key" * 1000
CONTEXT = {"tenant": "a"}


@pytest.fixture
def ks(tmp_path: Path) -> Iterator[Keystore]:
    store = open_keystore(tmp_path / "home")
    try:
        yield store
    finally:
        store.close()


def test_edk_is_a_local_ciphertext_blob_under_the_key_arn(ks: Keystore) -> None:
    key = ks.create_key()
    ks.create_alias("alias/files", key.key_id)
    keyring = KeystoreKeyring(ks, "alias/files")
    assert keyring.key_arn == key.arn
    data_key = bytes(range(32))
    edk = keyring.wrap(data_key, CONTEXT)
    assert (edk.provider_id, edk.provider_info) == ("kmskit-keystore", key.arn.encode())
    # The ciphertext is exactly what the keystore's Decrypt opens, with the same context.
    opened = ks.decrypt(edk.ciphertext, encryption_context=CONTEXT)
    assert (bytes(opened.plaintext), opened.key_id) == (data_key, key.arn)
    with pytest.raises(InvalidCiphertextException):
        ks.decrypt(edk.ciphertext, encryption_context={"tenant": "b"})
    assert keyring.unwrap(edk, CONTEXT) == data_key


@pytest.mark.parametrize(
    "algorithm", ["AES_256_GCM_HKDF_SHA512_COMMIT_KEY", "SM4_GCM_HKDF_SM3_COMMIT_KEY_SM2"]
)
def test_round_trip_and_rotation(ks: Keystore, algorithm: str) -> None:
    key = ks.create_key(key_spec="SM4" if algorithm.startswith("SM4") else "SYMMETRIC_DEFAULT")
    keyring = KeystoreKeyring(ks, key.key_id)
    message = encrypt(DATA, keyrings=keyring, encryption_context=CONTEXT, algorithm=algorithm)
    ks.rotate_key_on_demand(key.key_id)
    after = encrypt(DATA, keyrings=keyring, encryption_context=CONTEXT, algorithm=algorithm)
    for m in (message, after):
        assert decrypt(m, keyrings=KeystoreKeyring(ks, key.arn))[0] == DATA


def test_not_mine(ks: Keystore) -> None:
    a, b = KeystoreKeyring(ks, ks.create_key().key_id), KeystoreKeyring(ks, ks.create_key().key_id)
    edk = a.wrap(bytes(32), {})
    with pytest.raises(KeyringMismatch, match="not wrapped by keystore key"):
        b.unwrap(edk, {})
    with pytest.raises(KeyringMismatch, match="provider id"):
        a.unwrap(aes_keyring().wrap(bytes(32), {}), {})
    message = encrypt(DATA, keyrings=a)
    with pytest.raises(NoMatchingKeyringError, match="kmskit-keystore"):
        decrypt(message, keyrings=b)
    assert decrypt(message, keyrings=[b, a])[0] == DATA


def test_forged_edks_fail_in_the_keystore(ks: Keystore) -> None:
    a, b = KeystoreKeyring(ks, ks.create_key().key_id), KeystoreKeyring(ks, ks.create_key().key_id)
    edk = a.wrap(bytes(32), CONTEXT)
    # An EDK naming key b whose blob is key a's: the keystore refuses, never "not mine".
    forged = EncryptedDataKey(edk.provider_id, b.key_arn.encode(), edk.ciphertext)
    with pytest.raises(IncorrectKeyException):
        b.unwrap(forged, CONTEXT)
    altered = bytearray(edk.ciphertext)
    altered[-1] ^= 1
    with pytest.raises(InvalidCiphertextException):
        a.unwrap(EncryptedDataKey(edk.provider_id, edk.provider_info, bytes(altered)), CONTEXT)


def test_key_states_apply_to_every_unwrap(ks: Keystore) -> None:
    key = ks.create_key()
    keyring = KeystoreKeyring(ks, key.key_id)
    message = encrypt(DATA, keyrings=keyring)
    ks.disable_key(key.key_id)
    with pytest.raises(DisabledException):
        decrypt(message, keyrings=keyring)
    with pytest.raises(DisabledException):
        encrypt(DATA, keyrings=keyring)
    ks.enable_key(key.key_id)
    ks.schedule_key_deletion(key.key_id, pending_window_in_days=7)
    with pytest.raises(KMSInvalidStateException):
        decrypt(message, keyrings=keyring)
    ks.cancel_key_deletion(key.key_id)
    ks.enable_key(key.key_id)
    assert decrypt(message, keyrings=keyring)[0] == DATA
    operations = [r.operation for r in ks.audit.records()]
    assert operations.count("Decrypt") >= 3  # every unwrap, failed ones included


def test_refuses_keys_that_are_not_symmetric_encryption_keys(ks: Keystore) -> None:
    with pytest.raises(NotFoundException):
        KeystoreKeyring(ks, "alias/missing")
    rsa = ks.create_key(key_spec="RSA_2048", key_usage="ENCRYPT_DECRYPT")
    with pytest.raises(InvalidKeyUsageException, match="recipient keyring"):
        KeystoreKeyring(ks, rsa.key_id)
    hmac = ks.create_key(key_spec="HMAC_256", key_usage="GENERATE_VERIFY_MAC")
    with pytest.raises(InvalidKeyUsageException):
        KeystoreKeyring(ks, hmac.key_id)


def test_every_keyring_call_is_authorized_as_its_principal(ks: Keystore) -> None:
    """The keyring goes through the same check as kmskit kms and kmskit serve
    (docs/authorization.md): a Deny on Decrypt for Bob stops his unwrap, not Alice's, and
    the audit records name them and the statement that decided."""
    import json

    from kmskit.offline.errors import AccessDeniedException

    alice = "arn:aws:iam::111122223333:user/alice"
    bob = "arn:aws:iam::111122223333:user/bob"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Account", "Effect": "Allow",
             "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
             "Action": "kms:*", "Resource": "*"},
            {"Sid": "NoDecryptForBob", "Effect": "Deny", "Principal": {"AWS": bob},
             "Action": "kms:Decrypt", "Resource": "*"},
        ],
    }
    key = ks.create_key(policy=json.dumps(policy))
    message = encrypt(
        DATA,
        keyrings=KeystoreKeyring(ks, key.key_id, principal=bob),
        encryption_context=CONTEXT,
    )
    assert decrypt(message, keyrings=KeystoreKeyring(ks, key.key_id, principal=alice))[0] == DATA
    with pytest.raises((AccessDeniedException, NoMatchingKeyringError)):
        decrypt(message, keyrings=KeystoreKeyring(ks, key.key_id, principal=bob))
    records = [r for r in ks.audit.records() if r.operation == "Decrypt"]
    assert [(r.principal, r.outcome) for r in records] == [
        (alice, "Success"), (bob, "AccessDeniedException")
    ]
    assert records[1].authorization == (
        {"Action": "kms:Decrypt", "Decision": "ExplicitDeny",
         "DecidingStatement": "NoDecryptForBob"},
    )
    with pytest.raises(AccessDeniedException):
        KeystoreKeyring(ks, key.key_id, principal="arn:aws:iam::444455556666:user/eve")


def test_the_aws_kms_rsa_keystore_path_is_authorized_too(ks: Keystore) -> None:
    """An RSA keystore key wraps as the MPL's aws-kms-rsa keyring (issue 13); its GetPublicKey
    and Decrypt go through the same check as every other keyring call: a Deny on Decrypt for
    Bob stops his unwrap and is audited, Alice's unwrap works."""
    import json

    from kmskit.envelope.keyrings import AwsKmsRsaKeyring
    from kmskit.offline.errors import AccessDeniedException

    alice = "arn:aws:iam::111122223333:user/alice"
    bob = "arn:aws:iam::111122223333:user/bob"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Account", "Effect": "Allow",
             "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
             "Action": "kms:*", "Resource": "*"},
            {"Sid": "NoRsaDecryptForBob", "Effect": "Deny", "Principal": {"AWS": bob},
             "Action": "kms:Decrypt", "Resource": "*"},
        ],
    }
    key = ks.create_key(
        key_spec="RSA_2048", key_usage="ENCRYPT_DECRYPT", policy=json.dumps(policy)
    )
    message = encrypt(
        DATA,
        keyrings=AwsKmsRsaKeyring.with_keystore(ks, key.key_id, principal=bob),
        encryption_context=CONTEXT,
        algorithm="AES_256_GCM_HKDF_SHA512_COMMIT_KEY",
    )
    alice_keyring = AwsKmsRsaKeyring.with_keystore(ks, key.key_id, principal=alice)
    assert decrypt(message, keyrings=alice_keyring)[0] == DATA
    with pytest.raises((AccessDeniedException, NoMatchingKeyringError)):
        decrypt(message, keyrings=AwsKmsRsaKeyring.with_keystore(ks, key.key_id, principal=bob))
    decrypts = [(r.principal, r.outcome) for r in ks.audit.records() if r.operation == "Decrypt"]
    assert (alice, "Success") in decrypts
    assert (bob, "AccessDeniedException") in decrypts
    with pytest.raises(AccessDeniedException):
        AwsKmsRsaKeyring.with_keystore(ks, key.key_id, principal="arn:aws:iam::444455556666:root")
