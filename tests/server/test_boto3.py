"""boto3 against ``kmskit serve``: every family of operation, checked against a peer.

Signatures made through the server are verified with ``cryptography`` (RSA, ECDSA, Ed25519)
or kmskit's offline verifier (SM2, ML-DSA, itself checked against gmssl and Wycheproof
elsewhere); RSA ciphertexts are made locally with ``cryptography`` and decrypted by the
server; ECDH is compared with ``cryptography``'s exchange; imported material is wrapped
locally and then used. ARNs name the client's region (eu-west-1), not the home's.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kmskit.offline import load_public_key, verify
from tests.server._server import REGION

MESSAGE = b"kmskit serve: a message to sign"
ARN_PREFIX = f"arn:aws:kms:{REGION}:111122223333:key/"
PRINCIPAL_ARN = "arn:aws:iam::111122223333:user/bob"


def _error(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def _key(kms: Any, **kwargs: Any) -> str:
    meta = kms.create_key(**kwargs)["KeyMetadata"]
    assert meta["Arn"] == ARN_PREFIX + meta["KeyId"]
    return str(meta["KeyId"])


@pytest.mark.parametrize("spec", ["SYMMETRIC_DEFAULT", "SM4"])
def test_symmetric_keys(kms: Any, spec: str) -> None:
    key_id = _key(kms, KeySpec=spec, Description=f"{spec} key")
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert (meta["KeySpec"], meta["KeyState"], meta["Enabled"]) == (spec, "Enabled", True)
    assert meta["CreationDate"].tzinfo is not None  # epoch seconds on the wire, parsed
    context = {"purpose": "test", "tenant": "ü"}
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"secret", EncryptionContext=context)
    assert blob["KeyId"] == ARN_PREFIX + key_id
    opened = kms.decrypt(CiphertextBlob=blob["CiphertextBlob"], EncryptionContext=context)
    assert opened["Plaintext"] == b"secret"
    with pytest.raises(ClientError) as wrong:
        kms.decrypt(CiphertextBlob=blob["CiphertextBlob"], EncryptionContext={"purpose": "x"})
    assert _error(wrong) == "InvalidCiphertextException"
    other = _key(kms, KeySpec=spec)
    moved = kms.re_encrypt(
        CiphertextBlob=blob["CiphertextBlob"],
        SourceEncryptionContext=context,
        DestinationKeyId=other,
    )
    assert kms.decrypt(CiphertextBlob=moved["CiphertextBlob"])["Plaintext"] == b"secret"
    data_key = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256")
    assert len(data_key["Plaintext"]) == 32
    again = kms.decrypt(CiphertextBlob=data_key["CiphertextBlob"])
    assert again["Plaintext"] == data_key["Plaintext"]
    # The data key works with an independent AES-GCM.
    AESGCM(data_key["Plaintext"]).encrypt(bytes(12), b"x", None)
    bare = kms.generate_data_key_without_plaintext(KeyId=key_id, NumberOfBytes=16)
    assert len(kms.decrypt(CiphertextBlob=bare["CiphertextBlob"])["Plaintext"]) == 16
    assert len(kms.generate_random(NumberOfBytes=33)["Plaintext"]) == 33


def _public_key(kms: Any, key_id: str) -> Any:
    der = kms.get_public_key(KeyId=key_id)["PublicKey"]
    return serialization.load_der_public_key(der)


@pytest.mark.parametrize(
    ("spec", "algorithm"),
    [
        ("RSA_2048", "RSASSA_PSS_SHA_256"),
        ("RSA_3072", "RSASSA_PKCS1_V1_5_SHA_384"),
        ("ECC_NIST_P256", "ECDSA_SHA_256"),
        ("ECC_SECG_P256K1", "ECDSA_SHA_256"),
        ("ECC_NIST_EDWARDS25519", "ED25519_SHA_512"),
    ],
)
def test_sign_verify_checked_by_cryptography(kms: Any, spec: str, algorithm: str) -> None:
    key_id = _key(kms, KeySpec=spec, KeyUsage="SIGN_VERIFY")
    signature = kms.sign(KeyId=key_id, Message=MESSAGE, SigningAlgorithm=algorithm)["Signature"]
    public = _public_key(kms, key_id)
    if isinstance(public, rsa.RSAPublicKey):
        digest = hashes.SHA256() if algorithm.endswith("256") else hashes.SHA384()
        pad: padding.AsymmetricPadding = (
            padding.PSS(padding.MGF1(digest), padding.PSS.DIGEST_LENGTH)
            if "PSS" in algorithm
            else padding.PKCS1v15()
        )
        public.verify(signature, MESSAGE, pad, digest)
    elif isinstance(public, ec.EllipticCurvePublicKey):
        public.verify(signature, MESSAGE, ec.ECDSA(hashes.SHA256()))
    else:
        assert isinstance(public, ed25519.Ed25519PublicKey)
        public.verify(signature, MESSAGE)
    valid = kms.verify(
        KeyId=key_id, Message=MESSAGE, Signature=signature, SigningAlgorithm=algorithm
    )
    assert valid["SignatureValid"] is True
    with pytest.raises(ClientError) as bad:
        kms.verify(
            KeyId=key_id, Message=MESSAGE + b"!", Signature=signature, SigningAlgorithm=algorithm
        )
    assert _error(bad) == "KMSInvalidSignatureException"


@pytest.mark.parametrize(
    ("spec", "algorithm"), [("SM2", "SM2DSA"), ("ML_DSA_44", "ML_DSA_SHAKE_256")]
)
def test_sm2_and_ml_dsa_sign_verify(kms: Any, spec: str, algorithm: str) -> None:
    key_id = _key(kms, KeySpec=spec, KeyUsage="SIGN_VERIFY")
    signature = kms.sign(KeyId=key_id, Message=MESSAGE, SigningAlgorithm=algorithm)["Signature"]
    public = load_public_key(kms.get_public_key(KeyId=key_id)["PublicKey"])
    assert verify(public, MESSAGE, signature, algorithm)
    assert kms.verify(
        KeyId=key_id, Message=MESSAGE, Signature=signature, SigningAlgorithm=algorithm
    )["SignatureValid"]


def test_rsa_encryption_made_by_cryptography(kms: Any) -> None:
    key_id = _key(kms, KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")
    public = _public_key(kms, key_id)
    oaep = padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None)
    ciphertext = public.encrypt(b"to the server", oaep)
    opened = kms.decrypt(
        KeyId=key_id, CiphertextBlob=ciphertext, EncryptionAlgorithm="RSAES_OAEP_SHA_256"
    )
    assert opened["Plaintext"] == b"to the server"


def test_sm2_encryption(kms: Any) -> None:
    key_id = _key(kms, KeySpec="SM2", KeyUsage="ENCRYPT_DECRYPT")
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"sm2 data", EncryptionAlgorithm="SM2PKE")
    opened = kms.decrypt(
        KeyId=key_id, CiphertextBlob=blob["CiphertextBlob"], EncryptionAlgorithm="SM2PKE"
    )
    assert opened["Plaintext"] == b"sm2 data"


def test_ecdh_matches_cryptography(kms: Any) -> None:
    key_id = _key(kms, KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT")
    peer = ec.generate_private_key(ec.SECP256R1())
    peer_der = peer.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    shared = kms.derive_shared_secret(
        KeyId=key_id, KeyAgreementAlgorithm="ECDH", PublicKey=peer_der
    )["SharedSecret"]
    assert shared == peer.exchange(ec.ECDH(), _public_key(kms, key_id))


def test_hmac(kms: Any) -> None:
    key_id = _key(kms, KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
    mac = kms.generate_mac(KeyId=key_id, Message=MESSAGE, MacAlgorithm="HMAC_SHA_256")["Mac"]
    assert len(mac) == 32
    assert kms.verify_mac(KeyId=key_id, Message=MESSAGE, Mac=mac, MacAlgorithm="HMAC_SHA_256")[
        "MacValid"
    ]
    with pytest.raises(ClientError) as bad:
        kms.verify_mac(KeyId=key_id, Message=b"other", Mac=mac, MacAlgorithm="HMAC_SHA_256")
    assert _error(bad) == "KMSInvalidMacException"


def test_data_key_pairs(kms: Any) -> None:
    key_id = _key(kms)
    pair = kms.generate_data_key_pair(KeyId=key_id, KeyPairSpec="ECC_NIST_P256")
    private = serialization.load_der_private_key(pair["PrivateKeyPlaintext"], None)
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    public_der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert public_der == pair["PublicKey"]
    opened = kms.decrypt(CiphertextBlob=pair["PrivateKeyCiphertextBlob"])
    assert opened["Plaintext"] == pair["PrivateKeyPlaintext"]
    bare = kms.generate_data_key_pair_without_plaintext(KeyId=key_id, KeyPairSpec="SM2")
    assert "PrivateKeyPlaintext" not in bare and bare["KeyPairSpec"] == "SM2"


def test_import_key_material(kms: Any) -> None:
    key_id = _key(kms, Origin="EXTERNAL")
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingImport"
    params = kms.get_parameters_for_import(
        KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048"
    )
    assert params["ParametersValidTo"].tzinfo is not None
    material = bytes(range(32))
    wrapping = serialization.load_der_public_key(params["PublicKey"])
    assert isinstance(wrapping, rsa.RSAPublicKey)
    wrapped = wrapping.encrypt(
        material, padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None)
    )
    kms.import_key_material(
        KeyId=key_id,
        ImportToken=params["ImportToken"],
        EncryptedKeyMaterial=wrapped,
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
    )
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"imported")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"imported"


def test_rotation(kms: Any) -> None:
    key_id = _key(kms)
    before = kms.encrypt(KeyId=key_id, Plaintext=b"old")["CiphertextBlob"]
    kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
    status = kms.get_key_rotation_status(KeyId=key_id)
    assert status["KeyRotationEnabled"] and status["RotationPeriodInDays"] == 90
    kms.rotate_key_on_demand(KeyId=key_id)
    rotations = kms.list_key_rotations(KeyId=key_id)["Rotations"]
    assert len(rotations) == 1 and rotations[0]["RotationType"] == "ON_DEMAND"
    assert kms.decrypt(CiphertextBlob=before)["Plaintext"] == b"old"
    kms.disable_key_rotation(KeyId=key_id)
    assert not kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"]


def test_aliases_tags_and_states(kms: Any) -> None:
    key_id = _key(kms, Tags=[{"TagKey": "team", "TagValue": "a"}])
    kms.create_alias(AliasName="alias/served", TargetKeyId=key_id)
    assert kms.describe_key(KeyId="alias/served")["KeyMetadata"]["KeyId"] == key_id
    alias_arn = f"arn:aws:kms:{REGION}:111122223333:alias/served"
    assert kms.describe_key(KeyId=alias_arn)["KeyMetadata"]["KeyId"] == key_id
    aliases = kms.list_aliases(KeyId=key_id)["Aliases"]
    assert [(a["AliasName"], a["AliasArn"]) for a in aliases] == [("alias/served", alias_arn)]
    paginator = kms.get_paginator("list_aliases")
    assert any(
        a["AliasName"] == "alias/served"
        for page in paginator.paginate(PaginationConfig={"PageSize": 1})
        for a in page["Aliases"]
    )
    kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "env", "TagValue": "test"}])
    kms.untag_resource(KeyId=key_id, TagKeys=["team"])
    assert kms.list_resource_tags(KeyId=key_id)["Tags"] == [{"TagKey": "env", "TagValue": "test"}]
    kms.disable_key(KeyId=key_id)
    with pytest.raises(ClientError) as disabled:
        kms.encrypt(KeyId="alias/served", Plaintext=b"x")
    assert _error(disabled) == "DisabledException"
    kms.enable_key(KeyId=key_id)
    deletion = kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert deletion["KeyState"] == "PendingDeletion" and deletion["DeletionDate"].tzinfo
    kms.cancel_key_deletion(KeyId=key_id)
    kms.delete_alias(AliasName="alias/served")
    with pytest.raises(ClientError) as gone:
        kms.describe_key(KeyId="alias/served")
    assert _error(gone) == "NotFoundException"
    assert exc_status(gone) == 400


def exc_status(exc: pytest.ExceptionInfo[ClientError]) -> int:
    return int(exc.value.response["ResponseMetadata"]["HTTPStatusCode"])


@pytest.mark.parametrize(
    ("call", "kwargs", "code"),
    [
        ("describe_key", {"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"}, "NotFoundException"),
        ("generate_random", {"NumberOfBytes": 2000}, "ValidationException"),
        ("create_key", {"Policy": "{}"}, "MalformedPolicyDocumentException"),
        ("create_key", {"KeySpec": "RSA_1024"}, "ValidationException"),
        (
            "create_alias",
            {"AliasName": "alias/aws/x", "TargetKeyId": "k"},
            "InvalidAliasNameException",
        ),
        ("decrypt", {"CiphertextBlob": b"not a blob"}, "InvalidCiphertextException"),
        (
            "create_grant",
            {"KeyId": "k", "GranteePrincipal": PRINCIPAL_ARN, "Operations": ["Decrypt"]},
            "NotFoundException",
        ),
    ],
)
def test_errors_have_aws_names_and_400(
    kms: Any, call: str, kwargs: dict[str, Any], code: str
) -> None:
    with pytest.raises(ClientError) as failed:
        getattr(kms, call)(**kwargs)
    assert _error(failed) == code
    assert exc_status(failed) == 400


def test_audit_names_the_principal(kms: Any, server_home: Any) -> None:
    from kmskit.keystore import open_audit_log

    key_id = _key(kms, Description="audited")
    with open_audit_log(server_home) as log:
        records = [r for r in log.records() if r.key_arn == ARN_PREFIX + key_id]
        assert log.verify().ok
    assert records and all(r.principal == "arn:aws:iam::111122223333:user/alice" for r in records)


def test_hmac_key_matches_an_independent_hmac_after_import(kms: Any) -> None:
    # An imported HMAC key: the server's MAC equals Python's hmac over the same material.
    key_id = _key(kms, KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC", Origin="EXTERNAL")
    params = kms.get_parameters_for_import(
        KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048"
    )
    material = hashlib.sha256(b"hmac material").digest()
    wrapping = serialization.load_der_public_key(params["PublicKey"])
    assert isinstance(wrapping, rsa.RSAPublicKey)
    kms.import_key_material(
        KeyId=key_id,
        ImportToken=params["ImportToken"],
        EncryptedKeyMaterial=wrapping.encrypt(
            material, padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None)
        ),
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
    )
    mac = kms.generate_mac(KeyId=key_id, Message=MESSAGE, MacAlgorithm="HMAC_SHA_256")["Mac"]
    assert mac == hmac.new(material, MESSAGE, hashlib.sha256).digest()
