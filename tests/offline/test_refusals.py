"""KMS refusal rules and limits: usage, algorithm, message and plaintext sizes (issue 2 §5)."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from kmskit.offline import (
    InvalidKeyUsageException,
    PrivateKey,
    ValidationException,
    derive_shared_secret,
    encrypt,
    load_public_key,
    sign,
    verify,
)
from kmskit.offline.specs import KeySpec, max_plaintext

_RSA = {
    bits: rsa.generate_private_key(public_exponent=65537, key_size=bits)
    for bits in (2048, 3072, 4096)
}
_P256 = ec.generate_private_key(ec.SECP256R1())


def _public_json(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, usage: str) -> bytes:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return json.dumps({"PublicKey": base64.b64encode(der).decode(), "KeyUsage": usage}).encode()


@pytest.mark.parametrize("bits", [2048, 3072, 4096])
@pytest.mark.parametrize(
    ("algorithm", "hash_len"), [("RSAES_OAEP_SHA_1", 20), ("RSAES_OAEP_SHA_256", 32)]
)
def test_oaep_plaintext_limits(bits: int, algorithm: str, hash_len: int) -> None:
    # RFC 8017 §7.1.1: mLen ≤ k − 2·hLen − 2. This is the independent source for the table.
    limit = bits // 8 - 2 * hash_len - 2
    assert max_plaintext(KeySpec(f"RSA_{bits}"), algorithm) == limit  # type: ignore[arg-type]
    pub = load_public_key(_public_json(_RSA[bits], "ENCRYPT_DECRYPT"))
    assert len(encrypt(pub, b"\x01" * limit, algorithm)) == bits // 8
    with pytest.raises(ValidationException, match=f"1 to {limit} bytes"):
        encrypt(pub, b"\x01" * (limit + 1), algorithm)
    with pytest.raises(ValidationException):
        encrypt(pub, b"", algorithm)


@pytest.mark.parametrize("usage", ["SIGN_VERIFY"])
def test_encrypt_refuses_a_signing_key_unless_forced(usage: str) -> None:
    pub = load_public_key(_public_json(_RSA[2048], usage))
    with pytest.raises(InvalidKeyUsageException, match="SIGN_VERIFY"):
        encrypt(pub, b"data", "RSAES_OAEP_SHA_256")
    assert len(encrypt(pub, b"data", "RSAES_OAEP_SHA_256", force=True)) == 256


def test_encrypt_with_unknown_usage_is_allowed() -> None:
    pem = (
        _RSA[2048]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert len(encrypt(load_public_key(pem), b"data", "RSAES_OAEP_SHA_1")) == 256


def test_force_does_not_override_an_impossible_algorithm() -> None:
    pub = load_public_key(_public_json(_P256, "KEY_AGREEMENT"))
    for force in (False, True):
        with pytest.raises(InvalidKeyUsageException, match="not valid for key spec"):
            encrypt(pub, b"data", "RSAES_OAEP_SHA_256", force=force)


def test_sign_verify_usage_and_algorithm() -> None:
    pub = load_public_key(_public_json(_P256, "KEY_AGREEMENT"))
    priv = PrivateKey.from_key(_P256)
    sig = sign(priv, b"msg", "ECDSA_SHA_256")
    with pytest.raises(InvalidKeyUsageException, match="KEY_AGREEMENT"):
        verify(pub, b"msg", sig, "ECDSA_SHA_256")
    assert verify(pub, b"msg", sig, "ECDSA_SHA_256", force=True)
    with pytest.raises(InvalidKeyUsageException):
        sign(priv, b"msg", "RSASSA_PSS_SHA_256")
    with pytest.raises(ValidationException, match="unknown signing algorithm"):
        sign(priv, b"msg", "ECDSA_SHA_999")


def test_raw_message_limit_and_digest_lengths() -> None:
    priv = PrivateKey.from_key(_P256)
    sign(priv, b"x" * 4096, "ECDSA_SHA_256")
    with pytest.raises(ValidationException, match="4096"):
        sign(priv, b"x" * 4097, "ECDSA_SHA_256")
    digest = hashlib.sha256(b"msg").digest()
    sig = sign(priv, digest, "ECDSA_SHA_256", "DIGEST")
    # DIGEST and RAW of the same message give interchangeable signatures, as in KMS.
    assert verify(priv.public_key(), b"msg", sig, "ECDSA_SHA_256", "RAW")
    for wrong in (digest[:-1], digest + b"\0", hashlib.sha384(b"msg").digest()):
        with pytest.raises(ValidationException, match="exactly 32 bytes"):
            sign(priv, wrong, "ECDSA_SHA_256", "DIGEST")
    with pytest.raises(ValidationException, match="does not accept MessageType"):
        sign(priv, b"\0" * 64, "ECDSA_SHA_256", "EXTERNAL_MU")


def test_sm2_id_only_for_sm2dsa() -> None:
    priv = PrivateKey.from_key(_P256)
    with pytest.raises(ValidationException, match="SM2DSA"):
        sign(priv, b"msg", "ECDSA_SHA_256", sm2_id=b"alice")


def test_ecdh_refusals() -> None:
    alice = PrivateKey.from_key(_P256)
    bob_p384 = load_public_key(
        _public_json(ec.generate_private_key(ec.SECP384R1()), "KEY_AGREEMENT")
    )
    with pytest.raises(ValidationException, match="same curve"):
        derive_shared_secret(alice, bob_p384)
    signing_peer = load_public_key(
        _public_json(ec.generate_private_key(ec.SECP256R1()), "SIGN_VERIFY")
    )
    with pytest.raises(InvalidKeyUsageException, match="SIGN_VERIFY"):
        derive_shared_secret(alice, signing_peer)
    assert len(derive_shared_secret(alice, signing_peer, force=True)) == 32
    k1 = PrivateKey.from_key(ec.generate_private_key(ec.SECP256K1()))
    with pytest.raises(InvalidKeyUsageException, match="ECC_SECG_P256K1"):
        derive_shared_secret(k1, k1.public_key())
    rsa_priv = PrivateKey.from_key(_RSA[2048])
    with pytest.raises(InvalidKeyUsageException):
        derive_shared_secret(rsa_priv, rsa_priv.public_key())
