"""Certificate signing requests for asymmetric SIGN_VERIFY keys, as Alibaba Cloud KMS makes
them: a PKCS #10 CSR (RFC 2986) signed inside the keystore, as PEM.

RSA keys sign with RSA_PKCS1_SHA_256 (default) or RSA_PSS_SHA_256 (Alibaba names; the AWS
names and the SHA-384/512 variants work too; PSS with MGF1 of the same hash and a salt as
long as the hash), ECC keys with the ECDSA of their curve, Ed25519 keys with Ed25519, all
through ``cryptography``'s CSR builder. ``cryptography`` has no SM2, so SM2 CSRs are built
with ``asn1crypto`` and signed SM2-with-SM3 (OID 1.2.156.10197.1.501) with the default ID
``1234567812345678``.

spec: docs/keystore.md#certificate-signing-requests
"""

from __future__ import annotations

from kmskit.keystore._base import KeystoreBase
from kmskit.keystore._keys import KeyRow
from kmskit.offline.errors import (
    InvalidKeyUsageException,
    UnsupportedOperationException,
    ValidationException,
)
from kmskit.offline.specs import (
    ALIBABA_ALGORITHM_NAMES,
    KeySpec,
    KeyUsage,
    SigningAlgorithm,
    profile,
)

__all__ = ["CsrOperations"]

# The signing algorithms a CSR can carry (prehashed Ed25519 and ML-DSA have no X.509 use
# that OpenSSL and ``cryptography`` share).
_CSR_ALGORITHMS = frozenset(SigningAlgorithm) - {
    SigningAlgorithm.ED25519_PH_SHA_512,
    SigningAlgorithm.ML_DSA_SHAKE_256,
}
_DEFAULTS = {
    KeySpec.RSA_2048: SigningAlgorithm.RSASSA_PKCS1_V1_5_SHA_256,
    KeySpec.RSA_3072: SigningAlgorithm.RSASSA_PKCS1_V1_5_SHA_256,
    KeySpec.RSA_4096: SigningAlgorithm.RSASSA_PKCS1_V1_5_SHA_256,
}
class CsrOperations(KeystoreBase):
    """GenerateCsr (Alibaba Cloud KMS's CSR for a signing key)."""

    def generate_csr(
        self,
        key_id: str,
        *,
        common_name: str,
        organization: str | None = None,
        organizational_unit: str | None = None,
        state: str | None = None,
        locality: str | None = None,
        country: str | None = None,
        email: str | None = None,
        signing_algorithm: str | None = None,
    ) -> str:
        """A PEM ``CERTIFICATE REQUEST`` for the key's public key, signed by the key.

        ``signing_algorithm`` takes AWS or Alibaba names; the default is PKCS #1 v1.5 with
        SHA-256 for RSA, the curve's ECDSA for ECC, SM2DSA for SM2 and ED25519_SHA_512 for
        Ed25519. Raises :class:`ValidationException` (subject fields: CN, O and OU at most
        64 characters, ST and L 128, e-mail 255 ASCII, country two letters; unknown
        algorithm), :class:`NotFoundException`, :class:`DisabledException`,
        :class:`KMSInvalidStateException`, :class:`InvalidKeyUsageException` (not SIGN_VERIFY,
        or an algorithm the key lacks) and :class:`UnsupportedOperationException` (ML-DSA).
        """
        fields = {
            "common_name": common_name,
            "organization": organization,
            "organizational_unit": organizational_unit,
            "state": state,
            "locality": locality,
            "country": country,
            "email": email,
        }
        with self._operation(
            "GenerateCsr",
            KeyId=key_id,
            SigningAlgorithm=signing_algorithm,
            Subject={k: v for k, v in fields.items() if v is not None},
        ) as op:
            from kmskit.keystore import _csr_der  # x509 and SM2: only for this operation

            _csr_der.check_subject(fields)
            requested = _algorithm_name(signing_algorithm)
            row = self._resolve(op, key_id)
            self._require_usage(row, KeyUsage.SIGN_VERIFY)
            algorithm = self._csr_algorithm(row, requested)
            private = self._private_key(row)
            return _csr_der.build_csr_pem(private, row.key_spec, fields, algorithm)

    def _csr_algorithm(self, row: KeyRow, requested: SigningAlgorithm | None) -> SigningAlgorithm:
        allowed = [a for a in profile(row.key_spec).signing if a in _CSR_ALGORITHMS]
        if not allowed:
            raise UnsupportedOperationException(
                f"{row.key_spec} keys cannot sign a certificate signing request here"
            )
        algorithm = requested or _DEFAULTS.get(row.key_spec, allowed[0])
        if algorithm not in allowed:
            raise InvalidKeyUsageException(
                f"{self.config.key_arn(row.key_id)} ({row.key_spec}) cannot sign a CSR with"
                f" {algorithm} (use {', '.join(allowed)})"
            )
        return algorithm


def _algorithm_name(name: str | None) -> SigningAlgorithm | None:
    if name is None:
        return None
    found = ALIBABA_ALGORITHM_NAMES.get(name)
    if isinstance(found, SigningAlgorithm):
        return found
    try:
        return SigningAlgorithm(name)
    except ValueError:
        raise ValidationException(f"unknown signing algorithm {name!r}") from None


