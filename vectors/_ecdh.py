"""The ECDH cases ``ecdh`` (NIST curves) and ``sm2-ecdh`` share, in Wycheproof's EcdhTest shape.

Each test carries its own ``private`` scalar (big-endian hex, as long as the group order),
the peer's ``public`` SubjectPublicKeyInfo (hex DER) and the expected ``shared`` secret: the
x-coordinate of d·Q, as long as the field, which is what KMS DeriveSharedSecret returns.
Invalid cases have ``shared`` = "".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from kmskit.vectors import _der
from kmskit.vectors._curves import Curve
from kmskit.vectors._doc import Case, CaseFn, Group, Result, run_cases
from kmskit.vectors._drbg import Drbg

__all__ = ["CASES", "EcdhCtx", "build_groups"]

Point = tuple[int, int]


@dataclass(frozen=True)
class EcdhCtx:
    """A curve and kmskit's arithmetic on it: ``point(d)`` = d·G, ``shared(d, Q)`` = x(d·Q).

    ``other_spki(rng)`` returns a valid public key on another curve (for WrongCurve).
    ``max_private`` is the largest private scalar the curve's key type takes.
    """

    curve: Curve
    point: Callable[[int], Point]
    shared: Callable[[int, Point], bytes]
    other_spki: Callable[[Drbg], bytes]
    max_private: int

    @property
    def scalar_len(self) -> int:
        return (self.curve.n.bit_length() + 7) // 8

    def spki(self, encoded_point: bytes) -> bytes:
        return _der.ec_spki(self.curve.oid, encoded_point)

    def uncompressed(self, q: Point) -> bytes:
        size = self.curve.coord_len
        return b"\x04" + q[0].to_bytes(size, "big") + q[1].to_bytes(size, "big")


def _fields(ctx: EcdhCtx, d: int, public: bytes, shared: bytes) -> dict[str, str]:
    return {
        "private": d.to_bytes(ctx.scalar_len, "big").hex(),
        "public": public.hex(),
        "shared": shared.hex(),
    }


def _keys(ctx: EcdhCtx, rng: Drbg) -> tuple[int, Point]:
    d = rng.child("d").scalar(ctx.max_private)
    q = ctx.point(rng.child("peer").scalar(ctx.max_private))
    return d, q


def _case(comment: str, result: Result, flag: str, fields: dict[str, str]) -> Case:
    return Case(comment, result, (flag,), fields)


def normal(ctx: EcdhCtx, rng: Drbg) -> Case:
    d, q = _keys(ctx, rng)
    fields = _fields(ctx, d, ctx.spki(ctx.uncompressed(q)), ctx.shared(d, q))
    return _case("uncompressed peer point", "valid", "Normal", fields)


def compressed_point(ctx: EcdhCtx, rng: Drbg) -> Case:
    d, q = _keys(ctx, rng)
    point = bytes([2 | (q[1] & 1)]) + q[0].to_bytes(ctx.curve.coord_len, "big")
    fields = _fields(ctx, d, ctx.spki(point), ctx.shared(d, q))
    return _case("compressed peer point", "valid", "CompressedPoint", fields)


def off_curve_point(ctx: EcdhCtx, rng: Drbg) -> Case:
    d, q = _keys(ctx, rng)
    bad = (q[0], (q[1] + 1) % ctx.curve.p)
    fields = _fields(ctx, d, ctx.spki(ctx.uncompressed(bad)), b"")
    return _case("peer point (x, y + 1)", "invalid", "OffCurvePoint", fields)


def point_at_infinity(ctx: EcdhCtx, rng: Drbg) -> Case:
    d, _ = _keys(ctx, rng)
    return _case(
        "peer point 00", "invalid", "PointAtInfinity", _fields(ctx, d, ctx.spki(b"\x00"), b"")
    )


def invalid_compressed_point(ctx: EcdhCtx, rng: Drbg) -> Case:
    d, _ = _keys(ctx, rng)
    xs = rng.child("x")
    while True:
        x = xs.scalar(ctx.curve.p - 1)
        if not ctx.curve.has_y(x):
            break
    point = b"\x02" + x.to_bytes(ctx.curve.coord_len, "big")
    return _case(
        "compressed x with no y",
        "invalid",
        "InvalidCompressedPoint",
        _fields(ctx, d, ctx.spki(point), b""),
    )


def wrong_curve(ctx: EcdhCtx, rng: Drbg) -> Case:
    d, _ = _keys(ctx, rng)
    return _case(
        "peer key on another curve",
        "invalid",
        "WrongCurve",
        _fields(ctx, d, ctx.other_spki(rng), b""),
    )


CASES: Final[tuple[CaseFn[EcdhCtx], ...]] = (
    CaseFn("normal", normal),
    CaseFn("compressed_point", compressed_point),
    CaseFn("off_curve_point", off_curve_point),
    CaseFn("point_at_infinity", point_at_infinity),
    CaseFn("invalid_compressed_point", invalid_compressed_point),
    CaseFn("wrong_curve", wrong_curve),
)


def build_groups(ctxs: Sequence[EcdhCtx], rng: Drbg, count: int) -> list[Group]:
    """One group per curve; the case list runs ``count`` times with fresh keys."""
    groups = []
    for ctx in ctxs:
        cases: list[Case] = []
        for i in range(count):
            cases += run_cases(CASES, ctx, rng.child(f"{ctx.curve.name}/{i}"))
        fields = {
            "type": "EcdhTest",
            "curve": ctx.curve.name,
            "keySpec": ctx.curve.key_spec,
            "encoding": "asn",
        }
        groups.append(Group(fields, cases))
    return groups
