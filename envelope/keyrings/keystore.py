"""The local-keystore keyring: data keys wrapped by a symmetric key of kmskit's keystore.

docs/format.md#local-keystore-keyring. EDK provider id = ``kmskit-keystore``; provider info
= the key ARN (UTF-8); ciphertext = the keystore's local ciphertext blob of the data key
(``Keystore.encrypt`` with the message's encryption context). The key material never leaves
the keystore: every wrap and unwrap is a keystore Encrypt or Decrypt, so key states
(Disabled, PendingDeletion), rotation (the blob names its material) and the audit log apply
to every message.

Every keystore call is authorized as the keyring's principal, as ``kmskit kms`` and
``kmskit serve`` authorize theirs (docs/authorization.md): DescribeKey when the keyring is
made, Encrypt to wrap, Decrypt to unwrap, each refused with AccessDeniedException and
audited with the decision.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any, Final

from kmskit.envelope.keyrings.base import EncryptedDataKey
from kmskit.offline.errors import InvalidKeyUsageException, KeyringMismatch

if TYPE_CHECKING:
    from kmskit.keystore import Keystore

__all__ = ["KEYSTORE_PROVIDER_ID", "KeystoreKeyring"]

KEYSTORE_PROVIDER_ID: Final = "kmskit-keystore"
# What a symmetric encryption key of the keystore lists as its encryption algorithms.
_SYMMETRIC: Final = "SYMMETRIC_DEFAULT"


class KeystoreKeyring:
    """Wrap data keys with one symmetric encryption key of an open :class:`Keystore`.

    ``key_id`` is any identifier the keystore resolves (key id, key ARN, alias name, alias
    ARN); it is resolved once, here, and EDKs name the key ARN. The keystore must stay open
    while the keyring is used. ``principal`` (an IAM ARN) is who the keyring calls the
    keystore as; None: the keystore's current caller (:meth:`Keystore.as_caller`), else the
    home account's root.
    """

    def __init__(self, keystore: Keystore, key_id: str, *, principal: str | None = None) -> None:
        """Raises NotFoundException for an unknown key, InvalidKeyUsageException for a
        key that is not a symmetric encryption key (an asymmetric key's public half wraps
        data keys with the RSA or SM2 recipient keyring instead), AccessDeniedException
        when the principal may not DescribeKey it."""
        self._keystore = keystore
        self._principal = principal
        with self._authorized("DescribeKey", {"KeyId": key_id}):
            meta = keystore.describe_key(key_id)
        if meta.key_usage != "ENCRYPT_DECRYPT" or _SYMMETRIC not in meta.encryption_algorithms:
            raise InvalidKeyUsageException(
                f"keystore key {meta.arn} ({meta.key_spec}, {meta.key_usage}) is not a symmetric"
                " encryption key; wrap to an asymmetric key's public key with the RSA or SM2"
                " recipient keyring"
            )
        self.key_arn: str = meta.arn
        self._info = meta.arn.encode("utf-8")

    def __repr__(self) -> str:
        return f"KeystoreKeyring({self.key_arn!r})"

    @contextmanager
    def _authorized(self, operation: str, request: Mapping[str, Any]) -> Iterator[None]:
        """The keystore call in the block, authorized as the keyring's principal."""
        caller = (
            nullcontext()
            if self._principal is None
            else self._keystore.as_caller(principal=self._principal)
        )
        with caller, self._keystore.authorizing(operation, request):
            yield

    def wrap(
        self, data_key: bytes | bytearray, encryption_context: Mapping[str, str]
    ) -> EncryptedDataKey:
        """Encrypt ``data_key`` with the keystore key, bound to the full message context.

        Raises what ``Keystore.encrypt`` raises (DisabledException,
        KMSInvalidStateException, NotFoundException …)."""
        context = dict(encryption_context)
        with self._authorized("Encrypt", {"KeyId": self.key_arn, "EncryptionContext": context}):
            result = self._keystore.encrypt(
                self.key_arn, bytes(data_key), encryption_context=context
            )
        return EncryptedDataKey(KEYSTORE_PROVIDER_ID, self._info, result.ciphertext_blob)

    def unwrap(self, edk: EncryptedDataKey, encryption_context: Mapping[str, str]) -> bytearray:
        """Return the data key. Raises KeyringMismatch for another provider id or key ARN;
        otherwise what ``Keystore.decrypt`` raises (InvalidCiphertextException for a
        tampered blob or another context, DisabledException, KMSInvalidStateException,
        IncorrectKeyException when the blob names another key than the EDK does)."""
        if edk.provider_id != KEYSTORE_PROVIDER_ID:
            raise KeyringMismatch(f"provider id is not {KEYSTORE_PROVIDER_ID!r}")
        if edk.provider_info != self._info:
            raise KeyringMismatch(f"not wrapped by keystore key {self.key_arn}")
        context = dict(encryption_context)
        request = {"KeyId": self.key_arn, "EncryptionContext": context}
        with self._authorized("Decrypt", request):
            result = self._keystore.decrypt(
                edk.ciphertext, encryption_context=context, key_id=self.key_arn
            )
        try:
            return bytearray(result.plaintext)
        finally:
            result.wipe()
