"""Pure-Python FIPS 204 ML-DSA signing and verification over an external message representative μ.

AWS KMS's ``EXTERNAL_MU`` message type has the caller send μ (FIPS 204 Algorithm 7 line 6)
instead of the message. This module implements the parts needed for that: computing μ,
KeyGen_internal from the 32-byte seed ξ, Sign_internal and Verify_internal. Section and
algorithm numbers below refer to FIPS 204 (August 2024).

Polynomials are lists of 256 ints. Inside the NTT helpers coefficients may leave [0, q)
(lazy reduction); every helper returns coefficients reduced into [0, q) unless it says
"centred", meaning the representative in (-q/2, q/2] (the "mod±" of section 2.3).
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, pairwise

Poly = list[int]
PolyVec = list[Poly]
Matrix = list[PolyVec]

Q = 8380417  # section 4, Table 1
N = 256
D = 13  # dropped bits of t
ZETA = 1753  # 512th root of unity mod q
SEED_LEN = 32  # ξ, Algorithm 1
MU_LEN = 64  # Algorithm 7 line 6
RND_LEN = 32  # Algorithm 2 line 5
MAX_CONTEXT_LEN = 255  # Algorithm 2 line 1


@dataclass(frozen=True)
class _Params:
    """One row of FIPS 204 Table 1, plus the sizes of Table 2 derived from it."""

    name: str
    k: int
    ell: int
    eta: int
    tau: int
    lam: int  # collision strength λ: the commitment hash c̃ is λ/4 bytes
    gamma1: int
    gamma2: int
    omega: int

    @property
    def beta(self) -> int:
        return self.tau * self.eta

    @property
    def c_tilde_len(self) -> int:
        return self.lam // 4

    @property
    def z_bits(self) -> int:  # bitlen(2γ1 - 1), Algorithm 26 line 3
        return (2 * self.gamma1 - 1).bit_length()

    @property
    def w1_bits(self) -> int:  # bitlen((q-1)/(2γ2) - 1), Algorithm 28
        return ((Q - 1) // (2 * self.gamma2) - 1).bit_length()

    @property
    def pk_len(self) -> int:  # Algorithm 22: ρ ‖ k polys of 10-bit t1 coefficients
        return 32 + 32 * 10 * self.k

    @property
    def sig_len(self) -> int:  # Algorithm 26: c̃ ‖ ℓ packed z polys ‖ ω + k hint bytes
        return self.c_tilde_len + 32 * self.z_bits * self.ell + self.omega + self.k


PARAMS: dict[str, _Params] = {
    p.name: p
    for p in (
        _Params("ML_DSA_44", 4, 4, 2, 39, 128, 1 << 17, (Q - 1) // 88, 80),
        _Params("ML_DSA_65", 6, 5, 4, 49, 192, 1 << 19, (Q - 1) // 32, 55),
        _Params("ML_DSA_87", 8, 7, 2, 60, 256, 1 << 19, (Q - 1) // 32, 75),
    )
}
_PARAMS_BY_PK_LEN = {p.pk_len: p for p in PARAMS.values()}


def _shake256(data: bytes, length: int) -> bytes:  # H in section 3.7
    return hashlib.shake_256(data).digest(length)


# --- NTT (section 7.5, Algorithms 41-45) ---------------------------------------------------

# zetas[m] = ζ^brv8(m) mod q, the table of Appendix B, computed rather than pasted.
_ZETAS = [pow(ZETA, int(f"{m:08b}"[::-1], 2), Q) for m in range(N)]
_N_INV = pow(N, -1, Q)  # 8347681, Algorithm 42 line 21


def _ntt(f: Sequence[int]) -> Poly:
    """Algorithm 41 NTT. Butterflies are applied a block (contiguous) or a stride at a time,
    whichever needs fewer Python-level iterations; additions are reduced lazily."""
    w = list(f)
    zetas, q = _ZETAS, Q
    m, length = 1, 128
    while length >= 1:
        blocks = N // (2 * length)
        if length >= blocks:  # one iteration per block [start, start + 2·len)
            for start in range(0, N, 2 * length):
                z, mid, end = zetas[m], start + length, start + 2 * length
                m += 1
                lo = w[start:mid]
                t = [z * x % q for x in w[mid:end]]
                w[start:mid] = [a + b for a, b in zip(lo, t, strict=True)]
                w[mid:end] = [a - b for a, b in zip(lo, t, strict=True)]
        else:  # one iteration per offset j inside the blocks: elements j, j + 2·len, ...
            zs = zetas[m : m + blocks]
            m += blocks
            for j in range(length):
                lo = w[j :: 2 * length]
                t = [z * x % q for z, x in zip(zs, w[j + length :: 2 * length], strict=True)]
                w[j :: 2 * length] = [a + b for a, b in zip(lo, t, strict=True)]
                w[j + length :: 2 * length] = [a - b for a, b in zip(lo, t, strict=True)]
        length //= 2
    return [x % q for x in w]


def _ntt_inv(f: Sequence[int]) -> Poly:
    """Algorithm 42 NTT⁻¹, organised like _ntt."""
    w = list(f)
    zetas, q = _ZETAS, Q
    m, length = N, 1
    while length < N:
        blocks = N // (2 * length)
        if length >= blocks:
            for start in range(0, N, 2 * length):
                m -= 1
                z, mid, end = q - zetas[m], start + length, start + 2 * length
                lo, hi = w[start:mid], w[mid:end]
                w[start:mid] = [a + b for a, b in zip(lo, hi, strict=True)]
                w[mid:end] = [z * (a - b) % q for a, b in zip(lo, hi, strict=True)]
        else:
            # Blocks are visited in order with m counting down, so block b uses zetas[m0 - b].
            zs = [q - z for z in reversed(zetas[m - blocks : m])]
            m -= blocks
            for j in range(length):
                lo, hi = w[j :: 2 * length], w[j + length :: 2 * length]
                w[j :: 2 * length] = [a + b for a, b in zip(lo, hi, strict=True)]
                w[j + length :: 2 * length] = [
                    z * (a - b) % q for z, a, b in zip(zs, lo, hi, strict=True)
                ]
        length *= 2
    return [x * _N_INV % q for x in w]


def _pointwise(a: Sequence[int], b: Sequence[int]) -> Poly:  # Algorithm 45 MultiplyNTT
    q = Q
    return [x * y % q for x, y in zip(a, b, strict=True)]


def _mat_vec(a_hat: Matrix, v_hat: PolyVec) -> PolyVec:
    """Â ∘ v̂ in the NTT domain (Algorithm 48 MatrixVectorNTT)."""
    q = Q
    out = []
    for row in a_hat:
        acc = [0] * N
        for a, v in zip(row, v_hat, strict=True):
            acc = [s + x * y for s, x, y in zip(acc, a, v, strict=True)]
        out.append([s % q for s in acc])
    return out


# --- Sampling (section 7.3, Algorithms 29-34) ------------------------------------------------

_CLEAR_TOP_BIT = bytes(b & 0x7F for b in range(256))


def _rej_ntt_poly(seed: bytes) -> Poly:
    """Algorithm 30 RejNTTPoly with Algorithm 14 CoeffFromThreeBytes.

    hashlib's SHAKE cannot squeeze incrementally, but a longer digest extends a shorter one,
    so the three samplers here start at the fewest bytes that could suffice and squeeze a
    longer digest while short. That extension path thus runs often, not just in rare cases.
    """
    nbytes = 3 * N  # one candidate per coefficient; each is rejected with probability ≈ 2⁻¹⁰
    while True:
        buf = hashlib.shake_128(seed).digest(nbytes)
        # Widen each 3-byte candidate to a little-endian u32 with the top bit of b2 cleared.
        words = bytearray(nbytes // 3 * 4)
        words[0::4], words[1::4] = buf[0::3], buf[1::3]
        words[2::4] = buf[2::3].translate(_CLEAR_TOP_BIT)
        coeffs = [z for z in struct.unpack(f"<{nbytes // 3}I", words) if z < Q]
        if len(coeffs) >= N:
            return coeffs[:N]
        nbytes += 168


def _expand_a(rho: bytes, k: int, ell: int) -> Matrix:
    """Algorithm 32 ExpandA: Â is sampled directly in the NTT domain."""
    return [[_rej_ntt_poly(rho + bytes([s, r])) for s in range(ell)] for r in range(k)]


def _half_byte_table(eta: int) -> list[tuple[int, ...]]:
    """For each byte z, the coefficients Algorithm 31 accepts from z mod 16 then z // 16,
    using Algorithm 15 CoeffFromHalfByte."""

    def coeff(b: int) -> tuple[int, ...]:
        if eta == 2 and b < 15:
            return (2 - b % 5,)
        if eta == 4 and b < 9:
            return (4 - b,)
        return ()

    return [coeff(z & 15) + coeff(z >> 4) for z in range(256)]


_HALF_BYTE = {2: _half_byte_table(2), 4: _half_byte_table(4)}


def _rej_bounded_poly(seed: bytes, eta: int) -> Poly:
    """Algorithm 31 RejBoundedPoly; coefficients in [-η, η] (not reduced mod q)."""
    table, nbytes = _HALF_BYTE[eta], N // 2  # two candidates per byte
    while True:
        stream = _shake256(seed, nbytes)
        coeffs = list(chain.from_iterable(table[z] for z in stream))
        if len(coeffs) >= N:
            return coeffs[:N]
        nbytes += 136


def _expand_s(rho_prime: bytes, p: _Params) -> tuple[PolyVec, PolyVec]:  # Algorithm 33
    s = [_rej_bounded_poly(rho_prime + r.to_bytes(2, "little"), p.eta) for r in range(p.ell + p.k)]
    return s[: p.ell], s[p.ell :]


def _expand_mask(rho_pp: bytes, kappa: int, p: _Params) -> PolyVec:
    """Algorithm 34 ExpandMask; centred coefficients in (-γ1, γ1]."""
    bits, g1 = p.z_bits, p.gamma1
    streams = [
        _shake256(rho_pp + (kappa + r).to_bytes(2, "little"), 32 * bits) for r in range(p.ell)
    ]
    return [[g1 - c for c in _unpack(v, bits)] for v in streams]


def _sample_in_ball(c_tilde: bytes, tau: int) -> Poly:
    """Algorithm 29 SampleInBall; centred coefficients in {-1, 0, 1}, exactly τ nonzero."""
    nbytes = 8 + tau  # sign bits, then one candidate position per nonzero coefficient
    while True:
        stream = _shake256(c_tilde, nbytes)
        signs = int.from_bytes(stream[:8], "little")  # h: bit i of the integer is h[i]
        c, pos = [0] * N, 8
        for i in range(N - tau, N):
            while pos < nbytes and stream[pos] > i:
                pos += 1
            if pos == nbytes:
                break  # stream exhausted: squeeze more and start again
            j = stream[pos]
            pos += 1
            c[i], c[j] = c[j], -1 if signs & 1 else 1
            signs >>= 1
        else:
            return c
        nbytes += 136


# --- Rounding (section 7.4, Algorithms 35-40) ------------------------------------------------


def _power2round(r: int) -> tuple[int, int]:  # Algorithm 35, r in [0, q)
    r0 = r & ((1 << D) - 1)
    if r0 > 1 << (D - 1):
        r0 -= 1 << D
    return (r - r0) >> D, r0


def _decompose(r: int, g2: int) -> tuple[int, int]:
    """Algorithm 36 Decompose for r in [0, q). With r0 = r mod± 2γ2 in (-γ2, γ2], the
    quotient r1 = (r - r0)/2γ2 equals ⌊(r + γ2 - 1)/2γ2⌋; r1 = (q-1)/2γ2 is the special case."""
    r1 = (r + g2 - 1) // (2 * g2)
    r0 = r - r1 * 2 * g2
    if r1 == (Q - 1) // (2 * g2):
        return 0, r0 - 1
    return r1, r0


def _high_bits(w: Poly, g2: int) -> Poly:  # Algorithm 37, vectorised via _decompose's formula
    two_g2, m = 2 * g2, (Q - 1) // (2 * g2)
    return [(x + g2 - 1) // two_g2 % m for x in w]


def _use_hint(positions: list[int], w: Poly, g2: int) -> Poly:
    """Algorithm 40 UseHint on a polynomial whose hint is 1 exactly at ``positions``."""
    m = (Q - 1) // (2 * g2)
    w1 = _high_bits(w, g2)
    for j in positions:
        r1, r0 = _decompose(w[j], g2)
        w1[j] = (r1 + 1) % m if r0 > 0 else (r1 - 1) % m
    return w1


def _centred(x: int) -> int:
    return x - Q if x > Q // 2 else x


def _inf_norm(v: PolyVec) -> int:  # centred coefficients
    return max(abs(x) for poly in v for x in poly)


# --- Encodings (section 7.1-7.2, Algorithms 16-28) ---------------------------------------------


def _pack(coeffs: Sequence[int], bits: int) -> bytes:
    """Algorithm 16 SimpleBitPack for coefficients in [0, 2^bits). BitsToBytes is
    little-endian in both bits and bytes, so the packing is one little-endian integer."""
    x = 0
    for c in reversed(coeffs):
        x = (x << bits) | c
    return x.to_bytes(32 * bits, "little")


def _unpack(data: bytes, bits: int) -> Poly:  # Algorithm 18 SimpleBitUnpack
    x, mask = int.from_bytes(data, "little"), (1 << bits) - 1
    return [(x >> (bits * i)) & mask for i in range(N)]


def _w1_encode(w1: PolyVec, p: _Params) -> bytes:  # Algorithm 28
    return b"".join(_pack(poly, p.w1_bits) for poly in w1)


def _pk_decode(pk: bytes, p: _Params) -> tuple[bytes, PolyVec]:  # Algorithm 23
    return pk[:32], [_unpack(pk[32 + 320 * i : 352 + 320 * i], 10) for i in range(p.k)]


def _hint_bit_pack(h: list[list[int]], p: _Params) -> bytes:
    """Algorithm 20 HintBitPack; h[i] lists the positions of the 1s of polynomial i."""
    y = bytearray(p.omega + p.k)
    index = 0
    for i, positions in enumerate(h):
        y[index : index + len(positions)] = bytes(positions)
        index += len(positions)
        y[p.omega + i] = index
    return bytes(y)


def _hint_bit_unpack(y: bytes, p: _Params) -> list[list[int]] | None:
    """Algorithm 21 HintBitUnpack, returning the 1 positions per polynomial, or None for ⊥
    (counts out of order or above ω, positions not strictly increasing, nonzero padding)."""
    h: list[list[int]] = []
    index = 0
    for i in range(p.k):
        end = y[p.omega + i]
        if end < index or end > p.omega:
            return None
        positions = list(y[index:end])
        if any(a >= b for a, b in pairwise(positions)):
            return None
        h.append(positions)
        index = end
    if any(y[index : p.omega]):
        return None
    return h


def _sig_decode(sig: bytes, p: _Params) -> tuple[bytes, PolyVec, list[list[int]] | None]:
    """Algorithm 27 sigDecode; z is centred in [-(γ1 - 1), γ1]."""
    bits, g1, c_len = p.z_bits, p.gamma1, p.c_tilde_len
    z = [
        [g1 - c for c in _unpack(sig[c_len + 32 * bits * i : c_len + 32 * bits * (i + 1)], bits)]
        for i in range(p.ell)
    ]
    return sig[:c_len], z, _hint_bit_unpack(sig[c_len + 32 * bits * p.ell :], p)


# --- Public operations ---------------------------------------------------------------------------


def _params_for_public_key(public_key: bytes) -> _Params:
    p = _PARAMS_BY_PK_LEN.get(len(public_key))
    if p is None:
        raise ValueError("ML-DSA public key must be 1312, 1952 or 2592 bytes")
    return p


def compute_mu(public_key: bytes, message: bytes, context: bytes = b"") -> bytes:
    """Return μ = H(tr ‖ M', 64) with tr = H(pk, 64) and M' = 0 ‖ |ctx| ‖ ctx ‖ M
    (Algorithm 2 line 10 and Algorithm 7 lines 6-7): the pure ML-DSA message representative.

    Raises ValueError if the context exceeds 255 bytes or the public key has no ML-DSA length.
    """
    _params_for_public_key(public_key)
    if len(context) > MAX_CONTEXT_LEN:
        raise ValueError("ML-DSA context must be at most 255 bytes")
    tr = _shake256(public_key, 64)
    return _shake256(tr + bytes([0, len(context)]) + context + message, MU_LEN)


def verify_mu(public_key: bytes, mu: bytes, signature: bytes) -> bool:
    """Algorithm 8 ML-DSA.Verify_internal with an externally computed μ. The parameter set
    follows from the public key's length.

    Returns True iff the signature is valid; a signature of the wrong length or with a
    malformed hint encoding is simply invalid (False). Raises ValueError if the public key
    is not 1312/1952/2592 bytes or μ is not 64 bytes, since those are caller errors.
    """
    p = _params_for_public_key(public_key)
    if len(mu) != MU_LEN:
        raise ValueError("ML-DSA μ must be 64 bytes")
    if len(signature) != p.sig_len:
        return False
    rho, t1 = _pk_decode(public_key, p)
    c_tilde, z, h = _sig_decode(signature, p)
    if h is None:
        return False
    # Line 13's norm check, done before the costly part; the result is the same.
    if _inf_norm(z) >= p.gamma1 - p.beta:
        return False
    a_hat = _expand_a(rho, p.k, p.ell)
    c_hat = _ntt(_sample_in_ball(c_tilde, p.tau))
    az = _mat_vec(a_hat, [_ntt(poly) for poly in z])
    w1 = []
    for i in range(p.k):
        ct1 = _pointwise(c_hat, _ntt([x << D for x in t1[i]]))
        w_approx = _ntt_inv([a - b for a, b in zip(az[i], ct1, strict=True)])  # line 9
        w1.append(_use_hint(h[i], w_approx, p.gamma2))
    c_tilde_prime = _shake256(mu + _w1_encode(w1, p), p.c_tilde_len)
    return hmac.compare_digest(c_tilde, c_tilde_prime)


@dataclass(frozen=True)
class _ExpandedKey:
    """The private key of Algorithm 6, held in NTT form as Algorithm 7 lines 2-5 use it."""

    public_key: bytes
    k_seed: bytes  # K
    a_hat: Matrix
    s1_hat: PolyVec
    s2_hat: PolyVec
    t0_hat: PolyVec


def _keygen_internal(seed: bytes, p: _Params) -> _ExpandedKey:
    """Algorithm 6 ML-DSA.KeyGen_internal, stopping short of skEncode."""
    expanded = _shake256(seed + bytes([p.k, p.ell]), 128)
    rho, rho_prime, k_seed = expanded[:32], expanded[32:96], expanded[96:]
    a_hat = _expand_a(rho, p.k, p.ell)
    s1, s2 = _expand_s(rho_prime, p)
    s1_hat = [_ntt(poly) for poly in s1]
    t1, t0 = [], []
    for as1, e in zip(_mat_vec(a_hat, s1_hat), s2, strict=True):
        halves = [_power2round((x + y) % Q) for x, y in zip(_ntt_inv(as1), e, strict=True)]
        t1.append([hi for hi, _ in halves])
        t0.append([lo for _, lo in halves])
    public_key = rho + b"".join(_pack(poly, 10) for poly in t1)  # Algorithm 22 pkEncode
    return _ExpandedKey(
        public_key, k_seed, a_hat, s1_hat, [_ntt(poly) for poly in s2], [_ntt(poly) for poly in t0]
    )


def _params_by_name(parameter_set: str) -> _Params:
    p = PARAMS.get(parameter_set)
    if p is None:
        raise ValueError("ML-DSA parameter set must be ML_DSA_44, ML_DSA_65 or ML_DSA_87")
    return p


def public_key_from_seed(private_seed: bytes, *, parameter_set: str) -> bytes:
    """Return the encoded public key of the 32-byte seed ξ (Algorithm 6).

    Raises ValueError for a seed that is not 32 bytes or an unknown parameter set.
    """
    p = _params_by_name(parameter_set)
    if len(private_seed) != SEED_LEN:
        raise ValueError("ML-DSA private seed must be 32 bytes")
    return _keygen_internal(private_seed, p).public_key


def sign_mu(private_seed: bytes, mu: bytes, *, rnd: bytes, parameter_set: str) -> bytes:
    """Algorithm 7 ML-DSA.Sign_internal with an externally computed μ, for the key that
    Algorithm 6 derives from the 32-byte seed ξ (cryptography's ``private_bytes_raw()``).

    ``rnd`` is 32 bytes: fresh random bytes for hedged signing, or zeros for the
    deterministic variant (Algorithm 2 line 5). Returns the encoded signature.
    Raises ValueError for a wrong seed, μ or rnd length or an unknown parameter set.
    """
    p = _params_by_name(parameter_set)
    if len(private_seed) != SEED_LEN:
        raise ValueError("ML-DSA private seed must be 32 bytes")
    if len(mu) != MU_LEN:
        raise ValueError("ML-DSA μ must be 64 bytes")
    if len(rnd) != RND_LEN:
        raise ValueError("ML-DSA rnd must be 32 bytes")
    key = _keygen_internal(private_seed, p)
    g1, g2, beta, q = p.gamma1, p.gamma2, p.beta, Q
    rho_pp = _shake256(key.k_seed + rnd + mu, 64)  # line 7
    kappa = 0
    while True:  # lines 10-31; each round fails with probability below about 4/5
        y = _expand_mask(rho_pp, kappa, p)
        kappa += p.ell
        w = [_ntt_inv(poly) for poly in _mat_vec(key.a_hat, [_ntt(poly) for poly in y])]
        c_tilde = _shake256(mu + _w1_encode([_high_bits(poly, g2) for poly in w], p), p.c_tilde_len)
        c_hat = _ntt(_sample_in_ball(c_tilde, p.tau))
        z = [
            [_centred((a + b) % q) for a, b in zip(yi, _ntt_inv(_pointwise(c_hat, s)), strict=True)]
            for yi, s in zip(y, key.s1_hat, strict=True)
        ]
        if _inf_norm(z) >= g1 - beta:
            continue
        # r = w - ⟨⟨cs2⟩⟩ (lines 21, 26); its low bits must stay small.
        r = [
            [(a - b) % q for a, b in zip(wi, _ntt_inv(_pointwise(c_hat, s)), strict=True)]
            for wi, s in zip(w, key.s2_hat, strict=True)
        ]
        if max(abs(_decompose(x, g2)[1]) for poly in r for x in poly) >= g2 - beta:
            continue
        ct0 = [_ntt_inv(_pointwise(c_hat, t)) for t in key.t0_hat]
        if max(abs(_centred(x)) for poly in ct0 for x in poly) >= g2:
            continue
        # MakeHint(-ct0, r + ct0) is 1 where HighBits(r + ct0) ≠ HighBits(r) (Algorithm 39).
        hints = []
        for ri, ci in zip(r, ct0, strict=True):
            before = _high_bits(ri, g2)
            after = _high_bits([(a + b) % q for a, b in zip(ri, ci, strict=True)], g2)
            hints.append([j for j in range(N) if before[j] != after[j]])
        if sum(map(len, hints)) > p.omega:
            continue
        # Algorithm 26 sigEncode: c̃ ‖ BitPack(z[i], γ1 - 1, γ1) ‖ HintBitPack(h).
        packed_z = b"".join(_pack([g1 - x for x in poly], p.z_bits) for poly in z)
        return c_tilde + packed_z + _hint_bit_pack(hints, p)
