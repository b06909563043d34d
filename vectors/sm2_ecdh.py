"""ECDH vectors on the SM2 curve (kind ``sm2-ecdh``), as KMS DeriveSharedSecret with SM2 keys.

The shared secret is the 32-byte x-coordinate of d·Q, computed with ``offline.sm2``. Points
for the invalid cases are built with the curve arithmetic in ``offline._sm2_curve``.
WrongCurve peers are valid P-256 keys, whose points have the same size as SM2's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from kmskit.offline import _sm2_curve, sm2
from kmskit.offline.agreement import derive_shared_secret
from kmskit.offline.keys import PrivateKey, load_public_key
from kmskit.vectors._curves import P256, SM2
from kmskit.vectors._doc import Group
from kmskit.vectors._drbg import Drbg
from kmskit.vectors._ecdh import EcdhCtx, Point, build_groups
from kmskit.vectors._family import Family, Json, Verdict, judged
from kmskit.vectors.ecdh import expected_shared

__all__ = ["FAMILIES", "FAMILY", "KIND"]

KIND: Final = "sm2-ecdh"


def _point(d: int) -> Point:
    pt = _sm2_curve.mul_base(d)
    assert pt is not None
    return pt


def _shared(d: int, q: Point) -> bytes:
    return sm2.derive_shared_secret(sm2.SM2PrivateKey(d), sm2.SM2PublicKey(*q))


def _other_spki(rng: Drbg) -> bytes:
    key = ec.derive_private_key(rng.child("other").scalar(P256.n - 1), ec.SECP256R1())
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


_CTX: Final = EcdhCtx(SM2, _point, _shared, _other_spki, sm2.N - 2)


def build(rng: Drbg, count: int) -> tuple[Sequence[str], Sequence[Group]]:
    header = [
        "ECDH on the SM2 curve (sm2p256v1), as KMS DeriveSharedSecret with SM2 keys:",
        "shared = the 32-byte x-coordinate of private * public. public is the peer's",
        "SubjectPublicKeyInfo (id-ecPublicKey, curve 1.2.156.10197.1.301, hex DER).",
    ]
    return header, build_groups([_CTX], rng, count)


def judge(group: Json, test: Json) -> Verdict:
    def run() -> bytes:
        key = PrivateKey.from_key(sm2.SM2PrivateKey(int(test["private"], 16)))
        peer = load_public_key(bytes.fromhex(test["public"]))
        return derive_shared_secret(key, peer)

    return judged(run)


FAMILY: Final = Family(KIND, "ECDH", 3, build, judge, expected_shared)
FAMILIES: Final = (FAMILY,)
