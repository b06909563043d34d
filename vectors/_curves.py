"""The KMS elliptic curves as the generators need them: KMS names, OIDs and parameters.

The parameters (p, b, n; a = -3 for the NIST curves, 0 for secp256k1) are the published SEC 2
/ FIPS 186-5 values. Generators need them to build invalid points and to range-check r and
s; ``cryptography`` does not expose them. Tests check them against ``cryptography``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from cryptography.hazmat.primitives.asymmetric import ec

from kmskit.offline import _sm2_curve

__all__ = ["CURVES", "SM2", "Curve", "by_name"]


@dataclass(frozen=True)
class Curve:
    name: str  # the Wycheproof / SEC 2 name
    key_spec: str  # the KMS key spec
    oid: bytes  # DER OBJECT IDENTIFIER of the named curve
    p: int
    a: int
    b: int
    n: int
    pyca: Callable[[], ec.EllipticCurve] | None  # None for SM2 (offline.sm2 implements it)

    @property
    def coord_len(self) -> int:
        return (self.p.bit_length() + 7) // 8

    def on_curve(self, x: int, y: int) -> bool:
        return (
            0 <= x < self.p
            and 0 <= y < self.p
            and (y * y - (x * x * x + self.a * x + self.b)) % self.p == 0
        )

    def has_y(self, x: int) -> bool:
        """Whether x^3 + ax + b is a square mod p (Euler's criterion)."""
        rhs = (x * x * x + self.a * x + self.b) % self.p
        return rhs == 0 or pow(rhs, (self.p - 1) // 2, self.p) == 1


_P256_P: Final = 2**256 - 2**224 + 2**192 + 2**96 - 1
_P384_P: Final = 2**384 - 2**128 - 2**96 + 2**32 - 1
_P521_P: Final = 2**521 - 1
_K1_P: Final = 2**256 - 2**32 - 977

P256: Final = Curve(
    "secp256r1",
    "ECC_NIST_P256",
    bytes.fromhex("06082a8648ce3d030107"),
    _P256_P,
    _P256_P - 3,
    0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B,
    0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    ec.SECP256R1,
)
P384: Final = Curve(
    "secp384r1",
    "ECC_NIST_P384",
    bytes.fromhex("06052b81040022"),
    _P384_P,
    _P384_P - 3,
    int(
        "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875a"
        "c656398d8a2ed19d2a85c8edd3ec2aef",
        16,
    ),
    int(
        "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf"
        "581a0db248b0a77aecec196accc52973",
        16,
    ),
    ec.SECP384R1,
)
P521: Final = Curve(
    "secp521r1",
    "ECC_NIST_P521",
    bytes.fromhex("06052b81040023"),
    _P521_P,
    _P521_P - 3,
    int(
        "0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef1"
        "09e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00",
        16,
    ),
    int(
        "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
        "fa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409",
        16,
    ),
    ec.SECP521R1,
)
SECP256K1: Final = Curve(
    "secp256k1",
    "ECC_SECG_P256K1",
    bytes.fromhex("06052b8104000a"),
    _K1_P,
    0,
    7,
    0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141,
    ec.SECP256K1,
)
SM2: Final = Curve(
    "sm2p256v1",
    "SM2",
    bytes.fromhex("06082a811ccf5501822d"),
    _sm2_curve.P_INT,
    _sm2_curve.A_INT,
    _sm2_curve.B_INT,
    _sm2_curve.N_INT,
    None,
)

CURVES: Final = (P256, P384, P521, SECP256K1, SM2)


def by_name(name: str) -> Curve:
    for curve in CURVES:
        if curve.name == name:
            return curve
    raise KeyError(name)
