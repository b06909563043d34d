"""SM2PKE decryption vectors (kind ``sm2-encrypt``) in GM/T 0009 DER, C1C3C2 and C1C2C3.

Valid ciphertexts come straight from ``offline.sm2.encrypt(k_for_test_vectors=k)`` with the
ephemeral k drawn from the DRBG, so they are standard GB/T 32918.4 ciphertexts
(:func:`encrypt_with_k` reproduces the Annex C example). Invalid ones change exactly one
thing in the parts (C1, C3, C2) of such a ciphertext and re-encode them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Final

from cryptography.hazmat.primitives import hashes

from kmskit.offline import _sm2_curve, sm2
from kmskit.offline.encryption import decrypt
from kmskit.offline.errors import ValidationException
from kmskit.offline.keys import PrivateKey, load_private_key
from kmskit.offline.pem import pem_text
from kmskit.offline.specs import SM2PKE_MAX_PLAINTEXT
from kmskit.vectors import _der
from kmskit.vectors._doc import Case, CaseFn, Group, Result, flip_bit, run_cases
from kmskit.vectors._drbg import Drbg
from kmskit.vectors._family import Family, Json, Verdict, judged
from kmskit.vectors.sm2_sign import key_from

__all__ = ["FAMILIES", "FAMILY", "KIND", "encrypt_with_k"]

KIND: Final = "sm2-encrypt"


def encrypt_with_k(
    public_key: sm2.SM2PublicKey, plaintext: bytes, *, encoding: str, k: int
) -> bytes:
    """The one encryption call the generator makes: SM2PKE with a fixed ephemeral k."""
    return sm2.encrypt(public_key, plaintext, encoding=encoding, k_for_test_vectors=k)


@dataclass(frozen=True)
class _Parts:
    """A ciphertext taken apart (C1 = (x, y), C3, C2, the k it was made with) plus the
    encoding defects a negative case may ask for."""

    x: int
    y: int
    c3: bytes
    c2: bytes
    k: int
    long_form: bool = False
    pad_x: int = 0
    trailing: bytes = b""

    def encode(self, encoding: str) -> bytes:
        if encoding == "DER":
            body = _der.integer(self.x, pad=self.pad_x) + _der.integer(self.y)
            body += _der.tlv(0x04, self.c3) + _der.tlv(0x04, self.c2)
            return _der.tlv(0x30, body, long_form=self.long_form) + self.trailing
        c1 = b"\x04" + self.x.to_bytes(32, "big") + self.y.to_bytes(32, "big")
        return c1 + self.c3 + self.c2 if encoding == "C1C3C2" else c1 + self.c2 + self.c3


def _encrypt(pub: sm2.SM2PublicKey, msg: bytes, rng: Drbg, encoding: str) -> tuple[bytes, _Parts]:
    """A valid ciphertext from the library, and its parts; k comes from ``rng``."""
    nonces = rng.child("k")
    while True:
        k = nonces.scalar(sm2.N - 1)
        try:
            ct = encrypt_with_k(pub, msg, encoding=encoding, k=k)
        except ValidationException:  # pragma: no cover - an all-zero KDF output
            continue
        raw = encrypt_with_k(pub, msg, encoding="C1C3C2", k=k)
        x, y = int.from_bytes(raw[1:33], "big"), int.from_bytes(raw[33:65], "big")
        return ct, _Parts(x, y, raw[65:97], raw[97:], k)


def _fields(msg: bytes, ct: bytes, encoding: str) -> dict[str, str]:
    return {"msg": msg.hex(), "ct": ct.hex(), "encoding": encoding}


def _case(comment: str, result: Result, flag: str, msg: bytes, ct: bytes, encoding: str) -> Case:
    return Case(comment, result, (flag,), _fields(msg, ct, encoding))


@dataclass(frozen=True)
class _Ctx:
    key: sm2.SM2PrivateKey

    @property
    def pub(self) -> sm2.SM2PublicKey:
        return self.key.public_key()


_SHORT: Final = 19  # as long as the Annex C message "encryption standard"


def _normal(encoding: str, length: int) -> CaseFn[_Ctx]:
    def make(ctx: _Ctx, rng: Drbg) -> Case:
        msg = rng.child("msg").read(length)
        ct, _ = _encrypt(ctx.pub, msg, rng, encoding)
        note = " (the KMS maximum)" if length == SM2PKE_MAX_PLAINTEXT else ""
        return _case(
            f"{encoding}, {length}-byte message{note}", "valid", "Normal", msg, ct, encoding
        )

    return CaseFn(f"normal_{encoding.lower()}_{length}", make)


def _raw_no_prefix(encoding: str) -> CaseFn[_Ctx]:
    def make(ctx: _Ctx, rng: Drbg) -> Case:
        msg = rng.child("msg").read(_SHORT)
        ct, _ = _encrypt(ctx.pub, msg, rng, encoding)
        return _case(f"{encoding} without 04", "valid", "RawNoPrefix", msg, ct[1:], encoding)

    return CaseFn(f"raw_no_prefix_{encoding.lower()}", make)


Mutation = Callable[[_Parts, _Ctx, Drbg], _Parts]


def _same(p: _Parts, ctx: _Ctx, rng: Drbg) -> _Parts:
    return p


def _flip_c3(p: _Parts, ctx: _Ctx, rng: Drbg) -> _Parts:
    return replace(p, c3=flip_bit(p.c3, rng))


def _flip_c2(p: _Parts, ctx: _Ctx, rng: Drbg) -> _Parts:
    return replace(p, c2=flip_bit(p.c2, rng))


def _off_curve(p: _Parts, ctx: _Ctx, rng: Drbg) -> _Parts:
    return replace(p, y=(p.y + 1) % _sm2_curve.P_INT)


def _infinity(p: _Parts, ctx: _Ctx, rng: Drbg) -> _Parts:
    return replace(p, x=0, y=0)


def _not_reduced(p: _Parts, ctx: _Ctx, rng: Drbg) -> _Parts:
    return replace(p, x=p.x + _sm2_curve.P_INT)


def _empty_c2(p: _Parts, ctx: _Ctx, rng: Drbg) -> _Parts:
    """C2 empty, with C3 = SM3(x2 || y2) recomputed so that only the emptiness is wrong."""
    shared = _sm2_curve.mul(p.k, ctx.pub.x, ctx.pub.y)
    assert shared is not None
    h = hashes.Hash(hashes.SM3())
    h.update(shared[0].to_bytes(32, "big") + shared[1].to_bytes(32, "big"))
    return replace(p, c3=h.finalize(), c2=b"")


def _c3_31(p: _Parts, ctx: _Ctx, rng: Drbg) -> _Parts:
    return replace(p, c3=p.c3[:31])


def _long_form(p: _Parts, ctx: _Ctx, rng: Drbg) -> _Parts:
    return replace(p, long_form=True)


def _pad_x(p: _Parts, ctx: _Ctx, rng: Drbg) -> _Parts:
    return replace(p, pad_x=1)


def _trailing(p: _Parts, ctx: _Ctx, rng: Drbg) -> _Parts:
    return replace(p, trailing=b"\x00")


def _mutant(
    name: str,
    comment: str,
    flag: str,
    encoding: str,
    mutate: Mutation,
    *,
    stated: str | None = None,
    truncate: bool = False,
) -> CaseFn[_Ctx]:
    """One invalid case: ``mutate`` makes the single change to a valid ciphertext's parts.

    ``stated`` is the encoding the case claims (when it differs from the bytes);
    ``truncate`` removes the last byte of the encoded ciphertext.
    """

    def make(ctx: _Ctx, rng: Drbg) -> Case:
        msg = rng.child("msg").read(_SHORT)
        _, parts = _encrypt(ctx.pub, msg, rng, encoding)
        ct = mutate(parts, ctx, rng).encode(encoding)
        if truncate:
            ct = ct[:-1]
        return _case(comment, "invalid", flag, msg, ct, stated or encoding)

    return CaseFn(name, make)


_CASES: Final[tuple[CaseFn[_Ctx], ...]] = (
    _normal("DER", 1),
    _normal("DER", 32),
    _normal("DER", 100),
    _normal("DER", SM2PKE_MAX_PLAINTEXT),
    _normal("C1C3C2", _SHORT),
    _normal("C1C3C2", 33),
    _normal("C1C2C3", _SHORT),
    _normal("C1C2C3", 33),
    _raw_no_prefix("C1C3C2"),
    _raw_no_prefix("C1C2C3"),
    _mutant("modified_c3_der", "DER, one bit of C3 flipped", "ModifiedC3", "DER", _flip_c3),
    _mutant(
        "modified_c3_c1c3c2", "C1C3C2, one bit of C3 flipped", "ModifiedC3", "C1C3C2", _flip_c3
    ),
    _mutant(
        "modified_c3_c1c2c3", "C1C2C3, one bit of C3 flipped", "ModifiedC3", "C1C2C3", _flip_c3
    ),
    _mutant("modified_c2_der", "DER, one bit of C2 flipped", "ModifiedC2", "DER", _flip_c2),
    _mutant(
        "modified_c2_c1c2c3", "C1C2C3, one bit of C2 flipped", "ModifiedC2", "C1C2C3", _flip_c2
    ),
    _mutant("off_curve_c1_der", "DER, C1 = (x1, y1 + 1)", "OffCurveC1", "DER", _off_curve),
    _mutant("off_curve_c1_c1c3c2", "C1C3C2, C1 = (x1, y1 + 1)", "OffCurveC1", "C1C3C2", _off_curve),
    _mutant("infinity_c1_der", "DER, C1 = (0, 0)", "InfinityC1", "DER", _infinity),
    _mutant("infinity_c1_c1c3c2", "C1C3C2, C1 = 04 || 00...00", "InfinityC1", "C1C3C2", _infinity),
    _mutant(
        "coordinate_not_reduced_der", "DER, x1 + p", "CoordinateNotReduced", "DER", _not_reduced
    ),
    _mutant(
        "truncated_c1c3c2",
        "C1C3C2, last byte removed",
        "TruncatedCiphertext",
        "C1C3C2",
        _same,
        truncate=True,
    ),
    _mutant("empty_c2_der", "DER, empty C2 with a matching C3", "EmptyC2", "DER", _empty_c2),
    _mutant(
        "empty_c2_c1c3c2", "C1C3C2, empty C2 with a matching C3", "EmptyC2", "C1C3C2", _empty_c2
    ),
    _mutant(
        "wrong_order_c1c2c3",
        "C1C2C3 bytes, stated C1C3C2",
        "WrongEncodingOrder",
        "C1C2C3",
        _same,
        stated="C1C3C2",
    ),
    _mutant(
        "wrong_order_c1c3c2",
        "C1C3C2 bytes, stated C1C2C3",
        "WrongEncodingOrder",
        "C1C3C2",
        _same,
        stated="C1C2C3",
    ),
    _mutant(
        "ber_long_length_der",
        "DER, SEQUENCE length in long form",
        "BerLongLength",
        "DER",
        _long_form,
    ),
    _mutant(
        "integer_padding_der", "DER, x with an extra leading 00", "IntegerPadding", "DER", _pad_x
    ),
    _mutant("trailing_bytes_der", "DER, 00 after the SEQUENCE", "TrailingBytes", "DER", _trailing),
    _mutant("c3_31_bytes_der", "DER, C3 of 31 bytes", "WrongC3Length", "DER", _c3_31),
)


def build(rng: Drbg, count: int) -> tuple[Sequence[str], Sequence[Group]]:
    groups = []
    for i in range(count):
        key_rng = rng.child(f"key{i}")
        key = key_from(key_rng.child("d"))
        fields = {
            "type": "Sm2PkeDecrypt",
            "keySpec": "SM2",
            "encryptionAlgorithm": "SM2PKE",
            "privateKeyPem": key.pkcs8_pem().decode("ascii"),
            "publicKeyPem": pem_text("PUBLIC KEY", key.public_key().spki_der()),
        }
        groups.append(Group(fields, run_cases(_CASES, _Ctx(key), key_rng)))
    header = [
        "SM2PKE (GB/T 32918.4) decryption, as KMS Decrypt with SM2PKE for encoding DER.",
        "encoding DER = GM/T 0009 SEQUENCE{x, y, C3, C2}; C1C3C2 / C1C2C3 are raw layouts",
        "with C1 = 04 || x || y. msg is the expected plaintext.",
    ]
    return header, groups


@lru_cache(maxsize=64)
def _private_key(pem_text: str) -> PrivateKey:
    return load_private_key(pem_text.encode("ascii"))


def judge(group: Json, test: Json) -> Verdict:
    def run() -> bytes:
        private = _private_key(group["privateKeyPem"])
        ct = bytes.fromhex(test["ct"])
        if test["encoding"] == "DER":
            return decrypt(private, ct, "SM2PKE")
        assert isinstance(private.key, sm2.SM2PrivateKey)
        return sm2.decrypt(private.key, ct, encoding=test["encoding"])

    return judged(run)


def _expected(test: Json) -> bytes:
    return bytes.fromhex(test["msg"])


FAMILY: Final = Family(KIND, "SM2PKE", 3, build, judge, _expected)
FAMILIES: Final = (FAMILY,)
