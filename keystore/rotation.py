"""Key rotation of symmetric encryption keys: EnableKeyRotation, DisableKeyRotation,
GetKeyRotationStatus, RotateKeyOnDemand, ListKeyRotations.

A rotation adds a material row and makes it current; the old rows stay, and a blob names
the material it was made with, so every old ciphertext still decrypts. Automatic rotations
happen when due by the injected clock (:mod:`keystore._maintenance`).

spec: docs/keystore.md#rotation
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kmskit.keystore import _keys, _maintenance, _materials, _params
from kmskit.keystore._base import KeystoreBase
from kmskit.keystore._keys import KeyRow, KeyState, Origin, is_symmetric_encryption, key_material_id
from kmskit.keystore._limits import LIST_ROTATIONS_LIMITS, MAX_ON_DEMAND_ROTATIONS
from kmskit.keystore._materials import RotationType
from kmskit.keystore._paging import decode_marker, encode_marker, page_limit
from kmskit.keystore._time import from_ms
from kmskit.offline.errors import (
    InvalidMarkerException,
    LimitExceededException,
    UnsupportedOperationException,
)

# Loaded when a rotation operation runs: every Keystore carries this mixin (asymmetric.py).
if TYPE_CHECKING:
    from kmskit.keystore.results_material import (
        KeyRotationStatus,
        RotationListPage,
    )

__all__ = ["RotationOperations"]

_MARKER_KIND = "rotations"
_MS_PER_DAY = _maintenance.MS_PER_DAY


class RotationOperations(KeystoreBase):
    """EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus, RotateKeyOnDemand,
    ListKeyRotations."""

    def enable_key_rotation(
        self, key_id: str, *, rotation_period_in_days: int | None = None
    ) -> None:
        """Rotate the key automatically every ``rotation_period_in_days`` (default 365; AWS
        naming 90–2560, Alibaba naming 7–365), the first time that many days from now.

        On a key whose rotation is already on, a new period counts from its last automatic
        rotation (or from when rotation was turned on); if that date has passed, the key
        rotates now. Raises :class:`ValidationException`, :class:`NotFoundException`,
        :class:`DisabledException`, :class:`KMSInvalidStateException`, and
        :class:`UnsupportedOperationException` (asymmetric, HMAC or imported keys).
        """
        with self._operation(
            "EnableKeyRotation", KeyId=key_id, RotationPeriodInDays=rotation_period_in_days
        ) as op:
            period = _params.rotation_period(rotation_period_in_days, self.config.naming)
            row = self._rotatable(self._resolve(op, key_id), automatic=True)
            if row.rotation_period_days is None or row.next_rotation_ms is None:
                next_ms = op.now_ms + period * _MS_PER_DAY
            else:
                anchor = row.next_rotation_ms - row.rotation_period_days * _MS_PER_DAY
                next_ms = anchor + period * _MS_PER_DAY
                if next_ms <= op.now_ms:  # the new period is already over: rotate now
                    _maintenance.rotate(
                        op.db,
                        self._master,
                        self._rng,
                        row.key_id,
                        row.key_spec,
                        op.now_ms,
                        RotationType.AUTOMATIC,
                    )
                    _maintenance.audit_rotation(op.db, self.config, op.now, row.key_id, op.now_ms)
                    next_ms = op.now_ms + period * _MS_PER_DAY
            _materials.set_rotation(op.db, row.key_id, period, next_ms)

    def disable_key_rotation(self, key_id: str) -> None:
        """Turn automatic rotation off. Raises as :meth:`enable_key_rotation`."""
        with self._operation("DisableKeyRotation", KeyId=key_id) as op:
            row = self._rotatable(self._resolve(op, key_id), automatic=True)
            _materials.set_rotation(op.db, row.key_id, None, None)

    def get_key_rotation_status(self, key_id: str) -> KeyRotationStatus:
        """Whether automatic rotation is on, with its period and next date. A key pending
        deletion reports false (its setting returns if the deletion is cancelled), as KMS
        does.

        Raises :class:`NotFoundException` and :class:`UnsupportedOperationException` (not a
        symmetric encryption key); works in every key state.
        """
        with self._operation("GetKeyRotationStatus", KeyId=key_id) as op:
            row = self._resolve(op, key_id)
            self._require_symmetric(row)
            from kmskit.keystore.results_material import KeyRotationStatus

            enabled = (
                row.rotation_period_days is not None
                and row.next_rotation_ms is not None
                and row.key_state is not KeyState.PENDING_DELETION
            )
            return KeyRotationStatus(
                key_rotation_enabled=enabled,
                key_id=row.key_id,
                rotation_period_in_days=row.rotation_period_days if enabled else None,
                next_rotation_date=(
                    from_ms(row.next_rotation_ms)
                    if enabled and row.next_rotation_ms is not None
                    else None
                ),
            )

    def rotate_key_on_demand(self, key_id: str) -> str:
        """Rotate now, whatever the automatic schedule (which stays as it is). Returns the
        key ID, as KMS's response ``KeyId``.

        Raises :class:`NotFoundException`, :class:`DisabledException`,
        :class:`KMSInvalidStateException`, :class:`UnsupportedOperationException`
        (asymmetric, HMAC or imported keys) and :class:`LimitExceededException` after 25
        on-demand rotations of the key.
        """
        with self._operation("RotateKeyOnDemand", KeyId=key_id) as op:
            row = self._rotatable(self._resolve(op, key_id), automatic=False)
            done = _materials.count_rotations(op.db, row.key_id, RotationType.ON_DEMAND)
            if done >= MAX_ON_DEMAND_ROTATIONS:
                raise LimitExceededException(
                    f"{op.key_arn} has had its {MAX_ON_DEMAND_ROTATIONS} on-demand rotations"
                )
            _maintenance.rotate(
                op.db,
                self._master,
                self._rng,
                row.key_id,
                row.key_spec,
                op.now_ms,
                RotationType.ON_DEMAND,
            )
            return row.key_id

    def list_key_rotations(
        self, key_id: str, *, limit: int | None = None, marker: str | None = None
    ) -> RotationListPage:
        """One page of the key's completed rotations, oldest first (1–1000 per page,
        default 100). Raises :class:`NotFoundException`, :class:`ValidationException`,
        :class:`InvalidMarkerException`, :class:`UnsupportedOperationException`."""
        with self._operation("ListKeyRotations", KeyId=key_id, Limit=limit, Marker=marker) as op:
            size = page_limit(limit, LIST_ROTATIONS_LIMITS)
            position = decode_marker(_MARKER_KIND, marker)
            if position is not None and not position.isdigit():
                raise InvalidMarkerException("the marker is not valid for this list")
            row = self._resolve(op, key_id)
            self._require_symmetric(row)
            after = 0 if position is None else int(position)
            found = _materials.rotations_after(op.db, row.key_id, after, size + 1)
            from kmskit.keystore.results_material import RotationEntry, RotationListPage

            entries = tuple(
                RotationEntry(
                    key_id=row.key_id,
                    key_material_id=key_material_id(row.key_id, r.material_id),
                    rotation_date=from_ms(r.created_ms),
                    rotation_type=r.rotation_type.value,
                )
                for r in found[:size]
            )
            next_marker = (
                encode_marker(_MARKER_KIND, str(found[size - 1].material_id))
                if len(found) > size
                else None
            )
            return RotationListPage(rotations=entries, next_marker=next_marker)

    # -- checks -----------------------------------------------------------------------------

    def _require_symmetric(self, row: KeyRow) -> None:
        if not is_symmetric_encryption(row.key_spec):
            raise UnsupportedOperationException(
                f"{self.config.key_arn(row.key_id)} is not a symmetric encryption key;"
                " only those rotate"
            )

    def _rotatable(self, row: KeyRow, *, automatic: bool) -> KeyRow:
        """State (Enabled), then a symmetric encryption key whose material KMS made."""
        _keys.require_usable(row, self.config)
        self._require_symmetric(row)
        if row.origin != Origin.AWS_KMS.value:
            what = "automatic" if automatic else "on-demand"
            raise UnsupportedOperationException(
                f"{self.config.key_arn(row.key_id)} has imported key material; {what}"
                " rotation needs key material that KMS generates"
            )
        return row
