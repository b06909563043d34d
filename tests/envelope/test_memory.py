"""Memory stays flat while streaming: tracemalloc peaks over a 128 MiB message."""

from __future__ import annotations

import hashlib
import io
import tempfile
import tracemalloc
from pathlib import Path

import pytest

from kmskit.envelope import decrypt_stream, encrypt_stream
from tests.envelope._helpers import aes_keyring

SIZE = 128 << 20
_BLOCK = hashlib.shake_256(b"kmskit memory test").digest(1 << 16)
# Three 64 KiB frame buffers, plus (verify_before_release) the 1 MiB in-memory part of the
# spool and a 1 MiB copy chunk, plus (signed suites) the footer hash's three 1 MiB batches
# (envelope/_hash_lane.py); a leak of anything per frame would be hundreds of MiB.
LIMIT = 7 << 20


class Generated(io.RawIOBase):
    """``size`` bytes of a repeating pseudo-random block, never held in memory at once."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buf: memoryview) -> int:  # type: ignore[override]
        n = min(len(buf), self.left, len(_BLOCK) - self.pos)
        buf[:n] = _BLOCK[self.pos : self.pos + n]
        self.pos = (self.pos + n) % len(_BLOCK)
        self.left -= n
        return n


class Hashing(io.RawIOBase):
    def __init__(self) -> None:
        self.hash = hashlib.sha256()
        self.count = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | memoryview) -> int:  # type: ignore[override]
        self.hash.update(data)
        self.count += len(data)
        return len(data)


def _expected_digest(size: int) -> str:
    h = hashlib.sha256()
    src = Generated(size)
    buf = bytearray(1 << 16)
    while n := src.readinto(memoryview(buf)):
        h.update(memoryview(buf)[:n])
    return h.hexdigest()


def _scratch_dir(tmp_path: Path) -> Path:
    shm = Path("/dev/shm")
    return shm if shm.is_dir() else tmp_path


@pytest.mark.slow
@pytest.mark.parametrize(
    ("algorithm", "verify_before_release"),
    [
        ("AES_256_GCM_HKDF_SHA512_COMMIT_KEY", False),
        ("AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384", True),
    ],
)
def test_memory_is_flat(algorithm: str, verify_before_release: bool, tmp_path: Path) -> None:
    # A name of its own: several checkouts may run this test at once on one machine, and a
    # fixed name in the shared /dev/shm let one run delete another's file mid-test.
    scratch = Path(tempfile.mkdtemp(prefix="kmskit-memory-test-", dir=_scratch_dir(tmp_path)))
    path = scratch / f"{algorithm}.msg"
    try:
        tracemalloc.start()
        with path.open("wb") as dst:
            info = encrypt_stream(Generated(SIZE), dst, keyrings=aes_keyring(), algorithm=algorithm)
        _, encrypt_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        sink = Hashing()
        with path.open("rb") as src:
            decrypt_stream(
                src,
                sink,
                keyrings=aes_keyring(),
                verify_before_release=verify_before_release,
                spool_dir=str(scratch),
            )
        _, decrypt_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        path.unlink(missing_ok=True)
        scratch.rmdir()
    assert info.plaintext_length == SIZE
    assert sink.count == SIZE
    assert sink.hash.hexdigest() == _expected_digest(SIZE)
    assert encrypt_peak < LIMIT, encrypt_peak
    assert decrypt_peak < LIMIT, decrypt_peak
