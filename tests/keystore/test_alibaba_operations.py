"""The keystore's Alibaba Cloud KMS operations and rules: AES_128 keys (Aliyun_AES_128),
GenerateAndExportDataKey, and ``api="alibaba"`` (base64-text data keys, SM2PKE up to 6047
bytes, text-only Decrypt).

Known answers come from outside the code under test: blobs are opened by hand with
``cryptography``'s AES-128-GCM from the layout of docs/keystore.md, exported keys with the
RSA private key (SM2 exports are opened by openssl in tests/interop/test_aliyun_kms_sdks.py),
limits from Alibaba's and AWS's API references.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest
from aws_encryption_sdk.internal.formatting.encryption_context import (
    serialize_encryption_context as esdk_serialize,
)
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kmskit.keystore import Keystore
from kmskit.keystore.api import call
from kmskit.keystore.api_table import operation_named
from kmskit.offline.errors import (
    AccessDeniedException,
    InvalidKeyUsageException,
    PlaintextNotTextException,
    ValidationException,
)
from tests.keystore.test_blob import _material_by_hand

CONTEXT = {"purpose": "test"}
ROOT = "arn:aws:iam::111122223333:root"
BOB = "arn:aws:iam::111122223333:user/bob"


def _rsa_2048() -> tuple[rsa.RSAPrivateKey, bytes]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, der


# -- AES_128 ----------------------------------------------------------------------------------


def test_aes_128_blob_opens_by_hand_with_aes_128_gcm(ks: Keystore, home: Path) -> None:
    key = ks.create_key(key_spec="Aliyun_AES_128")
    assert (key.key_spec, key.encryption_algorithms) == ("AES_128", ("SYMMETRIC_DEFAULT",))
    blob = ks.encrypt(key.key_id, b"sixteen-byte key", encryption_context=CONTEXT)
    raw = blob.ciphertext_blob
    material = _material_by_hand(home, key.key_id, 1)
    assert len(material) == 16  # AES-128
    aad = raw[:33] + esdk_serialize(CONTEXT)
    assert AESGCM(material).decrypt(raw[21:33], raw[33:], aad) == b"sixteen-byte key"
    assert bytes(ks.decrypt(raw, encryption_context=CONTEXT).plaintext) == b"sixteen-byte key"


def test_aes_128_data_keys_reencrypt_and_rotation(ks: Keystore) -> None:
    key = ks.create_key(key_spec="AES_128")
    # As a SYMMETRIC_DEFAULT key (AWS): a data key needs KeySpec or NumberOfBytes.
    with pytest.raises(ValidationException):
        ks.generate_data_key(key.key_id)
    made = ks.generate_data_key(key.key_id, key_spec="AES_256")
    assert made.plaintext is not None and len(made.plaintext) == 32
    assert ks.decrypt(made.ciphertext_blob).plaintext == made.plaintext
    other = ks.create_key()
    moved = ks.re_encrypt(made.ciphertext_blob, other.key_id)
    back = ks.re_encrypt(moved.ciphertext_blob, key.key_id)
    assert ks.decrypt(back.ciphertext_blob).plaintext == made.plaintext
    ks.rotate_key_on_demand(key.key_id)
    assert ks.decrypt(made.ciphertext_blob).plaintext == made.plaintext


def test_aes_128_material_imports_16_bytes(ks: Keystore) -> None:
    key = ks.create_key(key_spec="AES_128", origin="EXTERNAL")
    params = ks.get_parameters_for_import(
        key.key_id, wrapping_algorithm="RSAES_OAEP_SHA_256", wrapping_key_spec="RSA_2048"
    )
    public = serialization.load_der_public_key(params.public_key)
    assert isinstance(public, rsa.RSAPublicKey)
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    from kmskit.offline.errors import IncorrectKeyMaterialException

    with pytest.raises(IncorrectKeyMaterialException, match="16 bytes"):
        ks.import_key_material(
            key.key_id,
            import_token=params.import_token,
            encrypted_key_material=public.encrypt(bytes(32), oaep),
            expiration_model="KEY_MATERIAL_DOES_NOT_EXPIRE",
        )
    material = os.urandom(16)
    ks.import_key_material(
        key.key_id,
        import_token=params.import_token,
        encrypted_key_material=public.encrypt(material, oaep),
        expiration_model="KEY_MATERIAL_DOES_NOT_EXPIRE",
    )
    blob = ks.encrypt(key.key_id, b"imported").ciphertext_blob
    assert AESGCM(material).decrypt(blob[21:33], blob[33:], blob[:33]) == b"imported"


def test_aes_128_key_wraps_envelope_data_keys(ks: Keystore) -> None:
    from kmskit.envelope import decrypt, encrypt
    from kmskit.envelope.keyrings import KeystoreKeyring

    keyring = KeystoreKeyring(ks, ks.create_key(key_spec="AES_128").key_id)
    message = encrypt(b"enveloped", keyrings=keyring, encryption_context=CONTEXT)
    assert decrypt(message, keyrings=keyring)[0] == b"enveloped"


# -- Alibaba's rules --------------------------------------------------------------------------


def test_alibaba_data_key_seals_its_base64_text(ks: Keystore) -> None:
    key = ks.create_key()
    made = ks.generate_data_key(key.key_id, number_of_bytes=24, api="alibaba")
    assert made.plaintext is not None
    assert len(base64.b64decode(bytes(made.plaintext), validate=True)) == 24
    assert ks.decrypt(made.ciphertext_blob).plaintext == made.plaintext
    record = [r for r in ks.audit.records() if r.operation == "GenerateDataKey"][-1]
    assert record.parameters["Api"] == "alibaba"


def test_sm2pke_limits_by_api(ks: Keystore) -> None:
    key = ks.create_key(key_spec="SM2", key_usage="ENCRYPT_DECRYPT")
    for api, longest in (("aws", 1024), ("alibaba", 6047)):
        data = os.urandom(longest)
        ciphertext = ks.encrypt(key.key_id, data, encryption_algorithm="SM2PKE", api=api)
        opened = ks.decrypt(
            ciphertext.ciphertext_blob, key_id=key.key_id, encryption_algorithm="SM2PKE", api=api
        )
        assert bytes(opened.plaintext) == data
        with pytest.raises(ValidationException):
            ks.encrypt(key.key_id, os.urandom(longest + 1), encryption_algorithm="SM2PKE", api=api)
    # The longest Alibaba ciphertext is over AWS's 6144-byte CiphertextBlob.
    assert len(ciphertext.ciphertext_blob) > 6144
    with pytest.raises(ValidationException, match="6144"):
        ks.decrypt(ciphertext.ciphertext_blob, key_id=key.key_id, encryption_algorithm="SM2PKE")


def test_alibaba_decrypt_refuses_binary_plaintext_in_the_operation(ks: Keystore) -> None:
    key = ks.create_key()
    blob = ks.encrypt(key.key_id, b"\xff\xfe\x00binary").ciphertext_blob
    with pytest.raises(PlaintextNotTextException, match="not UTF-8"):
        ks.decrypt(blob, api="alibaba")
    record = list(ks.audit.records())[-1]
    assert (record.operation, record.outcome) == ("Decrypt", "UnsupportedOperationException")
    assert bytes(ks.decrypt(blob).plaintext) == b"\xff\xfe\x00binary"
    text = ks.encrypt(key.key_id, "text 世界".encode()).ciphertext_blob
    assert bytes(ks.decrypt(text, api="alibaba").plaintext).decode() == "text 世界"


# -- GenerateAndExportDataKey ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("algorithm", "digest"),
    [("RSAES_OAEP_SHA_256", hashes.SHA256()), ("RSAES_OAEP_SHA_1", hashes.SHA1())],  # noqa: S303
)
def test_export_to_rsa(ks: Keystore, algorithm: str, digest: hashes.HashAlgorithm) -> None:
    key = ks.create_key(key_spec="Aliyun_SM4")
    private, der = _rsa_2048()
    made = ks.generate_and_export_data_key(
        key.key_id,
        public_key_blob=der,
        wrapping_key_spec="RSA_2048",
        wrapping_algorithm=algorithm,
        key_spec="AES_128",
        encryption_context=CONTEXT,
    )
    oaep = padding.OAEP(mgf=padding.MGF1(digest), algorithm=digest, label=None)
    text = private.decrypt(made.exported_data_key, oaep)
    assert bytes(ks.decrypt(made.ciphertext_blob, encryption_context=CONTEXT).plaintext) == text
    assert len(base64.b64decode(text, validate=True)) == 16
    current = ks.describe_key(key.key_id).current_key_material_id
    assert made.to_response()["KeyMaterialId"] == current


def test_export_refusals(ks: Keystore) -> None:
    key = ks.create_key()
    _, rsa_der = _rsa_2048()
    p256 = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    bad: list[dict[str, Any]] = [
        {"public_key_blob": rsa_der, "wrapping_key_spec": "RSA_3072",
         "wrapping_algorithm": "RSAES_OAEP_SHA_256"},
        {"public_key_blob": rsa_der, "wrapping_key_spec": "RSA_2048",
         "wrapping_algorithm": "SM2PKE"},
        {"public_key_blob": p256, "wrapping_key_spec": "EC_SM2", "wrapping_algorithm": "SM2PKE"},
        {"public_key_blob": b"not DER", "wrapping_key_spec": "RSA_2048",
         "wrapping_algorithm": "RSAES_OAEP_SHA_1"},
        # 1024 bytes of data key are 1368 of base64 text: more than RSA-OAEP takes.
        {"public_key_blob": rsa_der, "wrapping_key_spec": "RSA_2048",
         "wrapping_algorithm": "RSAES_OAEP_SHA_256", "number_of_bytes": 1024},
    ]  # fmt: skip
    for kwargs in bad:
        with pytest.raises(ValidationException):
            ks.generate_and_export_data_key(key.key_id, **kwargs)
    signing = ks.create_key(key_spec="SM2", key_usage="SIGN_VERIFY")
    with pytest.raises(InvalidKeyUsageException):
        ks.generate_and_export_data_key(
            signing.key_id, public_key_blob=rsa_der, wrapping_key_spec="RSA_2048",
            wrapping_algorithm="RSAES_OAEP_SHA_256",
        )  # fmt: skip


def test_export_needs_its_own_action(ks: Keystore) -> None:
    """GenerateAndExportDataKey is checked as kms:GenerateAndExportDataKey (Alibaba's RAM
    action), not as kms:GenerateDataKey: a Deny of the one leaves the other alone."""
    account = {"Sid": "Account", "Effect": "Allow", "Principal": {"AWS": ROOT},
               "Action": "kms:*", "Resource": "*"}  # fmt: skip

    def deny(action: str) -> str:
        statement = {"Sid": "NoBob", "Effect": "Deny", "Principal": {"AWS": BOB},
                     "Action": action, "Resource": "*"}  # fmt: skip
        return json.dumps({"Version": "2012-10-17", "Statement": [account, statement]})

    key = ks.create_key(policy=deny("kms:GenerateDataKey*"))
    _, der = _rsa_2048()
    request = {
        "KeyId": key.key_id, "PublicKeyBlob": der, "WrappingKeySpec": "RSA_2048",
        "WrappingAlgorithm": "RSAES_OAEP_SHA_256",
    }  # fmt: skip
    operation = operation_named("GenerateAndExportDataKey")
    with ks.as_caller(principal=BOB):
        assert call(ks, operation, dict(request)) is not None
    record = list(ks.audit.records())[-1]
    assert (record.operation, record.principal) == ("GenerateAndExportDataKey", BOB)
    assert record.authorization is not None
    assert record.authorization[0]["Action"] == "kms:GenerateAndExportDataKey"
    ks.put_key_policy(key.key_id, deny("kms:GenerateAndExport*"))
    with ks.as_caller(principal=BOB), pytest.raises(
        AccessDeniedException, match="kms:GenerateAndExportDataKey"
    ):
        call(ks, operation, dict(request))
