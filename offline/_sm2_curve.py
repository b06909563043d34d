"""Arithmetic on the SM2 recommended curve (private to :mod:`offline.sm2`).

Points are Jacobian triples ``(X, Y, Z)`` with ``x = X/Z²`` and ``y = Y/Z³``; ``Z == 0`` is
the point at infinity. Affine points are ``(x, y)`` pairs and never represent infinity.
Every coordinate kept between operations is reduced into ``[0, p)``.

Speed comes from three places:

* ``k·G`` uses a signed radix-2⁸ fixed-base table (41 windows × 128 affine points, built
  lazily once, about 20 ms with gmpy2): one mixed addition per window and no doublings.
* ``k·P`` for a variable ``P`` uses width-5 wNAF with a batch-normalised table of odd
  multiples, so every addition in the main loop is a mixed (Jacobian + affine) addition.
* ``u·G + v·P`` with a per-key comb table for P (:func:`point_table`, built for keys that
  verify many signatures) is only mixed additions, about 52 of them, and no doublings.
* ``u·G + v·P`` (SM2 verify) otherwise interleaves a width-9 wNAF of ``u`` over a fixed table of odd
  multiples of G with a width-5 wNAF of ``v``, sharing one chain of doublings.

Field elements are ``gmpy2.mpz`` when gmpy2 imports and plain ``int`` otherwise; the code is
the same either way (``_int`` converts, ``_inv`` inverts). Scalars are plain ``int``.

Python integers are not constant time. Callers blind secret scalars with :func:`blind`,
which adds a random multiple of n so the bit pattern processed differs on every call.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import cache
from typing import Any, Final

from kmskit.offline._sm2_params import (
    A_INT as A_INT,
)
from kmskit.offline._sm2_params import (
    B_INT as B_INT,
)
from kmskit.offline._sm2_params import (
    GX_INT as GX_INT,
)
from kmskit.offline._sm2_params import (
    GY_INT as GY_INT,
)
from kmskit.offline._sm2_params import (
    N_INT as N_INT,
)
from kmskit.offline._sm2_params import (
    P_INT as P_INT,
)

_int: Callable[[int], Any]
_inv: Callable[[Any, Any], Any]
try:
    import gmpy2

    _int = gmpy2.mpz
    _inv = gmpy2.invert
    HAVE_GMPY2: Final = True
except ImportError:  # pragma: no cover - exercised only without the "fast" extra
    _int = int

    def _inv(a: Any, m: Any) -> Any:
        return pow(a, -1, m)

    HAVE_GMPY2 = False  # type: ignore[misc]

Affine = tuple[Any, Any]
Jacobian = tuple[Any, Any, Any]

# GB/T 32918.5 recommended curve parameters (sm2p256v1) live in offline/_sm2_params.py.
_P: Final = _int(P_INT)
_B: Final = _int(B_INT)
_SQRT_EXP: Final = _int((P_INT + 1) // 4)  # p ≡ 3 (mod 4)

_INFINITY: Final[Jacobian] = (_int(1), _int(1), _int(0))

# Fixed-base table shape: radix 2^_FB_W signed digits, enough windows for the 320-bit
# scalars that blind() produces plus one carry digit.
_FB_W: Final = 8
_FB_WINDOWS: Final = 41
# Verification tables (point_table and G's twin) only ever multiply scalars below n < 2^256:
# radix 2^10, 26 windows = 260 bits, room for the carry of the signed digits.
_VT_W: Final = 10
_VT_WINDOWS: Final = 26
_G_WNAF_W: Final = 9
_VAR_WNAF_W: Final = 5
BLIND_BITS: Final = 64
MAX_SCALAR_BITS: Final = _FB_W * _FB_WINDOWS - 1


def is_on_curve(x: int, y: int) -> bool:
    """Return whether ``(x, y)`` is an affine point of the curve with coordinates in [0, p)."""
    if not (0 <= x < P_INT and 0 <= y < P_INT):
        return False
    xm = _int(x)
    return bool((_int(y) * y - (xm * xm * xm - 3 * xm + _B)) % _P == 0)


def lift_x(x: int, y_odd: int) -> int | None:
    """Return the y with parity ``y_odd`` such that ``(x, y)`` is on the curve, or None."""
    if not 0 <= x < P_INT:
        return None
    xm = _int(x)
    rhs = (xm * xm * xm - 3 * xm + _B) % _P
    y = pow(rhs, _SQRT_EXP, _P)
    if y * y % _P != rhs:
        return None
    if int(y) & 1 != y_odd:
        if not y:  # y = 0 has no partner of the other parity
            return None
        y = _P - y
    return int(y)


def blind(k: int) -> int:
    """Return ``k + r·n`` for a fresh random r with its top bit set (a 320-bit scalar).

    Multiplying a point of order n by the result gives the same point as ``k``, but the
    digits the ladder walks through change on every call and the length stays fixed.
    """
    r = secrets.randbits(BLIND_BITS) | (1 << (BLIND_BITS - 1))
    return k + r * N_INT


def _dbl(X1: Any, Y1: Any, Z1: Any) -> Jacobian:
    """Jacobian doubling for a = −3 (dbl-2001-b); doubling infinity gives infinity."""
    p = _P
    delta = Z1 * Z1 % p
    gamma = Y1 * Y1 % p
    beta = X1 * gamma % p
    alpha = 3 * (X1 - delta) * (X1 + delta) % p
    X3 = (alpha * alpha - 8 * beta) % p
    Z3 = 2 * Y1 * Z1 % p
    Y3 = (alpha * (4 * beta - X3) - 8 * gamma * gamma) % p
    return X3, Y3, Z3


def _add_mixed(X1: Any, Y1: Any, Z1: Any, x2: Any, y2: Any) -> Jacobian:
    """Return (X1, Y1, Z1) + (x2, y2), with the affine operand never infinity."""
    p = _P
    if not Z1:
        return x2, y2, _int(1)
    z1z1 = Z1 * Z1 % p
    h = x2 * z1z1 % p - X1
    r = y2 * Z1 * z1z1 % p - Y1
    if not h:
        if not r:
            return _dbl(x2, y2, _int(1))
        return _INFINITY
    hh = h * h % p
    hhh = h * hh % p
    v = X1 * hh % p
    X3 = (r * r - hhh - 2 * v) % p
    Y3 = (r * (v - X3) - Y1 * hhh) % p
    Z3 = Z1 * h % p
    return X3, Y3, Z3


def _add(X1: Any, Y1: Any, Z1: Any, X2: Any, Y2: Any, Z2: Any) -> Jacobian:
    """Return the sum of two Jacobian points (either may be infinity)."""
    if not Z2:
        return X1, Y1, Z1
    if not Z1:
        return X2, Y2, Z2
    p = _P
    z1z1 = Z1 * Z1 % p
    z2z2 = Z2 * Z2 % p
    u1 = X1 * z2z2 % p
    s1 = Y1 * Z2 * z2z2 % p
    h = X2 * z1z1 % p - u1
    r = Y2 * Z1 * z1z1 % p - s1
    if not h:
        if not r:
            return _dbl(X1, Y1, Z1)
        return _INFINITY
    hh = h * h % p
    hhh = h * hh % p
    v = u1 * hh % p
    X3 = (r * r - hhh - 2 * v) % p
    Y3 = (r * (v - X3) - s1 * hhh) % p
    Z3 = Z1 * Z2 * h % p
    return X3, Y3, Z3


def _to_affine(pt: Jacobian) -> tuple[int, int] | None:
    X, Y, Z = pt
    if not Z:
        return None
    zi = _inv(Z, _P)
    zi2 = zi * zi % _P
    return int(X * zi2 % _P), int(Y * zi2 * zi % _P)


def _batch_affine(points: list[Jacobian]) -> list[Affine]:
    """Normalise many finite Jacobian points with one inversion (Montgomery's trick)."""
    p = _P
    prefix = []
    acc = _int(1)
    for _, _, z in points:
        prefix.append(acc)
        acc = acc * z % p
    inv = _inv(acc, p)
    out: list[Affine] = [(0, 0)] * len(points)
    for i in range(len(points) - 1, -1, -1):
        X, Y, Z = points[i]
        zi = inv * prefix[i] % p
        inv = inv * Z % p
        zi2 = zi * zi % p
        out[i] = (X * zi2 % p, Y * zi2 * zi % p)
    return out


def _odd_multiples(x: Any, y: Any, count: int) -> dict[int, Affine]:
    """Return {±1: ±P, ±3: ±3P, …} for the first ``count`` odd multiples of affine P."""
    two = _to_affine(_dbl(x, y, _int(1)))
    if two is None:  # pragma: no cover - impossible: the curve has prime order n
        raise ArithmeticError("point of order 2 on the SM2 curve")
    tx, ty = _int(two[0]), _int(two[1])
    jac: list[Jacobian] = [(x, y, _int(1))]
    for _ in range(count - 1):
        jac.append(_add_mixed(*jac[-1], tx, ty))
    table: dict[int, Affine] = {}
    for i, (ax, ay) in enumerate(_batch_affine(jac)):
        table[2 * i + 1] = (ax, ay)
        table[-(2 * i + 1)] = (ax, (_P - ay) % _P)
    return table


def _wnaf(k: int, w: int) -> list[tuple[int, int]]:
    """Width-w NAF of k ≥ 0 as (bit position, odd digit) pairs, lowest position first."""
    out = []
    pos = 0
    full = 1 << w
    half = full >> 1
    mask = full - 1
    while k:
        if k & 1:
            d = k & mask
            if d >= half:
                d -= full
            k = (k - d) >> w
            out.append((pos, d))
            pos += w
        else:
            tz = (k & -k).bit_length() - 1
            k >>= tz
            pos += tz
    return out


def _wnaf_sum(events: list[tuple[int, Affine]]) -> Jacobian:
    """Σ 2^pos · point over ``events``, with one shared chain of doublings.

    This is the interleaved (Shamir-style) multi-scalar loop: the events of all scalars are
    merged by bit position, and the accumulator is doubled once per position.
    """
    if not events:
        return _INFINITY
    events.sort(key=lambda ev: ev[0], reverse=True)
    p = _P
    X, Y, Z = _INFINITY
    cur = events[0][0]
    for pos, (x2, y2) in events:
        for _ in range(cur - pos):
            # Inlined _dbl: this loop is where verify spends most of its time.
            delta = Z * Z % p
            gamma = Y * Y % p
            beta = X * gamma % p
            alpha = 3 * (X - delta) * (X + delta) % p
            X = (alpha * alpha - 8 * beta) % p
            Z = 2 * Y * Z % p
            Y = (alpha * (4 * beta - X) - 8 * gamma * gamma) % p
        cur = pos
        X, Y, Z = _add_mixed(X, Y, Z, x2, y2)
    for _ in range(cur):
        X, Y, Z = _dbl(X, Y, Z)
    return X, Y, Z


def _comb_table(bx: Any, by: Any, windows: int, width: int) -> tuple[tuple[Affine, ...], ...]:
    """Window i holds j·2^(w·i)·B for j = 1…2^(w−1), affine (the signed radix-2^w comb of B)."""
    half = 1 << (width - 1)
    out = []
    for _ in range(windows):
        jac: list[Jacobian] = [(bx, by, _int(1))]
        for _ in range(half - 1):
            jac.append(_add_mixed(*jac[-1], bx, by))
        jac.append(_dbl(*jac[-1]))  # 2^w · base = the next window's base
        aff = _batch_affine(jac)
        out.append(tuple(aff[:half]))
        bx, by = aff[half]
    return tuple(out)


@cache
def _fixed_base_table() -> tuple[tuple[Affine, ...], ...]:
    """Built once (lazily): window i holds j·2^(8i)·G for j = 1…128, affine.

    Two threads racing here may both build it; either result is the same table.
    """
    return _comb_table(_int(GX_INT), _int(GY_INT), _FB_WINDOWS, _FB_W)


PointTable = tuple[tuple[Affine, ...], ...]


@cache
def _g_verify_table() -> PointTable:
    """Built once (lazily): G's comb in radix 2^10, the u·G half of a tabled verify."""
    return _comb_table(_int(GX_INT), _int(GY_INT), _VT_WINDOWS, _VT_W)


def point_table(x: int, y: int) -> PointTable:
    """The comb table of a public key point: window i holds j·2^(10i)·P for j ≤ 512, affine.

    26 windows cover the scalars below n (radix 2^10, a carry included). Building it takes
    about 50 ms and it holds about 2 MB; afterwards u·G + v·P needs no doublings at all,
    only about 52 mixed additions (see :func:`mul_add_tabled`). A wider radix would save
    additions but cost memory and build time exponentially.
    """
    return _comb_table(_int(x), _int(y), _VT_WINDOWS, _VT_W)


@cache
def _g_wnaf_table() -> dict[int, Affine]:
    """Built once (lazily): ±1·G, ±3·G, …, ±255·G for the width-9 wNAF in verify."""
    return _odd_multiples(_int(GX_INT), _int(GY_INT), 1 << (_G_WNAF_W - 2))


def precompute() -> None:
    """Build the fixed tables for G now instead of on first use (for benchmarks, servers)."""
    _fixed_base_table()
    _g_wnaf_table()
    _g_verify_table()


def mul_base(k: int) -> tuple[int, int] | None:
    """Return k·G as affine ints, or None for infinity. Requires 0 ≤ k < 2^327."""
    if k < 0 or k.bit_length() > MAX_SCALAR_BITS:
        raise ValueError("scalar out of range for the fixed-base table")
    table = _fixed_base_table()
    full = 1 << _FB_W
    half = full >> 1
    mask = full - 1
    p = _P
    X, Y, Z = _INFINITY
    for window in table:
        if not k:
            break
        d = k & mask
        k >>= _FB_W
        if d > half:
            d -= full
            k += 1
        if d > 0:
            x2, y2 = window[d - 1]
            X, Y, Z = _add_mixed(X, Y, Z, x2, y2)
        elif d < 0:
            x2, y2 = window[-d - 1]
            X, Y, Z = _add_mixed(X, Y, Z, x2, p - y2)
    return _to_affine((X, Y, Z))


def mul(k: int, x: int, y: int) -> tuple[int, int] | None:
    """Return k·(x, y) for an affine point already checked to be on the curve; None = ∞."""
    if k < 0:
        raise ValueError("negative scalar")
    table = _odd_multiples(_int(x), _int(y), 1 << (_VAR_WNAF_W - 2))
    return _to_affine(_wnaf_sum([(pos, table[d]) for pos, d in _wnaf(k, _VAR_WNAF_W)]))


def mul_add_base(u: int, v: int, x: int, y: int) -> tuple[int, int] | None:
    """Return u·G + v·(x, y) (the SM2 verify equation) as affine ints; None = ∞."""
    if u < 0 or v < 0:
        raise ValueError("negative scalar")
    g_table = _g_wnaf_table()
    p_table = _odd_multiples(_int(x), _int(y), 1 << (_VAR_WNAF_W - 2))
    events = [(pos, g_table[d]) for pos, d in _wnaf(u, _G_WNAF_W)]
    events += [(pos, p_table[d]) for pos, d in _wnaf(v, _VAR_WNAF_W)]
    return _to_affine(_wnaf_sum(events))


def mul_add_tabled(u: int, v: int, table: PointTable) -> tuple[int, int] | None:
    """Return u·G + v·P with ``table = point_table(P)``, for 0 ≤ u, v < n; None = ∞.

    Both scalars are written in signed radix 2^10 and every digit is one mixed addition
    from a table into one accumulator: no doublings (the per-key precomputation for batches
    of signatures under one key). The mixed addition of :func:`_add_mixed` is inlined: this
    loop is all a tabled verify does.
    """
    if not (0 <= u < N_INT and 0 <= v < N_INT):
        raise ValueError("scalar out of range for a verification table")
    p = _P
    full = 1 << _VT_W
    half = full >> 1
    mask = full - 1
    X = Y = Z = _int(0)
    finite = False  # the accumulator starts at infinity
    for windows, k in ((_g_verify_table(), u), (table, v)):
        for window in windows:
            if not k:
                break
            d = k & mask
            k >>= _VT_W
            if d > half:
                d -= full
                k += 1
            if not d:
                continue
            if d > 0:
                x2, y2 = window[d - 1]
            else:
                x2, y2 = window[-d - 1]
                y2 = p - y2
            if not finite:
                X, Y, Z = x2, y2, _int(1)
                finite = True
                continue
            z1z1 = Z * Z % p
            h = x2 * z1z1 % p - X
            r = y2 * Z * z1z1 % p - Y
            if not h:
                if r:
                    finite = False  # the point was −accumulator: the sum is infinity
                else:
                    X, Y, Z = _dbl(X, Y, Z)  # the point equals the accumulator
                continue
            hh = h * h % p
            hhh = h * hh % p
            t = X * hh % p
            X = (r * r - hhh - 2 * t) % p
            Y = (r * (t - X) - Y * hhh) % p
            Z = Z * h % p
    if not finite:
        return None
    return _to_affine((X, Y, Z))


def add_affine(p1: tuple[int, int] | None, p2: tuple[int, int] | None) -> tuple[int, int] | None:
    """Return p1 + p2 for affine points (None = infinity); used by tests as a reference."""
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    j1 = (_int(p1[0]), _int(p1[1]), _int(1))
    j2 = (_int(p2[0]), _int(p2[1]), _int(1))
    return _to_affine(_add(*j1, *j2))


def mul_reference(k: int, x: int, y: int) -> tuple[int, int] | None:
    """Plain left-to-right double-and-add with full additions; slow, for tests only."""
    acc: Jacobian = _INFINITY
    base: Jacobian = (_int(x), _int(y), _int(1))
    for bit in bin(k)[2:] if k > 0 else "":
        acc = _dbl(*acc)
        if bit == "1":
            acc = _add(*acc, *base)
    return _to_affine(acc)
