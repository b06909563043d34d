"""A peer process: Alibaba Cloud's Python Encryption SDK (PyPI ``bestv-aliyun-encryption-sdk``).

Run by tests/interop/test_aliyun_esdk.py with the isolated ``.venv-aliyun-esdk`` interpreter
(the SDK pins ``cryptography==3.2.1``; ``make .venv-aliyun-esdk/.installed`` builds it). It
never imports kmskit. One JSON request on stdin, one JSON answer on stdout.

Format level (no KMS): the SDK's own DefaultEncryptHandler and Asn1FormatHandler, given the
data key and the encrypted data keys, exactly as its client calls them after KMS answered:

request: {"op": "seal", "algorithm_id": 1|2, "data_key": b64, "version": 1,
          "edks": [{"key_id": str, "blob": base64 text}], "context": {...}, "data": b64}
answer:  {"ok": true, "message": b64}
request: {"op": "open", "message": b64, "data_key": b64}
answer:  {"ok": true, "data": b64, "algorithm_id": int, "version": int, "context": {...},
          "edks": [{"key_id": str, "blob": base64 text}]}
KMS level (the SDK's whole client, its KMS calls going to ``kmskit serve``'s Alibaba API;
the test sets ALIBABA_CLOUD_CA_BUNDLE to the server's certificate):

request: {"op": "kms-encrypt", "endpoint": "127.0.0.1:PORT", "region", "access_key_id",
          "secret", "key_arn", "algorithm_id", "context": {...}, "data": b64}
answer:  {"ok": true, "message": b64}
request: {"op": "kms-decrypt", "endpoint", "region", "access_key_id", "secret", "key_arn",
          "message": b64}
answer:  {"ok": true, "data": b64, "context": {...}}
failure: {"ok": false, "error": "Name: text"}
"""

from __future__ import annotations

import base64
import json
import sys
from typing import Any

from aliyun_encryption_sdk.ckm import DecryptionMaterial, EncryptionMaterial
from aliyun_encryption_sdk.handle.encryption import DefaultEncryptHandler
from aliyun_encryption_sdk.handle.format import Asn1FormatHandler
from aliyun_encryption_sdk.model import Algorithm
from aliyun_encryption_sdk.provider import EncryptedDataKey


def seal(request: dict[str, Any]) -> dict[str, Any]:
    algorithm = Algorithm.get_algorithm_by_id(request["algorithm_id"])
    edks = {EncryptedDataKey(e["key_id"].encode(), e["blob"].encode()) for e in request["edks"]}
    material = EncryptionMaterial(
        version=request.get("version", 1),
        encryption_context=dict(request["context"]),
        algorithm=algorithm,
        plaintext_data_key=base64.b64decode(request["data_key"]),
        encrypted_data_keys=edks,
    )
    cipher = DefaultEncryptHandler().encrypt(base64.b64decode(request["data"]), material)
    message = Asn1FormatHandler().serialize(cipher)
    return {"ok": True, "message": base64.b64encode(message).decode()}


def open_(request: dict[str, Any]) -> dict[str, Any]:
    material = Asn1FormatHandler().deserialize(base64.b64decode(request["message"]))
    header = material.cipher_header
    decryption = DecryptionMaterial(
        encryption_context=header.encryption_context,
        algorithm=header.algorithm,
        plaintext_data_key=base64.b64decode(request["data_key"]),
    )
    data = DefaultEncryptHandler().decrypt(material, decryption)
    return {
        "ok": True,
        "data": base64.b64encode(data).decode(),
        "algorithm_id": header.algorithm.algorithm_id,
        "version": header.version,
        "context": header.encryption_context,
        "edks": sorted(
            (
                {"key_id": e.key_arn.decode(), "blob": e.encrypted_data_key.decode()}
                for e in header.encrypted_data_keys
            ),
            key=lambda e: e["key_id"],
        ),
    }


def _crypto(request: dict[str, Any]) -> Any:
    from aliyun_encryption_sdk.client import AliyunCrypto
    from aliyun_encryption_sdk.kms import AliyunConfig
    from aliyunsdkcore.profile import region_provider

    # The one change a user makes to reach another KMS endpoint.
    region_provider.add_endpoint("Kms", request["region"], request["endpoint"])
    config = AliyunConfig(
        access_key_id=request["access_key_id"],
        access_key_secret=request["secret"],
        region=request["region"],
        max_retries=1,
    )
    return AliyunCrypto(config)


def kms_encrypt(request: dict[str, Any]) -> dict[str, Any]:
    from aliyun_encryption_sdk.provider.default import DefaultDataKeyProvider

    provider = DefaultDataKeyProvider(
        request["key_arn"], algorithm=Algorithm.get_algorithm_by_id(request["algorithm_id"])
    )
    message, _ = _crypto(request).encrypt(
        provider, base64.b64decode(request["data"]), dict(request["context"])
    )
    return {"ok": True, "message": base64.b64encode(message).decode()}


def kms_decrypt(request: dict[str, Any]) -> dict[str, Any]:
    from aliyun_encryption_sdk.provider.default import DefaultDataKeyProvider

    provider = DefaultDataKeyProvider(request["key_arn"])
    data, material = _crypto(request).decrypt(provider, base64.b64decode(request["message"]))
    return {
        "ok": True,
        "data": base64.b64encode(data).decode(),
        "context": material.cipher_header.encryption_context,
    }


def main() -> None:
    request = json.load(sys.stdin)
    try:
        ops = {"seal": seal, "open": open_, "kms-encrypt": kms_encrypt, "kms-decrypt": kms_decrypt}
        answer = ops[request["op"]](request)
    except Exception as exc:  # the peer reports, the test decides
        answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
