"""GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext: a fresh asymmetric key pair
whose private key comes back encrypted under a symmetric KMS key.

The private key is PKCS #8 DER, the public key DER SubjectPublicKeyInfo, and the encrypted
private key a local ciphertext blob: Decrypt (with the same encryption context) gives back
the PKCS #8 that ``offline.load_private_key`` reads.

spec: docs/keystore.md#data-key-pairs
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from kmskit.keystore import _params
from kmskit.keystore._base import KeystoreBase
from kmskit.keystore._keys import key_material_id
from kmskit.keystore._wipe import wipe
from kmskit.offline.specs import EncryptionAlgorithm

# Loaded when a key pair is made: every Keystore carries this mixin (see asymmetric.py).
if TYPE_CHECKING:
    from kmskit.keystore.results_asymmetric import DataKeyPairResult

__all__ = ["DataKeyPairOperations"]


class DataKeyPairOperations(KeystoreBase):
    """GenerateDataKeyPair, GenerateDataKeyPairWithoutPlaintext."""

    def generate_data_key_pair(
        self,
        key_id: str,
        *,
        key_pair_spec: str,
        encryption_context: Mapping[str, str] | None = None,
    ) -> DataKeyPairResult:
        """A key pair of ``key_pair_spec`` (RSA_2048/3072/4096, ECC_NIST_P256/384/521,
        ECC_SECG_P256K1, ECC_NIST_EDWARDS25519, SM2), with the private key in plaintext and
        encrypted under the symmetric encryption key ``key_id``.

        Raises :class:`ValidationException` (spec, context), :class:`NotFoundException`,
        :class:`DisabledException`, :class:`KMSInvalidStateException`,
        :class:`InvalidKeyUsageException` (``key_id`` is not a symmetric encryption key).
        """
        return self._key_pair(
            "GenerateDataKeyPair", key_id, key_pair_spec, encryption_context, True
        )

    def generate_data_key_pair_without_plaintext(
        self,
        key_id: str,
        *,
        key_pair_spec: str,
        encryption_context: Mapping[str, str] | None = None,
    ) -> DataKeyPairResult:
        """As :meth:`generate_data_key_pair`, but ``private_key_plaintext`` is None."""
        return self._key_pair(
            "GenerateDataKeyPairWithoutPlaintext",
            key_id,
            key_pair_spec,
            encryption_context,
            False,
        )

    def _key_pair(
        self,
        name: str,
        key_id: str,
        key_pair_spec: str,
        encryption_context: Mapping[str, str] | None,
        with_plaintext: bool,
    ) -> DataKeyPairResult:
        with self._operation(name, KeyId=key_id, KeyPairSpec=key_pair_spec) as op:
            op.context = _params.encryption_context(encryption_context)
            spec = _params.key_pair_spec(key_pair_spec)
            row = self._resolve(op, key_id)
            self._require_encryption_key(row, EncryptionAlgorithm.SYMMETRIC_DEFAULT)
            from kmskit.keystore.results_asymmetric import DataKeyPairResult
            from kmskit.offline.keys import generate_private_key

            private = generate_private_key(spec)
            pkcs8 = bytearray(private.pkcs8_der())
            op.secrets.append(pkcs8)
            public = private.public_key().spki_der()
            blob, material_id = self._seal_blob(row, pkcs8, op.context)
            if not with_plaintext:
                wipe(pkcs8)
            return DataKeyPairResult(
                private_key_ciphertext_blob=blob,
                private_key_plaintext=pkcs8 if with_plaintext else None,
                public_key=public,
                key_id=self.config.key_arn(row.key_id),
                key_pair_spec=spec.value,
                key_material_id=key_material_id(row.key_id, material_id),
            )
