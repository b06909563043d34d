"""Between two regular files, frames are sealed and opened on worker threads
(envelope/_parallel_frames.py). The bytes and the failures must be the serial path's.

The known answers are test_pipeline_output.py's: sha256 digests of the messages the serial
writer produced before any parallel code existed (main at cf42e6f). Here the same
plaintexts go file to file with the parallel path forced on: 2 or 3 workers whatever the
machine, and no minimum size, so even a three-frame message uses it. A spy on the workers'
entry points proves that they ran, and for how many frames.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import kmskit.envelope._parallel_frames as parallel
import kmskit.envelope.decryption as decryption
import kmskit.envelope.encryption as encryption
from kmskit.envelope import decrypt_stream, encrypt, encrypt_stream
from kmskit.envelope.header import parse_header
from kmskit.envelope.keyrings import RawAesKeyring
from kmskit.offline.errors import (
    BodyFormatError,
    InputChangedError,
    MessageSignatureError,
    PayloadAuthenticationError,
)
from tests.envelope._helpers import aes_keyring
from tests.envelope.test_pipeline_output import (
    _CASES,
    _SUITES,
    EXPECTED,
    _check_footer,
    _plaintext,
    _rng,
    _split_footer,
    fixed_footer_keys,
)

__all__ = ["fixed_footer_keys"]  # a fixture, used by name

Spy = dict[str, list[int]]


@pytest.fixture(params=[2, 3], ids=["2-workers", "3-workers"])
def spy(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Spy:
    """Force the parallel path on and record the frames each call handed to workers."""
    calls: Spy = {"seal": [], "open": []}
    workers: int = request.param

    def recording(name: str, real: Callable[[parallel.FrameJob], Any]) -> Callable[..., Any]:
        def call(job: parallel.FrameJob) -> Any:
            calls[name].append(job.frames)
            return real(job)

        return call

    monkeypatch.setattr(parallel, "worker_count", lambda: workers)
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    monkeypatch.setattr(
        encryption, "seal_regular_frames", recording("seal", parallel.seal_regular_frames)
    )
    monkeypatch.setattr(
        decryption, "open_regular_frames", recording("open", parallel.open_regular_frames)
    )
    return calls


def _pinned_keyring() -> RawAesKeyring:
    return RawAesKeyring("kmskit-test", "pinned", bytes(range(32)), rng=_rng())


def _seal_file(src: Path, dst: Path, suite: str, frame_length: int) -> None:
    with src.open("rb") as fin, dst.open("wb") as fout:
        encrypt_stream(
            fin,
            fout,
            keyrings=_pinned_keyring(),
            algorithm=_SUITES[suite],
            frame_length=frame_length,
            rng=_rng(),
            encryption_context={"purpose": "pinned"},
        )


def _open_file(src: Path, dst: Path, **kwargs: Any) -> None:
    with src.open("rb") as fin, dst.open("wb") as fout:
        decrypt_stream(
            fin, fout, keyrings=RawAesKeyring("kmskit-test", "pinned", bytes(range(32))), **kwargs
        )


def _no_worker_left() -> bool:
    return not any(t.name.startswith(("kmskit-seal", "kmskit-open")) for t in threading.enumerate())


@pytest.mark.usefixtures("fixed_footer_keys")
@pytest.mark.parametrize("suite", sorted(_SUITES))
@pytest.mark.parametrize(("frame_length", "size"), _CASES)
def test_file_to_file_gives_the_serial_bytes(
    spy: Spy, tmp_path: Path, suite: str, frame_length: int, size: int
) -> None:
    data = _plaintext(size)
    (tmp_path / "plain").write_bytes(data)
    _seal_file(tmp_path / "plain", tmp_path / "sealed", suite, frame_length)
    message = (tmp_path / "sealed").read_bytes()
    signed, signature = _split_footer(suite, message)
    assert hashlib.sha256(signed).hexdigest() == EXPECTED[(suite, frame_length, size)]
    _check_footer(suite, signed, signature)
    regular = max(0, size - 1) // frame_length  # every frame but the last is regular
    assert spy["seal"] == ([regular] if regular else [])

    _open_file(tmp_path / "sealed", tmp_path / "opened")
    assert (tmp_path / "opened").read_bytes() == data
    assert _no_worker_left()


@pytest.mark.parametrize("suite", ["0478", "0578", "4D04"])
def test_decrypt_gives_every_regular_frame_to_the_workers_it_can(
    spy: Spy, tmp_path: Path, suite: str
) -> None:
    data = _plaintext(300 * 4096 + 5)
    (tmp_path / "plain").write_bytes(data)
    _seal_file(tmp_path / "plain", tmp_path / "sealed", suite, 4096)
    _open_file(tmp_path / "sealed", tmp_path / "opened")
    assert (tmp_path / "opened").read_bytes() == data
    # 300 regular frames and a final one of 5 bytes. The last (one frame + 40) bytes could
    # hold a final frame, so the regular frame there stays serial; a signed suite's footer
    # may take 65,537 more bytes, which 16 more frames overlap.
    tail_frames = 1 if suite in ("0478", "4D04") else 17
    assert spy["open"] == [300 - tail_frames]


# -- failures: the serial path's error, the serial path's output -----------------------------

_FRAME = 4096
_STRIDE = 4 + 12 + _FRAME + 16
_DATA = _plaintext(900 * _FRAME + 77)


def _damaged_file(
    path: Path, algorithm: str, bad_frame: int | None, cut_frame: int | None, bad_seq: int | None
) -> bytes:
    message = bytearray(
        encrypt(_DATA, keyrings=aes_keyring(), algorithm=algorithm, frame_length=_FRAME)
    )
    body = parse_header(bytes(message)).length
    if bad_frame is not None:
        message[body + (bad_frame - 1) * _STRIDE + 100] ^= 0x01
    if bad_seq is not None:  # a frame that carries another frame's sequence number
        message[body + (bad_seq - 1) * _STRIDE + 3] ^= 0x04
    if cut_frame is not None:
        del message[body + (cut_frame - 1) * _STRIDE + 50 :]
    path.write_bytes(message)
    return bytes(message)


@pytest.mark.parametrize("algorithm", [_SUITES["0478"], _SUITES["0578"]])
@pytest.mark.parametrize(
    ("bad_frame", "cut_frame", "bad_seq", "error"),
    [
        (300, None, None, PayloadAuthenticationError),
        (1, None, None, PayloadAuthenticationError),
        (899, None, None, PayloadAuthenticationError),
        (None, 700, None, BodyFormatError),
        (None, None, 450, BodyFormatError),
        (600, None, 450, BodyFormatError),  # the earlier damage is reported, as serially
        (300, 700, None, PayloadAuthenticationError),
    ],
)
def test_damage_is_reported_and_released_as_serially(
    spy: Spy,
    tmp_path: Path,
    algorithm: str,
    bad_frame: int | None,
    cut_frame: int | None,
    bad_seq: int | None,
    error: type[Exception],
) -> None:
    message = _damaged_file(tmp_path / "m", algorithm, bad_frame, cut_frame, bad_seq)
    serial_out = io.BytesIO()
    with pytest.raises(error) as serial:
        decrypt_stream(io.BytesIO(message), serial_out, keyrings=aes_keyring())
    with (
        (tmp_path / "m").open("rb") as fin,
        (tmp_path / "out").open("wb") as fout,
        pytest.raises(error) as parallel_run,
    ):
        decrypt_stream(fin, fout, keyrings=aes_keyring())
    assert str(parallel_run.value) == str(serial.value)
    assert (tmp_path / "out").read_bytes() == serial_out.getvalue()
    first = min(f for f in (bad_frame, cut_frame, bad_seq) if f is not None)
    assert serial_out.getvalue() == _DATA[: (first - 1) * _FRAME]
    if cut_frame is None:
        assert spy["open"], "the workers were not used"
    assert _no_worker_left()


def test_signed_footer_damage_holds_the_final_frame(spy: Spy, tmp_path: Path) -> None:
    message = bytearray(
        encrypt(_DATA, keyrings=aes_keyring(), algorithm=_SUITES["0578"], frame_length=_FRAME)
    )
    message[-5] ^= 0x01
    (tmp_path / "m").write_bytes(message)
    with (
        (tmp_path / "m").open("rb") as fin,
        (tmp_path / "out").open("wb") as fout,
        pytest.raises(MessageSignatureError),
    ):
        decrypt_stream(fin, fout, keyrings=aes_keyring())
    assert (tmp_path / "out").read_bytes() == _DATA[: 900 * _FRAME]
    assert spy["open"]


def test_verify_before_release_keeps_the_serial_path(spy: Spy, tmp_path: Path) -> None:
    (tmp_path / "m").write_bytes(encrypt(_DATA, keyrings=aes_keyring(), frame_length=_FRAME))
    with (tmp_path / "m").open("rb") as fin, (tmp_path / "out").open("wb") as fout:
        decrypt_stream(fin, fout, keyrings=aes_keyring(), verify_before_release=True)
    assert (tmp_path / "out").read_bytes() == _DATA
    assert spy["open"] == []


# -- when the workers must not, or cannot, be used -------------------------------------------


def test_an_appending_output_keeps_the_serial_path(spy: Spy, tmp_path: Path) -> None:
    (tmp_path / "plain").write_bytes(_DATA)
    (tmp_path / "sealed").write_bytes(b"")
    with (tmp_path / "plain").open("rb") as fin, (tmp_path / "sealed").open("ab") as fout:
        encrypt_stream(fin, fout, keyrings=aes_keyring(), frame_length=_FRAME)
    assert spy["seal"] == []  # pwrite on O_APPEND would append, whatever the offset
    with (tmp_path / "sealed").open("rb") as fin:
        out = io.BytesIO()
        decrypt_stream(fin, out, keyrings=aes_keyring())
    assert out.getvalue() == _DATA


def test_streams_keep_the_serial_path(spy: Spy, tmp_path: Path) -> None:
    (tmp_path / "plain").write_bytes(_DATA)
    out = io.BytesIO()
    with (tmp_path / "plain").open("rb") as fin:
        encrypt_stream(fin, out, keyrings=aes_keyring(), frame_length=_FRAME)
    assert spy["seal"] == []


def test_an_input_that_shrinks_fails_cleanly(
    spy: Spy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "plain").write_bytes(_DATA)

    real_file_ends = parallel.file_ends

    def stale(src: Any, dst: Any) -> parallel.FileEnds | None:
        ends = real_file_ends(src, dst)
        assert ends is not None
        # The size fstat gave before someone truncated the file by 40 frames.
        return ends._replace(src_size=ends.src_size + 40 * _FRAME)

    monkeypatch.setattr(parallel, "file_ends", stale)
    with (
        (tmp_path / "plain").open("rb") as fin,
        (tmp_path / "sealed").open("wb") as fout,
        pytest.raises(InputChangedError, match="shrank"),
    ):
        encrypt_stream(fin, fout, keyrings=aes_keyring(), frame_length=_FRAME)
    assert spy["seal"]
    assert _no_worker_left()


@pytest.mark.parametrize("suite", ["0478", "0578"])
def test_a_write_error_is_raised_and_no_worker_is_left(
    spy: Spy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suite: str
) -> None:
    (tmp_path / "plain").write_bytes(_DATA)
    real_pwrite = os.pwrite
    writes = 0

    def pwrite(fd: int, data: Any, offset: int) -> int:
        nonlocal writes
        writes += 1
        if writes == 7:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_pwrite(fd, data, offset)

    monkeypatch.setattr(parallel.os, "pwrite", pwrite)
    with (
        (tmp_path / "plain").open("rb") as fin,
        (tmp_path / "sealed").open("wb") as fout,
        pytest.raises(OSError, match="No space left"),
    ):
        encrypt_stream(
            fin, fout, keyrings=aes_keyring(), algorithm=_SUITES[suite], frame_length=_FRAME
        )
    assert _no_worker_left()


def test_real_thresholds_leave_small_files_serial(tmp_path: Path) -> None:
    """Without the fixture: below MIN_PARALLEL_BYTES nothing is handed to workers."""
    calls: list[int] = []
    real = parallel.seal_regular_frames

    def spy_seal(job: parallel.FrameJob) -> None:
        calls.append(job.frames)
        real(job)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(encryption, "seal_regular_frames", spy_seal)
        mp.setattr(parallel, "worker_count", lambda: 2)
        small = parallel.MIN_PARALLEL_BYTES // 2
        (tmp_path / "plain").write_bytes(bytes(small))
        with (tmp_path / "plain").open("rb") as fin, (tmp_path / "sealed").open("wb") as fout:
            encrypt_stream(fin, fout, keyrings=aes_keyring())
        assert calls == []
        (tmp_path / "plain").write_bytes(bytes(parallel.MIN_PARALLEL_BYTES + (1 << 20)))
        with (tmp_path / "plain").open("rb") as fin, (tmp_path / "sealed").open("wb") as fout:
            encrypt_stream(fin, fout, keyrings=aes_keyring())
        assert calls == [(parallel.MIN_PARALLEL_BYTES + (1 << 20)) // 65536 - 1]


@pytest.mark.parametrize("suite", ["0478", "0578"])
def test_the_progress_bar_counts_every_input_byte(spy: Spy, tmp_path: Path, suite: str) -> None:
    """The CLI's progress wrapper (cli/_file_jobs.py) hears of the bytes the workers read."""
    from kmskit.cli._file_jobs import _Counting

    (tmp_path / "plain").write_bytes(_DATA)
    counted: list[int] = []
    with (tmp_path / "plain").open("rb") as fin, (tmp_path / "sealed").open("wb") as fout:
        encrypt_stream(
            _Counting(fin, counted.append),
            fout,
            keyrings=aes_keyring(),
            algorithm=_SUITES[suite],
            frame_length=_FRAME,
        )
    assert sum(counted) == len(_DATA)
    counted.clear()
    with (tmp_path / "sealed").open("rb") as fin, (tmp_path / "opened").open("wb") as fout:
        decrypt_stream(_Counting(fin, counted.append), fout, keyrings=aes_keyring())
    assert sum(counted) == (tmp_path / "sealed").stat().st_size
    assert (tmp_path / "opened").read_bytes() == _DATA
    assert spy["seal"] and spy["open"]
