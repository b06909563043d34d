"""Shared code of the public-key recipient keyrings (RSA and SM2).

EDK provider id = key namespace, provider info = key name (UTF-8), ciphertext = exactly what
:func:`offline.encryption.encrypt` makes for the KMS algorithm, which is what KMS Decrypt
unwraps with the key's private half (docs/format.md#recipient-keyrings).
"""

from __future__ import annotations

from collections.abc import Mapping

from kmskit.envelope.keyrings.base import EncryptedDataKey, check_utf8_field
from kmskit.envelope.keyrings.raw_aes import check_namespace
from kmskit.offline import encryption
from kmskit.offline.errors import InvalidKeyUsageException, KeyringMismatch
from kmskit.offline.keys import PrivateKey, PublicKey, load_private_key, load_public_key
from kmskit.offline.specs import EncryptionAlgorithm, KeySpec, KeyUsage

__all__ = ["RecipientKeyring"]


class RecipientKeyring:
    """Encrypt data keys to a public key; decrypt them with the private key, if given."""

    _kind = "recipient"
    _specs: tuple[KeySpec, ...] = ()

    def __init__(
        self,
        namespace: str,
        name: str,
        *,
        public_key: PublicKey | bytes | None,
        private_key: PrivateKey | bytes | None,
        algorithm: EncryptionAlgorithm,
        force: bool,
    ) -> None:
        check_namespace(namespace)
        self.namespace = namespace
        self.name = name
        self._name_bytes = check_utf8_field(name, "key name")
        self.algorithm = algorithm
        self._force = force
        self._private = (
            load_private_key(private_key) if isinstance(private_key, bytes) else private_key
        )
        public = load_public_key(public_key) if isinstance(public_key, bytes) else public_key
        if public is None and self._private is not None:
            public = self._private.public_key()
        if public is None:
            raise ValueError(f"a {self._kind} keyring needs a public key or a private key")
        self._public = public
        self._check_key(public)

    def _check_key(self, public: PublicKey) -> None:
        if public.spec not in self._specs:
            raise InvalidKeyUsageException(
                f"a {public.spec} key cannot be used by the {self._kind} keyring"
            )
        if self._force:
            return
        if public.usage is not None and public.usage is not KeyUsage.ENCRYPT_DECRYPT:
            raise InvalidKeyUsageException(
                f"key usage is {public.usage}, not ENCRYPT_DECRYPT: KMS could never unwrap the"
                " data key; refused (force overrides)"
            )
        if self.algorithm not in public.encryption_algorithms:
            allowed = ", ".join(str(a) for a in public.encryption_algorithms) or "none"
            raise InvalidKeyUsageException(
                f"{self.algorithm} is not an encryption algorithm of this key"
                f" (it allows: {allowed}); refused (force overrides)"
            )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(namespace={self.namespace!r}, name={self.name!r},"
            f" algorithm={self.algorithm.value})"
        )

    def wrap(
        self, data_key: bytes | bytearray, encryption_context: Mapping[str, str]
    ) -> EncryptedDataKey:
        """Encrypt ``data_key`` to the public key (the context is not bound, as in the ESDK
        raw RSA keyring; the header tag binds it)."""
        ciphertext = encryption.encrypt(
            self._public, bytes(data_key), self.algorithm, force=self._force
        )
        return EncryptedDataKey(self.namespace, self._name_bytes, ciphertext)

    def unwrap(self, edk: EncryptedDataKey, encryption_context: Mapping[str, str]) -> bytearray:
        """Decrypt an EDK made for this namespace and name. Raises KeyringMismatch for other
        EDKs or when the keyring has no private key; InvalidCiphertextException when the
        EDK does not decrypt."""
        if edk.provider_id != self.namespace or edk.provider_info != self._name_bytes:
            raise KeyringMismatch(f"not for {self._kind} key {self.namespace}/{self.name}")
        if self._private is None:
            raise KeyringMismatch(
                f"{self._kind} key {self.namespace}/{self.name} has no private key here"
            )
        return bytearray(encryption.decrypt(self._private, edk.ciphertext, self.algorithm))
