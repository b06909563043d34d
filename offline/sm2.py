"""SM2 (GB/T 32918) on the recommended curve: keys, Z_A, SM2DSA, SM2PKE, ECDH and codecs.

Formats follow DESIGN.md (SM2): signatures are DER ``SEQUENCE{r, s}``; SM2PKE ciphertexts
are GM/T 0009 DER ``SEQUENCE{x, y, hash, ciphertext}`` by default (what KMS Decrypt takes),
with raw ``C1C3C2`` / ``C1C2C3`` as interop codecs. Public keys are SubjectPublicKeyInfo with
id-ecPublicKey and the SM2 curve OID, as OpenSSL 3 writes them.

Every secret scalar multiplication (signing nonce, encryption ephemeral, decryption and
ECDH with the private key, key generation) runs on a blinded scalar ``k + r·n`` with a fresh
64-bit ``r``; see :func:`offline._sm2_curve.blind`. Python integers are not constant time,
so this lowers, but does not remove, timing leakage.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Final, Protocol

from kmskit.offline import _sm2_curve as _c
from kmskit.offline import _sm2_der as _der
from kmskit.offline._sm2_der import CURVE_OID
from kmskit.offline.errors import (
    CiphertextFormatError,
    InvalidCiphertextException,
    InvalidPointError,
    KeyFormatError,
    KMSInvalidSignatureException,
    SignatureFormatError,
    ValidationException,
)
from kmskit.offline.pem import pem_text

__all__ = [
    "CIPHERTEXT_ENCODINGS",
    "CURVE_OID",
    "DEFAULT_ID",
    "MAX_ID_LENGTH",
    "SM2PrivateKey",
    "SM2PublicKey",
    "compute_e",
    "compute_e_stream",
    "compute_za",
    "convert_ciphertext",
    "decrypt",
    "derive_shared_secret",
    "encrypt",
    "generate_private_key",
    "sign",
    "signature_der_to_raw",
    "signature_raw_to_der",
    "verify",
]

DEFAULT_ID: Final = b"1234567812345678"
# ENTL is the ID length in *bits* as a 2-byte big-endian integer, so the longest ID that can
# be encoded has floor(65535 / 8) = 8191 bytes. 8192 bytes (65536 bits) would overflow ENTL,
# and an implementation that truncated it to 0 would compute a different Z_A than any peer.
MAX_ID_LENGTH: Final = 8191
CIPHERTEXT_ENCODINGS: Final = ("DER", "C1C3C2", "C1C2C3")

N: Final = _c.N_INT
_SCALAR_BYTES: Final = 32
_CURVE_PARAMS: Final = b"".join(
    v.to_bytes(32, "big") for v in (_c.A_INT, _c.B_INT, _c.GX_INT, _c.GY_INT)
)

Rng = Callable[[int], bytes]


class _Hasher(Protocol):
    def update(self, data: bytes, /) -> None: ...
    def digest(self) -> bytes: ...


class _Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


try:
    hashlib.new("sm3")
except ValueError:  # pragma: no cover - hashlib's OpenSSL lacks SM3; use cryptography's
    from cryptography.hazmat.primitives import hashes as _hashes

    class _CryptographySM3:
        def __init__(self) -> None:
            self._h = _hashes.Hash(_hashes.SM3())

        def update(self, data: bytes, /) -> None:
            self._h.update(data)

        def digest(self) -> bytes:
            return self._h.finalize()

    def _sm3_new() -> _Hasher:
        return _CryptographySM3()

else:

    def _sm3_new() -> _Hasher:
        return hashlib.new("sm3")


def _sm3(*parts: bytes) -> bytes:
    h = _sm3_new()
    for part in parts:
        h.update(part)
    return h.digest()


# A key's comb table for verification (offline._sm2_curve.point_table) costs about 30
# plain verifications to build and ≈2 MB to keep, so a key object builds it on its
# _TABLE_AFTER-th verification (or at once with precompute()); it lives as long as the key.
_TABLE_AFTER: Final = 16


class _VerifyState:
    """Mutable per-key-object state: how often it verified, and its table once built."""

    __slots__ = ("table", "uses", "za")

    def __init__(self) -> None:
        self.uses = 0
        self.table: _c.PointTable | None = None
        self.za: dict[bytes, bytes] = {}  # Z_A by ID, for the last few IDs used


@dataclass(frozen=True)
class SM2PublicKey:
    """An SM2 public key: an affine point validated on construction.

    Raises :class:`InvalidPointError` when a coordinate is outside [0, p) or the point is not
    on the curve (the curve has cofactor 1, so every such point has order n).
    """

    x: int
    y: int
    _verify_state: _VerifyState = field(
        default_factory=_VerifyState, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if not (isinstance(self.x, int) and isinstance(self.y, int)):
            raise TypeError("SM2PublicKey coordinates must be int")
        if not _c.is_on_curve(self.x, self.y):
            raise InvalidPointError("the point is not on the SM2 curve")

    def precompute(self) -> None:
        """Build this key's verification table now (verifications about 5× faster).

        :func:`verify` builds it by itself once the same key object has verified a few
        signatures; call this before a known-large batch to skip the warm-up.
        """
        state = self._verify_state
        if state.table is None:
            state.table = _c.point_table(self.x, self.y)

    def _verify_table(self) -> _c.PointTable | None:
        state = self._verify_state
        if state.table is None:
            state.uses += 1
            if state.uses >= _TABLE_AFTER:
                # Two threads may both build it; either table is the same.
                state.table = _c.point_table(self.x, self.y)
        return state.table

    @classmethod
    def from_bytes(cls, data: bytes) -> SM2PublicKey:
        """Parse ``04‖x‖y`` (65 bytes) or ``02/03‖x`` (33 bytes); raises InvalidPointError."""
        data = _der.as_bytes(data, "point")
        if len(data) == 65 and data[0] == 4:
            return cls(int.from_bytes(data[1:33], "big"), int.from_bytes(data[33:], "big"))
        if len(data) == 33 and data[0] in (2, 3):
            x = int.from_bytes(data[1:], "big")
            y = _c.lift_x(x, data[0] & 1)
            if y is None:
                raise InvalidPointError("the compressed point is not on the SM2 curve")
            return cls(x, y)
        raise InvalidPointError("expected a 65-byte uncompressed or 33-byte compressed point")

    def to_bytes(self, compressed: bool = False) -> bytes:
        """Return ``04‖x‖y``, or ``02/03‖x`` when ``compressed``."""
        if compressed:
            return bytes([2 | (self.y & 1)]) + _der.i2b(self.x)
        return b"\x04" + _der.i2b(self.x) + _der.i2b(self.y)

    def spki_der(self) -> bytes:
        """Return SubjectPublicKeyInfo DER (id-ecPublicKey, curve 1.2.156.10197.1.301)."""
        return _der.encode_spki(self.to_bytes())

    def spki_pem(self) -> bytes:
        """Return the ``PUBLIC KEY`` PEM of :meth:`spki_der`."""
        return pem_text("PUBLIC KEY", self.spki_der()).encode("ascii")

    @classmethod
    def from_spki_der(cls, der: bytes) -> SM2PublicKey:
        """Parse SubjectPublicKeyInfo DER.

        Accepts id-ecPublicKey with the SM2 named curve, and the SM2 algorithm OID
        1.2.156.10197.1.301.1 with absent, NULL or SM2-curve parameters. Raises
        :class:`KeyFormatError` for anything else and :class:`InvalidPointError` for a
        point that is not on the curve.
        """
        return cls.from_bytes(_der.decode_spki(_der.as_bytes(der, "der")))

    @classmethod
    def from_pem(cls, data: bytes | str) -> SM2PublicKey:
        """Parse the first ``PUBLIC KEY`` PEM block; raises KeyFormatError/InvalidPointError."""
        return cls.from_spki_der(_der.pem_decode(data, ("PUBLIC KEY",)))


@dataclass(frozen=True)
class SM2PrivateKey:
    """An SM2 private key ``d`` with 1 ≤ d ≤ n−2 (so that 1 + d is invertible mod n).

    Raises :class:`KeyFormatError` when ``d`` is out of range. ``d`` is kept out of repr.
    """

    d: int = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.d, int):
            raise TypeError("SM2PrivateKey.d must be int")
        if not 1 <= self.d <= N - 2:
            raise KeyFormatError("SM2 private key out of range [1, n-2]")

    def public_key(self) -> SM2PublicKey:
        """Return the matching public key d·G (computed once, blinded, then cached)."""
        return self._public_key

    @cached_property
    def _public_key(self) -> SM2PublicKey:
        pt = _c.mul_base(_c.blind(self.d))
        assert pt is not None  # d is in [1, n-2]
        return SM2PublicKey(*pt)

    @cached_property
    def _inv_one_plus_d(self) -> int:
        # (1 + d)^-1 mod n, computed through a random multiplicative mask.
        mask = secrets.randbelow(N - 1) + 1
        return pow((1 + self.d) * mask % N, -1, N) * mask % N

    def pkcs8_der(self) -> bytes:
        """Return PKCS#8 PrivateKeyInfo DER, laid out as OpenSSL 3 writes SM2 keys."""
        return _der.encode_pkcs8(_der.i2b(self.d), self.public_key().to_bytes())

    def pkcs8_pem(self) -> bytes:
        """Return the ``PRIVATE KEY`` PEM of :meth:`pkcs8_der`."""
        return pem_text("PRIVATE KEY", self.pkcs8_der()).encode("ascii")

    def sec1_der(self) -> bytes:
        """Return RFC 5915 ECPrivateKey DER with the SM2 curve OID and the public key."""
        return _der.encode_sec1(_der.i2b(self.d), self.public_key().to_bytes())

    @classmethod
    def from_der(cls, der: bytes) -> SM2PrivateKey:
        """Parse PKCS#8 (RFC 5208/5958) or SEC1 (RFC 5915) DER.

        An embedded public key must match. Raises :class:`KeyFormatError`.
        """
        d, pub = _der.decode_private_key(_der.as_bytes(der, "der"))
        key = cls(d)
        if pub is not None:
            try:
                embedded = SM2PublicKey.from_bytes(pub)
            except InvalidPointError as exc:
                raise KeyFormatError("the embedded public key is not on the curve") from exc
            if embedded != key.public_key():
                raise KeyFormatError("the embedded public key does not match the private key")
        return key

    @classmethod
    def from_pem(cls, data: bytes | str) -> SM2PrivateKey:
        """Parse a ``PRIVATE KEY``, ``EC PRIVATE KEY`` or ``SM2 PRIVATE KEY`` PEM block.

        Encrypted PEM is not supported. Raises :class:`KeyFormatError`.
        """
        labels = ("PRIVATE KEY", "EC PRIVATE KEY", "SM2 PRIVATE KEY")
        return cls.from_der(_der.pem_decode(data, labels))


def _random_scalar(rng: Rng, upper: int) -> int:
    """Uniform integer in [1, upper] by rejection sampling from ``rng``."""
    for _ in range(128):
        k = int.from_bytes(rng(_SCALAR_BYTES), "big")
        if 1 <= k <= upper:
            return k
    raise ValidationException("rng did not produce a usable scalar")


def generate_private_key(*, rng: Rng = secrets.token_bytes) -> SM2PrivateKey:
    """Return a fresh private key with d uniform in [1, n−2]."""
    return SM2PrivateKey(_random_scalar(rng, N - 2))


def _check_id(sm2_id: bytes) -> bytes:
    ident = _der.as_bytes(sm2_id, "sm2_id")
    if len(ident) > MAX_ID_LENGTH:
        raise ValidationException(f"SM2 ID longer than {MAX_ID_LENGTH} bytes")
    return ident


def compute_za(public_key: SM2PublicKey, sm2_id: bytes = DEFAULT_ID) -> bytes:
    """Return Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA) (32 bytes).

    Raises :class:`ValidationException` for an ID over :data:`MAX_ID_LENGTH` bytes.
    """
    ident = _check_id(sm2_id)
    cache = public_key._verify_state.za
    za = cache.get(ident)
    if za is None:
        entl = (8 * len(ident)).to_bytes(2, "big")
        za = _sm3(entl, ident, _CURVE_PARAMS, _der.i2b(public_key.x), _der.i2b(public_key.y))
        if len(cache) >= 4:  # many IDs under one key are rare; keep the cache small
            cache.clear()
        cache[ident] = za
    return za


def compute_e(public_key: SM2PublicKey, message: bytes, sm2_id: bytes = DEFAULT_ID) -> bytes:
    """Return e = SM3(Z_A ‖ M), the digest SM2DSA signs (KMS DIGEST mode input)."""
    return _sm3(compute_za(public_key, sm2_id), _der.as_bytes(message, "message"))


def compute_e_stream(
    public_key: SM2PublicKey,
    stream: _Readable,
    sm2_id: bytes = DEFAULT_ID,
    *,
    chunk_size: int = 1 << 16,
) -> bytes:
    """Return e = SM3(Z_A ‖ M) for a message read from a binary stream until EOF.

    Memory use is constant, so this is how large messages get signed with KMS in DIGEST
    mode. Raises :class:`ValidationException` for a too-long ID; read errors propagate.
    """
    h = _sm3_new()
    h.update(compute_za(public_key, sm2_id))
    while chunk := stream.read(chunk_size):
        h.update(_der.as_bytes(chunk, "stream data"))
    return h.digest()


def _digest(public_key: SM2PublicKey, data: bytes, sm2_id: bytes, prehashed: bool) -> int:
    if prehashed:
        data = _der.as_bytes(data, "digest")
        if len(data) != 32:
            raise ValidationException("a prehashed SM2 digest must be 32 bytes")
        _check_id(sm2_id)
        return int.from_bytes(data, "big")
    return int.from_bytes(compute_e(public_key, data, sm2_id), "big")


def sign(
    private_key: SM2PrivateKey,
    data: bytes,
    *,
    sm2_id: bytes = DEFAULT_ID,
    prehashed: bool = False,
    k_for_test_vectors: int | None = None,
) -> bytes:
    """Sign with SM2DSA and return DER ``SEQUENCE{r, s}``.

    ``data`` is the message, or e = SM3(Z_A ‖ M) (32 bytes) when ``prehashed``. The nonce
    comes from :mod:`secrets`; ``k_for_test_vectors`` fixes it and exists only to reproduce
    published vectors (a reused k reveals the key). Raises :class:`ValidationException` for a
    bad digest length, a too-long ID, or a fixed k that is out of range or unusable.
    """
    e = _digest(private_key.public_key(), data, sm2_id, prehashed)
    while True:
        if k_for_test_vectors is None:
            k = secrets.randbelow(N - 1) + 1
        elif 1 <= k_for_test_vectors < N:
            k = k_for_test_vectors
        else:
            raise ValidationException("k_for_test_vectors must be in [1, n-1]")
        pt = _c.mul_base(_c.blind(k))
        assert pt is not None  # 1 <= k < n
        r = (e + pt[0]) % N
        # s = (1 + d)^-1 · (k − r·d) = (1 + d)^-1 · (k + r) − r  (mod n)
        s = (private_key._inv_one_plus_d * (k + r) - r) % N
        if r and r + k != N and s:
            return _der.encode_signature(r, s)
        if k_for_test_vectors is not None:
            raise ValidationException("k_for_test_vectors gives r = 0, r + k = n or s = 0")


def verify(
    public_key: SM2PublicKey,
    data: bytes,
    signature_der: bytes,
    *,
    sm2_id: bytes = DEFAULT_ID,
    prehashed: bool = False,
) -> bool:
    """Verify an SM2DSA DER signature; return True or raise.

    Raises :class:`KMSInvalidSignatureException` for any bad signature: malformed or
    non-minimal DER, trailing bytes, r or s outside [1, n−1], or a mismatch. Raises
    :class:`ValidationException` for a bad digest length or a too-long ID.
    """
    e = _digest(public_key, data, sm2_id, prehashed)
    try:
        r, s = _der.decode_signature(_der.as_bytes(signature_der, "signature"))
    except SignatureFormatError as exc:
        raise KMSInvalidSignatureException("malformed SM2 signature") from exc
    t = (r + s) % N
    if t:
        table = public_key._verify_table()
        if table is None:
            pt = _c.mul_add_base(s, t, public_key.x, public_key.y)
        else:
            pt = _c.mul_add_tabled(s, t, table)
        if pt is not None and (e + pt[0]) % N == r:
            return True
    raise KMSInvalidSignatureException("SM2 signature does not verify")


def _kdf(z: bytes, length: int) -> bytes:
    """GB/T 32918.4 KDF with SM3: SM3(Z ‖ ct) for ct = 1, 2, … (32-bit big endian)."""
    blocks = [_sm3(z, ct.to_bytes(4, "big")) for ct in range(1, (length + 31) // 32 + 1)]
    return b"".join(blocks)[:length]


def _xor(a: bytes, b: bytes) -> bytes:
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(len(a), "big")


def _check_encoding(encoding: str) -> str:
    enc = encoding.upper() if isinstance(encoding, str) else encoding
    if enc not in CIPHERTEXT_ENCODINGS:
        raise ValidationException(f"unknown SM2 ciphertext encoding {encoding!r}")
    return enc


def encrypt(
    public_key: SM2PublicKey,
    plaintext: bytes,
    *,
    encoding: str = "DER",
    rng: Rng = secrets.token_bytes,
    k_for_test_vectors: int | None = None,
) -> bytes:
    """Encrypt with SM2PKE; return the ciphertext in ``encoding`` (raw forms start with 04).

    ``k_for_test_vectors`` fixes the ephemeral scalar, only to reproduce published vectors.
    Raises :class:`ValidationException` for an empty plaintext, an unknown encoding, or a
    fixed k that is out of range or unusable. No size limit here; the KMS 1024-byte SM2PKE
    limit belongs to the algorithm tables.
    """
    enc = _check_encoding(encoding)
    plaintext = _der.as_bytes(plaintext, "plaintext")
    if not plaintext:
        raise ValidationException("SM2PKE plaintext must not be empty")
    while True:
        if k_for_test_vectors is None:
            k = _random_scalar(rng, N - 1)
        elif 1 <= k_for_test_vectors < N:
            k = k_for_test_vectors
        else:
            raise ValidationException("k_for_test_vectors must be in [1, n-1]")
        c1 = _c.mul_base(_c.blind(k))
        shared = _c.mul(_c.blind(k), public_key.x, public_key.y)
        assert c1 is not None and shared is not None  # 1 <= k < n, public key of order n
        x2, y2 = _der.i2b(shared[0]), _der.i2b(shared[1])
        t = _kdf(x2 + y2, len(plaintext))
        if any(t):
            c3 = _sm3(x2, plaintext, y2)
            return _der.encode_ciphertext(c1[0], c1[1], c3, _xor(plaintext, t), enc, prefix=True)
        if k_for_test_vectors is not None:
            raise ValidationException("k_for_test_vectors gives an all-zero KDF output")


def decrypt(private_key: SM2PrivateKey, ciphertext: bytes, *, encoding: str = "DER") -> bytes:
    """Decrypt an SM2PKE ciphertext and return the plaintext.

    Raises :class:`InvalidCiphertextException` when the ciphertext is malformed, C1 is not
    a curve point, the KDF output is all zero or C3 does not match (compared in constant
    time). Raises :class:`ValidationException` for an unknown encoding.
    """
    enc = _check_encoding(encoding)
    try:
        x1, y1, c3, c2 = _der.decode_ciphertext(_der.as_bytes(ciphertext, "ciphertext"), enc)
    except CiphertextFormatError as exc:
        raise InvalidCiphertextException("malformed SM2 ciphertext") from exc
    if not _c.is_on_curve(x1, y1):
        raise InvalidCiphertextException("SM2 ciphertext C1 is not on the curve")
    shared = _c.mul(_c.blind(private_key.d), x1, y1)
    if shared is None:  # pragma: no cover - impossible for a point of prime order n
        raise InvalidCiphertextException("SM2 ciphertext C1 is invalid")
    x2, y2 = _der.i2b(shared[0]), _der.i2b(shared[1])
    t = _kdf(x2 + y2, len(c2))
    if not any(t):
        raise InvalidCiphertextException("SM2 KDF output is all zero")
    plaintext = _xor(c2, t)
    if not hmac.compare_digest(_sm3(x2, plaintext, y2), c3):
        raise InvalidCiphertextException("SM2 ciphertext does not authenticate")
    return plaintext


def derive_shared_secret(private_key: SM2PrivateKey, peer_public_key: SM2PublicKey) -> bytes:
    """Return the 32-byte x-coordinate of d·P (ECDH on the SM2 curve, as KMS returns it)."""
    pt = _c.mul(_c.blind(private_key.d), peer_public_key.x, peer_public_key.y)
    if pt is None:  # pragma: no cover - impossible for a validated public key
        raise InvalidPointError("ECDH produced the point at infinity")
    return _der.i2b(pt[0])


def signature_der_to_raw(der: bytes) -> bytes:
    """Return the 64-byte r‖s form of a DER signature; raises :class:`SignatureFormatError`."""
    r, s = _der.decode_signature(_der.as_bytes(der, "signature"))
    return _der.i2b(r) + _der.i2b(s)


def signature_raw_to_der(raw: bytes) -> bytes:
    """Return DER for a 64-byte r‖s signature; raises :class:`SignatureFormatError`."""
    raw = _der.as_bytes(raw, "signature")
    if len(raw) != 64:
        raise SignatureFormatError("a raw SM2 signature is 64 bytes (r ‖ s)")
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    if not (1 <= r < N and 1 <= s < N):
        raise SignatureFormatError("r or s outside [1, n-1]")
    return _der.encode_signature(r, s)


def convert_ciphertext(
    data: bytes, *, from_encoding: str, to_encoding: str, prefix: bool = True
) -> bytes:
    """Re-encode an SM2PKE ciphertext between ``DER``, ``C1C3C2`` and ``C1C2C3``.

    Raw input may carry the 04 prefix or not; it is told apart by which reading gives a
    point on the curve (raw input with an off-curve C1 is therefore rejected). DER input is
    checked for structure only (x, y < p; 32-byte hash; non-empty C2), so test vectors with
    invalid points survive a round trip. ``prefix`` controls the 04 on raw output. Raises
    :class:`CiphertextFormatError`, or :class:`ValidationException` for an unknown encoding.
    """
    src, dst = _check_encoding(from_encoding), _check_encoding(to_encoding)
    x1, y1, c3, c2 = _der.decode_ciphertext(_der.as_bytes(data, "ciphertext"), src)
    return _der.encode_ciphertext(x1, y1, c3, c2, dst, prefix=prefix)
