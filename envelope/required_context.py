"""The required encryption context: pairs that bind a message without being stored in it.

As the Material Providers Library's required-encryption-context CMM and the ESDK define it
(``framework/required-encryption-context-cmm.md``, ``framework/cmm-interface.md``,
``client-apis/encrypt.md`` and ``decrypt.md``, "Header Authentication"):

* Encrypt: the caller names *required keys*; each must be in the encryption context. Their
  pairs are left out of the header, but the keyrings wrap the data key with the full context
  and the header tag's AAD is the header body ‖ the serialized required pairs.
* Decrypt: the caller gives a *reproduced context*. A pair whose key the header stores must
  have the stored value. The pairs the header does not store join the context the keyrings
  see and are appended, serialized, to the header tag's AAD. A wrong or missing pair
  therefore fails the unwrap or the header tag, never silently.

docs/format.md#required-encryption-context.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from kmskit.envelope.suites import RESERVED_CONTEXT_PREFIX
from kmskit.offline.encryption_context import serialize_encryption_context
from kmskit.offline.errors import (
    HeaderAuthenticationError,
    InvalidCiphertextException,
    ValidationException,
)

if TYPE_CHECKING:
    from kmskit.envelope._crypto import FrameCipher
    from kmskit.envelope.header import ParsedHeader
    from kmskit.envelope.keyrings.multi import MultiKeyring

__all__ = [
    "ContextSplit",
    "check_header_tag",
    "reproduce_context",
    "split_context",
    "unwrap_data_key",
]


@dataclass(frozen=True)
class ContextSplit:
    """One message's context, seen three ways."""

    full: Mapping[str, str]  # what the keyrings bind (stored ∪ authenticated only)
    stored: Mapping[str, str]  # what the header holds
    authenticated_only: bytes  # the serialized pairs appended to the header-tag AAD

    @property
    def unstored_keys(self) -> str:
        """The keys bound but not stored, for error messages (keys are not secret)."""
        return ", ".join(repr(k) for k in sorted(set(self.full) - set(self.stored)))


def split_context(
    context: Mapping[str, str], required_keys: Collection[str] | None
) -> ContextSplit:
    """Split an encrypt-time context by the required keys.

    Raises :class:`ValidationException` when a required key is not in the context or is
    reserved (``aws-crypto-…``)."""
    keys = set(required_keys or ())
    for key in sorted(keys):
        if not isinstance(key, str) or not key:
            raise ValidationException("required encryption context keys must be non-empty strings")
        if key.startswith(RESERVED_CONTEXT_PREFIX):
            raise ValidationException(f"{key!r} is reserved and cannot be a required key")
        if key not in context:
            raise ValidationException(
                f"required encryption context key {key!r} is not in the encryption context"
            )
    only = {k: v for k, v in context.items() if k in keys}
    stored = {k: v for k, v in context.items() if k not in keys}
    return ContextSplit(
        full=MappingProxyType(dict(context)),
        stored=MappingProxyType(stored),
        authenticated_only=serialize_encryption_context(only),
    )


def reproduce_context(
    stored: Mapping[str, str], reproduced: Mapping[str, str] | None
) -> ContextSplit:
    """Combine a header's stored context with the caller's reproduced context.

    Raises :class:`InvalidCiphertextException` when a reproduced pair contradicts a stored
    one (checked before any key is used)."""
    extra: dict[str, str] = {}
    for key in sorted(reproduced or {}):
        value = (reproduced or {})[key]
        if key in stored:
            if stored[key] != value:
                raise InvalidCiphertextException(
                    f"encryption context pair {key!r} has another value in the message"
                )
        else:
            extra[key] = value
    return ContextSplit(
        full=MappingProxyType({**stored, **extra}),
        stored=stored,
        authenticated_only=serialize_encryption_context(extra),
    )


def unwrap_data_key(multi: MultiKeyring, parsed: ParsedHeader, context: ContextSplit) -> bytearray:
    """Unwrap the data key with the full context; a keyring's InvalidCiphertextException
    names the unstored pairs given, which are the likely cause."""
    header = parsed.header
    try:
        return multi.unwrap_any(
            header.encrypted_data_keys,
            context.full,
            data_key_length=header.suite.data_key_length,
        )
    except InvalidCiphertextException as exc:
        if not context.authenticated_only:
            raise
        raise InvalidCiphertextException(
            f"{exc} (the message does not store the context pairs {context.unstored_keys}:"
            " one is wrong, or the message never had it)"
        ) from None


def check_header_tag(cipher: FrameCipher, parsed: ParsedHeader, context: ContextSplit) -> None:
    """Check the header tag over the header body ‖ the unstored pairs (with the header IV
    of format version 1). HeaderAuthenticationError, or InvalidCiphertextException naming
    the unstored pairs when some were given."""
    try:
        cipher.check_header_tag(
            parsed.body,
            parsed.tag,
            iv=parsed.header.header_iv,
            authenticated_context=context.authenticated_only,
        )
    except HeaderAuthenticationError:
        if not context.authenticated_only:
            raise
        raise InvalidCiphertextException(
            "the header does not authenticate with the context pairs the message does not"
            f" store ({context.unstored_keys}): one is wrong, or the message never had it"
        ) from None
