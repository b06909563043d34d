"""Base64 armour for whole messages, as the AWS Encryption SDK CLI's ``--encode``/``--decode``.

The armoured form is the standard base64 (RFC 4648 §4, with padding) of the binary message,
on one line with no line breaks and no trailing newline. Reading accepts ASCII whitespace
anywhere (line-wrapped input) and nothing else. Both wrappers stream in constant memory.
"""

from __future__ import annotations

import binascii
from typing import Final

from kmskit.envelope._io import ByteSink, ByteSource, write_all
from kmskit.offline.errors import ArmorFormatError

__all__ = ["ArmorReader", "ArmorWriter"]

_WHITESPACE: Final = b" \t\r\n\v\f"
_READ_CHUNK: Final = 1 << 16


class ArmorWriter:
    """A binary sink that base64-encodes what it is given into ``dst``.

    Call :meth:`close` at the end to write the last, padded group; it does not close
    ``dst``.
    """

    def __init__(self, dst: ByteSink) -> None:
        self._dst = dst
        self._pending = b""
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> int:
        if self.closed:
            raise ValueError("write to a closed ArmorWriter")
        n = len(data)
        buf = self._pending + bytes(data)
        cut = len(buf) - len(buf) % 3
        self._pending = buf[cut:]
        if cut:
            write_all(self._dst, binascii.b2a_base64(buf[:cut], newline=False))
        return n

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self._pending:
            write_all(self._dst, binascii.b2a_base64(self._pending, newline=False))
            self._pending = b""


class ArmorReader:
    """A binary source that yields the bytes decoded from base64 read from ``src``.

    Raises :class:`ArmorFormatError` for anything that is not base64: a character outside
    the alphabet, misplaced padding, or input that ends in the middle of a group.
    """

    def __init__(self, src: ByteSource) -> None:
        self._src = src
        self._carry = b""
        self._out = bytearray()
        self._padded = False
        self._eof = False

    def _fill(self) -> None:
        raw = self._src.read(_READ_CHUNK) or b""
        if not raw:
            self._eof = True
            if self._carry:
                raise ArmorFormatError("the base64 input ends in the middle of a group")
            return
        data = self._carry + raw.translate(None, _WHITESPACE)
        cut = len(data) - len(data) % 4
        self._carry = data[cut:]
        if not cut:
            return
        if self._padded:
            raise ArmorFormatError("the base64 input continues after its padding")
        try:
            self._out += binascii.a2b_base64(data[:cut], strict_mode=True)
        except binascii.Error:
            raise ArmorFormatError("the input is not valid base64 (--decode)") from None
        self._padded = data[cut - 1 : cut] == b"="

    def read(self, size: int = -1, /) -> bytes:
        """Return ``size`` decoded bytes (all of them for -1), fewer only at the end."""
        while (size < 0 or len(self._out) < size) and not self._eof:
            self._fill()
        if size < 0:
            size = len(self._out)
        data = bytes(self._out[:size])
        del self._out[:size]
        return data
