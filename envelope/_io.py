"""Byte plumbing for the streaming modules: exact reads, a hashing tap, and output sinks.

``Reader`` turns short reads (pipes, sockets) into exact ones and feeds every byte it
returns to an optional ``tap`` (the footer-signature hash). Sinks decide when plaintext
reaches the caller's ``dst``: straight away, or only after the whole message verified (held
meanwhile in a spool sealed under a one-time key, so no plaintext is ever at rest).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import Any, Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = [
    "INITIAL_BUFFER",
    "ByteSink",
    "ByteSource",
    "DirectSink",
    "Reader",
    "Sink",
    "SpoolSink",
    "SpoolWriter",
    "read_up_to",
    "write_all",
]

Tap = Callable[[memoryview], None]
_SPOOL_IN_MEMORY = 1 << 20
_COPY_CHUNK = 1 << 20
_SPOOL_RECORD = 1 << 16
# Frame buffers start at most this large and grow (doubling) only while input keeps coming,
# so a 2 GiB frame length costs memory only when 2 GiB of data actually arrive.
INITIAL_BUFFER = 1 << 20


class ByteSource(Protocol):
    """A binary file object to read from (``readinto`` is used when it has one)."""

    def read(self, size: int, /) -> bytes | None: ...


class ByteSink(Protocol):
    """A binary file object to write to."""

    def write(self, data: memoryview, /) -> int | None: ...


class Reader:
    """Exact reads from a binary file object; counts and taps what it returns."""

    __slots__ = ("_read", "_readinto", "consumed", "tap")

    def __init__(self, src: ByteSource) -> None:
        self._readinto: Callable[[Any], int | None] | None = getattr(src, "readinto", None)
        self._read = src.read
        self.consumed = 0
        self.tap: Tap | None = None

    def readinto(self, view: memoryview) -> int:
        """Fill ``view`` unless the input ends first; return the bytes read."""
        want = len(view)
        got = 0
        while got < want:
            if self._readinto is not None:
                n = self._readinto(view[got:])
                if n is None:  # non-blocking source with nothing ready: not supported
                    raise BlockingIOError("envelope streams need a blocking source")
            else:
                chunk = self._read(want - got)
                if chunk is None:
                    raise BlockingIOError("envelope streams need a blocking source")
                n = len(chunk)
                view[got : got + n] = chunk
            if not n:
                break
            got += n
        self.consumed += got
        if self.tap is not None and got:
            self.tap(view[:got])
        return got

    def read(self, n: int) -> bytes:
        """Return ``n`` bytes, or fewer only at the end of the input."""
        buf = bytearray(n)
        got = self.readinto(memoryview(buf))
        del buf[got:]
        return bytes(buf)

    def at_eof(self) -> bool:
        """True when no byte remains (reads, without tapping, one byte to find out)."""
        tap, self.tap = self.tap, None
        try:
            return not self.read(1)
        finally:
            self.tap = tap


def read_up_to(reader: Reader, buf: bytearray, n: int) -> tuple[bytearray, int]:
    """Read up to ``n`` bytes into the start of ``buf``, stopping only at the end of input.

    When ``buf`` is shorter than ``n`` it is replaced by larger ones (doubling, the old one
    wiped) as data arrives. Returns (the buffer holding the data, the count read).
    """
    if len(buf) >= n:
        return buf, reader.readinto(memoryview(buf)[:n])
    got = reader.readinto(memoryview(buf))
    while got == len(buf) and got < n:
        grown = bytearray(min(n, max(2 * len(buf), 1)))
        grown[:got] = buf
        buf[:] = bytes(len(buf))
        buf = grown
        got += reader.readinto(memoryview(buf)[got:])
    return buf, got


def write_all(dst: ByteSink, data: memoryview | bytes) -> None:
    """Write all of ``data`` (raw file objects may write less than asked)."""
    view = memoryview(data)
    while view:
        n = dst.write(view)
        if n is None:
            raise BlockingIOError("envelope streams need a blocking destination")
        view = view[n:]


class Sink(Protocol):
    written: int

    def write(self, data: memoryview) -> None: ...
    def commit(self) -> None: ...
    def discard(self) -> None: ...


class DirectSink:
    """Plaintext goes to ``dst`` as soon as it is authenticated."""

    def __init__(self, dst: ByteSink) -> None:
        self._dst = dst
        self.written = 0

    def write(self, data: memoryview) -> None:
        write_all(self._dst, data)
        self.written += len(data)

    def commit(self) -> None:
        return None

    def discard(self) -> None:
        return None


class SpoolSink:
    """Bytes wait in an anonymous temporary file and go to ``emit`` only on :meth:`commit`;
    :meth:`discard` drops them.

    The spool never holds plaintext: each record is sealed with AES-256-GCM under a one-time
    key that lives only in this object's memory (nonce = record number), so the spool is
    unreadable once the process is gone, even if it was paged to disk. It stays in memory up
    to 1 MiB, then moves to ``spool_dir`` or the system temporary directory as an unnamed
    file (``O_TMPFILE`` on Linux: nothing to clean up after a crash).
    """

    def __init__(self, emit: Callable[[memoryview], None], spool_dir: str | None) -> None:
        self._emit = emit
        self._spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY, dir=spool_dir)
        self._aead: AESGCM | None = AESGCM(AESGCM.generate_key(bit_length=256))
        self._records = 0
        self._pending = bytearray()
        self.written = 0

    def write(self, data: memoryview) -> None:
        self._pending += data
        self.written += len(data)
        if len(self._pending) >= _SPOOL_RECORD:
            self._seal()

    def _nonce(self, n: int) -> bytes:
        return n.to_bytes(12, "big")

    def _seal(self) -> None:
        if not self._pending or self._aead is None:
            return
        sealed = self._aead.encrypt(self._nonce(self._records), bytes(self._pending), None)
        self._pending[:] = bytes(len(self._pending))
        self._pending.clear()
        write_all(self._spool, len(sealed).to_bytes(4, "big"))
        write_all(self._spool, sealed)
        self._records += 1

    def commit(self) -> None:
        self._seal()
        aead = self._aead
        if aead is None:
            raise ValueError("the spool was already released or discarded")
        self._spool.seek(0)
        for n in range(self._records):
            size = int.from_bytes(self._spool.read(4), "big")
            record = self._spool.read(size)
            plain = bytearray(aead.decrypt(self._nonce(n), record, None))
            try:
                for start in range(0, len(plain), _COPY_CHUNK):
                    self._emit(memoryview(plain)[start : start + _COPY_CHUNK])
            finally:
                plain[:] = bytes(len(plain))
        self.discard()

    def discard(self) -> None:
        self._pending[:] = bytes(len(self._pending))
        self._pending.clear()
        self._aead = None
        self._spool.close()


class SpoolWriter:
    """A file-like front for a :class:`SpoolSink` (``write`` returns the count)."""

    def __init__(self, sink: SpoolSink) -> None:
        self._sink = sink

    def write(self, data: memoryview | bytes, /) -> int:
        view = memoryview(data)
        self._sink.write(view)
        return len(view)
