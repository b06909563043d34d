"""The AWS KMS RSA keyring: data keys wrapped offline to the public key of a KMS RSA key.

docs/format.md#aws-kms-rsa-keyring, after the Material Providers Library's AWS KMS RSA
keyring (``framework/aws-kms/aws-kms-rsa-keyring.md``). EDK provider id = ``aws-kms-rsa``;
provider info = the KMS key ARN (UTF-8); ciphertext = RSAES-OAEP (SHA-1 or SHA-256, MGF1 on
the same hash) of SHA-384(serialized encryption context) ‖ data key. Anyone holding the
public key (AWS ``get-public-key`` JSON) wraps; KMS Decrypt with the key and the algorithm
opens the EDK, and the digest binds the message's full context to it.

Unwrapping needs the private half, wherever it lives: a local private key, the local
keystore (``Keystore.decrypt`` with the RSA algorithm), or AWS KMS (boto3 ``Decrypt`` with
``EncryptionAlgorithm``). The keyring takes that as a callable, so one class covers the three.

As the specification requires, the keyring refuses signed suites on both sides: their
public signing key adds nothing when the wrapping key is public.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from typing import TYPE_CHECKING, Final

from cryptography.hazmat.primitives.asymmetric import rsa

from kmskit.envelope.keyrings.base import EncryptedDataKey
from kmskit.envelope.keyrings.raw_rsa import RsaPadding, rsa_padding
from kmskit.envelope.suites import PUBLIC_KEY_CONTEXT_KEY
from kmskit.offline.encryption_context import serialize_encryption_context
from kmskit.offline.errors import (
    InvalidCiphertextException,
    InvalidKeyUsageException,
    KeyringMismatch,
    UnsupportedMessageError,
    ValidationException,
)
from kmskit.offline.keys import PrivateKey, PublicKey, load_private_key, load_public_key
from kmskit.offline.specs import KeySpec, KeyUsage

if TYPE_CHECKING:
    from kmskit.keystore import Keystore

__all__ = ["AWS_KMS_RSA_PROVIDER_ID", "KMS_RSA_ALGORITHMS", "AwsKmsRsaKeyring", "RsaDecrypt"]

AWS_KMS_RSA_PROVIDER_ID: Final = "aws-kms-rsa"
# The keyring's "AWS KMS Encryption Algorithm": KMS's RSA encryption algorithms.
KMS_RSA_ALGORITHMS: Final = (RsaPadding.RSAES_OAEP_SHA_256, RsaPadding.RSAES_OAEP_SHA_1)
_DIGEST_LENGTH: Final = 48  # SHA-384
_KEY_ARN = re.compile(r"^arn:[a-z0-9-]+:kms:[a-z0-9-]+:\d+:key/[A-Za-z0-9-]+$")
_RSA_SPECS: Final = (KeySpec.RSA_2048, KeySpec.RSA_3072, KeySpec.RSA_4096)

# (EDK ciphertext, KMS algorithm name) -> the RSA plaintext; raises InvalidCiphertextException
# (or the KMS/keystore error) when it does not decrypt.
RsaDecrypt = Callable[[bytes, str], bytes | bytearray]


def context_digest(encryption_context: Mapping[str, str]) -> bytes:
    """SHA-384 of the ESDK serialization of the context (the spec's "Encryption Context
    Digest"; sorted by key, empty context = empty input)."""
    return hashlib.sha384(serialize_encryption_context(encryption_context)).digest()


def _refuse_signed(encryption_context: Mapping[str, str]) -> None:
    # Signed suites are the only ones whose context carries the verification key.
    if PUBLIC_KEY_CONTEXT_KEY in encryption_context:
        raise UnsupportedMessageError(
            "the AWS KMS RSA keyring refuses signed algorithm suites (its wrapping key is"
            " public, so a signature adds nothing); use an unsigned suite"
        )


def _algorithm(name: RsaPadding | str) -> RsaPadding:
    try:
        padding = RsaPadding(str(name).strip().upper())
    except ValueError:
        padding = None
    if padding not in KMS_RSA_ALGORITHMS:
        choices = ", ".join(a.value for a in KMS_RSA_ALGORITHMS)
        raise ValidationException(f"the aws-kms-rsa keyring algorithm must be one of: {choices}")
    assert padding is not None
    return padding


class AwsKmsRsaKeyring:
    """Wrap data keys to a KMS RSA key's public key; unwrap through whatever holds its
    private half (``decrypt``). Use the ``with_*`` constructors for the usual cases.

    ``algorithms`` are the KMS algorithms unwrap tries, in order (the EDK does not record
    which one wrapped it); wrap uses the first. The default tries RSAES_OAEP_SHA_256, then
    RSAES_OAEP_SHA_1.
    """

    def __init__(
        self,
        key_arn: str,
        *,
        public_key: PublicKey | bytes | None = None,
        algorithms: Sequence[RsaPadding | str] = KMS_RSA_ALGORITHMS,
        decrypt: RsaDecrypt | None = None,
        force: bool = False,
    ) -> None:
        """Raises ValidationException for a key id that is not a key ARN or an unknown
        algorithm; InvalidKeyUsageException for a public key that is not an RSA key of
        usage ENCRYPT_DECRYPT (unless ``force``)."""
        if not isinstance(key_arn, str) or not _KEY_ARN.match(key_arn):
            raise ValidationException(
                f"the aws-kms-rsa keyring needs a KMS key ARN (arn:…:kms:…:key/…), not {key_arn!r}"
            )
        self.key_arn = key_arn
        self._info = key_arn.encode("utf-8")
        self.algorithms = tuple(_algorithm(a) for a in algorithms) or KMS_RSA_ALGORITHMS
        self._decrypt = decrypt
        public = load_public_key(public_key) if isinstance(public_key, bytes) else public_key
        if public is not None:
            _check_public(public, self.algorithms[0], force)
        self._public = public

    # -- constructors --------------------------------------------------------------------

    @classmethod
    def from_public_key(
        cls,
        public_key: PublicKey | bytes,
        *,
        key_arn: str | None = None,
        algorithm: RsaPadding | str = RsaPadding.RSAES_OAEP_SHA_256,
        force: bool = False,
    ) -> AwsKmsRsaKeyring:
        """Wrap only: the key from AWS ``get-public-key`` JSON names its ARN itself."""
        public = load_public_key(public_key) if isinstance(public_key, bytes) else public_key
        arn = key_arn or public.key_id
        if arn is None:
            raise ValidationException(
                "the public key does not name its KMS key ARN (give the key ARN, or use KMS"
                " get-public-key JSON)"
            )
        return cls(arn, public_key=public, algorithms=(algorithm,), force=force)

    @classmethod
    def with_private_key(
        cls,
        key_arn: str,
        private_key: PrivateKey | bytes,
        *,
        algorithms: Sequence[RsaPadding | str] = KMS_RSA_ALGORITHMS,
    ) -> AwsKmsRsaKeyring:
        """Wrap and unwrap with a local copy of the key pair."""
        private = load_private_key(private_key) if isinstance(private_key, bytes) else private_key
        key = private.key
        if not isinstance(key, rsa.RSAPrivateKey):
            raise InvalidKeyUsageException("the aws-kms-rsa keyring needs an RSA private key")

        def decrypt(ciphertext: bytes, algorithm: str) -> bytes:
            try:
                return key.decrypt(ciphertext, rsa_padding(RsaPadding(algorithm)))
            except ValueError:
                raise InvalidCiphertextException(
                    f"the aws-kms-rsa EDK does not decrypt with {algorithm}"
                ) from None

        return cls(
            key_arn, public_key=private.public_key(), algorithms=algorithms, decrypt=decrypt
        )

    @classmethod
    def with_keystore(
        cls,
        keystore: Keystore,
        key_id: str,
        *,
        algorithms: Sequence[RsaPadding | str] = KMS_RSA_ALGORITHMS,
        principal: str | None = None,
    ) -> AwsKmsRsaKeyring:
        """Wrap to, and unwrap through, an RSA ENCRYPT_DECRYPT key of the local keystore
        (its GetPublicKey and Decrypt, so key states, the audit log and authorization apply:
        every call is checked as ``principal``, else the keystore's current caller, as
        :class:`KeystoreKeyring` does). Raises AccessDeniedException when the principal may
        not GetPublicKey."""

        def authorized(operation: str, request: dict[str, str]) -> ExitStack:
            stack = ExitStack()
            if principal is not None:
                stack.enter_context(keystore.as_caller(principal=principal))
            stack.enter_context(keystore.authorizing(operation, request))
            return stack

        with authorized("GetPublicKey", {"KeyId": key_id}):
            result = keystore.get_public_key(key_id)
        arn = str(result.key_id)
        public = PublicKey.from_key(
            load_public_key(result.public_key).key, usage=KeyUsage(result.key_usage), key_id=arn
        )

        def decrypt(ciphertext: bytes, algorithm: str) -> bytearray:
            request = {"KeyId": arn, "EncryptionAlgorithm": algorithm}
            with authorized("Decrypt", request):
                answer = keystore.decrypt(ciphertext, key_id=arn, encryption_algorithm=algorithm)
            try:
                return bytearray(answer.plaintext)
            finally:
                answer.wipe()

        return cls(arn, public_key=public, algorithms=algorithms, decrypt=decrypt)

    def __repr__(self) -> str:
        return f"AwsKmsRsaKeyring({self.key_arn!r})"

    # -- the keyring ---------------------------------------------------------------------

    def wrap(
        self, data_key: bytes | bytearray, encryption_context: Mapping[str, str]
    ) -> EncryptedDataKey:
        """RSAES-OAEP of SHA-384(context) ‖ data key. Raises UnsupportedMessageError for a
        signed suite and ValidationException when there is no public key."""
        _refuse_signed(encryption_context)
        if self._public is None:
            raise ValidationException(
                f"the aws-kms-rsa keyring for {self.key_arn} has no public key"
            )
        key = self._public.key
        assert isinstance(key, rsa.RSAPublicKey)  # _check_public
        plaintext = bytearray(context_digest(encryption_context) + bytes(data_key))
        try:
            ciphertext = key.encrypt(bytes(plaintext), rsa_padding(self.algorithms[0]))
        finally:
            plaintext[:] = bytes(len(plaintext))
        return EncryptedDataKey(AWS_KMS_RSA_PROVIDER_ID, self._info, ciphertext)

    def unwrap(self, edk: EncryptedDataKey, encryption_context: Mapping[str, str]) -> bytearray:
        """Return the data key. KeyringMismatch for another provider id or key ARN, or when
        nothing here holds the private key; UnsupportedMessageError for a signed suite;
        InvalidCiphertextException when the EDK does not decrypt or its context digest
        differs (another context); the keystore's or KMS's own error otherwise."""
        if edk.provider_id != AWS_KMS_RSA_PROVIDER_ID:
            raise KeyringMismatch(f"provider id is not {AWS_KMS_RSA_PROVIDER_ID!r}")
        if edk.provider_info != self._info:
            raise KeyringMismatch(f"not wrapped for KMS RSA key {self.key_arn}")
        if self._decrypt is None:
            raise KeyringMismatch(f"KMS RSA key {self.key_arn}: no private key or KMS here")
        _refuse_signed(encryption_context)
        plaintext: bytearray | None = None
        failure: InvalidCiphertextException | None = None
        for algorithm in self.algorithms:
            try:
                plaintext = bytearray(self._decrypt(edk.ciphertext, algorithm.value))
                break
            except InvalidCiphertextException as exc:
                failure = exc
        if plaintext is None:
            assert failure is not None
            raise failure
        try:
            if len(plaintext) <= _DIGEST_LENGTH or not hmac.compare_digest(
                bytes(plaintext[:_DIGEST_LENGTH]), context_digest(encryption_context)
            ):
                raise InvalidCiphertextException(
                    f"the aws-kms-rsa EDK for {self.key_arn} was made for another encryption"
                    " context (its SHA-384 digest differs)"
                )
            return bytearray(plaintext[_DIGEST_LENGTH:])
        finally:
            plaintext[:] = bytes(len(plaintext))


def _check_public(public: PublicKey, algorithm: RsaPadding, force: bool) -> None:
    if public.spec not in _RSA_SPECS:
        raise InvalidKeyUsageException(
            f"a {public.spec} key cannot be used by the aws-kms-rsa keyring"
        )
    if force:
        return
    if public.usage is not None and public.usage is not KeyUsage.ENCRYPT_DECRYPT:
        raise InvalidKeyUsageException(
            f"key usage is {public.usage}, not ENCRYPT_DECRYPT: KMS could never unwrap the data"
            " key; refused (force overrides)"
        )
    allowed = {str(a) for a in public.encryption_algorithms}
    if allowed and algorithm.value not in allowed:
        raise InvalidKeyUsageException(
            f"{algorithm} is not an encryption algorithm of this key; refused (force overrides)"
        )
