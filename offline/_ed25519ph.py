"""Ed25519ph (HashEdDSA over edwards25519, RFC 8032 §5.1 with phflag = 1) signing and verification.

``cryptography`` only offers pure Ed25519, so this module implements the prehash variant that
AWS KMS calls ``ED25519_PH_SHA_512``. The caller passes ``PH(M) = SHA-512(M)``, 64 bytes.

KMS note (Sign/Verify API reference, ``MessageType``): ``ED25519_PH_SHA_512`` requires
``MessageType=DIGEST``, and KMS *still* applies the SHA-512 prehash of FIPS 186-5 §7.8.1 step 1
to that digest. For a KMS ``Message`` ``d`` the value to pass here is therefore ``SHA-512(d)``.
That mapping belongs to the caller; this module is plain RFC 8032 Ed25519ph.

Verification is strict, as in RFC 8032 §5.1.7: public keys and R must be canonical encodings
(y < p, and no "negative zero" x), S must be below L, and the cofactorless equation
[S]B = R + [k]A is checked by comparing canonical encodings. Small-order points are not
rejected, because RFC 8032 does not reject them.

The arithmetic uses CPython integers. It is not constant time and does not resist side
channels, which is acceptable only for the offline tool this is.
"""

from __future__ import annotations

import functools
import hashlib

__all__ = ["sign", "verify"]

# RFC 8032 §5.1: the field, curve constant d, group order L and base point B.
_P = 2**255 - 19
_D = -121665 * pow(121666, -1, _P) % _P
_D2 = 2 * _D % _P
_L = 2**252 + 27742317777372353535851937790883648493
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
_BY = 4 * pow(5, -1, _P) % _P
_BX = 15112221349535400772501151409588531511454012693041857206046113283949847762202

# RFC 8032 §2: dom2(x, y) = "SigEd25519 no Ed25519 collisions" || octet(x) || octet(OLEN(y)) || y.
_DOM2_PREFIX = b"SigEd25519 no Ed25519 collisions"
_PHFLAG = b"\x01"

# Extended homogeneous coordinates (X, Y, Z, T) with x = X/Z, y = Y/Z, xy = T/Z (RFC 8032 §5.1.4).
_Point = tuple[int, int, int, int]
# A point prepared for repeated addition: (Y+X, Y-X, 2d*T, 2*Z).
_Cached = tuple[int, int, int, int]

_IDENTITY: _Point = (0, 1, 1, 0)
_BASE: _Point = (_BX, _BY, 1, _BX * _BY % _P)


def _add(p1: _Point, q: _Cached) -> _Point:
    """P + Q for a cached Q, using the a = -1 addition formulas of RFC 8032 §5.1.4."""
    x1, y1, z1, t1 = p1
    q_plus, q_minus, q_t2d, q_z2 = q
    a = (y1 - x1) * q_minus % _P
    b = (y1 + x1) * q_plus % _P
    c = t1 * q_t2d % _P
    d = z1 * q_z2 % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _double(p1: _Point) -> _Point:
    """2P, using the doubling formulas of RFC 8032 §5.1.4."""
    x1, y1, z1, _ = p1
    a = x1 * x1 % _P
    b = y1 * y1 % _P
    c = 2 * z1 * z1 % _P
    h = a + b
    e = h - (x1 + y1) * (x1 + y1) % _P
    g = a - b
    f = c + g
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _cache(p1: _Point) -> _Cached:
    x1, y1, z1, t1 = p1
    return ((y1 + x1) % _P, (y1 - x1) % _P, t1 * _D2 % _P, 2 * z1 % _P)


def _encode(p1: _Point) -> bytes:
    """RFC 8032 §5.1.2: little-endian y with the low bit of x in bit 255."""
    x1, y1, z1, _ = p1
    z_inv = pow(z1, -1, _P)
    x = x1 * z_inv % _P
    y = y1 * z_inv % _P
    return (y | (x & 1) << 255).to_bytes(32, "little")


def _decode(data: bytes) -> _Point | None:
    """RFC 8032 §5.1.3, strict: None for y >= p, a non-square x², or x = 0 with sign bit 1."""
    if len(data) != 32:
        return None
    value = int.from_bytes(data, "little")
    sign = value >> 255
    y = value & ((1 << 255) - 1)
    if y >= _P:
        return None
    u = (y * y - 1) % _P
    v = (_D * y * y + 1) % _P
    # Step 2: candidate root x = u v^3 (u v^7)^((p-5)/8).
    x = u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P) % _P
    vx2 = v * x * x % _P
    if vx2 == (-u) % _P:
        x = x * _SQRT_M1 % _P
    elif vx2 != u:
        return None
    # Step 4: x = 0 has no negative representative.
    if x == 0 and sign == 1:
        return None
    if x & 1 != sign:
        x = _P - x
    return (x, y, 1, x * y % _P)


@functools.cache
def _base_table() -> tuple[tuple[_Cached, ...], ...]:
    """Fixed-base comb: row i holds j * 16^i * B for j = 0..15, so [s]B needs only 64 additions."""
    rows: list[tuple[_Cached, ...]] = []
    row_base = _BASE
    for _ in range(64):
        entries = [_IDENTITY]
        for _ in range(15):
            entries.append(_add(entries[-1], _cache(row_base)))
        rows.append(tuple(_cache(e) for e in entries))
        for _ in range(4):
            row_base = _double(row_base)
    return tuple(rows)


def _mul_base(scalar: int) -> _Point:
    """[scalar]B for 0 <= scalar < 2^256, one table addition per 4-bit window."""
    acc = _IDENTITY
    for row in _base_table():
        acc = _add(acc, row[scalar & 15])
        scalar >>= 4
    return acc


def _mul(scalar: int, p1: _Point) -> _Point:
    """[scalar]P for 0 <= scalar < 2^256 with a fixed 4-bit window (variable time)."""
    table = [_cache(_IDENTITY), _cache(p1)]
    multiple = p1
    for _ in range(14):
        multiple = _add(multiple, table[1])
        table.append(_cache(multiple))
    acc = _IDENTITY
    for shift in range(252, -1, -4):
        acc = _double(_double(_double(_double(acc))))
        acc = _add(acc, table[(scalar >> shift) & 15])
    return acc


def _dom2(context: bytes) -> bytes:
    if len(context) > 255:
        raise ValueError("Ed25519ph context must be at most 255 bytes")
    return _DOM2_PREFIX + _PHFLAG + bytes([len(context)]) + context


def _check_bytes(name: str, value: object) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise TypeError(f"{name} must be bytes")
    return bytes(value)


def _prehash(value: object) -> bytes:
    prehash = _check_bytes("prehash", value)
    if len(prehash) != 64:
        raise ValueError("Ed25519ph prehash must be a 64-byte SHA-512 digest")
    return prehash


def _hash_int(*parts: bytes) -> int:
    return int.from_bytes(hashlib.sha512(b"".join(parts)).digest(), "little")


def sign(private_seed: bytes, prehash: bytes, context: bytes = b"") -> bytes:
    """Sign ``prehash`` = SHA-512(M) with Ed25519ph (RFC 8032 §5.1.6, F = 1).

    ``private_seed`` is the 32-byte RFC 8032 private key (``private_bytes_raw()`` in
    ``cryptography``). Returns the 64-byte signature R || S. Raises ``ValueError`` if the seed
    is not 32 bytes, the prehash not 64 bytes, or the context longer than 255 bytes, and
    ``TypeError`` if any of them is not bytes.
    """
    seed = _check_bytes("private_seed", private_seed)
    if len(seed) != 32:
        raise ValueError("Ed25519 private key seed must be 32 bytes")
    digest = _prehash(prehash)
    dom = _dom2(_check_bytes("context", context))
    # RFC 8032 §5.1.5: clamp the first half of SHA-512(seed) into the secret scalar s.
    expanded = hashlib.sha512(seed).digest()
    scalar = int.from_bytes(expanded[:32], "little")
    scalar = (scalar & ~7 & ((1 << 254) - 1)) | (1 << 254)
    public = _encode(_mul_base(scalar % _L))
    # RFC 8032 §5.1.6 steps 2-5.
    r = _hash_int(dom, expanded[32:], digest) % _L
    r_bytes = _encode(_mul_base(r))
    k = _hash_int(dom, r_bytes, public, digest) % _L
    s = (r + k * scalar) % _L
    return r_bytes + s.to_bytes(32, "little")


def verify(public_key: bytes, prehash: bytes, signature: bytes, context: bytes = b"") -> bool:
    """Check an Ed25519ph signature over ``prehash`` = SHA-512(M) (RFC 8032 §5.1.7, F = 1).

    Returns ``True`` only for a valid signature. Any malformed public key or signature (wrong
    type or length, non-canonical or off-curve point, S >= L) gives ``False``. Raises
    ``ValueError`` if the prehash is not 64 bytes or the context is longer than 255 bytes, and
    ``TypeError`` if either of those is not bytes.
    """
    digest = _prehash(prehash)
    dom = _dom2(_check_bytes("context", context))
    if not isinstance(public_key, bytes | bytearray | memoryview):
        return False
    if not isinstance(signature, bytes | bytearray | memoryview):
        return False
    key_bytes, sig_bytes = bytes(public_key), bytes(signature)
    if len(key_bytes) != 32 or len(sig_bytes) != 64:
        return False
    a_point = _decode(key_bytes)
    r_point = _decode(sig_bytes[:32])
    s = int.from_bytes(sig_bytes[32:], "little")
    if a_point is None or r_point is None or s >= _L:
        return False
    k = _hash_int(dom, sig_bytes[:32], key_bytes, digest) % _L
    left = _encode(_mul_base(s))
    right = _encode(_add(r_point, _cache(_mul(k, a_point))))
    return left == right
