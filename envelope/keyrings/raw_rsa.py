"""The RSA recipient keyring: the ESDK raw RSA keyring, with any of its five paddings.

docs/format.md#rsa-recipient-keyring. EDK provider id = key namespace, provider info = key
name (UTF-8), ciphertext = RSA encryption of the data key, byte-compatible with the ESDK raw
RSA keyring (``framework/raw-rsa-keyring.md``) and ``RawMasterKey`` with
``WrappingAlgorithm.RSA_OAEP_SHA{1,256,384,512}_MGF1`` or ``RSA_PKCS1``:

* ``RSAES_OAEP_SHA_1`` … ``RSAES_OAEP_SHA_512``: RSAES-OAEP (RFC 8017 §7.1) with MGF1 on the
  same hash and an empty label. SHA-1 and SHA-256 are also what KMS Decrypt unwraps with an
  RSA key of usage ENCRYPT_DECRYPT; SHA-384 and SHA-512 only a local private key opens.
* ``RSAES_PKCS1_V1_5``: RSAES-PKCS1-v1_5 (RFC 8017 §7.2), which is open to padding-oracle
  attacks (Bleichenbacher). It decrypts, so that old ESDK messages open; wrapping with it
  needs ``allow_legacy_padding=True``.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from kmskit.envelope.keyrings._recipient import RecipientKeyring
from kmskit.envelope.keyrings.base import EncryptedDataKey
from kmskit.offline.errors import (
    InvalidCiphertextException,
    InvalidKeyUsageException,
    KeyringMismatch,
    ValidationException,
)
from kmskit.offline.keys import PrivateKey, PublicKey
from kmskit.offline.specs import EncryptionAlgorithm, KeySpec, KeyUsage

__all__ = ["RsaKeyring", "RsaPadding", "parse_rsa_padding", "rsa_padding"]


class RsaPadding(StrEnum):
    """The raw RSA keyring paddings, spelled as KMS spells its encryption algorithms."""

    RSAES_OAEP_SHA_1 = "RSAES_OAEP_SHA_1"
    RSAES_OAEP_SHA_256 = "RSAES_OAEP_SHA_256"
    RSAES_OAEP_SHA_384 = "RSAES_OAEP_SHA_384"
    RSAES_OAEP_SHA_512 = "RSAES_OAEP_SHA_512"
    RSAES_PKCS1_V1_5 = "RSAES_PKCS1_V1_5"


_OAEP_HASHES: Final[dict[RsaPadding, type[hashes.HashAlgorithm]]] = {
    RsaPadding.RSAES_OAEP_SHA_1: hashes.SHA1,
    RsaPadding.RSAES_OAEP_SHA_256: hashes.SHA256,
    RsaPadding.RSAES_OAEP_SHA_384: hashes.SHA384,
    RsaPadding.RSAES_OAEP_SHA_512: hashes.SHA512,
}
# The paddings KMS Decrypt also unwraps (its RSA encryption algorithms).
_KMS_ALGORITHMS: Final[dict[RsaPadding, EncryptionAlgorithm]] = {
    RsaPadding.RSAES_OAEP_SHA_1: EncryptionAlgorithm.RSAES_OAEP_SHA_1,
    RsaPadding.RSAES_OAEP_SHA_256: EncryptionAlgorithm.RSAES_OAEP_SHA_256,
}


def parse_rsa_padding(name: RsaPadding | EncryptionAlgorithm | str) -> RsaPadding:
    """Return the padding for a name; ValidationException for anything else."""
    try:
        return RsaPadding(str(name).strip().upper())
    except ValueError:
        choices = ", ".join(p.value for p in RsaPadding)
        raise ValidationException(f"RSA keyring algorithm must be one of: {choices}") from None


def rsa_padding(name: RsaPadding) -> padding.AsymmetricPadding:
    """The ``cryptography`` padding object of ``name``."""
    hash_type = _OAEP_HASHES.get(name)
    if hash_type is None:
        return padding.PKCS1v15()
    return padding.OAEP(mgf=padding.MGF1(hash_type()), algorithm=hash_type(), label=None)


class RsaKeyring(RecipientKeyring):
    """Wrap data keys to an RSA public key in any format ``load_public_key`` takes.

    ``private_key`` (any format ``load_private_key`` takes) enables unwrap. ``algorithm`` is
    one of :class:`RsaPadding` (default ``RSAES_OAEP_SHA_256``); ``RSAES_PKCS1_V1_5`` wraps
    only with ``allow_legacy_padding``. A key whose known usage is not ENCRYPT_DECRYPT, or a
    KMS key (JSON) with a padding KMS cannot unwrap, is refused unless ``force``. Raises
    :class:`InvalidKeyUsageException` or :class:`ValidationException`.
    """

    _kind = "RSA"
    _specs = (KeySpec.RSA_2048, KeySpec.RSA_3072, KeySpec.RSA_4096)

    def __init__(
        self,
        namespace: str,
        name: str,
        *,
        public_key: PublicKey | bytes | None = None,
        private_key: PrivateKey | bytes | None = None,
        algorithm: RsaPadding | EncryptionAlgorithm | str = RsaPadding.RSAES_OAEP_SHA_256,
        force: bool = False,
        allow_legacy_padding: bool = False,
    ) -> None:
        self.padding = parse_rsa_padding(algorithm)
        self._allow_legacy = allow_legacy_padding
        super().__init__(
            namespace,
            name,
            public_key=public_key,
            private_key=private_key,
            # The base class checks KMS algorithms; the ESDK-only paddings are checked in
            # _check_key below.
            algorithm=_KMS_ALGORITHMS.get(self.padding, EncryptionAlgorithm.RSAES_OAEP_SHA_256),
            force=force,
        )

    def _check_key(self, public: PublicKey) -> None:
        super()._check_key(public)
        if self._force or self.padding in _KMS_ALGORITHMS:
            return
        if public.usage is KeyUsage.ENCRYPT_DECRYPT or public.key_id is not None:
            raise InvalidKeyUsageException(
                f"{self.padding} is not an encryption algorithm of this KMS key (KMS unwraps"
                " RSAES_OAEP_SHA_1 and RSAES_OAEP_SHA_256 only); refused (force overrides)"
            )

    def __repr__(self) -> str:
        return (
            f"RsaKeyring(namespace={self.namespace!r}, name={self.name!r},"
            f" algorithm={self.padding.value})"
        )

    def wrap(
        self, data_key: bytes | bytearray, encryption_context: Mapping[str, str]
    ) -> EncryptedDataKey:
        """Encrypt ``data_key`` to the public key (the context is not bound, as in the ESDK
        raw RSA keyring; the header tag binds it)."""
        if self.padding is RsaPadding.RSAES_PKCS1_V1_5 and not self._allow_legacy:
            raise ValidationException(
                "RSAES_PKCS1_V1_5 is decrypt-only: it is open to padding-oracle attacks; wrap"
                " with RSAES_OAEP_SHA_256 (or allow legacy padding explicitly)"
            )
        key = self._public.key
        if not isinstance(key, rsa.RSAPublicKey):  # pragma: no cover - _specs guarantees it
            raise InvalidKeyUsageException("the RSA keyring needs an RSA key")
        try:
            ciphertext = key.encrypt(bytes(data_key), rsa_padding(self.padding))
        except ValueError:
            raise ValidationException(
                f"the data key is too long for {self.padding} with a {key.key_size}-bit key"
            ) from None
        return EncryptedDataKey(self.namespace, self._name_bytes, ciphertext)

    def unwrap(self, edk: EncryptedDataKey, encryption_context: Mapping[str, str]) -> bytearray:
        """Decrypt an EDK made for this namespace and name. Raises KeyringMismatch for other
        EDKs or when the keyring has no private key; InvalidCiphertextException when the
        EDK does not decrypt."""
        if edk.provider_id != self.namespace or edk.provider_info != self._name_bytes:
            raise KeyringMismatch(f"not for RSA key {self.namespace}/{self.name}")
        if self._private is None:
            raise KeyringMismatch(f"RSA key {self.namespace}/{self.name} has no private key here")
        key = self._private.key
        if not isinstance(key, rsa.RSAPrivateKey):  # pragma: no cover
            raise InvalidKeyUsageException("the RSA keyring needs an RSA key")
        try:
            return bytearray(key.decrypt(edk.ciphertext, rsa_padding(self.padding)))
        except ValueError:
            raise InvalidCiphertextException(
                f"the data key wrapped for RSA key {self.namespace}/{self.name} does not"
                f" decrypt with {self.padding}: another key or padding, or a tampered message"
            ) from None
