"""``digest_of_stream``: the DIGEST (or μ) of a file, for every family that has a digest mode.

Known answers: signatures over whole files made by the openssl CLI (RSA, ECDSA, SM2 with the
default ID), ``cryptography``'s pure ML-DSA (which computes μ itself), and the FIPS 180-2
SHA-512 test value for Ed25519ph.
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, mldsa

from kmskit.offline.errors import (
    InvalidKeyUsageException,
    KMSInvalidSignatureException,
    ValidationException,
)
from kmskit.offline.file_digest import digest_of_stream
from kmskit.offline.keys import PrivateKey, PublicKey, load_public_key
from kmskit.offline.signing import sign, verify
from kmskit.offline.specs import MessageType

# Spans several chunks and ends mid-chunk.
CONTENT = bytes(range(256)) * 9000 + b"tail"
CHUNK = 1 << 16


def _openssl(*args: str | Path) -> bytes:
    return subprocess.run(
        ["openssl", *map(str, args)], capture_output=True, check=True, timeout=60
    ).stdout


@pytest.mark.parametrize(
    ("keygen", "digest", "algorithm", "sigopts"),
    [
        (
            ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
            "sha256",
            "ECDSA_SHA_256",
            [],
        ),
        (
            ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
            "sha384",
            "ECDSA_SHA_384",
            [],
        ),
        (
            ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"],
            "sha512",
            "ECDSA_SHA_512",
            [],
        ),
        (
            ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
            "sha256",
            "RSASSA_PKCS1_V1_5_SHA_256",
            [],
        ),
        (
            ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
            "sha384",
            "RSASSA_PSS_SHA_384",
            ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"],
        ),
        (
            ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:SM2"],
            "sm3",
            "SM2DSA",
            ["-sigopt", "distid:1234567812345678"],
        ),
    ],
)
def test_openssl_file_signatures_verify_against_the_file_digest(
    tmp_path: Path, keygen: list[str], digest: str, algorithm: str, sigopts: list[str]
) -> None:
    key, data = tmp_path / "key.pem", tmp_path / "data"
    data.write_bytes(CONTENT)
    _openssl("genpkey", *keygen, "-out", key)
    signature = _openssl("dgst", f"-{digest}", "-sign", key, *sigopts, data)
    pub = load_public_key(_openssl("pkey", "-in", key, "-pubout"))
    with data.open("rb") as fh:
        mtype, value = digest_of_stream(pub, algorithm, fh, chunk_size=CHUNK)
    assert mtype is MessageType.DIGEST
    assert verify(pub, value, signature, algorithm, mtype)
    with pytest.raises(KMSInvalidSignatureException):
        verify(
            pub,
            digest_of_stream(pub, algorithm, io.BytesIO(CONTENT + b"x"))[1],
            signature,
            algorithm,
            mtype,
        )


def test_sm2_digest_uses_the_given_id(tmp_path: Path) -> None:
    key, data = tmp_path / "key.pem", tmp_path / "data"
    data.write_bytes(CONTENT)
    _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:SM2", "-out", key)
    signature = _openssl("dgst", "-sm3", "-sign", key, "-sigopt", "distid:alice@example.com", data)
    pub = load_public_key(_openssl("pkey", "-in", key, "-pubout"))
    _, e = digest_of_stream(pub, "SM2DSA", io.BytesIO(CONTENT), sm2_id=b"alice@example.com")
    assert verify(pub, e, signature, "SM2DSA", "DIGEST")
    _, e_default = digest_of_stream(pub, "SM2DSA", io.BytesIO(CONTENT))
    with pytest.raises(KMSInvalidSignatureException):
        verify(pub, e_default, signature, "SM2DSA", "DIGEST")


def test_ed25519ph_digest_is_sha512_of_the_file() -> None:
    # FIPS 180-2 Appendix C.1: SHA-512("abc").
    abc = bytes.fromhex(
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
        "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
    )
    key = ed25519.Ed25519PrivateKey.generate()
    pub = PublicKey.from_key(key.public_key())
    mtype, value = digest_of_stream(pub, "ED25519_PH_SHA_512", io.BytesIO(b"abc"), chunk_size=1)
    assert (mtype, value) == (MessageType.DIGEST, abc)
    signature = sign(PrivateKey.from_key(key), value, "ED25519_PH_SHA_512", mtype)
    assert verify(pub, value, signature, "ED25519_PH_SHA_512", mtype)
    with pytest.raises(ValidationException, match="no digest mode"):
        digest_of_stream(pub, "ED25519_SHA_512", io.BytesIO(b"abc"))


@pytest.mark.parametrize(
    "key_class", [mldsa.MLDSA44PrivateKey, mldsa.MLDSA65PrivateKey, mldsa.MLDSA87PrivateKey]
)
def test_mldsa_external_mu_matches_pure_mldsa_of_the_file(
    key_class: type[mldsa.MLDSA44PrivateKey],
) -> None:
    """cryptography's pure ML-DSA computes μ itself; our streamed μ must give the same check."""
    key = key_class.generate()
    pub = PublicKey.from_key(key.public_key())
    mtype, mu = digest_of_stream(pub, "ML_DSA_SHAKE_256", io.BytesIO(CONTENT), chunk_size=CHUNK)
    assert mtype is MessageType.EXTERNAL_MU and len(mu) == 64
    pure = key.sign(CONTENT)  # the peer: pure ML-DSA, empty context
    assert verify(pub, mu, pure, "ML_DSA_SHAKE_256", mtype)
    ours = sign(PrivateKey.from_key(key), mu, "ML_DSA_SHAKE_256", mtype)
    key.public_key().verify(ours, CONTENT)  # raises if μ were wrong


def test_refusals() -> None:
    pub = PublicKey.from_key(ed25519.Ed25519PrivateKey.generate().public_key())
    with pytest.raises(InvalidKeyUsageException):
        digest_of_stream(pub, "ECDSA_SHA_256", io.BytesIO(b""))
    with pytest.raises(ValidationException, match="only to SM2DSA"):
        digest_of_stream(pub, "ED25519_PH_SHA_512", io.BytesIO(b""), sm2_id=b"x")
