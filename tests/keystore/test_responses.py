"""``to_response()`` shapes, checked against botocore's KMS service model: every member is
one the model defines for that operation's output, with the model's type. The one extension,
``KeyMetadata.DeletionProtection`` (Alibaba), is the only member allowed outside it."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import botocore
import pytest

from kmskit.keystore import Keystore

_MODEL_PATH = Path(botocore.__file__).parent / "data" / "kms" / "2014-11-01" / "service-2.json"
_EXTENSIONS = {("KeyMetadata", "DeletionProtection")}


@pytest.fixture(scope="module")
def shapes() -> dict[str, Any]:
    raw = (
        _MODEL_PATH.read_bytes()
        if _MODEL_PATH.exists()
        else gzip.decompress(_MODEL_PATH.with_suffix(".json.gz").read_bytes())
    )
    model = json.loads(raw)
    return {"operations": model["operations"], **model["shapes"]}


def _check(shapes: dict[str, Any], shape_name: str, value: Any, where: str) -> None:
    shape = shapes[shape_name]
    kind = shape["type"]
    if kind == "structure":
        assert isinstance(value, dict), where
        for member, member_value in value.items():
            if (shape_name, member) in _EXTENSIONS:
                continue
            assert member in shape["members"], f"{where}.{member} is not in {shape_name}"
            _check(shapes, shape["members"][member]["shape"], member_value, f"{where}.{member}")
    elif kind == "list":
        assert isinstance(value, list), where
        for item in value:
            _check(shapes, shape["member"]["shape"], item, f"{where}[]")
    elif kind == "string":
        assert isinstance(value, str), where
        if "enum" in shape and value not in ("SM4",):  # SM4 is our GM key spec
            assert value in shape["enum"], f"{where}={value!r}"
    elif kind == "blob":
        assert isinstance(value, str), where
        base64.b64decode(value, validate=True)
    elif kind == "boolean":
        assert isinstance(value, bool), where
    elif kind == "integer":
        assert isinstance(value, int) and not isinstance(value, bool), where
    elif kind == "timestamp":
        parsed = datetime.fromisoformat(value)
        assert parsed.utcoffset() is not None, where
    else:  # pragma: no cover - a shape kind the responses do not use
        pytest.fail(f"{where}: unexpected shape type {kind}")


def _output(shapes: dict[str, Any], operation: str) -> str:
    return str(shapes["operations"][operation]["output"]["shape"])


def test_responses_match_the_kms_model(ks: Keystore, shapes: dict[str, Any]) -> None:
    key = ks.create_key(tags={"t": "v"})
    sm4 = ks.create_key(key_spec="SM4")
    signing = ks.create_key(key_spec="ECC_NIST_P384", key_usage="SIGN_VERIFY")
    mac = ks.create_key(key_spec="HMAC_384", key_usage="GENERATE_VERIFY_MAC")
    ks.create_alias("alias/shape", key.key_id)
    blob = ks.encrypt(key.key_id, b"x").ciphertext_blob
    pending = ks.create_key()
    responses = {
        "CreateKey": key.to_response(),
        "DescribeKey": ks.describe_key(sm4.key_id).to_response(),
        "ListKeys": ks.list_keys(limit=1).to_response(),
        "ListAliases": ks.list_aliases().to_response(),
        "ListResourceTags": ks.list_resource_tags(key.key_id).to_response(),
        "ScheduleKeyDeletion": ks.schedule_key_deletion(pending.key_id).to_response(),
        "Encrypt": ks.encrypt(key.key_id, b"x").to_response(),
        "Decrypt": ks.decrypt(blob).to_response(),
        "ReEncrypt": ks.re_encrypt(blob, sm4.key_id).to_response(),
        "GenerateDataKey": ks.generate_data_key(key.key_id, key_spec="AES_128").to_response(),
        "GenerateDataKeyWithoutPlaintext": ks.generate_data_key_without_plaintext(
            key.key_id, number_of_bytes=8
        ).to_response(),
        "GenerateRandom": ks.generate_random(8).to_response(),
    }
    for operation, response in responses.items():
        _check(shapes, _output(shapes, operation), response, operation)
    for extra in (signing, mac, ks.describe_key(pending.key_id)):
        _check(shapes, "DescribeKeyResponse", extra.to_response(), "DescribeKey")
    _check(shapes, "CancelKeyDeletionResponse", {"KeyId": ks.cancel_key_deletion(pending.arn)}, "")

    # the members KMS always returns for these operations
    assert set(responses["Encrypt"]) == {"CiphertextBlob", "KeyId", "EncryptionAlgorithm"}
    assert set(responses["Decrypt"]) == {
        "KeyId",
        "Plaintext",
        "EncryptionAlgorithm",
        "KeyMaterialId",
    }
    assert set(responses["GenerateDataKey"]) == {
        "CiphertextBlob",
        "Plaintext",
        "KeyId",
        "KeyMaterialId",
    }
    assert set(responses["GenerateRandom"]) == {"Plaintext"}
    assert responses["ScheduleKeyDeletion"]["KeyState"] == "PendingDeletion"
    meta = responses["CreateKey"]["KeyMetadata"]
    assert meta["KeyManager"] == "CUSTOMER" and meta["MultiRegion"] is False
    assert meta["CustomerMasterKeySpec"] == meta["KeySpec"] == "SYMMETRIC_DEFAULT"
    assert meta["EncryptionAlgorithms"] == ["SYMMETRIC_DEFAULT"]
    assert "DeletionDate" not in meta and meta["DeletionProtection"] == "Disabled"
    for name in ("Encrypt", "Decrypt", "GenerateDataKey"):
        assert responses[name]["KeyId"] == key.arn  # KMS returns the key ARN
    assert responses["ListKeys"]["Truncated"] is True and "NextMarker" in responses["ListKeys"]


def test_ml_dsa_keys_have_no_customer_master_key_spec(ks: Keystore) -> None:
    meta = ks.create_key(key_spec="ML_DSA_44", key_usage="SIGN_VERIFY").to_response()
    assert "CustomerMasterKeySpec" not in meta["KeyMetadata"]
    assert meta["KeyMetadata"]["KeySpec"] == "ML_DSA_44"


def test_issue_5_responses_match_the_kms_model(ks: Keystore, shapes: dict[str, Any]) -> None:
    from datetime import timedelta

    from tests.keystore._peers import import_raw_material

    symmetric = ks.create_key()
    signing = ks.create_key(key_spec="SM2", key_usage="SIGN_VERIFY")
    agreement = ks.create_key(key_spec="ECC_NIST_P256", key_usage="KEY_AGREEMENT")
    mac_key = ks.create_key(key_spec="HMAC_256", key_usage="GENERATE_VERIFY_MAC")
    external = ks.create_key(origin="EXTERNAL")
    peer = ks.get_public_key(agreement.key_id).public_key  # any P-256 SPKI will do
    signature = ks.sign(signing.key_id, b"m", signing_algorithm="SM2DSA")
    mac = ks.generate_mac(mac_key.key_id, b"m", mac_algorithm="HMAC_SHA_256")
    ks.enable_key_rotation(symmetric.key_id)
    ks.rotate_key_on_demand(symmetric.key_id)
    params = ks.get_parameters_for_import(
        external.key_id, wrapping_algorithm="RSAES_OAEP_SHA_256", wrapping_key_spec="RSA_2048"
    )
    when = ks.describe_key(symmetric.key_id).creation_date + timedelta(days=30)
    import_raw_material(ks, external.key_id, bytes(32), valid_to=when)
    responses = {
        "Sign": signature.to_response(),
        "Verify": ks.verify(
            signing.key_id, b"m", signature.signature, signing_algorithm="SM2DSA"
        ).to_response(),
        "GetPublicKey": ks.get_public_key(signing.key_id).to_response(),
        "DeriveSharedSecret": ks.derive_shared_secret(agreement.key_id, peer).to_response(),
        "GenerateMac": mac.to_response(),
        "VerifyMac": ks.verify_mac(
            mac_key.key_id, b"m", mac.mac, mac_algorithm="HMAC_SHA_256"
        ).to_response(),
        "GenerateDataKeyPair": ks.generate_data_key_pair(
            symmetric.key_id, key_pair_spec="ECC_NIST_P256"
        ).to_response(),
        "GenerateDataKeyPairWithoutPlaintext": ks.generate_data_key_pair_without_plaintext(
            symmetric.key_id, key_pair_spec="SM2"
        ).to_response(),
        "GetParametersForImport": params.to_response(),
        "GetKeyRotationStatus": ks.get_key_rotation_status(symmetric.key_id).to_response(),
        "RotateKeyOnDemand": {"KeyId": ks.rotate_key_on_demand(symmetric.key_id)},
        "ListKeyRotations": ks.list_key_rotations(symmetric.key_id).to_response(),
        "DescribeKey": ks.describe_key(external.key_id).to_response(),
        "DeleteImportedKeyMaterial": ks.delete_imported_key_material(external.key_id).to_response(),
    }
    for operation, response in responses.items():
        _check(shapes, _output(shapes, operation), response, operation)
    _check(
        shapes,
        _output(shapes, "ImportKeyMaterial"),
        {"KeyId": external.arn, "KeyMaterialId": "0" * 64},
        "ImportKeyMaterial",
    )
    meta = responses["DescribeKey"]["KeyMetadata"]
    assert meta["ExpirationModel"] == "KEY_MATERIAL_EXPIRES" and "ValidTo" in meta
    assert set(responses["Verify"]) == {"KeyId", "SignatureValid", "SigningAlgorithm"}
    assert set(responses["GenerateMac"]) == {"Mac", "MacAlgorithm", "KeyId"}
