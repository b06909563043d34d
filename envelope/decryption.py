"""Decrypt an envelope message from a stream, releasing only authenticated plaintext.

docs/format.md#decryption. Order: parse the header (bounded), unwrap the data key, check the
key commitment (constant time), check the header tag, then the body frame by frame. A
regular frame is written to ``dst`` as soon as its tag verifies. The final frame (and a
non-framed body) is held until everything after it checks out: for signed suites the
footer signature, for every suite that no byte follows the message. With
``verify_before_release=True`` nothing at all reaches ``dst`` before that point: plaintext
is spooled to an anonymous temporary file (in memory up to 1 MiB), sealed with AES-GCM under
a one-time key held only in memory, and copied out afterwards; no plaintext is at rest.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Final

from cryptography.exceptions import InvalidTag

from kmskit.envelope._crypto import SLACK, FrameCipher, check_commitment, derive_keys, frame_cipher
from kmskit.envelope._hash_lane import HashLane
from kmskit.envelope._io import (
    INITIAL_BUFFER,
    ByteSink,
    ByteSource,
    DirectSink,
    Reader,
    Sink,
    SpoolSink,
    read_up_to,
    write_all,
)
from kmskit.envelope._parallel_frames import (
    FrameJob,
    open_regular_frames,
    parallel_ends,
    worth_running,
)
from kmskit.envelope._signing import FooterVerifier
from kmskit.envelope.footer import read_footer
from kmskit.envelope.frames import (
    FINAL_FRAME_LABEL,
    FINAL_FRAME_MARKER,
    FRAME_LABEL,
    NON_FRAMED_LABEL,
    BodyAad,
    check_final_head,
    check_non_framed_head,
    check_regular_head,
)
from kmskit.envelope.header import ContentType, Header, read_header
from kmskit.envelope.info import MessageInfo, header_info
from kmskit.envelope.keyrings.base import Keyring
from kmskit.envelope.keyrings.multi import MultiKeyring
from kmskit.envelope.required_context import (
    check_header_tag,
    reproduce_context,
    unwrap_data_key,
)
from kmskit.envelope.suites import (
    DEFAULT_COMMITMENT_POLICY,
    DEFAULT_MAX_ENCRYPTED_DATA_KEYS,
    DEFAULT_MAX_HEADER_SIZE,
    PUBLIC_KEY_CONTEXT_KEY,
    CommitmentPolicy,
    parse_commitment_policy,
)
from kmskit.offline.errors import BodyFormatError, HeaderFormatError, PayloadAuthenticationError

__all__ = ["decrypt", "decrypt_stream"]

_MARKER: Final = FINAL_FRAME_MARKER.to_bytes(4, "big")
_CHUNK: Final = 1 << 20


class _Held:
    """The plaintext held back until the end of the message has verified."""

    __slots__ = ("discard", "release")

    def __init__(self, release: Callable[[], None], discard: Callable[[], None]) -> None:
        self.release = release
        self.discard = discard


def _fill(reader: Reader, buf: bytearray, n: int, what: str) -> bytearray:
    """Read exactly ``n`` bytes into the start of ``buf`` (or of a larger buffer that grows
    with the data actually read); raise BodyFormatError when the input ends first."""
    buf, got = read_up_to(reader, buf, n)
    if got != n:
        raise BodyFormatError(f"the message is truncated in {what}")
    return buf


class _Body:
    """Decrypts the body of one message into a sink, holding back the last piece."""

    def __init__(self, reader: Reader, sink: Sink, cipher: FrameCipher, header: Header) -> None:
        self.reader = reader
        self.sink = sink
        self.cipher = cipher
        self.header = header
        self.plaintext_length = 0
        first = min(header.frame_length or _CHUNK, INITIAL_BUFFER)
        suite = header.suite
        self.inbuf = bytearray(first + suite.iv_length + suite.tag_length)
        self.outbuf = bytearray(first + SLACK)

    def wipe(self) -> None:
        self.outbuf[:] = bytes(len(self.outbuf))

    def _out(self, n: int) -> memoryview:
        if len(self.outbuf) < n + SLACK:
            self.wipe()
            self.outbuf = bytearray(n + SLACK)
        return memoryview(self.outbuf)

    def framed(self, seq: int = 1) -> _Held:
        """Decrypt the frames from ``seq`` on (the ones before went to parallel workers)."""
        header, reader = self.header, self.reader
        suite = header.suite
        iv_len, tag_len, frame_length = suite.iv_length, suite.tag_length, header.frame_length
        regular_aad = BodyAad(header.message_id, FRAME_LABEL)
        while True:
            first = reader.read(4)
            if len(first) != 4:
                raise BodyFormatError("the message is truncated: the final frame is missing")
            if first == _MARKER:
                head = reader.read(8 + iv_len)
                iv, n = check_final_head(head, seq, iv_len, frame_length)
                self.inbuf = _fill(reader, self.inbuf, n + tag_len, "the final frame")
                out = self._out(n)
                aad = BodyAad(header.message_id, FINAL_FRAME_LABEL).set(seq, n)
                self.cipher.open_into(iv, memoryview(self.inbuf)[: n + tag_len], aad, out)
                self.plaintext_length += n
                return _Held(partial(self.sink.write, out[:n]), self.wipe)
            size = iv_len + frame_length + tag_len
            self.inbuf = _fill(reader, self.inbuf, size, f"frame {seq}")
            sealed = memoryview(self.inbuf)
            iv = check_regular_head(first + bytes(sealed[:iv_len]), seq, iv_len)
            out = self._out(frame_length)
            self.cipher.open_into(
                iv,
                sealed[iv_len:size],
                regular_aad.set(seq, frame_length),
                out,
            )
            self.sink.write(out[:frame_length])
            self.plaintext_length += frame_length
            seq += 1

    def non_framed(self, spool_dir: str | None) -> _Held:
        header, reader = self.header, self.reader
        suite = header.suite
        iv, n = check_non_framed_head(reader.read(suite.iv_length + 8), suite.iv_length)
        aad = BodyAad(header.message_id, NON_FRAMED_LABEL).set(1, n)
        opener = self.cipher.stream_opener(iv, bytes(aad))
        held = SpoolSink(self.sink.write, spool_dir)
        try:
            remaining = n
            while remaining:
                k = min(remaining, _CHUNK)
                self.inbuf = _fill(reader, self.inbuf, k, "the body")
                out = self._out(k)
                opener.update_into(memoryview(self.inbuf)[:k], out)
                held.write(out[:k])
                remaining -= k
            tag = reader.read(suite.tag_length)
            if len(tag) != suite.tag_length:
                raise BodyFormatError("the message is truncated in the body tag")
            try:
                opener.finalize_with_tag(tag)
            except InvalidTag:
                raise PayloadAuthenticationError("the message body does not authenticate") from None
        except BaseException:
            held.discard()
            raise
        self.plaintext_length += n
        return _Held(held.commit, held.discard)


def _open_in_parallel(
    src: ByteSource,
    dst: ByteSink,
    body: _Body,
    verifier: FooterVerifier | None,
    lane: HashLane | None,
) -> int:
    """Open the leading regular frames of a regular input file on worker threads, straight
    into a regular output file (envelope/_parallel_frames.py); return how many frames.

    Only frames that a well-formed message of this size must have as regular frames go to
    the workers: everything in the last ``tail`` bytes (the final frame, the footer) could
    be the final frame and stays serial. 0 (nothing done) for streams, small messages and
    one-CPU machines. When a worker meets a bad head, a bad tag or an early end, what the
    workers wrote is cut off and 0 is returned: the serial loop then decrypts from frame 1
    and stops at that frame with that error, releasing what it would have released. (For a
    signed suite the hash has then seen part of the body twice; the serial loop fails
    before the footer, and were the file changed under us so that it does not, the
    signature fails: never a false acceptance.)
    """
    found = parallel_ends(src, dst, hashing=verifier is not None)
    if found is None:
        return 0
    ends, workers = found
    header = body.header
    suite = header.suite
    frame_length = header.frame_length
    record = 4 + suite.iv_length + frame_length + suite.tag_length
    # message-body.md: the final frame is a regular frame's layout plus the end marker and a
    # uint32 length; message-footer.md: a uint16 length and the signature.
    tail = 4 + record + 4
    if suite.signed:
        tail += 2 + 0xFFFF
    job = FrameJob(
        ends,
        body.cipher,
        suite,
        header.message_id,
        frame_length,
        max(0, ends.src_size - ends.src_pos - tail) // record,
        workers,
        hash_update=verifier.update if verifier is not None else None,
        progress=getattr(src, "consumed_elsewhere", None),
    )
    if not worth_running(job.frames, frame_length):
        return 0
    if lane is not None:
        lane.finish()  # the header goes into the hash before any frame does
    if not open_regular_frames(job):
        os.ftruncate(ends.dst_fd, ends.dst_pos)
        dst.seek(ends.dst_pos)  # type: ignore[attr-defined]
        src.seek(ends.src_pos)  # type: ignore[attr-defined]
        return 0
    src.seek(ends.src_pos + job.frames * job.record)  # type: ignore[attr-defined]
    dst.seek(ends.dst_pos + job.frames * frame_length)  # type: ignore[attr-defined]
    body.reader.consumed += job.frames * job.record
    body.sink.written += job.frames * frame_length
    body.plaintext_length += job.frames * frame_length
    return job.frames


def _verifier_for(header: Header) -> FooterVerifier | None:
    if header.suite.signed:
        return FooterVerifier.from_context(header.suite, header.encryption_context)
    if PUBLIC_KEY_CONTEXT_KEY in header.encryption_context:
        raise HeaderFormatError(
            f"an unsigned suite must not carry {PUBLIC_KEY_CONTEXT_KEY} in its context"
        )
    return None


def decrypt_stream(
    src: ByteSource,
    dst: ByteSink,
    *,
    keyrings: Keyring | Sequence[Keyring],
    required_context: Mapping[str, str] | None = None,
    max_encrypted_data_keys: int = DEFAULT_MAX_ENCRYPTED_DATA_KEYS,
    verify_before_release: bool = False,
    max_header_size: int = DEFAULT_MAX_HEADER_SIZE,
    spool_dir: str | None = None,
    commitment_policy: CommitmentPolicy | str = DEFAULT_COMMITMENT_POLICY,
) -> MessageInfo:
    """Decrypt one message read from ``src``, writing the plaintext to ``dst``.

    ``required_context`` is the reproduced encryption context (docs/format.md#required-
    encryption-context): a pair the message stores must have the stored value; a pair it
    does not store was required at encrypt time and must authenticate the header.
    ``commitment_policy`` ``REQUIRE_ENCRYPT_ALLOW_DECRYPT`` (or ``FORBID_…``) also reads
    format version 1, whose suites do not commit to their key; the default refuses it.
    ``verify_before_release`` holds every byte back until the whole message has verified
    (final frame, signature, end of input), spooling through a temporary file in
    ``spool_dir``; otherwise regular frames are released as they authenticate and only the
    final frame or a non-framed body is held. Memory use is about two frames.

    Returns the :class:`MessageInfo`. Raises, by stage: :class:`HeaderFormatError` and its
    subclasses (``UnsupportedMessageError``, ``MaxEncryptedDataKeysExceeded``);
    ``InvalidCiphertextException`` for a missing required pair; ``NoMatchingKeyringError``
    or a keyring's own error; ``KeyCommitmentError``; ``HeaderAuthenticationError``;
    ``BodyFormatError``; ``PayloadAuthenticationError``; ``MessageSignatureError``. On error
    ``dst`` may hold the plaintext of authenticated regular frames (never with
    ``verify_before_release``); callers writing files discard it.
    """
    multi = MultiKeyring(keyrings)
    reader = Reader(src)
    parsed = read_header(
        reader.read,
        max_encrypted_data_keys=max_encrypted_data_keys,
        max_header_size=max_header_size,
        commitment_policy=parse_commitment_policy(commitment_policy),
    )
    header = parsed.header
    suite = header.suite
    verifier = _verifier_for(header)
    context = reproduce_context(header.encryption_context, required_context)
    data_key = unwrap_data_key(multi, parsed, context)
    try:
        body_key, commit_key = derive_keys(suite, data_key, header.message_id)
    finally:
        data_key[:] = bytes(len(data_key))
    check_commitment(header.commit_key, commit_key)
    cipher = frame_cipher(suite, body_key)
    check_header_tag(cipher, parsed, context)

    sink: Sink
    if verify_before_release:
        sink = SpoolSink(lambda view: write_all(dst, view), spool_dir)
    else:
        sink = DirectSink(dst)
    body = _Body(reader, sink, cipher, header)
    held: _Held | None = None
    # Everything before the footer is hashed on a lane beside the cipher (_hash_lane.py);
    # nothing has been read past the header yet.
    lane = HashLane(verifier.update) if verifier is not None else None
    if lane is not None:
        lane.update(parsed.body)
        lane.update(parsed.auth_tag)
        reader.tap = lane.update
    try:
        if header.content_type is ContentType.FRAMED:
            done = 0 if verify_before_release else _open_in_parallel(src, dst, body, verifier, lane)
            held = body.framed(done + 1)
        else:
            held = body.non_framed(spool_dir)
        reader.tap = None
        if lane is not None:
            lane.finish()
        if verifier is not None:
            verifier.verify(read_footer(reader.read))
        message_length = reader.consumed
        if not reader.at_eof():
            raise BodyFormatError("bytes follow the end of the message")
        held.release()
        sink.commit()
    except BaseException:
        if held is not None:
            held.discard()
        sink.discard()
        raise
    finally:
        body.wipe()
        if lane is not None:
            lane.close()
    return MessageInfo(header_info(parsed), body.plaintext_length, message_length)


def decrypt(
    message: bytes | bytearray | memoryview,
    *,
    keyrings: Keyring | Sequence[Keyring],
    required_context: Mapping[str, str] | None = None,
    max_encrypted_data_keys: int = DEFAULT_MAX_ENCRYPTED_DATA_KEYS,
    commitment_policy: CommitmentPolicy | str = DEFAULT_COMMITMENT_POLICY,
) -> tuple[bytes, MessageInfo]:
    """Decrypt a whole message held in memory; return (plaintext, info).

    Nothing is returned unless the whole message verified. Raises as
    :func:`decrypt_stream`.
    """
    dst = io.BytesIO()
    info = decrypt_stream(
        io.BytesIO(bytes(message)),
        dst,
        keyrings=keyrings,
        required_context=required_context,
        max_encrypted_data_keys=max_encrypted_data_keys,
        commitment_policy=commitment_policy,
    )
    return dst.getvalue(), info
