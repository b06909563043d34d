"""The Keystore: the KMS operations on one open home, each checked, transactional and audited.

Every operation runs in one ``BEGIN IMMEDIATE`` transaction together with its audit record;
a failed operation is rolled back and its failure is recorded in a transaction of its own.
Key state is checked before usage, with the KMS error names (docs/keystore.md#keys).

This module holds the key model (keys, aliases, tags); each family of cryptographic
operations lives in its own module and is mixed in: :mod:`keystore.encryption`,
:mod:`keystore.asymmetric`, :mod:`keystore.mac`, :mod:`keystore.data_key_pairs`,
:mod:`keystore.data_key_export`, :mod:`keystore.key_import`, :mod:`keystore.rotation`,
:mod:`keystore.csr`, :mod:`keystore.access_keys`.

spec: docs/keystore.md
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from kmskit.keystore import _keys, _maintenance, _params
from kmskit.keystore import aliases as _aliases
from kmskit.keystore import tags as _tags
from kmskit.keystore._db import transaction
from kmskit.keystore._keys import (
    KeyRow,
    KeyState,
    Origin,
    is_symmetric_encryption,
    key_class,
)
from kmskit.keystore._limits import ALIAS_PREFIX, DEFAULT_PENDING_WINDOW_DAYS
from kmskit.keystore._operation import SUCCESS, Operation, record
from kmskit.keystore._time import from_ms, now, to_ms
from kmskit.keystore._wipe import wipe
from kmskit.keystore.access_keys import AccessKeyOperations
from kmskit.keystore.asymmetric import AsymmetricOperations
from kmskit.keystore.csr import CsrOperations
from kmskit.keystore.data_key_export import DataKeyExportOperations
from kmskit.keystore.data_key_pairs import DataKeyPairOperations
from kmskit.keystore.encryption import EncryptionOperations
from kmskit.keystore.grants_operations import GrantOperations
from kmskit.keystore.key_import import KeyImportOperations
from kmskit.keystore.mac import MacOperations
from kmskit.keystore.results import KeyMetadata
from kmskit.keystore.rotation import RotationOperations
from kmskit.offline.errors import KMSInvalidStateException, ValidationException
from kmskit.offline.specs import KeySpec, KeyUsage, key_spec_from_name, profile

# Loaded by the operations that return them, so a command loads only its own results.
if TYPE_CHECKING:
    from kmskit.keystore.results_key_model import (
        AliasListPage,
        DeletionSchedule,
        KeyListPage,
        TagListPage,
    )

__all__ = ["Keystore"]


class Keystore(
    EncryptionOperations,
    AsymmetricOperations,
    MacOperations,
    DataKeyPairOperations,
    DataKeyExportOperations,
    KeyImportOperations,
    RotationOperations,
    CsrOperations,
    AccessKeyOperations,
    GrantOperations,
):
    """An open keystore home. Use :func:`keystore.open_keystore` to get one; close it (or use
    it as a context manager) when done.

    ``key_id`` arguments take any KMS identifier: key id, key ARN, alias name, alias ARN.
    Every method raises :class:`KeystoreError` if the keystore is closed or its database
    cannot be written.
    """

    def purge_expired_keys(self) -> list[str]:
        """Delete keys whose deletion window has passed (each audited as ``DeleteKey``).

        :func:`keystore.open_keystore` calls this; returns the ARNs deleted.
        """
        conn = self._connection()
        when = now(self._clock)
        deleted: list[str] = []
        with transaction(conn):
            for key_id in _keys.expired_keys(conn, to_ms(when)):
                _keys.delete_key(conn, key_id)
                op = Operation(conn, when, {"KeyId": key_id})
                op.key_arn = self.config.key_arn(key_id)
                record(conn, op, "DeleteKey", SUCCESS, None)
                deleted.append(op.key_arn)
        return deleted

    # -- keys ------------------------------------------------------------------------------

    def create_key(
        self,
        *,
        key_spec: str = "SYMMETRIC_DEFAULT",
        key_usage: str = "ENCRYPT_DECRYPT",
        origin: str = "AWS_KMS",
        description: str = "",
        tags: Mapping[str, str] | None = None,
        policy: str | None = None,
        bypass_policy_lockout_safety_check: bool = False,
    ) -> KeyMetadata:
        """Create a KMS key of any spec in :mod:`offline.specs` (AWS or Alibaba spelling).

        Origin ``EXTERNAL`` makes a key without material, in PendingImport. ``policy`` is its
        key policy (default: the default key policy), checked as PutKeyPolicy checks it
        (:class:`MalformedPolicyDocumentException`, the lockout check for the caller unless
        bypassed; docs/authorization.md). Raises
        :class:`ValidationException` (unknown spec, usage or origin; usage not allowed for
        the spec; description over 8192 characters), :class:`TagException`, and
        :class:`UnsupportedOperationException` for custom key store origins.
        """
        with self._operation(
            "CreateKey",
            KeySpec=key_spec,
            KeyUsage=key_usage,
            Origin=origin,
            Description=description,
            Tags=dict(tags) if isinstance(tags, Mapping) else tags,
            # only when given, so the records of keys made without a policy keep their form
            **(
                {}
                if policy is None
                else {
                    "Policy": policy,
                    "BypassPolicyLockoutSafetyCheck": bypass_policy_lockout_safety_check,
                }
            ),
        ) as op:
            spec = key_spec_from_name(key_spec)
            usage = _params.key_usage(key_usage)
            if usage not in profile(spec).usages:
                raise ValidationException(f"KeyUsage {usage} is not compatible with KeySpec {spec}")
            key_origin = _params.origin(origin)
            _params.description(description)
            checked_tags = {} if tags is None else _tags.validate_tags(tags)
            import uuid  # only where a key id is made: its platform import is slow

            key_uuid = uuid.UUID(bytes=self._rng(16), version=4)
            material_id: int | None = None
            sealed = b""
            if key_origin is Origin.AWS_KMS:
                material_id = 1
                material = self._new_material(spec)
                try:
                    sealed = self._master.seal(key_uuid.bytes, material_id, material, self._rng)
                finally:
                    wipe(material)
            row = KeyRow(
                key_id=str(key_uuid),
                created_ms=op.now_ms,
                description=description,
                key_spec=spec,
                key_usage=usage,
                origin=key_origin.value,
                key_state=KeyState.ENABLED if material_id else KeyState.PENDING_IMPORT,
                deletion_ms=None,
                pending_window_days=None,
                deletion_protection=False,
                current_material_id=material_id,
            )
            op.key_arn = self.config.key_arn(row.key_id)
            _keys.insert_key(op.db, row)
            if material_id is not None:
                _keys.insert_material(op.db, row.key_id, material_id, op.now_ms, sealed)
            if checked_tags:
                _tags.set_tags(op.db, row.key_id, checked_tags)
            if policy is not None:
                self._apply_key_policy(
                    op, row, policy, bypass=bypass_policy_lockout_safety_check, principal=None
                )
            return _keys.metadata(row, self.config)

    def _new_material(self, spec: KeySpec) -> bytearray:
        prof = profile(spec)
        if is_symmetric_encryption(spec) or KeyUsage.GENERATE_VERIFY_MAC in prof.usages:
            return bytearray(self._rng(prof.key_bits // 8))
        from kmskit.offline.keys import generate_private_key

        return bytearray(generate_private_key(spec).pkcs8_der())

    def describe_key(self, key_id: str) -> KeyMetadata:
        """KeyMetadata of a key in any state. Raises :class:`NotFoundException`."""
        with self._operation("DescribeKey", KeyId=key_id) as op:
            row = self._resolve(op, key_id)
            return _keys.metadata(row, self.config)

    def list_keys(self, *, limit: int | None = None, marker: str | None = None) -> KeyListPage:
        """One page of keys (1–1000 per page, default 100). Raises
        :class:`ValidationException` or :class:`InvalidMarkerException`."""
        with self._operation("ListKeys", Limit=limit, Marker=marker) as op:
            return _keys.list_keys(op.db, self.config, limit=limit, marker=marker)

    def enable_key(self, key_id: str) -> None:
        """Disabled → Enabled. Raises :class:`NotFoundException`, and
        :class:`KMSInvalidStateException` when PendingDeletion or PendingImport."""
        self._set_enabled("EnableKey", key_id, KeyState.ENABLED)

    def disable_key(self, key_id: str) -> None:
        """Enabled → Disabled. Raises as :meth:`enable_key`."""
        self._set_enabled("DisableKey", key_id, KeyState.DISABLED)

    def _set_enabled(self, name: str, key_id: str, state: KeyState) -> None:
        with self._operation(name, KeyId=key_id) as op:
            row = self._resolve(op, key_id)
            if row.key_state not in (KeyState.ENABLED, KeyState.DISABLED):
                raise KMSInvalidStateException(f"{op.key_arn} is {row.key_state}")
            _keys.set_state(op.db, row.key_id, state)
            if state is KeyState.ENABLED and row.key_state is KeyState.DISABLED:
                _maintenance.catch_up_on_enable(
                    op.db, self._master, self.config, self._rng, row, op.now
                )

    def schedule_key_deletion(
        self, key_id: str, *, pending_window_in_days: int = DEFAULT_PENDING_WINDOW_DAYS
    ) -> DeletionSchedule:
        """Enabled, Disabled or PendingImport → PendingDeletion for 7–30 days.

        Raises :class:`ValidationException` (window), :class:`NotFoundException`, and
        :class:`KMSInvalidStateException` (already PendingDeletion, or deletion protection
        is on).
        """
        with self._operation(
            "ScheduleKeyDeletion", KeyId=key_id, PendingWindowInDays=pending_window_in_days
        ) as op:
            days = _params.pending_window(pending_window_in_days)
            row = self._resolve(op, key_id)
            _keys.require_not_pending_deletion(row, self.config)
            if row.deletion_protection:
                raise KMSInvalidStateException(
                    f"{op.key_arn} has deletion protection; disable it first"
                )
            deletion_ms = op.now_ms + days * _maintenance.MS_PER_DAY
            _keys.set_state(
                op.db,
                row.key_id,
                KeyState.PENDING_DELETION,
                deletion_ms=deletion_ms,
                pending_window_days=days,
            )
            from kmskit.keystore.results_key_model import DeletionSchedule

            return DeletionSchedule(
                key_id=self.config.key_arn(row.key_id),
                deletion_date=from_ms(deletion_ms),
                key_state=KeyState.PENDING_DELETION.value,
                pending_window_in_days=days,
            )

    def cancel_key_deletion(self, key_id: str) -> str:
        """PendingDeletion → Disabled (PendingImport if it has no material). Returns the key
        ARN. Raises :class:`NotFoundException`, :class:`KMSInvalidStateException`."""
        with self._operation("CancelKeyDeletion", KeyId=key_id) as op:
            row = self._resolve(op, key_id)
            if row.key_state is not KeyState.PENDING_DELETION:
                raise KMSInvalidStateException(f"{op.key_arn} is not pending deletion")
            state = KeyState.DISABLED if row.current_material_id else KeyState.PENDING_IMPORT
            _keys.set_state(op.db, row.key_id, state)
            return self.config.key_arn(row.key_id)

    def set_deletion_protection(self, key_id: str, *, enabled: bool) -> None:
        """Turn the Alibaba deletion protection flag on or off. Raises
        :class:`NotFoundException`, :class:`KMSInvalidStateException` (PendingDeletion)."""
        with self._operation("SetDeletionProtection", KeyId=key_id, Enabled=enabled) as op:
            if not isinstance(enabled, bool):
                raise ValidationException("enabled must be true or false")
            row = self._resolve(op, key_id)
            _keys.require_not_pending_deletion(row, self.config)
            _keys.set_deletion_protection(op.db, row.key_id, enabled)

    # -- aliases ---------------------------------------------------------------------------

    def create_alias(self, alias_name: str, target_key_id: str) -> None:
        """Raises :class:`InvalidAliasNameException`/:class:`ValidationException` (name),
        :class:`AlreadyExistsException`, :class:`NotFoundException`, and
        :class:`KMSInvalidStateException` if the target is PendingDeletion."""
        with self._operation("CreateAlias", AliasName=alias_name, TargetKeyId=target_key_id) as op:
            _aliases.validate_alias_name(alias_name)
            row = self._resolve_target(op, target_key_id)
            _aliases.insert_alias(op.db, self.config, alias_name, row.key_id, op.now_ms)

    def update_alias(self, alias_name: str, target_key_id: str) -> None:
        """Point an alias at another key of the same type and usage. Raises as
        :meth:`create_alias`, :class:`NotFoundException` for a missing alias, and
        :class:`ValidationException` if the keys differ in type or usage."""
        with self._operation("UpdateAlias", AliasName=alias_name, TargetKeyId=target_key_id) as op:
            _aliases.validate_alias_name(alias_name)
            row = self._resolve_target(op, target_key_id)
            current = _aliases.alias_target(op.db, alias_name)
            old = None if current is None else _keys.load_key(op.db, current)
            if old is not None and (
                key_class(old.key_spec) != key_class(row.key_spec)
                or old.key_usage is not row.key_usage
            ):
                raise ValidationException(
                    "the new target key must have the same type and key usage as the current one"
                )
            _aliases.retarget_alias(op.db, self.config, alias_name, row.key_id, op.now_ms)

    def delete_alias(self, alias_name: str) -> None:
        """Raises :class:`InvalidAliasNameException` or :class:`NotFoundException`."""
        with self._operation("DeleteAlias", AliasName=alias_name) as op:
            _aliases.validate_alias_name(alias_name)
            target = _aliases.alias_target(op.db, alias_name)
            if target is not None:
                op.key_arn = self.config.key_arn(target)
            _aliases.delete_alias(op.db, self.config, alias_name)

    def list_aliases(
        self, *, key_id: str | None = None, limit: int | None = None, marker: str | None = None
    ) -> AliasListPage:
        """One page of aliases (1–100, default 50), all or of one key. Raises
        :class:`NotFoundException`, :class:`ValidationException`,
        :class:`InvalidMarkerException`."""
        with self._operation("ListAliases", KeyId=key_id, Limit=limit, Marker=marker) as op:
            target = None if key_id is None else self._resolve(op, key_id).key_id
            return _aliases.list_aliases(
                op.db, self.config, key_id=target, limit=limit, marker=marker
            )

    def _resolve_target(self, op: Operation, target_key_id: str) -> KeyRow:
        if isinstance(target_key_id, str) and (
            target_key_id.startswith(ALIAS_PREFIX)
            or target_key_id.startswith(self.config.arn_prefix + ALIAS_PREFIX)
        ):
            raise ValidationException("an alias must point at a key id or key ARN, not an alias")
        row = self._resolve(op, target_key_id)
        _keys.require_not_pending_deletion(row, self.config)
        return row

    # -- tags ------------------------------------------------------------------------------

    def tag_resource(self, key_id: str, tags: Mapping[str, str]) -> None:
        """Add or overwrite tags. Raises :class:`TagException`, :class:`NotFoundException`,
        :class:`KMSInvalidStateException` (PendingDeletion)."""
        with self._operation(
            "TagResource", KeyId=key_id, Tags=dict(tags) if isinstance(tags, Mapping) else tags
        ) as op:
            checked = _tags.validate_tags(tags)
            row = self._resolve(op, key_id)
            _keys.require_not_pending_deletion(row, self.config)
            _tags.set_tags(op.db, row.key_id, checked)

    def untag_resource(self, key_id: str, tag_keys: Sequence[str]) -> None:
        """Remove tags (missing ones are ignored). Raises as :meth:`tag_resource`."""
        with self._operation("UntagResource", KeyId=key_id, TagKeys=list(tag_keys)) as op:
            row = self._resolve(op, key_id)
            _keys.require_not_pending_deletion(row, self.config)
            _tags.remove_tags(op.db, row.key_id, tag_keys)

    def list_resource_tags(
        self, key_id: str, *, limit: int | None = None, marker: str | None = None
    ) -> TagListPage:
        """One page of a key's tags (1–50, default 50). Raises :class:`NotFoundException`,
        :class:`ValidationException`, :class:`InvalidMarkerException`."""
        with self._operation("ListResourceTags", KeyId=key_id, Limit=limit, Marker=marker) as op:
            row = self._resolve(op, key_id)
            return _tags.list_tags(op.db, row.key_id, limit=limit, marker=marker)
