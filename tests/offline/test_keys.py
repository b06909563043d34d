"""Public and private key loading: every input format, the metadata rules, and robustness."""

from __future__ import annotations

import base64
import datetime
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from kmskit.offline import (
    KeyFormatError,
    KmskitError,
    UnsupportedKeySpecError,
    load_private_key,
    load_public_key,
)
from kmskit.offline.specs import KeySpec, KeyUsage

_P256 = ec.generate_private_key(ec.SECP256R1())
_RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _spki(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _aws_json(der: bytes, **fields: object) -> bytes:
    doc = {
        "KeyId": "arn:aws:kms:us-east-1:111122223333:key/1234abcd",
        "PublicKey": base64.b64encode(der).decode(),
    }
    doc.update(fields)
    return json.dumps(doc).encode()


def _certificate(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kmskit test")])
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )


def test_aws_json_with_key_spec() -> None:
    pub = load_public_key(
        _aws_json(
            _spki(_P256),
            KeySpec="ECC_NIST_P256",
            KeyUsage="SIGN_VERIFY",
            SigningAlgorithms=["ECDSA_SHA_256"],
        )
    )
    assert pub.spec is KeySpec.ECC_NIST_P256
    assert pub.usage is KeyUsage.SIGN_VERIFY
    assert pub.signing_algorithms == ("ECDSA_SHA_256",)
    assert pub.key_agreement_algorithms == ()
    assert pub.key_id and pub.key_id.endswith("1234abcd")


def test_aws_json_with_only_customer_master_key_spec() -> None:
    pub = load_public_key(
        _aws_json(_spki(_RSA), CustomerMasterKeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")
    )
    assert pub.spec is KeySpec.RSA_2048
    assert pub.encryption_algorithms == ("RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256")
    assert pub.signing_algorithms == ()


def test_aws_json_spec_that_contradicts_the_key() -> None:
    with pytest.raises(KeyFormatError, match="RSA_3072"):
        load_public_key(_aws_json(_spki(_RSA), KeySpec="RSA_3072"))


def test_aws_json_algorithm_the_spec_cannot_use() -> None:
    with pytest.raises(KeyFormatError, match="ECDSA_SHA_384"):
        load_public_key(_aws_json(_spki(_P256), SigningAlgorithms=["ECDSA_SHA_384"]))


def test_alibaba_json() -> None:
    pem = (
        _P256.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    doc = {"RequestId": "x", "KeyId": "key-hzz630", "KeyVersionId": "v-1", "PublicKey": pem}
    pub = load_public_key(json.dumps(doc).encode())
    assert pub.spec is KeySpec.ECC_NIST_P256
    assert pub.usage is None
    assert pub.key_version_id == "v-1"


def test_pem_der_base64_and_certificates_agree() -> None:
    der = _spki(_P256)
    cert = _certificate(_P256)
    forms = [
        der,
        base64.b64encode(der),
        base64.encodebytes(der),  # wrapped at 76 columns
        _P256.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        b"some preamble text\n" + cert.public_bytes(serialization.Encoding.PEM),
        cert.public_bytes(serialization.Encoding.DER),
    ]
    fingerprints = {load_public_key(form).fingerprint() for form in forms}
    import hashlib

    assert fingerprints == {hashlib.sha256(der).hexdigest()}


def test_pkcs1_rsa_public_key_pem() -> None:
    pem = _RSA.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.PKCS1
    )
    assert load_public_key(pem).spki_der() == _spki(_RSA)


def test_non_kms_keys_are_named() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(UnsupportedKeySpecError, match="RSA-1024"):
        load_public_key(_spki(small))
    brainpool = ec.generate_private_key(ec.BrainpoolP256R1())
    with pytest.raises(UnsupportedKeySpecError, match="brainpool"):
        load_public_key(_spki(brainpool))


def test_private_key_given_as_public_key() -> None:
    pem = _P256.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(KeyFormatError, match="private key"):
        load_public_key(pem)


@pytest.mark.parametrize(
    "fmt", [serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL]
)
@pytest.mark.parametrize("encoding", [serialization.Encoding.PEM, serialization.Encoding.DER])
def test_private_key_formats(
    fmt: serialization.PrivateFormat, encoding: serialization.Encoding
) -> None:
    data = _P256.private_bytes(encoding, fmt, serialization.NoEncryption())
    priv = load_private_key(data)
    assert priv.spec is KeySpec.ECC_NIST_P256
    assert priv.public_key().spki_der() == _spki(_P256)


def test_generate_data_key_pair_json() -> None:
    pkcs8 = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    doc = {
        "PrivateKeyPlaintext": base64.b64encode(pkcs8).decode(),
        "KeyPairSpec": "ECC_NIST_EDWARDS25519",
    }
    assert load_private_key(json.dumps(doc).encode()).spec is KeySpec.ECC_NIST_EDWARDS25519


def test_encrypted_private_key_is_refused_clearly() -> None:
    pem = _P256.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    )
    with pytest.raises(KeyFormatError, match="encrypted"):
        load_private_key(pem)


def test_private_key_repr_hides_material() -> None:
    priv = load_private_key(
        _P256.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    assert repr(priv) == "PrivateKey(spec=ECC_NIST_P256)"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_public_loader_raises_only_kmskit_errors(data: bytes) -> None:
    try:
        load_public_key(data)
    except KmskitError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_private_loader_raises_only_kmskit_errors(data: bytes) -> None:
    try:
        load_private_key(data)
    except KmskitError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mutated_spki_raises_only_kmskit_errors(data: st.DataObject) -> None:
    der = bytearray(_spki(_P256))
    index = data.draw(st.integers(0, len(der) - 1))
    der[index] ^= data.draw(st.integers(1, 255))
    cut = data.draw(st.integers(1, len(der)))
    for blob in (bytes(der), bytes(der[:cut]), b'{"PublicKey": "' + base64.b64encode(der) + b'"}'):
        try:
            load_public_key(blob)
        except KmskitError:
            pass
