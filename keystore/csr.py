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

from asn1crypto import csr as asn1_csr
from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import NameOID

from kmskit.keystore._base import KeystoreBase
from kmskit.keystore._keys import KeyRow
from kmskit.keystore._limits import CSR_SUBJECT_LIMITS
from kmskit.offline import sm2
from kmskit.offline.errors import (
    InvalidKeyUsageException,
    UnsupportedOperationException,
    ValidationException,
)
from kmskit.offline.hashing import pyca_hash
from kmskit.offline.keys import PrivateKey
from kmskit.offline.specs import (
    ALIBABA_ALGORITHM_NAMES,
    KeySpec,
    KeyUsage,
    SigningAlgorithm,
    profile,
    signing_profile,
)

__all__ = ["CsrOperations"]

# GM/T 0006: SM2 signature with SM3 (OpenSSL's "SM2-with-SM3").
SM2_WITH_SM3_OID = "1.2.156.10197.1.501"
_PSS = (
    SigningAlgorithm.RSASSA_PSS_SHA_256,
    SigningAlgorithm.RSASSA_PSS_SHA_384,
    SigningAlgorithm.RSASSA_PSS_SHA_512,
)
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
# Subject attributes in the usual order (C, ST, L, O, OU, CN, emailAddress).
_SUBJECT = (
    ("country", NameOID.COUNTRY_NAME),
    ("state", NameOID.STATE_OR_PROVINCE_NAME),
    ("locality", NameOID.LOCALITY_NAME),
    ("organization", NameOID.ORGANIZATION_NAME),
    ("organizational_unit", NameOID.ORGANIZATIONAL_UNIT_NAME),
    ("common_name", NameOID.COMMON_NAME),
    ("email", NameOID.EMAIL_ADDRESS),
)


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
            subject = _subject(fields)
            requested = _algorithm_name(signing_algorithm)
            row = self._resolve(op, key_id)
            self._require_usage(row, KeyUsage.SIGN_VERIFY)
            algorithm = self._csr_algorithm(row, requested)
            private = self._private_key(row)
            if row.key_spec is KeySpec.SM2:
                der = _sm2_csr(private, subject)
            else:
                der = _pyca_csr(private, subject, algorithm)
            return str(asn1_pem.armor("CERTIFICATE REQUEST", der).decode("ascii"))

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


def _subject(fields: dict[str, str | None]) -> x509.Name:
    attributes = []
    for name, oid in _SUBJECT:
        value = fields[name]
        if value is None:
            continue
        if not isinstance(value, str) or not value:
            raise ValidationException(f"{name} must be a non-empty string")
        if name == "country":
            if len(value) != 2 or not value.isascii() or not value.isalpha():
                raise ValidationException("country must be a two-letter ISO 3166 code")
        elif len(value) > CSR_SUBJECT_LIMITS[name]:
            raise ValidationException(
                f"{name} must be at most {CSR_SUBJECT_LIMITS[name]} characters"
            )
        if name == "email" and not value.isascii():
            raise ValidationException("email must be ASCII (an IA5String)")
        attributes.append(x509.NameAttribute(oid, value))
    return x509.Name(attributes)


def _pyca_csr(private: PrivateKey, subject: x509.Name, algorithm: SigningAlgorithm) -> bytes:
    key = private.key
    builder = x509.CertificateSigningRequestBuilder().subject_name(subject)
    if isinstance(key, ed25519.Ed25519PrivateKey):
        request = builder.sign(key, None)
    elif isinstance(key, rsa.RSAPrivateKey):
        digest = pyca_hash(signing_profile(algorithm).hash)
        rsa_padding: padding.PSS | padding.PKCS1v15 = (
            padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size)
            if algorithm in _PSS
            else padding.PKCS1v15()
        )
        request = builder.sign(key, digest, rsa_padding=rsa_padding)  # type: ignore[arg-type]
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        request = builder.sign(key, pyca_hash(signing_profile(algorithm).hash))  # type: ignore[arg-type]
    else:  # pragma: no cover - _csr_algorithm let through only the specs above
        raise UnsupportedOperationException("this key cannot sign a CSR")
    return request.public_bytes(serialization.Encoding.DER)


def _sm2_csr(private: PrivateKey, subject: x509.Name) -> bytes:
    key = private.key
    assert isinstance(key, sm2.SM2PrivateKey)  # the SM2 spec loads as our SM2 key
    info = asn1_csr.CertificationRequestInfo(
        {
            "version": "v1",
            "subject": asn1_x509.Name.load(subject.public_bytes()),
            "subject_pk_info": asn1_keys.PublicKeyInfo.load(key.public_key().spki_der()),
            "attributes": [],
        }
    )
    signature = sm2.sign(key, info.dump(), sm2_id=sm2.DEFAULT_ID)
    request = asn1_csr.CertificationRequest(
        {
            "certification_request_info": info,
            "signature_algorithm": {"algorithm": SM2_WITH_SM3_OID},
            "signature": signature,
        }
    )
    return bytes(request.dump())
