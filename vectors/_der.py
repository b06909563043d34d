"""A tiny DER writer that can also write the BER and malformed variants negative cases need.

Only what the generators use: TLVs with minimal or deliberately non-minimal lengths,
INTEGERs with or without the sign byte, SubjectPublicKeyInfo and ECPrivateKey for EC keys.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "EC_PUBLIC_KEY_OID",
    "ec_spki",
    "integer",
    "length",
    "signature",
    "tlv",
]

EC_PUBLIC_KEY_OID: Final = bytes.fromhex("06072a8648ce3d0201")  # 1.2.840.10045.2.1


def length(n: int, *, long_form: bool = False) -> bytes:
    """Minimal DER length, or (``long_form``) a long form with one byte more than needed."""
    if not long_form:
        if n < 0x80:
            return bytes([n])
        nb = n.to_bytes((n.bit_length() + 7) // 8, "big")
        return bytes([0x80 | len(nb)]) + nb
    nb = n.to_bytes((n.bit_length() + 7) // 8 or 1, "big")
    if n >= 0x80:
        nb = b"\x00" + nb  # a leading zero length byte is the non-minimal form
    return bytes([0x80 | len(nb)]) + nb


def tlv(tag: int, content: bytes, *, long_form: bool = False) -> bytes:
    return bytes([tag]) + length(len(content), long_form=long_form) + content


def integer(value: int, *, pad: int = 0, unsigned: bool = False) -> bytes:
    """A DER INTEGER for ``value`` >= 0.

    ``pad`` adds that many extra leading 00 bytes (non-minimal). ``unsigned`` drops the 00
    sign byte a value with its top bit set needs (so DER reads a negative number).
    """
    if value < 0:
        raise ValueError("negative values are not needed here")
    body = value.to_bytes(value.bit_length() // 8 + 1, "big")
    if unsigned and len(body) > 1 and body[0] == 0:
        body = body[1:]
    return tlv(0x02, b"\x00" * pad + body)


def signature(
    r: int,
    s: int,
    *,
    long_form: bool = False,
    indefinite: bool = False,
    pad_r: int = 0,
    unsigned_r: bool = False,
    trailing: bytes = b"",
) -> bytes:
    """``SEQUENCE{r, s}``, minimal unless a variant is asked for."""
    content = integer(r, pad=pad_r, unsigned=unsigned_r) + integer(s)
    if indefinite:
        return b"\x30\x80" + content + b"\x00\x00" + trailing
    return tlv(0x30, content, long_form=long_form) + trailing


def ec_spki(curve_oid: bytes, point: bytes) -> bytes:
    """SubjectPublicKeyInfo for id-ecPublicKey with a named curve, holding ``point`` as is."""
    algorithm = tlv(0x30, EC_PUBLIC_KEY_OID + curve_oid)
    return tlv(0x30, algorithm + tlv(0x03, b"\x00" + point))
