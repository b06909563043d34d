"""``--metadata-output`` lines in aws-encryption-cli's shape (``--metadata-format aws``).

aws-encryption-cli writes one JSON object per file, keys sorted: ``mode``, ``input`` and
``output`` (paths), ``header`` (the ESDK ``MessageHeader`` made JSON-ready: version as
"1.0"/"2.0", the suite's ESDK name, base64 message id, the stored context, EDKs sorted by
provider id and key info with every byte field base64, content type and frame length as
numbers, ``type``/``header_iv_length`` for format 1 and ``commitment_key`` for format 2) and,
when decrypting, ``header_auth`` (base64 IV and tag). This module builds that object from a
kmskit :class:`~envelope.info.MessageInfo`; tests/cli compare it with what the ESDK itself
reports for the same message.
"""

from __future__ import annotations

import base64
import os
from typing import TYPE_CHECKING, Any, Final

from kmskit.cli._file_jobs import Job, MetadataLog, Mode

if TYPE_CHECKING:
    from kmskit.envelope.aliyun_message import AliyunMessageInfo
    from kmskit.envelope.info import HeaderInfo, MessageInfo

__all__ = ["AwsMetadataLog", "aws_header", "aws_metadata_line"]

# The ESDK's Python names for the identity-KDF suites lack kmskit's "_NO_KDF" suffix.
_NO_KDF: Final = "_NO_KDF"
_CUSTOMER_AE_DATA: Final = 128
_STDIO: Final = "-"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _path(name: str, stream: str) -> str:
    return stream if name == _STDIO else os.path.abspath(name)


def aws_header(info: HeaderInfo) -> dict[str, Any]:
    """The header as aws-encryption-cli's ``json_ready_header`` shows it."""
    v1 = info.format_version == 1
    edks = sorted(
        info.encrypted_data_keys,
        key=lambda e: e.provider_id.encode("utf-8") + e.provider_info,
    )
    return {
        "version": f"{info.format_version}.0",
        "algorithm": info.algorithm.value.removesuffix(_NO_KDF),
        "message_id": _b64(info.message_id),
        "encryption_context": dict(info.encryption_context),
        "encrypted_data_keys": [
            {
                "key_provider": {
                    "provider_id": _b64(e.provider_id.encode("utf-8")),
                    "key_info": _b64(e.provider_info),
                },
                "encrypted_data_key": _b64(e.ciphertext),
            }
            for e in edks
        ],
        "content_type": 2 if info.framed else 1,
        "frame_length": info.frame_length,
        "type": _CUSTOMER_AE_DATA if v1 else None,
        "header_iv_length": len(info.header_iv) if v1 else None,
        "commitment_key": _b64(info.commit_key) if info.commit_key else None,
    }


def aws_metadata_line(mode: str, source: str, target: str, info: MessageInfo) -> dict[str, Any]:
    """One metadata object for a file done, as aws-encryption-cli writes it."""
    line: dict[str, Any] = {
        "mode": mode,
        "input": _path(source, "<stdin>"),
        "output": _path(target, "<stdout>"),
        "header": aws_header(info.header),
    }
    if mode == "decrypt":
        line["header_auth"] = {
            "iv": _b64(info.header.header_iv),
            "tag": _b64(info.header.header_tag),
        }
    return line


class AwsMetadataLog(MetadataLog):
    """:class:`MetadataLog` whose lines have aws-encryption-cli's shape."""

    def line(self, mode: Mode, job: Job, info: MessageInfo | AliyunMessageInfo) -> dict[str, Any]:
        # aws-encryption-cli's line has no fields for an Alibaba-format message: those get
        # kmskit's shape whatever --metadata-format says.
        from kmskit.envelope.info import MessageInfo

        if not isinstance(info, MessageInfo):
            return super().line(mode, job, info)
        return aws_metadata_line(mode, job.source, job.target, info)
