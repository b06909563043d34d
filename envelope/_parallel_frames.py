"""Regular frames sealed or opened on several threads, between two regular files.

Why (issue 15): on one core a framed encrypt is bounded by read + AES-GCM + write one after
the other, about 0.55x of ``cp``. Frames are independent: each has its own IV and AAD
(docs/format.md#body). Between two regular files the place of regular frame ``i`` is known
in both: plaintext at ``start + (i - 1) * L`` and record ``i`` (sequence number ‖ IV ‖
ciphertext ‖ tag) at ``start + (i - 1) * (4 + IV + L + tag)``. So each worker reads, seals
(or opens) and writes whole frames at their own offsets with ``preadv``/``pwrite``, and no
worker waits for another's order. cryptography releases the GIL inside AES-GCM and the
``os`` calls release it in the kernel, so the workers run side by side.

Only regular frames come here. The caller keeps the final frame, the footer and every check
after them on its serial path, so the message is byte-identical to a serial run's
(tests/envelope/test_parallel_frames.py compares them).

What stays as it was:

- **Order of hashing.** A signed suite hashes the message in order. On encrypt the calling
  thread hashes each group of sealed records in sequence as the workers hand them over
  (each worker keeps three buffers, so sealing runs ahead of the hash). On decrypt the
  calling thread hashes the input region itself, reading it in order with ``preadv``.
- **What is released.** Decrypt writes a group of plaintext frames only after all of its
  tags verified, as the serial path releases each regular frame after its tag.
- **Failures.** Opening returns ``False`` on anything that is not plain success (a bad
  head, a bad tag, an input shorter than its size said). The caller then cuts the output
  back and decrypts the body serially, which stops at the very same frame with the very
  same error. Encrypting raises :class:`~offline.errors.InputChangedError` when the input
  shrank meanwhile (the message would not match any one state of the file). Errors of the
  output itself (a full disk) are raised as they are.
- **Plaintext in memory.** Every buffer that held plaintext is wiped before its worker
  ends, whatever happened.
"""

from __future__ import annotations

import errno
import os
import stat
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from queue import SimpleQueue
from typing import Any, Final, NamedTuple

from kmskit.envelope._crypto import SLACK, FrameCipher
from kmskit.envelope.frames import FRAME_LABEL, BodyAad, check_regular_head, frame_iv
from kmskit.envelope.suites import MAX_FRAME_COUNT, SuiteProfile
from kmskit.offline.errors import (
    BodyFormatError,
    InputChangedError,
    PayloadAuthenticationError,
)

__all__ = [
    "MIN_PARALLEL_BYTES",
    "FileEnds",
    "FrameJob",
    "file_ends",
    "open_regular_frames",
    "parallel_ends",
    "seal_regular_frames",
    "worker_count",
    "worth_running",
]

Update = Callable[[memoryview], None]
Progress = Callable[[int], None]

# Below this many bytes of regular frames the serial path is as fast: starting threads and
# their buffers costs about what a few MiB of frames take.
MIN_PARALLEL_BYTES: Final = 8 << 20
# A worker's unit of work: as many whole frames as fit in 128 KiB (at least one). Small
# enough that its input and output stay in a core's L2 cache between read, cipher and write;
# large enough that per-task overhead stays small. Measured with 64 KiB frames on 2 cores.
_TASK_BYTES: Final = 128 << 10
# Workers beyond four did not help on any machine we measured; two cores want two.
_MAX_WORKERS: Final = 4
# Sealed groups each worker may have waiting for the hash (signed suites only).
_HASH_SLOTS: Final = 3
_HASH_READ: Final = 1 << 20
_PROGRESS_EVERY: Final = 0.25  # seconds between progress reports while only waiting


class FileEnds(NamedTuple):
    """Both ends of a stream when they are regular files: descriptors and positions."""

    src_fd: int
    src_pos: int
    src_size: int
    dst_fd: int
    dst_pos: int


class FrameJob(NamedTuple):
    """A run of regular frames 1..``frames`` between two files, and what sealing or opening
    them needs. ``hash_update`` (signed suites) receives the message's bytes of the run in
    order on the calling thread; ``progress`` the count of input bytes done, from time to
    time (the CLI's progress bar)."""

    ends: FileEnds
    cipher: FrameCipher
    suite: SuiteProfile
    message_id: bytes
    frame_length: int
    frames: int
    workers: int
    hash_update: Update | None = None
    progress: Progress | None = None

    @property
    def record(self) -> int:
        """The size of one regular frame in the message: sequence number ‖ IV ‖ content ‖
        tag (message-body.md)."""
        return 4 + self.suite.iv_length + self.frame_length + self.suite.tag_length


def worth_running(frames: int, frame_length: int) -> bool:
    """Whether ``frames`` regular frames are worth workers (and fit the frame count)."""
    return 0 < frames < MAX_FRAME_COUNT and frames * frame_length >= MIN_PARALLEL_BYTES


def parallel_ends(src: Any, dst: Any, *, hashing: bool) -> tuple[FileEnds, int] | None:
    """(both ends, workers) when this machine has CPUs to spare and both ends are files
    that frames can be read and written in at offsets (:func:`file_ends`).

    When the calling thread also hashes (signed suites), it keeps a CPU for that: the one
    SHA-384 (or SM3) stream is the slowest part of a signed message and cannot be split,
    so workers that took its CPU would only slow the whole down.
    """
    cpus = worker_count()
    if cpus < 2:
        return None
    ends = file_ends(src, dst)
    return None if ends is None else (ends, cpus - 1 if hashing else cpus)


def worker_count() -> int:
    """Threads worth starting: the CPUs this process may run on, at most four."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cpus = os.cpu_count() or 1
    return min(cpus, _MAX_WORKERS)


def _fd(stream: object) -> int | None:
    fileno = getattr(stream, "fileno", None)
    seekable = getattr(stream, "seekable", None)
    if fileno is None or seekable is None:
        return None
    try:
        if not seekable():
            return None
        fd = fileno()
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        return None
    return fd if isinstance(fd, int) else None


def file_ends(src: Any, dst: Any) -> FileEnds | None:
    """Return both ends when frames can be read and written at computed offsets.

    That needs two seekable regular files that are not the same file, and an output not
    opened for appending (``pwrite`` on an ``O_APPEND`` descriptor appends on Linux,
    whatever the offset). ``dst`` is flushed, so its buffered bytes are in the file before
    anyone writes past them. Anything else (pipes, sockets, in-memory streams, armor
    wrappers) returns None and keeps the serial path.
    """
    if not (hasattr(os, "preadv") and hasattr(os, "pwrite")):  # not on Windows
        return None
    src_fd, dst_fd = _fd(src), _fd(dst)
    if src_fd is None or dst_fd is None:
        return None
    try:
        src_st, dst_st = os.fstat(src_fd), os.fstat(dst_fd)
        if not (stat.S_ISREG(src_st.st_mode) and stat.S_ISREG(dst_st.st_mode)):
            return None
        if (src_st.st_dev, src_st.st_ino) == (dst_st.st_dev, dst_st.st_ino):
            return None
        import fcntl

        if fcntl.fcntl(dst_fd, fcntl.F_GETFL) & os.O_APPEND:
            return None
        dst.flush()
        return FileEnds(src_fd, src.tell(), src_st.st_size, dst_fd, dst.tell())
    except (OSError, ValueError, ImportError):
        return None


class _Plan(NamedTuple):
    frames: int  # regular frames 1..frames
    per_task: int
    tasks: int
    workers: int


def _plan(frame_length: int, frames: int, workers: int) -> _Plan:
    per_task = max(1, _TASK_BYTES // frame_length)
    tasks = -(-frames // per_task)
    return _Plan(frames, per_task, tasks, min(workers, tasks))


def _wipe(buf: bytearray) -> None:
    buf[:] = bytes(len(buf))


def _read_exactly(fd: int, view: memoryview, offset: int) -> bool:
    got = 0
    while got < len(view):
        n = os.preadv(fd, [view[got:]], offset + got)
        if not n:
            return False
        got += n
    return True


def _write_all(fd: int, view: memoryview, offset: int) -> None:
    while view:
        n = os.pwrite(fd, view, offset)
        if n <= 0:  # a regular file takes at least one byte or raises; never spin
            raise OSError(errno.EIO, "the output file accepted no bytes")
        view = view[n:]
        offset += n


class _Crew:
    """Runs ``work(j)`` on ``workers`` threads; the first exception stops the others.

    Each worker adds the input bytes it has done to its own slot of ``counted`` (one writer
    per slot, so no lock); :meth:`report` passes the growth to ``progress`` on the calling
    thread.
    """

    def __init__(
        self, name: str, workers: int, work: Callable[[int], None], progress: Progress | None
    ) -> None:
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.counted = [0] * workers
        self._progress = progress
        self._reported = 0
        self._work = work
        self._threads = [
            threading.Thread(target=self._run, args=(j,), name=f"{name}-{j}", daemon=True)
            for j in range(workers)
        ]

    def _run(self, j: int) -> None:
        try:
            self._work(j)
        except BaseException as exc:  # re-raised on the calling thread by running()
            if self.error is None:
                self.error = exc
            self.stop.set()

    def report(self) -> None:
        if self._progress is not None:
            total = sum(self.counted)
            if total > self._reported:
                self._progress(total - self._reported)
                self._reported = total

    def wait(self) -> None:
        """Wait for every worker, reporting progress meanwhile."""
        for thread in self._threads:
            while thread.is_alive():
                thread.join(_PROGRESS_EVERY)
                self.report()

    @contextmanager
    def running(self) -> Iterator[None]:
        for thread in self._threads:
            thread.start()
        try:
            yield
        except BaseException:
            self.stop.set()
            raise
        finally:
            for thread in self._threads:
                thread.join()
        self.report()
        if self.error is not None:
            raise self.error


def seal_regular_frames(job: FrameJob) -> None:
    """Seal the job's frames: plaintext from ``ends.src_pos``, records from
    ``ends.dst_pos``; the hash gets the sealed records. Raises :class:`InputChangedError` when
    the input ends early, and whatever writing raises."""
    ends, cipher, message_id, frame_length = job.ends, job.cipher, job.message_id, job.frame_length
    hash_update, record, iv_len = job.hash_update, job.record, job.suite.iv_length
    plan = _plan(frame_length, job.frames, job.workers)
    free: list[SimpleQueue[bytearray]] = [SimpleQueue() for _ in range(plan.workers)]
    done: list[SimpleQueue[tuple[bytearray, int] | None]] = [
        SimpleQueue() for _ in range(plan.workers)
    ]

    def work(j: int) -> None:
        plain = bytearray(plan.per_task * frame_length)
        plain_view = memoryview(plain)
        aad = BodyAad(message_id, FRAME_LABEL)
        sealed = bytearray(plan.per_task * record)
        try:
            for task in range(j, plan.tasks, plan.workers):
                if crew.stop.is_set():
                    return
                first = task * plan.per_task  # frames before this task
                count = min(plan.per_task, plan.frames - first)
                if not _read_exactly(
                    ends.src_fd,
                    plain_view[: count * frame_length],
                    ends.src_pos + first * frame_length,
                ):
                    raise InputChangedError("the input file shrank while it was being encrypted")
                out = memoryview(sealed)
                for k in range(count):
                    seq = first + k + 1
                    iv = frame_iv(seq, iv_len)
                    at = k * record
                    out[at : at + 4] = seq.to_bytes(4, "big")
                    out[at + 4 : at + 4 + iv_len] = iv
                    cipher.seal_into(
                        iv,
                        plain_view[k * frame_length : (k + 1) * frame_length],
                        aad.set(seq, frame_length),
                        out[at + 4 + iv_len : at + record],
                    )
                _write_all(ends.dst_fd, out[: count * record], ends.dst_pos + first * record)
                crew.counted[j] += count * frame_length
                if hash_update is not None:
                    done[j].put((sealed, count * record))
                    sealed = free[j].get()
        finally:
            _wipe(plain)
            if hash_update is not None:
                done[j].put(None)  # never leave the hashing thread waiting

    crew = _Crew("kmskit-seal", plan.workers, work, job.progress)
    if hash_update is not None:
        for j in range(plan.workers):
            for _ in range(_HASH_SLOTS - 1):
                free[j].put(bytearray(plan.per_task * record))
    with crew.running():
        if hash_update is not None:
            hashed = 0
            try:
                while hashed < plan.tasks:
                    item = done[hashed % plan.workers].get()
                    if item is None:  # that worker stopped early; running() raises why
                        break
                    buf, n = item
                    hash_update(memoryview(buf)[:n])
                    free[hashed % plan.workers].put(buf)
                    hashed += 1
                    crew.report()
            finally:
                # Whatever ended the loop early, no worker may stay blocked on a buffer.
                if hashed < plan.tasks:
                    crew.stop.set()
                    for queue in free:
                        queue.put(bytearray())
        else:
            crew.wait()


def open_regular_frames(job: FrameJob) -> bool:
    """Open the job's frames: records from ``ends.src_pos``, plaintext from
    ``ends.dst_pos``; the hash gets the records as read.

    Returns False, having written only authenticated plaintext, when any frame head or
    tag fails or the input ends early: the caller redoes the body serially to report it.
    Errors of the output are raised.
    """
    ends, cipher, message_id, frame_length = job.ends, job.cipher, job.message_id, job.frame_length
    record, iv_len = job.record, job.suite.iv_length
    plan = _plan(frame_length, job.frames, job.workers)
    failed = threading.Event()

    def work(j: int) -> None:
        sealed = bytearray(plan.per_task * record)
        sealed_view = memoryview(sealed)
        plain = bytearray(plan.per_task * frame_length + SLACK)
        out = memoryview(plain)
        aad = BodyAad(message_id, FRAME_LABEL)
        try:
            for task in range(j, plan.tasks, plan.workers):
                if crew.stop.is_set():
                    return
                first = task * plan.per_task
                count = min(plan.per_task, plan.frames - first)
                if not _read_exactly(
                    ends.src_fd, sealed_view[: count * record], ends.src_pos + first * record
                ):
                    raise BodyFormatError("the message ended early")
                for k in range(count):
                    seq = first + k + 1
                    at = k * record
                    iv = check_regular_head(sealed_view[at : at + 4 + iv_len], seq, iv_len)
                    cipher.open_into(
                        iv,
                        sealed_view[at + 4 + iv_len : at + record],
                        aad.set(seq, frame_length),
                        out[k * frame_length :],
                    )
                _write_all(
                    ends.dst_fd,
                    out[: count * frame_length],
                    ends.dst_pos + first * frame_length,
                )
                crew.counted[j] += count * record
        except (BodyFormatError, PayloadAuthenticationError):
            failed.set()
            crew.stop.set()
        finally:
            _wipe(plain)

    crew = _Crew("kmskit-open", plan.workers, work, job.progress)
    with crew.running():
        if job.hash_update is not None:
            _hash_region(ends.src_fd, ends.src_pos, job.frames * record, job.hash_update, crew)
        crew.wait()
    return not failed.is_set()


def _hash_region(fd: int, offset: int, length: int, update: Update, crew: _Crew) -> None:
    """Feed ``update`` the bytes of ``fd`` in [offset, offset + length), in order."""
    buf = bytearray(min(_HASH_READ, length))
    view = memoryview(buf)
    end = offset + length
    while offset < end and not crew.stop.is_set():
        n = min(len(buf), end - offset)
        if not _read_exactly(fd, view[:n], offset):
            return  # a worker meets the same end of input and reports it
        update(view[:n])
        offset += n
        crew.report()
