"""What keystore operations return: frozen records that print as AWS KMS responses.

This module holds KeyMetadata (what CreateKey and DescribeKey return) and the conventions
every result follows; the other results live beside it, one module per family of
operations (``results_key_model``, ``results_encryption``, ``results_asymmetric``,
``results_material``, ``results_authorization``, ``results_access_keys``), so a command
loads only its own (each frozen dataclass costs its module's import time).

Each ``to_response()`` gives the JSON shape ``aws kms`` (AWS CLI v2) prints for that
operation: PascalCase names, blobs in base64, timestamps in ISO 8601 with their offset.
Results that carry plaintext hold it in a bytearray, leave it out of ``repr`` and offer
``wipe()``; after ``wipe()``, ``to_response()`` raises :class:`ValueError`.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from kmskit.offline._record import FrozenRecord

__all__ = ["KeyMetadata", "iso_time"]


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


# A FrozenRecord, not a frozen dataclass like the other results: DescribeKey returns it
# (start-up of ``kmskit kms describe-key``; kmskit.offline._record).
class KeyMetadata(FrozenRecord):
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
