"""The aws-kms-rsa keyring (docs/format.md#aws-kms-rsa-keyring) without a peer.

The layout is checked from the specification (framework/aws-kms/aws-kms-rsa-keyring.md),
with the context serialized here by hand and RSA-OAEP undone with ``cryptography``; the
peer checks (the MPL both ways) are in tests/interop/test_envelope_mpl.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from kmskit.envelope import decrypt, encrypt
from kmskit.envelope.keyrings import AwsKmsKeyring, AwsKmsRsaKeyring, EncryptedDataKey, RsaKeyring
from kmskit.offline.errors import (
    IncorrectKeyException,
    InvalidCiphertextException,
    InvalidKeyUsageException,
    KeyringMismatch,
    UnsupportedMessageError,
    ValidationException,
)
from tests.envelope._helpers import rsa_private_pem

ARN = "arn:aws:kms:eu-west-1:111122223333:key/0a1b2c3d-1111-2222-3333-444455556666"
CONTEXT = {"b": "2", "a": "1"}


def _private() -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(rsa_private_pem(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def _json(usage: str = "ENCRYPT_DECRYPT", key_id: str = ARN) -> bytes:
    der = _private().public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    doc: dict[str, Any] = {
        "KeyId": key_id,
        "PublicKey": base64.b64encode(der).decode(),
        "KeySpec": "RSA_2048",
        "KeyUsage": usage,
    }
    if usage == "ENCRYPT_DECRYPT":
        doc["EncryptionAlgorithms"] = ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
    return json.dumps(doc).encode()


def _serialized(context: dict[str, str]) -> bytes:
    # ESDK serialization: uint16 count, then sorted uint16-prefixed key and value.
    if not context:
        return b""
    out = struct.pack(">H", len(context))
    for key in sorted(context, key=lambda k: k.encode()):
        for part in (key.encode(), context[key].encode()):
            out += struct.pack(">H", len(part)) + part
    return out


@pytest.mark.parametrize("algorithm", ["RSAES_OAEP_SHA_256", "RSAES_OAEP_SHA_1"])
@pytest.mark.parametrize("context", [{}, CONTEXT], ids=["empty", "context"])
def test_edk_layout(algorithm: str, context: dict[str, str]) -> None:
    keyring = AwsKmsRsaKeyring.from_public_key(_json(), algorithm=algorithm)
    data_key = bytes(range(32))
    edk = keyring.wrap(data_key, context)
    assert edk.provider_id == "aws-kms-rsa"
    assert edk.provider_info == ARN.encode()
    h = hashes.SHA256() if algorithm.endswith("256") else hashes.SHA1()  # noqa: S303 (KMS OAEP)
    plaintext = _private().decrypt(
        edk.ciphertext, padding.OAEP(mgf=padding.MGF1(h), algorithm=h, label=None)
    )
    assert plaintext == hashlib.sha384(_serialized(context)).digest() + data_key
    opened = AwsKmsRsaKeyring.with_private_key(ARN, rsa_private_pem()).unwrap(edk, context)
    assert bytes(opened) == data_key


def test_round_trip_and_context_binding() -> None:
    wrapping = AwsKmsRsaKeyring.from_public_key(_json())
    message = encrypt(b"data", keyrings=wrapping, encryption_context=CONTEXT)
    opening = AwsKmsRsaKeyring.with_private_key(ARN, rsa_private_pem())
    assert decrypt(message, keyrings=opening)[0] == b"data"
    edk = wrapping.wrap(bytes(32), CONTEXT)
    with pytest.raises(InvalidCiphertextException, match="another encryption context"):
        opening.unwrap(edk, {"a": "1"})


def test_signed_suites_are_refused_both_ways() -> None:
    wrapping = AwsKmsRsaKeyring.from_public_key(_json())
    with pytest.raises(UnsupportedMessageError, match="signed"):
        encrypt(b"x", keyrings=wrapping, algorithm="AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384")
    edk = wrapping.wrap(bytes(32), {})
    opening = AwsKmsRsaKeyring.with_private_key(ARN, rsa_private_pem())
    with pytest.raises(UnsupportedMessageError):
        opening.unwrap(edk, {"aws-crypto-public-key": "AAAA"})


def test_not_mine_and_bad_configuration() -> None:
    opening = AwsKmsRsaKeyring.with_private_key(ARN, rsa_private_pem())
    other = EncryptedDataKey("aws-kms-rsa", (ARN[:-1] + "7").encode(), b"x")
    with pytest.raises(KeyringMismatch):
        opening.unwrap(other, {})
    with pytest.raises(KeyringMismatch):
        opening.unwrap(EncryptedDataKey("aws-kms", ARN.encode(), b"x"), {})
    with pytest.raises(KeyringMismatch, match="no private key"):
        AwsKmsRsaKeyring.from_public_key(_json()).unwrap(
            EncryptedDataKey("aws-kms-rsa", ARN.encode(), b"x"), {}
        )
    with pytest.raises(ValidationException, match="ARN"):
        AwsKmsRsaKeyring.from_public_key(_json(key_id="1234abcd-12ab-34cd-56ef-1234567890ab"))
    with pytest.raises(ValidationException, match="RSAES_OAEP"):
        AwsKmsRsaKeyring.from_public_key(_json(), algorithm="RSAES_OAEP_SHA_512")
    with pytest.raises(InvalidKeyUsageException, match="SIGN_VERIFY"):
        AwsKmsRsaKeyring.from_public_key(_json("SIGN_VERIFY"))
    assert AwsKmsRsaKeyring.from_public_key(_json("SIGN_VERIFY"), force=True).key_arn == ARN


class _FakeKms:
    """Stands for boto3's KMS client: checks the request, answers with the private key."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def decrypt(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        h = {"RSAES_OAEP_SHA_1": hashes.SHA1, "RSAES_OAEP_SHA_256": hashes.SHA256}[
            request["EncryptionAlgorithm"]
        ]()
        try:
            oaep = padding.OAEP(mgf=padding.MGF1(h), algorithm=h, label=None)
            plaintext = _private().decrypt(request["CiphertextBlob"], oaep)
        except ValueError:
            from botocore.exceptions import ClientError

            error = {"Error": {"Code": "InvalidCiphertextException", "Message": "no"}}
            raise ClientError(error, "Decrypt") from None  # type: ignore[arg-type]
        return {"KeyId": request["KeyId"], "Plaintext": plaintext}


def test_unwrap_through_kms_decrypt_with_the_rsa_algorithm() -> None:
    fake = _FakeKms()
    kms = AwsKmsKeyring(ARN, client=fake)
    through_kms = AwsKmsRsaKeyring(ARN, decrypt=kms.rsa_decrypt)
    message = encrypt(
        b"via kms",
        keyrings=AwsKmsRsaKeyring.from_public_key(_json(), algorithm="RSAES_OAEP_SHA_1"),
        encryption_context=CONTEXT,
    )
    assert decrypt(message, keyrings=through_kms)[0] == b"via kms"
    # SHA-256 is tried first, KMS refuses it, then SHA-1 opens the EDK.
    assert [r["EncryptionAlgorithm"] for r in fake.requests] == [
        "RSAES_OAEP_SHA_256",
        "RSAES_OAEP_SHA_1",
    ]
    assert all(r["KeyId"] == ARN and "EncryptionContext" not in r for r in fake.requests)


def test_kms_answering_for_another_key_is_refused() -> None:
    class Liar(_FakeKms):
        def decrypt(self, **request: Any) -> dict[str, Any]:
            return {**super().decrypt(**request), "KeyId": ARN[:-1] + "7"}

    kms = AwsKmsKeyring(ARN, client=Liar())
    message = encrypt(b"x", keyrings=AwsKmsRsaKeyring.from_public_key(_json()))
    with pytest.raises(IncorrectKeyException):
        decrypt(message, keyrings=AwsKmsRsaKeyring(ARN, decrypt=kms.rsa_decrypt))


def test_raw_rsa_paddings_kms_cannot_unwrap_are_refused_for_kms_keys() -> None:
    with pytest.raises(InvalidKeyUsageException, match="KMS unwraps"):
        RsaKeyring("ns", "n", public_key=_json(), algorithm="RSAES_OAEP_SHA_512")
    forced = RsaKeyring("ns", "n", public_key=_json(), algorithm="RSAES_OAEP_SHA_512", force=True)
    assert forced.padding == "RSAES_OAEP_SHA_512"
    with pytest.raises(ValidationException, match="must be one of"):
        RsaKeyring("ns", "n", public_key=_json(), algorithm="RSAES_OAEP_SHA_3")
