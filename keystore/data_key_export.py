"""GenerateAndExportDataKey (Alibaba Cloud KMS): a fresh data key, returned encrypted under a
symmetric KMS key and under a public key the caller gives, never in plaintext.

What both ciphertexts hold is the data key's **base64 text**, as for Alibaba's
GenerateDataKey: Alibaba documents the exported key only as "the data key encrypted by the
public key", but its own sample (aliyun/alibabacloud-kms-demo,
``ReEncryptAsymmToSymmDemo.java``) passes ExportDataKey's output to ReEncrypt as an
asymmetric ciphertext and re-encrypts it under a symmetric CMK, which is only the same data
key again if the public-key plaintext is what Decrypt of the CMK's blob returns, the text.
So the private key's owner base64-decodes what it decrypts, as Alibaba's Encryption SDKs do
with Decrypt's ``Plaintext``.

spec: docs/server.md ("GenerateAndExportDataKey")
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from kmskit.keystore import _params
from kmskit.keystore._base import KeystoreBase
from kmskit.keystore._keys import key_material_id
from kmskit.keystore._wipe import wipe
from kmskit.keystore.asymmetric import _peer_public_key
from kmskit.keystore.encryption import base64_text
from kmskit.offline.errors import ValidationException
from kmskit.offline.specs import EncryptionAlgorithm, KeySpec

# The result and the public-key cryptography load when the operation runs: every Keystore
# carries this mixin, and most commands (DescribeKey …) never export a data key.
if TYPE_CHECKING:
    from kmskit.keystore.results_encryption import ExportedDataKeyResult
    from kmskit.offline.keys import PublicKey

__all__ = ["WRAPPING", "DataKeyExportOperations"]

# Alibaba's GenerateAndExportDataKey: WrappingKeySpec RSA_2048 or EC_SM2, and the
# WrappingAlgorithm each takes (RSAES_OAEP_SHA_256, RSAES_OAEP_SHA_1; SM2PKE).
WRAPPING: Final[dict[str, tuple[KeySpec, tuple[EncryptionAlgorithm, ...]]]] = {
    "RSA_2048": (
        KeySpec.RSA_2048,
        (EncryptionAlgorithm.RSAES_OAEP_SHA_256, EncryptionAlgorithm.RSAES_OAEP_SHA_1),
    ),
    "EC_SM2": (KeySpec.SM2, (EncryptionAlgorithm.SM2PKE,)),
}
# Alibaba: "If you do not specify either of the parameters, KMS generates a 256-bit data
# key. If you specify both parameters, KMS ignores the KeySpec parameter."
_DEFAULT_LENGTH: Final = 32


def _wrapping_key(
    public_key_blob: bytes, wrapping_key_spec: str, wrapping_algorithm: str
) -> tuple[PublicKey, EncryptionAlgorithm]:
    """The public key and algorithm, or ValidationException for a pair Alibaba refuses or a
    key that is not of the spec named."""
    if wrapping_key_spec not in WRAPPING:
        raise ValidationException(
            f"WrappingKeySpec must be {' or '.join(WRAPPING)}, not {wrapping_key_spec!r}"
        )
    spec, algorithms = WRAPPING[wrapping_key_spec]
    algorithm = next((a for a in algorithms if a.value == wrapping_algorithm), None)
    if algorithm is None:
        raise ValidationException(
            f"WrappingAlgorithm for {wrapping_key_spec} must be"
            f" {' or '.join(a.value for a in algorithms)}, not {wrapping_algorithm!r}"
        )
    public = _peer_public_key(_params.public_key(public_key_blob))
    if public.spec is not spec:
        raise ValidationException(
            f"PublicKeyBlob is a {public.spec} key, not the {wrapping_key_spec} WrappingKeySpec"
        )
    return public, algorithm


def _data_key_length(key_spec: str | None, number_of_bytes: int | None) -> int:
    if number_of_bytes is not None:
        return _params.number_of_bytes(number_of_bytes)
    if key_spec is None:
        return _DEFAULT_LENGTH
    return _params.data_key_spec_length(key_spec)


class DataKeyExportOperations(KeystoreBase):
    """GenerateAndExportDataKey."""

    def generate_and_export_data_key(
        self,
        key_id: str,
        *,
        public_key_blob: bytes,
        wrapping_key_spec: str,
        wrapping_algorithm: str,
        key_spec: str | None = None,
        number_of_bytes: int | None = None,
        encryption_context: Mapping[str, str] | None = None,
    ) -> ExportedDataKeyResult:
        """A data key (``number_of_bytes`` 1–1024, else ``key_spec`` AES_256/AES_128, else
        32 bytes) whose base64 text is encrypted under the symmetric encryption key
        ``key_id`` (a blob, with ``encryption_context``) and under ``public_key_blob`` (DER
        SubjectPublicKeyInfo of ``wrapping_key_spec`` RSA_2048 or EC_SM2, with
        ``wrapping_algorithm`` RSAES_OAEP_SHA_256/RSAES_OAEP_SHA_1 or SM2PKE).

        Raises :class:`ValidationException` (parameters, a public key that is not of the
        spec), :class:`NotFoundException`, :class:`DisabledException`,
        :class:`KMSInvalidStateException`, :class:`InvalidKeyUsageException` (not a
        symmetric encryption key).
        """
        with self._operation(
            "GenerateAndExportDataKey",
            KeyId=key_id,
            KeySpec=key_spec,
            NumberOfBytes=number_of_bytes,
            WrappingKeySpec=wrapping_key_spec,
            WrappingAlgorithm=wrapping_algorithm,
        ) as op:
            op.context = _params.encryption_context(encryption_context)
            length = _data_key_length(key_spec, number_of_bytes)
            public, algorithm = _wrapping_key(
                public_key_blob, wrapping_key_spec, wrapping_algorithm
            )
            row = self._resolve(op, key_id)
            self._require_encryption_key(row, EncryptionAlgorithm.SYMMETRIC_DEFAULT)
            data_key = bytearray(self._rng(length))
            op.secrets.append(data_key)
            text = base64_text(data_key)
            wipe(data_key)
            try:
                blob, material_id = self._seal_blob(row, text, op.context)
                # 1024 bytes of data key are 1368 of text: over RSA-OAEP's 190/214 bytes
                # (ValidationException), and over AWS's SM2PKE 1024 but within Alibaba's 6047.
                from kmskit.offline.encryption import encrypt as offline_encrypt

                exported = offline_encrypt(public, bytes(text), algorithm, api="alibaba")
            finally:
                wipe(text)
            from kmskit.keystore.results_encryption import ExportedDataKeyResult

            return ExportedDataKeyResult(
                ciphertext_blob=blob,
                exported_data_key=exported,
                key_id=self.config.key_arn(row.key_id),
                key_material_id=key_material_id(row.key_id, material_id),
            )
