"""Rows of the materials and import_parameters tables as the rotation and import operations
read them (:mod:`keystore._materials` holds the SQL).

spec: docs/keystore.md#rotation, docs/keystore.md#importing-key-material
"""

from __future__ import annotations

from dataclasses import dataclass

from kmskit.keystore._materials import RotationType

__all__ = ["ImportParametersRow", "RotationRow"]


@dataclass(frozen=True)
class RotationRow:
    material_id: int
    created_ms: int
    rotation_type: RotationType


@dataclass(frozen=True)
class ImportParametersRow:
    parameters_id: bytes
    key_id: str
    wrapping_algorithm: str
    wrapping_key_spec: str
    valid_to_ms: int
    sealed: bytes
