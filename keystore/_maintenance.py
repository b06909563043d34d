"""Work the clock makes due: automatic rotations, expiry of imported key material, and the
wrapping keys of expired import tokens. Each change is audited like an operation.

KMS does these in the background on time; the local keystore does them the next time it is
opened or used, with the injected clock, and dates them when they were due.

spec: docs/keystore.md#rotation, docs/keystore.md#importing-key-material
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime

from kmskit.keystore import _keys, _materials
from kmskit.keystore._db import transaction
from kmskit.keystore._keys import KeyState
from kmskit.keystore._materials import RotationType
from kmskit.keystore._operation import SUCCESS, Operation, record
from kmskit.keystore._time import from_ms, to_ms
from kmskit.keystore._wipe import wipe
from kmskit.keystore.home import HomeConfig
from kmskit.keystore.results import iso_time
from kmskit.keystore.sealing import MasterKey
from kmskit.offline.specs import KeySpec, profile

__all__ = ["MS_PER_DAY", "audit_rotation", "catch_up_on_enable", "rotate", "run_due_work"]

MS_PER_DAY = 86_400_000


def rotate(
    conn: sqlite3.Connection,
    master: MasterKey,
    rng: Callable[[int], bytes],
    key_id: str,
    spec: KeySpec,
    at_ms: int,
    rotation_type: RotationType,
) -> int:
    """Give a symmetric key new random material and make it current; the old materials
    stay, so every old ciphertext still decrypts. Returns the new material id."""
    material_id = _materials.next_material_id(conn, key_id)
    material = bytearray(rng(profile(spec).key_bits // 8))
    try:
        sealed = master.seal(_keys.key_id_bytes(key_id), material_id, material, rng)
    finally:
        wipe(material)
    _materials.add_material(conn, key_id, material_id, at_ms, sealed, rotation_type)
    return material_id


def run_due_work(
    conn: sqlite3.Connection,
    master: MasterKey,
    config: HomeConfig,
    rng: Callable[[int], bytes],
    when: datetime,
) -> None:
    """Do whatever is due at ``when``, in one transaction (nothing, cheaply, if nothing is)."""
    now_ms = to_ms(when)
    if not _materials.work_is_due(conn, now_ms):
        return
    with transaction(conn):
        for key_id, valid_to_ms, state in _materials.expired_imports(conn, now_ms):
            _materials.delete_materials(conn, key_id)
            keep = state == KeyState.PENDING_DELETION.value
            _materials.clear_import(
                conn, key_id, KeyState.PENDING_DELETION if keep else KeyState.PENDING_IMPORT
            )
            _audit(
                conn,
                config,
                when,
                "DeleteExpiredKeyMaterial",
                key_id,
                ValidTo=iso_time(from_ms(valid_to_ms)),
            )
        for key_id, period, next_ms in _materials.due_rotations(conn, now_ms):
            row = _keys.load_key(conn, key_id)
            assert row is not None  # listed from the keys table in this transaction
            while next_ms <= now_ms:
                rotate(conn, master, rng, key_id, row.key_spec, next_ms, RotationType.AUTOMATIC)
                audit_rotation(conn, config, when, key_id, next_ms)
                next_ms += period * MS_PER_DAY
            _materials.set_rotation(conn, key_id, period, next_ms)
        _materials.purge_import_parameters(conn, now_ms)


def catch_up_on_enable(
    conn: sqlite3.Connection,
    master: MasterKey,
    config: HomeConfig,
    rng: Callable[[int], bytes],
    row: _keys.KeyRow,
    when: datetime,
) -> None:
    """KMS GetKeyRotationStatus: a key re-enabled after its rotation date passed while it
    was disabled rotates at once, and every period after that."""
    if row.rotation_period_days is None or row.next_rotation_ms is None:
        return
    now_ms = to_ms(when)
    if row.next_rotation_ms > now_ms:
        return
    rotate(conn, master, rng, row.key_id, row.key_spec, now_ms, RotationType.AUTOMATIC)
    audit_rotation(conn, config, when, row.key_id, now_ms)
    _materials.set_rotation(
        conn, row.key_id, row.rotation_period_days, now_ms + row.rotation_period_days * MS_PER_DAY
    )


def audit_rotation(
    conn: sqlite3.Connection, config: HomeConfig, when: datetime, key_id: str, at_ms: int
) -> None:
    """The ``RotateKey`` record of an automatic rotation dated ``at_ms`` (KMS's CloudTrail
    event name); the caller holds the write transaction."""
    _audit(
        conn,
        config,
        when,
        "RotateKey",
        key_id,
        RotationType=RotationType.AUTOMATIC.value,
        RotationDate=iso_time(from_ms(at_ms)),
    )


def _audit(
    conn: sqlite3.Connection,
    config: HomeConfig,
    when: datetime,
    name: str,
    key_id: str,
    **params: str,
) -> None:
    op = Operation(conn, when, {"KeyId": key_id, **params})
    op.key_arn = config.key_arn(key_id)
    record(conn, op, name, SUCCESS, None)
