"""Rewrap a message: new encrypted data keys in the header, the body copied byte for byte.

docs/format.md#rewrapping. Only the header changes: EDKs are added (the data key wrapped by
new keyrings) or removed, and the header tag is recomputed with the same body key. The
message id, context, suite, frame length and commit key stay, so the body, whose AAD holds
only the message id, stays valid unchanged. This is how root keys rotate without
re-encrypting data. Signed suites are refused: their footer signature covers the header,
and the signing key is gone.

The old message is checked completely while it is copied: key commitment and
header tag before anything is written, then every frame (its plaintext is discarded) and the
end of input, so a damaged message is never given a fresh header.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import replace

from cryptography.exceptions import InvalidTag

from kmskit.envelope._crypto import SLACK, check_commitment, derive_keys, frame_cipher
from kmskit.envelope._io import (
    ByteSink,
    ByteSource,
    DirectSink,
    Reader,
    SpoolSink,
    SpoolWriter,
    write_all,
)
from kmskit.envelope.decryption import _Body, _verifier_for
from kmskit.envelope.frames import NON_FRAMED_LABEL, BodyAad, check_non_framed_head
from kmskit.envelope.header import ContentType, ParsedHeader, read_header, serialize_header_body
from kmskit.envelope.info import MessageInfo, edk_key_name, header_info
from kmskit.envelope.keyrings.base import EncryptedDataKey, Keyring
from kmskit.envelope.keyrings.multi import MultiKeyring
from kmskit.envelope.required_context import reproduce_context
from kmskit.envelope.suites import DEFAULT_MAX_ENCRYPTED_DATA_KEYS, DEFAULT_MAX_HEADER_SIZE
from kmskit.offline.errors import (
    BodyFormatError,
    PayloadAuthenticationError,
    UnsupportedMessageError,
    ValidationException,
)

__all__ = ["edk_matches", "rewrap", "rewrap_stream"]

_CHUNK = 1 << 20


class _Discard:
    """A byte sink that drops what it gets (the plaintext of frames being verified)."""

    def write(self, data: memoryview) -> int:
        return len(data)


def edk_matches(edk: EncryptedDataKey, name: str) -> bool:
    """True when ``name`` is the EDK's key name (as :func:`envelope.inspect` shows it) or
    ``provider id/key name``."""
    key_name = edk_key_name(edk)
    return name in (key_name, f"{edk.provider_id}/{key_name}")


def _new_edks(
    old: Sequence[EncryptedDataKey],
    remove: Sequence[str],
    added: Sequence[EncryptedDataKey],
    max_encrypted_data_keys: int,
) -> tuple[EncryptedDataKey, ...]:
    for name in remove:
        if not any(edk_matches(edk, name) for edk in old):
            raise ValidationException(f"the message has no encrypted data key named {name!r}")
    kept = [edk for edk in old if not any(edk_matches(edk, name) for name in remove)]
    edks = (*kept, *added)
    if not edks:
        raise ValidationException("rewrap would remove every encrypted data key")
    if len(edks) > max_encrypted_data_keys:
        raise ValidationException(
            f"the rewrapped message would have {len(edks)} encrypted data keys, over the"
            f" maximum of {max_encrypted_data_keys} that decrypt accepts by default"
        )
    return edks


def rewrap_stream(
    src: ByteSource,
    dst: ByteSink,
    *,
    keyrings: Keyring | Sequence[Keyring],
    add_keyrings: Keyring | Sequence[Keyring] = (),
    remove: Sequence[str] = (),
    required_context: Mapping[str, str] | None = None,
    max_encrypted_data_keys: int = DEFAULT_MAX_ENCRYPTED_DATA_KEYS,
    max_header_size: int = DEFAULT_MAX_HEADER_SIZE,
    verify_before_release: bool = False,
    spool_dir: str | None = None,
) -> MessageInfo:
    """Read a message from ``src`` and write it to ``dst`` with a new set of EDKs.

    ``keyrings`` unwrap the data key (any one of them, as in decrypt). ``add_keyrings``
    each wrap it into a new EDK, appended after the kept ones. ``remove`` names EDKs to
    drop, by key name or ``provider id/key name`` (as :func:`envelope.inspect` shows them);
    each name must match at least one EDK. The result must keep at least one EDK and at
    most ``max_encrypted_data_keys``. Everything but the EDKs and the header tag is copied
    unchanged; the body bytes are copied as read, after being verified.

    Returns the :class:`MessageInfo` of the new message. Raises
    :class:`UnsupportedMessageError` for a signed suite, :class:`ValidationException` for
    bad ``remove``/EDK counts, and whatever :func:`envelope.decrypt_stream` raises for a
    message that does not decrypt (header, keyring, commitment, frame and end-of-input
    failures). On error ``dst`` holds a partial message (write to a temporary file), unless
    ``verify_before_release``: then nothing reaches ``dst`` before the whole old message has
    verified (the new one waits in a spool in ``spool_dir``, sealed under a one-time key).
    """
    if verify_before_release:
        spool = SpoolSink(lambda view: write_all(dst, view), spool_dir)
        try:
            info = rewrap_stream(
                src,
                SpoolWriter(spool),
                keyrings=keyrings,
                add_keyrings=add_keyrings,
                remove=remove,
                required_context=required_context,
                max_encrypted_data_keys=max_encrypted_data_keys,
                max_header_size=max_header_size,
            )
            spool.commit()
        except BaseException:
            spool.discard()
            raise
        return info
    multi = MultiKeyring(keyrings)
    adding = MultiKeyring(add_keyrings) if add_keyrings else None
    if adding is None and not remove:
        raise ValidationException("rewrap needs a keyring to add or an EDK to remove")
    reader = Reader(src)
    parsed = read_header(
        reader.read,
        max_encrypted_data_keys=max_encrypted_data_keys,
        max_header_size=max_header_size,
    )
    header = parsed.header
    suite = header.suite
    if suite.signed:
        raise UnsupportedMessageError(
            f"{suite.name.value} messages cannot be rewrapped: the footer signature covers the"
            " header and its signing key is gone (decrypt and encrypt again)"
        )
    _verifier_for(header)
    # The reproduced context, as decrypt takes it: pairs the message does not store were
    # required at encrypt time, bind every EDK and the header tag (docs/format.md#rewrapping).
    context = reproduce_context(header.encryption_context, required_context)
    data_key = multi.unwrap_any(
        header.encrypted_data_keys,
        context.full,
        data_key_length=suite.data_key_length,
    )
    try:
        body_key, commit_key = derive_keys(suite, data_key, header.message_id)
        check_commitment(header.commit_key, commit_key)
        cipher = frame_cipher(suite, body_key)
        cipher.check_header_tag(
            parsed.body, parsed.tag, authenticated_context=context.authenticated_only
        )
        added = adding.wrap_all(data_key, context.full) if adding else ()
    finally:
        data_key[:] = bytes(len(data_key))
    edks = _new_edks(header.encrypted_data_keys, remove, added, max_encrypted_data_keys)
    new_header = replace(header, encrypted_data_keys=edks)
    new_body = serialize_header_body(new_header)
    new_tag = cipher.header_tag(new_body, context.authenticated_only)
    write_all(dst, new_body)
    write_all(dst, new_tag)

    def copy(view: memoryview) -> None:
        write_all(dst, view)

    reader.tap = copy
    start = reader.consumed
    body = _Body(reader, DirectSink(_Discard()), cipher, header)
    try:
        if header.content_type is ContentType.FRAMED:
            body.framed().discard()
        else:
            body.plaintext_length = _check_non_framed(reader, body, header.message_id)
        reader.tap = None
        body_length = reader.consumed - start
        if not reader.at_eof():
            raise BodyFormatError("bytes follow the end of the message")
    finally:
        body.wipe()
    new_parsed = ParsedHeader(header=new_header, body=new_body, auth_tag=new_tag)
    return MessageInfo(
        header_info(new_parsed), body.plaintext_length, new_parsed.length + body_length
    )


def _check_non_framed(reader: Reader, body: _Body, message_id: bytes) -> int:
    """Verify a non-framed body as it is read (and tapped); return its plaintext length.
    Unlike decrypt, nothing is spooled: the plaintext is dropped chunk by chunk."""
    suite = body.header.suite
    iv, n = check_non_framed_head(reader.read(suite.iv_length + 8), suite.iv_length)
    opener = body.cipher.stream_opener(iv, bytes(BodyAad(message_id, NON_FRAMED_LABEL).set(1, n)))
    scratch = bytearray(min(n, _CHUNK) + SLACK)
    try:
        remaining = n
        while remaining:
            chunk = reader.read(min(remaining, _CHUNK))
            if len(chunk) != min(remaining, _CHUNK):
                raise BodyFormatError("the message is truncated in the body")
            opener.update_into(chunk, scratch)
            remaining -= len(chunk)
        tag = reader.read(suite.tag_length)
        if len(tag) != suite.tag_length:
            raise BodyFormatError("the message is truncated in the body tag")
        try:
            opener.finalize_with_tag(tag)
        except InvalidTag:
            raise PayloadAuthenticationError("the message body does not authenticate") from None
    finally:
        scratch[:] = bytes(len(scratch))
    return n


def rewrap(
    message: bytes | bytearray | memoryview,
    *,
    keyrings: Keyring | Sequence[Keyring],
    add_keyrings: Keyring | Sequence[Keyring] = (),
    remove: Sequence[str] = (),
    required_context: Mapping[str, str] | None = None,
    max_encrypted_data_keys: int = DEFAULT_MAX_ENCRYPTED_DATA_KEYS,
) -> bytes:
    """Rewrap a whole message held in memory and return the new one (see
    :func:`rewrap_stream`)."""
    dst = io.BytesIO()
    rewrap_stream(
        io.BytesIO(bytes(message)),
        dst,
        keyrings=keyrings,
        add_keyrings=add_keyrings,
        remove=remove,
        required_context=required_context,
        max_encrypted_data_keys=max_encrypted_data_keys,
    )
    return dst.getvalue()
