"""The Alibaba Cloud KMS keyring: data keys wrapped by an Alibaba KMS key (or ``kmskit serve``'s
Alibaba API) through ``alibabacloud-kms20160120`` (``pip install 'kmskit[aliyun]'``).

It wraps as Alibaba's Encryption SDK does (``kms/kms.py`` ``encrypt_data_key`` /
``decrypt_data_key``): KMS ``Encrypt`` of the **base64 text** of the data key with the
context as JSON, and ``Decrypt`` gives that text back, so Alibaba's SDK and kmskit open each
other's EDKs. The EDK (docs/format.md, "Alibaba KMS keyring"): provider id ``aliyun-kms``,
provider info the key as given (a CMK id or ``acs:kms:<region>:<uid>:key/<id>`` ARN, as the
Alibaba SDK records it), ciphertext the ``CiphertextBlob`` base64-decoded. In the Alibaba
message format these are exactly its ``keyId`` and ``dataKey``.

Credentials come from the environment, as Alibaba's tools read them:
``ALIBABA_CLOUD_ACCESS_KEY_ID`` and ``ALIBABA_CLOUD_ACCESS_KEY_SECRET`` (and
``ALIBABA_CLOUD_SECURITY_TOKEN``). The region is the ``region`` given, else the ARN's, else
``ALIBABA_CLOUD_REGION_ID``; the endpoint ``kms.<region>.aliyuncs.com`` unless ``endpoint``
(``https://host:port`` or ``http://host:port``) is given; ``ca_bundle`` is a PEM file of
CA certificates for a TLS endpoint.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from typing import Any, Final, NoReturn

from kmskit.envelope.keyrings.base import EncryptedDataKey
from kmskit.offline.errors import (
    AwsConfigurationError,
    AwsConnectionError,
    DisabledException,
    InvalidCiphertextException,
    KeyringMismatch,
    KmsError,
    NotFoundException,
    ValidationException,
)

__all__ = ["ALIYUN_KMS_PROVIDER_ID", "AliyunKmsError", "AliyunKmsKeyring"]

ALIYUN_KMS_PROVIDER_ID: Final = "aliyun-kms"
EXTRA_HINT: Final = (
    "the aliyun-kms keyring needs alibabacloud-kms20160120: pip install 'kmskit[aliyun]'"
)


class AliyunKmsError(KmsError):
    """Alibaba KMS refused a call with a code kmskit has no closer error for."""

    code = "AliyunKmsError"


_ERRORS: Final[dict[str, type[KmsError]]] = {
    "Forbidden.KeyNotFound": NotFoundException,
    "Rejected.Disabled": DisabledException,
    "Rejected.ValidationFailed": InvalidCiphertextException,
    "InvalidCiphertext": InvalidCiphertextException,
}


def _raw_key_id(key: str) -> str:
    # The CMK id a KMS request takes (CmkId.raw_key_id in Alibaba's SDK).
    if key.startswith("acs:kms:"):
        parts = key.split(":")
        if len(parts) != 5 or not parts[4].startswith("key/"):
            raise ValidationException(f"{key!r} is not acs:kms:<region>:<uid>:key/<id>")
        return parts[4][len("key/") :]
    return key


def _arn_region(key: str) -> str | None:
    parts = key.split(":")
    return parts[2] if key.startswith("acs:kms:") and len(parts) == 5 and parts[2] else None


class AliyunKmsKeyring:
    """Wrap data keys with one Alibaba KMS key (module docstring). ``client`` replaces the
    SDK client (any object with alibabacloud-kms20160120's ``encrypt_with_options`` and
    ``decrypt_with_options``)."""

    def __init__(
        self,
        key: str,
        *,
        region: str | None = None,
        endpoint: str | None = None,
        ca_bundle: str | None = None,
        client: Any = None,
    ) -> None:
        """Raises ValidationException for an empty or malformed key."""
        if not isinstance(key, str) or not key.strip():
            raise ValidationException("the aliyun-kms keyring needs a key id or acs:kms ARN")
        self.key = key
        self.raw_key_id = _raw_key_id(key)
        self.region = region or _arn_region(key) or os.environ.get("ALIBABA_CLOUD_REGION_ID")
        self.endpoint = endpoint
        self.ca_bundle = ca_bundle
        self._client = client

    def __repr__(self) -> str:
        return f"AliyunKmsKeyring({self.key!r})"

    @property
    def _where(self) -> str:  # for messages
        return self.endpoint or f"kms.{self.region}.aliyuncs.com"

    def _kms(self) -> Any:
        if self._client is None:
            self._client = _SdkClient(self.region, self.endpoint, self.ca_bundle)
        return self._client

    def _call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        kms = self._kms()
        try:
            body = kms.encrypt(params) if operation == "Encrypt" else kms.decrypt(params)
        except (AwsConfigurationError, KmsError):
            raise
        except Exception as exc:
            self._raise_for(exc, operation)
        if not isinstance(body, dict):
            raise AliyunKmsError(f"Alibaba KMS {operation} answered something that is not JSON")
        return body

    def _raise_for(self, exc: Exception, operation: str) -> NoReturn:
        code = getattr(exc, "code", None)
        where = f"Alibaba KMS {operation} with {self.key}"
        message = " ".join(str(getattr(exc, "message", "") or exc).split())
        if code is None:
            raise AwsConnectionError(
                f"{where}: cannot reach {self._where}: {message}", type(exc).__name__
            ) from None
        cls = _ERRORS.get(str(code))
        if cls is not None:
            raise cls(f"{where}: {message}") from None
        raise AliyunKmsError(f"{where}: {code}: {message}") from None

    def wrap(
        self, data_key: bytes | bytearray, encryption_context: Mapping[str, str]
    ) -> EncryptedDataKey:
        """KMS Encrypt of the base64 text of ``data_key``, with the context as JSON."""
        params: dict[str, Any] = {
            "KeyId": self.raw_key_id,
            "Plaintext": base64.b64encode(bytes(data_key)).decode("ascii"),
        }
        if encryption_context:
            params["EncryptionContext"] = dict(encryption_context)
        body = self._call("Encrypt", params)
        try:
            blob = base64.b64decode(str(body["CiphertextBlob"]), validate=True)
        except (KeyError, binascii.Error, ValueError):
            raise AliyunKmsError("Alibaba KMS Encrypt returned no base64 CiphertextBlob") from None
        return EncryptedDataKey(ALIYUN_KMS_PROVIDER_ID, self.key.encode("utf-8"), blob)

    def unwrap(self, edk: EncryptedDataKey, encryption_context: Mapping[str, str]) -> bytearray:
        """KMS Decrypt of an EDK that names this keyring's key (as an id or ARN)."""
        if edk.provider_id != ALIYUN_KMS_PROVIDER_ID:
            raise KeyringMismatch(f"provider id is not {ALIYUN_KMS_PROVIDER_ID!r}")
        try:
            named = _raw_key_id(edk.provider_info.decode("utf-8"))
        except (UnicodeDecodeError, ValidationException):
            raise KeyringMismatch("the EDK names no Alibaba KMS key") from None
        if named != self.raw_key_id:
            raise KeyringMismatch(f"not wrapped by Alibaba KMS key {self.key}")
        params: dict[str, Any] = {"CiphertextBlob": base64.b64encode(edk.ciphertext).decode()}
        if encryption_context:
            params["EncryptionContext"] = dict(encryption_context)
        body = self._call("Decrypt", params)
        if str(body.get("KeyId", self.raw_key_id)) != self.raw_key_id:
            raise InvalidCiphertextException(
                f"Alibaba KMS Decrypt answered for key {body.get('KeyId')!r}, not {self.key}"
            )
        text = str(body.get("Plaintext", ""))
        try:
            return bytearray(base64.b64decode(text, validate=True))
        except (binascii.Error, ValueError):
            raise InvalidCiphertextException(
                "Alibaba KMS Decrypt gave a plaintext that is not base64 text (not a data key"
                " wrapped by an Encryption SDK)"
            ) from None


class _SdkClient:
    """alibabacloud-kms20160120 behind the keyring's two calls (each takes and returns
    the API's members by their Alibaba names; the context as a mapping)."""

    def __init__(self, region: str | None, endpoint: str | None, ca_bundle: str | None) -> None:
        try:
            from alibabacloud_kms20160120 import models
            from alibabacloud_kms20160120.client import Client
            from alibabacloud_tea_openapi.models import Config
            from darabonba.runtime import RuntimeOptions
        except ImportError:
            raise AwsConfigurationError(EXTRA_HINT, "ModuleNotFoundError") from None
        key_id = os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID")
        secret = os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
        if not key_id or not secret:
            raise AwsConfigurationError(
                "the aliyun-kms keyring needs ALIBABA_CLOUD_ACCESS_KEY_ID and"
                " ALIBABA_CLOUD_ACCESS_KEY_SECRET in the environment",
                "NoCredentials",
            )
        if not region and not endpoint:
            raise AwsConfigurationError(
                "the aliyun-kms keyring needs a region: an acs:kms ARN, region=, or"
                " ALIBABA_CLOUD_REGION_ID",
                "NoRegion",
            )
        protocol, host = "https", endpoint or f"kms.{region}.aliyuncs.com"
        if "://" in host:
            protocol, host = host.split("://", 1)
        self._models = models
        self._client = Client(
            Config(
                access_key_id=key_id,
                access_key_secret=secret,
                security_token=os.environ.get("ALIBABA_CLOUD_SECURITY_TOKEN"),
                region_id=region or "",
                endpoint=host.rstrip("/"),
                protocol=protocol.upper(),
            )
        )
        self._runtime = RuntimeOptions(ca=ca_bundle, autoretry=False, max_attempts=0)

    def encrypt(self, params: dict[str, Any]) -> Any:
        request = self._models.EncryptRequest().from_map(params)
        return self._client.encrypt_with_options(request, self._runtime).body.to_map()

    def decrypt(self, params: dict[str, Any]) -> Any:
        request = self._models.DecryptRequest().from_map(params)
        return self._client.decrypt_with_options(request, self._runtime).body.to_map()
