"""Wycheproof vectors through kmskit's public offline API.

Each file is mapped to the KMS algorithm it exercises. Where a file pairs a key with a hash,
salt, MGF or label that KMS never uses, the test asserts the KMS-compatible behaviour:
refusal of the pairing, or rejection of the signature/ciphertext that KMS could not have
produced. How ``acceptable`` results are handled is stated per algorithm below.
"""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from kmskit.offline import (
    InvalidCiphertextException,
    InvalidKeyUsageException,
    KMSInvalidSignatureException,
    KmskitError,
    PrivateKey,
    decrypt,
    derive_shared_secret,
    load_public_key,
    verify,
)
from kmskit.offline.signing import verify_with_key
from kmskit.offline.specs import MessageType, SigningAlgorithm
from tests._vectors import WycheproofCase, wycheproof_params


def _expect_verify(case: WycheproofCase, algorithm: str, *, kms_valid: bool) -> None:
    """Assert verify accepts exactly the signatures KMS would accept."""
    try:
        pub = load_public_key(bytes.fromhex(case.group["publicKeyDer"]))
    except KmskitError:
        assert not case.valid, "a valid case's public key failed to load"
        return
    msg, sig = case.hex("msg"), case.hex("sig")
    if kms_valid:
        assert verify(pub, msg, sig, algorithm) is True
    else:
        with pytest.raises(KMSInvalidSignatureException):
            verify(pub, msg, sig, algorithm)


# --- ECDSA (DER). Files without "acceptable" results; KMS pairs each curve with one hash.

_ECDSA_KMS = {
    "ecdsa_secp256r1_sha256_test.json": "ECDSA_SHA_256",
    "ecdsa_secp384r1_sha384_test.json": "ECDSA_SHA_384",
    "ecdsa_secp521r1_sha512_test.json": "ECDSA_SHA_512",
    "ecdsa_secp256k1_sha256_test.json": "ECDSA_SHA_256",
}
_ECDSA_NON_KMS = {
    "ecdsa_secp256r1_sha512_test.json": SigningAlgorithm.ECDSA_SHA_512,
    "ecdsa_secp384r1_sha256_test.json": SigningAlgorithm.ECDSA_SHA_256,
    "ecdsa_secp384r1_sha512_test.json": SigningAlgorithm.ECDSA_SHA_512,
}


@pytest.mark.parametrize("case", wycheproof_params(*_ECDSA_KMS))
def test_ecdsa(case: WycheproofCase) -> None:
    _expect_verify(case, _ECDSA_KMS[case.file], kms_valid=case.valid)


@pytest.mark.parametrize("case", wycheproof_params(*_ECDSA_NON_KMS))
def test_ecdsa_hash_kms_never_pairs_with_the_curve(case: WycheproofCase) -> None:
    # KMS refuses the pairing outright; the signature math itself is still checked below the
    # table layer so that a curve/hash mix-up in our dispatch would show.
    pub = load_public_key(bytes.fromhex(case.group["publicKeyDer"]))
    algorithm = _ECDSA_NON_KMS[case.file]
    msg, sig = case.hex("msg"), case.hex("sig")
    with pytest.raises(InvalidKeyUsageException):
        verify(pub, msg, sig, algorithm)
    if case.valid:
        verify_with_key(pub.key, algorithm, MessageType.RAW, msg, sig)
    else:
        with pytest.raises(KMSInvalidSignatureException):
            verify_with_key(pub.key, algorithm, MessageType.RAW, msg, sig)


# --- RSASSA-PKCS1-v1_5. "acceptable" = DigestInfo without the NULL parameter (MissingNull).
# RFC 8017 §9.2 note 2 says verifiers should accept it; OpenSSL (which cryptography uses and
# KMS-produced signatures never exercise) rejects it. We reject: a KMS signature always has
# the NULL, so rejecting loses nothing and keeps one canonical encoding.

_PKCS1 = {
    f"rsa_signature_{bits}_sha{h}_test.json": f"RSASSA_PKCS1_V1_5_SHA_{h}"
    for bits in (2048, 3072, 4096)
    for h in (256, 384, 512)
}


@pytest.mark.parametrize("case", wycheproof_params(*_PKCS1))
def test_rsa_pkcs1(case: WycheproofCase) -> None:
    _expect_verify(case, _PKCS1[case.file], kms_valid=case.valid)


# --- RSASSA-PSS. KMS uses MGF1 with the signing hash and salt length = hash length. The
# 4096/SHA-512/salt-32 file is not a KMS parameter set: its valid signatures must be
# rejected, because verifying with KMS's salt length is what makes the check KMS-compatible.

_PSS = {
    "rsa_pss_2048_sha256_mgf1_32_test.json": ("RSASSA_PSS_SHA_256", True),
    "rsa_pss_2048_sha384_mgf1_48_test.json": ("RSASSA_PSS_SHA_384", True),
    "rsa_pss_3072_sha256_mgf1_32_test.json": ("RSASSA_PSS_SHA_256", True),
    "rsa_pss_4096_sha256_mgf1_32_test.json": ("RSASSA_PSS_SHA_256", True),
    "rsa_pss_4096_sha384_mgf1_48_test.json": ("RSASSA_PSS_SHA_384", True),
    "rsa_pss_4096_sha512_mgf1_64_test.json": ("RSASSA_PSS_SHA_512", True),
    "rsa_pss_4096_sha512_mgf1_32_test.json": ("RSASSA_PSS_SHA_512", False),
}


@pytest.mark.parametrize("case", wycheproof_params(*_PSS))
def test_rsa_pss(case: WycheproofCase) -> None:
    algorithm, kms_parameters = _PSS[case.file]
    _expect_verify(case, algorithm, kms_valid=case.valid and kms_parameters)


# --- Ed25519 (pure, RAW). No "acceptable" results in this file.


@pytest.mark.parametrize("case", wycheproof_params("ed25519_test.json"))
def test_ed25519(case: WycheproofCase) -> None:
    _expect_verify(case, "ED25519_SHA_512", kms_valid=case.valid)


# --- ML-DSA, RAW. KMS signs pure ML-DSA with an empty context, so a signature made with a
# non-empty context must not verify through the KMS-compatible API.

_MLDSA = ("mldsa_44_verify_test.json", "mldsa_65_verify_test.json", "mldsa_87_verify_test.json")


@pytest.mark.parametrize("case", wycheproof_params(*_MLDSA))
def test_mldsa_raw(case: WycheproofCase) -> None:
    empty_context = not case.test.get("ctx")
    _expect_verify(case, "ML_DSA_SHAKE_256", kms_valid=case.valid and empty_context)


# --- RSAES-OAEP. KMS: MGF1 with the same hash as OAEP, and an empty label. Valid vectors with
# a label or a different MGF hash must fail to decrypt under the KMS parameters.

_OAEP = {
    "rsa_oaep_2048_sha1_mgf1sha1_test.json": ("RSAES_OAEP_SHA_1", True),
    "rsa_oaep_2048_sha256_mgf1sha256_test.json": ("RSAES_OAEP_SHA_256", True),
    "rsa_oaep_3072_sha256_mgf1sha256_test.json": ("RSAES_OAEP_SHA_256", True),
    "rsa_oaep_4096_sha256_mgf1sha256_test.json": ("RSAES_OAEP_SHA_256", True),
    "rsa_oaep_2048_sha256_mgf1sha1_test.json": ("RSAES_OAEP_SHA_256", False),
    "rsa_oaep_3072_sha256_mgf1sha1_test.json": ("RSAES_OAEP_SHA_256", False),
    "rsa_oaep_4096_sha256_mgf1sha1_test.json": ("RSAES_OAEP_SHA_256", False),
}
_OAEP_KEYS: dict[str, PrivateKey] = {}


def _oaep_key(case: WycheproofCase) -> PrivateKey:
    pem = case.group["privateKeyPem"]
    if pem not in _OAEP_KEYS:
        from kmskit.offline import load_private_key

        _OAEP_KEYS[pem] = load_private_key(pem.encode())
    return _OAEP_KEYS[pem]


@pytest.mark.parametrize("case", wycheproof_params(*_OAEP))
def test_rsa_oaep(case: WycheproofCase) -> None:
    algorithm, kms_parameters = _OAEP[case.file]
    key = _oaep_key(case)
    if case.valid and kms_parameters and not case.test["label"]:
        assert decrypt(key, case.hex("ct"), algorithm) == case.hex("msg")
    else:
        with pytest.raises(InvalidCiphertextException):
            decrypt(key, case.hex("ct"), algorithm)


# --- ECDH. "acceptable" cases are unusual SPKI encodings (compressed points, explicit curve
# parameters, BER). For those the rule is: either refuse with a kmskit error or return exactly
# the expected secret, never anything else. secp256k1 has no KEY_AGREEMENT in KMS, so every
# loadable case there must be refused.

_ECDH_CURVES = {
    "ecdh_secp256r1_test.json": ec.SECP256R1(),
    "ecdh_secp384r1_test.json": ec.SECP384R1(),
    "ecdh_secp521r1_test.json": ec.SECP521R1(),
    "ecdh_secp256k1_test.json": ec.SECP256K1(),
}


def _ecdh_private(case: WycheproofCase) -> PrivateKey:
    scalar = int(case.test["private"], 16)
    key = ec.derive_private_key(scalar, _ECDH_CURVES[case.file])
    return PrivateKey.from_key(key)


@pytest.mark.parametrize("case", wycheproof_params(*_ECDH_CURVES))
def test_ecdh(case: WycheproofCase) -> None:
    priv = _ecdh_private(case)
    kms_curve = case.file != "ecdh_secp256k1_test.json"
    try:
        peer = load_public_key(case.hex("public"))
        secret = derive_shared_secret(priv, peer)
    except InvalidKeyUsageException:
        assert not kms_curve
        return
    except KmskitError:
        assert not case.valid or not kms_curve
        return
    assert kms_curve, "secp256k1 ECDH must be refused like KMS refuses it"
    if case.invalid:
        pytest.fail(f"invalid case {case.tc_id} derived a secret ({case.test['comment']})")
    assert secret == case.hex("shared")


def test_ecdh_vectors_reach_the_derivation() -> None:
    """Guard against the loop above passing because every key failed to load."""
    loaded = 0
    for param in wycheproof_params("ecdh_secp256r1_test.json"):
        case = param.values[0]
        assert isinstance(case, WycheproofCase)
        if case.valid:
            load_public_key(case.hex("public"))
            loaded += 1
    assert loaded > 300
    der = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert load_public_key(der).spec == "ECC_NIST_P256"


# --- ML-DSA, EXTERNAL_MU. μ is computed here straight from FIPS 204 §6.2 with hashlib, not by
# kmskit: μ = SHAKE256(SHAKE256(pk, 64) ‖ 0x00 ‖ len(ctx) ‖ ctx ‖ M, 64).


def _fips204_mu(pk: bytes, msg: bytes, ctx: bytes) -> bytes:
    tr = hashlib.shake_256(pk).digest(64)
    return hashlib.shake_256(tr + b"\x00" + bytes([len(ctx)]) + ctx + msg).digest(64)


@pytest.mark.parametrize("case", wycheproof_params(*_MLDSA))
def test_mldsa_external_mu(case: WycheproofCase) -> None:
    ctx = bytes.fromhex(case.test.get("ctx", ""))
    pk = bytes.fromhex(case.group["publicKey"])
    try:
        pub = load_public_key(bytes.fromhex(case.group["publicKeyDer"]))
    except KmskitError:
        assert not case.valid
        return
    if len(ctx) > 255:  # not expressible in FIPS 204; such cases are invalid
        assert not case.valid
        return
    mu = _fips204_mu(pk, case.hex("msg"), ctx)
    if case.valid:
        assert verify(pub, mu, case.hex("sig"), "ML_DSA_SHAKE_256", "EXTERNAL_MU")
    else:
        with pytest.raises(KMSInvalidSignatureException):
            verify(pub, mu, case.hex("sig"), "ML_DSA_SHAKE_256", "EXTERNAL_MU")
