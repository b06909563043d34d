"""RSA key derivation and the RFC 8017 encoders the generator builds by hand."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from kmskit.vectors import _rsa_math as m
from kmskit.vectors._drbg import Drbg

SEED = "kmskit-sets-v1"


def test_keys_do_not_depend_on_gmpy2() -> None:
    rng = Drbg(SEED, "rsa-2048/key0/p")
    assert m.prime(Drbg(SEED, "rsa-2048/key0/p"), 1024, is_prime=m.miller_rabin) == m.prime(
        rng, 1024
    )


@pytest.mark.parametrize(
    ("n", "prime"),
    [
        (2, True),
        (3, True),
        (97, True),
        (561, False),
        (3215031751, False),
        (2**127 - 1, True),
        (2**128 + 1, False),
        ((2**61 - 1) * (2**89 - 1), False),
    ],
)
def test_miller_rabin(n: int, prime: bool) -> None:
    assert m.miller_rabin(n) is prime


def test_the_shipped_rsa_key_is_the_drbg_key(shipped_docs: dict[str, dict[str, Any]]) -> None:
    key = m.private_key(Drbg(SEED, "rsa-2048/key0"), 2048)
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert shipped_docs["rsa-pss"]["testGroups"][0]["publicKeyDer"] == der.hex()
    assert key.public_key().public_numbers().e == m.E
    pn = key.private_numbers()
    assert pn.p > pn.q and pn.p.bit_length() == pn.q.bit_length() == 1024


def test_encoders_against_cryptography() -> None:
    key = m.private_key(Drbg(SEED, "rsa-2048/key0"), 2048)
    pub = key.public_key()
    msg = b"rfc 8017"
    digest = m.hash_bytes("SHA-256", msg)
    salt = bytes(range(32))
    em = m.emsa_pss(digest, salt, 2048, hash_name="SHA-256", mgf_hash="SHA-256")
    sig = m.rsa_private(key, int.from_bytes(em, "big")).to_bytes(256, "big")
    pub.verify(sig, msg, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    t = m.digest_info("SHA-256", digest)
    sig = m.rsa_private(key, int.from_bytes(m.emsa_pkcs1(t, 256), "big")).to_bytes(256, "big")
    assert sig == key.sign(msg, padding.PKCS1v15(), hashes.SHA256())
    em = m.eme_oaep(msg, bytes(32), 256, hash_name="SHA-256", mgf_hash="SHA-256")
    ct = m.rsa_public(pub, int.from_bytes(em, "big")).to_bytes(256, "big")
    oaep = padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None)
    assert key.decrypt(ct, oaep) == msg


def test_encoder_limits() -> None:
    key = m.private_key(Drbg(SEED, "rsa-2048/key0"), 2048)
    n = key.public_key().public_numbers().n
    with pytest.raises(ValueError):
        m.rsa_private(key, n)
    with pytest.raises(ValueError):
        m.rsa_public(key.public_key(), -1)
    with pytest.raises(ValueError):
        m.eme_oaep(bytes(200), bytes(32), 256, hash_name="SHA-256", mgf_hash="SHA-256")
    with pytest.raises(ValueError):
        m.emsa_pkcs1(bytes(250), 256)
