"""The DER of a PKCS #10 certificate signing request (RFC 2986), signed by a keystore key.

Split from :mod:`kmskit.keystore.csr` because it needs ``cryptography.x509``, ``asn1crypto``
and the SM2 arithmetic, which every other keystore operation can do without: the keystore
imports this module only when GenerateCsr runs, so opening the keystore stays cheap.

RSA keys sign with PKCS #1 v1.5 or PSS (MGF1 of the same hash, salt as long as the hash),
ECC keys with the ECDSA of their curve, Ed25519 keys with Ed25519, all through
``cryptography``'s CSR builder. ``cryptography`` has no SM2, so SM2 CSRs are built with
``asn1crypto`` and signed SM2-with-SM3 with the default ID ``1234567812345678``.
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

from kmskit.keystore._limits import CSR_SUBJECT_LIMITS
from kmskit.offline import sm2
from kmskit.offline.errors import UnsupportedOperationException, ValidationException
from kmskit.offline.hashing import pyca_hash
from kmskit.offline.keys import PrivateKey
from kmskit.offline.specs import KeySpec, SigningAlgorithm, signing_profile

# GM/T 0006: SM2 signature with SM3 (OpenSSL's "SM2-with-SM3").
SM2_WITH_SM3_OID = "1.2.156.10197.1.501"
_PSS = (
    SigningAlgorithm.RSASSA_PSS_SHA_256,
    SigningAlgorithm.RSASSA_PSS_SHA_384,
    SigningAlgorithm.RSASSA_PSS_SHA_512,
)

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


def build_csr_pem(
    private: PrivateKey,
    key_spec: KeySpec,
    fields: dict[str, str | None],
    algorithm: SigningAlgorithm,
) -> str:
    """The PEM ``CERTIFICATE REQUEST`` for ``private``'s public key with the subject
    ``fields``, signed with ``algorithm`` (SM2 keys: SM2-with-SM3)."""
    subject = _subject(fields)
    if key_spec is KeySpec.SM2:
        der = _sm2_csr(private, subject)
    else:
        der = _pyca_csr(private, subject, algorithm)
    return str(asn1_pem.armor("CERTIFICATE REQUEST", der).decode("ascii"))


def check_subject(fields: dict[str, str | None]) -> None:
    """Raise ValidationException for a subject field GenerateCsr would refuse."""
    _subject(fields)


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
