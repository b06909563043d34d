"""Certificate signing requests for signing keys, checked with ``openssl req -verify``.

OpenSSL 3.0 facts these tests rely on (and pin):
- ``openssl req -verify`` exits 0 whether or not the signature verifies; the verdict is the
  text "Certificate request self-signature verify OK" (or "... verify failure").
- For SM2 it verifies with an empty distinguishing ID unless given ``-vfyopt
  distid:1234567812345678``; with it, an SM2-with-SM3 CSR signed with the default ID
  verifies, and without it the same CSR fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from kmskit.keystore import Keystore
from kmskit.offline.errors import (
    DisabledException,
    InvalidKeyUsageException,
    UnsupportedOperationException,
    ValidationException,
)
from tests.keystore._peers import DEFAULT_ID, openssl, openssl_status

SUBJECT = {
    "common_name": "payments.example.com",
    "organization": "Example Ltd",
    "organizational_unit": "Payments",
    "state": "Zhejiang",
    "locality": "Hangzhou",
    "country": "CN",
    "email": "pki@example.com",
}
OK = "Certificate request self-signature verify OK"


def _verify(openssl_bin: str, path: Path, *extra: str) -> str:
    status, output = openssl_status(openssl_bin, "req", "-verify", "-in", path, "-noout", *extra)
    assert status == 0, output
    return output


@pytest.mark.interop
@pytest.mark.parametrize(
    ("spec", "algorithm"),
    [
        ("RSA_2048", None),
        ("RSA_2048", "RSA_PSS_SHA_256"),
        ("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_512"),
        ("ECC_NIST_P256", None),
        ("ECC_NIST_P384", "ECDSA_SHA_384"),
        ("ECC_NIST_P521", None),
        ("ECC_SECG_P256K1", "ECDSA_SHA_256"),
        ("ECC_NIST_EDWARDS25519", None),
    ],
)
def test_csr_verifies_with_openssl(
    ks: Keystore, tmp_path: Path, openssl_bin: str, spec: str, algorithm: str | None
) -> None:
    key = ks.create_key(key_spec=spec, key_usage="SIGN_VERIFY")
    pem = ks.generate_csr(key.key_id, signing_algorithm=algorithm, **SUBJECT)
    path = tmp_path / "req.pem"
    path.write_text(pem)
    assert OK in _verify(openssl_bin, path)
    request = x509.load_pem_x509_csr(pem.encode())
    assert request.is_signature_valid
    assert (
        request.public_key().public_bytes(  # the key's own public key
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        == ks.get_public_key(key.key_id).public_key
    )
    subject = openssl(openssl_bin, "req", "-in", path, "-noout", "-subject").decode()
    for value in SUBJECT.values():
        assert value in subject
    if algorithm == "RSA_PSS_SHA_256":
        text = openssl(openssl_bin, "req", "-in", path, "-noout", "-text").decode()
        assert "rsassaPss" in text and "Salt Length: 0x20" in text


@pytest.mark.interop
def test_sm2_csr_verifies_with_the_default_distid(
    ks: Keystore, tmp_path: Path, openssl_bin: str
) -> None:
    key = ks.create_key(key_spec="SM2", key_usage="SIGN_VERIFY")
    pem = ks.generate_csr(
        key.key_id, common_name="sm2.example.cn", country="CN", signing_algorithm="SM2DSA"
    )
    path = tmp_path / "sm2.pem"
    path.write_text(pem)
    assert OK in _verify(openssl_bin, path, "-vfyopt", f"distid:{DEFAULT_ID}")
    assert OK not in _verify(openssl_bin, path)  # OpenSSL 3.0's empty default ID
    text = openssl(openssl_bin, "req", "-in", path, "-noout", "-text").decode()
    assert "SM2-with-SM3" in text and "ASN1 OID: SM2" in text
    public = openssl(openssl_bin, "req", "-in", path, "-noout", "-pubkey")
    (tmp_path / "pub.pem").write_bytes(public)
    assert (
        openssl(openssl_bin, "pkey", "-pubin", "-in", tmp_path / "pub.pem", "-outform", "DER")
        == ks.get_public_key(key.key_id).public_key
    )


def test_csr_errors(ks: Keystore) -> None:
    signing = ks.create_key(key_spec="ECC_NIST_P256", key_usage="SIGN_VERIFY")
    for bad in (
        {"country": "CHN"},
        {"country": "1A"},
        {"common_name": ""},
        {"common_name": "x" * 65},
        {"email": "ü@example.com"},
        {"locality": "l" * 129},
    ):
        fields = {"common_name": "ok", **bad}
        with pytest.raises(ValidationException):
            ks.generate_csr(signing.key_id, **fields)
    with pytest.raises(ValidationException):
        ks.generate_csr(signing.key_id, common_name="ok", signing_algorithm="MD5_WITH_RSA")
    with pytest.raises(InvalidKeyUsageException):
        ks.generate_csr(signing.key_id, common_name="ok", signing_algorithm="ECDSA_SHA_384")
    with pytest.raises(InvalidKeyUsageException):
        ks.generate_csr(signing.key_id, common_name="ok", signing_algorithm="SM2DSA")
    for other in (
        ks.create_key(),
        ks.create_key(key_spec="RSA_2048", key_usage="ENCRYPT_DECRYPT"),
        ks.create_key(key_spec="ECC_NIST_P256", key_usage="KEY_AGREEMENT"),
    ):
        with pytest.raises(InvalidKeyUsageException):
            ks.generate_csr(other.key_id, common_name="ok")
    ml_dsa = ks.create_key(key_spec="ML_DSA_44", key_usage="SIGN_VERIFY")
    with pytest.raises(UnsupportedOperationException):
        ks.generate_csr(ml_dsa.key_id, common_name="ok")
    ks.disable_key(signing.key_id)
    with pytest.raises(DisabledException):
        ks.generate_csr(signing.key_id, common_name="ok")
    record = [r for r in ks.audit.records() if r.operation == "GenerateCsr"][-1]
    assert record.outcome == "DisabledException"
    assert record.parameters["Subject"] == {"common_name": "ok"}
