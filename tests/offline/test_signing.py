"""Sign/verify round trips for the algorithms OpenSSL 3.0 cannot check, against other peers.

ML-DSA EXTERNAL_MU is checked with ``cryptography``'s pure ML-DSA verify of the message
(μ computed from FIPS 204 §6.2 with hashlib); ED25519_PH_SHA_512 with PyCryptodome's
Ed25519ph, given the caller's digest as the message, which is what KMS signs (docs/offline.md).
"""

from __future__ import annotations

import hashlib

import pytest
from Crypto.Hash import SHA512
from Crypto.PublicKey import ECC
from Crypto.Signature import eddsa
from cryptography.hazmat.primitives.asymmetric import ed25519, mldsa

from kmskit.offline import (
    KMSInvalidSignatureException,
    PrivateKey,
    generate_private_key,
    sign,
    verify,
)
from kmskit.offline.specs import KeySpec


@pytest.mark.parametrize("spec", [KeySpec.ML_DSA_44, KeySpec.ML_DSA_65, KeySpec.ML_DSA_87])
def test_mldsa_external_mu_signature_verifies_as_pure_mldsa(spec: KeySpec) -> None:
    priv = generate_private_key(spec)
    key = priv.key
    assert isinstance(
        key, mldsa.MLDSA44PrivateKey | mldsa.MLDSA65PrivateKey | mldsa.MLDSA87PrivateKey
    )
    message = b"firmware image v1.2.3"
    tr = hashlib.shake_256(key.public_key().public_bytes_raw()).digest(64)
    mu = hashlib.shake_256(tr + b"\x00\x00" + message).digest(64)
    signature = sign(priv, mu, "ML_DSA_SHAKE_256", "EXTERNAL_MU")
    key.public_key().verify(signature, message)  # raises if kmskit signed the wrong thing
    assert verify(priv.public_key(), message, signature, "ML_DSA_SHAKE_256")
    with pytest.raises(KMSInvalidSignatureException):
        verify(priv.public_key(), bytes(64), signature, "ML_DSA_SHAKE_256", "EXTERNAL_MU")


def test_ed25519ph_matches_pycryptodome_over_the_digest() -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    priv = PrivateKey.from_key(key)
    digest = hashlib.sha512(b"the message").digest()
    signature = sign(priv, digest, "ED25519_PH_SHA_512", "DIGEST")
    peer = ECC.construct(curve="Ed25519", seed=key.private_bytes_raw())
    # KMS hashes the DIGEST once more: Ed25519ph of the message `digest`.
    assert eddsa.new(peer, "rfc8032").sign(SHA512.new(digest)) == signature
    assert verify(priv.public_key(), digest, signature, "ED25519_PH_SHA_512", "DIGEST")
    pure = key.sign(digest)
    with pytest.raises(KMSInvalidSignatureException):
        verify(priv.public_key(), digest, pure, "ED25519_PH_SHA_512", "DIGEST")


@pytest.mark.parametrize(
    ("spec", "algorithm"),
    [
        (KeySpec.RSA_2048, "RSASSA_PSS_SHA_384"),
        (KeySpec.RSA_2048, "RSASSA_PKCS1_V1_5_SHA_512"),
        (KeySpec.ECC_NIST_P521, "ECDSA_SHA_512"),
        (KeySpec.ECC_SECG_P256K1, "ECDSA_SHA_256"),
        (KeySpec.ECC_NIST_EDWARDS25519, "ED25519_SHA_512"),
        (KeySpec.ML_DSA_65, "ML_DSA_SHAKE_256"),
        (KeySpec.SM2, "SM2DSA"),
    ],
)
def test_tampering_is_rejected(spec: KeySpec, algorithm: str) -> None:
    priv = generate_private_key(spec)
    pub = priv.public_key()
    signature = sign(priv, b"message", algorithm)
    assert verify(pub, b"message", signature, algorithm)
    with pytest.raises(KMSInvalidSignatureException):
        verify(pub, b"messagE", signature, algorithm)
    flipped = bytearray(signature)
    flipped[len(flipped) // 2] ^= 0x01
    with pytest.raises(KMSInvalidSignatureException):
        verify(pub, b"message", bytes(flipped), algorithm)
    with pytest.raises(KMSInvalidSignatureException):
        verify(pub, b"message", signature[:-1], algorithm)
