"""envelope/_hash_lane.py: the footer hash on a worker thread gives the hash of the bytes in
order, starts no thread for short messages, never outlives the call and reports failures."""

from __future__ import annotations

import hashlib
import os
import threading

import pytest

from kmskit.envelope._hash_lane import HashLane


def _lane_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "kmskit-footer-hash"]


@pytest.mark.parametrize("size", [0, 1, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, 5_000_003])
def test_the_digest_is_that_of_the_bytes_in_order(size: int) -> None:
    data = os.urandom(size)
    expected = hashlib.sha384(data).hexdigest()
    h = hashlib.sha384()
    lane = HashLane(h.update)
    # Irregular pieces, as frames, headers and tags arrive; some cross batch boundaries.
    pos, step = 0, 1
    while pos < size:
        lane.update(memoryview(data)[pos : pos + step])
        pos += step
        step = step * 7 % 200_003 + 1
    lane.finish()
    lane.close()
    assert h.hexdigest() == expected
    assert _lane_threads() == []


def test_a_short_message_starts_no_thread() -> None:
    h = hashlib.sha256()
    lane = HashLane(h.update)
    lane.update(b"x" * 1000)
    assert _lane_threads() == []
    lane.finish()
    assert h.hexdigest() == hashlib.sha256(b"x" * 1000).hexdigest()


def test_close_stops_the_thread_of_a_failed_call() -> None:
    h = hashlib.sha256()
    lane = HashLane(h.update)
    lane.update(bytes(3 << 20))
    assert len(_lane_threads()) == 1
    lane.close()
    assert _lane_threads() == []


def test_a_failing_hash_is_reported_by_finish_and_never_blocks() -> None:
    calls = 0

    def broken(view: memoryview) -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("hash failed")

    lane = HashLane(broken)
    lane.update(bytes(8 << 20))  # more batches than slots: would hang if slots were lost
    with pytest.raises(RuntimeError, match="hash failed"):
        lane.finish()
    assert calls == 1  # nothing more is hashed after a failure
    assert _lane_threads() == []
