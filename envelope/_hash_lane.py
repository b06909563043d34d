"""The footer signature's hash, computed on a worker thread beside the cipher.

A signed suite (0x0578, 0x4D05) hashes every byte of the message with one SHA-384 (or SM3)
stream. On one core that hash costs more than AES-GCM and the I/O together, so a serial
encrypt or decrypt runs at well under half the unsigned suite's speed (issue 15). Hashing
releases the GIL (hashlib and cryptography both do, for inputs this large), so this lane
copies the bytes into batches of 1 MiB and feeds them, in order, to the hash on a thread of
its own while the calling thread reads, seals or opens, and writes.

The output is unchanged: the same bytes reach the same hash in the same order. Only message
bytes pass through here (header and ciphertext, never plaintext), so nothing is wiped.
Memory is bounded by ``_SLOTS`` batches. A message shorter than one batch never starts the
thread; its bytes are hashed inline by :meth:`HashLane.finish`. The thread never outlives
the call: :meth:`finish` joins it, and :meth:`close` (always called, in a ``finally``) stops
it when the call fails.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Final

__all__ = ["HashLane"]

Update = Callable[[memoryview], None]

_BATCH: Final = 1 << 20
# Three batches: one filling, one being hashed, one spare, so neither side waits on the other
# while both keep pace; measured here, more slots did not help.
_SLOTS: Final = 3


class HashLane:
    """Feeds ``update`` (a hash's update method) with every byte given to :meth:`update`,
    in order, on a worker thread. Call :meth:`finish` before reading the hash."""

    def __init__(self, update: Update) -> None:
        self._update = update
        self._batch = bytearray(_BATCH)
        self._filled = 0
        self._thread: threading.Thread | None = None
        self._free: queue.SimpleQueue[bytearray] = queue.SimpleQueue()
        self._todo: queue.SimpleQueue[tuple[bytearray, int] | None] = queue.SimpleQueue()
        self._error: BaseException | None = None

    def update(self, data: bytes | bytearray | memoryview) -> None:
        view = memoryview(data).cast("B")
        while view:
            n = min(len(view), _BATCH - self._filled)
            self._batch[self._filled : self._filled + n] = view[:n]
            self._filled += n
            view = view[n:]
            if self._filled == _BATCH:
                self._hand_over()

    def finish(self) -> None:
        """Hash what remains and wait for the thread; re-raise what the hash raised."""
        if self._thread is None:
            self._update(memoryview(self._batch)[: self._filled])
            self._filled = 0
            return
        if self._filled:
            self._todo.put((self._batch, self._filled))
            self._filled = 0
        self._stop()
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        """Stop the thread without finishing (the call failed); safe after finish()."""
        if self._thread is not None:
            self._stop()

    def _hand_over(self) -> None:
        if self._thread is None:
            for _ in range(_SLOTS - 1):
                self._free.put(bytearray(_BATCH))
            self._thread = threading.Thread(
                target=self._run, name="kmskit-footer-hash", daemon=True
            )
            self._thread.start()
        self._todo.put((self._batch, self._filled))
        self._batch = self._free.get()
        self._filled = 0

    def _stop(self) -> None:
        assert self._thread is not None
        self._todo.put(None)
        self._thread.join()
        self._thread = None

    def _run(self) -> None:
        while (item := self._todo.get()) is not None:
            batch, filled = item
            try:
                if self._error is None:
                    self._update(memoryview(batch)[:filled])
            except BaseException as exc:  # reported by finish(), on the calling thread
                self._error = exc
            finally:
                self._free.put(batch)  # never leave the calling thread waiting for a slot
