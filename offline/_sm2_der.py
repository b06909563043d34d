"""The byte formats of SM2: a strict DER subset, SPKI/PKCS#8/SEC1 keys, PEM, and the raw and
GM/T 0009 ciphertext layouts. Parsing and serialisation only; no curve arithmetic beyond the
on-curve check that tells raw layouts apart.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Final

from kmskit.offline._sm2_params import N_INT, P_INT
from kmskit.offline.errors import (
    CiphertextFormatError,
    KeyFormatError,
    KmskitError,
    SignatureFormatError,
)

N: Final = N_INT
_SCALAR_BYTES: Final = 32


def as_bytes(value: bytes, what: str) -> bytes:
    """Accept bytes-like input only (``bytes(5)`` would silently make five zero bytes)."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    raise TypeError(f"{what} must be bytes, not {type(value).__name__}")


def i2b(v: int) -> bytes:
    return v.to_bytes(_SCALAR_BYTES, "big")


# --- Encodings: a strict DER subset, PEM, raw ciphertext layouts --------------------------
# Only what SM2 needs: single-byte tags, definite minimal lengths, minimal non-negative
# INTEGERs, no trailing bytes anywhere. Every failure raises the caller's kmskit error.

CURVE_OID: Final = "1.2.156.10197.1.301"
_OID_EC_PUBLIC_KEY: Final = bytes.fromhex("06072a8648ce3d0201")  # 1.2.840.10045.2.1
_OID_SM2_CURVE: Final = bytes.fromhex("06082a811ccf5501822d")  # 1.2.156.10197.1.301
_OID_SM2_ALG: Final = bytes.fromhex("06092a811ccf5501822d01")  # 1.2.156.10197.1.301.1
_DER_NULL: Final = b"\x05\x00"
_ALGORITHM_ID: Final = b"\x30\x13" + _OID_EC_PUBLIC_KEY + _OID_SM2_CURVE

ErrorType = type[KmskitError]


def tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        return bytes((tag, n)) + content
    nb = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(nb))) + nb + content


def der_uint(v: int) -> bytes:
    return tlv(0x02, v.to_bytes(v.bit_length() // 8 + 1, "big"))


def der_next(buf: bytes, pos: int, end: int, tag: int, err: ErrorType) -> tuple[int, int]:
    """Read one TLV with ``tag`` at ``pos`` (not past ``end``); return its content span."""
    if end - pos < 2:
        raise err("truncated DER")
    if buf[pos] != tag:
        raise err(f"expected DER tag 0x{tag:02x}")
    n = buf[pos + 1]
    pos += 2
    if n & 0x80:
        nb = n & 0x7F
        if nb == 0 or nb > 4 or end - pos < nb:
            raise err("bad DER length")
        n = int.from_bytes(buf[pos : pos + nb], "big")
        if n < 0x80 or buf[pos] == 0:
            raise err("non-minimal DER length")
        pos += nb
    if n > end - pos:
        raise err("truncated DER")
    return pos, pos + n


def der_read_uint(buf: bytes, pos: int, end: int, err: ErrorType) -> tuple[int, int]:
    """Read a non-negative minimal INTEGER; return (value, next position)."""
    start, stop = der_next(buf, pos, end, 0x02, err)
    if start == stop:
        raise err("empty DER INTEGER")
    if buf[start] & 0x80:
        raise err("negative DER INTEGER")
    if stop - start > 1 and buf[start] == 0 and not buf[start + 1] & 0x80:
        raise err("non-minimal DER INTEGER")
    return int.from_bytes(buf[start:stop], "big"), stop


def der_outer(buf: bytes, err: ErrorType) -> tuple[int, int]:
    start, stop = der_next(buf, 0, len(buf), 0x30, err)
    if stop != len(buf):
        raise err("trailing data after DER")
    return start, stop


def encode_signature(r: int, s: int) -> bytes:
    return tlv(0x30, der_uint(r) + der_uint(s))


def decode_signature(der: bytes) -> tuple[int, int]:
    err = SignatureFormatError
    pos, end = der_outer(der, err)
    r, pos = der_read_uint(der, pos, end, err)
    s, pos = der_read_uint(der, pos, end, err)
    if pos != end:
        raise err("extra fields in the signature SEQUENCE")
    if not (1 <= r < N and 1 <= s < N):
        raise err("r or s outside [1, n-1]")
    return r, s


def encode_ciphertext(x: int, y: int, c3: bytes, c2: bytes, enc: str, *, prefix: bool) -> bytes:
    if enc == "DER":
        body = der_uint(x) + der_uint(y) + tlv(0x04, c3) + tlv(0x04, c2)
        return tlv(0x30, body)
    c1 = (b"\x04" if prefix else b"") + i2b(x) + i2b(y)
    return c1 + c3 + c2 if enc == "C1C3C2" else c1 + c2 + c3


def decode_ciphertext(data: bytes, enc: str) -> tuple[int, int, bytes, bytes]:
    """Return (x1, y1, C3, C2); raises CiphertextFormatError."""
    err = CiphertextFormatError
    if enc == "DER":
        pos, end = der_outer(data, err)
        x, pos = der_read_uint(data, pos, end, err)
        y, pos = der_read_uint(data, pos, end, err)
        h0, h1 = der_next(data, pos, end, 0x04, err)
        c0, c1 = der_next(data, h1, end, 0x04, err)
        if c1 != end:
            raise err("extra fields in the ciphertext SEQUENCE")
        if not (x < P_INT and y < P_INT):
            raise err("C1 coordinate out of range")
        if h1 - h0 != 32:
            raise err("C3 must be 32 bytes")
        if c1 == c0:
            raise err("empty C2")
        return x, y, data[h0:h1], data[c0:c1]
    # Raw: which reading of C1 (with or without 04) is a curve point decides the layout.
    # The curve arithmetic (and gmpy2) loads only here, not for every DER signature check.
    from kmskit.offline import _sm2_curve

    for off in (1, 0) if data[:1] == b"\x04" else (0,):
        if len(data) < off + 64 + 32 + 1:
            continue
        x = int.from_bytes(data[off : off + 32], "big")
        y = int.from_bytes(data[off + 32 : off + 64], "big")
        if _sm2_curve.is_on_curve(x, y):
            rest = data[off + 64 :]
            if enc == "C1C3C2":
                return x, y, rest[:32], rest[32:]
            return x, y, rest[-32:], rest[:-32]
    raise err("raw SM2 ciphertext too short or C1 is not a curve point")


def check_algorithm(buf: bytes, pos: int, end: int) -> None:
    """Check an AlgorithmIdentifier's content: SM2 via id-ecPublicKey or the SM2 OID."""
    err = KeyFormatError
    _, o1 = der_next(buf, pos, end, 0x06, err)
    alg, params = buf[pos:o1], buf[o1:end]
    if alg == _OID_EC_PUBLIC_KEY and params == _OID_SM2_CURVE:
        return
    if alg == _OID_SM2_ALG and params in (b"", _DER_NULL, _OID_SM2_CURVE):
        return
    raise err("not an SM2 key (need id-ecPublicKey with curve 1.2.156.10197.1.301)")


def encode_spki(point: bytes) -> bytes:
    return tlv(0x30, _ALGORITHM_ID + tlv(0x03, b"\x00" + point))


def bit_string_bytes(buf: bytes, pos: int, end: int, err: ErrorType) -> tuple[bytes, int]:
    b0, b1 = der_next(buf, pos, end, 0x03, err)
    if b1 == b0 or buf[b0] != 0:
        raise err("BIT STRING must have 0 unused bits")
    return buf[b0 + 1 : b1], b1


def decode_spki(der: bytes) -> bytes:
    err = KeyFormatError
    pos, end = der_outer(der, err)
    a0, a1 = der_next(der, pos, end, 0x30, err)
    check_algorithm(der, a0, a1)
    point, pos = bit_string_bytes(der, a1, end, err)
    if pos != end:
        raise err("extra fields in SubjectPublicKeyInfo")
    return point


def encode_sec1(d: bytes, point: bytes, *, with_params: bool = True) -> bytes:
    params = tlv(0xA0, _OID_SM2_CURVE) if with_params else b""
    body = der_uint(1) + tlv(0x04, d) + params + tlv(0xA1, tlv(0x03, b"\x00" + point))
    return tlv(0x30, body)


def encode_pkcs8(d: bytes, point: bytes) -> bytes:
    inner = encode_sec1(d, point, with_params=False)
    return tlv(0x30, der_uint(0) + _ALGORITHM_ID + tlv(0x04, inner))


def decode_ec_private_key(buf: bytes, pos: int, end: int) -> tuple[int, bytes | None]:
    """RFC 5915 ECPrivateKey content → (d, public point bytes or None)."""
    err = KeyFormatError
    version, pos = der_read_uint(buf, pos, end, err)
    if version != 1:
        raise err("ECPrivateKey version must be 1")
    k0, pos = der_next(buf, pos, end, 0x04, err)
    if not 1 <= pos - k0 <= 32:
        raise err("the private key must be 1 to 32 bytes")
    d = int.from_bytes(buf[k0:pos], "big")
    pub = None
    if pos < end and buf[pos] == 0xA0:
        p0, pos = der_next(buf, pos, end, 0xA0, err)
        if buf[p0:pos] != _OID_SM2_CURVE:
            raise err("ECPrivateKey parameters are not the SM2 curve")
    if pos < end and buf[pos] == 0xA1:
        p0, pos = der_next(buf, pos, end, 0xA1, err)
        pub, stop = bit_string_bytes(buf, p0, pos, err)
        if stop != pos:
            raise err("extra data in the ECPrivateKey public key")
    if pos != end:
        raise err("extra fields in ECPrivateKey")
    return d, pub


def decode_private_key(der: bytes) -> tuple[int, bytes | None]:
    """PKCS#8 PrivateKeyInfo/OneAsymmetricKey or SEC1 ECPrivateKey → (d, point or None)."""
    err = KeyFormatError
    pos, end = der_outer(der, err)
    version, after_version = der_read_uint(der, pos, end, err)
    if after_version < end and der[after_version] == 0x04:
        return decode_ec_private_key(der, pos, end)
    if version not in (0, 1):
        raise err("unsupported PKCS#8 version")
    a0, pos = der_next(der, after_version, end, 0x30, err)
    check_algorithm(der, a0, pos)
    o0, pos = der_next(der, pos, end, 0x04, err)
    i0, i1 = der_next(der, o0, pos, 0x30, err)
    if i1 != pos:
        raise err("trailing data after ECPrivateKey")
    d, pub = decode_ec_private_key(der, i0, i1)
    if pos < end and der[pos] == 0xA0:  # attributes: allowed, ignored
        _, pos = der_next(der, pos, end, 0xA0, err)
    if pos < end and der[pos] == 0x81 and version == 1:  # OneAsymmetricKey publicKey
        b0, pos = der_next(der, pos, end, 0x81, err)
        if pos == b0 or der[b0] != 0:
            raise err("BIT STRING must have 0 unused bits")
        if pub is not None and pub != der[b0 + 1 : pos]:
            raise err("conflicting public keys in PKCS#8")
        pub = der[b0 + 1 : pos]
    if pos != end:
        raise err("extra fields in PrivateKeyInfo")
    return d, pub


_PEM_RE: Final = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \1-----")


def pem_decode(data: bytes | str, labels: tuple[str, ...]) -> bytes:
    """DER of the first PEM block whose label is in ``labels``; raises KeyFormatError."""
    if not isinstance(data, str):
        try:
            data = as_bytes(data, "PEM").decode("ascii")
        except UnicodeDecodeError as exc:
            raise KeyFormatError("PEM must be ASCII") from exc
    for m in _PEM_RE.finditer(data):
        label = m.group(1)
        if label == "ENCRYPTED PRIVATE KEY":
            raise KeyFormatError("encrypted private keys are not supported")
        if label in labels:
            try:
                return base64.b64decode("".join(m.group(2).split()), validate=True)
            except binascii.Error as exc:
                raise KeyFormatError(f"bad base64 in the {label} PEM block") from exc
    raise KeyFormatError("no PEM block labelled " + " or ".join(labels))
