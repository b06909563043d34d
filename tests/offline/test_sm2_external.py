"""SM2 known answers from OpenSSL, Bouncy Castle, emmansun/gmsm and GmSSL
(``external/sm2.json``; origins and commits in tests/known_answers/SOURCES.md).

Every case runs through :mod:`kmskit.offline.sm2`, and through the public offline API
(``load_public_key``/``verify``/``decrypt``/``derive_shared_secret``) where it maps to a KMS
operation. Test ids are ``<case id>`` and the case's ``source`` is in each failure message.

What each kind asserts:

- ``sign-kat``: with the published k, ``sm2.sign`` reproduces r and s exactly (DER and r‖s),
  with the default ID or the case's own ID; the public API verifies the result.
- ``encrypt-kat``: with the published k, ``sm2.encrypt`` reproduces the ciphertext exactly in
  DER, and in C1C3C2 and C1C2C3 as converted from it; each decrypts back.
- ``verify``: verifies or is refused (``KMSInvalidSignatureException``) as the case states,
  both in ``sm2`` and through ``kmskit.offline.verify`` with ``SM2DSA``.
- ``decrypt``: a valid ciphertext gives the plaintext in every encoding (DER, C1C3C2 and
  C1C2C3, raw forms with and without the 04 prefix), also through ``kmskit.offline.decrypt``
  with ``SM2PKE``; an invalid one is refused with ``InvalidCiphertextException``.
- ``ciphertext-structure`` (no key): the GM/T 0009 structure is accepted or refused.
- ``public-key`` / ``keygen``: points off the curve, the wrong length, and private scalars
  outside [1, n−2] (GB/T 32918.1 §6.1) are refused; valid scalars give the published d·G.
- ``ecdh``: x(d·P) equals the published value (KMS DeriveSharedSecret returns exactly this).

Cases of kinds ``other-curve``, ``duplicate`` and ``not-a-kat`` carry no known answer that
kmskit could check (another curve, a repeat, OpenSSL's own "fake" test); each states why in
its ``skip`` field, and ``test_every_case_is_run_or_says_why_not`` holds them to that.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kmskit.offline import (
    InvalidCiphertextException,
    KeyFormatError,
    KMSInvalidSignatureException,
    PrivateKey,
    PublicKey,
    ValidationException,
    _sm2_der,
    decrypt,
    derive_shared_secret,
    load_private_key,
    load_public_key,
    sm2,
    verify,
)
from kmskit.offline.errors import CiphertextFormatError, InvalidPointError
from tests._vectors import load_json
from tests.cli._runner import kmskit, ok

CASES: list[dict[str, Any]] = load_json("external", "sm2.json")["cases"]
N = sm2.N

_RUN = {
    "sign-kat",
    "encrypt-kat",
    "verify",
    "decrypt",
    "ciphertext-structure",
    "public-key",
    "keygen",
    "ecdh",
}
_NOT_RUN = {"other-curve", "duplicate", "not-a-kat"}
_ENCODINGS = ("DER", "C1C3C2", "C1C2C3")


def _params(kind: str) -> list[Any]:
    return [pytest.param(c, id=c["id"]) for c in CASES if c["kind"] == kind]


def _where(case: dict[str, Any]) -> str:
    return f"{case['id']} ({case['source']})"


def _sm2_id(case: dict[str, Any]) -> bytes:
    """The case's distinguishing ID; ``null`` means the GB/T 32918 default 1234567812345678."""
    ident = case.get("sm2_id")
    return sm2.DEFAULT_ID if ident is None else ident.encode("utf-8")


def _private(case: dict[str, Any]) -> sm2.SM2PrivateKey:
    if case.get("private_key_pem"):
        return sm2.SM2PrivateKey.from_pem(case["private_key_pem"])
    return sm2.SM2PrivateKey(int(case["d"], 16))


def _public(case: dict[str, Any]) -> sm2.SM2PublicKey:
    if case.get("public_key_der"):
        return sm2.SM2PublicKey.from_spki_der(bytes.fromhex(case["public_key_der"]))
    if case.get("public_point"):
        return sm2.SM2PublicKey.from_bytes(bytes.fromhex(case["public_point"]))
    return _private(case).public_key()


def _signature_der(case: dict[str, Any]) -> bytes:
    if case.get("sig_der"):
        return bytes.fromhex(case["sig_der"])
    return sm2.signature_raw_to_der(bytes.fromhex(case["sig_raw"]))


def test_every_case_is_run_or_says_why_not() -> None:
    kinds = {c["kind"] for c in CASES}
    assert kinds <= _RUN | _NOT_RUN, f"unknown kinds {kinds - _RUN - _NOT_RUN}"
    for case in CASES:
        if case["kind"] in _NOT_RUN:
            assert case.get("skip") or case.get("note"), f"{case['id']} gives no reason"
    assert len({c["id"] for c in CASES}) == len(CASES), "case ids must be unique"
    # Guard against a reshaped file silently running nothing.
    assert sum(c["kind"] in _RUN for c in CASES) >= 55


# --- Deterministic-k signatures and encryption ----------------------------------------------


@pytest.mark.parametrize("case", _params("sign-kat"))
def test_sign_known_answer(case: dict[str, Any]) -> None:
    key = _private(case)
    ident = _sm2_id(case)
    k = int(case["k"], 16)
    r, s = int(case["r"], 16), int(case["s"], 16)
    sig = sm2.sign(key, bytes.fromhex(case["message"]), sm2_id=ident, k_for_test_vectors=k)
    assert sig == _sm2_der.encode_signature(r, s), _where(case)
    assert sm2.signature_der_to_raw(sig) == r.to_bytes(32, "big") + s.to_bytes(32, "big")
    pub = load_public_key(key.public_key().spki_der())
    custom = None if ident == sm2.DEFAULT_ID else ident
    assert verify(pub, bytes.fromhex(case["message"]), sig, "SM2DSA", sm2_id=custom)
    # The same e through DIGEST: e = SM3(Z_A ‖ M) with the case's ID.
    e = sm2.compute_e(key.public_key(), bytes.fromhex(case["message"]), ident)
    assert sm2.sign(key, e, prehashed=True, k_for_test_vectors=k) == sig
    assert verify(pub, e, sig, "SM2DSA", "DIGEST")


@pytest.mark.parametrize("case", _params("encrypt-kat"))
def test_encrypt_known_answer(case: dict[str, Any]) -> None:
    key = _private(case)
    plaintext = bytes.fromhex(case["plaintext"])
    expected_der = bytes.fromhex(case["ciphertext"])
    k = int(case["k"], 16)
    for encoding in _ENCODINGS:
        made = sm2.encrypt(key.public_key(), plaintext, encoding=encoding, k_for_test_vectors=k)
        expected = sm2.convert_ciphertext(expected_der, from_encoding="DER", to_encoding=encoding)
        assert made == expected, f"{_where(case)} {encoding}"
        assert sm2.decrypt(key, made, encoding=encoding) == plaintext
    assert decrypt(PrivateKey.from_key(key), expected_der, "SM2PKE") == plaintext


# --- Verification -----------------------------------------------------------------------------


def _public_api_verify(
    pub: sm2.SM2PublicKey, case: dict[str, Any], message: bytes, sig: bytes, mtype: str
) -> None:
    loaded = load_public_key(pub.spki_der())
    ident = _sm2_id(case)
    custom = None if ident == sm2.DEFAULT_ID or mtype == "DIGEST" else ident
    if case["expect"] == "valid":
        assert verify(loaded, message, sig, "SM2DSA", mtype, sm2_id=custom), _where(case)
    else:
        with pytest.raises(KMSInvalidSignatureException):
            verify(loaded, message, sig, "SM2DSA", mtype, sm2_id=custom)


@pytest.mark.parametrize("case", _params("verify"))
def test_verify(case: dict[str, Any], tmp_path: Path) -> None:
    pub = _public(case)
    message = bytes.fromhex(case["message"])
    sig = _signature_der(case)
    ident = _sm2_id(case)
    mtype = case["message_type"]
    if case.get("digest", "SM3") != "SM3":
        _verify_non_sm3_digest(case, pub, message, sig)
        return
    if mtype == "DIGEST-from-kmskit-sm2-digest":
        # The case asks for e = SM3(Z_A ‖ M) from `kmskit offline sm2-digest`, then a DIGEST
        # verification; the CLI is run in-process exactly as a user would run it.
        (tmp_path / "pub.pem").write_bytes(pub.spki_pem())
        (tmp_path / "msg").write_bytes(message)
        out = ok(
            kmskit(
                "offline",
                "sm2-digest",
                "--public-key",
                tmp_path / "pub.pem",
                "--message",
                tmp_path / "msg",
                "--out",
                "-",
            )
        )
        message, mtype = out.stdout, "DIGEST"
        assert message == sm2.compute_e(pub, bytes.fromhex(case["message"]), ident)
    prehashed = mtype == "DIGEST"
    if case["expect"] == "valid":
        assert sm2.verify(pub, message, sig, sm2_id=ident, prehashed=prehashed), _where(case)
    else:
        with pytest.raises(KMSInvalidSignatureException):
            sm2.verify(pub, message, sig, sm2_id=ident, prehashed=prehashed)
    _public_api_verify(pub, case, message, sig, mtype)


def _verify_non_sm3_digest(
    case: dict[str, Any], pub: sm2.SM2PublicKey, e: bytes, sig: bytes
) -> None:
    """OpenSSL's ``Ctrl = digest:SHA512`` stanza: e is a 64-byte SHA-512 value.

    KMS SM2DSA takes only a 32-byte DIGEST (SM3), so kmskit refuses the input with
    ValidationException (the case's ``skip`` says why). The signature itself is still
    checked: GB/T 32918.2 §7.1 B5–B7 use e only through R = (e + x1) mod n, so e mod n as a
    32-byte digest must verify.
    """
    assert case["skip"], _where(case)
    with pytest.raises(ValidationException):
        sm2.verify(pub, e, sig, prehashed=True)
    with pytest.raises(ValidationException):
        verify(load_public_key(pub.spki_der()), e, sig, "SM2DSA", "DIGEST")
    reduced = (int.from_bytes(e, "big") % N).to_bytes(32, "big")
    assert sm2.verify(pub, reduced, sig, prehashed=True) is (case["expect"] == "valid")


# --- Decryption and ciphertext structure -----------------------------------------------------


def _all_encodings(ciphertext: bytes, encoding: str) -> list[tuple[str, bytes]]:
    """The ciphertext in every encoding kmskit reads, raw forms with and without 04."""
    forms = []
    for target in _ENCODINGS:
        for prefix in (True, False) if target != "DER" else (True,):
            converted = sm2.convert_ciphertext(
                ciphertext, from_encoding=encoding, to_encoding=target, prefix=prefix
            )
            forms.append((f"{target}{'' if prefix else '-no04'}", converted))
    return forms


@pytest.mark.parametrize("case", _params("decrypt"))
def test_decrypt(case: dict[str, Any]) -> None:
    key = _private(case)
    ciphertext = bytes.fromhex(case["ciphertext"])
    encoding = case["encoding"]
    if case["expect"] != "valid":
        with pytest.raises(InvalidCiphertextException):
            sm2.decrypt(key, ciphertext, encoding=encoding)
        with pytest.raises(InvalidCiphertextException):
            decrypt(PrivateKey.from_key(key), ciphertext, "SM2PKE")
        return
    plaintext = bytes.fromhex(case["plaintext"])
    forms = _all_encodings(ciphertext, encoding)
    assert len(forms) == 5
    for name, form in forms:
        target = name.removesuffix("-no04")
        assert sm2.decrypt(key, form, encoding=target) == plaintext, f"{_where(case)} {name}"
    der = dict(forms)["DER"]
    loaded = load_private_key(key.pkcs8_pem())
    assert decrypt(loaded, der, "SM2PKE") == plaintext


@pytest.mark.parametrize("case", _params("ciphertext-structure"))
def test_ciphertext_structure(case: dict[str, Any]) -> None:
    ciphertext = bytes.fromhex(case["ciphertext"])
    encoding = case["encoding"]
    if case["expect"] == "valid":
        for name, form in _all_encodings(ciphertext, encoding):
            back = sm2.convert_ciphertext(
                form, from_encoding=name.removesuffix("-no04"), to_encoding=encoding
            )
            assert back == ciphertext, f"{_where(case)} {name}"
    else:
        with pytest.raises(CiphertextFormatError):
            sm2.convert_ciphertext(ciphertext, from_encoding=encoding, to_encoding="C1C3C2")
        # And decryption refuses it before any key is used.
        with pytest.raises(InvalidCiphertextException):
            sm2.decrypt(sm2.SM2PrivateKey(1), ciphertext, encoding=encoding)


# --- Keys and ECDH ------------------------------------------------------------------------------


@pytest.mark.parametrize("case", _params("public-key"))
def test_public_key(case: dict[str, Any]) -> None:
    raw = bytes.fromhex(case["raw_point"])
    if case["expect"] == "valid":
        pub = sm2.SM2PublicKey.from_bytes(raw)
        assert pub.to_bytes() == raw, _where(case)
        assert load_public_key(pub.spki_der()).spec == "SM2"
        return
    with pytest.raises(InvalidPointError):
        sm2.SM2PublicKey.from_bytes(raw)
    if len(raw) == 65:
        # The same point wrapped in an SPKI, as a KMS GetPublicKey answer would carry it: the
        # loader names the key as unusable, as it does for an off-curve NIST point.
        with pytest.raises(KeyFormatError, match="not a point on the curve"):
            load_public_key(_sm2_der.encode_spki(raw))


@pytest.mark.parametrize("case", _params("keygen"))
def test_private_scalar(case: dict[str, Any]) -> None:
    d = int(case["d"], 16)
    point = b"\x04" + bytes.fromhex(case["public_x"]) + bytes.fromhex(case["public_y"])
    if case["expect"] == "valid":
        key = sm2.SM2PrivateKey(d)
        assert key.public_key().to_bytes() == point, _where(case)
        assert load_private_key(key.pkcs8_der()).public_key().spki_der() == _sm2_der.encode_spki(
            point
        )
        return
    with pytest.raises(KeyFormatError):
        sm2.SM2PrivateKey(d)
    if d < 2**256:
        # A PKCS#8 file holding that scalar (with the published d·G, or the identity's
        # all-zero stand-in) must not load either.
        with pytest.raises(KeyFormatError):
            load_private_key(_sm2_der.encode_pkcs8(d.to_bytes(32, "big"), point))


@pytest.mark.parametrize("case", _params("ecdh"))
def test_ecdh(case: dict[str, Any]) -> None:
    assert case["expect"] == "valid", "no invalid ECDH case is vendored"
    key = sm2.SM2PrivateKey(int(case["d"], 16))
    peer = sm2.SM2PublicKey(int(case["peer_x"], 16), int(case["peer_y"], 16))
    shared = bytes.fromhex(case["shared"])
    assert sm2.derive_shared_secret(key, peer) == shared, _where(case)
    secret = derive_shared_secret(PrivateKey.from_key(key), PublicKey.from_key(peer))
    assert secret == shared
