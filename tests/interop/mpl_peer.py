"""A peer process: the AWS Encryption SDK with the Material Providers Library (MPL).

Run by tests/interop/test_envelope_mpl.py and test_mpl_through_serve.py with the isolated
``.venv-mpl`` interpreter (the MPL pins ``cryptography<51``, so it does not share kmskit's
test environment; ``make .venv-mpl/.installed`` builds it). It never
imports kmskit. One JSON request on stdin, one JSON answer on stdout:

request: {"op": "encrypt" | "decrypt", "data": base64, "keyring": {...},
          "context": {...}, "required_keys": [...], "algorithm": "ALG name",
          "commitment_policy": "...", "frame_length": int}
keyring: {"type": "raw-aes", "namespace", "name", "key": base64}
       | {"type": "raw-rsa", "namespace", "name", "padding": MPL PaddingScheme,
          "public_pem"?, "private_pem"?}
       | {"type": "aws-kms-rsa", "key_arn", "algorithm", "public_pem"?,
          "kms": {"endpoint_url", "access_key_id"?, "secret_access_key"?} | {"private_pem"}}
       | {"type": "aws-kms", "key_arn", "kms": {"endpoint_url", "access_key_id"?,
          "secret_access_key"?}}
answer:  {"ok": true, "data": base64, "context": {...}} | {"ok": false, "error": "Name: text"}

For ``aws-kms-rsa`` decrypt and ``aws-kms`` (the MPL's AWS KMS keyring), ``kms.endpoint_url``
points the MPL's boto3 client at a KMS on 127.0.0.1 (``kmskit serve``, with the access key
it issued in ``kms.access_key_id`` and ``kms.secret_access_key``; see
tests/interop/test_mpl_through_serve.py). ``kms.private_pem`` instead answers the MPL's KMS
Decrypt request inside botocore (a ``before-call`` hook) with that private key, after
checking the request the MPL built (KeyId, EncryptionAlgorithm): a stand-in KMS for a key
pair made locally.
"""

from __future__ import annotations

import base64
import json
import sys
from typing import Any

import aws_encryption_sdk
import boto3
from aws_cryptographic_material_providers.mpl import AwsCryptographicMaterialProviders
from aws_cryptographic_material_providers.mpl.config import MaterialProvidersConfig
from aws_cryptographic_material_providers.mpl.models import (
    AesWrappingAlg,
    CreateAwsKmsKeyringInput,
    CreateAwsKmsRsaKeyringInput,
    CreateDefaultCryptographicMaterialsManagerInput,
    CreateRawAesKeyringInput,
    CreateRawRsaKeyringInput,
    CreateRequiredEncryptionContextCMMInput,
)
from aws_encryption_sdk import CommitmentPolicy
from aws_encryption_sdk.identifiers import Algorithm
from botocore.awsrequest import AWSResponse
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

MPL = AwsCryptographicMaterialProviders(config=MaterialProvidersConfig())
_AES = {
    16: AesWrappingAlg.ALG_AES128_GCM_IV12_TAG16,
    24: AesWrappingAlg.ALG_AES192_GCM_IV12_TAG16,
    32: AesWrappingAlg.ALG_AES256_GCM_IV12_TAG16,
}
_OAEP = {"RSAES_OAEP_SHA_1": hashes.SHA1, "RSAES_OAEP_SHA_256": hashes.SHA256}


def _kms_standing_in(spec: dict[str, Any], region: str) -> Any:
    """A boto3 KMS client whose Decrypt is answered here with the private key."""
    private = serialization.load_pem_private_key(spec["private_pem"].encode(), password=None)
    client = boto3.client(
        "kms",
        region_name=region,
        endpoint_url="http://127.0.0.1:9",  # never reached: the hook answers first
        aws_access_key_id="peer",
        aws_secret_access_key="peer",
    )

    def answer(model: Any, params: Any, **_: Any) -> Any:
        if model.name != "Decrypt":
            return None
        body = json.loads(params["body"])
        algorithm = body.get("EncryptionAlgorithm")
        if algorithm not in _OAEP or body.get("KeyId") != spec["key_arn"]:
            raise RuntimeError(f"unexpected KMS Decrypt request {sorted(body)} {algorithm}")
        h = _OAEP[algorithm]()
        plaintext = private.decrypt(  # type: ignore[union-attr]
            base64.b64decode(body["CiphertextBlob"]),
            padding.OAEP(mgf=padding.MGF1(h), algorithm=h, label=None),
        )
        parsed = {
            "KeyId": spec["key_arn"],
            "Plaintext": plaintext,
            "EncryptionAlgorithm": algorithm,
        }
        return AWSResponse("http://127.0.0.1:9", 200, {}, None), parsed

    client.meta.events.register("before-call.kms.Decrypt", answer)
    return client


def _kms_client(kms: dict[str, Any], region: str) -> Any:
    """A boto3 KMS client for the KMS at ``kms["endpoint_url"]``; without an access key in
    the request it takes the environment's credentials."""
    credentials = {}
    if "access_key_id" in kms:
        credentials = {
            "aws_access_key_id": kms["access_key_id"],
            "aws_secret_access_key": kms["secret_access_key"],
        }
    return boto3.client(
        "kms", region_name=region, endpoint_url=kms["endpoint_url"], **credentials
    )


def _keyring(spec: dict[str, Any]) -> Any:
    kind = spec["type"]
    if kind == "raw-aes":
        key = base64.b64decode(spec["key"])
        return MPL.create_raw_aes_keyring(
            CreateRawAesKeyringInput(
                key_namespace=spec["namespace"],
                key_name=spec["name"],
                wrapping_key=key,
                wrapping_alg=_AES[len(key)],
            )
        )
    if kind == "raw-rsa":
        return MPL.create_raw_rsa_keyring(
            CreateRawRsaKeyringInput(
                key_namespace=spec["namespace"],
                key_name=spec["name"],
                padding_scheme=spec["padding"],
                public_key=spec["public_pem"].encode() if spec.get("public_pem") else None,
                private_key=spec["private_pem"].encode() if spec.get("private_pem") else None,
            )
        )
    if kind == "aws-kms-rsa":
        region = spec["key_arn"].split(":")[3]
        kms = spec.get("kms") or {}
        client = None
        if "private_pem" in kms:
            client = _kms_standing_in({**kms, "key_arn": spec["key_arn"]}, region)
        elif "endpoint_url" in kms:
            client = _kms_client(kms, region)
        return MPL.create_aws_kms_rsa_keyring(
            CreateAwsKmsRsaKeyringInput(
                kms_key_id=spec["key_arn"],
                encryption_algorithm=spec["algorithm"],
                public_key=spec["public_pem"].encode() if spec.get("public_pem") else None,
                kms_client=client,
            )
        )
    if kind == "aws-kms":
        region = spec["key_arn"].split(":")[3]
        return MPL.create_aws_kms_keyring(
            CreateAwsKmsKeyringInput(
                kms_key_id=spec["key_arn"], kms_client=_kms_client(spec["kms"], region)
            )
        )
    raise ValueError(f"unknown keyring type {kind}")


def _materials(request: dict[str, Any]) -> dict[str, Any]:
    keyring = _keyring(request["keyring"])
    required = request.get("required_keys")
    if not required:
        return {"keyring": keyring}
    cmm = MPL.create_default_cryptographic_materials_manager(
        CreateDefaultCryptographicMaterialsManagerInput(keyring=keyring)
    )
    return {
        "materials_manager": MPL.create_required_encryption_context_cmm(
            CreateRequiredEncryptionContextCMMInput(
                required_encryption_context_keys=list(required), underlying_cmm=cmm
            )
        )
    }


def run(request: dict[str, Any]) -> dict[str, Any]:
    policy = CommitmentPolicy[request.get("commitment_policy", "REQUIRE_ENCRYPT_REQUIRE_DECRYPT")]
    client = aws_encryption_sdk.EncryptionSDKClient(commitment_policy=policy)
    data = base64.b64decode(request["data"])
    context = request.get("context") or {}
    if request["op"] == "encrypt":
        extra: dict[str, Any] = {}
        if request.get("algorithm"):
            extra["algorithm"] = Algorithm[request["algorithm"]]
        if request.get("frame_length") is not None:
            extra["frame_length"] = request["frame_length"]
        out, header = client.encrypt(
            source=data, encryption_context=context, **_materials(request), **extra
        )
    else:
        out, header = client.decrypt(
            source=data, encryption_context=context, **_materials(request)
        )
    return {
        "ok": True,
        "data": base64.b64encode(bytes(out)).decode(),
        "context": dict(header.encryption_context),
    }


def _describe(exc: BaseException) -> str:
    """The error and its causes: the ESDK wraps the MPL's error, which collects the
    keyrings' own errors (KMS's among them) in ``list``."""
    parts = []
    seen: BaseException | None = exc
    while seen is not None and len(parts) < 8:
        text = f"{type(seen).__name__}: {seen}"
        causes = getattr(seen, "list", None)
        if isinstance(causes, list) and causes:
            text += " [" + "; ".join(f"{type(c).__name__}: {c}" for c in causes) + "]"
        parts.append(text)
        seen = seen.__cause__ or seen.__context__
    return " <- ".join(parts)


def main() -> None:
    request = json.load(sys.stdin)
    try:
        answer = run(request)
    except Exception as exc:  # the peer reports every failure as data
        answer = {"ok": False, "error": _describe(exc)}
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
