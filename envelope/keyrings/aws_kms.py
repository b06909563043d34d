"""The AWS KMS keyring: data keys wrapped by AWS KMS Encrypt, in the ESDK KMS keyring layout.

docs/format.md#aws-kms-keyring. EDK provider id = ``aws-kms``; provider info = the key ARN
(UTF-8) that KMS Encrypt returned; ciphertext = the ``CiphertextBlob``. Wrap calls KMS
Encrypt with the data key as plaintext and the message's encryption context; unwrap calls
KMS Decrypt with ``KeyId`` = the ARN and the same context. Interoperable with the ESDK's
``KMSMasterKey`` and AWS KMS keyrings (strict mode).

``boto3`` is imported only when the first request is made, so the rest of kmskit never
needs it. Every botocore failure becomes one kmskit error with one clear line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final, NoReturn

from kmskit.envelope.keyrings.base import EncryptedDataKey
from kmskit.offline.errors import (
    AccessDeniedException,
    AwsClientError,
    AwsConfigurationError,
    AwsConnectionError,
    AwsKmsServiceError,
    DisabledException,
    IncorrectKeyException,
    InvalidCiphertextException,
    InvalidKeyUsageException,
    KeyringMismatch,
    KmsError,
    KMSInvalidStateException,
    NotFoundException,
    ValidationException,
)

__all__ = ["AWS_KMS_PROVIDER_ID", "AwsKmsKeyring"]

AWS_KMS_PROVIDER_ID: Final = "aws-kms"
# arn:<partition>:kms:<region>:<account>:key/<id> (the only identifier an EDK may carry).
_KEY_ARN = re.compile(r"^arn:[a-z0-9-]+:kms:(?P<region>[a-z0-9-]+):\d+:key/[A-Za-z0-9-]+$")
_KMS_ERRORS: Final[dict[str, type[KmsError]]] = {
    cls.code: cls
    for cls in (
        AccessDeniedException,
        DisabledException,
        IncorrectKeyException,
        InvalidCiphertextException,
        InvalidKeyUsageException,
        KMSInvalidStateException,
        NotFoundException,
        ValidationException,
    )
}
# Credentials and configuration: the user must supply something (botocore class names).
_CONFIGURATION = (
    "NoCredentialsError",
    "PartialCredentialsError",
    "CredentialRetrievalError",
    "ProfileNotFound",
    "NoRegionError",
    "InvalidRegionError",
    "UnknownCredentialError",
)
# The connection (botocore's ConnectionError and HTTPClientError families).
_CONNECTION = ("ConnectionError", "HTTPClientError")


def _is_key_arn(key_id: str) -> bool:
    return _KEY_ARN.match(key_id) is not None


def _raise_for(exc: Exception, operation: str, key_id: str, endpoint: str) -> NoReturn:
    """Turn a botocore exception into the kmskit error with one clear line."""
    from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

    where = f"AWS KMS {operation} with {key_id}"
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "KMSInternalException")
        message = " ".join(str(error.get("Message") or "").split()) or "no message"
        cls = _KMS_ERRORS.get(code)
        if cls is not None:
            raise cls(f"{where}: {message}") from None
        raise AwsKmsServiceError(f"{where}: {code}: {message}", code) from None
    if isinstance(exc, ParamValidationError):
        raise ValidationException(f"{where}: {' '.join(str(exc).split())}") from None
    if not isinstance(exc, BotoCoreError):
        raise exc
    name = type(exc).__name__
    families = {cls.__name__ for cls in type(exc).__mro__}
    text = " ".join(str(exc).split())
    if name in _CONFIGURATION:
        raise AwsConfigurationError(
            f"{where}: {text} (configure credentials and a region as for the AWS CLI, or"
            " pass region=/profile= in the wrapping-key spec)",
            name,
        ) from None
    if families.intersection(_CONNECTION):
        raise AwsConnectionError(f"{where}: cannot reach {endpoint}: {text}", name) from None
    raise AwsClientError(f"{where}: {text}", name) from None


class AwsKmsKeyring:
    """Wrap data keys with one AWS KMS key through ``boto3``.

    ``key_id`` is what KMS Encrypt accepts (key ARN, key id, alias name or alias ARN), but
    decrypting needs the key ARN: an EDK names the ARN, and this keyring (like the ESDK's
    strict keyrings) opens only EDKs that name exactly its key. ``region``, ``profile`` and
    ``endpoint_url`` configure the client; the region defaults to the ARN's, then to the
    AWS SDK's own configuration. ``client`` replaces the whole client (any object with
    boto3's KMS ``encrypt``/``decrypt``).
    """

    def __init__(
        self,
        key_id: str,
        *,
        region: str | None = None,
        profile: str | None = None,
        endpoint_url: str | None = None,
        client: Any = None,
    ) -> None:
        """Raises ValidationException for an empty key id."""
        if not isinstance(key_id, str) or not key_id.strip():
            raise ValidationException("the AWS KMS keyring needs a key id or ARN")
        self.key_id = key_id
        match = _KEY_ARN.match(key_id)
        self.region = region or (match["region"] if match else None)
        self.profile = profile
        self.endpoint_url = endpoint_url
        self._client = client

    def __repr__(self) -> str:
        return f"AwsKmsKeyring({self.key_id!r})"

    @property
    def _endpoint(self) -> str:
        return self.endpoint_url or f"the AWS KMS endpoint of {self.region or 'the default region'}"

    def _kms(self) -> Any:
        if self._client is not None:
            return self._client
        try:
            import boto3
            from botocore.config import Config
        except ImportError:
            raise AwsConfigurationError(
                "the aws-kms keyring needs boto3: pip install 'kmskit[aws]'", "ModuleNotFoundError"
            ) from None
        try:
            session = boto3.session.Session(profile_name=self.profile, region_name=self.region)
            self._client = session.client(
                "kms",
                endpoint_url=self.endpoint_url,
                config=Config(
                    connect_timeout=10,
                    read_timeout=60,
                    retries={"max_attempts": 3, "mode": "standard"},
                ),
            )
        except Exception as exc:
            _raise_for(exc, "client setup", self.key_id, self._endpoint)
        return self._client

    def _call(self, operation: str, method: Callable[..., Any], **request: Any) -> Any:
        try:
            return method(**request)
        except Exception as exc:
            _raise_for(exc, operation, self.key_id, self._endpoint)

    def wrap(
        self, data_key: bytes | bytearray, encryption_context: Mapping[str, str]
    ) -> EncryptedDataKey:
        """KMS Encrypt of ``data_key`` under the key, with the message context.

        Raises the KMS error (NotFoundException, DisabledException, AccessDeniedException
        …), AwsConfigurationError or AwsConnectionError; AwsKmsServiceError when KMS
        answers with something that is not a key ARN."""
        kms = self._kms()
        response = self._call(
            "Encrypt",
            kms.encrypt,
            KeyId=self.key_id,
            Plaintext=bytes(data_key),
            EncryptionContext=dict(encryption_context),
        )
        arn = str(response.get("KeyId", ""))
        if not _is_key_arn(arn):
            raise AwsKmsServiceError(
                f"AWS KMS Encrypt with {self.key_id} returned KeyId {arn!r}, not a key ARN"
            )
        return EncryptedDataKey(
            AWS_KMS_PROVIDER_ID, arn.encode("utf-8"), bytes(response["CiphertextBlob"])
        )

    def rsa_decrypt(self, ciphertext: bytes, algorithm: str) -> bytearray:
        """KMS Decrypt of RSA ciphertext with ``EncryptionAlgorithm`` = ``algorithm`` (the
        aws-kms-rsa keyring's unwrap through KMS). Raises as :meth:`unwrap`; KMS answers
        InvalidCiphertextException for another algorithm."""
        kms = self._kms()
        response = self._call(
            "Decrypt",
            kms.decrypt,
            KeyId=self.key_id,
            CiphertextBlob=ciphertext,
            EncryptionAlgorithm=algorithm,
        )
        if response.get("KeyId") != self.key_id:
            raise IncorrectKeyException(
                f"AWS KMS Decrypt answered for key {response.get('KeyId')!r}, not {self.key_id}"
            )
        return bytearray(response["Plaintext"])

    def unwrap(self, edk: EncryptedDataKey, encryption_context: Mapping[str, str]) -> bytearray:
        """KMS Decrypt of an EDK that names this keyring's key ARN.

        Raises KeyringMismatch for another provider id or key; otherwise the KMS error
        (InvalidCiphertextException for a tampered blob or another context,
        IncorrectKeyException, DisabledException, AccessDeniedException …),
        AwsConfigurationError or AwsConnectionError."""
        if edk.provider_id != AWS_KMS_PROVIDER_ID:
            raise KeyringMismatch(f"provider id is not {AWS_KMS_PROVIDER_ID!r}")
        if edk.provider_info != self.key_id.encode("utf-8"):
            hint = "" if _is_key_arn(self.key_id) else " (decrypting needs the key ARN)"
            raise KeyringMismatch(f"not wrapped by AWS KMS key {self.key_id}{hint}")
        kms = self._kms()
        response = self._call(
            "Decrypt",
            kms.decrypt,
            KeyId=self.key_id,
            CiphertextBlob=edk.ciphertext,
            EncryptionContext=dict(encryption_context),
        )
        if response.get("KeyId") != self.key_id:
            raise IncorrectKeyException(
                f"AWS KMS Decrypt answered for key {response.get('KeyId')!r}, not {self.key_id}"
            )
        return bytearray(response["Plaintext"])
