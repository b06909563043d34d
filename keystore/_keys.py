"""KMS key rows: states and origins, identifier resolution, state checks, and KeyMetadata.

spec: docs/keystore.md#keys
"""

from __future__ import annotations

import sqlite3
import struct
from enum import StrEnum
from typing import TYPE_CHECKING

from kmskit.keystore._limits import ALIAS_PREFIX, LIST_KEYS_LIMITS, MAX_KEY_ID
from kmskit.keystore._paging import decode_marker, encode_marker, page_limit
from kmskit.keystore._time import from_ms
from kmskit.keystore.aliases import alias_target
from kmskit.keystore.home import HomeConfig
from kmskit.keystore.results import KeyMetadata
from kmskit.offline._record import FrozenRecord
from kmskit.offline.errors import (
    DisabledException,
    InvalidMarkerException,
    KeystoreError,
    KMSInvalidStateException,
    NotFoundException,
    ValidationException,
)
from kmskit.offline.specs import (
    CUSTOMER_MASTER_KEY_SPECS,
    SYMMETRIC_ENCRYPTION_SPECS,
    KeySpec,
    KeyUsage,
    profile,
)

if TYPE_CHECKING:  # loaded by list_keys: DescribeKey and the rest need only KeyMetadata
    from kmskit.keystore.results_key_model import KeyListPage

__all__ = [
    "KeyRow",
    "KeyState",
    "Origin",
    "delete_key",
    "expired_keys",
    "insert_key",
    "insert_material",
    "is_symmetric_encryption",
    "key_class",
    "key_id_bytes",
    "key_material_id",
    "list_keys",
    "load_key",
    "load_sealed",
    "metadata",
    "require_not_pending_deletion",
    "require_usable",
    "resolve_key",
    "set_deletion_protection",
    "set_state",
]


class KeyState(StrEnum):
    ENABLED = "Enabled"
    DISABLED = "Disabled"
    PENDING_DELETION = "PendingDeletion"
    PENDING_IMPORT = "PendingImport"


class Origin(StrEnum):
    AWS_KMS = "AWS_KMS"
    EXTERNAL = "EXTERNAL"
    # Valid KMS values for keys in custom key stores, which a local keystore does not have.
    AWS_CLOUDHSM = "AWS_CLOUDHSM"
    EXTERNAL_KEY_STORE = "EXTERNAL_KEY_STORE"


_MATERIAL_ID_LABEL = b"kmskit-key-material-id-v1"
_MARKER_KIND = "keys"


def is_symmetric_encryption(spec: KeySpec) -> bool:
    """SYMMETRIC_DEFAULT, SM4 and AES_128: the specs whose algorithm is SYMMETRIC_DEFAULT."""
    return spec in SYMMETRIC_ENCRYPTION_SPECS


def key_class(spec: KeySpec) -> str:
    """The key type UpdateAlias compares: symmetric encryption, HMAC or asymmetric."""
    if is_symmetric_encryption(spec):
        return "symmetric"
    if KeyUsage.GENERATE_VERIFY_MAC in profile(spec).usages:
        return "hmac"
    return "asymmetric"


def key_id_bytes(key_id: str) -> bytes:
    """The 16 bytes of a key id, which is a UUID in its canonical ``8-4-4-4-12`` hex form
    (CreateKey makes it): what ``uuid.UUID(key_id).bytes`` gives, without importing
    :mod:`uuid` (its ``platform`` import alone costs every command about 3 ms of start-up).
    Raises :class:`ValueError` for anything else."""
    digits = key_id.replace("-", "")
    raw = bytes.fromhex(digits) if len(key_id) == 36 and len(digits) == 32 else b""
    if len(raw) != 16 or [key_id[i] for i in (8, 13, 18, 23)] != ["-"] * 4:
        raise ValueError(f"{key_id!r} is not a key id")
    return raw


def key_material_id(key_id: str, material_id: int) -> str:
    """The ``KeyMaterialId`` KMS prints (64 hex digits): SHA-256 of a label, the key id and
    the material id (uint32), so it names one material without revealing anything."""
    from kmskit.keystore._digest import sha256  # only operations that show material ids

    return sha256(_MATERIAL_ID_LABEL + key_id_bytes(key_id) + struct.pack(">I", material_id)).hex()


# A FrozenRecord, not a frozen dataclass: every operation loads its key row (start-up;
# kmskit.offline._record).
class KeyRow(FrozenRecord):
    key_id: str
    created_ms: int
    description: str
    key_spec: KeySpec
    key_usage: KeyUsage
    origin: str
    key_state: KeyState
    deletion_ms: int | None
    pending_window_days: int | None
    deletion_protection: bool
    current_material_id: int | None
    # automatic rotation: the period (None = off) and the next due time
    rotation_period_days: int | None = None
    next_rotation_ms: int | None = None
    # imported material (Origin EXTERNAL): KEY_MATERIAL_EXPIRES or _DOES_NOT_EXPIRE, ValidTo
    expiration_model: str | None = None
    valid_to_ms: int | None = None

    @property
    def uuid_bytes(self) -> bytes:
        return key_id_bytes(self.key_id)


_COLUMNS = (
    "key_id, created_ms, description, key_spec, key_usage, origin, key_state, deletion_ms,"
    " pending_window_days, deletion_protection, current_material_id, rotation_period_days,"
    " next_rotation_ms, expiration_model, valid_to_ms"
)


def _row(values: tuple[object, ...]) -> KeyRow:
    try:
        return _parse_row(values)
    except (ValueError, TypeError):
        raise KeystoreError(
            f"key {values[0]} has a state, spec or usage this kmskit does not know (the"
            " database is damaged or was written by a newer kmskit)"
        ) from None


def _parse_row(values: tuple[object, ...]) -> KeyRow:
    (key_id, created, description, spec, usage, origin, state, deletion, window, protect,
     material, period, next_rotation, expiration, valid_to) = values  # fmt: skip
    return KeyRow(
        key_id=str(key_id),
        created_ms=int(created),  # type: ignore[call-overload]
        description=str(description),
        key_spec=KeySpec(str(spec)),
        key_usage=KeyUsage(str(usage)),
        origin=str(origin),
        key_state=KeyState(str(state)),
        deletion_ms=None if deletion is None else int(deletion),  # type: ignore[call-overload]
        pending_window_days=None if window is None else int(window),  # type: ignore[call-overload]
        deletion_protection=bool(protect),
        current_material_id=None if material is None else int(material),  # type: ignore[call-overload]
        rotation_period_days=_int(period),
        next_rotation_ms=_int(next_rotation),
        expiration_model=None if expiration is None else str(expiration),
        valid_to_ms=_int(valid_to),
    )


def _int(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


def load_key(conn: sqlite3.Connection, key_id: str) -> KeyRow | None:
    """The key with this exact key id, or None."""
    query = f"SELECT {_COLUMNS} FROM keys WHERE key_id = ?"  # noqa: S608 (constant columns)
    found = conn.execute(query, (key_id,)).fetchone()
    return None if found is None else _row(found)


def resolve_key(conn: sqlite3.Connection, config: HomeConfig, identifier: str) -> KeyRow:
    """Find a key by key id, key ARN, alias name or alias ARN.

    Raises :class:`NotFoundException` if nothing matches, including an ARN of another
    partition, region or account, and :class:`ValidationException` for an empty or
    over-long identifier.
    """
    if not isinstance(identifier, str) or not 1 <= len(identifier) <= MAX_KEY_ID:
        raise ValidationException(f"a key identifier must be 1 to {MAX_KEY_ID} characters")
    name = identifier
    if identifier.startswith("arn:"):
        if not identifier.startswith(config.arn_prefix):
            raise NotFoundException(f"key {identifier!r} does not exist in this keystore")
        resource = identifier[len(config.arn_prefix) :]
        if resource.startswith("key/"):
            name = resource[len("key/") :]
        elif resource.startswith(ALIAS_PREFIX):
            name = resource
        else:
            raise NotFoundException(f"key {identifier!r} does not exist in this keystore")
    if name.startswith(ALIAS_PREFIX):
        target = alias_target(conn, name)
        if target is None:
            raise NotFoundException(f"alias {identifier!r} is not found")
        name = target
    row = load_key(conn, name)
    if row is None:
        raise NotFoundException(f"key {identifier!r} does not exist")
    return row


def require_usable(row: KeyRow, config: HomeConfig) -> None:
    """The state check of cryptographic operations (KMS key-state table).

    Raises :class:`DisabledException` (Disabled) or :class:`KMSInvalidStateException`
    (PendingDeletion, PendingImport).
    """
    arn = config.key_arn(row.key_id)
    if row.key_state is KeyState.DISABLED:
        raise DisabledException(f"{arn} is disabled")
    if row.key_state is not KeyState.ENABLED:
        raise KMSInvalidStateException(f"{arn} is pending {_pending(row.key_state)}")


def require_not_pending_deletion(row: KeyRow, config: HomeConfig) -> None:
    """Raises :class:`KMSInvalidStateException` if the key is PendingDeletion."""
    if row.key_state is KeyState.PENDING_DELETION:
        raise KMSInvalidStateException(f"{config.key_arn(row.key_id)} is pending deletion")


def _pending(state: KeyState) -> str:
    return "deletion" if state is KeyState.PENDING_DELETION else "import"


def metadata(row: KeyRow, config: HomeConfig) -> KeyMetadata:
    """DescribeKey's KeyMetadata for a key row."""
    prof = profile(row.key_spec)
    material = row.current_material_id
    return KeyMetadata(
        aws_account_id=config.account_id,
        key_id=row.key_id,
        arn=config.key_arn(row.key_id),
        creation_date=from_ms(row.created_ms),
        enabled=row.key_state is KeyState.ENABLED,
        description=row.description,
        key_usage=row.key_usage.value,
        key_state=row.key_state.value,
        origin=row.origin,
        key_spec=row.key_spec.value,
        deletion_date=None if row.deletion_ms is None else from_ms(row.deletion_ms),
        pending_window_in_days=row.pending_window_days,
        customer_master_key_spec=(
            row.key_spec.value if row.key_spec in CUSTOMER_MASTER_KEY_SPECS else None
        ),
        encryption_algorithms=tuple(a.value for a in prof.encryption_for(row.key_usage)),
        signing_algorithms=tuple(a.value for a in prof.signing_for(row.key_usage)),
        key_agreement_algorithms=tuple(a.value for a in prof.key_agreement_for(row.key_usage)),
        mac_algorithms=tuple(a.value for a in prof.mac_for(row.key_usage)),
        current_key_material_id=(
            key_material_id(row.key_id, material)
            if material is not None and is_symmetric_encryption(row.key_spec)
            else None
        ),
        deletion_protection=row.deletion_protection,
        expiration_model=row.expiration_model,
        valid_to=None if row.valid_to_ms is None else from_ms(row.valid_to_ms),
    )


def insert_key(conn: sqlite3.Connection, row: KeyRow) -> None:
    """Insert a key row; its current material (if any) must be inserted in the same
    transaction (the foreign key is checked at commit)."""
    conn.execute(
        f"INSERT INTO keys ({_COLUMNS}) VALUES ({', '.join('?' * 15)})",  # noqa: S608
        (
            row.key_id,
            row.created_ms,
            row.description,
            row.key_spec.value,
            row.key_usage.value,
            row.origin,
            row.key_state.value,
            row.deletion_ms,
            row.pending_window_days,
            int(row.deletion_protection),
            row.current_material_id,
            row.rotation_period_days,
            row.next_rotation_ms,
            row.expiration_model,
            row.valid_to_ms,
        ),
    )


def insert_material(
    conn: sqlite3.Connection, key_id: str, material_id: int, created_ms: int, sealed: bytes
) -> None:
    conn.execute(
        "INSERT INTO materials (key_id, material_id, created_ms, sealed) VALUES (?, ?, ?, ?)",
        (key_id, material_id, created_ms, sealed),
    )


def load_sealed(conn: sqlite3.Connection, key_id: str, material_id: int) -> bytes | None:
    """The sealed material ``material_id`` of a key, or None."""
    found = conn.execute(
        "SELECT sealed FROM materials WHERE key_id = ? AND material_id = ?",
        (key_id, material_id),
    ).fetchone()
    return None if found is None else bytes(found[0])


def set_state(
    conn: sqlite3.Connection,
    key_id: str,
    state: KeyState,
    *,
    deletion_ms: int | None = None,
    pending_window_days: int | None = None,
) -> None:
    """Set the state; deletion fields are kept only for PendingDeletion."""
    conn.execute(
        "UPDATE keys SET key_state = ?, deletion_ms = ?, pending_window_days = ? WHERE key_id = ?",
        (state.value, deletion_ms, pending_window_days, key_id),
    )


def set_deletion_protection(conn: sqlite3.Connection, key_id: str, enabled: bool) -> None:
    conn.execute("UPDATE keys SET deletion_protection = ? WHERE key_id = ?", (int(enabled), key_id))


def list_keys(
    conn: sqlite3.Connection, config: HomeConfig, *, limit: int | None, marker: str | None
) -> KeyListPage:
    """One page of keys in creation order (every state, as ListKeys).

    Raises :class:`ValidationException` for a bad limit and :class:`InvalidMarkerException`
    for a foreign marker.
    """
    size = page_limit(limit, LIST_KEYS_LIMITS)
    position = decode_marker(_MARKER_KIND, marker)
    after = 0
    if position is not None:
        if not position.isdigit():
            raise InvalidMarkerException("the marker is not valid for this list")
        after = int(position)
    rows = conn.execute(
        "SELECT seq, key_id FROM keys WHERE seq > ? ORDER BY seq LIMIT ?", (after, size + 1)
    ).fetchall()
    from kmskit.keystore.results_key_model import KeyListEntry, KeyListPage

    entries = tuple(
        KeyListEntry(key_id=key_id, key_arn=config.key_arn(key_id)) for _, key_id in rows[:size]
    )
    next_marker = encode_marker(_MARKER_KIND, str(rows[size - 1][0])) if len(rows) > size else None
    return KeyListPage(keys=entries, next_marker=next_marker)


def expired_keys(conn: sqlite3.Connection, now_ms: int) -> list[str]:
    """Keys PendingDeletion whose deletion date has come."""
    return [
        str(key_id)
        for (key_id,) in conn.execute(
            "SELECT key_id FROM keys WHERE key_state = ? AND deletion_ms <= ? ORDER BY seq",
            (KeyState.PENDING_DELETION.value, now_ms),
        )
    ]


def delete_key(conn: sqlite3.Connection, key_id: str) -> None:
    """Delete a key with its materials, aliases and tags (ON DELETE CASCADE)."""
    conn.execute("DELETE FROM keys WHERE key_id = ?", (key_id,))
