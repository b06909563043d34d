"""What keystore operations return: frozen dataclasses that print as AWS KMS responses.

Each ``to_response()`` gives the JSON shape ``aws kms`` (AWS CLI v2) prints for that
operation: PascalCase names, blobs in base64, timestamps in ISO 8601 with their offset.
Results that carry plaintext hold it in a bytearray, leave it out of ``repr`` and offer
``wipe()``; after ``wipe()``, ``to_response()`` raises :class:`ValueError`.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kmskit.keystore._wipe import wipe

__all__ = [
    "AliasEntry",
    "AliasListPage",
    "DataKeyResult",
    "DecryptResult",
    "DeletionSchedule",
    "EncryptResult",
    "ExportedDataKeyResult",
    "KeyListEntry",
    "KeyListPage",
    "KeyMetadata",
    "RandomResult",
    "ReEncryptResult",
    "Tag",
    "TagListPage",
    "iso_time",
]


def iso_time(when: datetime) -> str:
    """ISO 8601 with offset, as AWS CLI v2 prints KMS timestamps (``…T…[.ffffff]+00:00``)."""
    return when.isoformat()


def _b64(data: bytes | bytearray) -> str:
    return base64.b64encode(data).decode("ascii")


def _plaintext_b64(plaintext: bytearray) -> str:
    if not plaintext:  # KMS plaintexts are never empty, so empty means wiped
        raise ValueError("the plaintext was wiped")
    return _b64(plaintext)


def _page(items_name: str, items: list[dict[str, Any]], next_marker: str | None) -> dict[str, Any]:
    response: dict[str, Any] = {items_name: items}
    if next_marker is not None:
        response["NextMarker"] = next_marker
    response["Truncated"] = next_marker is not None
    return response


@dataclass(frozen=True)
class KeyMetadata:
    """DescribeKey / CreateKey ``KeyMetadata``.

    ``deletion_protection`` is the Alibaba Cloud flag; ``to_response`` prints it as Alibaba
    does (``"Enabled"``/``"Disabled"``). ``pending_window_in_days`` is kept for callers, but
    not printed: KMS shows ``PendingDeletionWindowInDays`` only for multi-Region primaries.
    """

    aws_account_id: str
    key_id: str
    arn: str
    creation_date: datetime
    enabled: bool
    description: str
    key_usage: str
    key_state: str
    origin: str
    key_spec: str
    deletion_date: datetime | None = None
    pending_window_in_days: int | None = None
    customer_master_key_spec: str | None = None
    encryption_algorithms: tuple[str, ...] = ()
    signing_algorithms: tuple[str, ...] = ()
    key_agreement_algorithms: tuple[str, ...] = ()
    mac_algorithms: tuple[str, ...] = ()
    current_key_material_id: str | None = None
    deletion_protection: bool = False
    expiration_model: str | None = None
    valid_to: datetime | None = None

    def to_response(self) -> dict[str, Any]:
        """``{"KeyMetadata": {...}}``, as CreateKey and DescribeKey return it."""
        meta: dict[str, Any] = {
            "AWSAccountId": self.aws_account_id,
            "KeyId": self.key_id,
            "Arn": self.arn,
            "CreationDate": iso_time(self.creation_date),
            "Enabled": self.enabled,
            "Description": self.description,
            "KeyUsage": self.key_usage,
            "KeyState": self.key_state,
        }
        if self.deletion_date is not None:
            meta["DeletionDate"] = iso_time(self.deletion_date)
        if self.valid_to is not None:
            meta["ValidTo"] = iso_time(self.valid_to)
        meta["Origin"] = self.origin
        if self.expiration_model is not None:
            meta["ExpirationModel"] = self.expiration_model
        meta["KeyManager"] = "CUSTOMER"
        if self.customer_master_key_spec is not None:
            meta["CustomerMasterKeySpec"] = self.customer_master_key_spec
        meta["KeySpec"] = self.key_spec
        for name, values in (
            ("EncryptionAlgorithms", self.encryption_algorithms),
            ("SigningAlgorithms", self.signing_algorithms),
            ("KeyAgreementAlgorithms", self.key_agreement_algorithms),
        ):
            if values:
                meta[name] = list(values)
        meta["MultiRegion"] = False
        if self.mac_algorithms:
            meta["MacAlgorithms"] = list(self.mac_algorithms)
        if self.current_key_material_id is not None:
            meta["CurrentKeyMaterialId"] = self.current_key_material_id
        meta["DeletionProtection"] = "Enabled" if self.deletion_protection else "Disabled"
        return {"KeyMetadata": meta}


@dataclass(frozen=True)
class KeyListEntry:
    key_id: str
    key_arn: str

    def to_response(self) -> dict[str, Any]:
        return {"KeyId": self.key_id, "KeyArn": self.key_arn}


@dataclass(frozen=True)
class KeyListPage:
    """One ListKeys page. ``next_marker`` is set exactly when the list is truncated."""

    keys: tuple[KeyListEntry, ...]
    next_marker: str | None = None

    @property
    def truncated(self) -> bool:
        return self.next_marker is not None

    def to_response(self) -> dict[str, Any]:
        return _page("Keys", [k.to_response() for k in self.keys], self.next_marker)


@dataclass(frozen=True)
class AliasEntry:
    alias_name: str
    alias_arn: str
    target_key_id: str
    creation_date: datetime
    last_updated_date: datetime

    def to_response(self) -> dict[str, Any]:
        return {
            "AliasName": self.alias_name,
            "AliasArn": self.alias_arn,
            "TargetKeyId": self.target_key_id,
            "CreationDate": iso_time(self.creation_date),
            "LastUpdatedDate": iso_time(self.last_updated_date),
        }


@dataclass(frozen=True)
class AliasListPage:
    aliases: tuple[AliasEntry, ...]
    next_marker: str | None = None

    @property
    def truncated(self) -> bool:
        return self.next_marker is not None

    def to_response(self) -> dict[str, Any]:
        return _page("Aliases", [a.to_response() for a in self.aliases], self.next_marker)


@dataclass(frozen=True)
class Tag:
    tag_key: str
    tag_value: str

    def to_response(self) -> dict[str, Any]:
        return {"TagKey": self.tag_key, "TagValue": self.tag_value}


@dataclass(frozen=True)
class TagListPage:
    tags: tuple[Tag, ...]
    next_marker: str | None = None

    @property
    def truncated(self) -> bool:
        return self.next_marker is not None

    def to_response(self) -> dict[str, Any]:
        return _page("Tags", [t.to_response() for t in self.tags], self.next_marker)


@dataclass(frozen=True)
class DeletionSchedule:
    """ScheduleKeyDeletion's response; ``key_id`` is the key ARN, as KMS returns it."""

    key_id: str
    deletion_date: datetime
    key_state: str
    pending_window_in_days: int

    def to_response(self) -> dict[str, Any]:
        return {
            "KeyId": self.key_id,
            "DeletionDate": iso_time(self.deletion_date),
            "KeyState": self.key_state,
            "PendingWindowInDays": self.pending_window_in_days,
        }


@dataclass(frozen=True)
class EncryptResult:
    """Encrypt's response; ``key_id`` is the key ARN."""

    ciphertext_blob: bytes
    key_id: str
    encryption_algorithm: str

    def to_response(self) -> dict[str, Any]:
        return {
            "CiphertextBlob": _b64(self.ciphertext_blob),
            "KeyId": self.key_id,
            "EncryptionAlgorithm": self.encryption_algorithm,
        }


@dataclass(frozen=True)
class DecryptResult:
    """Decrypt's response; ``key_id`` is the key ARN. ``key_material_id`` is set for
    symmetric encryption keys only, as KMS returns it. Call ``wipe()`` when done."""

    key_id: str
    plaintext: bytearray = field(repr=False)
    encryption_algorithm: str
    key_material_id: str | None

    def wipe(self) -> None:
        wipe(self.plaintext)
        del self.plaintext[:]

    def to_response(self) -> dict[str, Any]:
        response: dict[str, Any] = {
            "KeyId": self.key_id,
            "Plaintext": _plaintext_b64(self.plaintext),
            "EncryptionAlgorithm": self.encryption_algorithm,
        }
        if self.key_material_id is not None:
            response["KeyMaterialId"] = self.key_material_id
        return response


@dataclass(frozen=True)
class ReEncryptResult:
    """ReEncrypt's response; both key ids are key ARNs. No plaintext leaves the keystore.

    The material ids are set for symmetric encryption keys only."""

    ciphertext_blob: bytes
    source_key_id: str
    key_id: str
    source_encryption_algorithm: str
    destination_encryption_algorithm: str
    source_key_material_id: str | None
    destination_key_material_id: str | None

    def to_response(self) -> dict[str, Any]:
        response: dict[str, Any] = {
            "CiphertextBlob": _b64(self.ciphertext_blob),
            "SourceKeyId": self.source_key_id,
            "KeyId": self.key_id,
            "SourceEncryptionAlgorithm": self.source_encryption_algorithm,
            "DestinationEncryptionAlgorithm": self.destination_encryption_algorithm,
        }
        if self.source_key_material_id is not None:
            response["SourceKeyMaterialId"] = self.source_key_material_id
        if self.destination_key_material_id is not None:
            response["DestinationKeyMaterialId"] = self.destination_key_material_id
        return response


@dataclass(frozen=True)
class DataKeyResult:
    """GenerateDataKey (``plaintext`` set) or …WithoutPlaintext (``plaintext`` None).

    ``key_id`` is the key ARN. Call ``wipe()`` when done with the plaintext data key.
    """

    ciphertext_blob: bytes
    plaintext: bytearray | None = field(repr=False)
    key_id: str
    key_material_id: str

    def wipe(self) -> None:
        if self.plaintext is not None:
            wipe(self.plaintext)
            del self.plaintext[:]

    def to_response(self) -> dict[str, Any]:
        response: dict[str, Any] = {"CiphertextBlob": _b64(self.ciphertext_blob)}
        if self.plaintext is not None:
            response["Plaintext"] = _plaintext_b64(self.plaintext)
        response["KeyId"] = self.key_id
        response["KeyMaterialId"] = self.key_material_id
        return response


@dataclass(frozen=True)
class ExportedDataKeyResult:
    """GenerateAndExportDataKey (Alibaba KMS): one data key, encrypted under the KMS key
    (``ciphertext_blob``) and under the caller's public key (``exported_data_key``). Both
    hold the data key's base64 text (docs/server.md, "GenerateAndExportDataKey").
    ``key_id`` is the key ARN."""

    ciphertext_blob: bytes
    exported_data_key: bytes
    key_id: str
    key_material_id: str

    def to_response(self) -> dict[str, Any]:
        return {
            "CiphertextBlob": _b64(self.ciphertext_blob),
            "ExportedDataKey": _b64(self.exported_data_key),
            "KeyId": self.key_id,
            "KeyMaterialId": self.key_material_id,
        }


@dataclass(frozen=True)
class RandomResult:
    """GenerateRandom's response. Call ``wipe()`` when done."""

    plaintext: bytearray = field(repr=False)

    def wipe(self) -> None:
        wipe(self.plaintext)
        del self.plaintext[:]

    def to_response(self) -> dict[str, Any]:
        return {"Plaintext": _plaintext_b64(self.plaintext)}
