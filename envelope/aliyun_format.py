"""The Alibaba Cloud Encryption SDK message: its DER container and authenticated fields.

Written from Alibaba's SDK sources (docs/format.md, "Alibaba Encryption SDK format"):
alibabacloud-encryption-sdk-java ``handler/Asn1FormatHandler.java``,
``model/CipherHeader.java``, ``model/CryptoAlgorithm.java``, ``model/EncryptedDataKey.java``
and alibabacloud-encryption-sdk-python ``handle/format.py``, ``model.py``::

    EncryptionInfo ::= SEQUENCE { header Header, body Body }
    Header ::= SEQUENCE {
        version INTEGER,                 -- SDK_VERSION = 1
        algorithm INTEGER,               -- 1 AES-GCM-128, 2 AES-GCM-256, 9 SM4-GCM
        encryptedDataKeys SET OF SEQUENCE { keyId OCTET STRING, dataKey OCTET STRING },
        encryptionContext SET OF SEQUENCE { key OCTET STRING, value OCTET STRING },
        headerIv OCTET STRING,           -- 12 bytes
        headerAuthTag OCTET STRING }     -- 16 bytes
    Body ::= SEQUENCE { iv OCTET STRING, cipherText OCTET STRING, authTag OCTET STRING }

``dataKey`` holds the base64-*decoded* KMS ciphertext blob; the SDKs keep the blob as base64
text in memory, and that text is what the header tag authenticates. Both SDKs write DER
(BouncyCastle ``DERSet``, asn1crypto ``SetOf``), so SET elements are sorted by encoding;
this reader takes them in any order. Only this module knows the byte layout.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Final

from kmskit.offline.errors import (
    HeaderFormatError,
    UnsupportedMessageError,
    ValidationException,
)

__all__ = [
    "ALIYUN_SDK_VERSION",
    "HEADER_IV_LENGTH",
    "AliyunAlgorithm",
    "AliyunDataKey",
    "AliyunHeader",
    "AliyunMessage",
    "authenticated_fields",
    "encode_message",
    "looks_like_aliyun_message",
    "parse_message",
    "serialize_context",
]

# Constants.SDK_VERSION (Java) / constants.SDK_VERSION (Python).
ALIYUN_SDK_VERSION: Final = 1
# CipherHeader.HEADER_IV_LEN; the header tag is GCM with a 128-bit tag (blockSize * 8).
HEADER_IV_LENGTH: Final = 12
TAG_LENGTH: Final = 16
# CipherHeader.serializeContext (Java) fills a ByteBuffer of Short.MAX_VALUE bytes: a longer
# serialized context cannot be written or read by the Java SDK, so kmskit refuses it.
MAX_CONTEXT_BYTES: Final = 0x7FFF

_SEQUENCE: Final = 0x30
_SET: Final = 0x31
_INTEGER: Final = 0x02
_OCTET_STRING: Final = 0x04


class AliyunAlgorithm(Enum):
    """The AEAD algorithms of CryptoAlgorithm.java kmskit reads and writes (the CBC and CTR
    ids 3-8 and 10-12 carry no authentication; kmskit refuses them)."""

    AES_GCM_NOPADDING_128 = 1
    AES_GCM_NOPADDING_256 = 2
    SM4_GCM_NOPADDING_128 = 9

    @property
    def key_length(self) -> int:
        return 32 if self is AliyunAlgorithm.AES_GCM_NOPADDING_256 else 16

    @property
    def iv_length(self) -> int:
        return 12  # CryptoAlgorithm ivLen for every GCM entry

    @property
    def is_sm4(self) -> bool:
        return self is AliyunAlgorithm.SM4_GCM_NOPADDING_128


@dataclass(frozen=True)
class AliyunDataKey:
    """One encrypted data key as the DER holds it: the key id (for Alibaba KMS the CMK id
    or ARN the SDK was given) and the raw ciphertext (the decoded base64 blob)."""

    key_id: bytes
    ciphertext: bytes

    @property
    def base64_text(self) -> bytes:
        """The blob as the SDKs hold it, and as the header tag authenticates it."""
        return base64.b64encode(self.ciphertext)


@dataclass(frozen=True)
class AliyunHeader:
    version: int
    algorithm: AliyunAlgorithm
    data_keys: tuple[AliyunDataKey, ...]
    encryption_context: Mapping[str, str]
    header_iv: bytes
    header_tag: bytes


@dataclass(frozen=True)
class AliyunMessage:
    header: AliyunHeader
    iv: bytes
    ciphertext: bytes
    tag: bytes
    length: int  # bytes the DER occupied


def looks_like_aliyun_message(first: bytes) -> bool:
    """True when ``first`` (the message's first byte or more) starts a DER SEQUENCE.

    An ESDK message starts with its version byte 0x01 or 0x02, so 0x30 tells them apart.
    """
    return first[:1] == bytes([_SEQUENCE])


# -- the authenticated fields --------------------------------------------------------------


def _utf8(value: str, what: str) -> bytes:
    if not isinstance(value, str):
        raise ValidationException(f"the encryption context {what} must be a string")
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationException(f"the encryption context {what} is not valid UTF-8") from None


def serialize_context(context: Mapping[str, str]) -> bytes:
    """CipherHeader.serializeContext: empty for no pairs, else uint32 count and, sorted by
    the key's UTF-8 bytes (unsigned), uint32 length ‖ key ‖ uint32 length ‖ value.

    These bytes are also the body's AAD. Raises ValidationException past 32767 bytes.
    """
    if not context:
        return b""
    pairs = sorted((_utf8(k, "key"), _utf8(v, "value")) for k, v in context.items())
    out = bytearray(struct.pack(">I", len(pairs)))
    for key, value in pairs:
        out += struct.pack(">I", len(key)) + key + struct.pack(">I", len(value)) + value
    if len(out) > MAX_CONTEXT_BYTES:
        raise ValidationException(
            f"the serialized encryption context is {len(out)} bytes; Alibaba's SDK holds at"
            f" most {MAX_CONTEXT_BYTES}"
        )
    return bytes(out)


def authenticated_fields(
    version: int,
    algorithm: AliyunAlgorithm,
    context: Mapping[str, str],
    data_keys: tuple[AliyunDataKey, ...],
) -> bytes:
    """CipherHeader.serializeAuthenticatedFields: uint32 version, uint32 algorithm id,
    uint32 pair count, the serialized context (which repeats the count), uint32 EDK count,
    then each EDK sorted by key id bytes (EncryptedDataKey.compareTo: unsigned, a prefix
    first) as uint32 length ‖ key id ‖ uint32 length ‖ base64 text of the blob."""
    out = bytearray(struct.pack(">III", version, algorithm.value, len(context)))
    out += serialize_context(context)
    out += struct.pack(">I", len(data_keys))
    for key in sorted(data_keys, key=lambda k: k.key_id):
        text = key.base64_text
        out += struct.pack(">I", len(key.key_id)) + key.key_id
        out += struct.pack(">I", len(text)) + text
    return bytes(out)


# -- DER writing ---------------------------------------------------------------------------


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _length(len(content)) + content


def _integer(value: int) -> bytes:
    return _tlv(_INTEGER, value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True))


def _pair(a: bytes, b: bytes) -> bytes:
    return _tlv(_SEQUENCE, _tlv(_OCTET_STRING, a) + _tlv(_OCTET_STRING, b))


def _der_set(elements: list[bytes]) -> bytes:
    # X.690 11.6: a DER SET OF orders its elements by their encodings (DERSet, SetOf).
    return _tlv(_SET, b"".join(sorted(elements)))


def encode_header(header: AliyunHeader) -> bytes:
    """The DER of the header SEQUENCE (Asn1FormatHandler.combineEncryptionHead)."""
    context = [
        _pair(_utf8(k, "key"), _utf8(v, "value")) for k, v in header.encryption_context.items()
    ]
    return _tlv(
        _SEQUENCE,
        _integer(header.version)
        + _integer(header.algorithm.value)
        + _der_set([_pair(k.key_id, k.ciphertext) for k in header.data_keys])
        + _der_set(context)
        + _tlv(_OCTET_STRING, header.header_iv)
        + _tlv(_OCTET_STRING, header.header_tag),
    )


def encode_message(header: AliyunHeader, iv: bytes, ciphertext: bytes, tag: bytes) -> bytes:
    """The whole message: SEQUENCE { header, SEQUENCE { iv, cipherText, authTag } }."""
    body = _tlv(
        _SEQUENCE,
        _tlv(_OCTET_STRING, iv) + _tlv(_OCTET_STRING, ciphertext) + _tlv(_OCTET_STRING, tag),
    )
    return _tlv(_SEQUENCE, encode_header(header) + body)


# -- DER reading ---------------------------------------------------------------------------


class _Der:
    """A strict DER cursor: definite, minimal lengths; every read bounded by its parent."""

    def __init__(self, data: bytes | memoryview, start: int = 0, end: int | None = None) -> None:
        self.data = data
        self.pos = start
        self.end = len(data) if end is None else end

    def done(self) -> bool:
        return self.pos == self.end

    def _byte(self, what: str) -> int:
        if self.pos >= self.end:
            raise HeaderFormatError(f"the Alibaba message is truncated in {what}")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def element(self, tag: int, what: str) -> _Der:
        """Read one TLV of ``tag``; return a cursor over its content."""
        got = self._byte(what)
        if got != tag:
            raise HeaderFormatError(
                f"the Alibaba message has tag 0x{got:02X} where {what} (0x{tag:02X}) belongs"
            )
        first = self._byte(what)
        if first < 0x80:
            n = first
        else:
            width = first & 0x7F
            if width == 0 or width > 4:
                raise HeaderFormatError(f"the Alibaba message has a bad length in {what}")
            n = 0
            for _ in range(width):
                n = (n << 8) | self._byte(what)
            if n < 0x80 or n >> (8 * (width - 1)) == 0:
                raise HeaderFormatError(f"the Alibaba message has a non-DER length in {what}")
        if n > self.end - self.pos:
            raise HeaderFormatError(f"the Alibaba message is truncated in {what}")
        inner = _Der(self.data, self.pos, self.pos + n)
        self.pos += n
        return inner

    def octets(self, what: str) -> bytes:
        inner = self.element(_OCTET_STRING, what)
        return bytes(self.data[inner.pos : inner.end])

    def integer(self, what: str) -> int:
        inner = self.element(_INTEGER, what)
        raw = bytes(self.data[inner.pos : inner.end])
        if not raw or len(raw) > 8:
            raise HeaderFormatError(f"the Alibaba message has a bad INTEGER as {what}")
        return int.from_bytes(raw, "big", signed=True)

    def finish(self, what: str) -> None:
        if not self.done():
            raise HeaderFormatError(f"the Alibaba message has extra fields in {what}")


def _pairs(cursor: _Der, what: str, limit: int | None) -> list[tuple[bytes, bytes]]:
    out: list[tuple[bytes, bytes]] = []
    while not cursor.done():
        pair = cursor.element(_SEQUENCE, what)
        out.append((pair.octets(what), pair.octets(what)))
        pair.finish(what)
        if limit is not None and len(out) > limit:
            from kmskit.offline.errors import MaxEncryptedDataKeysExceeded

            raise MaxEncryptedDataKeysExceeded(len(out), limit)
    return out


def _algorithm(value: int) -> AliyunAlgorithm:
    try:
        return AliyunAlgorithm(value)
    except ValueError:
        if 3 <= value <= 12:
            raise UnsupportedMessageError(
                f"the Alibaba message uses algorithm id {value}, a CBC or CTR mode without"
                " authentication; kmskit reads only the GCM ids 1, 2 and 9"
            ) from None
        raise UnsupportedMessageError(
            f"the Alibaba message names unknown algorithm id {value}"
        ) from None


def _context(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    context: dict[str, str] = {}
    for key, value in raw:
        try:
            k, v = key.decode("utf-8"), value.decode("utf-8")
        except UnicodeDecodeError:
            raise HeaderFormatError(
                "the Alibaba message has an encryption context that is not UTF-8"
            ) from None
        if k in context:
            raise HeaderFormatError(f"the Alibaba message repeats the context key {k!r}")
        context[k] = v
    return context


def parse_message(
    data: bytes | memoryview, *, max_encrypted_data_keys: int | None
) -> AliyunMessage:
    """Parse one whole message (Asn1FormatHandler.deserialize); nothing is authenticated.

    Raises HeaderFormatError (malformed, bytes after the end), UnsupportedMessageError (an
    unknown version or a non-AEAD algorithm), MaxEncryptedDataKeysExceeded.
    """
    top = _Der(data)
    info = top.element(_SEQUENCE, "the message")
    top.finish("the input (bytes follow the message)")
    head = info.element(_SEQUENCE, "the header")
    version = head.integer("the version")
    if version != ALIYUN_SDK_VERSION:
        raise UnsupportedMessageError(f"the Alibaba message has version {version}; kmskit reads 1")
    algorithm = _algorithm(head.integer("the algorithm"))
    keys = _pairs(
        head.element(_SET, "the encrypted data keys"),
        "an encrypted data key",
        max_encrypted_data_keys,
    )
    if not keys:
        raise HeaderFormatError("the Alibaba message has no encrypted data key")
    context = _context(_pairs(head.element(_SET, "the encryption context"), "a context pair", None))
    header_iv = head.octets("the header IV")
    header_tag = head.octets("the header tag")
    head.finish("the header")
    if len(header_iv) != HEADER_IV_LENGTH or len(header_tag) != TAG_LENGTH:
        raise HeaderFormatError("the Alibaba message has a header IV or tag of the wrong length")
    body = info.element(_SEQUENCE, "the body")
    iv = body.octets("the body IV")
    ciphertext = body.octets("the ciphertext")
    tag = body.octets("the body tag")
    body.finish("the body")
    info.finish("the message")
    if len(iv) != algorithm.iv_length or len(tag) != TAG_LENGTH:
        raise HeaderFormatError("the Alibaba message has a body IV or tag of the wrong length")
    header = AliyunHeader(
        version=version,
        algorithm=algorithm,
        data_keys=tuple(AliyunDataKey(k, c) for k, c in keys),
        encryption_context=context,
        header_iv=header_iv,
        header_tag=header_tag,
    )
    return AliyunMessage(header, iv, ciphertext, tag, top.pos)
