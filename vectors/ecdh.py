"""ECDH vectors (kind ``ecdh``) on the curves KMS allows for KEY_AGREEMENT: P-256, P-384, P-521.

Private scalars come from the DRBG; shared secrets are computed with ``cryptography`` and
checked through ``offline.agreement.derive_shared_secret`` (the KMS DeriveSharedSecret
rules: same curve, validated peer point). WrongCurve peers are secp256k1 for P-256 (the same
coordinate size), P-256 for P-384 and P-384 for P-521.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from kmskit.offline.agreement import derive_shared_secret
from kmskit.offline.keys import PrivateKey, load_public_key
from kmskit.vectors._curves import P256, P384, P521, SECP256K1, Curve
from kmskit.vectors._doc import Group
from kmskit.vectors._drbg import Drbg
from kmskit.vectors._ecdh import EcdhCtx, Point, build_groups
from kmskit.vectors._family import Family, Json, Verdict, judged

__all__ = ["FAMILIES", "FAMILY", "KIND"]

KIND: Final = "ecdh"
_OTHER: Final = {P256.name: SECP256K1, P384.name: P256, P521.name: P384}


def _pyca(curve: Curve) -> ec.EllipticCurve:
    assert curve.pyca is not None
    return curve.pyca()


def _ctx(curve: Curve) -> EcdhCtx:
    def point(d: int) -> Point:
        nums = ec.derive_private_key(d, _pyca(curve)).public_key().public_numbers()
        return nums.x, nums.y

    def shared(d: int, q: Point) -> bytes:
        peer = ec.EllipticCurvePublicNumbers(q[0], q[1], _pyca(curve)).public_key()
        return ec.derive_private_key(d, _pyca(curve)).exchange(ec.ECDH(), peer)

    def other_spki(rng: Drbg) -> bytes:
        other = _OTHER[curve.name]
        key = ec.derive_private_key(rng.child("other").scalar(other.n - 1), _pyca(other))
        return key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    return EcdhCtx(curve, point, shared, other_spki, curve.n - 1)


def build(rng: Drbg, count: int) -> tuple[Sequence[str], Sequence[Group]]:
    header = [
        "ECDH as KMS DeriveSharedSecret: shared = the x-coordinate of private * public,",
        "as long as the field. public is the peer's SubjectPublicKeyInfo (hex DER);",
        'private is the scalar (big-endian hex). Invalid cases have shared = "".',
    ]
    return header, build_groups([_ctx(c) for c in (P256, P384, P521)], rng, count)


def judge(group: Json, test: Json) -> Verdict:
    def run() -> bytes:
        curve = {c.name: c for c in (P256, P384, P521)}[group["curve"]]
        key = ec.derive_private_key(int(test["private"], 16), _pyca(curve))
        peer = load_public_key(bytes.fromhex(test["public"]))
        return derive_shared_secret(PrivateKey.from_key(key), peer)

    return judged(run)


def expected_shared(test: Json) -> bytes:
    return bytes.fromhex(test["shared"])


FAMILY: Final = Family(KIND, "ECDH", 3, build, judge, expected_shared)
FAMILIES: Final = (FAMILY,)
