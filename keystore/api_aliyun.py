"""The Alibaba Cloud KMS OpenAPI (version 2016-01-20, RPC style) over the operation table.

``kmskit serve`` answers Alibaba's SDKs with this module beside the AWS JSON front end
(:mod:`keystore.api_json`): one model, two APIs. Each Alibaba action is translated into
requests of the one operation table (:mod:`keystore.api_table`), so a key made through
either API is the same key, seen by each with its own naming (the spec tables of
:mod:`offline.specs`): ARNs ``acs:kms:<region>:<uid>:key/<id>`` (uid = the home's account),
``Aliyun_AES_256``/``Aliyun_SM4``/``EC_SM2``…, ``ENCRYPT/DECRYPT``/``SIGN/VERIFY``.

Where Alibaba KMS behaves unlike AWS KMS, this copies Alibaba (its API reference for each
action):

* ``Plaintext`` of Encrypt/Decrypt is text (its UTF-8 bytes are encrypted; Decrypt refuses
  a plaintext that is not UTF-8 with ``UnsupportedOperation``); ``EncryptionContext`` is a
  JSON string;
* GenerateDataKey encrypts the **base64 text** of the data key, and returns that text as
  ``Plaintext`` (the Encryption SDKs base64-decode what Decrypt gives back);
  GenerateAndExportDataKey encrypts that text under the KMS key and a caller's public key;
* AsymmetricEncrypt with SM2PKE takes up to 6047 bytes (AWS KMS: 1024);
* AsymmetricSign takes ``Digest`` (for SM2: SM3(Z ‖ M) with the default ID) and returns a
  DER signature; the asymmetric actions and GetPublicKey take a ``KeyVersionId``;
* a key version is a key material generation: the current material, and each rotation's.

Errors carry Alibaba's codes and HTTP statuses (:func:`aliyun_error`).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from kmskit.keystore._keys import key_material_id
from kmskit.keystore.api import Operation, Result, call, kebab, response, wipe_result
from kmskit.keystore.api_table import operation_named
from kmskit.offline.errors import KmsError, KmskitError
from kmskit.offline.pem import pem_text
from kmskit.offline.specs import ALIBABA_KEY_SPECS, ALIBABA_KEY_USAGES, SYMMETRIC_ENCRYPTION_SPECS

if TYPE_CHECKING:
    from kmskit.keystore import Keystore

__all__ = ["ACTIONS", "ALIYUN_API_VERSION", "AliyunApiError", "aliyun_error", "answer_aliyun"]

ALIYUN_API_VERSION: Final = "2016-01-20"

_SPEC_NAMES: Final = {aws.value: name for name, aws in ALIBABA_KEY_SPECS.items()}
_SPEC_NAMES["SYMMETRIC_DEFAULT"] = "Aliyun_AES_256"
# The symmetric encryption specs (their key versions are material generations).
_USAGE_NAMES: Final = {aws.value: name for name, aws in ALIBABA_KEY_USAGES.items()}
_STATES: Final = {
    "Enabled": "Enabled",
    "Disabled": "Disabled",
    "PendingDeletion": "PendingDeletion",
    "PendingImport": "PendingImport",
}
_SIGNING: Final = {
    "RSA_PSS_SHA_256": "RSASSA_PSS_SHA_256",
    "RSA_PKCS1_SHA_256": "RSASSA_PKCS1_V1_5_SHA_256",
    "ECDSA_SHA_256": "ECDSA_SHA_256",
    "SM2DSA": "SM2DSA",
}
_ENCRYPTION: Final = {
    "RSAES_OAEP_SHA_1": "RSAES_OAEP_SHA_1",
    "RSAES_OAEP_SHA_256": "RSAES_OAEP_SHA_256",
    "SM2PKE": "SM2PKE",
}


class AliyunApiError(KmsError):
    """A request Alibaba KMS refuses before the keystore sees it (``code``: Alibaba's)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


# AWS errors of the operation table → (Alibaba code, HTTP status), after Alibaba KMS's
# "Error codes" lists of each action.
_ERRORS: Final = {
    "NotFoundException": ("Forbidden.KeyNotFound", 404),
    "DisabledException": ("Rejected.Disabled", 400),
    "KMSInvalidStateException": ("Rejected.UnexpectedStatus", 400),
    "ValidationException": ("InvalidParameter", 400),
    "InvalidAliasNameException": ("InvalidParameter.AliasName", 400),
    "InvalidMarkerException": ("InvalidParameter", 400),
    "UnsupportedKeySpecError": ("InvalidParameter.KeySpec", 400),
    "InvalidKeyUsageException": ("Forbidden.KeyUsage", 403),
    "InvalidCiphertextException": ("Rejected.ValidationFailed", 400),
    "IncorrectKeyException": ("Rejected.ValidationFailed", 400),
    "AlreadyExistsException": ("Forbidden.AliasExists", 409),
    "TagException": ("InvalidParameter.Tags", 400),
    "LimitExceededException": ("Rejected.LimitExceeded", 400),
    "UnsupportedOperationException": ("UnsupportedOperation", 400),
    "AccessDeniedException": ("Forbidden.NoPermission", 403),
    "ExpiredImportTokenException": ("Rejected.ExpiredImportToken", 400),
    "InvalidImportTokenException": ("InvalidParameter.ImportToken", 400),
    "IncorrectKeyMaterialException": ("InvalidParameter.KeyMaterial", 400),
}


def aliyun_error(error: BaseException) -> tuple[int, str, str]:
    """(HTTP status, Alibaba error code, message) for an error raised answering a request;
    anything not a KMS error is ``InternalFailure`` with 500 (its text is not shown)."""
    if isinstance(error, AliyunApiError):
        return error.status, error.code, str(error)
    if isinstance(error, KmsError):
        code = getattr(error, "code", type(error).__name__)
        mapped = _ERRORS.get(code)
        if mapped is not None:
            return mapped[1], mapped[0], str(error)
        if code == "KMSInternalException":
            return 500, "InternalFailure", str(error)
        return 400, "InvalidParameter", str(error)
    if isinstance(error, KmskitError):
        return 500, "InternalFailure", str(error)
    return 500, "InternalFailure", "internal error"


# -- the operations Alibaba's rules change -----------------------------------------------------


def _context_kw(r: Mapping[str, Any]) -> dict[str, Any]:
    return {"encryption_context": r["EncryptionContext"]} if "EncryptionContext" in r else {}


def _encrypt_row(ks: Keystore, r: dict[str, Any]) -> Result:
    return ks.encrypt(
        r["KeyId"],
        r["Plaintext"],
        encryption_algorithm=r.get("EncryptionAlgorithm", "SYMMETRIC_DEFAULT"),
        api="alibaba",
        **_context_kw(r),
    )


def _decrypt_row(ks: Keystore, r: dict[str, Any]) -> Result:
    return ks.decrypt(
        r["CiphertextBlob"],
        key_id=r.get("KeyId"),
        encryption_algorithm=r.get("EncryptionAlgorithm", "SYMMETRIC_DEFAULT"),
        api="alibaba",
        **_context_kw(r),
    )


def _data_key_row(ks: Keystore, r: dict[str, Any]) -> Result:
    return ks.generate_data_key(
        r["KeyId"], number_of_bytes=r["NumberOfBytes"], api="alibaba", **_context_kw(r)
    )


def _data_key_without_plaintext_row(ks: Keystore, r: dict[str, Any]) -> Result:
    return ks.generate_data_key_without_plaintext(
        r["KeyId"], number_of_bytes=r["NumberOfBytes"], api="alibaba", **_context_kw(r)
    )


def _row(api: str, run: Callable[[Keystore, dict[str, Any]], Result]) -> Operation:
    summary = f"{api} under Alibaba KMS's rules (Alibaba API only)"
    return Operation(kebab(api), api, summary, (), run)


# Rows beside the operation table, for kmskit serve's Alibaba API only: the same operations
# (authorized and audited under their own names) with ``api="alibaba"``: the SM2PKE limit of
# 6047 bytes, text plaintexts in Decrypt, data keys sealed as their base64 text.
_ALIBABA_ROWS: Final[dict[str, Operation]] = {
    "Encrypt": _row("Encrypt", _encrypt_row),
    "Decrypt": _row("Decrypt", _decrypt_row),
    "GenerateDataKey": _row("GenerateDataKey", _data_key_row),
    "GenerateDataKeyWithoutPlaintext": _row(
        "GenerateDataKeyWithoutPlaintext", _data_key_without_plaintext_row
    ),
}


# -- the request context ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Call:
    ks: Keystore
    params: Mapping[str, str]
    region: str
    uid: str

    def text(self, name: str, *, required: bool = True, default: str | None = None) -> str:
        value = self.params.get(name)
        if value is None or value == "":
            if required and default is None:
                raise AliyunApiError(
                    "MissingParameter",
                    f"The input parameter {name!r} that is mandatory for processing this"
                    " request is not supplied.",
                )
            return default or ""
        return value

    def optional(self, name: str) -> str | None:
        value = self.params.get(name)
        return value if value else None

    def blob(self, name: str) -> bytes:
        try:
            return base64.b64decode(self.text(name), validate=True)
        except (binascii.Error, ValueError):
            raise AliyunApiError("InvalidParameter", f"{name} is not valid base64") from None

    def json(self, name: str) -> Any:
        raw = self.optional(name)
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise AliyunApiError("InvalidParameter", f"{name} is not valid JSON") from None

    def context(self, name: str = "EncryptionContext") -> dict[str, str] | None:
        value = self.json(name)
        if value is None:
            return None
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise AliyunApiError("InvalidParameter", f"{name} must be a JSON object of strings")
        return value

    def key_id(self, name: str = "KeyId") -> str:
        return _aws_key_id(self.text(name))

    def arn(self, key_id: str) -> str:
        return f"acs:kms:{self.region}:{self.uid}:key/{key_id}"

    def call(self, api: str, request: dict[str, Any]) -> dict[str, Any]:
        # Through the table's one entry point, so the caller is authorized (key policy and
        # grants) exactly as through the AWS API. The operations whose rules Alibaba changes
        # run as _ALIBABA_ROWS say, under the same names (authorized and audited as such).
        operation = _ALIBABA_ROWS.get(api) or operation_named(api)
        result = call(self.ks, operation, request)
        try:
            return response(result)
        finally:
            wipe_result(result)


def _aws_key_id(value: str) -> str:
    """An Alibaba key reference as the keystore takes it: ``acs:kms:r:uid:key/ID`` → ID,
    ``acs:kms:r:uid:alias/x`` → ``alias/x``; ids and ``alias/x`` unchanged."""
    if value.startswith("acs:kms:"):
        resource = value.split(":", 4)[-1]
        if resource.startswith("key/"):
            return resource[len("key/") :]
        if resource.startswith("alias/"):
            return resource
        raise AliyunApiError("InvalidParameter.KeyId", f"{value!r} is not a key or alias ARN")
    return value


def _raw(value: str | bytes) -> bytes:
    """A blob of a table response: ``to_response()`` gives blobs as base64 text."""
    return value if isinstance(value, bytes) else base64.b64decode(value)


def _b64(value: str | bytes) -> str:
    return value if isinstance(value, str) else base64.b64encode(value).decode("ascii")


def _bare(key_id_or_arn: str) -> str:
    return key_id_or_arn.rsplit("/", 1)[-1] if "/" in key_id_or_arn else key_id_or_arn


def _time(value: str | None) -> str | None:
    if not value:
        return None
    return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- key metadata and versions ----------------------------------------------------------------


def _describe(c: _Call, key: str) -> dict[str, Any]:
    meta: dict[str, Any] = c.call("DescribeKey", {"KeyId": key})["KeyMetadata"]
    return meta


def _versions(c: _Call, meta: Mapping[str, Any]) -> list[str]:
    """Key versions, oldest first: each rotation's material and the current material; a key
    with one material only (asymmetric keys) has one version, named by its key id."""
    versions: list[str] = []
    if meta["KeySpec"] in SYMMETRIC_ENCRYPTION_SPECS and meta.get("Origin") == "AWS_KMS":
        # The first material of a key is material 1 (keystore._materials.next_material_id);
        # each rotation made one more.
        versions = [key_material_id(meta["KeyId"], 1)]
        rotations = _all(c, "ListKeyRotations", {"KeyId": meta["KeyId"]}, "Rotations")
        versions += [r["KeyMaterialId"] for r in rotations if r.get("KeyMaterialId")]
    current = meta.get("CurrentKeyMaterialId") or meta["KeyId"]
    if current not in versions:
        versions.append(current)
    return versions


def _primary_version(meta: Mapping[str, Any]) -> str:
    return str(meta.get("CurrentKeyMaterialId") or meta["KeyId"])


def _alibaba_metadata(c: _Call, meta: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "KeyId": meta["KeyId"],
        "Arn": c.arn(meta["KeyId"]),
        "Creator": c.uid,
        "CreationDate": _time(meta["CreationDate"]),
        "Description": meta.get("Description", ""),
        "KeyState": _STATES.get(meta["KeyState"], meta["KeyState"]),
        "KeyUsage": _USAGE_NAMES.get(meta["KeyUsage"], meta["KeyUsage"]),
        "KeySpec": _SPEC_NAMES.get(meta["KeySpec"], meta["KeySpec"]),
        "Origin": "EXTERNAL" if meta.get("Origin") == "EXTERNAL" else "Aliyun_KMS",
        "ProtectionLevel": "SOFTWARE",
        "PrimaryKeyVersion": _primary_version(meta),
        "DeletionProtection": meta.get("DeletionProtection", "Disabled"),
        "AutomaticRotation": "Disabled",
    }
    if meta.get("DeletionDate"):
        out["DeleteDate"] = _time(meta["DeletionDate"])
    if meta.get("ValidTo"):
        out["MaterialExpireTime"] = _time(meta["ValidTo"])
    if meta["KeySpec"] in SYMMETRIC_ENCRYPTION_SPECS and meta.get("Origin") == "AWS_KMS":
        status = c.call("GetKeyRotationStatus", {"KeyId": meta["KeyId"]})
        if status.get("KeyRotationEnabled"):
            out["AutomaticRotation"] = "Enabled"
            out["RotationInterval"] = f"{int(status['RotationPeriodInDays']) * 86400}s"
            if status.get("NextRotationDate"):
                out["NextRotationDate"] = _time(status["NextRotationDate"])
    return out


def _check_version(c: _Call, meta: Mapping[str, Any]) -> str:
    version = c.text("KeyVersionId")
    if version not in _versions(c, meta):
        raise AliyunApiError(
            "Forbidden.KeyVersionNotFound",
            f"key version {version!r} does not exist for key {meta['KeyId']}",
            404,
        )
    if version != _primary_version(meta):
        raise AliyunApiError(
            "UnsupportedOperation",
            "only the primary key version of a key signs and decrypts in kmskit",
        )
    return version


# -- the actions ------------------------------------------------------------------------------


def _create_key(c: _Call) -> dict[str, Any]:
    spec_name = c.text("KeySpec", default="Aliyun_AES_256")
    if spec_name not in ALIBABA_KEY_SPECS:
        raise AliyunApiError(
            "InvalidParameter.KeySpec",
            f"KeySpec {spec_name!r} is not supported here; one of"
            f" {', '.join(ALIBABA_KEY_SPECS)}",
        )
    usage_name = c.text("KeyUsage", default="ENCRYPT/DECRYPT")
    if usage_name not in ALIBABA_KEY_USAGES:
        raise AliyunApiError("InvalidParameter.KeyUsage", f"KeyUsage {usage_name!r} is invalid")
    if c.text("ProtectionLevel", default="SOFTWARE") != "SOFTWARE":
        raise AliyunApiError("UnsupportedOperation", "kmskit keys are ProtectionLevel SOFTWARE")
    origin = c.text("Origin", default="Aliyun_KMS")
    if origin not in ("Aliyun_KMS", "EXTERNAL"):
        raise AliyunApiError("InvalidParameter.Origin", f"Origin {origin!r} is invalid")
    request: dict[str, Any] = {
        "KeySpec": ALIBABA_KEY_SPECS[spec_name].value,
        "KeyUsage": ALIBABA_KEY_USAGES[usage_name].value,
        "Origin": "EXTERNAL" if origin == "EXTERNAL" else "AWS_KMS",
    }
    if c.optional("Description") is not None:
        request["Description"] = c.text("Description")
    tags = c.json("Tags")
    if tags:
        request["Tags"] = [{"TagKey": t["TagKey"], "TagValue": t["TagValue"]} for t in tags]
    meta = c.call("CreateKey", request)["KeyMetadata"]
    if c.optional("EnableAutomaticRotation") == "true":
        _rotation(c, meta["KeyId"], True, c.optional("RotationInterval"))
    return {"KeyMetadata": _alibaba_metadata(c, _describe(c, meta["KeyId"]))}


def _rotation(c: _Call, key: str, enable: bool, interval: str | None) -> None:
    if not enable:
        c.call("DisableKeyRotation", {"KeyId": key})
        return
    request: dict[str, Any] = {"KeyId": key}
    if interval:
        seconds = interval[:-1] if interval.endswith("s") else interval
        if not seconds.isdigit():
            raise AliyunApiError("InvalidParameter.RotationInterval", f"{interval!r} is not Ns")
        request["RotationPeriodInDays"] = max(1, int(seconds) // 86400)
    c.call("EnableKeyRotation", request)


def _describe_key(c: _Call) -> dict[str, Any]:
    return {"KeyMetadata": _alibaba_metadata(c, _describe(c, c.key_id()))}


def _page_numbers(c: _Call) -> tuple[int, int]:
    try:
        number = int(c.text("PageNumber", default="1"))
        size = int(c.text("PageSize", default="10"))
    except ValueError:
        raise AliyunApiError("InvalidParameter", "PageNumber and PageSize are integers") from None
    if number < 1 or not 1 <= size <= 100:
        raise AliyunApiError("InvalidParameter", "PageNumber >= 1, PageSize 1-100")
    return number, size


def _all(c: _Call, api: str, request: dict[str, Any], member: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    marker: str | None = None
    while True:
        page = c.call(api, {**request, **({"Marker": marker} if marker else {})})
        items.extend(page.get(member, []))
        marker = page.get("NextMarker")
        if not marker:
            return items


def _paged(c: _Call, items: list[Any], outer: str, inner: str) -> dict[str, Any]:
    number, size = _page_numbers(c)
    chosen = items[(number - 1) * size : number * size]
    return {
        outer: {inner: chosen},
        "TotalCount": len(items),
        "PageNumber": number,
        "PageSize": size,
    }


def _list_keys(c: _Call) -> dict[str, Any]:
    keys = [
        {"KeyId": k["KeyId"], "KeyArn": c.arn(k["KeyId"])} for k in _all(c, "ListKeys", {}, "Keys")
    ]
    return _paged(c, keys, "Keys", "Key")


def _encrypt(c: _Call) -> dict[str, Any]:
    key = c.key_id()
    request: dict[str, Any] = {"KeyId": key, "Plaintext": c.text("Plaintext").encode("utf-8")}
    context = c.context()
    if context is not None:
        request["EncryptionContext"] = context
    out = c.call("Encrypt", request)
    meta = _describe(c, key)
    return {
        "KeyId": meta["KeyId"],
        "KeyVersionId": _primary_version(meta),
        "CiphertextBlob": _b64(out["CiphertextBlob"]),
    }


def _decrypt(c: _Call) -> dict[str, Any]:
    request: dict[str, Any] = {"CiphertextBlob": c.blob("CiphertextBlob")}
    context = c.context()
    if context is not None:
        request["EncryptionContext"] = context
    # The keystore refuses a plaintext that is not UTF-8 (PlaintextNotTextException →
    # UnsupportedOperation), in the operation, so the audit log records the refusal.
    out = c.call("Decrypt", request)
    plaintext = bytearray(_raw(out["Plaintext"]))
    try:
        text = plaintext.decode("utf-8")
    finally:
        plaintext[:] = bytes(len(plaintext))
    # The version that decrypted: the blob's material (Alibaba: "the key version used").
    key_id = _bare(out["KeyId"])
    return {"KeyId": key_id, "KeyVersionId": out.get("KeyMaterialId") or key_id, "Plaintext": text}


def _data_key_length(c: _Call) -> int:
    number = c.optional("NumberOfBytes")
    if number is not None:
        if not number.isdigit() or not 1 <= int(number) <= 1024:
            raise AliyunApiError("InvalidParameter.NumberOfBytes", "NumberOfBytes is 1-1024")
        return int(number)
    spec = c.text("KeySpec", default="AES_256")
    if spec not in ("AES_256", "AES_128"):
        raise AliyunApiError("InvalidParameter.KeySpec", "KeySpec is AES_256 or AES_128")
    return 32 if spec == "AES_256" else 16


def _generate_data_key(c: _Call, *, with_plaintext: bool = True) -> dict[str, Any]:
    # Alibaba KMS encrypts the base64 *text* of the data key (GenerateDataKey reference:
    # "Plaintext: the Base64-encoded plaintext of the data key"; Decrypt returns that text):
    # the keystore's GenerateDataKey with api="alibaba", audited as GenerateDataKey.
    request: dict[str, Any] = {"KeyId": c.key_id(), "NumberOfBytes": _data_key_length(c)}
    context = c.context()
    if context is not None:
        request["EncryptionContext"] = context
    api = "GenerateDataKey" if with_plaintext else "GenerateDataKeyWithoutPlaintext"
    out = c.call(api, request)
    answer = {
        "KeyId": _bare(out["KeyId"]),
        "KeyVersionId": out["KeyMaterialId"],
        "CiphertextBlob": _b64(out["CiphertextBlob"]),
    }
    if with_plaintext:
        # The text's ASCII bytes, given back as base64 by to_response().
        answer["Plaintext"] = _raw(out["Plaintext"]).decode("ascii")
    return answer


# GenerateAndExportDataKey's WrappingKeySpec and WrappingAlgorithm (Alibaba's reference).
_EXPORT_WRAPPING: Final = {
    "RSA_2048": ("RSAES_OAEP_SHA_256", "RSAES_OAEP_SHA_1"),
    "EC_SM2": ("SM2PKE",),
}


def _generate_and_export_data_key(c: _Call) -> dict[str, Any]:
    # The exported key and the blob both hold the data key's base64 text (why:
    # keystore/data_key_export.py); ExportedDataKey is the public-key ciphertext, base64.
    spec = c.text("WrappingKeySpec")
    if spec not in _EXPORT_WRAPPING:
        raise AliyunApiError(
            "InvalidParameter.WrappingKeySpec", f"WrappingKeySpec {spec!r} is RSA_2048 or EC_SM2"
        )
    algorithm = c.text("WrappingAlgorithm")
    if algorithm not in _EXPORT_WRAPPING[spec]:
        raise AliyunApiError(
            "InvalidParameter.WrappingAlgorithm",
            f"WrappingAlgorithm {algorithm!r} is not one of {', '.join(_EXPORT_WRAPPING[spec])}"
            f" for {spec}",
        )
    request: dict[str, Any] = {
        "KeyId": c.key_id(),
        "PublicKeyBlob": c.blob("PublicKeyBlob"),
        "WrappingKeySpec": spec,
        "WrappingAlgorithm": algorithm,
        "NumberOfBytes": _data_key_length(c),
    }
    context = c.context()
    if context is not None:
        request["EncryptionContext"] = context
    out = c.call("GenerateAndExportDataKey", request)
    return {
        "KeyId": _bare(out["KeyId"]),
        "KeyVersionId": out["KeyMaterialId"],
        "CiphertextBlob": _b64(out["CiphertextBlob"]),
        "ExportedDataKey": _b64(out["ExportedDataKey"]),
    }


def _get_public_key(c: _Call) -> dict[str, Any]:
    meta = _describe(c, c.key_id())
    version = _check_version(c, meta)
    der = _raw(c.call("GetPublicKey", {"KeyId": meta["KeyId"]})["PublicKey"])
    pem = pem_text("PUBLIC KEY", der)  # RFC 7468 lines of 64, as Alibaba's PEM has
    return {"KeyId": meta["KeyId"], "KeyVersionId": version, "PublicKey": pem}


def _algorithm(c: _Call, table: Mapping[str, str]) -> str:
    name = c.text("Algorithm")
    if name not in table:
        raise AliyunApiError("InvalidParameter.Algorithm", f"Algorithm {name!r} is invalid")
    return table[name]


def _asymmetric_sign(c: _Call) -> dict[str, Any]:
    meta = _describe(c, c.key_id())
    version = _check_version(c, meta)
    out = c.call(
        "Sign",
        {
            "KeyId": meta["KeyId"],
            "Message": c.blob("Digest"),
            "MessageType": "DIGEST",
            "SigningAlgorithm": _algorithm(c, _SIGNING),
        },
    )
    value = _b64(out["Signature"])
    return {"KeyId": meta["KeyId"], "KeyVersionId": version, "Value": value}


def _asymmetric_verify(c: _Call) -> dict[str, Any]:
    meta = _describe(c, c.key_id())
    version = _check_version(c, meta)
    from kmskit.offline.errors import KMSInvalidSignatureException

    try:
        c.call(
            "Verify",
            {
                "KeyId": meta["KeyId"],
                "Message": c.blob("Digest"),
                "MessageType": "DIGEST",
                "Signature": c.blob("Value"),
                "SigningAlgorithm": _algorithm(c, _SIGNING),
            },
        )
        valid = True
    except KMSInvalidSignatureException:
        valid = False  # Alibaba answers Value=false, not an error
    return {"KeyId": meta["KeyId"], "KeyVersionId": version, "Value": valid}


def _asymmetric_encrypt(c: _Call) -> dict[str, Any]:
    meta = _describe(c, c.key_id())
    version = _check_version(c, meta)
    out = c.call(
        "Encrypt",
        {
            "KeyId": meta["KeyId"],
            "Plaintext": c.blob("Plaintext"),
            "EncryptionAlgorithm": _algorithm(c, _ENCRYPTION),
        },
    )
    blob = _b64(out["CiphertextBlob"])
    return {"KeyId": meta["KeyId"], "KeyVersionId": version, "CiphertextBlob": blob}


def _asymmetric_decrypt(c: _Call) -> dict[str, Any]:
    meta = _describe(c, c.key_id())
    version = _check_version(c, meta)
    out = c.call(
        "Decrypt",
        {
            "KeyId": meta["KeyId"],
            "CiphertextBlob": c.blob("CiphertextBlob"),
            "EncryptionAlgorithm": _algorithm(c, _ENCRYPTION),
        },
    )
    text = _b64(out["Plaintext"])
    return {"KeyId": meta["KeyId"], "KeyVersionId": version, "Plaintext": text}


def _simple(api: str) -> Callable[[_Call], dict[str, Any]]:
    def run(c: _Call) -> dict[str, Any]:
        c.call(api, {"KeyId": c.key_id()})
        return {}

    return run


def _schedule_key_deletion(c: _Call) -> dict[str, Any]:
    days = c.text("PendingWindowInDays")
    if not days.isdigit():
        raise AliyunApiError("InvalidParameter.PendingWindowInDays", "PendingWindowInDays is 7-366")
    c.call("ScheduleKeyDeletion", {"KeyId": c.key_id(), "PendingWindowInDays": int(days)})
    return {}


def _alias_name(c: _Call) -> str:
    name = c.text("AliasName")
    if name.startswith("acs:kms:"):
        name = name.split(":", 4)[-1]
    return name


def _create_alias(c: _Call) -> dict[str, Any]:
    c.call("CreateAlias", {"AliasName": _alias_name(c), "TargetKeyId": c.key_id()})
    return {}


def _update_alias(c: _Call) -> dict[str, Any]:
    c.call("UpdateAlias", {"AliasName": _alias_name(c), "TargetKeyId": c.key_id()})
    return {}


def _delete_alias(c: _Call) -> dict[str, Any]:
    c.call("DeleteAlias", {"AliasName": _alias_name(c)})
    return {}


def _alias_entry(c: _Call, alias: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "AliasName": alias["AliasName"],
        "AliasArn": f"acs:kms:{c.region}:{c.uid}:{alias['AliasName']}",
        "KeyId": alias.get("TargetKeyId", ""),
    }


def _list_aliases(c: _Call) -> dict[str, Any]:
    aliases = [
        _alias_entry(c, a) for a in _all(c, "ListAliases", {}, "Aliases") if a.get("TargetKeyId")
    ]
    return _paged(c, aliases, "Aliases", "Alias")


def _list_aliases_by_key_id(c: _Call) -> dict[str, Any]:
    meta = _describe(c, c.key_id())
    aliases = [
        _alias_entry(c, a) for a in _all(c, "ListAliases", {"KeyId": meta["KeyId"]}, "Aliases")
    ]
    return _paged(c, aliases, "Aliases", "Alias")


def _tag_resource(c: _Call) -> dict[str, Any]:
    tags = c.json("Tags")
    if not isinstance(tags, list) or not all(
        isinstance(t, dict)
        and isinstance(t.get("TagKey"), str)
        and isinstance(t.get("TagValue"), str)
        for t in tags
    ):
        raise AliyunApiError("InvalidParameter.Tags", 'Tags is [{"TagKey": …, "TagValue": …}]')
    aws_tags = [{"TagKey": t["TagKey"], "TagValue": t["TagValue"]} for t in tags]
    c.call("TagResource", {"KeyId": c.key_id(), "Tags": aws_tags})
    return {}


def _untag_resource(c: _Call) -> dict[str, Any]:
    keys = c.json("TagKeys")
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise AliyunApiError("InvalidParameter.TagKeys", 'TagKeys is ["key", …]')
    c.call("UntagResource", {"KeyId": c.key_id(), "TagKeys": keys})
    return {}


def _list_resource_tags(c: _Call) -> dict[str, Any]:
    meta = _describe(c, c.key_id())
    tags = _all(c, "ListResourceTags", {"KeyId": meta["KeyId"]}, "Tags")
    return {
        "Tags": {
            "Tag": [
                {"KeyId": meta["KeyId"], "TagKey": t["TagKey"], "TagValue": t["TagValue"]}
                for t in tags
            ]
        }
    }


def _set_deletion_protection(c: _Call) -> dict[str, Any]:
    arn = c.text("ProtectedResourceArn")
    enable = c.text("EnableDeletionProtection").lower()
    if enable not in ("true", "false"):
        raise AliyunApiError("InvalidParameter", "EnableDeletionProtection is true or false")
    c.call("SetDeletionProtection", {"KeyId": _aws_key_id(arn), "Enabled": enable == "true"})
    return {}


def _update_rotation_policy(c: _Call) -> dict[str, Any]:
    enable = c.text("EnableAutomaticRotation").lower()
    if enable not in ("true", "false"):
        raise AliyunApiError("InvalidParameter", "EnableAutomaticRotation is true or false")
    _rotation(c, c.key_id(), enable == "true", c.optional("RotationInterval"))
    return {}


def _version_entry(c: _Call, meta: Mapping[str, Any], version: str) -> dict[str, Any]:
    return {
        "KeyId": meta["KeyId"],
        "KeyVersionId": version,
        "CreationDate": _time(meta["CreationDate"]),
    }


def _list_key_versions(c: _Call) -> dict[str, Any]:
    meta = _describe(c, c.key_id())
    entries = [_version_entry(c, meta, v) for v in _versions(c, meta)]
    return _paged(c, entries, "KeyVersions", "KeyVersion")


def _describe_key_version(c: _Call) -> dict[str, Any]:
    meta = _describe(c, c.key_id())
    version = c.text("KeyVersionId")
    if version not in _versions(c, meta):
        raise AliyunApiError(
            "Forbidden.KeyVersionNotFound", f"key version {version!r} does not exist", 404
        )
    return {"KeyVersion": _version_entry(c, meta, version)}


def _create_key_version(c: _Call) -> dict[str, Any]:
    key = c.key_id()
    c.call("RotateKeyOnDemand", {"KeyId": key})
    meta = _describe(c, key)
    return {"KeyVersion": _version_entry(c, meta, _primary_version(meta))}


def _re_encrypt(c: _Call) -> dict[str, Any]:
    request: dict[str, Any] = {
        "CiphertextBlob": c.blob("CiphertextBlob"),
        "DestinationKeyId": _aws_key_id(c.text("DestinationKeyId")),
    }
    for alibaba, aws in (
        ("SourceEncryptionContext", "SourceEncryptionContext"),
        ("DestinationEncryptionContext", "DestinationEncryptionContext"),
    ):
        context = c.context(alibaba)
        if context is not None:
            request[aws] = context
    if c.optional("SourceKeyId"):
        request["SourceKeyId"] = _aws_key_id(c.text("SourceKeyId"))
    out = c.call("ReEncrypt", request)
    meta = _describe(c, _bare(out["KeyId"]))
    return {
        "KeyId": meta["KeyId"],
        "KeyVersionId": _primary_version(meta),
        "CiphertextBlob": _b64(out["CiphertextBlob"]),
    }


# GetParametersForImport's WrappingKeySpec: Alibaba names → the keystore's.
_WRAPPING_KEY_SPECS: Final = {"RSA_2048": "RSA_2048", "EC_SM2": "SM2"}


def _get_parameters_for_import(c: _Call) -> dict[str, Any]:
    algorithm = c.text("WrappingAlgorithm")
    spec = c.text("WrappingKeySpec")
    if spec not in _WRAPPING_KEY_SPECS:
        raise AliyunApiError(
            "InvalidParameter.WrappingKeySpec", f"WrappingKeySpec {spec!r} is RSA_2048 or EC_SM2"
        )
    key = c.key_id()
    out = c.call(
        "GetParametersForImport",
        {
            "KeyId": key,
            "WrappingAlgorithm": algorithm,
            "WrappingKeySpec": _WRAPPING_KEY_SPECS[spec],
        },
    )
    return {
        "KeyId": _bare(out["KeyId"]),
        "ImportToken": _b64(out["ImportToken"]),
        "PublicKey": _b64(out["PublicKey"]),
        "TokenExpireTime": _time(out["ParametersValidTo"]),
    }


def _import_key_material(c: _Call) -> dict[str, Any]:
    request: dict[str, Any] = {
        "KeyId": c.key_id(),
        "ImportToken": c.blob("ImportToken"),
        "EncryptedKeyMaterial": c.blob("EncryptedKeyMaterial"),
    }
    # KeyMaterialExpireUnix: epoch seconds; 0 or absent = never expires (Alibaba reference).
    expire = c.optional("KeyMaterialExpireUnix")
    if expire is not None and expire != "0":
        if not expire.isdigit():
            raise AliyunApiError("InvalidParameter.KeyMaterialExpireUnix", "epoch seconds")
        request["ExpirationModel"] = "KEY_MATERIAL_EXPIRES"
        request["ValidTo"] = datetime.fromtimestamp(int(expire), UTC)
    else:
        request["ExpirationModel"] = "KEY_MATERIAL_DOES_NOT_EXPIRE"
    c.call("ImportKeyMaterial", request)
    return {}


ACTIONS: Final[dict[str, Callable[[_Call], dict[str, Any]]]] = {
    "CreateKey": _create_key,
    "DescribeKey": _describe_key,
    "ListKeys": _list_keys,
    "Encrypt": _encrypt,
    "Decrypt": _decrypt,
    "GenerateDataKey": _generate_data_key,
    "GenerateDataKeyWithoutPlaintext": lambda c: _generate_data_key(c, with_plaintext=False),
    "GenerateAndExportDataKey": _generate_and_export_data_key,
    "GetPublicKey": _get_public_key,
    "AsymmetricSign": _asymmetric_sign,
    "AsymmetricVerify": _asymmetric_verify,
    "AsymmetricEncrypt": _asymmetric_encrypt,
    "AsymmetricDecrypt": _asymmetric_decrypt,
    "EnableKey": _simple("EnableKey"),
    "DisableKey": _simple("DisableKey"),
    "ScheduleKeyDeletion": _schedule_key_deletion,
    "CancelKeyDeletion": _simple("CancelKeyDeletion"),
    "CreateAlias": _create_alias,
    "UpdateAlias": _update_alias,
    "DeleteAlias": _delete_alias,
    "ListAliases": _list_aliases,
    "ListAliasesByKeyId": _list_aliases_by_key_id,
    "TagResource": _tag_resource,
    "UntagResource": _untag_resource,
    "ListResourceTags": _list_resource_tags,
    "SetDeletionProtection": _set_deletion_protection,
    "UpdateRotationPolicy": _update_rotation_policy,
    "ListKeyVersions": _list_key_versions,
    "DescribeKeyVersion": _describe_key_version,
    "CreateKeyVersion": _create_key_version,
    "ReEncrypt": _re_encrypt,
    "GetParametersForImport": _get_parameters_for_import,
    "ImportKeyMaterial": _import_key_material,
}


def answer_aliyun(
    ks: Keystore, action: str, params: Mapping[str, str], *, region: str
) -> dict[str, Any]:
    """The response body (without ``RequestId``) of one Alibaba action, run in ``region``.

    Raises AliyunApiError, or the operation table's KMS errors (map them with
    :func:`aliyun_error`).
    """
    handler = ACTIONS.get(action)
    if handler is None:
        raise AliyunApiError(
            "InvalidAction.NotFound" if action else "MissingParameter",
            f"Specified api {action!r} is not found (Alibaba KMS {ALIYUN_API_VERSION}).",
            404 if action else 400,
        )
    uid = ks.config.account_id
    return handler(_Call(ks, params, region, uid))
