"""The message header of format version 1 (the ESDK's non-committing suites): read only.

docs/format.md#header-format-version-1 and the ESDK specification,
``data-format/message-header.md`` ("Header Body Version 1.0", "Header Authentication Version
1.0"). kmskit never writes this format: it reads it, under a commitment policy that allows it
(:class:`~envelope.suites.CommitmentPolicy`), so that archives made by ESDK 1.x decrypt.

The layout differs from version 2 in five places: a type byte (``80``) after the version, a
16-byte message id, four reserved zero bytes and an IV length (12) between the content type
and the frame length, no commit key, and a header IV (12 bytes) before the header tag. The
EDK, context and frame layouts are the same, and so are the parsing rules and limits.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from kmskit.envelope.header import (
    FieldReader,
    Header,
    ParsedHeader,
    check_frame_length,
    read_content_type,
    read_context,
    read_edks,
)
from kmskit.envelope.suites import legacy_suite_for_id
from kmskit.offline.errors import HeaderFormatError

__all__ = ["CUSTOMER_AUTHENTICATED_ENCRYPTED_DATA", "read_header_v1"]

# message-header.md "Supported Types": the only type, customer authenticated encrypted data.
CUSTOMER_AUTHENTICATED_ENCRYPTED_DATA: Final = 0x80
_RESERVED: Final = bytes(4)


def read_header_v1(fields: FieldReader, max_encrypted_data_keys: int) -> ParsedHeader:
    """Parse the rest of a version 1 header after its version byte, then the header IV and
    tag. Raises :class:`HeaderFormatError` (or a subclass) for any malformation, and
    :class:`UnsupportedMessageError` for a suite that is not a format 1 suite."""
    kind = fields.u8("type")
    if kind != CUSTOMER_AUTHENTICATED_ENCRYPTED_DATA:
        raise HeaderFormatError(f"unknown message type 0x{kind:02X} (version 1 has only 0x80)")
    suite = legacy_suite_for_id(fields.u16("algorithm suite id"))
    message_id = fields.take(suite.message_id_length, "message id")
    serialized_context, context = read_context(fields)
    edks = read_edks(fields, max_encrypted_data_keys)
    content_type = read_content_type(fields)
    if fields.take(4, "reserved field") != _RESERVED:
        raise HeaderFormatError("the reserved header field is not zero")
    iv_length = fields.u8("IV length")
    if iv_length != suite.iv_length:
        raise HeaderFormatError(
            f"IV length {iv_length} does not match the suite's {suite.iv_length}"
        )
    frame_length = fields.u32("frame length")
    check_frame_length(content_type, frame_length)
    body = bytes(fields.buf)
    header_iv = fields.take(suite.iv_length, "header IV")
    tag = fields.take(suite.tag_length, "header authentication tag")
    header = Header(
        suite=suite,
        message_id=message_id,
        encryption_context=MappingProxyType(context),
        serialized_context=serialized_context,
        encrypted_data_keys=edks,
        content_type=content_type,
        frame_length=frame_length,
        commit_key=b"",
        header_iv=header_iv,
    )
    return ParsedHeader(header=header, body=body, auth_tag=header_iv + tag)
