"""Tests of offline.sm2 and offline._sm2_curve: GB/T 32918 known answers, properties, strictness.

Oracles: the GB/T 32918 annex vectors in ``tests/known_answers/sm2/`` (signature with fixed k,
encryption with fixed k in all three encodings, SM3), and a slow double-and-add reference
multiplication for the fast curve code. The annex has no "acceptable" results: every case is
a valid known answer. OpenSSL and gmssl cross-checks live in tests/interop/.

Error contract checked here: verify raises KMSInvalidSignatureException for every bad
signature; decrypt raises InvalidCiphertextException for every bad ciphertext; decoders
raise only kmskit errors (never IndexError, struct.error or a bare ValueError).
"""

from __future__ import annotations

import base64
import io
import secrets
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kmskit.offline import _sm2_curve, _sm2_der, sm2
from kmskit.offline.errors import (
    CiphertextFormatError,
    InvalidCiphertextException,
    InvalidPointError,
    KeyFormatError,
    KMSInvalidSignatureException,
    KmskitError,
    SignatureFormatError,
    ValidationException,
)
from kmskit.offline.pem import pem_text
from tests._vectors import load_json

ANNEX = load_json("sm2", "gbt32918-annex.json")
SIG = ANNEX["signature"]
ENC = ANNEX["encryption"]
N = _sm2_curve.N_INT
P = _sm2_curve.P_INT
G = (_sm2_curve.GX_INT, _sm2_curve.GY_INT)

KEY = sm2.SM2PrivateKey(int(SIG["private_key"], 16))
PUB = KEY.public_key()
OTHER = sm2.SM2PrivateKey(0x1F2E3D4C5B6A79880123456789ABCDEF0123456789ABCDEF0123456789ABCDEF)
MSG = SIG["message_utf8"].encode()
ENC_MSG = ENC["message_utf8"].encode()
ENCODED = {
    "DER": bytes.fromhex(ENC["ciphertext_der_gmt0009"]),
    "C1C3C2": bytes.fromhex(ENC["ciphertext_c1c3c2"]),
    "C1C2C3": bytes.fromhex(ENC["ciphertext_c1c2c3"]),
}
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def flip(data: bytes, bit: int) -> bytes:
    """Return ``data`` with bit number ``bit`` (mod its length in bits) inverted."""
    bit %= 8 * len(data)
    out = bytearray(data)
    out[bit // 8] ^= 0x80 >> (bit % 8)
    return bytes(out)


# --- GB/T 32918 known answers -----------------------------------------------------------


def test_annex_curve_parameters() -> None:
    curve = ANNEX["curve"]
    assert int(curve["p"], 16) == P
    assert int(curve["a"], 16) == _sm2_curve.A_INT
    assert int(curve["b"], 16) == _sm2_curve.B_INT
    assert int(curve["n"], 16) == N
    assert (int(curve["gx"], 16), int(curve["gy"], 16)) == G


def test_annex_public_key_and_spki() -> None:
    assert (PUB.x, PUB.y) == (int(SIG["public_x"], 16), int(SIG["public_y"], 16))
    assert PUB.spki_der().hex() == SIG["spki_der"]
    assert sm2.SM2PublicKey.from_spki_der(bytes.fromhex(SIG["spki_der"])) == PUB


def test_annex_za_and_e() -> None:
    assert SIG["id"].encode() == sm2.DEFAULT_ID
    assert sm2.compute_za(PUB).hex() == SIG["za"]
    assert sm2.compute_za(PUB, sm2.DEFAULT_ID).hex() == SIG["za"]
    assert sm2.compute_e(PUB, MSG).hex() == SIG["e"]


def test_annex_signature_fixed_k() -> None:
    k = int(SIG["k"], 16)
    der = sm2.sign(KEY, MSG, k_for_test_vectors=k)
    assert der.hex() == SIG["signature_der"]
    assert sm2.signature_der_to_raw(der).hex() == SIG["r"] + SIG["s"]
    prehashed = sm2.sign(KEY, bytes.fromhex(SIG["e"]), prehashed=True, k_for_test_vectors=k)
    assert prehashed == der
    assert sm2.verify(PUB, MSG, der) is True
    assert sm2.verify(PUB, bytes.fromhex(SIG["e"]), der, prehashed=True) is True


@pytest.mark.parametrize("encoding", list(ENCODED))
def test_annex_encryption_fixed_k(encoding: str) -> None:
    k = int(ENC["k"], 16)
    assert int(ENC["private_key"], 16) == KEY.d
    ct = sm2.encrypt(PUB, ENC_MSG, encoding=encoding, k_for_test_vectors=k)
    assert ct == ENCODED[encoding]
    assert sm2.decrypt(KEY, ENCODED[encoding], encoding=encoding) == ENC_MSG


@pytest.mark.parametrize("src", list(ENCODED))
@pytest.mark.parametrize("dst", list(ENCODED))
def test_annex_ciphertext_conversions(src: str, dst: str) -> None:
    assert sm2.convert_ciphertext(ENCODED[src], from_encoding=src, to_encoding=dst) == ENCODED[dst]
    if dst != "DER":
        bare = sm2.convert_ciphertext(
            ENCODED[src], from_encoding=src, to_encoding=dst, prefix=False
        )
        assert bare == ENCODED[dst][1:]
        # raw input without the 04 prefix is recognised too
        assert sm2.convert_ciphertext(bare, from_encoding=dst, to_encoding=src) == ENCODED[src]
        assert sm2.decrypt(KEY, bare, encoding=dst) == ENC_MSG


@pytest.mark.parametrize("name", ["abc", "abcd_x16"])
def test_annex_sm3(name: str) -> None:
    message = b"abc" if name == "abc" else b"abcd" * 16
    assert sm2._sm3(message).hex() == ANNEX["sm3"][name]
    assert sm2._sm3(message[:1], message[1:]).hex() == ANNEX["sm3"][name]


# --- curve arithmetic against the slow reference ------------------------------------------

SCALARS = st.one_of(
    st.integers(0, N + 5),
    st.sampled_from([0, 1, 2, N - 2, N - 1, N, N + 1, 2 * N, 2**256 - 1]),
    st.integers(0, 2**320 - 1),
)


@FAST
@given(k=SCALARS)
def test_mul_base_matches_reference(k: int) -> None:
    assert _sm2_curve.mul_base(k) == _sm2_curve.mul_reference(k, *G)


@FAST
@given(k=SCALARS, d=st.integers(1, N - 1))
def test_mul_matches_reference(k: int, d: int) -> None:
    point = _sm2_curve.mul_base(d)
    assert point is not None
    assert _sm2_curve.mul(k, *point) == _sm2_curve.mul_reference(k, *point)


@FAST
@given(u=SCALARS, v=SCALARS, d=st.integers(1, N - 1))
@example(u=1, v=N - 1, d=1)  # G + (n-1)·G = infinity
@example(u=1, v=1, d=1)  # G + G: the addition must fall back to doubling
@example(u=0, v=0, d=5)
def test_mul_add_base_matches_reference(u: int, v: int, d: int) -> None:
    point = _sm2_curve.mul_base(d)
    assert point is not None
    expected = _sm2_curve.add_affine(
        _sm2_curve.mul_reference(u, *G), _sm2_curve.mul_reference(v, *point)
    )
    assert _sm2_curve.mul_add_base(u, v, *point) == expected


@FAST
@given(k=st.integers(0, N - 1))
def test_blinding_does_not_change_the_result(k: int) -> None:
    blinded = _sm2_curve.blind(k)
    assert blinded % N == k and blinded.bit_length() == 320
    assert _sm2_curve.mul_base(blinded) == _sm2_curve.mul_base(k)


# --- keys ------------------------------------------------------------------------------


def test_private_key_range() -> None:
    for bad in (0, N - 1, N, -1):
        with pytest.raises(KeyFormatError):
            sm2.SM2PrivateKey(bad)
    # (n-2)·G = −2G
    two_g = _sm2_curve.mul_base(2)
    assert two_g is not None
    assert sm2.SM2PrivateKey(N - 2).public_key() == sm2.SM2PublicKey(two_g[0], P - two_g[1])
    assert sm2.SM2PrivateKey(1).public_key() == sm2.SM2PublicKey(*G)


def test_private_key_repr_hides_d() -> None:
    assert f"{KEY.d:x}" not in repr(KEY) and str(KEY.d) not in repr(KEY)


def test_generate_private_key_uses_rng() -> None:
    seq = iter([b"\xff" * 32, b"\x00" * 32, (5).to_bytes(32, "big")])
    key = sm2.generate_private_key(rng=lambda n: next(seq))
    assert key.d == 5  # out-of-range draws are rejected, not reduced
    assert 1 <= sm2.generate_private_key().d <= N - 2
    with pytest.raises(ValidationException):
        sm2.generate_private_key(rng=lambda n: b"\x00" * n)


def test_public_key_encodings_round_trip() -> None:
    for compressed in (False, True):
        data = PUB.to_bytes(compressed=compressed)
        assert len(data) == (33 if compressed else 65)
        assert sm2.SM2PublicKey.from_bytes(data) == PUB
    odd = OTHER.public_key()
    assert sm2.SM2PublicKey.from_bytes(odd.to_bytes(compressed=True)) == odd
    assert {PUB.to_bytes(True)[0], odd.to_bytes(True)[0]} <= {2, 3}


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00",  # infinity
        b"\x04" + (1).to_bytes(32, "big") + (1).to_bytes(32, "big"),  # off curve
        b"\x04" + P.to_bytes(32, "big") + G[1].to_bytes(32, "big"),  # x = p
        b"\x04" + (G[0] + P).to_bytes(33, "big")[1:] + (G[1] + P).to_bytes(33, "big")[1:],
        b"\x06" + G[0].to_bytes(32, "big") + G[1].to_bytes(32, "big"),  # hybrid form
        b"\x04" + G[0].to_bytes(32, "big"),
        b"\x02" + P.to_bytes(32, "big"),
        b"\x02" + G[0].to_bytes(32, "big") + b"\x00",
    ],
)
def test_public_key_from_bytes_rejects(data: bytes) -> None:
    with pytest.raises(InvalidPointError):
        sm2.SM2PublicKey.from_bytes(data)


def test_public_key_constructor_validates() -> None:
    with pytest.raises(InvalidPointError):
        sm2.SM2PublicKey(G[0], G[1] + 1)
    with pytest.raises(InvalidPointError):
        sm2.SM2PublicKey(G[0] + P, G[1])
    with pytest.raises(InvalidPointError):
        sm2.SM2PublicKey(-G[0], G[1])


def test_compressed_x_without_a_point() -> None:
    x = next(x for x in range(1, 100) if _sm2_curve.lift_x(x, 0) is None)
    with pytest.raises(InvalidPointError):
        sm2.SM2PublicKey.from_bytes(b"\x03" + x.to_bytes(32, "big"))


def _spki(alg: bytes, point: bytes) -> bytes:
    alg_seq = _sm2_der.tlv(0x30, alg)
    return _sm2_der.tlv(0x30, alg_seq + _sm2_der.tlv(0x03, b"\x00" + point))


SM2_OID = bytes.fromhex("06082a811ccf5501822d")
SM2_ALG_OID = bytes.fromhex("06092a811ccf5501822d01")
EC_OID = bytes.fromhex("06072a8648ce3d0201")


@pytest.mark.parametrize(
    "alg",
    [EC_OID + SM2_OID, SM2_ALG_OID, SM2_ALG_OID + b"\x05\x00", SM2_ALG_OID + SM2_OID],
    ids=["ecPublicKey+sm2", "sm2-alg", "sm2-alg+NULL", "sm2-alg+sm2"],
)
@pytest.mark.parametrize("compressed", [False, True])
def test_spki_accepted_forms(alg: bytes, compressed: bool) -> None:
    der = _spki(alg, PUB.to_bytes(compressed=compressed))
    assert sm2.SM2PublicKey.from_spki_der(der) == PUB


def test_spki_rejects_other_curves_and_bad_points() -> None:
    p256 = ec.generate_private_key(ec.SECP256R1()).public_key()
    der = p256.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(KeyFormatError):
        sm2.SM2PublicKey.from_spki_der(der)
    with pytest.raises(KeyFormatError):
        sm2.SM2PublicKey.from_spki_der(_spki(EC_OID, PUB.to_bytes()))  # no curve
    with pytest.raises(KeyFormatError):
        sm2.SM2PublicKey.from_spki_der(PUB.spki_der() + b"\x00")
    off_curve = b"\x04" + (1).to_bytes(32, "big") * 2
    with pytest.raises(InvalidPointError):
        sm2.SM2PublicKey.from_spki_der(_spki(EC_OID + SM2_OID, off_curve))


def test_private_key_der_and_pem_round_trip() -> None:
    for der in (KEY.pkcs8_der(), KEY.sec1_der()):
        assert sm2.SM2PrivateKey.from_der(der) == KEY
    assert sm2.SM2PrivateKey.from_pem(KEY.pkcs8_pem()) == KEY
    assert sm2.SM2PrivateKey.from_pem(KEY.pkcs8_pem().decode()) == KEY
    sec1_pem = pem_text("EC PRIVATE KEY", KEY.sec1_der()).encode("ascii")
    assert sm2.SM2PrivateKey.from_pem(b"junk\n" + sec1_pem) == KEY
    assert sm2.SM2PublicKey.from_pem(PUB.spki_pem()) == PUB
    assert sm2.SM2PublicKey.from_pem(KEY.pkcs8_pem() + PUB.spki_pem()) == PUB


def test_private_key_der_variants() -> None:
    d = KEY.d.to_bytes(32, "big")
    point = PUB.to_bytes()
    # SEC1 without the optional fields, and with a short (leading-zero-stripped) scalar
    bare = _sm2_der.tlv(0x30, _sm2_der.der_uint(1) + _sm2_der.tlv(0x04, d))
    assert sm2.SM2PrivateKey.from_der(bare) == KEY
    small = _sm2_der.tlv(0x30, _sm2_der.der_uint(1) + _sm2_der.tlv(0x04, b"\x07"))
    assert sm2.SM2PrivateKey.from_der(small).d == 7
    # PKCS#8 v2 (OneAsymmetricKey) with attributes and a publicKey field
    inner = _sm2_der.encode_sec1(d, point, with_params=False)
    alg = _sm2_der.tlv(0x30, EC_OID + SM2_OID)
    body = _sm2_der.der_uint(1) + alg + _sm2_der.tlv(0x04, inner)
    v2 = _sm2_der.tlv(0x30, body + _sm2_der.tlv(0xA0, b"") + _sm2_der.tlv(0x81, b"\x00" + point))
    assert sm2.SM2PrivateKey.from_der(v2) == KEY


def test_private_key_der_rejects() -> None:
    d = KEY.d.to_bytes(32, "big")
    wrong_point = OTHER.public_key().to_bytes()
    cases = [
        _sm2_der.encode_sec1(d, wrong_point),  # public key does not match
        _sm2_der.encode_pkcs8(d, wrong_point),
        _sm2_der.encode_sec1(d, b"\x04" + b"\x01" * 64),  # embedded point off the curve
        _sm2_der.encode_sec1(b"\x00" * 32, PUB.to_bytes()),  # d = 0
        _sm2_der.encode_sec1(N.to_bytes(32, "big"), PUB.to_bytes()),  # d = n
        _sm2_der.encode_sec1(b"\x01" * 33, PUB.to_bytes()),  # 33-byte scalar
        _sm2_der.tlv(0x30, _sm2_der.der_uint(2) + _sm2_der.tlv(0x04, d)),  # SEC1 version 2
        KEY.pkcs8_der() + b"\x00",
        KEY.pkcs8_der()[:-1],
        _sm2_der.tlv(
            0x30, _sm2_der.der_uint(1) + _sm2_der.tlv(0x04, d) + _sm2_der.tlv(0xA0, EC_OID)
        ),
    ]
    p256 = ec.generate_private_key(ec.SECP256R1())
    cases.append(
        p256.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    for der in cases:
        with pytest.raises(KeyFormatError):
            sm2.SM2PrivateKey.from_der(der)


def test_pem_rejects() -> None:
    encrypted = (
        b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n"
    )
    bad_b64 = b"-----BEGIN PRIVATE KEY-----\nMA*=\n-----END PRIVATE KEY-----\n"
    for data in (encrypted, bad_b64, b"", "\u00e9".encode(), PUB.spki_pem(), b"\xff\xfe"):
        with pytest.raises(KeyFormatError):
            sm2.SM2PrivateKey.from_pem(data)
    with pytest.raises(KeyFormatError):
        sm2.SM2PublicKey.from_pem(KEY.pkcs8_pem())


# --- Z_A and distinguishing IDs ---------------------------------------------------------


def test_za_entl_is_in_bits_and_empty_id_works() -> None:
    body = sm2._CURVE_PARAMS + PUB.to_bytes()[1:]
    assert sm2.compute_za(PUB, b"") == sm2._sm3(b"\x00\x00" + body)
    assert sm2.compute_za(PUB, b"a" * 300) == sm2._sm3(b"\x09\x60" + b"a" * 300 + body)
    longest = b"\x5a" * sm2.MAX_ID_LENGTH
    assert sm2.compute_za(PUB, longest) == sm2._sm3(b"\xff\xf8" + longest + body)


def test_compute_e_stream_matches_compute_e() -> None:
    assert sm2.compute_e_stream(PUB, io.BytesIO(MSG)).hex() == SIG["e"]
    big = bytes(range(256)) * 1000
    for chunk_size in (1, 7, 4096, 1 << 20):
        stream = io.BytesIO(big)
        e = sm2.compute_e_stream(PUB, stream, b"alice", chunk_size=chunk_size)
        assert e == sm2.compute_e(PUB, big, b"alice")
    assert sm2.compute_e_stream(PUB, io.BytesIO(b"")) == sm2.compute_e(PUB, b"")


def test_id_length_limit() -> None:
    # ENTL is 16 bits counting *bits*: 8191 bytes = 65528 bits is the longest encodable ID.
    assert sm2.MAX_ID_LENGTH == 8191
    too_long = b"x" * (sm2.MAX_ID_LENGTH + 1)
    with pytest.raises(ValidationException):
        sm2.compute_za(PUB, too_long)
    with pytest.raises(ValidationException):
        sm2.sign(KEY, MSG, sm2_id=too_long)
    with pytest.raises(ValidationException):
        sm2.verify(PUB, MSG, bytes.fromhex(SIG["signature_der"]), sm2_id=too_long)
    e = bytes.fromhex(SIG["e"])
    with pytest.raises(ValidationException):
        sm2.sign(KEY, e, prehashed=True, sm2_id=too_long)


@pytest.mark.parametrize(
    "sm2_id", [b"", b"alice@example.com", b"\x00", bytes(range(256)) * 31 + b"x" * 255]
)
def test_custom_ids(sm2_id: bytes) -> None:
    assert len(sm2_id) <= sm2.MAX_ID_LENGTH
    signature = sm2.sign(KEY, MSG, sm2_id=sm2_id)
    assert sm2.verify(PUB, MSG, signature, sm2_id=sm2_id)
    other_id = sm2.DEFAULT_ID if sm2_id != sm2.DEFAULT_ID else b""
    with pytest.raises(KMSInvalidSignatureException):
        sm2.verify(PUB, MSG, signature, sm2_id=other_id)
    e = sm2.compute_e(PUB, MSG, sm2_id)
    assert sm2.verify(PUB, e, signature, prehashed=True)


# --- signatures ------------------------------------------------------------------------


def test_sign_is_randomised_and_verifies() -> None:
    sigs = {sm2.sign(KEY, MSG) for _ in range(4)}
    assert len(sigs) == 4
    for signature in sigs:
        assert sm2.verify(PUB, MSG, signature) is True
    with pytest.raises(KMSInvalidSignatureException):
        sm2.verify(OTHER.public_key(), MSG, sigs.pop())


def test_sign_parameter_errors() -> None:
    for k in (0, N, -1):
        with pytest.raises(ValidationException):
            sm2.sign(KEY, MSG, k_for_test_vectors=k)
    for bad in (b"", b"\x00" * 31, b"\x00" * 33):
        with pytest.raises(ValidationException):
            sm2.sign(KEY, bad, prehashed=True)
        with pytest.raises(ValidationException):
            sm2.verify(PUB, bad, bytes.fromhex(SIG["signature_der"]), prehashed=True)


def test_sign_with_k_giving_r_plus_k_equal_n_is_refused() -> None:
    # Choose e so that r = n - k for the fixed k: r = (e + x1) mod n.
    k = 12345
    x1 = _sm2_curve.mul_base(k)[0]  # type: ignore[index]
    e = (N - k - x1) % N
    with pytest.raises(ValidationException):
        sm2.sign(KEY, e.to_bytes(32, "big"), prehashed=True, k_for_test_vectors=k)


def _der_int(content: bytes) -> bytes:
    return _sm2_der.tlv(0x02, content)


R_BYTES = bytes.fromhex(SIG["r"])
S_BYTES = bytes.fromhex(SIG["s"])
GOOD_DER = bytes.fromhex(SIG["signature_der"])
BAD_SIGNATURES = {
    "empty": b"",
    "truncated": GOOD_DER[:-1],
    "trailing byte": GOOD_DER + b"\x00",
    "trailing sequence": GOOD_DER + GOOD_DER,
    "long-form length": b"\x30\x81\x46" + GOOD_DER[2:],
    "length 0x80 indefinite": b"\x30\x80" + GOOD_DER[2:] + b"\x00\x00",
    "int non-minimal": _sm2_der.tlv(0x30, _der_int(b"\x00\x00" + R_BYTES) + GOOD_DER[37:]),
    "int missing pad (negative)": _sm2_der.tlv(0x30, _der_int(R_BYTES) + _der_int(S_BYTES)),
    "int empty": _sm2_der.tlv(0x30, _der_int(b"") + _der_int(b"\x01")),
    "int length long-form": b"\x30\x47\x02\x81\x21" + GOOD_DER[4:],
    "third integer": _sm2_der.tlv(0x30, GOOD_DER[2:] + _der_int(b"\x01")),
    "one integer": _sm2_der.tlv(0x30, GOOD_DER[2:37]),
    "wrong outer tag": b"\x31" + GOOD_DER[1:],
    "wrong inner tag": GOOD_DER[:2] + b"\x03" + GOOD_DER[3:],
    "r = 0": _sm2_der.tlv(0x30, _der_int(b"\x00") + GOOD_DER[37:]),
    "s = n": _sm2_der.tlv(0x30, GOOD_DER[2:37] + _sm2_der.der_uint(N)),
    "r = n + r": _sm2_der.tlv(0x30, _sm2_der.der_uint(N + int(SIG["r"], 16)) + GOOD_DER[37:]),
    "r + s = n": _sm2_der.encode_signature(5, N - 5),
    "raw r||s": R_BYTES + S_BYTES,
    "multi-byte tag": b"\x1f\x10\x02\x02\x01\x01",
}


@pytest.mark.parametrize("name", list(BAD_SIGNATURES))
def test_verify_rejects_malformed(name: str) -> None:
    with pytest.raises(KMSInvalidSignatureException):
        sm2.verify(PUB, MSG, BAD_SIGNATURES[name])


@pytest.mark.parametrize("name", [n for n in BAD_SIGNATURES if n != "r + s = n"])
def test_signature_der_to_raw_rejects(name: str) -> None:
    with pytest.raises(SignatureFormatError):
        sm2.signature_der_to_raw(BAD_SIGNATURES[name])


def test_signature_raw_codec() -> None:
    raw = R_BYTES + S_BYTES
    assert sm2.signature_raw_to_der(raw) == GOOD_DER
    assert sm2.signature_der_to_raw(_sm2_der.encode_signature(1, 2)) == (1).to_bytes(32, "big") + (
        2
    ).to_bytes(32, "big")
    for bad in (raw[:-1], raw + b"\x00", b"\x00" * 64, N.to_bytes(32, "big") + S_BYTES):
        with pytest.raises(SignatureFormatError):
            sm2.signature_raw_to_der(bad)


@FAST
@given(bit=st.integers(0, 8 * len(GOOD_DER) - 1))
def test_any_bit_flip_in_signature_is_rejected(bit: int) -> None:
    with pytest.raises(KMSInvalidSignatureException):
        sm2.verify(PUB, MSG, flip(GOOD_DER, bit))


@FAST
@given(bit=st.integers(0, 8 * len(MSG) - 1))
def test_any_bit_flip_in_message_is_rejected(bit: int) -> None:
    with pytest.raises(KMSInvalidSignatureException):
        sm2.verify(PUB, flip(MSG, bit), GOOD_DER)


@FAST
@given(bit=st.integers(0, 8 * len(sm2.DEFAULT_ID) - 1))
def test_any_bit_flip_in_id_is_rejected(bit: int) -> None:
    with pytest.raises(KMSInvalidSignatureException):
        sm2.verify(PUB, MSG, GOOD_DER, sm2_id=flip(sm2.DEFAULT_ID, bit))


@FAST
@given(bit=st.integers(0, 8 * 65 - 1))
def test_any_bit_flip_in_public_key_is_rejected(bit: int) -> None:
    try:
        tampered = sm2.SM2PublicKey.from_bytes(flip(PUB.to_bytes(), bit))
    except InvalidPointError:
        return
    with pytest.raises(KMSInvalidSignatureException):
        sm2.verify(tampered, MSG, GOOD_DER)


@FAST
@given(message=st.binary(max_size=200), sm2_id=st.binary(max_size=40))
def test_sign_verify_round_trip(message: bytes, sm2_id: bytes) -> None:
    signature = sm2.sign(OTHER, message, sm2_id=sm2_id)
    assert sm2.verify(OTHER.public_key(), message, signature, sm2_id=sm2_id)


# --- encryption ------------------------------------------------------------------------


@pytest.mark.parametrize("length", [1, 31, 32, 33, 64, 1000, 1024, 5000])
def test_encrypt_decrypt_lengths(length: int) -> None:
    plaintext = secrets.token_bytes(length)
    for encoding in sm2.CIPHERTEXT_ENCODINGS:
        ct = sm2.encrypt(PUB, plaintext, encoding=encoding)
        assert sm2.decrypt(KEY, ct, encoding=encoding) == plaintext
    assert len(sm2.encrypt(PUB, plaintext, encoding="C1C3C2")) == 65 + 32 + length


def test_encrypt_parameter_errors() -> None:
    with pytest.raises(ValidationException):
        sm2.encrypt(PUB, b"")
    with pytest.raises(ValidationException):
        sm2.encrypt(PUB, b"x", encoding="PEM")
    with pytest.raises(ValidationException):
        sm2.decrypt(KEY, ENCODED["DER"], encoding="C2C3C1")
    with pytest.raises(ValidationException):
        sm2.encrypt(PUB, b"x", k_for_test_vectors=N)
    assert sm2.decrypt(KEY, ENCODED["C1C3C2"], encoding="c1c3c2") == ENC_MSG


def test_encrypt_uses_rng() -> None:
    def rng(n: int) -> bytes:
        return b"\x11" * n

    a = sm2.encrypt(PUB, b"data", rng=rng)
    assert a == sm2.encrypt(PUB, b"data", rng=rng)
    assert a == sm2.encrypt(PUB, b"data", k_for_test_vectors=int.from_bytes(b"\x11" * 32))
    assert sm2.encrypt(PUB, b"data") != sm2.encrypt(PUB, b"data")


def test_decrypt_with_wrong_key() -> None:
    with pytest.raises(InvalidCiphertextException):
        sm2.decrypt(OTHER, ENCODED["DER"])


def test_decrypt_rejects_off_curve_c1() -> None:
    x, y, c3, c2 = _sm2_der.decode_ciphertext(ENCODED["DER"], "DER")
    bad = _sm2_der.encode_ciphertext(x, (y + 1) % P, c3, c2, "DER", prefix=True)
    # DER conversion checks structure only, so invalid-point vectors survive a round trip
    assert sm2.convert_ciphertext(bad, from_encoding="DER", to_encoding="DER") == bad
    with pytest.raises(InvalidCiphertextException):
        sm2.decrypt(KEY, bad)
    raw = _sm2_der.encode_ciphertext(x, (y + 1) % P, c3, c2, "C1C3C2", prefix=True)
    with pytest.raises(InvalidCiphertextException):
        sm2.decrypt(KEY, raw, encoding="C1C3C2")
    with pytest.raises(CiphertextFormatError):
        sm2.convert_ciphertext(raw, from_encoding="C1C3C2", to_encoding="DER")


def test_all_zero_kdf_output_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    # No real input gives an all-zero KDF output; force one to check decrypt refuses it.
    monkeypatch.setattr(sm2, "_kdf", lambda z, n: b"\x00" * n)
    with pytest.raises(InvalidCiphertextException):
        sm2.decrypt(KEY, ENCODED["DER"])
    with pytest.raises(ValidationException):
        sm2.encrypt(PUB, b"x", k_for_test_vectors=5)


def test_raw_ciphertext_whose_x_starts_with_04() -> None:
    # Without the prefix, C1 = x‖y; when x starts with 04 the prefix test must not misfire.
    k = next(k for k in range(1, 5000) if _sm2_curve.mul_base(k)[0] >> 248 == 4)  # type: ignore[index]
    for encoding in ("C1C3C2", "C1C2C3"):
        ct = sm2.encrypt(PUB, b"hello", encoding=encoding, k_for_test_vectors=k)
        bare = ct[1:]
        assert bare[0] == 4
        assert sm2.decrypt(KEY, bare, encoding=encoding) == b"hello"
        assert sm2.decrypt(KEY, ct, encoding=encoding) == b"hello"
        der = sm2.convert_ciphertext(bare, from_encoding=encoding, to_encoding="DER")
        assert sm2.decrypt(KEY, der) == b"hello"


BAD_CIPHERTEXTS = {
    "empty": b"",
    "trailing": ENCODED["DER"] + b"\x00",
    "truncated": ENCODED["DER"][:-1],
    "hash 31 bytes": _sm2_der.tlv(
        0x30,
        _sm2_der.der_uint(1)
        + _sm2_der.der_uint(2)
        + _sm2_der.tlv(0x04, b"\x00" * 31)
        + _sm2_der.tlv(0x04, b"x"),
    ),
    "empty C2": _sm2_der.tlv(
        0x30,
        _sm2_der.der_uint(1)
        + _sm2_der.der_uint(2)
        + _sm2_der.tlv(0x04, b"\x00" * 32)
        + _sm2_der.tlv(0x04, b""),
    ),
    "x = p": _sm2_der.tlv(
        0x30,
        _sm2_der.der_uint(P)
        + _sm2_der.der_uint(2)
        + _sm2_der.tlv(0x04, b"\x00" * 32)
        + _sm2_der.tlv(0x04, b"x"),
    ),
    "negative y": _sm2_der.tlv(
        0x30,
        _sm2_der.der_uint(1)
        + _der_int(b"\xff")
        + _sm2_der.tlv(0x04, b"\x00" * 32)
        + _sm2_der.tlv(0x04, b"x"),
    ),
    "raw form": ENCODED["C1C3C2"],
}


@pytest.mark.parametrize("name", list(BAD_CIPHERTEXTS))
def test_decrypt_rejects_malformed_der(name: str) -> None:
    with pytest.raises(InvalidCiphertextException):
        sm2.decrypt(KEY, BAD_CIPHERTEXTS[name])
    with pytest.raises(CiphertextFormatError):
        sm2.convert_ciphertext(BAD_CIPHERTEXTS[name], from_encoding="DER", to_encoding="C1C3C2")


@pytest.mark.parametrize("encoding", ["C1C3C2", "C1C2C3"])
def test_decrypt_rejects_short_raw(encoding: str) -> None:
    # C1 and C3 but no C2
    stub = ENCODED["C1C3C2"][: 65 + 32]
    for data in (stub, stub[1:], b"", b"\x04"):
        with pytest.raises(InvalidCiphertextException):
            sm2.decrypt(KEY, data, encoding=encoding)


@FAST
@given(encoding=st.sampled_from(list(ENCODED)), bit=st.integers(0, 10**6))
def test_any_bit_flip_in_ciphertext_is_rejected(encoding: str, bit: int) -> None:
    with pytest.raises(InvalidCiphertextException):
        sm2.decrypt(KEY, flip(ENCODED[encoding], bit), encoding=encoding)


@FAST
@given(plaintext=st.binary(min_size=1, max_size=300), encoding=st.sampled_from(list(ENCODED)))
def test_encrypt_decrypt_round_trip(plaintext: bytes, encoding: str) -> None:
    ct = sm2.encrypt(PUB, plaintext, encoding=encoding)
    assert sm2.decrypt(KEY, ct, encoding=encoding) == plaintext
    for dst in ENCODED:
        converted = sm2.convert_ciphertext(ct, from_encoding=encoding, to_encoding=dst)
        assert sm2.decrypt(KEY, converted, encoding=dst) == plaintext


# --- ECDH ------------------------------------------------------------------------------


@FAST
@given(a=st.integers(1, N - 2), b=st.integers(1, N - 2))
@example(a=1, b=N - 2)
def test_ecdh_symmetry(a: int, b: int) -> None:
    ka, kb = sm2.SM2PrivateKey(a), sm2.SM2PrivateKey(b)
    shared = sm2.derive_shared_secret(ka, kb.public_key())
    assert shared == sm2.derive_shared_secret(kb, ka.public_key())
    assert len(shared) == 32
    assert int.from_bytes(shared, "big") == _sm2_curve.mul_base(a * b % N)[0]  # type: ignore[index]


# --- decoder robustness ----------------------------------------------------------------

DECODERS: dict[str, Callable[[bytes], Any]] = {
    "public from_bytes": sm2.SM2PublicKey.from_bytes,
    "public from_spki_der": sm2.SM2PublicKey.from_spki_der,
    "public from_pem": sm2.SM2PublicKey.from_pem,
    "private from_der": sm2.SM2PrivateKey.from_der,
    "private from_pem": sm2.SM2PrivateKey.from_pem,
    "signature_der_to_raw": sm2.signature_der_to_raw,
    "signature_raw_to_der": sm2.signature_raw_to_der,
    "verify": lambda data: sm2.verify(PUB, MSG, data),
    "verify prehashed": lambda data: sm2.verify(PUB, data, GOOD_DER, prehashed=True),
}


def _decrypt_with(encoding: str) -> Callable[[bytes], Any]:
    return lambda data: sm2.decrypt(KEY, data, encoding=encoding)


def _convert_from(encoding: str) -> Callable[[bytes], Any]:
    return lambda data: sm2.convert_ciphertext(data, from_encoding=encoding, to_encoding="DER")


for _enc in sm2.CIPHERTEXT_ENCODINGS:
    DECODERS[f"decrypt {_enc}"] = _decrypt_with(_enc)
    DECODERS[f"convert {_enc}"] = _convert_from(_enc)

VALID_INPUTS = [
    GOOD_DER,
    R_BYTES + S_BYTES,
    *ENCODED.values(),
    PUB.spki_der(),
    PUB.to_bytes(),
    PUB.to_bytes(compressed=True),
    KEY.pkcs8_der(),
    KEY.sec1_der(),
    KEY.pkcs8_pem(),
    PUB.spki_pem(),
]


def _call_only_kmskit_errors(name: str, data: bytes) -> None:
    try:
        DECODERS[name](data)
    except KmskitError:
        pass


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(list(DECODERS)), data=st.binary(max_size=300))
def test_random_bytes_raise_only_kmskit_errors(name: str, data: bytes) -> None:
    _call_only_kmskit_errors(name, data)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(VALID_INPUTS)))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "set", "cut", "insert", "delete"]))
        i = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "set" and data:
            data[i] = draw(st.sampled_from([0x00, 0x7F, 0x80, 0x81, 0x82, 0x84, 0xFF]))
        elif op == "cut":
            del data[i:]
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=3))
        elif op == "delete" and data:
            del data[i]
    return bytes(data)


@settings(max_examples=500, deadline=None)
@given(name=st.sampled_from(list(DECODERS)), data=mutated())
def test_mutated_encodings_raise_only_kmskit_errors(name: str, data: bytes) -> None:
    _call_only_kmskit_errors(name, data)


def test_pem_with_base64_of_garbage() -> None:
    body = base64.b64encode(b"\x30\x03\x02\x01").decode()
    for label in ("PRIVATE KEY", "EC PRIVATE KEY", "SM2 PRIVATE KEY"):
        pem = f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"
        with pytest.raises(KeyFormatError):
            sm2.SM2PrivateKey.from_pem(pem)


def test_non_bytes_inputs_are_type_errors() -> None:
    # bytes(5) would be five zero bytes; an int must never be taken for data.
    with pytest.raises(TypeError):
        sm2.verify(PUB, MSG, 70)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        sm2.SM2PublicKey.from_bytes(65)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        sm2.sign(KEY, "message")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        sm2.compute_za(PUB, "1234567812345678")  # type: ignore[arg-type]
    # bytearray and memoryview are accepted at run time, though the hints say bytes
    assert sm2.verify(
        PUB,
        bytearray(MSG),  # type: ignore[arg-type]
        memoryview(GOOD_DER),  # type: ignore[arg-type]
        sm2_id=bytearray(sm2.DEFAULT_ID),  # type: ignore[arg-type]
    )


FALLBACK_SCRIPT = """
import hashlib, sys
sys.modules["gmpy2"] = None  # make `import gmpy2` fail
_new = hashlib.new
def _no_sm3(name, *args, **kwargs):  # as with an OpenSSL built without SM3
    if name.lower() == "sm3":
        raise ValueError("unsupported hash type sm3")
    return _new(name, *args, **kwargs)
hashlib.new = _no_sm3
from kmskit.offline import _sm2_curve, _sm2_der, sm2
assert not _sm2_curve.HAVE_GMPY2 and _sm2_curve._int is int
assert type(sm2._sm3_new()).__name__ == "_CryptographySM3"
key = sm2.SM2PrivateKey(int(sys.argv[1], 16))
der = sm2.sign(key, b"message digest", k_for_test_vectors=int(sys.argv[2], 16))
assert der.hex() == sys.argv[3], der.hex()
assert sm2.verify(key.public_key(), b"message digest", der)
assert sm2.decrypt(key, sm2.encrypt(key.public_key(), b"x")) == b"x"
print("ok")
"""


def test_fallbacks_without_gmpy2_and_without_hashlib_sm3() -> None:
    root = Path(__file__).resolve().parents[2]
    args = [SIG["private_key"], SIG["k"], SIG["signature_der"]]
    proc = subprocess.run(
        [sys.executable, "-c", FALLBACK_SCRIPT, *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


# --- per-key verification tables (point_table / mul_add_tabled) ------------------------


_TABLE_D = 0x3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8  # annex d
_TABLE = _sm2_curve.point_table(PUB.x, PUB.y)


@FAST
@given(u=st.integers(0, N - 1), v=st.integers(0, N - 1))
@example(u=N - 1, v=N - 1)
@example(u=0, v=0)
@example(u=N - _TABLE_D, v=1)  # (n-d)·G + d·G = infinity
@example(u=_TABLE_D, v=1)  # d·G + P with P = d·G: the addition must fall back to doubling
def test_mul_add_tabled_matches_reference(u: int, v: int) -> None:
    assert KEY.d == _TABLE_D
    expected = _sm2_curve.add_affine(
        _sm2_curve.mul_reference(u, *G), _sm2_curve.mul_reference(v, PUB.x, PUB.y)
    )
    assert _sm2_curve.mul_add_tabled(u, v, _TABLE) == expected


def test_mul_add_tabled_refuses_scalars_out_of_range() -> None:
    with pytest.raises(ValueError, match="out of range"):
        _sm2_curve.mul_add_tabled(N, 1, _TABLE)


def test_annex_signature_with_and_without_the_key_table() -> None:
    der = bytes.fromhex(SIG["signature_der"])
    cold = sm2.SM2PublicKey(PUB.x, PUB.y)
    warm = sm2.SM2PublicKey(PUB.x, PUB.y)
    warm.precompute()
    for pub in (cold, warm):
        assert sm2.verify(pub, MSG, der) is True
        assert sm2.verify(pub, bytes.fromhex(SIG["e"]), der, prehashed=True) is True
        for bit in (0, 100, 8 * len(der) - 1):
            with pytest.raises(KMSInvalidSignatureException):
                sm2.verify(pub, MSG, flip(der, bit))
    assert cold._verify_state.table is None and warm._verify_state.table is not None


def test_a_key_builds_its_table_after_a_few_verifications() -> None:
    key = sm2.generate_private_key()
    pub = sm2.SM2PublicKey(key.public_key().x, key.public_key().y)
    signatures = [sm2.sign(key, b"m%d" % i) for i in range(12)]
    for i, der in enumerate(signatures):
        assert sm2.verify(pub, b"m%d" % i, der) is True
        with pytest.raises(KMSInvalidSignatureException):
            sm2.verify(pub, b"m%d" % (i + 1), der)
    assert pub._verify_state.table is not None
