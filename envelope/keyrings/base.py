"""The keyring protocol: how a data key is wrapped into, and unwrapped from, an EDK.

An encrypted data key (EDK) is the triple the message header stores: provider id, provider
information and ciphertext (docs/format.md#encrypted-data-keys). A keyring turns a plaintext
data key into one EDK (``wrap``) and back (``unwrap``). The contract (STYLE 7):

* ``unwrap`` raises :class:`~offline.errors.KeyringMismatch` when the EDK is not one this
  keyring can open (another provider id or key name, or no private key). Decrypt then tries
  the next keyring or EDK and reports every mismatch in one
  :class:`~offline.errors.NoMatchingKeyringError`.
* Any other exception from ``unwrap`` is fatal: the EDK names this keyring's key, yet it does
  not open (wrong key material, tampered EDK, a disabled KMS key …).

Every keyring is a plain class with these two methods; there is no registry or provider
layer. The raw AES, RSA, SM2, local-keystore and AWS KMS keyrings live next to this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from kmskit.offline.errors import ValidationException

__all__ = ["EncryptedDataKey", "Keyring", "check_utf8_field"]

_UINT16 = 0xFFFF


@dataclass(frozen=True)
class EncryptedDataKey:
    """One EDK as the header stores it; each field is at most 65535 bytes."""

    provider_id: str
    provider_info: bytes
    ciphertext: bytes

    def __post_init__(self) -> None:
        check_utf8_field(self.provider_id, "provider id")
        if not isinstance(self.provider_info, bytes) or not isinstance(self.ciphertext, bytes):
            raise TypeError("provider_info and ciphertext must be bytes")
        if len(self.provider_info) > _UINT16 or len(self.ciphertext) > _UINT16:
            raise ValidationException("an encrypted data key field is over 65535 bytes")


def check_utf8_field(value: object, what: str) -> bytes:
    """Return ``value`` as UTF-8 bytes; raise ValidationException unless it is a non-empty
    string of at most 65535 UTF-8 bytes (a uint16-length field)."""
    if not isinstance(value, str):
        raise ValidationException(f"the {what} must be a string")
    try:
        data = value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationException(f"the {what} is not valid UTF-8") from None
    if not data or len(data) > _UINT16:
        raise ValidationException(f"the {what} must be 1 to 65535 UTF-8 bytes")
    return data


@runtime_checkable
class Keyring(Protocol):
    """Wraps a data key for one wrapping key, and unwraps the EDKs made for it."""

    def wrap(
        self, data_key: bytes | bytearray, encryption_context: Mapping[str, str]
    ) -> EncryptedDataKey:
        """Return an EDK that :meth:`unwrap` (or the matching KMS key) turns back into
        ``data_key``. The context is the full message context, bound where the format binds
        it (the raw AES keyring uses it as AAD; KMS keyrings pass it to KMS)."""
        ...

    def unwrap(self, edk: EncryptedDataKey, encryption_context: Mapping[str, str]) -> bytearray:
        """Return the plaintext data key, or raise KeyringMismatch when ``edk`` is not for
        this keyring. Any other exception means "mine, but it does not open"."""
        ...
