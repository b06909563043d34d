"""Signature encodings: DER, raw r‖s (P1363), and base64/hex text of either, for every curve.

Known answers: the Wycheproof P1363 groups (raw r‖s, including wrong-length and
out-of-range cases) and signatures made by the openssl CLI.
"""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import utils

from kmskit.offline import sm2
from kmskit.offline.errors import (
    KMSInvalidSignatureException,
    SignatureFormatError,
    ValidationException,
)
from kmskit.offline.keys import PublicKey, load_public_key
from kmskit.offline.signature_forms import (
    CURVE_ORDERS,
    convert_ec_signature,
    decode_signature,
    ec_signature_to_der,
    ec_signature_to_raw,
)
from kmskit.offline.signing import verify, verify_with_key
from kmskit.offline.specs import KeySpec, MessageType, SigningAlgorithm
from tests._vectors import load_json

# Wycheproof P1363 files whose curve/hash pairing KMS uses.
_P1363 = {
    "ecdsa_secp256r1_sha256_p1363_test.json": SigningAlgorithm.ECDSA_SHA_256,
    "ecdsa_secp384r1_sha384_p1363_test.json": SigningAlgorithm.ECDSA_SHA_384,
    "ecdsa_secp521r1_sha512_p1363_test.json": SigningAlgorithm.ECDSA_SHA_512,
    "ecdsa_secp256k1_sha256_p1363_test.json": SigningAlgorithm.ECDSA_SHA_256,
}


def _p1363_cases() -> list[Any]:
    files = load_json("external", "wycheproof.json")["files"]
    params = []
    for name, algorithm in _P1363.items():
        for group in files[name]["testGroups"]:
            for test in group["tests"]:
                params.append(
                    pytest.param(
                        group["publicKeyDer"],
                        algorithm,
                        test,
                        id=f"{name.removesuffix('.json')}:{test['tcId']}",
                    )
                )
    return params


def _check(pub: PublicKey, algorithm: SigningAlgorithm, msg: bytes, sig: bytes, form: str) -> bool:
    try:
        der = decode_signature(sig, pub, form)  # type: ignore[arg-type]
        verify_with_key(pub.key, algorithm, MessageType.RAW, msg, der)
    except KMSInvalidSignatureException:
        return False
    return True


@pytest.mark.parametrize(("key_der", "algorithm", "test"), _p1363_cases())
def test_wycheproof_p1363(key_der: str, algorithm: SigningAlgorithm, test: dict[str, Any]) -> None:
    """Raw r‖s verifies exactly when Wycheproof says valid, as raw, auto, hex and base64."""
    pub = load_public_key(bytes.fromhex(key_der))
    msg, sig = bytes.fromhex(test["msg"]), bytes.fromhex(test["sig"])
    assert test["result"] in ("valid", "invalid")
    expected = test["result"] == "valid"
    assert _check(pub, algorithm, msg, sig, "raw") is expected
    assert _check(pub, algorithm, msg, sig, "auto") is expected
    if expected:
        assert _check(pub, algorithm, msg, sig.hex().encode() + b"\n", "auto")
        assert _check(pub, algorithm, msg, base64.b64encode(sig) + b"\n", "auto")
        assert not _check(pub, algorithm, msg, sig, "der")


# --- openssl-made signatures, every curve


_CURVES = {
    KeySpec.ECC_NIST_P256: ("prime256v1", "sha256", SigningAlgorithm.ECDSA_SHA_256, 64),
    KeySpec.ECC_NIST_P384: ("secp384r1", "sha384", SigningAlgorithm.ECDSA_SHA_384, 96),
    KeySpec.ECC_NIST_P521: ("secp521r1", "sha512", SigningAlgorithm.ECDSA_SHA_512, 132),
    KeySpec.ECC_SECG_P256K1: ("secp256k1", "sha256", SigningAlgorithm.ECDSA_SHA_256, 64),
    KeySpec.SM2: ("SM2", "sm3", SigningAlgorithm.SM2DSA, 64),
}
MESSAGE = b"signed by the openssl CLI\n"


def _openssl(*args: str | Path, data: bytes | None = None) -> bytes:
    return subprocess.run(
        ["openssl", *map(str, args)], input=data, capture_output=True, check=True, timeout=60
    ).stdout


@pytest.fixture(scope="module", params=list(_CURVES), ids=str)
def openssl_signed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[KeySpec, PublicKey, bytes]:
    spec: KeySpec = request.param
    curve, digest, _, _ = _CURVES[spec]
    work = tmp_path_factory.mktemp(curve)
    key = work / "key.pem"
    _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", f"ec_paramgen_curve:{curve}", "-out", key)
    (work / "msg").write_bytes(MESSAGE)
    extra = ["-sigopt", "distid:1234567812345678"] if spec is KeySpec.SM2 else []
    sig = _openssl("dgst", f"-{digest}", "-sign", key, *extra, work / "msg")
    pub = load_public_key(_openssl("pkey", "-in", key, "-pubout"))
    assert pub.spec is spec
    return spec, pub, sig


def test_every_form_of_an_openssl_signature_verifies(
    openssl_signed: tuple[KeySpec, PublicKey, bytes],
) -> None:
    spec, pub, der = openssl_signed
    algorithm, raw_length = _CURVES[spec][2], _CURVES[spec][3]
    raw = ec_signature_to_raw(der, spec)
    assert len(raw) == raw_length
    r, s = utils.decode_dss_signature(der)  # the peer's reading of the DER
    assert raw == r.to_bytes(raw_length // 2, "big") + s.to_bytes(raw_length // 2, "big")
    texts = [der.hex().encode(), raw.hex().upper().encode(), base64.b64encode(der)]
    for form in [der, raw, *texts, *(t + b"\n" for t in texts)]:
        assert verify(pub, MESSAGE, decode_signature(form, pub), algorithm) is True
    assert verify(pub, MESSAGE, decode_signature(base64.b64encode(raw), pub), algorithm)
    assert verify(pub, MESSAGE, decode_signature(raw, pub, "raw"), algorithm)
    assert verify(pub, MESSAGE, decode_signature(der, pub, "der"), algorithm)
    with pytest.raises(KMSInvalidSignatureException, match="raw r‖s"):
        decode_signature(raw, pub, "der")
    with pytest.raises(KMSInvalidSignatureException, match="it is DER"):
        decode_signature(der, pub, "raw")
    # convert-signature both ways, and a tampered raw signature is invalid, not an error.
    assert convert_ec_signature(raw, spec, from_form="raw", to_form="der") == der
    assert convert_ec_signature(base64.b64encode(der), spec, from_form="auto", to_form="raw") == raw
    tampered = raw[:-1] + bytes([raw[-1] ^ 1])
    with pytest.raises(KMSInvalidSignatureException):
        verify(pub, MESSAGE, decode_signature(tampered, pub), algorithm)


def test_sm2_raw_matches_the_sm2_module() -> None:
    key = sm2.generate_private_key()
    der = sm2.sign(key, b"m")
    assert ec_signature_to_raw(der, KeySpec.SM2) == sm2.signature_der_to_raw(der)
    raw = sm2.signature_der_to_raw(der)
    assert ec_signature_to_der(raw, KeySpec.SM2) == sm2.signature_raw_to_der(raw)


@pytest.mark.parametrize(
    ("data", "hint"),
    [
        (b"", "the signature is empty"),
        (b'{"Signature": "MEUCIQ=="}', "JSON document; pass only the Signature value"),
        (b"-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----\n", "PEM block"),
        (base64.b64encode(bytes(range(96))), "base64 of a 96-byte value.*ECC_NIST_P384"),
        (bytes(132), "132 bytes is the raw r‖s length for ECC_NIST_P521"),
        (bytes.fromhex("3006020101020101ff"), "starts like DER but: trailing data"),
        (b"30440220" + b"ab" * 10, "hex of a 14-byte value"),
    ],
)
def test_undecodable_signatures_get_a_hint(data: bytes, hint: str) -> None:
    pub = load_public_key(_p256_spki())
    with pytest.raises(KMSInvalidSignatureException, match=hint) as info:
        decode_signature(data, pub)
    assert "\n" not in str(info.value)


def _p256_spki() -> bytes:
    files = load_json("external", "wycheproof.json")["files"]
    group = files["ecdsa_secp256r1_sha256_p1363_test.json"]["testGroups"][0]
    return bytes.fromhex(group["publicKeyDer"])


def test_fixed_length_algorithms_take_text_too() -> None:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.generate()
    pub = PublicKey.from_key(key.public_key())
    sig = key.sign(b"m")
    for form in (sig, sig.hex().encode(), base64.b64encode(sig) + b"\n"):
        assert decode_signature(form, pub) == sig
    with pytest.raises(KMSInvalidSignatureException, match=r"63 bytes.*64 bytes"):
        decode_signature(sig[:-1], pub)
    with pytest.raises(ValidationException, match="ECDSA and SM2 only"):
        decode_signature(sig, pub, "raw")


def test_convert_refuses_out_of_range_values() -> None:
    n = CURVE_ORDERS[KeySpec.ECC_NIST_P256]
    raw = n.to_bytes(32, "big") + (1).to_bytes(32, "big")
    with pytest.raises(SignatureFormatError, match="outside"):
        convert_ec_signature(raw, KeySpec.ECC_NIST_P256, from_form="raw", to_form="der")
    too_long = utils.encode_dss_signature(1 << 300, 1)
    with pytest.raises(SignatureFormatError, match="longer than the 32-byte order"):
        ec_signature_to_raw(too_long, KeySpec.ECC_NIST_P256)


def test_der_fast_path_agrees_with_the_strict_parser() -> None:
    """Every one-byte change and truncation of a few DER signatures is judged the same by
    the inline short-form check and by the general strict DER reader."""
    from kmskit.offline import _sm2_der, signature_forms

    def strict(data: bytes) -> bool:
        err = SignatureFormatError
        try:
            pos, end = _sm2_der.der_outer(data, err)
            _, pos = _sm2_der.der_read_uint(data, pos, end, err)
            _, pos = _sm2_der.der_read_uint(data, pos, end, err)
        except SignatureFormatError:
            return False
        return pos == end

    samples = [
        bytes.fromhex("3006020101020101"),
        bytes.fromhex("300802020080020200ff"),
        _sm2_der.encode_signature(2**255 + 5, 7),
    ]
    for der in samples:
        for cut in range(len(der)):
            assert signature_forms._parses_as_der(der[:cut]) is strict(der[:cut])
        for i in range(len(der)):
            for value in range(256):
                mutated = der[:i] + bytes([value]) + der[i + 1 :]
                assert signature_forms._parses_as_der(mutated) is strict(mutated), mutated.hex()


def test_rsa_hint_names_the_key_size_the_signature_fits() -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    pub = PublicKey.from_key(rsa.generate_private_key(65537, 3072).public_key())
    with pytest.raises(KMSInvalidSignatureException, match="256 bytes is a RSA_2048 signature"):
        decode_signature(base64.b64encode(bytes(range(256))), pub)
