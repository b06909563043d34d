"""RSA for vector generation only: DRBG keys, RFC 8017 encodings with chosen salts and seeds,
and the raw RSA operations done with Python integers.

``cryptography`` cannot take a chosen PSS salt or OAEP seed, and cannot write the malformed
encodings the negative cases need, so this module builds EMSA-PSS, EME-OAEP and
EMSA-PKCS1-v1_5 blocks itself (RFC 8017 §9.1.1, §7.1.1, §9.2) and applies ``m^d mod n`` /
``m^e mod n`` with ``pow`` (``gmpy2.powmod`` when installed; CRT for the private side). That
is acceptable to *write test vectors*: nothing here is constant time, nothing here is used by
kmskit to protect data, and every valid result is checked by kmskit (``cryptography``) and by
the oracle. Never use it for anything else.

Keys (docs/vectors.md#rsa-keys): for a key of ``bits`` bits, each prime comes from its own
DRBG stream. Read bits/16 bytes as a big-endian c, set its two top bits and its low bit, and
take the smallest prime p >= c with gcd(p - 1, 65537) = 1; if p reaches 2^(bits/2), read a new
c. q likewise from its own stream (drawn again if equal to p). The larger prime is p;
d = 65537^-1 mod lcm(p - 1, q - 1).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from functools import cache
from typing import Final

from cryptography.hazmat.primitives.asymmetric import rsa

from kmskit.vectors._drbg import Drbg

__all__ = [
    "E",
    "digest_info",
    "eme_oaep",
    "emsa_pkcs1",
    "emsa_pss",
    "hash_bytes",
    "miller_rabin",
    "prime",
    "private_key",
    "rsa_private",
    "rsa_public",
]

E: Final = 65537
_HASHLIB: Final = {"SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}
# DER OBJECT IDENTIFIERs of the hashes (NIST CSOR 2.16.840.1.101.3.4.2.x).
_HASH_OIDS: Final = {
    "SHA-256": bytes.fromhex("0609608648016503040201"),
    "SHA-384": bytes.fromhex("0609608648016503040202"),
    "SHA-512": bytes.fromhex("0609608648016503040203"),
}
_SMALL_PRIMES: Final = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71)
_MR_BASES: Final = (*_SMALL_PRIMES, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139)

try:
    import gmpy2

    _HAVE_GMPY2 = True
except ImportError:  # pragma: no cover - exercised only without the "fast" extra
    _HAVE_GMPY2 = False


def _powmod(b: int, x: int, m: int) -> int:
    return int(gmpy2.powmod(b, x, m)) if _HAVE_GMPY2 else pow(b, x, m)


def _is_prime(n: int) -> bool:
    """gmpy2's test when installed, else :func:`miller_rabin`.

    Any correct test gives the same primes, so keys do not depend on gmpy2 being installed.
    """
    return bool(gmpy2.is_prime(n, 40)) if _HAVE_GMPY2 else miller_rabin(n)


def miller_rabin(n: int) -> bool:
    """Trial division, then Miller-Rabin with the 34 fixed prime bases 2 … 139."""
    if n < 2:
        return False
    for sp in _MR_BASES:
        if n % sp == 0:
            return n == sp
    d, r = n - 1, 0
    while d % 2 == 0:
        d //= 2
        r += 1
    for a in _MR_BASES:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def hash_bytes(name: str, data: bytes) -> bytes:
    return hashlib.new(_HASHLIB[name], data).digest()


def prime(rng: Drbg, bits: int, *, is_prime: Callable[[int], bool] = _is_prime) -> int:
    """The prime for one DRBG stream (module docstring); ``is_prime`` is for tests."""
    while True:
        c = int.from_bytes(rng.read(bits // 8), "big") | (3 << (bits - 2)) | 1
        while c < 1 << bits:
            if is_prime(c) and math.gcd(c - 1, E) == 1:
                return c
            c += 2


def private_key(rng: Drbg, bits: int) -> rsa.RSAPrivateKey:
    """The RSA key of ``bits`` bits for ``rng``'s seed and label (cached per process)."""
    return _private_key(rng.seed, rng.label, bits)


@cache
def _private_key(seed: str, label: str, bits: int) -> rsa.RSAPrivateKey:
    rng = Drbg(seed, label)
    p = prime(rng.child("p"), bits // 2)
    q_rng = rng.child("q")
    q = prime(q_rng, bits // 2)
    while q == p:  # pragma: no cover - probability about 2^-1000
        q = prime(q_rng, bits // 2)
    p, q = max(p, q), min(p, q)
    n = p * q
    assert n.bit_length() == bits
    d = pow(E, -1, math.lcm(p - 1, q - 1))
    numbers = rsa.RSAPrivateNumbers(
        p=p,
        q=q,
        d=d,
        dmp1=d % (p - 1),
        dmq1=d % (q - 1),
        iqmp=pow(q, -1, p),
        public_numbers=rsa.RSAPublicNumbers(E, n),
    )
    return numbers.private_key()  # OpenSSL checks the key once, here


def rsa_private(key: rsa.RSAPrivateKey, m: int) -> int:
    """m^d mod n with the CRT (the signature primitive RSASP1, RFC 8017 §5.2.1)."""
    pn = key.private_numbers()
    if not 0 <= m < pn.public_numbers.n:
        raise ValueError("message representative out of range")
    s1 = _powmod(m % pn.p, pn.dmp1, pn.p)
    s2 = _powmod(m % pn.q, pn.dmq1, pn.q)
    h = pn.iqmp * (s1 - s2) % pn.p
    return s2 + pn.q * h


def rsa_public(key: rsa.RSAPublicKey, m: int) -> int:
    """m^e mod n (the encryption primitive RSAEP, RFC 8017 §5.1.1)."""
    pn = key.public_numbers()
    if not 0 <= m < pn.n:
        raise ValueError("message representative out of range")
    return _powmod(m, pn.e, pn.n)


def _mgf1(seed: bytes, length: int, hash_name: str) -> bytes:
    out = b""
    counter = 0
    while len(out) < length:
        out += hash_bytes(hash_name, seed + counter.to_bytes(4, "big"))
        counter += 1
    return out[:length]


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def emsa_pss(
    m_hash: bytes,
    salt: bytes,
    mod_bits: int,
    *,
    hash_name: str,
    mgf_hash: str,
    trailer: int = 0xBC,
    separator: int = 0x01,
) -> bytes:
    """EMSA-PSS-ENCODE (RFC 8017 §9.1.1) of a message hash, with optional defects."""
    em_bits = mod_bits - 1
    em_len = (em_bits + 7) // 8
    h_len = len(m_hash)
    h = hash_bytes(hash_name, b"\x00" * 8 + m_hash + salt)
    ps = b"\x00" * (em_len - len(salt) - h_len - 2)
    db = ps + bytes([separator]) + salt
    masked = bytearray(_xor(db, _mgf1(h, em_len - h_len - 1, mgf_hash)))
    masked[0] &= 0xFF >> (8 * em_len - em_bits)
    return bytes(masked) + h + bytes([trailer])


def digest_info(
    hash_name: str,
    digest: bytes,
    *,
    null: bool = True,
    long_form: bool = False,
) -> bytes:
    """DER DigestInfo (RFC 8017 §9.2 note 1); ``null=False`` omits the NULL parameters."""
    from kmskit.vectors._der import tlv

    algorithm = tlv(0x30, _HASH_OIDS[hash_name] + (b"\x05\x00" if null else b""))
    return tlv(0x30, algorithm + tlv(0x04, digest), long_form=long_form)


def emsa_pkcs1(
    t: bytes, em_len: int, *, block_type: int = 1, fill: int = 0xFF, after: bytes = b""
) -> bytes:
    """EMSA-PKCS1-v1_5 block 00 || BT || PS || 00 || T || after, PS shortened to fit."""
    ps_len = em_len - len(t) - len(after) - 3
    if ps_len < 8:
        raise ValueError("intended encoded message length too short")
    ps = bytearray([0xFF] * ps_len)
    if fill != 0xFF:
        ps[ps_len // 2] = fill
    return b"\x00" + bytes([block_type]) + bytes(ps) + b"\x00" + t + after


def eme_oaep(
    message: bytes,
    seed: bytes,
    k: int,
    *,
    hash_name: str,
    mgf_hash: str,
    label: bytes = b"",
    first: int = 0x00,
    separator: int = 0x01,
) -> bytes:
    """EME-OAEP encoding (RFC 8017 §7.1.1 step 2) with a chosen seed and optional defects."""
    l_hash = hash_bytes(hash_name, label)
    h_len = len(l_hash)
    ps_len = k - len(message) - 2 * h_len - 2
    if len(seed) != h_len or ps_len < 0:
        raise ValueError("message too long or seed of the wrong length")
    ps = b"\x00" * ps_len
    db = l_hash + ps + bytes([separator]) + message
    masked_db = _xor(db, _mgf1(seed, k - h_len - 1, mgf_hash))
    masked_seed = _xor(seed, _mgf1(masked_db, h_len, mgf_hash))
    return bytes([first]) + masked_seed + masked_db


def as_int(data: bytes) -> int:
    return int.from_bytes(data, "big")
