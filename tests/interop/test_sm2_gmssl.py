"""offline.sm2 against the pure-Python ``gmssl`` package, both directions.

gmssl conventions, converted here with the offline.sm2 codecs:

* signatures are hex r‖s (``asn1=False``) or hex DER (``asn1=True``);
* ciphertexts are raw C1‖C2‖C3 (``mode=0``, the constructor default) or C1‖C3‖C2
  (``mode=1``), with C1 = x‖y and no 04 prefix;
* keys are hex: d, and x‖y without the 04 prefix;
* only the default distinguishing ID ``1234567812345678`` is supported.

gmssl quirks that the tests avoid rather than paper over: it strips a leading "04" from the
public key hex with ``lstrip("04")``, which eats the first digits of an x that itself starts
with 0 or 4, so test keys are drawn with an x that does not start with hex "04"; and its
``decrypt`` never checks C3 (see ``test_gmssl_decrypt_skips_c3_but_we_do_not``).
"""

from __future__ import annotations

import pytest
from gmssl import sm2 as gm_sm2
from hypothesis import given, settings
from hypothesis import strategies as st

from kmskit.offline import sm2
from kmskit.offline.errors import InvalidCiphertextException
from tests._vectors import load_json

ANNEX = load_json("sm2", "gbt32918-annex.json")
GMSSL_SETTINGS = settings(max_examples=8, deadline=None)


def _gmssl_safe_key() -> sm2.SM2PrivateKey:
    while True:
        key = sm2.generate_private_key()
        if not key.public_key().to_bytes()[1:].hex().startswith("04"):
            return key


KEY = _gmssl_safe_key()


def gmssl_for(key: sm2.SM2PrivateKey, *, mode: int = 0, asn1: bool = False) -> gm_sm2.CryptSM2:
    return gm_sm2.CryptSM2(
        private_key=f"{key.d:064x}",
        public_key=key.public_key().to_bytes()[1:].hex(),
        mode=mode,
        asn1=asn1,
    )


def test_annex_key_is_usable_with_gmssl() -> None:
    # The annex x-coordinate starts with 09, so gmssl's lstrip("04") does not touch it.
    sig = ANNEX["signature"]
    key = sm2.SM2PrivateKey(int(sig["private_key"], 16))
    gm = gmssl_for(key)
    assert gm.public_key == sig["public_x"] + sig["public_y"]


def test_fixed_k_signature_matches_gmssl() -> None:
    sig = ANNEX["signature"]
    key = sm2.SM2PrivateKey(int(sig["private_key"], 16))
    e = bytes.fromhex(sig["e"])
    # gmssl's sign() takes e and k directly: the annex answer must agree with both of us.
    assert gmssl_for(key).sign(e, sig["k"]) == sig["r"] + sig["s"]
    ours = sm2.sign(key, e, prehashed=True, k_for_test_vectors=int(sig["k"], 16))
    assert sm2.signature_der_to_raw(ours).hex() == sig["r"] + sig["s"]
    msg = sig["message_utf8"].encode()
    assert gmssl_for(key).sign_with_sm3(msg, sig["k"]) == sig["r"] + sig["s"]


@GMSSL_SETTINGS
@given(message=st.binary(max_size=100), asn1=st.booleans())
def test_gmssl_signs_we_verify(message: bytes, asn1: bool) -> None:
    signature = gmssl_for(KEY, asn1=asn1).sign_with_sm3(message)
    assert signature is not None  # gmssl returns None for an unusable random k
    der = bytes.fromhex(signature) if asn1 else sm2.signature_raw_to_der(bytes.fromhex(signature))
    assert sm2.verify(KEY.public_key(), message, der) is True


@GMSSL_SETTINGS
@given(message=st.binary(max_size=100))
def test_we_sign_gmssl_verifies(message: bytes) -> None:
    der = sm2.sign(KEY, message)
    assert gmssl_for(KEY).verify_with_sm3(sm2.signature_der_to_raw(der).hex(), message)
    assert gmssl_for(KEY, asn1=True).verify_with_sm3(der.hex(), message)
    assert not gmssl_for(KEY).verify_with_sm3(sm2.signature_der_to_raw(der).hex(), message + b"x")


def test_custom_id_is_not_what_gmssl_checks() -> None:
    # gmssl hard-codes the default ID: a custom-ID signature must fail there.
    der = sm2.sign(KEY, b"msg", sm2_id=b"alice@example.com")
    assert not gmssl_for(KEY).verify_with_sm3(sm2.signature_der_to_raw(der).hex(), b"msg")


@pytest.mark.parametrize("mode, encoding", [(0, "C1C2C3"), (1, "C1C3C2")])
@pytest.mark.parametrize("length", [1, 32, 33, 200])
def test_gmssl_encrypts_we_decrypt(mode: int, encoding: str, length: int) -> None:
    plaintext = bytes((i * 31 + 7) % 256 for i in range(length))
    # When the KDF output is all zero, GB/T 32918.4 draws a new k; gmssl returns None instead
    # (1 time in 256 for a 1-byte message). Ask again, as the standard would have.
    ct = None
    for _ in range(16):
        ct = gmssl_for(KEY, mode=mode).encrypt(plaintext)
        if ct is not None:
            break
    assert ct is not None and len(ct) == 64 + 32 + length  # no 04 prefix
    assert sm2.decrypt(KEY, ct, encoding=encoding) == plaintext
    der = sm2.convert_ciphertext(ct, from_encoding=encoding, to_encoding="DER")
    assert sm2.decrypt(KEY, der) == plaintext


@pytest.mark.parametrize("mode, encoding", [(0, "C1C2C3"), (1, "C1C3C2")])
@pytest.mark.parametrize("length", [1, 32, 33, 200])
def test_we_encrypt_gmssl_decrypts(mode: int, encoding: str, length: int) -> None:
    plaintext = bytes((i * 17 + 5) % 256 for i in range(length))
    der = sm2.encrypt(KEY.public_key(), plaintext)
    raw = sm2.convert_ciphertext(der, from_encoding="DER", to_encoding=encoding, prefix=False)
    assert gmssl_for(KEY, mode=mode).decrypt(raw) == plaintext
    direct = sm2.encrypt(KEY.public_key(), plaintext, encoding=encoding)
    assert direct[0] == 4
    assert gmssl_for(KEY, mode=mode).decrypt(direct[1:]) == plaintext


def test_gmssl_decrypt_skips_c3_but_we_do_not() -> None:
    ct = bytearray(sm2.encrypt(KEY.public_key(), b"attack at dawn", encoding="C1C3C2"))
    ct[65] ^= 1  # first byte of C3
    tampered = bytes(ct)
    assert gmssl_for(KEY, mode=1).decrypt(tampered[1:]) == b"attack at dawn"
    with pytest.raises(InvalidCiphertextException):
        sm2.decrypt(KEY, tampered, encoding="C1C3C2")


def test_ecdh_matches_gmssl_point_multiplication() -> None:
    # gmssl has no ECDH API; its scalar multiplication _kg(k, "x‖y") is the oracle.
    peer = _gmssl_safe_key()
    shared = sm2.derive_shared_secret(KEY, peer.public_key())
    assert shared == sm2.derive_shared_secret(peer, KEY.public_key())
    point = gmssl_for(KEY)._kg(KEY.d, peer.public_key().to_bytes()[1:].hex())
    assert point[:64] == shared.hex()
