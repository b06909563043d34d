"""What the key-material operations return (import, rotation), printing as AWS KMS
responses through ``to_response()``, like :mod:`keystore.results`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kmskit.keystore.results import _b64, _page, iso_time

__all__ = [
    "ImportKeyMaterialResult",
    "ImportParameters",
    "KeyRotationStatus",
    "RotationEntry",
    "RotationListPage",
]


@dataclass(frozen=True)
class ImportParameters:
    """GetParametersForImport's response: the wrapping public key (DER SubjectPublicKeyInfo)
    and the opaque import token that goes with it, both valid until
    ``parameters_valid_to``."""

    key_id: str
    import_token: bytes
    public_key: bytes
    parameters_valid_to: datetime

    def to_response(self) -> dict[str, Any]:
        return {
            "KeyId": self.key_id,
            "ImportToken": _b64(self.import_token),
            "PublicKey": _b64(self.public_key),
            "ParametersValidTo": iso_time(self.parameters_valid_to),
        }


@dataclass(frozen=True)
class ImportKeyMaterialResult:
    """ImportKeyMaterial's and DeleteImportedKeyMaterial's response: the key ARN and, for a
    symmetric encryption key, the ``KeyMaterialId`` imported or deleted."""

    key_id: str
    key_material_id: str | None = None

    def to_response(self) -> dict[str, Any]:
        response: dict[str, Any] = {"KeyId": self.key_id}
        if self.key_material_id is not None:
            response["KeyMaterialId"] = self.key_material_id
        return response


@dataclass(frozen=True)
class KeyRotationStatus:
    """GetKeyRotationStatus's response. ``key_id`` is the key ID, as KMS prints it here.

    ``rotation_period_in_days`` and ``next_rotation_date`` are set only while automatic
    rotation is on. Rotations complete within the call, so no on-demand rotation is ever in
    progress and ``OnDemandRotationStartDate`` is never printed.
    """

    key_rotation_enabled: bool
    key_id: str
    rotation_period_in_days: int | None = None
    next_rotation_date: datetime | None = None

    def to_response(self) -> dict[str, Any]:
        response: dict[str, Any] = {
            "KeyRotationEnabled": self.key_rotation_enabled,
            "KeyId": self.key_id,
        }
        if self.rotation_period_in_days is not None:
            response["RotationPeriodInDays"] = self.rotation_period_in_days
        if self.next_rotation_date is not None:
            response["NextRotationDate"] = iso_time(self.next_rotation_date)
        return response


@dataclass(frozen=True)
class RotationEntry:
    """One completed rotation: the material it made current, when, and why."""

    key_id: str
    key_material_id: str
    rotation_date: datetime
    rotation_type: str

    def to_response(self) -> dict[str, Any]:
        return {
            "KeyId": self.key_id,
            "KeyMaterialId": self.key_material_id,
            "RotationDate": iso_time(self.rotation_date),
            "RotationType": self.rotation_type,
        }


@dataclass(frozen=True)
class RotationListPage:
    """One ListKeyRotations page, oldest rotation first."""

    rotations: tuple[RotationEntry, ...]
    next_marker: str | None = None

    @property
    def truncated(self) -> bool:
        return self.next_marker is not None

    def to_response(self) -> dict[str, Any]:
        return _page("Rotations", [r.to_response() for r in self.rotations], self.next_marker)
