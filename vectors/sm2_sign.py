"""SM2DSA verification vectors (kind ``sm2-sign``), default and custom IDs, RAW and DIGEST.

Each key gives two groups: one with the default ID ``1234567812345678`` (no ``sm2Id``) and
one with a custom ID (``sm2Id`` hex), rotating through an e-mail address, the empty ID
(OpenSSL 3's default, a classic interop trap) and a 128-byte binary ID (its ENTL has a
non-zero high byte). Nonces k come from the DRBG and go through
``offline.sm2.sign(k_for_test_vectors=k)``, so the signatures are standard GB/T 32918.2
signatures: :func:`sign_with_k` reproduces the Annex A example.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from cryptography.hazmat.primitives import hashes

from kmskit.offline import sm2
from kmskit.offline.errors import ValidationException
from kmskit.offline.keys import PublicKey, load_public_key
from kmskit.offline.pem import pem_text
from kmskit.offline.signing import verify
from kmskit.vectors import _der, _ec_sig
from kmskit.vectors._doc import Case, CaseFn, Group, run_cases
from kmskit.vectors._drbg import Drbg
from kmskit.vectors._ec_sig import EcSigCtx, message, split, test_fields
from kmskit.vectors._family import Family, Json, Verdict, judged, no_output

__all__ = ["FAMILIES", "FAMILY", "KIND", "sign_with_k"]

KIND: Final = "sm2-sign"
_ID_EMAIL: Final = b"alice@example.com"
_BINARY_ID_LENGTH: Final = 128


def sign_with_k(
    key: sm2.SM2PrivateKey, data: bytes, *, sm2_id: bytes, k: int, prehashed: bool = False
) -> bytes:
    """The one signing call the generator makes: SM2DSA with a fixed nonce k (DER)."""
    return sm2.sign(key, data, sm2_id=sm2_id, prehashed=prehashed, k_for_test_vectors=k)


def _sign(
    key: sm2.SM2PrivateKey, data: bytes, rng: Drbg, *, sm2_id: bytes, prehashed: bool = False
) -> bytes:
    nonces = rng.child("k")
    while True:
        try:
            return sign_with_k(
                key, data, sm2_id=sm2_id, k=nonces.scalar(sm2.N - 1), prehashed=prehashed
            )
        except ValidationException:  # pragma: no cover - r = 0, r + k = n or s = 0
            continue


@dataclass(frozen=True)
class _Ctx:
    key: sm2.SM2PrivateKey
    sm2_id: bytes
    custom: bool

    def ec(self) -> EcSigCtx:
        pub = self.key.public_key()
        return EcSigCtx(
            n=sm2.N,
            coord_len=32,
            sign=lambda msg, rng: _sign(self.key, msg, rng, sm2_id=self.sm2_id),
            digest=lambda msg: sm2.compute_e(pub, msg, self.sm2_id),
        )


def wrong_id(ctx: _Ctx, rng: Drbg) -> Case:
    other = sm2.DEFAULT_ID if ctx.custom else b""
    msg = message(rng, _ec_sig.SHORT)
    sig = _sign(ctx.key, msg, rng, sm2_id=other)
    what = "the default ID" if ctx.custom else "the empty ID (OpenSSL 3's default)"
    return Case(f"signed with {what}", "invalid", ("WrongId",), test_fields(msg, sig))


def missing_za(ctx: _Ctx, rng: Drbg) -> Case:
    msg = message(rng, _ec_sig.SHORT)
    h = hashes.Hash(hashes.SM3())
    h.update(msg)
    e_without_za = h.finalize()
    sig = _sign(ctx.key, e_without_za, rng, sm2_id=ctx.sm2_id, prehashed=True)
    return Case("signature over SM3(M), no Z_A", "invalid", ("MissingZa",), test_fields(msg, sig))


def sum_is_zero(ctx: _Ctx, rng: Drbg) -> Case:
    msg = message(rng, _ec_sig.SHORT)
    r, _ = split(_sign(ctx.key, msg, rng, sm2_id=ctx.sm2_id))
    sig = _der.signature(r, sm2.N - r)
    return Case("s = n - r, so (r + s) mod n = 0", "invalid", ("SumIsZero",), test_fields(msg, sig))


def digest_leading_zero(ctx: _Ctx, rng: Drbg) -> Case:
    msg = message(rng, _ec_sig.SHORT)
    sig = _sign(ctx.key, msg, rng, sm2_id=ctx.sm2_id)
    e = sm2.compute_e(ctx.key.public_key(), msg, ctx.sm2_id)
    return Case(
        "DIGEST 00 || e (33 bytes, same integer)",
        "invalid",
        ("WrongDigestLength",),
        test_fields(b"\x00" + e, sig, digest=True),
    )


_SM2_CASES: Final[tuple[CaseFn[_Ctx], ...]] = (
    CaseFn("wrong_id", wrong_id),
    CaseFn("missing_za", missing_za),
    CaseFn("sum_is_zero", sum_is_zero),
    CaseFn("digest_leading_zero", digest_leading_zero),
)


def _custom_id(index: int, rng: Drbg) -> bytes:
    choice = index % 3
    if choice == 0:
        return _ID_EMAIL
    if choice == 1:
        return b""
    return rng.child("id").read(_BINARY_ID_LENGTH)


def key_from(rng: Drbg) -> sm2.SM2PrivateKey:
    """An SM2 private key d uniform in [1, n-2] from ``rng``."""
    return sm2.SM2PrivateKey(rng.scalar(sm2.N - 2))


def _group_fields(key: sm2.SM2PrivateKey, sm2_id: bytes | None) -> dict[str, object]:
    der = key.public_key().spki_der()
    fields: dict[str, object] = {
        "type": "Sm2Verify",
        "keySpec": "SM2",
        "signingAlgorithm": "SM2DSA",
        "sha": "SM3",
        "publicKeyDer": der.hex(),
        "publicKeyPem": pem_text("PUBLIC KEY", der),
    }
    if sm2_id is not None:
        fields["sm2Id"] = sm2_id.hex()
    return fields


def build(rng: Drbg, count: int) -> tuple[Sequence[str], Sequence[Group]]:
    groups = []
    for i in range(count):
        key_rng = rng.child(f"key{i}")
        key = key_from(key_rng.child("d"))
        for custom in (False, True):
            sm2_id = _custom_id(i, key_rng) if custom else sm2.DEFAULT_ID
            ctx = _Ctx(key, sm2_id, custom)
            group_rng = key_rng.child("custom" if custom else "default")
            cases = run_cases(_ec_sig.COMMON_CASES, ctx.ec(), group_rng)
            cases += run_cases(_SM2_CASES, ctx, group_rng)
            groups.append(Group(_group_fields(key, sm2_id if custom else None), cases))
    header = [
        "SM2DSA (GB/T 32918.2) signature verification, as KMS Verify with SM2DSA.",
        "sig is DER SEQUENCE{r, s}. messageType absent = RAW: msg is the message and the",
        "verifier computes e = SM3(Z_A || msg) with the group's ID (sm2Id hex; absent = the",
        "default 1234567812345678). messageType DIGEST: msg is e itself.",
    ]
    return header, groups


@lru_cache(maxsize=64)
def _public_key(der_hex: str) -> PublicKey:
    return load_public_key(bytes.fromhex(der_hex))


def judge(group: Json, test: Json) -> Verdict:
    """Verify with kmskit's public API, exactly as ``kmskit offline verify`` would."""

    def run() -> None:
        message_type = test.get("messageType", "RAW")
        sm2_id = None
        if "sm2Id" in group and message_type == "RAW":
            sm2_id = bytes.fromhex(group["sm2Id"])
        verify(
            _public_key(group["publicKeyDer"]),
            bytes.fromhex(test["msg"]),
            bytes.fromhex(test["sig"]),
            "SM2DSA",
            message_type,
            sm2_id=sm2_id,
        )
        return None

    return judged(run)


FAMILY: Final = Family(KIND, "SM2DSA", 3, build, judge, no_output)
FAMILIES: Final = (FAMILY,)
