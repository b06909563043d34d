"""The encryption context: a str → str map bound to ciphertext as additional authenticated data.

Serialization is the AWS Encryption SDK's (message format, "Encryption Context"): a uint16
count, then the pairs sorted by the UTF-8 bytes of the key, each as uint16 length ‖ key ‖
uint16 length ‖ value. An empty context serializes to zero bytes. The keystore's local
ciphertext blob and the envelope header both use this one encoding, so a context binds the
same way everywhere.

The context is never secret: it is logged and printed.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

from kmskit.offline.errors import InvalidCiphertextException, ValidationException

__all__ = [
    "MAX_SERIALIZED_CONTEXT",
    "parse_encryption_context",
    "require_context_match",
    "require_context_subset",
    "serialize_encryption_context",
]

# The ESDK caps the serialized context at the uint16 range of its length field.
MAX_SERIALIZED_CONTEXT = 0xFFFF


def _utf8(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise ValidationException(f"encryption context {what}s must be strings")
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationException(f"encryption context {what} is not valid UTF-8") from None


def serialize_encryption_context(context: Mapping[str, str]) -> bytes:
    """Serialize ``context`` exactly as the AWS Encryption SDK does.

    Raises :class:`ValidationException` for non-string keys or values, empty keys, or a
    result longer than 65535 bytes.
    """
    if not context:
        return b""
    pairs = sorted((_utf8(k, "key"), _utf8(v, "value")) for k, v in context.items())
    if len(pairs) > 0xFFFF:
        raise ValidationException("encryption context has too many pairs")
    out = bytearray(struct.pack(">H", len(pairs)))
    for key, value in pairs:
        if not key:
            raise ValidationException("encryption context keys must not be empty")
        if len(key) > 0xFFFF or len(value) > 0xFFFF:
            raise ValidationException("an encryption context key or value is over 65535 bytes")
        out += struct.pack(">H", len(key)) + key + struct.pack(">H", len(value)) + value
    if len(out) > MAX_SERIALIZED_CONTEXT:
        raise ValidationException("serialized encryption context is over 65535 bytes")
    return bytes(out)


def parse_encryption_context(data: bytes, *, require_sorted: bool = True) -> dict[str, str]:
    """Parse the ESDK serialization, strictly: sorted unique keys, no trailing bytes.

    ``require_sorted=False`` accepts pairs in any order (still unique): some AWS Encryption
    SDK implementations have written unsorted contexts into message headers, and the ESDK
    decrypts those messages, so the envelope header parser must too.

    Raises :class:`ValueError` subclasses (:class:`ValidationException`) on any malformation;
    never ``struct.error`` or ``IndexError``.
    """
    if not data:
        return {}
    view = memoryview(data)
    if len(view) < 2:
        raise ValidationException("truncated encryption context")
    (count,) = struct.unpack_from(">H", view, 0)
    if count == 0:
        raise ValidationException("a non-empty encryption context must have pairs")
    pos = 2
    result: dict[str, str] = {}
    previous: bytes | None = None
    for _ in range(count):
        fields: list[bytes] = []
        for _part in range(2):
            if len(view) - pos < 2:
                raise ValidationException("truncated encryption context")
            (length,) = struct.unpack_from(">H", view, pos)
            pos += 2
            if len(view) - pos < length:
                raise ValidationException("truncated encryption context")
            fields.append(bytes(view[pos : pos + length]))
            pos += length
        key, value = fields
        if require_sorted and previous is not None and key <= previous:
            raise ValidationException("encryption context keys are not sorted and unique")
        previous = key
        try:
            text_key = key.decode("utf-8")
            if text_key in result:
                raise ValidationException("encryption context keys are not unique")
            result[text_key] = value.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationException("encryption context is not valid UTF-8") from None
    if pos != len(view):
        raise ValidationException("trailing bytes after the encryption context")
    return result


def require_context_match(expected: Mapping[str, str], given: Mapping[str, str]) -> None:
    """KMS Decrypt: the context must match exactly (case-sensitive; order does not matter).

    Raises :class:`InvalidCiphertextException`, like KMS, without saying which pair differs.
    """
    # Here rather than at the top: every keystore operation loads this module, and hmac
    # loads OpenSSL's _hashlib.
    import hmac

    a = serialize_encryption_context(expected)
    b = serialize_encryption_context(given)
    if not hmac.compare_digest(a, b):
        raise InvalidCiphertextException(
            "the encryption context does not match the one the ciphertext was made with"
        )


def require_context_subset(required: Mapping[str, str], actual: Mapping[str, str]) -> None:
    """Every required pair must be present with the same value (a grant's
    EncryptionContextSubset, or the CLI's decrypt-time check). Raises
    :class:`InvalidCiphertextException` naming the first missing key (keys are not secret).
    """
    for key in sorted(required):
        if actual.get(key) != required[key]:
            raise InvalidCiphertextException(
                f"encryption context pair {key!r} is missing or has another value"
            )
