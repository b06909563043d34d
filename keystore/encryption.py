"""Encrypt, Decrypt and ReEncrypt (local blobs under symmetric keys; RSAES_OAEP_* and SM2PKE
under asymmetric ENCRYPT_DECRYPT keys), GenerateDataKey(WithoutPlaintext), GenerateRandom.

spec: docs/keystore.md#symmetric-operations, docs/keystore.md#asymmetric-operations
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import TYPE_CHECKING

from kmskit.keystore import _params
from kmskit.keystore._base import KeystoreBase
from kmskit.keystore._keys import KeyRow, is_symmetric_encryption, key_material_id
from kmskit.keystore._operation import Operation
from kmskit.keystore._wipe import wipe
from kmskit.offline.errors import PlaintextNotTextException, ValidationException
from kmskit.offline.specs import (
    ALIBABA_SM2PKE_MAX_CIPHERTEXT,
    ALIBABA_SM2PKE_MAX_PLAINTEXT,
    MAX_CIPHERTEXT_BLOB,
    MAX_RAW_MESSAGE,
    EncryptionAlgorithm,
    KeySpec,
    KeyUsage,
    KmsApi,
    max_plaintext,
    profile,
)

# The results and the asymmetric cryptography load when an operation of this family runs:
# every Keystore carries this mixin, and most commands (DescribeKey …) never encrypt.
if TYPE_CHECKING:
    from kmskit.keystore.results_encryption import (
        DataKeyResult,
        DecryptResult,
        EncryptResult,
        RandomResult,
        ReEncryptResult,
    )

__all__ = ["EncryptionOperations"]

_NO_CONTEXT = "an encryption context is supported only with symmetric encryption keys"


def _api_param(api: KmsApi) -> dict[str, str]:
    """The audit record's ``Api`` parameter: present for calls under Alibaba's rules only."""
    return {} if api == "aws" else {"Api": api}


class EncryptionOperations(KeystoreBase):
    """Encrypt, Decrypt, ReEncrypt, GenerateDataKey*, GenerateRandom."""

    def encrypt(
        self,
        key_id: str,
        plaintext: bytes | bytearray,
        *,
        encryption_context: Mapping[str, str] | None = None,
        encryption_algorithm: str = "SYMMETRIC_DEFAULT",
        api: KmsApi = "aws",
    ) -> EncryptResult:
        """Encrypt up to 4096 bytes: a local ciphertext blob under a symmetric key, or
        RSAES_OAEP_* / SM2PKE ciphertext (what KMS returns) under an asymmetric
        ENCRYPT_DECRYPT key, whose limits are smaller (``offline.specs.max_plaintext``).
        ``api="alibaba"`` applies Alibaba KMS's limits (AsymmetricEncrypt: SM2PKE up to 6047
        bytes).

        Raises :class:`ValidationException` (empty or too long plaintext, bad context or
        algorithm name, a context with an asymmetric key), :class:`NotFoundException`,
        :class:`DisabledException`, :class:`KMSInvalidStateException` and
        :class:`InvalidKeyUsageException` (usage or algorithm does not fit the key).
        """
        with self._operation(
            "Encrypt", KeyId=key_id, EncryptionAlgorithm=encryption_algorithm, **_api_param(api)
        ) as op:
            op.context = _params.encryption_context(encryption_context)
            algorithm = _params.encryption_algorithm(encryption_algorithm)
            _params.plaintext(
                plaintext, ALIBABA_SM2PKE_MAX_PLAINTEXT if api == "alibaba" else MAX_RAW_MESSAGE
            )
            row = self._resolve(op, key_id)
            self._require_encryption_key(row, algorithm)
            if len(plaintext) > max_plaintext(row.key_spec, algorithm, api=api):
                raise ValidationException("the plaintext is too long for this key")
            ciphertext, _ = self._encrypt_with(row, plaintext, op.context, algorithm, api)
            from kmskit.keystore.results_encryption import EncryptResult

            return EncryptResult(ciphertext, self.config.key_arn(row.key_id), algorithm.value)

    def decrypt(
        self,
        ciphertext_blob: bytes,
        *,
        encryption_context: Mapping[str, str] | None = None,
        key_id: str | None = None,
        encryption_algorithm: str = "SYMMETRIC_DEFAULT",
        api: KmsApi = "aws",
    ) -> DecryptResult:
        """Decrypt a local ciphertext blob (which names its key), or, with ``key_id`` and an
        RSAES_OAEP_* / SM2PKE ``encryption_algorithm``, ciphertext made with the public key
        of an asymmetric key (``offline.encrypt``, or KMS's own Encrypt).

        ``api="alibaba"`` is Alibaba KMS's Decrypt and AsymmetricDecrypt: an SM2PKE
        ciphertext may be as long as 6047 bytes of plaintext make it, and a blob's plaintext
        must be UTF-8 text, which Alibaba's Decrypt returns as a JSON string
        (:class:`PlaintextNotTextException` otherwise, audited as the failure it is).

        Raises :class:`InvalidCiphertextException` (malformed, altered or foreign
        ciphertext, wrong or missing context), :class:`IncorrectKeyException` (``key_id``
        names another key than the blob's), :class:`NotFoundException`,
        :class:`DisabledException`, :class:`KMSInvalidStateException`,
        :class:`InvalidKeyUsageException`, :class:`ValidationException` (an asymmetric
        algorithm without ``key_id``).
        """
        with self._operation(
            "Decrypt", KeyId=key_id, EncryptionAlgorithm=encryption_algorithm, **_api_param(api)
        ) as op:
            op.context = _params.encryption_context(encryption_context)
            algorithm = _params.encryption_algorithm(encryption_algorithm)
            row, plaintext, material_id = self._decrypt_any(
                op, ciphertext_blob, op.context, key_id, algorithm, api
            )
            op.secrets.append(plaintext)
            if api == "alibaba" and algorithm is EncryptionAlgorithm.SYMMETRIC_DEFAULT:
                _require_text(plaintext)
            from kmskit.keystore.results_encryption import DecryptResult

            return DecryptResult(
                key_id=self.config.key_arn(row.key_id),
                plaintext=plaintext,
                encryption_algorithm=algorithm.value,
                key_material_id=self._material_id(row, material_id),
            )

    def re_encrypt(
        self,
        ciphertext_blob: bytes,
        destination_key_id: str,
        *,
        source_encryption_context: Mapping[str, str] | None = None,
        destination_encryption_context: Mapping[str, str] | None = None,
        source_key_id: str | None = None,
        source_encryption_algorithm: str = "SYMMETRIC_DEFAULT",
        destination_encryption_algorithm: str = "SYMMETRIC_DEFAULT",
    ) -> ReEncryptResult:
        """Decrypt and encrypt again in one step; the plaintext never leaves the keystore.
        Either side may be symmetric or asymmetric, as in KMS.

        Raises what :meth:`decrypt` raises for the source and what :meth:`encrypt` raises
        for the destination.
        """
        with self._operation(
            "ReEncrypt",
            SourceKeyId=source_key_id,
            DestinationKeyId=destination_key_id,
            SourceEncryptionAlgorithm=source_encryption_algorithm,
            DestinationEncryptionAlgorithm=destination_encryption_algorithm,
        ) as op:
            source_context = _params.encryption_context(source_encryption_context)
            op.params["SourceEncryptionContext"] = source_context
            op.context = _params.encryption_context(destination_encryption_context)
            source_algorithm = _params.encryption_algorithm(source_encryption_algorithm)
            destination_algorithm = _params.encryption_algorithm(destination_encryption_algorithm)
            source, plaintext, source_material = self._decrypt_any(
                op, ciphertext_blob, source_context, source_key_id, source_algorithm
            )
            try:
                op.params["SourceKeyArn"] = self.config.key_arn(source.key_id)
                destination = self._resolve(op, destination_key_id)
                self._require_encryption_key(destination, destination_algorithm)
                if len(plaintext) > max_plaintext(destination.key_spec, destination_algorithm):
                    raise ValidationException("the plaintext is too long for the destination key")
                blob, material_id = self._encrypt_with(
                    destination, plaintext, op.context, destination_algorithm
                )
            finally:
                wipe(plaintext)
            from kmskit.keystore.results_encryption import ReEncryptResult

            return ReEncryptResult(
                ciphertext_blob=blob,
                source_key_id=self.config.key_arn(source.key_id),
                key_id=self.config.key_arn(destination.key_id),
                source_encryption_algorithm=source_algorithm.value,
                destination_encryption_algorithm=destination_algorithm.value,
                source_key_material_id=self._material_id(source, source_material),
                destination_key_material_id=self._material_id(destination, material_id),
            )

    def generate_data_key(
        self,
        key_id: str,
        *,
        key_spec: str | None = None,
        number_of_bytes: int | None = None,
        encryption_context: Mapping[str, str] | None = None,
        api: KmsApi = "aws",
    ) -> DataKeyResult:
        """A fresh data key, in plaintext and encrypted under the KMS key.

        Give ``key_spec`` (AES_256, AES_128) or ``number_of_bytes`` (1–1024), not both; an
        SM4 key with neither gives a 16-byte (SM4) data key. Raises
        :class:`ValidationException`, :class:`NotFoundException`,
        :class:`DisabledException`, :class:`KMSInvalidStateException`,
        :class:`InvalidKeyUsageException` (not a symmetric encryption key).

        ``api="alibaba"`` is Alibaba KMS's GenerateDataKey: the blob encrypts the **base64
        text** of the data key, and ``plaintext`` is that text (ASCII bytes), which is what
        Alibaba returns as ``Plaintext`` and what its Decrypt gives back.
        """
        return self._data_key(
            "GenerateDataKey", key_id, key_spec, number_of_bytes, encryption_context, True, api
        )

    def generate_data_key_without_plaintext(
        self,
        key_id: str,
        *,
        key_spec: str | None = None,
        number_of_bytes: int | None = None,
        encryption_context: Mapping[str, str] | None = None,
        api: KmsApi = "aws",
    ) -> DataKeyResult:
        """As :meth:`generate_data_key`, but ``plaintext`` is None."""
        return self._data_key(
            "GenerateDataKeyWithoutPlaintext",
            key_id,
            key_spec,
            number_of_bytes,
            encryption_context,
            False,
            api,
        )

    def _data_key(
        self,
        name: str,
        key_id: str,
        key_spec: str | None,
        number_of_bytes: int | None,
        encryption_context: Mapping[str, str] | None,
        with_plaintext: bool,
        api: KmsApi,
    ) -> DataKeyResult:
        with self._operation(
            name,
            KeyId=key_id,
            KeySpec=key_spec,
            NumberOfBytes=number_of_bytes,
            **_api_param(api),
        ) as op:
            op.context = _params.encryption_context(encryption_context)
            length = _params.data_key_length(key_spec, number_of_bytes)
            row = self._resolve(op, key_id)
            self._require_encryption_key(row, EncryptionAlgorithm.SYMMETRIC_DEFAULT)
            if length is None:
                if row.key_spec is not KeySpec.SM4:
                    raise ValidationException("specify either KeySpec or NumberOfBytes")
                length = profile(KeySpec.SM4).key_bits // 8
            data_key = bytearray(self._rng(length))
            op.secrets.append(data_key)
            if api == "alibaba":
                raw = data_key
                data_key = base64_text(raw)
                wipe(raw)
                op.secrets.append(data_key)
            blob, material_id = self._seal_blob(row, data_key, op.context)
            if not with_plaintext:
                wipe(data_key)
            from kmskit.keystore.results_encryption import DataKeyResult

            return DataKeyResult(
                ciphertext_blob=blob,
                plaintext=data_key if with_plaintext else None,
                key_id=self.config.key_arn(row.key_id),
                key_material_id=key_material_id(row.key_id, material_id),
            )

    def generate_random(self, number_of_bytes: int | None) -> RandomResult:
        """1–1024 random bytes. Raises :class:`ValidationException` outside that range or
        for None (KMS requires NumberOfBytes in practice, though its model marks it
        optional)."""
        with self._operation("GenerateRandom", NumberOfBytes=number_of_bytes) as op:
            random = bytearray(self._rng(_params.number_of_bytes(number_of_bytes)))
            op.secrets.append(random)
            from kmskit.keystore.results_encryption import RandomResult

            return RandomResult(random)

    # -- both kinds of ciphertext -------------------------------------------------------------

    def _material_id(self, row: KeyRow, material_id: int | None) -> str | None:
        return None if material_id is None else key_material_id(row.key_id, material_id)

    def _encrypt_with(
        self,
        row: KeyRow,
        plaintext: bytes | bytearray,
        context: Mapping[str, str],
        algorithm: EncryptionAlgorithm,
        api: KmsApi = "aws",
    ) -> tuple[bytes, int | None]:
        """Ciphertext under an encryption key already checked for state, usage and
        algorithm: a blob (with its material id) or asymmetric ciphertext (None)."""
        if is_symmetric_encryption(row.key_spec):
            return self._seal_blob(row, plaintext, context)
        if context:
            raise ValidationException(_NO_CONTEXT)
        from kmskit.offline.encryption import encrypt as offline_encrypt
        from kmskit.offline.keys import PublicKey

        public = PublicKey.from_key(
            self._private_key(row).key.public_key(), usage=KeyUsage.ENCRYPT_DECRYPT
        )
        return offline_encrypt(public, bytes(plaintext), algorithm, api=api), None

    def _decrypt_any(
        self,
        op: Operation,
        ciphertext: bytes,
        context: Mapping[str, str],
        key_id: str | None,
        algorithm: EncryptionAlgorithm,
        api: KmsApi = "aws",
    ) -> tuple[KeyRow, bytearray, int | None]:
        """The plaintext (a bytearray to wipe), its key and, for a blob, the material id.

        SYMMETRIC_DEFAULT reads the key from the blob (``key_id`` must match it); the
        asymmetric algorithms need ``key_id``, as KMS Decrypt does.
        """
        longest = MAX_CIPHERTEXT_BLOB
        if api == "alibaba" and algorithm is EncryptionAlgorithm.SM2PKE:
            longest = ALIBABA_SM2PKE_MAX_CIPHERTEXT
        _params.ciphertext_blob(ciphertext, longest)
        given = None if key_id is None else self._resolve(op, key_id)
        if algorithm is EncryptionAlgorithm.SYMMETRIC_DEFAULT:
            if given is not None and not is_symmetric_encryption(given.key_spec):
                self._require_encryption_key(given, algorithm)  # InvalidKeyUsageException
            return self._open_blob(op, ciphertext, context, given)
        if given is None:
            raise ValidationException(f"KeyId is required to decrypt with {algorithm}")
        self._require_encryption_key(given, algorithm)
        if context:
            raise ValidationException(_NO_CONTEXT)
        from kmskit.offline.encryption import decrypt as offline_decrypt

        private = self._private_key(given)
        return given, bytearray(offline_decrypt(private, bytes(ciphertext), algorithm)), None


def base64_text(data_key: bytearray) -> bytearray:
    """The base64 text of ``data_key`` as ASCII bytes (a bytearray to wipe): what Alibaba
    KMS encrypts for a data key (GenerateDataKey reference: ``Plaintext`` is "the
    Base64-encoded plaintext of the data key", and Decrypt of the blob gives that text)."""
    return bytearray(base64.b64encode(data_key))


def _require_text(plaintext: bytearray) -> None:
    """Raise PlaintextNotTextException unless ``plaintext`` is UTF-8 text (Alibaba Decrypt)."""
    try:
        plaintext.decode("utf-8")
    except UnicodeDecodeError:
        raise PlaintextNotTextException(
            "the plaintext is not UTF-8 text, and Alibaba's Decrypt returns Plaintext as a"
            " string: decrypt it through the AWS API (binary Plaintext), or encrypt text (for"
            " binary data, its base64) through the Alibaba API"
        ) from None
