"""Further Wycheproof groups (``external/wycheproof.json``) through kmskit's public offline API.

The bundle is ``{"source", "files": {name: Wycheproof file}}``. Files that are also vendored
on their own in ``wycheproof/`` are run by test_wycheproof.py; here they are only checked to
be the same cases. Every other file is mapped below to the KMS operation it exercises, and
``test_every_file_is_run`` keeps that mapping complete. Ids are ``ext/<file>:<tcId>``.

How ``acceptable`` (and KMS-irrelevant ``valid``) results are decided, per family:

- RSA PKCS #1 v1.5 signature generation: ``acceptable`` = a public exponent of 3
  (SmallPublicKey). KMS always uses e = 65537, but kmskit loads an RSA key of a KMS size as
  given, so signing must still reproduce the known answer and verification accept it.
- RSASSA-PSS: KMS uses MGF1 with the signing hash and a salt as long as the hash. Valid
  signatures with any other salt length or MGF hash must be *rejected* by every KMS PSS
  algorithm. Keys with the id-RSASSA-PSS SPKI (``*_params`` files) load as plain RSA keys
  (their parameters are not enforced), so they behave exactly like the rsaEncryption files.
- RSAES-OAEP: KMS uses MGF1 with the OAEP hash and an empty label. Three-prime RSA keys are
  refused with KeyFormatError: KMS keys have two primes, and the backend loads no others.
- ECDSA (DER): the ``bitcoin`` file is invalid for high-S signatures (BIP 62/146 malleability).
  KMS Verify does not require low S (SEC 1 §4.1.4 accepts both), so exactly those cases are
  *accepted* here; everything else follows Wycheproof.
- ECDSA (P1363): kmskit takes DER only, so r‖s is split into two field-length halves and
  encoded as DER ``SEQUENCE{r, s}``. A raw signature whose length is not twice the field
  length has no such split; it cannot reach kmskit, and the test asserts Wycheproof
  marks it invalid.
- ECDH: the peer key is given as a bare point (``ecpoint``) or a PEM SPKI (``pem``). KMS
  DeriveSharedSecret takes an SPKI, so a bare point is wrapped in one here, byte for byte, so
  that kmskit's own point checks are what refuses bad points. ``acceptable``: a compressed
  point is accepted and must give the exact secret; explicit (unnamed) curve parameters and
  non-DER PEM (long-form or padded lengths, odd OID encodings) are refused with a kmskit
  error.
- ML-DSA sign: kmskit signs with ``cryptography``, which signs hedged only (FIPS 204 §3.4),
  so deterministic signatures cannot be reproduced. Instead key generation from the seed is
  checked against the published public key, and the published signatures must verify (RAW
  for an empty context, EXTERNAL_MU for the given μ). KMS signs RAW with an empty context, so
  a signature made with a context must not verify as RAW. Expanded (non-seed) private keys are
  refused: KMS never exports ML-DSA keys, and the backend loads seeds only.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, mldsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from kmskit.offline import (
    InvalidCiphertextException,
    InvalidKeyUsageException,
    KeyFormatError,
    KMSInvalidSignatureException,
    KmskitError,
    PrivateKey,
    PublicKey,
    decrypt,
    derive_shared_secret,
    load_private_key,
    load_public_key,
    sign,
    verify,
)
from kmskit.offline.signing import verify_with_key
from kmskit.offline.specs import MessageType, SigningAlgorithm
from tests._vectors import (
    WycheproofCase,
    external_wycheproof_files,
    external_wycheproof_params,
    load_json,
    vector_path,
)

FILES = external_wycheproof_files()
# Vendored on their own too, and run there.
_STANDALONE = sorted(name for name in FILES if (vector_path("wycheproof").joinpath(name)).exists())


def _where(case: WycheproofCase) -> str:
    return f"ext/{case.file}:{case.tc_id} ({case.test.get('comment', '')})"


def _tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        return bytes((tag, n)) + content
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(size))) + size + content


def _expect_verify(pub: PublicKey, case: WycheproofCase, algorithm: str, *, accept: bool) -> None:
    msg, sig = case.hex("msg"), case.hex("sig")
    if accept:
        assert verify(pub, msg, sig, algorithm) is True, _where(case)
    else:
        with pytest.raises(KMSInvalidSignatureException):
            verify(pub, msg, sig, algorithm)


# --- The bundle ------------------------------------------------------------------------------


def test_files_also_vendored_alone_hold_the_same_cases() -> None:
    assert _STANDALONE, "expected overlap with wycheproof/"
    for name in _STANDALONE:
        alone = load_json("wycheproof", name)
        ours = FILES[name]
        assert len(alone["testGroups"]) == len(ours["testGroups"]), name
        for g_alone, g_ours in zip(alone["testGroups"], ours["testGroups"], strict=True):
            for key, value in g_ours.items():
                if key != "tests":
                    assert g_alone[key] == value, (name, key)
            for t_alone, t_ours in zip(g_alone["tests"], g_ours["tests"], strict=True):
                assert {k: t_alone[k] for k in t_ours} == t_ours, (name, t_ours["tcId"])


# --- RSASSA-PKCS1-v1_5 signature generation (deterministic: RFC 8017 §8.2.1) -------------------

_PKCS1_GEN = (
    "rsa_pkcs1_2048_sig_gen_test.json",
    "rsa_pkcs1_3072_sig_gen_test.json",
    "rsa_pkcs1_4096_sig_gen_test.json",
)
_PRIVATE: dict[str, PrivateKey] = {}


def _private_der(hex_der: str) -> PrivateKey:
    if hex_der not in _PRIVATE:
        _PRIVATE[hex_der] = load_private_key(bytes.fromhex(hex_der))
    return _PRIVATE[hex_der]


def _kms_hash(name: str) -> str:
    return name.replace("SHA-", "SHA_")


@pytest.mark.parametrize("case", external_wycheproof_params(*_PKCS1_GEN))
def test_rsa_pkcs1_sign_known_answer(case: WycheproofCase) -> None:
    assert case.valid or case.has_flag("SmallPublicKey"), _where(case)
    algorithm = f"RSASSA_PKCS1_V1_5_{_kms_hash(case.group['sha'])}"
    private = _private_der(case.group["privateKeyPkcs8"])
    assert sign(private, case.hex("msg"), algorithm) == case.hex("sig"), _where(case)
    pub = load_public_key(bytes.fromhex(case.group["keyDer"]))
    _expect_verify(pub, case, algorithm, accept=True)


# --- RSASSA-PSS ------------------------------------------------------------------------------

_PSS_FILES = (
    "rsa_pss_misc_test.json",
    "rsa_pss_misc_params_test.json",
    "rsa_pss_2048_sha256_mgf1_32_params_test.json",
    "rsa_pss_3072_sha256_mgf1_32_params_test.json",
    "rsa_pss_4096_sha512_mgf1_64_params_test.json",
    "rsa_pss_2048_sha256_mgf1_0_test.json",
    "rsa_pss_2048_sha256_mgf1sha1_20_test.json",
)
_PSS_ALGORITHMS = {
    "SHA-256": ("RSASSA_PSS_SHA_256", 32),
    "SHA-384": ("RSASSA_PSS_SHA_384", 48),
    "SHA-512": ("RSASSA_PSS_SHA_512", 64),
}


def _pss_kms_algorithm(group: dict[str, Any]) -> str | None:
    """The KMS algorithm when the group's parameters are KMS's, else None."""
    entry = _PSS_ALGORITHMS.get(group["sha"])
    if entry is None or group["mgf"] != "MGF1" or group["mgfSha"] != group["sha"]:
        return None
    algorithm, salt = entry
    return algorithm if group["sLen"] == salt else None


def _signed_with_kms_parameters(case: WycheproofCase) -> str | None:
    """The KMS PSS algorithm the signature is valid under, going by the vector alone.

    A valid case of a KMS parameter set; or, in a group with other parameters, the "s_len
    changed to N" case whose N and MGF hash are KMS's: Wycheproof calls it invalid for the
    group, but it is a correct signature with the KMS parameters.
    """
    group = case.group
    algorithm = _pss_kms_algorithm(group)
    if algorithm is not None:
        return algorithm if case.valid else None
    changed = re.fullmatch(r"s_len changed to (\d+)", case.test["comment"])
    entry = _PSS_ALGORITHMS.get(group["sha"])
    if changed and entry and group["mgfSha"] == group["sha"] and int(changed[1]) == entry[1]:
        return entry[0]
    return None


@pytest.mark.parametrize("case", external_wycheproof_params(*_PSS_FILES))
def test_rsa_pss(case: WycheproofCase) -> None:
    pub = load_public_key(bytes.fromhex(case.group["publicKeyDer"]))
    signed_with = _signed_with_kms_parameters(case)
    for algorithm, _ in _PSS_ALGORITHMS.values():
        _expect_verify(pub, case, algorithm, accept=algorithm == signed_with)


def test_pss_files_include_kms_parameter_sets() -> None:
    """Guard: the mapping above must send some valid cases down the accepting path."""
    accepted = [
        p.values[0]
        for p in external_wycheproof_params(*_PSS_FILES)
        if _pss_kms_algorithm(p.values[0].group) and p.values[0].valid
    ]
    assert len(accepted) > 150


# --- RSAES-OAEP ------------------------------------------------------------------------------

_OAEP_ALGORITHMS = {"SHA-1": "RSAES_OAEP_SHA_1", "SHA-256": "RSAES_OAEP_SHA_256"}
_THREE_PRIMES = (
    "rsa_three_primes_oaep_2048_sha1_mgf1sha1_test.json",
    "rsa_three_primes_oaep_4096_sha256_mgf1sha256_test.json",
)


@pytest.mark.parametrize("case", external_wycheproof_params("rsa_oaep_misc_test.json"))
def test_rsa_oaep_misc(case: WycheproofCase) -> None:
    group = case.group
    algorithm = _OAEP_ALGORITHMS.get(group["sha"])
    assert algorithm is not None and group["mgfSha"] == group["sha"], _where(case)
    key = _private_der(group["privateKeyPkcs8"])
    if case.valid and not case.test["label"]:
        assert decrypt(key, case.hex("ct"), algorithm) == case.hex("msg"), _where(case)
    else:
        with pytest.raises(InvalidCiphertextException):
            decrypt(key, case.hex("ct"), algorithm)


@pytest.mark.parametrize("case", external_wycheproof_params(*_THREE_PRIMES))
def test_rsa_three_prime_keys_are_refused(case: WycheproofCase) -> None:
    with pytest.raises(KeyFormatError):
        load_private_key(bytes.fromhex(case.group["privateKeyPkcs8"]))


# --- ECDSA -----------------------------------------------------------------------------------

_ECDSA_DER_KMS = {"ecdsa_secp256k1_sha256_bitcoin_test.json": "ECDSA_SHA_256"}
_ECDSA_DER_NON_KMS = {"ecdsa_secp256k1_sha512_test.json": SigningAlgorithm.ECDSA_SHA_512}
_P1363_KMS = {
    "ecdsa_secp256k1_sha256_p1363_test.json": "ECDSA_SHA_256",
    "ecdsa_secp256r1_sha256_p1363_test.json": "ECDSA_SHA_256",
    "ecdsa_secp384r1_sha384_p1363_test.json": "ECDSA_SHA_384",
    "ecdsa_secp521r1_sha512_p1363_test.json": "ECDSA_SHA_512",
}
_P1363_NON_KMS = {
    "ecdsa_secp256k1_sha512_p1363_test.json": SigningAlgorithm.ECDSA_SHA_512,
    "ecdsa_secp256r1_sha512_p1363_test.json": SigningAlgorithm.ECDSA_SHA_512,
    "ecdsa_secp384r1_sha512_p1363_test.json": SigningAlgorithm.ECDSA_SHA_512,
}
_PUBLIC: dict[str, PublicKey] = {}


def _public_der(hex_der: str) -> PublicKey:
    if hex_der not in _PUBLIC:
        _PUBLIC[hex_der] = load_public_key(bytes.fromhex(hex_der))
    return _PUBLIC[hex_der]


def _load_or_refuse(case: WycheproofCase) -> PublicKey | None:
    try:
        return _public_der(case.group["publicKeyDer"])
    except KmskitError:
        assert not case.valid, f"{_where(case)}: a valid case's public key failed to load"
        return None


_SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


@cache
def _sec1_verdicts() -> dict[tuple[str, str, str], str]:
    """Wycheproof's plain (SEC 1) verdicts for secp256k1/SHA-256, by (key, msg, sig)."""
    plain = load_json("wycheproof", "ecdsa_secp256k1_sha256_test.json")
    return {
        (g["publicKeyDer"], t["msg"], t["sig"]): t["result"]
        for g in plain["testGroups"]
        for t in g["tests"]
    }


def _high_s(der: bytes) -> bool:
    try:
        _, s = decode_dss_signature(der)
    except ValueError:
        return False
    return s > _SECP256K1_N // 2


@pytest.mark.parametrize("case", external_wycheproof_params(*_ECDSA_DER_KMS))
def test_ecdsa_bitcoin(case: WycheproofCase) -> None:
    # KMS Verify follows SEC 1, which accepts high S; Bitcoin (BIP 62/146) does not. The
    # plain Wycheproof file holds most of these exact signatures with their SEC 1 verdict;
    # where it does not, the signature has low S (checked), and both rules agree.
    pub = _load_or_refuse(case)
    if pub is None:
        return
    key = (case.group["publicKeyDer"], case.test["msg"], case.test["sig"])
    verdict = _sec1_verdicts().get(key)
    if verdict is None:
        assert not _high_s(case.hex("sig")), _where(case)
        verdict = case.result
    _expect_verify(pub, case, _ECDSA_DER_KMS[case.file], accept=verdict == "valid")


@pytest.mark.parametrize("case", external_wycheproof_params(*_ECDSA_DER_NON_KMS))
def test_ecdsa_der_hash_kms_never_pairs_with_the_curve(case: WycheproofCase) -> None:
    pub = _load_or_refuse(case)
    if pub is None:
        return
    _non_kms_pair(pub, case, _ECDSA_DER_NON_KMS[case.file], case.hex("sig"))


def _non_kms_pair(
    pub: PublicKey, case: WycheproofCase, algorithm: SigningAlgorithm, der: bytes
) -> None:
    """KMS refuses the curve/hash pairing; the math is still checked below the table layer."""
    msg = case.hex("msg")
    with pytest.raises(InvalidKeyUsageException):
        verify(pub, msg, der, algorithm)
    if case.valid:
        verify_with_key(pub.key, algorithm, MessageType.RAW, msg, der)
    else:
        with pytest.raises(KMSInvalidSignatureException):
            verify_with_key(pub.key, algorithm, MessageType.RAW, msg, der)


def _p1363_to_der(pub: PublicKey, raw: bytes) -> bytes | None:
    """DER for r‖s, or None when the length is not twice the field length (IEEE P1363)."""
    assert isinstance(pub.key, ec.EllipticCurvePublicKey)
    size = (pub.key.curve.key_size + 7) // 8
    if len(raw) != 2 * size:
        return None
    return encode_dss_signature(
        int.from_bytes(raw[:size], "big"), int.from_bytes(raw[size:], "big")
    )


@pytest.mark.parametrize("case", external_wycheproof_params(*_P1363_KMS, *_P1363_NON_KMS))
def test_ecdsa_p1363(case: WycheproofCase) -> None:
    pub = _load_or_refuse(case)
    if pub is None:
        return
    der = _p1363_to_der(pub, case.hex("sig"))
    if der is None:
        # No DER form exists, so no KMS-compatible verifier could accept it.
        assert case.invalid, f"{_where(case)}: a raw signature of the wrong length is valid?"
        return
    if case.file in _P1363_NON_KMS:
        _non_kms_pair(pub, case, _P1363_NON_KMS[case.file], der)
        return
    msg = case.hex("msg")
    if case.valid:
        assert verify(pub, msg, der, _P1363_KMS[case.file]) is True, _where(case)
    else:
        with pytest.raises(KMSInvalidSignatureException):
            verify(pub, msg, der, _P1363_KMS[case.file])


# --- ECDH ------------------------------------------------------------------------------------

_CURVES: dict[str, tuple[ec.EllipticCurve, bytes]] = {
    # curve, DER of its named-curve OID (RFC 5480 §2.1.1.1)
    "secp256r1": (ec.SECP256R1(), bytes.fromhex("06082a8648ce3d030107")),
    "secp384r1": (ec.SECP384R1(), bytes.fromhex("06052b81040022")),
    "secp521r1": (ec.SECP521R1(), bytes.fromhex("06052b81040023")),
}
_ID_EC_PUBLIC_KEY = bytes.fromhex("06072a8648ce3d0201")
_ECDH_POINT = (
    "ecdh_secp256r1_ecpoint_test.json",
    "ecdh_secp384r1_ecpoint_test.json",
    "ecdh_secp521r1_ecpoint_test.json",
)
_ECDH_PEM = (
    "ecdh_secp256r1_pem_test.json",
    "ecdh_secp384r1_pem_test.json",
    "ecdh_secp521r1_pem_test.json",
)


def _spki_for_point(curve: str, point: bytes) -> bytes:
    """SubjectPublicKeyInfo around a point, unchecked (RFC 5480 §2)."""
    algorithm = _tlv(0x30, _ID_EC_PUBLIC_KEY + _CURVES[curve][1])
    return _tlv(0x30, algorithm + _tlv(0x03, b"\x00" + point))


@cache
def _ecdh_private(curve: str, private: str) -> PrivateKey:
    """A few dozen private keys serve thousands of cases; load each once."""
    if private.startswith("-----BEGIN"):
        return load_private_key(private.encode())
    return PrivateKey.from_key(ec.derive_private_key(int(private, 16), _CURVES[curve][0]))


@pytest.mark.parametrize("case", external_wycheproof_params(*_ECDH_POINT, *_ECDH_PEM))
def test_ecdh(case: WycheproofCase) -> None:
    private = _ecdh_private(case.group["curve"], case.test["private"])
    if case.group["encoding"] == "ecpoint":
        peer_input = _spki_for_point(case.group["curve"], case.hex("public"))
    else:
        peer_input = case.test["public"].encode()
    accept = case.valid or (case.acceptable and case.has_flag("CompressedPublic"))
    try:
        secret = derive_shared_secret(private, load_public_key(peer_input))
    except KmskitError as exc:
        assert not accept, f"{_where(case)} refused: {exc}"
        return
    assert accept, f"{_where(case)} derived a secret"
    assert secret == case.hex("shared"), _where(case)


# --- ML-DSA signing ----------------------------------------------------------------------------

_MldsaPrivateClass = (
    type[mldsa.MLDSA44PrivateKey] | type[mldsa.MLDSA65PrivateKey] | type[mldsa.MLDSA87PrivateKey]
)
_MldsaPublicClass = (
    type[mldsa.MLDSA44PublicKey] | type[mldsa.MLDSA65PublicKey] | type[mldsa.MLDSA87PublicKey]
)
_MLDSA_SEED: dict[str, _MldsaPrivateClass] = {
    "mldsa_44_sign_seed_test.json": mldsa.MLDSA44PrivateKey,
    "mldsa_65_sign_seed_test.json": mldsa.MLDSA65PrivateKey,
    "mldsa_87_sign_seed_test.json": mldsa.MLDSA87PrivateKey,
}
_MLDSA_NOSEED = {
    "mldsa_44_sign_noseed_test.json": ("mldsa_44_sign_seed_test.json", "0b0609608648016503040311"),
    "mldsa_65_sign_noseed_test.json": ("mldsa_65_sign_seed_test.json", "0b0609608648016503040312"),
    "mldsa_87_sign_noseed_test.json": ("mldsa_87_sign_seed_test.json", "0b0609608648016503040313"),
}
_MLDSA_PUBLIC: dict[int, _MldsaPublicClass] = {
    44: mldsa.MLDSA44PublicKey,
    65: mldsa.MLDSA65PublicKey,
    87: mldsa.MLDSA87PublicKey,
}
_ALG = "ML_DSA_SHAKE_256"


def _mldsa_check_signature(pub: PublicKey, case: WycheproofCase, sig: bytes) -> None:
    test = case.test
    ctx = bytes.fromhex(test.get("ctx", ""))
    if case.has_flag("InvalidContext"):
        # A context over 255 bytes cannot exist (FIPS 204 §5.2); RAW is empty-context anyway.
        assert case.invalid and len(ctx) > 255
        with pytest.raises(KMSInvalidSignatureException):
            verify(pub, case.hex("msg"), sig, _ALG)
        return
    assert case.valid, _where(case)
    assert verify(pub, case.hex("mu"), sig, _ALG, "EXTERNAL_MU"), _where(case)
    if "msg" not in test:  # "Internal": only μ is given
        return
    if ctx:
        with pytest.raises(KMSInvalidSignatureException):
            verify(pub, case.hex("msg"), sig, _ALG)
    else:
        assert verify(pub, case.hex("msg"), sig, _ALG), _where(case)


@pytest.mark.parametrize("case", external_wycheproof_params(*_MLDSA_SEED))
def test_mldsa_sign_seed(case: WycheproofCase) -> None:
    group = case.group
    seed = bytes.fromhex(group["privateSeed"])
    if case.has_flag("IncorrectPrivateKeyLength"):
        assert case.invalid and len(seed) != 32
        with pytest.raises(KeyFormatError):
            load_private_key(bytes.fromhex(group["privateKeyPkcs8"]))
        return
    if "privateKeyPkcs8" in group:
        private = _private_der(group["privateKeyPkcs8"])
    else:
        private = PrivateKey.from_key(_MLDSA_SEED[case.file].from_seed_bytes(seed))
    pub = private.public_key()
    # FIPS 204 ML-DSA.KeyGen_internal(seed) known answer.
    assert pub.key.public_bytes_raw() == bytes.fromhex(group["publicKey"]), _where(case)  # type: ignore[union-attr]
    _mldsa_check_signature(pub, case, case.hex("sig"))


@cache
def _seed_file_signatures(name: str) -> dict[tuple[str, str], str]:
    """Signatures of a seed file by (public key, μ); a signature depends on nothing else
    when signing is deterministic (FIPS 204 Algorithm 7, rnd = 0)."""
    return {
        (g["publicKey"], t["mu"]): t["sig"]
        for g in FILES[name]["testGroups"]
        for t in g["tests"]
        if "sig" in t and "mu" in t
    }


@pytest.mark.parametrize("case", external_wycheproof_params(*_MLDSA_NOSEED))
def test_mldsa_sign_expanded_key(case: WycheproofCase) -> None:
    seed_file, algorithm_id = _MLDSA_NOSEED[case.file]
    expanded = bytes.fromhex(case.group["privateKey"])
    # PKCS#8 with the expandedKey choice of RFC 9881's ML-DSA-PrivateKey.
    pkcs8 = _tlv(
        0x30,
        bytes.fromhex("020100")
        + bytes.fromhex("30" + algorithm_id)
        + _tlv(0x04, _tlv(0x04, expanded)),
    )
    with pytest.raises(KeyFormatError):
        load_private_key(pkcs8)
    if case.has_flag("InvalidPrivateKey") or case.has_flag("IncorrectPrivateKeyLength"):
        assert case.invalid  # the private key is what is wrong; nothing more to check
        return
    level = int(case.file.split("_")[1])
    pub = PublicKey.from_key(
        _MLDSA_PUBLIC[level].from_public_bytes(bytes.fromhex(case.group["publicKey"]))
    )
    sig_hex = case.test.get("sig")
    if sig_hex is None:
        # Dropped from the bundle as identical to the seed file's (same key and μ).
        assert case.test["sig-dup-of-seed-file"]
        sig_hex = _seed_file_signatures(seed_file)[(case.group["publicKey"], case.test["mu"])]
    _mldsa_check_signature(pub, case, bytes.fromhex(sig_hex))


# --- Completeness ------------------------------------------------------------------------------


def test_every_file_is_run() -> None:
    mapped = {
        *_STANDALONE,
        *_PKCS1_GEN,
        *_PSS_FILES,
        "rsa_oaep_misc_test.json",
        *_THREE_PRIMES,
        *_ECDSA_DER_KMS,
        *_ECDSA_DER_NON_KMS,
        *_P1363_KMS,
        *_P1363_NON_KMS,
        *_ECDH_POINT,
        *_ECDH_PEM,
        *_MLDSA_SEED,
        *_MLDSA_NOSEED,
    }
    assert mapped == set(FILES), sorted(set(FILES) ^ mapped)
