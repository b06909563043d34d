"""The message body format: frame layouts, deterministic IVs and the body AAD.

Byte layouts in docs/format.md#body. Pure format, no cryptography: the streaming modules
encrypt and decrypt with the IVs and AADs built here. The builders write into preallocated
buffers, so the per-frame cost is a couple of ``struct.pack_into`` calls.

Every check on a frame head raises :class:`~offline.errors.BodyFormatError`.
"""

from __future__ import annotations

import struct
from typing import Final

from kmskit.envelope.suites import MAX_FRAME_COUNT, MAX_NON_FRAMED_LENGTH
from kmskit.offline.errors import BodyFormatError

__all__ = [
    "FINAL_FRAME_LABEL",
    "FINAL_FRAME_MARKER",
    "FRAME_LABEL",
    "NON_FRAMED_LABEL",
    "BodyAad",
    "check_final_head",
    "check_non_framed_head",
    "check_regular_head",
    "frame_iv",
    "pack_final_head",
    "pack_non_framed_head",
    "pack_regular_head",
]

# message-body-aad.md "Body AAD Content"
FRAME_LABEL: Final = b"AWSKMSEncryptionClient Frame"
FINAL_FRAME_LABEL: Final = b"AWSKMSEncryptionClient Final Frame"
NON_FRAMED_LABEL: Final = b"AWSKMSEncryptionClient Single Block"
# message-body.md "Sequence Number End"
FINAL_FRAME_MARKER: Final = 0xFFFFFFFF

_U32 = struct.Struct(">I")
_U64 = struct.Struct(">Q")


def frame_iv(sequence_number: int, iv_length: int) -> bytes:
    """The IV of frame ``sequence_number``: the number as uint32, left-padded with zeros.
    The non-framed body uses sequence number 1; the header tag uses the all-zero IV."""
    return bytes(iv_length - 4) + _U32.pack(sequence_number)


class BodyAad:
    """Builds message id ‖ label ‖ uint32 sequence number ‖ uint64 content length in place.

    One instance per label; :meth:`set` rewrites only the two numbers and returns the
    buffer, which stays valid until the next call.
    """

    __slots__ = ("_buf", "_seq_at")

    def __init__(self, message_id: bytes, label: bytes) -> None:
        self._seq_at = len(message_id) + len(label)
        self._buf = bytearray(message_id + label + bytes(12))

    def set(self, sequence_number: int, content_length: int) -> bytearray:
        _U32.pack_into(self._buf, self._seq_at, sequence_number)
        _U64.pack_into(self._buf, self._seq_at + 4, content_length)
        return self._buf


def pack_regular_head(buf: bytearray | memoryview, sequence_number: int, iv: bytes) -> int:
    """Write sequence number ‖ IV at the start of ``buf``; return the head length."""
    _U32.pack_into(buf, 0, sequence_number)
    buf[4 : 4 + len(iv)] = iv
    return 4 + len(iv)


def pack_final_head(sequence_number: int, iv: bytes, content_length: int) -> bytes:
    """Return marker ‖ sequence number ‖ IV ‖ uint32 content length."""
    return (
        _U32.pack(FINAL_FRAME_MARKER) + _U32.pack(sequence_number) + iv + _U32.pack(content_length)
    )


def pack_non_framed_head(iv: bytes, content_length: int) -> bytes:
    """Return IV ‖ uint64 content length (the non-framed body head; decrypt side only)."""
    return iv + _U64.pack(content_length)


def _check_sequence(found: int, expected: int) -> None:
    if expected > MAX_FRAME_COUNT:
        raise BodyFormatError(f"the message has more than {MAX_FRAME_COUNT} frames")
    if found != expected:
        raise BodyFormatError(f"frame {found} found where frame {expected} was expected")


def check_regular_head(head: bytes | memoryview, expected_seq: int, iv_length: int) -> bytes:
    """Check a regular frame head (sequence number ‖ IV) and return its IV.

    The IV is returned, not compared with :func:`frame_iv`: encryption MUST write the
    deterministic IV, but the ESDK (and its published vectors) decrypt with the IV carried
    in the frame, so kmskit does the same (docs/format.md#frame-ivs).
    """
    if len(head) != 4 + iv_length:
        raise BodyFormatError("the message is truncated in a frame header")
    _check_sequence(_U32.unpack_from(head, 0)[0], expected_seq)
    return bytes(head[4:])


def check_final_head(
    head: bytes | memoryview, expected_seq: int, iv_length: int, frame_length: int
) -> tuple[bytes, int]:
    """Check the final frame head after its marker (sequence number ‖ IV ‖ content length);
    return (IV, content length). The length must not exceed ``frame_length``."""
    if len(head) != 8 + iv_length:
        raise BodyFormatError("the message is truncated in the final frame header")
    _check_sequence(_U32.unpack_from(head, 0)[0], expected_seq)
    length: int = _U32.unpack_from(head, 4 + iv_length)[0]
    if length > frame_length:
        raise BodyFormatError(
            f"the final frame holds {length} bytes, more than the frame length {frame_length}"
        )
    return bytes(head[4 : 4 + iv_length]), length


def check_non_framed_head(head: bytes | memoryview, iv_length: int) -> tuple[bytes, int]:
    """Check the non-framed body head (IV ‖ uint64 length); return (IV, content length)."""
    if len(head) != iv_length + 8:
        raise BodyFormatError("the message is truncated in the body header")
    length: int = _U64.unpack_from(head, iv_length)[0]
    if length > MAX_NON_FRAMED_LENGTH:
        raise BodyFormatError(
            f"the non-framed body claims {length} bytes, over the {MAX_NON_FRAMED_LENGTH} limit"
        )
    return bytes(head[:iv_length]), length
