"""Material rows beyond the first: rotations, imported material and its expiry, and the
sealed wrapping keys of GetParametersForImport. SQL only; no cryptography.

spec: docs/keystore.md#rotation, docs/keystore.md#importing-key-material
"""

from __future__ import annotations

import sqlite3
from enum import StrEnum
from typing import TYPE_CHECKING

from kmskit.keystore._keys import KeyState

# Every operation asks work_is_due; only ListKeyRotations and the import operations build
# these rows, so their dataclasses load with them.
if TYPE_CHECKING:
    from kmskit.keystore._material_rows import ImportParametersRow, RotationRow

__all__ = [
    "RotationType",
    "add_material",
    "clear_import",
    "count_rotations",
    "delete_materials",
    "due_rotations",
    "expired_imports",
    "insert_import_parameters",
    "load_fingerprint",
    "load_import_parameters",
    "next_material_id",
    "purge_import_parameters",
    "rotations_after",
    "set_imported",
    "set_rotation",
    "work_is_due",
]


class RotationType(StrEnum):
    AUTOMATIC = "AUTOMATIC"
    ON_DEMAND = "ON_DEMAND"


def work_is_due(conn: sqlite3.Connection, now_ms: int) -> bool:
    """Whether any material expiry, automatic rotation or import parameters are due."""
    found = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM keys WHERE valid_to_ms <= ?)"
        " OR EXISTS (SELECT 1 FROM keys WHERE next_rotation_ms <= ? AND key_state = ?)"
        " OR EXISTS (SELECT 1 FROM import_parameters WHERE valid_to_ms <= ?)",
        (now_ms, now_ms, KeyState.ENABLED.value, now_ms),
    ).fetchone()
    return bool(found[0])


# -- rotation ---------------------------------------------------------------------------------


def next_material_id(conn: sqlite3.Connection, key_id: str) -> int:
    found = conn.execute(
        "SELECT coalesce(max(material_id), 0) FROM materials WHERE key_id = ?", (key_id,)
    ).fetchone()
    return int(found[0]) + 1


def add_material(
    conn: sqlite3.Connection,
    key_id: str,
    material_id: int,
    created_ms: int,
    sealed: bytes,
    rotation_type: RotationType | None,
) -> None:
    """Insert a material row and make it the key's current material."""
    conn.execute(
        "INSERT INTO materials (key_id, material_id, created_ms, sealed, rotation_type)"
        " VALUES (?, ?, ?, ?, ?)",
        (
            key_id,
            material_id,
            created_ms,
            sealed,
            None if rotation_type is None else rotation_type.value,
        ),
    )
    conn.execute("UPDATE keys SET current_material_id = ? WHERE key_id = ?", (material_id, key_id))


def set_rotation(
    conn: sqlite3.Connection, key_id: str, period_days: int | None, next_ms: int | None
) -> None:
    """Automatic rotation on (a period and the next due time) or off (both None)."""
    conn.execute(
        "UPDATE keys SET rotation_period_days = ?, next_rotation_ms = ? WHERE key_id = ?",
        (period_days, next_ms, key_id),
    )


def due_rotations(conn: sqlite3.Connection, now_ms: int) -> list[tuple[str, int, int]]:
    """(key id, period in days, next due time) of Enabled keys whose rotation is due."""
    return [
        (str(key_id), int(period), int(next_ms))
        for key_id, period, next_ms in conn.execute(
            "SELECT key_id, rotation_period_days, next_rotation_ms FROM keys"
            " WHERE next_rotation_ms <= ? AND key_state = ? ORDER BY seq",
            (now_ms, KeyState.ENABLED.value),
        )
    ]


def count_rotations(conn: sqlite3.Connection, key_id: str, rotation_type: RotationType) -> int:
    found = conn.execute(
        "SELECT count(*) FROM materials WHERE key_id = ? AND rotation_type = ?",
        (key_id, rotation_type.value),
    ).fetchone()
    return int(found[0])


def rotations_after(
    conn: sqlite3.Connection, key_id: str, after_material_id: int, limit: int
) -> list[RotationRow]:
    """Up to ``limit`` rotations of a key, oldest first, after a material id."""
    from kmskit.keystore._material_rows import RotationRow

    return [
        RotationRow(int(material_id), int(created), RotationType(str(kind)))
        for material_id, created, kind in conn.execute(
            "SELECT material_id, created_ms, rotation_type FROM materials"
            " WHERE key_id = ? AND rotation_type IS NOT NULL AND material_id > ?"
            " ORDER BY material_id LIMIT ?",
            (key_id, after_material_id, limit),
        )
    ]


# -- imported material ------------------------------------------------------------------------


def load_fingerprint(conn: sqlite3.Connection, key_id: str) -> bytes | None:
    """The fingerprint of the material first imported into a key, or None."""
    found = conn.execute(
        "SELECT material_fingerprint FROM keys WHERE key_id = ?", (key_id,)
    ).fetchone()
    return None if found is None or found[0] is None else bytes(found[0])


def set_imported(
    conn: sqlite3.Connection,
    key_id: str,
    *,
    fingerprint: bytes,
    expiration_model: str,
    valid_to_ms: int | None,
    state: KeyState,
) -> None:
    conn.execute(
        "UPDATE keys SET material_fingerprint = ?, expiration_model = ?, valid_to_ms = ?,"
        " key_state = ? WHERE key_id = ?",
        (fingerprint, expiration_model, valid_to_ms, state.value, key_id),
    )


def delete_materials(conn: sqlite3.Connection, key_id: str) -> None:
    """Forget every material of a key (its fingerprint stays, so only the same material can
    be imported again)."""
    conn.execute("UPDATE keys SET current_material_id = NULL WHERE key_id = ?", (key_id,))
    conn.execute("DELETE FROM materials WHERE key_id = ?", (key_id,))


def clear_import(conn: sqlite3.Connection, key_id: str, state: KeyState) -> None:
    """After imported material is deleted or expires: no expiration, the given state."""
    conn.execute(
        "UPDATE keys SET expiration_model = NULL, valid_to_ms = NULL, key_state = ?"
        " WHERE key_id = ?",
        (state.value, key_id),
    )


def expired_imports(conn: sqlite3.Connection, now_ms: int) -> list[tuple[str, int, str]]:
    """(key id, ValidTo, state) of keys whose imported material has expired."""
    return [
        (str(key_id), int(valid_to), str(state))
        for key_id, valid_to, state in conn.execute(
            "SELECT key_id, valid_to_ms, key_state FROM keys WHERE valid_to_ms <= ? ORDER BY seq",
            (now_ms,),
        )
    ]


# -- import parameters ------------------------------------------------------------------------


def insert_import_parameters(
    conn: sqlite3.Connection, row: ImportParametersRow, created_ms: int
) -> None:
    conn.execute(
        "INSERT INTO import_parameters (parameters_id, key_id, wrapping_algorithm,"
        " wrapping_key_spec, created_ms, valid_to_ms, sealed) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            row.parameters_id,
            row.key_id,
            row.wrapping_algorithm,
            row.wrapping_key_spec,
            created_ms,
            row.valid_to_ms,
            row.sealed,
        ),
    )


def load_import_parameters(
    conn: sqlite3.Connection, parameters_id: bytes
) -> ImportParametersRow | None:
    found = conn.execute(
        "SELECT key_id, wrapping_algorithm, wrapping_key_spec, valid_to_ms, sealed"
        " FROM import_parameters WHERE parameters_id = ?",
        (parameters_id,),
    ).fetchone()
    if found is None:
        return None
    key_id, algorithm, spec, valid_to, sealed = found
    from kmskit.keystore._material_rows import ImportParametersRow

    return ImportParametersRow(
        parameters_id, str(key_id), str(algorithm), str(spec), int(valid_to), bytes(sealed)
    )


def purge_import_parameters(conn: sqlite3.Connection, now_ms: int) -> int:
    """Delete the wrapping keys whose import token has expired; returns how many."""
    return conn.execute("DELETE FROM import_parameters WHERE valid_to_ms <= ?", (now_ms,)).rowcount
