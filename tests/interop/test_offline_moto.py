"""moto's KMS as a real HTTP endpoint: keys made there, signed there, checked offline here.

The flow is the air-gapped verifier's: ``aws kms sign`` and ``aws kms get-public-key`` on
the connected side, then the CLI's JSON output and the signature go to kmskit. moto is the
oracle for the signatures; nothing expected is computed by kmskit.

What moto 5.2.x can and cannot do (moto/kms/utils.py, models.py, responses.py) shapes this
module:
- key specs: RSA_2048/3072/4096, ECC_NIST_P256/P384/P521, ECC_SECG_P256K1 (its SM2 spec is
  really an RSA-2048 key, and SM2 is tested elsewhere); no Ed25519, no ML-DSA;
- Sign ignores MessageType: a DIGEST is hashed again as if it were RAW;
- RSASSA_PSS is signed with the maximum salt length, not the hash length that KMS uses;
- GetPublicKey returns ``CustomerMasterKeySpec`` only, no ``KeySpec``;
- Decrypt only opens moto's own symmetric blobs: no RSAES_OAEP decryption (KMS Decrypt of
  ``kmskit offline encrypt`` output is checked with ``kmskit serve`` instead, in
  tests/interop/test_mpl_through_serve.py);
- no DeriveSharedSecret.
Tests that would need what moto lacks are strict xfails, so a moto upgrade that adds it
shows up as XPASS (a failure) instead of going unnoticed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from moto.server import ThreadedMotoServer

from kmskit.offline import (
    InvalidKeyUsageException,
    KeyFormatError,
    KMSInvalidSignatureException,
    ValidationException,
    encrypt,
    load_public_key,
    verify,
)

REGION = "us-east-1"

# What KMS allows per spec (KMS Developer Guide, "Key spec reference"), written out here so
# that a wrong table in offline.specs fails against moto rather than agreeing with itself.
_RSA_SIGNING = [
    "RSASSA_PSS_SHA_256",
    "RSASSA_PSS_SHA_384",
    "RSASSA_PSS_SHA_512",
    "RSASSA_PKCS1_V1_5_SHA_256",
    "RSASSA_PKCS1_V1_5_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_512",
]
MOTO_SIGNING_SPECS: dict[str, list[str]] = {
    "RSA_2048": _RSA_SIGNING,
    "RSA_3072": _RSA_SIGNING,
    "RSA_4096": _RSA_SIGNING,
    "ECC_NIST_P256": ["ECDSA_SHA_256"],
    "ECC_NIST_P384": ["ECDSA_SHA_384"],
    "ECC_NIST_P521": ["ECDSA_SHA_512"],
    "ECC_SECG_P256K1": ["ECDSA_SHA_256"],
}
_HASH = {"256": "sha256", "384": "sha384", "512": "sha512"}

_SIGN_CASES = [
    (spec, alg)
    for spec, algs in MOTO_SIGNING_SPECS.items()
    for alg in algs
    if not alg.startswith("RSASSA_PSS")
]
_PSS_CASES = [
    (spec, alg)
    for spec, algs in MOTO_SIGNING_SPECS.items()
    for alg in algs
    if alg.startswith("RSASSA_PSS")
]

MESSAGE = b"signed by moto's KMS, verified offline by kmskit\x00\xff" * 20


def _case_id(case: tuple[str, str]) -> str:
    return f"{case[0]}-{case[1]}"


def _hash_name(algorithm: str) -> str:
    return _HASH[algorithm.rsplit("_", 1)[1]]


def _altered(data: bytes) -> bytes:
    return bytes([data[0] ^ 0x01]) + data[1:]


@pytest.fixture(scope="module")
def kms() -> Iterator[Any]:
    """A boto3 KMS client talking to a ThreadedMotoServer on an ephemeral local port."""
    with pytest.MonkeyPatch.context() as mp:
        # Dummy credentials and no config files, so nothing can reach a real AWS account.
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        mp.setenv("AWS_SESSION_TOKEN", "testing")
        mp.setenv("AWS_DEFAULT_REGION", REGION)
        mp.setenv("AWS_CONFIG_FILE", "/dev/null")
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        mp.delenv("AWS_PROFILE", raising=False)
        request_log = logging.getLogger("werkzeug")
        mp.setattr(request_log, "disabled", True)  # one line per request otherwise
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            yield boto3.client(
                "kms",
                endpoint_url=f"http://{host}:{port}",
                region_name=REGION,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                aws_session_token="testing",
            )
        finally:
            server.stop()


@pytest.fixture(scope="module")
def moto_key(kms: Any) -> Callable[..., str]:
    """``moto_key(spec, usage)``: the KeyId of a moto key, created once per module."""
    made: dict[tuple[str, str], str] = {}

    def get(spec: str, usage: str = "SIGN_VERIFY") -> str:
        if (spec, usage) not in made:
            meta = kms.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]
            made[(spec, usage)] = meta["KeyId"]
        return made[(spec, usage)]

    return get


def _cli_json(response: dict[str, Any], *, key_spec: bool = True) -> bytes:
    """``aws kms get-public-key`` output for a boto3 response: blobs in base64, nulls dropped.

    Real KMS sends ``KeySpec`` and the deprecated ``CustomerMasterKeySpec``; moto sends only
    the latter. ``key_spec=True`` adds ``KeySpec`` as AWS would, ``False`` removes it.
    """
    doc = {k: v for k, v in response.items() if k != "ResponseMetadata" and v is not None}
    doc["PublicKey"] = base64.b64encode(doc["PublicKey"]).decode("ascii")
    if key_spec:
        doc.setdefault("KeySpec", doc["CustomerMasterKeySpec"])
    else:
        doc.pop("KeySpec", None)
    return json.dumps(doc, indent=4).encode()


def _spki_der(response: dict[str, Any]) -> bytes:
    return bytes(response["PublicKey"])


# ---------------------------------------------------------------------------------------------
# GetPublicKey output loads with the right metadata


@pytest.mark.parametrize("spec", list(MOTO_SIGNING_SPECS))
def test_get_public_key_json_loads(spec: str, kms: Any, moto_key: Callable[..., str]) -> None:
    key_id = moto_key(spec, "SIGN_VERIFY")
    response = kms.get_public_key(KeyId=key_id)
    public = load_public_key(_cli_json(response))
    assert public.spec == spec
    assert public.usage == "SIGN_VERIFY"
    assert public.key_id == key_id
    assert public.spki_der() == _spki_der(response)
    assert sorted(public.signing_algorithms) == sorted(response["SigningAlgorithms"])
    assert sorted(public.signing_algorithms) == sorted(MOTO_SIGNING_SPECS[spec])
    assert public.encryption_algorithms == ()
    assert public.key_agreement_algorithms == ()


@pytest.mark.parametrize("spec", list(MOTO_SIGNING_SPECS))
def test_get_public_key_with_only_customer_master_key_spec_loads(
    spec: str, kms: Any, moto_key: Callable[..., str]
) -> None:
    response = kms.get_public_key(KeyId=moto_key(spec, "SIGN_VERIFY"))
    blob = _cli_json(response, key_spec=False)
    doc = json.loads(blob)
    assert "KeySpec" not in doc and doc["CustomerMasterKeySpec"] == spec
    public = load_public_key(blob)
    assert public.spec == spec
    assert public.usage == "SIGN_VERIFY"
    assert public.spki_der() == _spki_der(response)


# ---------------------------------------------------------------------------------------------
# moto signs, kmskit verifies


@pytest.mark.parametrize("case", _SIGN_CASES, ids=_case_id)
def test_moto_signs_kmskit_verifies(
    case: tuple[str, str], kms: Any, moto_key: Callable[..., str]
) -> None:
    spec, algorithm = case
    key_id = moto_key(spec, "SIGN_VERIFY")
    public = load_public_key(_cli_json(kms.get_public_key(KeyId=key_id)))
    signed = kms.sign(KeyId=key_id, Message=MESSAGE, MessageType="RAW", SigningAlgorithm=algorithm)
    assert signed["SigningAlgorithm"] == algorithm
    signature = signed["Signature"]
    # moto's own Verify accepts it, so the signature is what moto means by this algorithm.
    assert kms.verify(
        KeyId=key_id, Message=MESSAGE, Signature=signature, SigningAlgorithm=algorithm
    )["SignatureValid"]

    assert verify(public, MESSAGE, signature, algorithm) is True
    # DIGEST is the same signature, given the hash of the message (computed by hashlib).
    digest = hashlib.new(_hash_name(algorithm), MESSAGE).digest()
    assert verify(public, digest, signature, algorithm, "DIGEST") is True
    with pytest.raises(KMSInvalidSignatureException):
        verify(public, _altered(MESSAGE), signature, algorithm)
    with pytest.raises(KMSInvalidSignatureException):
        verify(public, _altered(digest), signature, algorithm, "DIGEST")
    with pytest.raises(KMSInvalidSignatureException):
        verify(public, MESSAGE, _altered(signature), algorithm)


@pytest.mark.parametrize("case", _PSS_CASES, ids=_case_id)
def test_moto_pss_signatures_use_max_salt_which_kms_verify_refuses(
    case: tuple[str, str], kms: Any, moto_key: Callable[..., str]
) -> None:
    """moto signs RSASSA_PSS with the longest possible salt; KMS (and kmskit) use a salt as
    long as the hash, so kmskit refuses moto's PSS signatures.

    pyca/cryptography is the oracle: the signature is valid PSS with an automatic salt length
    and invalid with salt = hash length, which is the KMS definition.
    """
    spec, algorithm = case
    key_id = moto_key(spec, "SIGN_VERIFY")
    response = kms.get_public_key(KeyId=key_id)
    signature = kms.sign(
        KeyId=key_id, Message=MESSAGE, MessageType="RAW", SigningAlgorithm=algorithm
    )["Signature"]

    oracle = serialization.load_der_public_key(_spki_der(response))
    assert isinstance(oracle, rsa.RSAPublicKey)
    oracle_hashes: dict[str, hashes.HashAlgorithm] = {
        "sha256": hashes.SHA256(),
        "sha384": hashes.SHA384(),
        "sha512": hashes.SHA512(),
    }
    h = oracle_hashes[_hash_name(algorithm)]
    oracle.verify(signature, MESSAGE, padding.PSS(padding.MGF1(h), padding.PSS.AUTO), h)
    with pytest.raises(InvalidSignature):
        oracle.verify(signature, MESSAGE, padding.PSS(padding.MGF1(h), h.digest_size), h)

    public = load_public_key(_cli_json(response))
    with pytest.raises(KMSInvalidSignatureException):
        verify(public, MESSAGE, signature, algorithm)


@pytest.mark.xfail(
    strict=True,
    raises=KMSInvalidSignatureException,
    reason="moto 5.2 ignores MessageType=DIGEST on Sign and hashes the digest again",
)
@pytest.mark.parametrize(
    "case",
    [("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_256"), ("ECC_NIST_P256", "ECDSA_SHA_256")],
    ids=_case_id,
)
def test_moto_signs_digest_kmskit_verifies_digest(
    case: tuple[str, str], kms: Any, moto_key: Callable[..., str]
) -> None:
    spec, algorithm = case
    key_id = moto_key(spec, "SIGN_VERIFY")
    public = load_public_key(_cli_json(kms.get_public_key(KeyId=key_id)))
    digest = hashlib.new(_hash_name(algorithm), MESSAGE).digest()
    signature = kms.sign(
        KeyId=key_id, Message=digest, MessageType="DIGEST", SigningAlgorithm=algorithm
    )["Signature"]
    verify(public, digest, signature, algorithm, "DIGEST")


# ---------------------------------------------------------------------------------------------
# Usage rules with moto's metadata


def test_sign_verify_key_refuses_encrypt_unless_forced(
    kms: Any, moto_key: Callable[..., str]
) -> None:
    public = load_public_key(_cli_json(kms.get_public_key(KeyId=moto_key("RSA_2048"))))
    assert public.usage == "SIGN_VERIFY"
    with pytest.raises(InvalidKeyUsageException):
        encrypt(public, b"never decryptable by KMS", "RSAES_OAEP_SHA_256")
    ciphertext = encrypt(public, b"forced anyway", "RSAES_OAEP_SHA_256", force=True)
    assert len(ciphertext) == 256
    # force overrides only the usage: an EC key still has no RSAES_OAEP.
    ec_public = load_public_key(_cli_json(kms.get_public_key(KeyId=moto_key("ECC_NIST_P256"))))
    with pytest.raises(InvalidKeyUsageException):
        encrypt(ec_public, b"no", "RSAES_OAEP_SHA_256", force=True)


def test_encrypt_decrypt_key_loads_and_encrypts(kms: Any, moto_key: Callable[..., str]) -> None:
    key_id = moto_key("RSA_2048", "ENCRYPT_DECRYPT")
    response = kms.get_public_key(KeyId=key_id)
    public = load_public_key(_cli_json(response))
    assert public.usage == "ENCRYPT_DECRYPT"
    assert sorted(public.encryption_algorithms) == sorted(response["EncryptionAlgorithms"])
    assert sorted(public.encryption_algorithms) == ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
    assert public.signing_algorithms == ()
    # KMS maximum for RSA_2048 with RSAES_OAEP_SHA_256 is 190 bytes.
    assert len(encrypt(public, b"\x5a" * 190, "RSAES_OAEP_SHA_256")) == 256
    with pytest.raises(ValidationException):
        encrypt(public, b"\x5a" * 191, "RSAES_OAEP_SHA_256")
    with pytest.raises(InvalidKeyUsageException):
        verify(public, MESSAGE, b"\x00" * 256, "RSASSA_PKCS1_V1_5_SHA_256")


def test_moto_key_agreement_metadata_is_refused(kms: Any, moto_key: Callable[..., str]) -> None:
    """moto lists RSAES_OAEP and ECDSA for an ECC_NIST_P256 KEY_AGREEMENT key; KMS lists only
    ECDH. kmskit refuses JSON that claims algorithms the spec cannot have, and loads the key
    once the bogus lists are gone."""
    response = kms.get_public_key(KeyId=moto_key("ECC_NIST_P256", "KEY_AGREEMENT"))
    assert response["KeyUsage"] == "KEY_AGREEMENT"
    assert "RSAES_OAEP_SHA_256" in response.get("EncryptionAlgorithms", [])
    with pytest.raises(KeyFormatError):
        load_public_key(_cli_json(response))
    cleaned = {
        k: v for k, v in response.items() if k not in ("EncryptionAlgorithms", "SigningAlgorithms")
    }
    public = load_public_key(_cli_json(cleaned))
    assert public.spec == "ECC_NIST_P256"
    assert public.usage == "KEY_AGREEMENT"
    assert public.key_agreement_algorithms == ("ECDH",)
    assert public.signing_algorithms == ()
