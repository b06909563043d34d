"""Sign, Verify, GetPublicKey and DeriveSharedSecret with asymmetric KMS keys.

The private key never leaves the keystore: it is unsealed for one operation, and the
cryptography is :mod:`offline`'s (``sign``, ``verify``, ``derive_shared_secret``), so the
keystore and an offline peer holding the downloaded public key agree by construction.

spec: docs/keystore.md#asymmetric-operations
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kmskit.keystore import _keys, _params
from kmskit.keystore._base import KeystoreBase
from kmskit.keystore._keys import KeyRow, key_class
from kmskit.offline.errors import (
    InvalidKeyUsageException,
    KmskitError,
    UnsupportedOperationException,
    ValidationException,
)
from kmskit.offline.specs import CUSTOMER_MASTER_KEY_SPECS, KeyUsage, profile

# The results and the offline cryptography load when an operation of this family runs:
# every Keystore carries this mixin, and most commands (DescribeKey …) never sign.
if TYPE_CHECKING:
    from kmskit.keystore.results_asymmetric import (
        PublicKeyResult,
        SharedSecretResult,
        SignResult,
        VerifyResult,
    )
    from kmskit.offline.keys import PublicKey

__all__ = ["AsymmetricOperations"]


class AsymmetricOperations(KeystoreBase):
    """Sign, Verify, GetPublicKey, DeriveSharedSecret."""

    def sign(
        self,
        key_id: str,
        message: bytes,
        *,
        signing_algorithm: str,
        message_type: str = "RAW",
    ) -> SignResult:
        """Sign like KMS Sign with an asymmetric SIGN_VERIFY key.

        RAW messages (1–4096 bytes) are hashed here; DIGEST passes the digest (for SM2DSA,
        e = SM3(Z_A ‖ M) computed with the caller's own ID; RAW uses the default ID
        ``1234567812345678``); EXTERNAL_MU passes ML-DSA's μ. Returns the signature (DER for
        ECDSA and SM2DSA).

        Raises :class:`ValidationException` (names, message length, digest length, message
        type the algorithm does not take), :class:`NotFoundException`,
        :class:`DisabledException`, :class:`KMSInvalidStateException`,
        :class:`InvalidKeyUsageException` (usage, or an algorithm the spec lacks).
        """
        with self._operation(
            "Sign", KeyId=key_id, SigningAlgorithm=signing_algorithm, MessageType=message_type
        ) as op:
            algorithm, mtype = _params.signing(signing_algorithm, message_type)
            data = _params.message(message)
            row = self._resolve(op, key_id)
            self._require_signing_key(row, algorithm)
            from kmskit.keystore.results_asymmetric import SignResult
            from kmskit.offline.signing import sign as offline_sign

            signature = offline_sign(self._private_key(row), data, algorithm, mtype)
            return SignResult(self.config.key_arn(row.key_id), signature, algorithm.value)

    def verify(
        self,
        key_id: str,
        message: bytes,
        signature: bytes,
        *,
        signing_algorithm: str,
        message_type: str = "RAW",
    ) -> VerifyResult:
        """Verify like KMS Verify: returns a result with ``SignatureValid`` true, or raises
        :class:`KMSInvalidSignatureException` (a wrong or malformed signature).

        Raises as :meth:`sign` otherwise (``signature`` must be 1–6144 bytes).
        """
        with self._operation(
            "Verify", KeyId=key_id, SigningAlgorithm=signing_algorithm, MessageType=message_type
        ) as op:
            algorithm, mtype = _params.signing(signing_algorithm, message_type)
            data = _params.message(message)
            sig = _params.signature_or_mac(signature, "Signature")
            row = self._resolve(op, key_id)
            self._require_signing_key(row, algorithm)
            from kmskit.keystore.results_asymmetric import VerifyResult
            from kmskit.offline.signing import verify as offline_verify

            offline_verify(self._public_key(row), data, sig, algorithm, mtype)
            return VerifyResult(self.config.key_arn(row.key_id), algorithm.value)

    def get_public_key(self, key_id: str) -> PublicKeyResult:
        """The public key of an asymmetric key, in the GetPublicKey response shape: DER
        SubjectPublicKeyInfo, spec, usage and the algorithms of that usage.

        Raises :class:`NotFoundException`, :class:`DisabledException`,
        :class:`KMSInvalidStateException` (PendingDeletion, PendingImport) and
        :class:`UnsupportedOperationException` (symmetric and HMAC keys have no public key).
        """
        with self._operation("GetPublicKey", KeyId=key_id) as op:
            row = self._resolve(op, key_id)
            _keys.require_usable(row, self.config)
            if key_class(row.key_spec) != "asymmetric":
                raise UnsupportedOperationException(
                    f"{op.key_arn} is not an asymmetric key; it has no public key"
                )
            from kmskit.keystore.results_asymmetric import PublicKeyResult

            prof = profile(row.key_spec)
            return PublicKeyResult(
                key_id=self.config.key_arn(row.key_id),
                public_key=self._public_key(row).spki_der(),
                key_spec=row.key_spec.value,
                key_usage=row.key_usage.value,
                customer_master_key_spec=(
                    row.key_spec.value if row.key_spec in CUSTOMER_MASTER_KEY_SPECS else None
                ),
                encryption_algorithms=tuple(a.value for a in prof.encryption_for(row.key_usage)),
                signing_algorithms=tuple(a.value for a in prof.signing_for(row.key_usage)),
                key_agreement_algorithms=tuple(
                    a.value for a in prof.key_agreement_for(row.key_usage)
                ),
            )

    def derive_shared_secret(
        self,
        key_id: str,
        public_key: bytes,
        *,
        key_agreement_algorithm: str = "ECDH",
    ) -> SharedSecretResult:
        """ECDH between a KEY_AGREEMENT key and a peer's public key (DER
        SubjectPublicKeyInfo), as KMS DeriveSharedSecret: the raw x-coordinate, no KDF.

        Raises :class:`ValidationException` (not an SPKI, an invalid point, a peer on another
        curve, an unknown algorithm), :class:`NotFoundException`,
        :class:`DisabledException`, :class:`KMSInvalidStateException`,
        :class:`InvalidKeyUsageException`.
        """
        with self._operation(
            "DeriveSharedSecret", KeyId=key_id, KeyAgreementAlgorithm=key_agreement_algorithm
        ) as op:
            algorithm = _params.key_agreement_algorithm(key_agreement_algorithm)
            peer_der = _params.public_key(public_key)
            row = self._resolve(op, key_id)
            self._require_usage(row, KeyUsage.KEY_AGREEMENT)
            if algorithm not in profile(row.key_spec).key_agreement:
                raise InvalidKeyUsageException(f"{op.key_arn} does not support {algorithm}")
            from kmskit.keystore.results_asymmetric import SharedSecretResult
            from kmskit.offline.agreement import derive_shared_secret as offline_derive

            peer = _peer_public_key(peer_der)
            secret = bytearray(offline_derive(self._private_key(row), peer, algorithm))
            op.secrets.append(secret)
            return SharedSecretResult(
                key_id=self.config.key_arn(row.key_id),
                shared_secret=secret,
                key_agreement_algorithm=algorithm.value,
                key_origin=row.origin,
            )

    # -- helpers ----------------------------------------------------------------------------

    def _require_signing_key(self, row: KeyRow, algorithm: object) -> None:
        self._require_usage(row, KeyUsage.SIGN_VERIFY)
        if algorithm not in profile(row.key_spec).signing:
            raise InvalidKeyUsageException(
                f"{self.config.key_arn(row.key_id)} does not support {algorithm}"
            )

    def _public_key(self, row: KeyRow) -> PublicKey:
        from kmskit.offline.keys import PublicKey

        return PublicKey.from_key(self._private_key(row).key.public_key(), usage=row.key_usage)


def _peer_public_key(der: bytes) -> PublicKey:
    """A peer public key from DER SubjectPublicKeyInfo (what KMS takes), points validated."""
    from asn1crypto import keys as asn1_keys  # only DeriveSharedSecret needs the DER parser

    try:
        info = asn1_keys.PublicKeyInfo.load(der, strict=True)
        info["algorithm"]["algorithm"].dotted  # noqa: B018 (parse the fields, not a cert)
        info["public_key"].contents  # noqa: B018
    except (ValueError, TypeError, KeyError):
        raise ValidationException("PublicKey must be a DER SubjectPublicKeyInfo") from None
    from kmskit.offline.keys import load_public_key

    try:
        return load_public_key(der)
    except KmskitError as exc:
        raise ValidationException(f"PublicKey is not a usable public key: {exc}") from None
