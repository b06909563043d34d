"""Encrypt a stream into an envelope message (format version 2, framed), in constant memory.

docs/format.md#encryption. A fresh data key and message id per message; the data key is
wrapped by every keyring, expanded with HKDF into the body key and the commit key, and wiped.
Plaintext is read one frame ahead so that the last full frame becomes the final frame (no
empty final frame unless the input is empty). Memory: three buffers of one frame each.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection, Mapping, Sequence
from types import MappingProxyType

from kmskit.envelope._crypto import FrameCipher, derive_keys, frame_cipher
from kmskit.envelope._hash_lane import HashLane
from kmskit.envelope._io import INITIAL_BUFFER, ByteSink, ByteSource, Reader, read_up_to, write_all
from kmskit.envelope._parallel_frames import (
    FrameJob,
    parallel_ends,
    seal_regular_frames,
    worth_running,
)
from kmskit.envelope._signing import FooterSigner
from kmskit.envelope.footer import pack_footer
from kmskit.envelope.frames import (
    FINAL_FRAME_LABEL,
    FRAME_LABEL,
    BodyAad,
    frame_iv,
    pack_final_head,
    pack_regular_head,
)
from kmskit.envelope.header import (
    MESSAGE_ID_LENGTH,
    ContentType,
    Header,
    ParsedHeader,
    serialize_header_body,
)
from kmskit.envelope.info import MessageInfo, header_info
from kmskit.envelope.keyrings.base import Keyring
from kmskit.envelope.keyrings.multi import MultiKeyring
from kmskit.envelope.required_context import split_context
from kmskit.envelope.suites import (
    DEFAULT_ALGORITHM,
    DEFAULT_COMMITMENT_POLICY,
    DEFAULT_FRAME_LENGTH,
    MAX_FRAME_COUNT,
    MAX_FRAME_LENGTH,
    PUBLIC_KEY_CONTEXT_KEY,
    RESERVED_CONTEXT_PREFIX,
    CommitmentPolicy,
    EnvelopeAlgorithm,
    SuiteProfile,
    parse_algorithm,
    parse_commitment_policy,
)
from kmskit.offline.encryption_context import serialize_encryption_context
from kmskit.offline.errors import ValidationException

__all__ = ["encrypt", "encrypt_stream"]

Rng = Callable[[int], bytes]


class _Out:
    """Writes message bytes to ``dst``, feeding the signer's hash (on its lane) and counting."""

    __slots__ = ("_dst", "_sign", "written")

    def __init__(self, dst: ByteSink, lane: HashLane | None) -> None:
        self._dst = dst
        self._sign = lane.update if lane is not None else None
        self.written = 0

    def emit(self, data: memoryview | bytes) -> None:
        write_all(self._dst, data)
        if self._sign is not None:
            self._sign(data)
        self.written += len(data)


def _random(rng: Rng, n: int) -> bytes:
    data = rng(n)
    if len(data) != n:
        raise ValidationException("rng returned the wrong number of bytes")
    return bytes(data)


def _checked_context(context: Mapping[str, str] | None) -> dict[str, str]:
    result = dict(context or {})
    for key in result:
        if isinstance(key, str) and key.startswith(RESERVED_CONTEXT_PREFIX):
            raise ValidationException(
                f"encryption context keys starting with {RESERVED_CONTEXT_PREFIX!r} are"
                f" reserved (found {key!r})"
            )
    return result


def _check_frame_length(frame_length: int) -> None:
    if (
        not isinstance(frame_length, int)
        or isinstance(frame_length, bool)
        or not 1 <= frame_length <= MAX_FRAME_LENGTH
    ):
        raise ValidationException(f"frame_length must be 1 to {MAX_FRAME_LENGTH} bytes")


def _encrypt_frames(
    reader: Reader,
    out: _Out,
    cipher: FrameCipher,
    suite: SuiteProfile,
    message_id: bytes,
    frame_length: int,
    seq: int = 1,
) -> int:
    """Write the framed body from frame ``seq`` on; return the plaintext length written."""
    iv_len, tag_len = suite.iv_length, suite.tag_length
    head_len = 4 + iv_len
    start = min(frame_length, INITIAL_BUFFER)
    current, ahead = bytearray(start), bytearray(start)
    frame = bytearray(head_len + start + tag_len)
    regular_aad = BodyAad(message_id, FRAME_LABEL)
    total = 0
    try:
        current, filled = read_up_to(reader, current, frame_length)
        while filled == frame_length:
            ahead, more = read_up_to(reader, ahead, frame_length)
            if not more:
                break  # ``current`` is the last full frame: it becomes the final frame
            if seq >= MAX_FRAME_COUNT:
                raise ValidationException(
                    f"the input needs more than {MAX_FRAME_COUNT} frames; use a larger frame length"
                )
            if len(frame) < head_len + frame_length + tag_len:
                frame = bytearray(head_len + frame_length + tag_len)
            frame_view = memoryview(frame)
            iv = frame_iv(seq, iv_len)
            pack_regular_head(frame, seq, iv)
            cipher.seal_into(
                iv,
                memoryview(current)[:frame_length],
                regular_aad.set(seq, frame_length),
                frame_view[head_len : head_len + frame_length + tag_len],
            )
            out.emit(frame_view[: head_len + frame_length + tag_len])
            total += frame_length
            seq += 1
            current, ahead = ahead, current
            filled = more
        iv = frame_iv(seq, iv_len)
        final_aad = BodyAad(message_id, FINAL_FRAME_LABEL).set(seq, filled)
        out.emit(pack_final_head(seq, iv, filled))
        if len(frame) < filled + tag_len:
            frame = bytearray(filled + tag_len)
        final_view = memoryview(frame)[: filled + tag_len]
        cipher.seal_into(iv, memoryview(current)[:filled], final_aad, final_view)
        out.emit(final_view)
        return total + filled
    finally:
        current[:] = bytes(len(current))
        ahead[:] = bytes(len(ahead))


def _seal_in_parallel(
    src: ByteSource,
    dst: ByteSink,
    out: _Out,
    cipher: FrameCipher,
    suite: SuiteProfile,
    message_id: bytes,
    frame_length: int,
    signer: FooterSigner | None,
    lane: HashLane | None,
) -> int:
    """Seal the regular frames of a regular input file on worker threads, straight into a
    regular output file (envelope/_parallel_frames.py); return how many frames that was.

    0 (nothing done) for streams, small inputs and one-CPU machines: the serial loop then
    writes the whole body. Otherwise both streams are left positioned after those frames,
    so the serial loop writes the final frame exactly as it would have.
    """
    found = parallel_ends(src, dst, hashing=signer is not None)
    if found is None:
        return 0
    ends, workers = found
    # Every frame but the last one the input holds is a regular frame; the last (full or
    # not) is the final frame, as in _encrypt_frames.
    frames = max(0, ends.src_size - ends.src_pos - 1) // frame_length
    if not worth_running(frames, frame_length):
        return 0
    if lane is not None:
        lane.finish()  # the header goes into the hash before any frame does
    job = FrameJob(
        ends,
        cipher,
        suite,
        message_id,
        frame_length,
        frames,
        workers,
        hash_update=signer.update if signer is not None else None,
        progress=getattr(src, "consumed_elsewhere", None),
    )
    seal_regular_frames(job)
    src.seek(ends.src_pos + frames * frame_length)  # type: ignore[attr-defined]
    dst.seek(ends.dst_pos + frames * job.record)  # type: ignore[attr-defined]
    out.written += frames * job.record
    return frames


def encrypt_stream(
    src: ByteSource,
    dst: ByteSink,
    *,
    keyrings: Keyring | Sequence[Keyring],
    encryption_context: Mapping[str, str] | None = None,
    algorithm: EnvelopeAlgorithm | str = DEFAULT_ALGORITHM,
    frame_length: int = DEFAULT_FRAME_LENGTH,
    rng: Rng = secrets.token_bytes,
    required_context_keys: Collection[str] | None = None,
    commitment_policy: CommitmentPolicy | str = DEFAULT_COMMITMENT_POLICY,
) -> MessageInfo:
    """Encrypt everything ``src`` yields into one message written to ``dst``.

    ``required_context_keys`` name context pairs that bind the message without being
    stored in it (the MPL's required-encryption-context CMM): decrypting needs them again
    (docs/format.md#required-encryption-context). ``commitment_policy`` must require
    encryption with a committing suite: kmskit never writes any other.

    Every keyring wraps the data key (any one of them decrypts). The context is bound to
    the message; for the signed suites its ``aws-crypto-public-key`` is added. ``rng``
    draws the data key and the message id (keep the default outside of test vectors).
    Memory use is about three frames, whatever the input size.

    Returns the :class:`MessageInfo` of the message written. Raises
    :class:`ValidationException` (unknown algorithm, bad frame length, a reserved or
    malformed context, no keyrings) and whatever a keyring raises while wrapping. On error,
    ``dst`` holds a partial message: write to a temporary file and discard it on failure.
    """
    if parse_commitment_policy(commitment_policy) is CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT:
        raise ValidationException(
            "FORBID_ENCRYPT_ALLOW_DECRYPT would encrypt without key commitment: kmskit never"
            " writes a non-committing message (use REQUIRE_ENCRYPT_ALLOW_DECRYPT)"
        )
    suite = parse_algorithm(algorithm)
    _check_frame_length(frame_length)
    multi = MultiKeyring(keyrings)
    context = _checked_context(encryption_context)
    signer = FooterSigner.generate(suite) if suite.signed else None
    if signer is not None:
        context[PUBLIC_KEY_CONTEXT_KEY] = signer.public_key_text
    split = split_context(context, required_context_keys)
    serialized_context = serialize_encryption_context(split.stored)
    message_id = _random(rng, MESSAGE_ID_LENGTH)
    data_key = bytearray(_random(rng, suite.data_key_length))
    try:
        edks = multi.wrap_all(data_key, context)
        body_key, commit_key = derive_keys(suite, data_key, message_id)
    finally:
        data_key[:] = bytes(len(data_key))
    header = Header(
        suite=suite,
        message_id=message_id,
        encryption_context=MappingProxyType(dict(split.stored)),
        serialized_context=serialized_context,
        encrypted_data_keys=edks,
        content_type=ContentType.FRAMED,
        frame_length=frame_length,
        commit_key=commit_key,
    )
    body = serialize_header_body(header)
    cipher = frame_cipher(suite, body_key)
    auth_tag = cipher.header_tag(body, split.authenticated_only)
    lane = HashLane(signer.update) if signer is not None else None
    try:
        out = _Out(dst, lane)
        out.emit(body)
        out.emit(auth_tag)
        done = _seal_in_parallel(
            src, dst, out, cipher, suite, message_id, frame_length, signer, lane
        )
        plaintext_length = done * frame_length + _encrypt_frames(
            Reader(src), out, cipher, suite, message_id, frame_length, done + 1
        )
        if lane is not None:
            lane.finish()
    finally:
        if lane is not None:
            lane.close()
    message_length = out.written
    if signer is not None:
        footer = pack_footer(signer.finalize())
        write_all(dst, footer)
        message_length += len(footer)
    info = header_info(ParsedHeader(header=header, body=body, auth_tag=auth_tag))
    return MessageInfo(info, plaintext_length, message_length)


def encrypt(
    data: bytes | bytearray | memoryview,
    *,
    keyrings: Keyring | Sequence[Keyring],
    encryption_context: Mapping[str, str] | None = None,
    algorithm: EnvelopeAlgorithm | str = DEFAULT_ALGORITHM,
    frame_length: int = DEFAULT_FRAME_LENGTH,
    rng: Rng = secrets.token_bytes,
    required_context_keys: Collection[str] | None = None,
    commitment_policy: CommitmentPolicy | str = DEFAULT_COMMITMENT_POLICY,
) -> bytes:
    """Encrypt ``data`` and return the message bytes (see :func:`encrypt_stream`)."""
    import io

    dst = io.BytesIO()
    encrypt_stream(
        io.BytesIO(bytes(data)),
        dst,
        keyrings=keyrings,
        encryption_context=encryption_context,
        algorithm=algorithm,
        frame_length=frame_length,
        rng=rng,
        required_context_keys=required_context_keys,
        commitment_policy=commitment_policy,
    )
    return dst.getvalue()
