"""Sign, Verify, GetPublicKey, asymmetric Encrypt/Decrypt and DeriveSharedSecret, checked
against peers that hold only the downloaded public key: the offline layer (through the
GetPublicKey JSON), ``openssl`` and ``cryptography``."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import mldsa

from kmskit.keystore import Keystore
from kmskit.offline import (
    decrypt,
    derive_shared_secret,
    encrypt,
    generate_private_key,
    load_public_key,
    verify,
)
from kmskit.offline.errors import (
    DisabledException,
    IncorrectKeyException,
    InvalidCiphertextException,
    InvalidKeyUsageException,
    KMSInvalidSignatureException,
    KMSInvalidStateException,
    NotFoundException,
    UnsupportedOperationException,
    ValidationException,
)
from kmskit.offline.specs import KeySpec
from tests.keystore._peers import (
    DEFAULT_ID,
    downloaded_public_key,
    openssl,
    write_public_pem,
)

MESSAGE = b"kmskit keystore signs this\n" * 7

# (key spec, signing algorithm, openssl dgst options) for the openssl cross-check
SIGNING = [
    ("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_256", ["-sha256"]),
    (
        "RSA_2048",
        "RSASSA_PSS_SHA_384",
        ["-sha384", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:48"],
    ),
    ("ECC_NIST_P256", "ECDSA_SHA_256", ["-sha256"]),
    ("ECC_NIST_P384", "ECDSA_SHA_384", ["-sha384"]),
    ("ECC_NIST_P521", "ECDSA_SHA_512", ["-sha512"]),
    ("ECC_SECG_P256K1", "ECDSA_SHA_256", ["-sha256"]),
]


@pytest.mark.interop
@pytest.mark.parametrize(("spec", "algorithm", "dgst"), SIGNING)
def test_sign_verifies_with_the_downloaded_key_and_openssl(
    ks: Keystore, tmp_path: Path, openssl_bin: str, spec: str, algorithm: str, dgst: list[str]
) -> None:
    key = ks.create_key(key_spec=spec, key_usage="SIGN_VERIFY")
    result = ks.sign(key.key_id, MESSAGE, signing_algorithm=algorithm)
    assert result.to_response()["KeyId"] == key.arn
    assert result.to_response()["SigningAlgorithm"] == algorithm
    public = downloaded_public_key(ks, key.arn)
    assert verify(public, MESSAGE, result.signature, algorithm)
    with pytest.raises(KMSInvalidSignatureException):
        verify(public, MESSAGE + b"!", result.signature, algorithm)
    (tmp_path / "msg").write_bytes(MESSAGE)
    (tmp_path / "sig").write_bytes(result.signature)
    pem = write_public_pem(ks, key.key_id, tmp_path / "pub.pem")
    out = openssl(
        openssl_bin, "dgst", *dgst, "-verify", pem, "-signature", tmp_path / "sig", tmp_path / "msg"
    )
    assert b"Verified OK" in out
    # and the keystore's own Verify, like KMS: valid → SignatureValid, invalid → raises
    assert (
        ks.verify(key.key_id, MESSAGE, result.signature, signing_algorithm=algorithm).to_response()[
            "SignatureValid"
        ]
        is True
    )
    with pytest.raises(KMSInvalidSignatureException):
        ks.verify(key.key_id, MESSAGE[:-1], result.signature, signing_algorithm=algorithm)


@pytest.mark.interop
@pytest.mark.parametrize("spec", ["SM2", "ECC_NIST_EDWARDS25519"])
def test_sm2_and_ed25519_verify_with_openssl_pkeyutl(
    ks: Keystore, tmp_path: Path, openssl_bin: str, spec: str
) -> None:
    key = ks.create_key(key_spec=spec, key_usage="SIGN_VERIFY")
    algorithm = "SM2DSA" if spec == "SM2" else "ED25519_SHA_512"
    signature = ks.sign(key.key_id, MESSAGE, signing_algorithm=algorithm).signature
    assert verify(downloaded_public_key(ks, key.key_id), MESSAGE, signature, algorithm)
    (tmp_path / "msg").write_bytes(MESSAGE)
    (tmp_path / "sig").write_bytes(signature)
    pem = write_public_pem(ks, key.key_id, tmp_path / "pub.pem")
    # OpenSSL 3.0 uses an empty SM2 ID unless told; KMS (and kmskit) use the default ID.
    distid = ["-pkeyopt", f"distid:{DEFAULT_ID}"] if spec == "SM2" else []
    out = openssl(
        openssl_bin,
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        pem,
        "-rawin",
        "-in",
        tmp_path / "msg",
        "-sigfile",
        tmp_path / "sig",
        *distid,
    )
    assert b"Signature Verified Successfully" in out


@pytest.mark.interop
def test_sm2_digest_lets_the_caller_use_another_id(
    ks: Keystore, tmp_path: Path, openssl_bin: str
) -> None:
    """DIGEST takes e = SM3(Z_A ‖ M), so Z_A can come from any ID; OpenSSL checks it with
    that ID over the message itself."""
    from kmskit.offline import sm2

    key = ks.create_key(key_spec="SM2", key_usage="SIGN_VERIFY")
    public = downloaded_public_key(ks, key.key_id).key
    assert isinstance(public, sm2.SM2PublicKey)
    e = sm2.compute_e(public, MESSAGE, b"alice@example.com")
    signature = ks.sign(key.key_id, e, signing_algorithm="SM2DSA", message_type="DIGEST").signature
    (tmp_path / "msg").write_bytes(MESSAGE)
    (tmp_path / "sig").write_bytes(signature)
    pem = write_public_pem(ks, key.key_id, tmp_path / "pub.pem")
    out = openssl(
        openssl_bin,
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        pem,
        "-rawin",
        "-in",
        tmp_path / "msg",
        "-sigfile",
        tmp_path / "sig",
        "-pkeyopt",
        "distid:alice@example.com",
    )
    assert b"Signature Verified Successfully" in out
    ks.verify(key.key_id, e, signature, signing_algorithm="SM2DSA", message_type="DIGEST")
    with pytest.raises(KMSInvalidSignatureException):  # RAW uses the default ID
        ks.verify(key.key_id, MESSAGE, signature, signing_algorithm="SM2DSA")


def test_digest_ed25519ph_and_ml_dsa(ks: Keystore) -> None:
    ecc = ks.create_key(key_spec="ECC_NIST_P256", key_usage="SIGN_VERIFY")
    digest = hashlib.sha256(MESSAGE).digest()
    signature = ks.sign(
        ecc.key_id, digest, signing_algorithm="ECDSA_SHA_256", message_type="DIGEST"
    ).signature
    assert verify(downloaded_public_key(ks, ecc.key_id), MESSAGE, signature, "ECDSA_SHA_256")

    ed = ks.create_key(key_spec="ECC_NIST_EDWARDS25519", key_usage="SIGN_VERIFY")
    prehash = hashlib.sha512(MESSAGE).digest()
    signature = ks.sign(
        ed.key_id, prehash, signing_algorithm="ED25519_PH_SHA_512", message_type="DIGEST"
    ).signature
    ks.verify(
        ed.key_id, prehash, signature, signing_algorithm="ED25519_PH_SHA_512", message_type="DIGEST"
    )
    with pytest.raises(ValidationException):  # Ed25519ph takes only DIGEST, as in KMS
        ks.sign(ed.key_id, MESSAGE, signing_algorithm="ED25519_PH_SHA_512")

    ml = ks.create_key(key_spec="ML_DSA_44", key_usage="SIGN_VERIFY")
    assert "CustomerMasterKeySpec" not in ks.get_public_key(ml.key_id).to_response()
    der = ks.get_public_key(ml.key_id).public_key
    peer = serialization.load_der_public_key(der)
    assert isinstance(peer, mldsa.MLDSA44PublicKey)
    signature = ks.sign(ml.key_id, MESSAGE, signing_algorithm="ML_DSA_SHAKE_256").signature
    peer.verify(signature, MESSAGE)  # pure ML-DSA, empty context
    tr = hashlib.shake_256(peer.public_bytes_raw()).digest(64)
    mu = hashlib.shake_256(tr + b"\x00\x00" + MESSAGE).digest(64)
    signature = ks.sign(
        ml.key_id, mu, signing_algorithm="ML_DSA_SHAKE_256", message_type="EXTERNAL_MU"
    ).signature
    peer.verify(signature, MESSAGE)


def test_sign_and_verify_errors_follow_kms(ks: Keystore) -> None:
    signing = ks.create_key(key_spec="ECC_NIST_P256", key_usage="SIGN_VERIFY")
    agreement = ks.create_key(key_spec="ECC_NIST_P256", key_usage="KEY_AGREEMENT")
    symmetric = ks.create_key()
    good = ks.sign(signing.key_id, b"m", signing_algorithm="ECDSA_SHA_256").signature
    for bad_message in (b"", b"x" * 4097):
        with pytest.raises(ValidationException):
            ks.sign(signing.key_id, bad_message, signing_algorithm="ECDSA_SHA_256")
    with pytest.raises(ValidationException):
        ks.sign(signing.key_id, b"m", signing_algorithm="ECDSA_SHA_999")
    with pytest.raises(ValidationException):
        ks.sign(signing.key_id, b"short", signing_algorithm="ECDSA_SHA_256", message_type="DIGEST")
    with pytest.raises(ValidationException):
        ks.verify(signing.key_id, b"m", b"", signing_algorithm="ECDSA_SHA_256")
    with pytest.raises(InvalidKeyUsageException):  # the spec's curve takes only SHA-256
        ks.sign(signing.key_id, b"m", signing_algorithm="ECDSA_SHA_384")
    for other in (agreement, symmetric):
        with pytest.raises(InvalidKeyUsageException):
            ks.sign(other.key_id, b"m", signing_algorithm="ECDSA_SHA_256")
    with pytest.raises(NotFoundException):
        ks.sign("alias/none", b"m", signing_algorithm="ECDSA_SHA_256")
    with pytest.raises(KMSInvalidSignatureException):  # malformed DER is just invalid
        ks.verify(signing.key_id, b"m", b"\x30\x00", signing_algorithm="ECDSA_SHA_256")
    ks.disable_key(signing.key_id)
    for call in (
        lambda: ks.sign(signing.key_id, b"m", signing_algorithm="ECDSA_SHA_256"),
        lambda: ks.verify(signing.key_id, b"m", good, signing_algorithm="ECDSA_SHA_256"),
        lambda: ks.get_public_key(signing.key_id),
    ):
        with pytest.raises(DisabledException):
            call()
    ks.schedule_key_deletion(signing.key_id)
    with pytest.raises(KMSInvalidStateException):
        ks.sign(signing.key_id, b"m", signing_algorithm="ECDSA_SHA_256")
    # state before usage: a disabled key of the wrong usage is DisabledException
    ks.disable_key(symmetric.key_id)
    with pytest.raises(DisabledException):
        ks.sign(symmetric.key_id, b"m", signing_algorithm="ECDSA_SHA_256")


def test_get_public_key_is_the_aws_shape_and_loads_offline(ks: Keystore) -> None:
    rsa = ks.create_key(key_spec="RSA_2048", key_usage="ENCRYPT_DECRYPT")
    response = ks.get_public_key(rsa.key_id).to_response()
    assert list(response) == [
        "KeyId",
        "PublicKey",
        "CustomerMasterKeySpec",
        "KeySpec",
        "KeyUsage",
        "EncryptionAlgorithms",
    ]
    assert response["KeyId"] == rsa.arn
    assert response["EncryptionAlgorithms"] == ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
    loaded = load_public_key(json.dumps(response).encode())
    assert loaded.spec is KeySpec.RSA_2048 and loaded.usage is not None
    assert loaded.spki_der() == base64.b64decode(response["PublicKey"])
    sm2 = ks.create_key(key_spec="SM2", key_usage="KEY_AGREEMENT")
    response = ks.get_public_key(sm2.key_id).to_response()
    assert response["KeyAgreementAlgorithms"] == ["ECDH"]
    assert "SigningAlgorithms" not in response and "EncryptionAlgorithms" not in response
    assert load_public_key(ks.get_public_key(sm2.key_id).to_pem().encode()).spec is KeySpec.SM2
    for no_public in (
        ks.create_key(),
        ks.create_key(key_spec="HMAC_256", key_usage="GENERATE_VERIFY_MAC"),
    ):
        with pytest.raises(UnsupportedOperationException):
            ks.get_public_key(no_public.key_id)
    pending = ks.create_key(key_spec="ECC_NIST_P256", key_usage="SIGN_VERIFY", origin="EXTERNAL")
    with pytest.raises(KMSInvalidStateException):
        ks.get_public_key(pending.key_id)


# -- asymmetric encryption ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "algorithm"),
    [("RSA_2048", "RSAES_OAEP_SHA_1"), ("RSA_2048", "RSAES_OAEP_SHA_256"), ("SM2", "SM2PKE")],
)
def test_offline_encrypt_to_the_public_key_decrypts_in_the_keystore(
    ks: Keystore, spec: str, algorithm: str
) -> None:
    key = ks.create_key(key_spec=spec, key_usage="ENCRYPT_DECRYPT")
    public = downloaded_public_key(ks, key.key_id)
    ciphertext = encrypt(public, b"for the keystore's eyes", algorithm)
    result = ks.decrypt(ciphertext, key_id=key.key_id, encryption_algorithm=algorithm)
    assert bytes(result.plaintext) == b"for the keystore's eyes"
    response = result.to_response()
    assert response["KeyId"] == key.arn and response["EncryptionAlgorithm"] == algorithm
    assert "KeyMaterialId" not in response  # KMS prints it for symmetric keys only
    # the keystore's own Encrypt gives ciphertext of the same kind
    mine = ks.encrypt(key.arn, b"round trip", encryption_algorithm=algorithm)
    assert mine.to_response()["EncryptionAlgorithm"] == algorithm
    assert (
        bytes(
            ks.decrypt(
                mine.ciphertext_blob, key_id=key.key_id, encryption_algorithm=algorithm
            ).plaintext
        )
        == b"round trip"
    )


@pytest.mark.interop
@pytest.mark.parametrize("spec", ["RSA_2048", "SM2"])
def test_openssl_encrypt_to_the_public_key_decrypts_in_the_keystore(
    ks: Keystore, tmp_path: Path, openssl_bin: str, spec: str
) -> None:
    key = ks.create_key(key_spec=spec, key_usage="ENCRYPT_DECRYPT")
    pem = write_public_pem(ks, key.key_id, tmp_path / "pub.pem")
    options = (
        [
            "-pkeyopt",
            "rsa_padding_mode:oaep",
            "-pkeyopt",
            "rsa_oaep_md:sha256",
            "-pkeyopt",
            "rsa_mgf1_md:sha256",
        ]
        if spec == "RSA_2048"
        else []
    )
    ciphertext = openssl(
        openssl_bin, "pkeyutl", "-encrypt", "-pubin", "-inkey", pem, *options, stdin=b"from openssl"
    )
    algorithm = "RSAES_OAEP_SHA_256" if spec == "RSA_2048" else "SM2PKE"
    result = ks.decrypt(ciphertext, key_id=key.key_id, encryption_algorithm=algorithm)
    assert bytes(result.plaintext) == b"from openssl"


def test_asymmetric_encryption_errors(ks: Keystore) -> None:
    rsa = ks.create_key(key_spec="RSA_2048", key_usage="ENCRYPT_DECRYPT")
    other = ks.create_key(key_spec="RSA_2048", key_usage="ENCRYPT_DECRYPT")
    sm2_signing = ks.create_key(key_spec="SM2", key_usage="SIGN_VERIFY")
    ciphertext = encrypt(downloaded_public_key(ks, rsa.key_id), b"x", "RSAES_OAEP_SHA_256")
    with pytest.raises(ValidationException):  # KMS needs KeyId for asymmetric ciphertext
        ks.decrypt(ciphertext, encryption_algorithm="RSAES_OAEP_SHA_256")
    with pytest.raises(InvalidCiphertextException):
        ks.decrypt(ciphertext, key_id=other.key_id, encryption_algorithm="RSAES_OAEP_SHA_256")
    with pytest.raises(InvalidCiphertextException):  # the other OAEP hash
        ks.decrypt(ciphertext, key_id=rsa.key_id, encryption_algorithm="RSAES_OAEP_SHA_1")
    with pytest.raises(InvalidKeyUsageException):
        ks.decrypt(ciphertext, key_id=rsa.key_id, encryption_algorithm="SM2PKE")
    with pytest.raises(InvalidKeyUsageException):  # SYMMETRIC_DEFAULT with an RSA key
        ks.decrypt(ciphertext, key_id=rsa.key_id)
    with pytest.raises(ValidationException):  # no encryption context with asymmetric keys
        ks.encrypt(
            rsa.key_id,
            b"x",
            encryption_algorithm="RSAES_OAEP_SHA_256",
            encryption_context={"a": "b"},
        )
    with pytest.raises(ValidationException):  # RSA-2048 OAEP-SHA-256 takes 190 bytes
        ks.encrypt(rsa.key_id, b"x" * 191, encryption_algorithm="RSAES_OAEP_SHA_256")
    assert ks.encrypt(rsa.key_id, b"x" * 190, encryption_algorithm="RSAES_OAEP_SHA_256")
    with pytest.raises(InvalidKeyUsageException):
        ks.encrypt(sm2_signing.key_id, b"x", encryption_algorithm="SM2PKE")
    # a symmetric blob named with an asymmetric key id is another key's ciphertext
    symmetric = ks.create_key()
    blob = ks.encrypt(symmetric.key_id, b"x").ciphertext_blob
    with pytest.raises(IncorrectKeyException):
        ks.decrypt(blob, key_id=ks.create_key().key_id)


def test_re_encrypt_between_symmetric_and_asymmetric_keys(ks: Keystore) -> None:
    symmetric = ks.create_key()
    rsa = ks.create_key(key_spec="RSA_2048", key_usage="ENCRYPT_DECRYPT")
    blob = ks.encrypt(symmetric.key_id, b"moving", encryption_context={"k": "v"}).ciphertext_blob
    moved = ks.re_encrypt(
        blob,
        rsa.key_id,
        source_encryption_context={"k": "v"},
        destination_encryption_algorithm="RSAES_OAEP_SHA_256",
    )
    response = moved.to_response()
    assert "SourceKeyMaterialId" in response and "DestinationKeyMaterialId" not in response
    back = ks.re_encrypt(
        moved.ciphertext_blob,
        symmetric.key_id,
        source_key_id=rsa.key_id,
        source_encryption_algorithm="RSAES_OAEP_SHA_256",
    )
    assert bytes(ks.decrypt(back.ciphertext_blob).plaintext) == b"moving"


# -- key agreement --------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "SM2"])
def test_derive_shared_secret_equals_the_peer_side(ks: Keystore, spec: str) -> None:
    key = ks.create_key(key_spec=spec, key_usage="KEY_AGREEMENT")
    peer = generate_private_key(KeySpec(spec))
    result = ks.derive_shared_secret(key.key_id, peer.public_key().spki_der())
    theirs = derive_shared_secret(peer, downloaded_public_key(ks, key.key_id))
    assert bytes(result.shared_secret) == theirs
    response = result.to_response()
    assert base64.b64decode(response["SharedSecret"]) == theirs
    assert (response["KeyId"], response["KeyAgreementAlgorithm"], response["KeyOrigin"]) == (
        key.arn,
        "ECDH",
        "AWS_KMS",
    )
    secret_b64 = response["SharedSecret"]
    assert all(secret_b64 not in json.dumps(r.to_dict()) for r in ks.audit.records())
    result.wipe()
    with pytest.raises(ValueError):
        result.to_response()


@pytest.mark.interop
def test_derive_shared_secret_equals_openssl(
    ks: Keystore, tmp_path: Path, openssl_bin: str
) -> None:
    key = ks.create_key(key_spec="ECC_NIST_P384", key_usage="KEY_AGREEMENT")
    openssl(
        openssl_bin,
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-384",
        "-out",
        tmp_path / "peer.pem",
    )
    peer_der = openssl(
        openssl_bin, "pkey", "-in", tmp_path / "peer.pem", "-pubout", "-outform", "DER"
    )
    kms_pem = write_public_pem(ks, key.key_id, tmp_path / "kms.pem")
    theirs = openssl(
        openssl_bin, "pkeyutl", "-derive", "-inkey", tmp_path / "peer.pem", "-peerkey", kms_pem
    )
    assert bytes(ks.derive_shared_secret(key.key_id, peer_der).shared_secret) == theirs


def test_derive_shared_secret_errors(ks: Keystore) -> None:
    key = ks.create_key(key_spec="ECC_NIST_P256", key_usage="KEY_AGREEMENT")
    signing = ks.create_key(key_spec="ECC_NIST_P256", key_usage="SIGN_VERIFY")
    p256 = generate_private_key(KeySpec.ECC_NIST_P256).public_key().spki_der()
    p384 = generate_private_key(KeySpec.ECC_NIST_P384).public_key().spki_der()
    with pytest.raises(InvalidKeyUsageException):
        ks.derive_shared_secret(signing.key_id, p256)
    with pytest.raises(ValidationException):
        ks.derive_shared_secret(key.key_id, p384)  # another curve
    with pytest.raises(ValidationException):
        ks.derive_shared_secret(key.key_id, p256, key_agreement_algorithm="ECMQV")
    off_curve = bytearray(p256)
    off_curve[-1] ^= 1
    for bad in (b"", b"not der", bytes(off_curve), p256 + b"\x00"):
        with pytest.raises(ValidationException):
            ks.derive_shared_secret(key.key_id, bad)
    ks.disable_key(key.key_id)
    with pytest.raises(DisabledException):
        ks.derive_shared_secret(key.key_id, p256)


def test_asymmetric_operations_are_audited_without_secrets(ks: Keystore) -> None:
    key = ks.create_key(key_spec="SM2", key_usage="ENCRYPT_DECRYPT")
    ciphertext = encrypt(downloaded_public_key(ks, key.key_id), b"very secret", "SM2PKE")
    ks.decrypt(ciphertext, key_id=key.key_id, encryption_algorithm="SM2PKE")
    signer = ks.create_key(key_spec="ECC_NIST_P256", key_usage="SIGN_VERIFY")
    ks.sign(signer.key_id, b"very secret", signing_algorithm="ECDSA_SHA_256")
    records = list(ks.audit.records())
    assert [r.operation for r in records[-3:]] == ["Decrypt", "CreateKey", "Sign"]
    assert records[-1].parameters == {
        "KeyId": signer.key_id,
        "SigningAlgorithm": "ECDSA_SHA_256",
        "MessageType": "RAW",
    }
    text = "\n".join(json.dumps(r.to_dict()) for r in records)
    for secret in (b"very secret", base64.b64encode(b"very secret")):
        assert secret.decode() not in text
    assert ks.audit.verify().ok


def test_private_key_never_leaves_through_decrypt(ks: Keystore) -> None:
    """The sealed PKCS #8 of an asymmetric key is not a blob any operation opens."""
    key = ks.create_key(key_spec="RSA_2048", key_usage="ENCRYPT_DECRYPT")
    private = generate_private_key(KeySpec.RSA_2048)  # someone else's key
    ciphertext = encrypt(downloaded_public_key(ks, key.key_id), b"x", "RSAES_OAEP_SHA_256")
    with pytest.raises(InvalidCiphertextException):
        decrypt(private, ciphertext, "RSAES_OAEP_SHA_256")
