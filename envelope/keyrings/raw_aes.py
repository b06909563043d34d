"""The raw AES keyring: a local 128/192/256-bit AES-GCM wrapping key, in the ESDK layout.

docs/format.md#raw-aes-keyring. EDK provider id = key namespace; provider info = key name ‖
uint32 tag length in bits (128) ‖ uint32 IV length (12) ‖ IV; ciphertext = AES-GCM(wrapping
key, IV, data key, AAD = serialized encryption context) ‖ tag. The wrapping key is used
directly, with no derivation, exactly as the AWS Encryption SDK's raw AES keyring does.
"""

from __future__ import annotations

import secrets
import struct
from collections.abc import Callable, Mapping
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kmskit.envelope.keyrings.base import EncryptedDataKey, check_utf8_field
from kmskit.offline.encryption_context import serialize_encryption_context
from kmskit.offline.errors import InvalidCiphertextException, KeyringMismatch, ValidationException

__all__ = ["RawAesKeyring", "check_namespace", "raw_aes_key_name"]

_TAG_BITS: Final = 128
_IV_LENGTH: Final = 12
_TAG_LENGTH: Final = _TAG_BITS // 8
_KEY_LENGTHS: Final = (16, 24, 32)
# The ESDK reserves the "aws-kms" provider id for its KMS keyrings.
_RESERVED_NAMESPACE: Final = "aws-kms"


def check_namespace(namespace: str) -> bytes:
    """Validate a raw keyring namespace (the EDK provider id) and return it as UTF-8."""
    data = check_utf8_field(namespace, "key namespace")
    if namespace.startswith(_RESERVED_NAMESPACE):
        raise ValidationException(f"key namespace {namespace!r} is reserved for AWS KMS keyrings")
    return data


def raw_aes_key_name(provider_info: bytes) -> bytes | None:
    """The key name when ``provider_info`` has the raw AES layout (name ‖ 128 ‖ 12 ‖ IV),
    else None. For describing EDKs (``inspect``); unwrap checks the exact name itself."""
    tail = 8 + _IV_LENGTH
    if len(provider_info) <= tail:
        return None
    if provider_info[-tail:-_IV_LENGTH] != struct.pack(">II", _TAG_BITS, _IV_LENGTH):
        return None
    return provider_info[:-tail]


class RawAesKeyring:
    """Wrap data keys under a local AES key, interoperable with the ESDK raw AES keyring
    and ``RawMasterKey`` with ``AES_*_GCM_IV12_TAG16_NO_PADDING``."""

    def __init__(
        self,
        namespace: str,
        name: str,
        wrapping_key: bytes | bytearray,
        *,
        rng: Callable[[int], bytes] = secrets.token_bytes,
    ) -> None:
        """Raises :class:`ValidationException` for a key that is not 16, 24 or 32 bytes,
        or a namespace or name that is empty, too long or reserved."""
        check_namespace(namespace)
        self.namespace = namespace
        self.name = name
        self._name_bytes = check_utf8_field(name, "key name")
        if not isinstance(wrapping_key, bytes | bytearray):
            raise TypeError("wrapping_key must be bytes")
        if len(wrapping_key) not in _KEY_LENGTHS:
            raise ValidationException("a raw AES wrapping key must be 16, 24 or 32 bytes")
        self._aead = AESGCM(bytes(wrapping_key))
        self._rng = rng
        self._info_prefix = self._name_bytes + struct.pack(">II", _TAG_BITS, _IV_LENGTH)

    def __repr__(self) -> str:
        return f"RawAesKeyring(namespace={self.namespace!r}, name={self.name!r})"

    def wrap(
        self, data_key: bytes | bytearray, encryption_context: Mapping[str, str]
    ) -> EncryptedDataKey:
        """Return the EDK for ``data_key``, bound to ``encryption_context``."""
        iv = self._rng(_IV_LENGTH)
        if len(iv) != _IV_LENGTH:
            raise ValidationException("rng returned the wrong number of bytes")
        aad = serialize_encryption_context(encryption_context)
        ciphertext = self._aead.encrypt(iv, bytes(data_key), aad)
        return EncryptedDataKey(self.namespace, self._info_prefix + iv, ciphertext)

    def unwrap(self, edk: EncryptedDataKey, encryption_context: Mapping[str, str]) -> bytearray:
        """Return the data key; raise KeyringMismatch for another namespace, name or
        layout, and InvalidCiphertextException when an EDK named for this key does not
        open (wrong key bytes, tampered EDK, or another encryption context)."""
        if edk.provider_id != self.namespace:
            raise KeyringMismatch(f"provider id is not {self.namespace!r}")
        info = edk.provider_info
        if len(info) != len(self._info_prefix) + _IV_LENGTH or not info.startswith(
            self._info_prefix
        ):
            raise KeyringMismatch(f"not wrapped by raw AES key {self.name!r}")
        if len(edk.ciphertext) < _TAG_LENGTH:
            raise InvalidCiphertextException("the raw AES encrypted data key is truncated")
        aad = serialize_encryption_context(encryption_context)
        try:
            return bytearray(self._aead.decrypt(info[-_IV_LENGTH:], edk.ciphertext, aad))
        except InvalidTag:
            raise InvalidCiphertextException(
                f"the data key wrapped for raw AES key {self.namespace}/{self.name} does not"
                " decrypt: wrong wrapping key, tampered message or another encryption context"
            ) from None
