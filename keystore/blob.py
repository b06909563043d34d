"""The local ciphertext blob that Encrypt and GenerateDataKey* return: encode and parse.

Layout (spec: docs/keystore.md#blob):

    version (1, 0x01) ‖ key id (16) ‖ material id (uint32 BE) ‖ IV (12) ‖ ciphertext ‖ tag (16)

AAD = the 33 header bytes ‖ the serialized encryption context. Parsing is strict and raises
only :class:`InvalidCiphertextException`. This module does no cryptography.
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from kmskit.offline.encryption_context import serialize_encryption_context
from kmskit.offline.errors import InvalidCiphertextException
from kmskit.offline.specs import MAX_CIPHERTEXT_BLOB

__all__ = [
    "HEADER_LENGTH",
    "IV_LENGTH",
    "TAG_LENGTH",
    "VERSION",
    "ParsedBlob",
    "blob_aad",
    "encode_blob",
    "encode_header",
    "parse_blob",
]

VERSION = 0x01
KEY_ID_LENGTH = 16
IV_LENGTH = 12
TAG_LENGTH = 16
_HEADER = struct.Struct(">B16sI12s")
HEADER_LENGTH = _HEADER.size  # 33
MAX_MATERIAL_ID = 0xFFFFFFFF
# A blob carries at least one byte of ciphertext: KMS plaintexts and data keys are ≥ 1 byte.
MIN_BLOB_LENGTH = HEADER_LENGTH + 1 + TAG_LENGTH


@dataclass(frozen=True)
class ParsedBlob:
    """The fields of a blob. ``header`` is bytes 0–32, the first part of the AAD."""

    key_id: uuid.UUID
    material_id: int
    iv: bytes
    header: bytes
    ciphertext_and_tag: bytes

    def __repr__(self) -> str:
        return f"ParsedBlob(key_id={self.key_id}, material_id={self.material_id})"


def encode_header(key_id: uuid.UUID, material_id: int, iv: bytes) -> bytes:
    """The 33 header bytes. Raises :class:`ValueError` for out-of-range fields (a bug)."""
    if not 1 <= material_id <= MAX_MATERIAL_ID or len(iv) != IV_LENGTH:
        raise ValueError("material id or IV out of range")
    return _HEADER.pack(VERSION, key_id.bytes, material_id, iv)


def encode_blob(header: bytes, ciphertext_and_tag: bytes) -> bytes:
    """The blob: the header, then the GCM ciphertext with its 16-byte tag appended."""
    blob = header + ciphertext_and_tag
    if len(blob) > MAX_CIPHERTEXT_BLOB or len(blob) < MIN_BLOB_LENGTH:
        raise ValueError("blob length out of range")
    return blob


def blob_aad(header: bytes, encryption_context: Mapping[str, str] | None) -> bytes:
    """AAD = header ‖ serialized encryption context (ESDK encoding; empty context → no bytes).

    Raises :class:`ValidationException` for a context that cannot be serialized.
    """
    return header + serialize_encryption_context(encryption_context or {})


def parse_blob(blob: object) -> ParsedBlob:
    """Split a blob into its fields, checking version and lengths.

    Raises :class:`InvalidCiphertextException` for anything that is not a well-formed blob
    of this version, and never anything else.
    """
    if not isinstance(blob, bytes | bytearray | memoryview):
        raise InvalidCiphertextException("the ciphertext blob is not bytes")
    data = bytes(blob)
    if not MIN_BLOB_LENGTH <= len(data) <= MAX_CIPHERTEXT_BLOB:
        raise InvalidCiphertextException(
            f"the ciphertext blob must be {MIN_BLOB_LENGTH} to {MAX_CIPHERTEXT_BLOB} bytes"
        )
    version, key_id, material_id, iv = _HEADER.unpack_from(data, 0)
    if version != VERSION:
        raise InvalidCiphertextException("the ciphertext blob is not a kmskit version 1 blob")
    if material_id == 0:
        raise InvalidCiphertextException("the ciphertext blob names no key material")
    return ParsedBlob(
        key_id=uuid.UUID(bytes=key_id),
        material_id=material_id,
        iv=iv,
        header=data[:HEADER_LENGTH],
        ciphertext_and_tag=data[HEADER_LENGTH:],
    )
