"""GenerateDataKeyPair(WithoutPlaintext) for every KeyPairSpec: PKCS #8 and SPKI that the
offline layer, ``cryptography`` and ``openssl`` read, and a private key blob that Decrypt
turns back into the same PKCS #8."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from kmskit.keystore import Keystore
from kmskit.offline import load_private_key, load_public_key, sign, verify
from kmskit.offline.errors import (
    InvalidCiphertextException,
    InvalidKeyUsageException,
    ValidationException,
)
from kmskit.offline.specs import KeySpec, profile
from tests.keystore._peers import openssl

CONTEXT = {"purpose": "key pair"}
# RSA_4096 is generated once here (slow); everything else is quick.
SPECS = [
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "ECC_NIST_P256",
    "ECC_NIST_P384",
    "ECC_NIST_P521",
    "ECC_SECG_P256K1",
    "ECC_NIST_EDWARDS25519",
    "SM2",
]


@pytest.mark.parametrize("spec", SPECS)
def test_data_key_pair_for_every_spec(ks: Keystore, spec: str) -> None:
    wrapping = ks.create_key()
    result = ks.generate_data_key_pair(
        wrapping.key_id, key_pair_spec=spec, encryption_context=CONTEXT
    )
    assert result.private_key_plaintext is not None
    pkcs8 = bytes(result.private_key_plaintext)
    private = load_private_key(pkcs8)
    assert private.spec is KeySpec(spec)
    assert private.public_key().spki_der() == result.public_key
    assert load_public_key(result.public_key).spec is KeySpec(spec)
    if spec != "SM2":  # cryptography has no SM2
        serialization.load_der_private_key(pkcs8, password=None)
    # Decrypt of the blob (with its context) gives back exactly that PKCS #8
    opened = ks.decrypt(result.private_key_ciphertext_blob, encryption_context=CONTEXT)
    assert bytes(opened.plaintext) == pkcs8
    assert opened.key_material_id == result.key_material_id
    with pytest.raises(InvalidCiphertextException):
        ks.decrypt(result.private_key_ciphertext_blob)
    # and the pair works: sign with the private key, verify with the public key
    algorithm = profile(KeySpec(spec)).signing[0]
    message = b"data key pair"
    assert verify(
        load_public_key(result.public_key), message, sign(private, message, algorithm), algorithm
    )
    response = result.to_response()
    assert list(response) == [
        "PrivateKeyCiphertextBlob",
        "PrivateKeyPlaintext",
        "PublicKey",
        "KeyId",
        "KeyPairSpec",
        "KeyMaterialId",
    ]
    assert response["KeyId"] == wrapping.arn and response["KeyPairSpec"] == spec
    assert base64.b64decode(response["PrivateKeyPlaintext"]) == pkcs8
    as_json = json.dumps({"PrivateKeyPlaintext": response["PrivateKeyPlaintext"]}).encode()
    assert load_private_key(as_json).spec is KeySpec(spec)  # the KMS response JSON form
    result.wipe()
    assert result.private_key_plaintext == bytearray()


@pytest.mark.interop
@pytest.mark.parametrize("spec", ["ECC_NIST_P256", "SM2", "ECC_NIST_EDWARDS25519"])
def test_openssl_reads_the_key_pair(
    ks: Keystore, tmp_path: Path, openssl_bin: str, spec: str
) -> None:
    result = ks.generate_data_key_pair(ks.create_key().key_id, key_pair_spec=spec)
    assert result.private_key_plaintext is not None
    (tmp_path / "k.der").write_bytes(bytes(result.private_key_plaintext))
    public = openssl(
        openssl_bin,
        "pkey",
        "-inform",
        "DER",
        "-in",
        tmp_path / "k.der",
        "-pubout",
        "-outform",
        "DER",
    )
    assert public == result.public_key


def test_without_plaintext_and_errors(ks: Keystore) -> None:
    wrapping = ks.create_key(key_spec="SM4")
    result = ks.generate_data_key_pair_without_plaintext(wrapping.key_id, key_pair_spec="SM2")
    assert result.private_key_plaintext is None
    assert "PrivateKeyPlaintext" not in result.to_response()
    pkcs8 = bytes(ks.decrypt(result.private_key_ciphertext_blob).plaintext)
    assert load_private_key(pkcs8).public_key().spki_der() == result.public_key
    for bad in ("ML_DSA_44", "ML_KEM_512", "HMAC_256", "SYMMETRIC_DEFAULT", "rsa_2048"):
        with pytest.raises(ValidationException):
            ks.generate_data_key_pair(wrapping.key_id, key_pair_spec=bad)
    for not_symmetric in (
        ks.create_key(key_spec="RSA_2048", key_usage="ENCRYPT_DECRYPT"),
        ks.create_key(key_spec="HMAC_256", key_usage="GENERATE_VERIFY_MAC"),
    ):
        with pytest.raises(InvalidKeyUsageException):
            ks.generate_data_key_pair(not_symmetric.key_id, key_pair_spec="ECC_NIST_P256")
    records = [r for r in ks.audit.records() if r.operation.startswith("GenerateDataKeyPair")]
    assert records[0].parameters == {"KeyId": wrapping.key_id, "KeyPairSpec": "SM2"}
