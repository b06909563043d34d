"""The message footer: uint16 signature length ‖ DER signature (docs/format.md#footer).

Pure format; the signature itself is made and checked in :mod:`envelope._signing`.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from kmskit.offline.errors import BodyFormatError, ValidationException

__all__ = ["pack_footer", "read_footer"]

_UINT16 = 0xFFFF


def pack_footer(signature: bytes) -> bytes:
    """Return the footer for ``signature``; raises ValidationException if it is empty or
    longer than 65535 bytes."""
    if not 1 <= len(signature) <= _UINT16:
        raise ValidationException("a footer signature must be 1 to 65535 bytes")
    return struct.pack(">H", len(signature)) + signature


def read_footer(read: Callable[[int], bytes]) -> bytes:
    """Read a footer and return the signature bytes.

    Raises :class:`BodyFormatError` when the footer is missing, truncated or empty.
    """
    head = read(2)
    if len(head) != 2:
        raise BodyFormatError("the message is truncated: the signed suite's footer is missing")
    length = int.from_bytes(head, "big")
    if length == 0:
        raise BodyFormatError("the footer holds an empty signature")
    signature = read(length)
    if len(signature) != length:
        raise BodyFormatError("the message is truncated in the footer")
    return signature
