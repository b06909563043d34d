"""SM2 byte layouts for the oracles, written independently of kmskit's codecs.

Each oracle takes a ciphertext in the form its peer reads (OpenSSL: GM/T 0009 DER; gmssl:
raw without 04), so raw and DER cases are re-laid out here. The SM2 curve equation is
restated to tell ``04 || x || y`` from ``x || y`` (whichever reading is on the curve).
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "SM2_A",
    "SM2_B",
    "SM2_N",
    "SM2_P",
    "der_to_parts",
    "on_curve",
    "parts_to_der",
    "raw_to_parts",
    "read_tlv",
    "tlv",
    "uint",
]

SM2_P: Final = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
SM2_A: Final = SM2_P - 3
SM2_B: Final = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
SM2_N: Final = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123

Parts = tuple[int, int, bytes, bytes]  # x1, y1, C3, C2


def tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        return bytes((tag, n)) + content
    nb = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(nb))) + nb + content


def uint(v: int) -> bytes:
    return tlv(0x02, v.to_bytes(v.bit_length() // 8 + 1, "big"))


def read_tlv(buf: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the TLV at ``pos``; raises ValueError/IndexError."""
    tag, n = buf[pos], buf[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(buf[pos : pos + k], "big")
        pos += k
    if pos + n > len(buf):
        raise ValueError("truncated")
    return tag, pos, pos + n


def on_curve(x: int, y: int) -> bool:
    return x < SM2_P and y < SM2_P and (y * y - x * x * x - SM2_A * x - SM2_B) % SM2_P == 0


def raw_to_parts(data: bytes, encoding: str) -> Parts | None:
    """Split a raw C1C3C2 / C1C2C3 ciphertext as ``encoding`` says; None if too short.

    C1 is read with the 04 prefix if the data starts with 04 and that reading is a curve
    point, else without; if neither reading is a point, the 04 reading is kept (the peer
    then rejects the point).
    """
    offsets = (1, 0) if data[:1] == b"\x04" else (0,)
    chosen = None
    for off in offsets:
        if len(data) >= off + 96:
            x = int.from_bytes(data[off : off + 32], "big")
            y = int.from_bytes(data[off + 32 : off + 64], "big")
            if on_curve(x, y):
                chosen = off
                break
    if chosen is None:
        chosen = offsets[0]
        if len(data) < chosen + 96:
            return None
    x = int.from_bytes(data[chosen : chosen + 32], "big")
    y = int.from_bytes(data[chosen + 32 : chosen + 64], "big")
    rest = data[chosen + 64 :]
    c3, c2 = (rest[:32], rest[32:]) if encoding == "C1C3C2" else (rest[-32:], rest[:-32])
    return x, y, c3, c2


def der_to_parts(data: bytes) -> Parts | None:
    """Read GM/T 0009 DER SEQUENCE{x, y, C3, C2} (structure only); None if it does not parse."""
    try:
        tag, pos, end = read_tlv(data, 0)
        fields = []
        for want in (0x02, 0x02, 0x04, 0x04):
            t, s, e = read_tlv(data, pos)
            if t != want or e > end:
                return None
            fields.append(data[s:e])
            pos = e
    except (ValueError, IndexError):
        return None
    if tag != 0x30:
        return None
    return int.from_bytes(fields[0], "big"), int.from_bytes(fields[1], "big"), fields[2], fields[3]


def parts_to_der(parts: Parts) -> bytes:
    x, y, c3, c2 = parts
    return tlv(0x30, uint(x) + uint(y) + tlv(0x04, c3) + tlv(0x04, c2))
