"""The message header (format version 2): its fields, serialisation and strict parsing.

Format version 1 (read only) continues in :mod:`envelope.header_v1` after the version byte.

Byte layout in docs/format.md#header. This module is pure format: it computes no tag and
derives no key. Parsing reads from a ``read(n)`` callable one field at a time, so a hostile
header is refused as soon as a count or size is out of bounds, before the rest is read.
Every malformation raises :class:`~offline.errors.HeaderFormatError` (or a subclass); no
``struct.error``, ``IndexError`` or ``UnicodeDecodeError`` escapes.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from types import MappingProxyType

from kmskit.envelope.keyrings.base import EncryptedDataKey
from kmskit.envelope.suites import (
    DEFAULT_COMMITMENT_POLICY,
    DEFAULT_MAX_ENCRYPTED_DATA_KEYS,
    DEFAULT_MAX_HEADER_SIZE,
    LEGACY_DECRYPT_HINT,
    MAX_FRAME_LENGTH,
    MESSAGE_FORMAT_VERSION,
    CommitmentPolicy,
    SuiteProfile,
    parse_commitment_policy,
    suite_for_id,
)
from kmskit.offline.encryption_context import parse_encryption_context
from kmskit.offline.errors import (
    EnvelopeLimitExceeded,
    HeaderFormatError,
    MaxEncryptedDataKeysExceeded,
    UnsupportedMessageError,
    ValidationException,
)

__all__ = [
    "MESSAGE_ID_LENGTH",
    "ContentType",
    "FieldReader",
    "Header",
    "ParsedHeader",
    "check_frame_length",
    "parse_header",
    "read_content_type",
    "read_context",
    "read_edks",
    "read_header",
    "serialize_header_body",
]

MESSAGE_ID_LENGTH = 32
_UINT16 = 0xFFFF

Read = Callable[[int], bytes]


class ContentType(IntEnum):
    NON_FRAMED = 0x01  # decrypt only; kmskit always writes framed messages
    FRAMED = 0x02


@dataclass(frozen=True)
class Header:
    """The header body fields. ``encryption_context`` is read-only; ``serialized_context``
    is its ESDK serialization (docs/format.md#aad), kept as parsed."""

    suite: SuiteProfile
    message_id: bytes
    encryption_context: Mapping[str, str]
    serialized_context: bytes
    encrypted_data_keys: tuple[EncryptedDataKey, ...]
    content_type: ContentType
    frame_length: int
    commit_key: bytes = field(repr=False)  # empty in format version 1
    # Format version 1 carries the header-tag IV after the header body; version 2 uses
    # twelve zero bytes (docs/format.md#header-authentication).
    header_iv: bytes = b""

    @property
    def format_version(self) -> int:
        return self.suite.message_format_version


@dataclass(frozen=True)
class ParsedHeader:
    """A parsed header with the exact bytes it came from (the header-tag AAD)."""

    header: Header
    body: bytes  # the header body, as read
    auth_tag: bytes  # what follows it: the tag (v2), or the header IV ‖ the tag (v1)

    @property
    def tag(self) -> bytes:
        """The header authentication tag alone."""
        return self.auth_tag[len(self.auth_tag) - self.header.suite.tag_length :]

    @property
    def length(self) -> int:
        return len(self.body) + len(self.auth_tag)


def _u16_prefixed(data: bytes) -> bytes:
    return struct.pack(">H", len(data)) + data


def serialize_header_body(header: Header) -> bytes:
    """Serialize the header body (everything the header tag authenticates).

    Raises :class:`ValidationException` when a count or length does not fit its field.
    """
    suite = header.suite
    if len(header.message_id) != MESSAGE_ID_LENGTH:
        raise ValidationException(f"the message id must be {MESSAGE_ID_LENGTH} bytes")
    if len(header.commit_key) != suite.commit_key_length:
        raise ValidationException("the commit key has the wrong length for the suite")
    if len(header.serialized_context) > _UINT16:
        raise ValidationException("the serialized encryption context is over 65535 bytes")
    if not 1 <= len(header.encrypted_data_keys) <= _UINT16:
        raise ValidationException("a message needs 1 to 65535 encrypted data keys")
    out = bytearray()
    out += struct.pack(">BH", MESSAGE_FORMAT_VERSION, suite.suite_id)
    out += header.message_id
    out += _u16_prefixed(header.serialized_context)
    out += struct.pack(">H", len(header.encrypted_data_keys))
    for edk in header.encrypted_data_keys:
        out += _u16_prefixed(edk.provider_id.encode("utf-8"))
        out += _u16_prefixed(edk.provider_info)
        out += _u16_prefixed(edk.ciphertext)
    out += struct.pack(">BI", header.content_type, header.frame_length)
    out += header.commit_key
    return bytes(out)


class FieldReader:
    """Reads header fields, keeping the bytes and enforcing the header-size bound."""

    def __init__(self, read: Read, max_size: int) -> None:
        self._read = read
        self._max = max_size
        self.buf = bytearray()

    def take(self, n: int, what: str) -> bytes:
        if len(self.buf) + n > self._max:
            raise EnvelopeLimitExceeded(
                f"the header is larger than the {self._max}-byte limit (at the {what})"
            )
        data = self._read(n) if n else b""
        if len(data) != n:
            raise HeaderFormatError(f"the message is truncated in the header ({what})")
        self.buf += data
        return data

    def u8(self, what: str) -> int:
        return self.take(1, what)[0]

    def u16(self, what: str) -> int:
        return int.from_bytes(self.take(2, what), "big")

    def u32(self, what: str) -> int:
        return int.from_bytes(self.take(4, what), "big")

    def u16_prefixed(self, what: str) -> bytes:
        return self.take(self.u16(f"{what} length"), what)


def _check_version(version: int, policy: CommitmentPolicy) -> None:
    if version == MESSAGE_FORMAT_VERSION:
        return
    if version == 0x01:
        if policy.allows_legacy_decrypt:
            return
        raise UnsupportedMessageError(
            "message format version 1 does not commit to its data key and the commitment"
            f" policy is {policy.value}; {LEGACY_DECRYPT_HINT}"
        )
    if version == ord("A"):
        raise UnsupportedMessageError(
            "this looks like base64 text, not a binary message; decode it first"
        )
    raise HeaderFormatError(f"not an envelope message (version byte 0x{version:02X})")


def read_context(fields: FieldReader) -> tuple[bytes, dict[str, str]]:
    """Read the AAD field: (serialized context as read, parsed context)."""
    serialized_context = fields.u16_prefixed("encryption context")
    try:
        context = parse_encryption_context(serialized_context, require_sorted=False)
    except ValidationException as exc:
        raise HeaderFormatError(f"malformed encryption context: {exc}") from None
    return serialized_context, context


def read_content_type(fields: FieldReader) -> ContentType:
    raw_type = fields.u8("content type")
    if raw_type not in (ContentType.NON_FRAMED, ContentType.FRAMED):
        raise HeaderFormatError(f"unknown content type 0x{raw_type:02X}")
    return ContentType(raw_type)


def check_frame_length(content_type: ContentType, frame_length: int) -> None:
    if content_type is ContentType.FRAMED and not 1 <= frame_length <= MAX_FRAME_LENGTH:
        raise HeaderFormatError(
            f"frame length {frame_length} is outside 1 to {MAX_FRAME_LENGTH} bytes"
        )
    if content_type is ContentType.NON_FRAMED and frame_length != 0:
        raise HeaderFormatError("a non-framed message must have frame length 0")


def read_edks(fields: FieldReader, max_encrypted_data_keys: int) -> tuple[EncryptedDataKey, ...]:
    count = fields.u16("encrypted data key count")
    if count == 0:
        raise HeaderFormatError("the header has no encrypted data keys")
    if count > max_encrypted_data_keys:
        raise MaxEncryptedDataKeysExceeded(count, max_encrypted_data_keys)
    edks = []
    for i in range(count):
        raw_id = fields.u16_prefixed(f"provider id of EDK {i + 1}")
        info = fields.u16_prefixed(f"provider info of EDK {i + 1}")
        ciphertext = fields.u16_prefixed(f"ciphertext of EDK {i + 1}")
        try:
            edks.append(EncryptedDataKey(raw_id.decode("utf-8"), info, ciphertext))
        except (UnicodeDecodeError, ValidationException):
            raise HeaderFormatError(
                f"encrypted data key {i + 1} has an empty or non-UTF-8 provider id"
            ) from None
    return tuple(edks)


def read_header(
    read: Read,
    *,
    max_encrypted_data_keys: int = DEFAULT_MAX_ENCRYPTED_DATA_KEYS,
    max_header_size: int = DEFAULT_MAX_HEADER_SIZE,
    commitment_policy: CommitmentPolicy | str = DEFAULT_COMMITMENT_POLICY,
) -> ParsedHeader:
    """Read and parse a header body and its authentication tag.

    Format version 1 (the non-committing suites) is read only when ``commitment_policy``
    allows it (``*_ALLOW_DECRYPT``); otherwise it is refused with the policy that reads it.

    ``read(n)`` must return ``n`` bytes, or fewer only at the end of the input. Raises
    :class:`HeaderFormatError` for any malformation or truncation,
    :class:`UnsupportedMessageError` for version 1, non-committing or unknown suites,
    :class:`MaxEncryptedDataKeysExceeded` and :class:`EnvelopeLimitExceeded` for limits.
    The tag is not checked here: that needs the data key.
    """
    if max_encrypted_data_keys < 1:
        raise ValidationException("max_encrypted_data_keys must be at least 1")
    fields = FieldReader(read, max_header_size)
    version = fields.u8("version")
    _check_version(version, parse_commitment_policy(commitment_policy))
    if version == 0x01:
        from kmskit.envelope.header_v1 import read_header_v1

        return read_header_v1(fields, max_encrypted_data_keys)
    suite = suite_for_id(fields.u16("algorithm suite id"))
    message_id = fields.take(MESSAGE_ID_LENGTH, "message id")
    serialized_context, context = read_context(fields)
    edks = read_edks(fields, max_encrypted_data_keys)
    content_type = read_content_type(fields)
    frame_length = fields.u32("frame length")
    check_frame_length(content_type, frame_length)
    commit_key = fields.take(suite.commit_key_length, "commit key")
    body = bytes(fields.buf)
    auth_tag = fields.take(suite.tag_length, "header authentication tag")
    header = Header(
        suite=suite,
        message_id=message_id,
        encryption_context=MappingProxyType(context),
        serialized_context=serialized_context,
        encrypted_data_keys=edks,
        content_type=content_type,
        frame_length=frame_length,
        commit_key=commit_key,
    )
    return ParsedHeader(header=header, body=body, auth_tag=auth_tag)


def parse_header(
    data: bytes,
    *,
    max_encrypted_data_keys: int = DEFAULT_MAX_ENCRYPTED_DATA_KEYS,
    max_header_size: int = DEFAULT_MAX_HEADER_SIZE,
    commitment_policy: CommitmentPolicy | str = DEFAULT_COMMITMENT_POLICY,
) -> ParsedHeader:
    """:func:`read_header` over a bytes object (trailing bytes, the body, are ignored)."""
    view = memoryview(data)
    pos = 0

    def read(n: int) -> bytes:
        nonlocal pos
        chunk = bytes(view[pos : pos + n])
        pos += len(chunk)
        return chunk

    return read_header(
        read,
        max_encrypted_data_keys=max_encrypted_data_keys,
        max_header_size=max_header_size,
        commitment_policy=commitment_policy,
    )
