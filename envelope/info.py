"""What a message says about itself: header summaries, message results, and ``inspect``.

``inspect`` reads only the header and needs no key, so everything it returns is
*unauthenticated* until a decrypt succeeds. None of it is secret.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kmskit.envelope._io import ByteSource, Reader
from kmskit.envelope.header import ContentType, ParsedHeader, read_header
from kmskit.envelope.keyrings.aliyun_kms import ALIYUN_KMS_PROVIDER_ID
from kmskit.envelope.keyrings.aws_kms import AWS_KMS_PROVIDER_ID
from kmskit.envelope.keyrings.aws_kms_rsa import AWS_KMS_RSA_PROVIDER_ID
from kmskit.envelope.keyrings.base import EncryptedDataKey
from kmskit.envelope.keyrings.keystore import KEYSTORE_PROVIDER_ID
from kmskit.envelope.keyrings.raw_aes import raw_aes_key_name
from kmskit.envelope.suites import (
    DEFAULT_MAX_ENCRYPTED_DATA_KEYS,
    DEFAULT_MAX_HEADER_SIZE,
    CommitmentPolicy,
    EnvelopeAlgorithm,
    LegacyAlgorithm,
)

__all__ = ["EdkInfo", "HeaderInfo", "MessageInfo", "edk_key_name", "header_info", "inspect"]

# Providers whose provider info is the key ARN itself, never the raw AES layout.
_ARN_PROVIDERS = (
    AWS_KMS_PROVIDER_ID,
    AWS_KMS_RSA_PROVIDER_ID,
    KEYSTORE_PROVIDER_ID,
    ALIYUN_KMS_PROVIDER_ID,
)


def edk_key_name(edk: EncryptedDataKey) -> str:
    """Best-effort key name of an EDK without knowing its keyring.

    The key ARN for ``aws-kms``, ``aliyun-kms`` and ``kmskit-keystore``; the key name for
    the raw AES layout (name ‖ 128 ‖ 12 ‖ IV); otherwise the provider info as UTF-8, or
    ``hex:…`` when it is not text.
    """
    info = edk.provider_info
    if edk.provider_id not in _ARN_PROVIDERS:
        info = raw_aes_key_name(info) or info
    try:
        return info.decode("utf-8")
    except UnicodeDecodeError:
        return "hex:" + info.hex()


@dataclass(frozen=True)
class EdkInfo:
    provider_id: str
    key_name: str
    provider_info: bytes
    ciphertext: bytes = field(default=b"", repr=False)  # the wrapped key (not secret)


@dataclass(frozen=True)
class HeaderInfo:
    """A message header as people read it (``kmskit inspect``)."""

    algorithm: EnvelopeAlgorithm | LegacyAlgorithm
    suite_id: int
    message_id: bytes
    encryption_context: Mapping[str, str]
    encrypted_data_keys: tuple[EdkInfo, ...]
    framed: bool
    frame_length: int
    header_length: int
    format_version: int = 2  # 1 only for the ESDK's non-committing suites (read only)
    # The header authentication fields, for aws-encryption-cli-shaped metadata.
    header_iv: bytes = field(default=bytes(12), repr=False)
    header_tag: bytes = field(default=b"", repr=False)
    commit_key: bytes = field(default=b"", repr=False)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form: base64 message id, hex suite id and provider info."""
        return {
            "MessageFormatVersion": self.format_version,
            "Algorithm": self.algorithm.value,
            "AlgorithmSuiteId": f"0x{self.suite_id:04X}",
            "MessageId": base64.b64encode(self.message_id).decode("ascii"),
            "EncryptionContext": dict(self.encryption_context),
            "EncryptedDataKeys": [
                {
                    "ProviderId": e.provider_id,
                    "KeyName": e.key_name,
                    "ProviderInfo": e.provider_info.hex(),
                }
                for e in self.encrypted_data_keys
            ],
            "ContentType": "framed" if self.framed else "non-framed",
            "FrameLength": self.frame_length,
            "HeaderLength": self.header_length,
        }


@dataclass(frozen=True)
class MessageInfo:
    """The result of an encrypt or decrypt: the header, and the sizes processed."""

    header: HeaderInfo
    plaintext_length: int
    message_length: int

    def as_dict(self) -> dict[str, Any]:
        out = self.header.as_dict()
        out["PlaintextLength"] = self.plaintext_length
        out["MessageLength"] = self.message_length
        return out


def header_info(parsed: ParsedHeader) -> HeaderInfo:
    """Summarise a parsed header."""
    header = parsed.header
    return HeaderInfo(
        algorithm=header.suite.name,
        suite_id=header.suite.suite_id,
        message_id=header.message_id,
        encryption_context=header.encryption_context,
        encrypted_data_keys=tuple(
            EdkInfo(e.provider_id, edk_key_name(e), e.provider_info, e.ciphertext)
            for e in header.encrypted_data_keys
        ),
        framed=header.content_type is ContentType.FRAMED,
        frame_length=header.frame_length,
        header_length=parsed.length,
        format_version=header.format_version,
        header_iv=header.header_iv or bytes(header.suite.iv_length),
        header_tag=parsed.tag,
        commit_key=header.commit_key,
    )


def inspect(
    src: ByteSource,
    *,
    max_encrypted_data_keys: int = DEFAULT_MAX_ENCRYPTED_DATA_KEYS,
    max_header_size: int = DEFAULT_MAX_HEADER_SIZE,
) -> HeaderInfo:
    """Read the header from ``src`` and describe it; no key needed, nothing authenticated.

    Reads only the header (and its tag) from ``src``. Format version 1 headers are shown
    too (``MessageFormatVersion`` 1): describing them decrypts nothing. Raises
    :class:`~offline.errors.HeaderFormatError` and its subclasses.
    """
    return header_info(
        read_header(
            Reader(src).read,
            max_encrypted_data_keys=max_encrypted_data_keys,
            max_header_size=max_header_size,
            commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT,
        )
    )
