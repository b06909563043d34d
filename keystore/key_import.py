"""Importing key material (Origin EXTERNAL): GetParametersForImport, ImportKeyMaterial,
DeleteImportedKeyMaterial.

GetParametersForImport makes a fresh wrapping key pair, keeps its private half sealed in the
store until the import token expires (24 hours), and returns the public half with an import
token: AES-256-GCM, under a key derived from the master key, of the key id, the parameters
id, the expiry, the wrapping key's fingerprint, algorithm and spec. ImportKeyMaterial opens
the token, unwraps with ``offline.key_import.unwrap_key_material`` (the AWS wrapping
algorithms) and checks the material against the key spec. The material's fingerprint (an
HMAC under another master-derived key) stays after deletion or expiry, so only the same
material can come back, as KMS requires.

spec: docs/keystore.md#importing-key-material
"""

from __future__ import annotations

import struct
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from kmskit.keystore import _keys, _materials, _params
from kmskit.keystore._base import KeystoreBase
from kmskit.keystore._keys import KeyRow, KeyState, Origin, is_symmetric_encryption, key_class
from kmskit.keystore._limits import IMPORT_PARAMETERS_VALID_HOURS, MAX_VALID_TO_DAYS
from kmskit.keystore._operation import Operation
from kmskit.keystore._time import from_ms, to_ms
from kmskit.keystore._wipe import wipe
from kmskit.keystore.results import iso_time
from kmskit.offline.errors import (
    ExpiredImportTokenException,
    IncorrectKeyMaterialException,
    InvalidImportTokenException,
    KmskitError,
    UnsupportedOperationException,
    ValidationException,
)
from kmskit.offline.specs import (
    HMAC_KEY_MATERIAL_LENGTHS,
    MAX_CIPHERTEXT_BLOB,
    KeySpec,
    WrappingAlgorithm,
    profile,
)

# The results, the key code and the unwrapping load when an import operation runs: every
# Keystore carries this mixin, and most commands never import key material.
if TYPE_CHECKING:
    from kmskit.keystore._material_rows import ImportParametersRow
    from kmskit.keystore.results_material import ImportKeyMaterialResult, ImportParameters
    from kmskit.offline.keys import PrivateKey

__all__ = ["KeyImportOperations"]

EXPIRES = "KEY_MATERIAL_EXPIRES"
DOES_NOT_EXPIRE = "KEY_MATERIAL_DOES_NOT_EXPIRE"
_WRAPPING_KEY_LABEL = b"kmskit-wrapping-key-v1"
_TOKEN_VERSION = 0x01
_TOKEN_AAD = b"kmskit-import-token-v1"
# payload: key id (16) ‖ parameters id (16) ‖ valid-to ms (uint64) ‖ SHA-256 of the wrapping
# key's SPKI (32) ‖ algorithm and spec names, each uint8 length ‖ ASCII
_TOKEN_FIXED = struct.Struct(">16s16sQ32s")
_KEY_WRAP = (WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1, WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256)


class KeyImportOperations(KeystoreBase):
    """GetParametersForImport, ImportKeyMaterial, DeleteImportedKeyMaterial."""

    def get_parameters_for_import(
        self, key_id: str, *, wrapping_algorithm: str, wrapping_key_spec: str
    ) -> ImportParameters:
        """A wrapping public key (DER SubjectPublicKeyInfo) and import token for an EXTERNAL
        key, valid for 24 hours.

        ``wrapping_key_spec`` is RSA_2048/3072/4096 or SM2; ``wrapping_algorithm`` is
        RSAES_OAEP_SHA_1/256 or RSA_AES_KEY_WRAP_SHA_1/256 (RSA) or SM2PKE (SM2). Raises
        :class:`ValidationException`, :class:`NotFoundException`,
        :class:`UnsupportedOperationException` (Origin is not EXTERNAL) and
        :class:`KMSInvalidStateException` (PendingDeletion).
        """
        with self._operation(
            "GetParametersForImport",
            KeyId=key_id,
            WrappingAlgorithm=wrapping_algorithm,
            WrappingKeySpec=wrapping_key_spec,
        ) as op:
            algorithm, spec = _params.wrapping(wrapping_algorithm, wrapping_key_spec)
            row = self._external_key(op, key_id)
            from kmskit.keystore.results_material import ImportParameters
            from kmskit.offline.keys import generate_private_key

            wrapping_key = generate_private_key(spec)
            pkcs8 = bytearray(wrapping_key.pkcs8_der())
            spki = wrapping_key.public_key().spki_der()
            parameters_id = self._rng(16)
            valid_to = op.now + timedelta(hours=IMPORT_PARAMETERS_VALID_HOURS)
            try:
                sealed = self._master.seal_labeled(
                    _WRAPPING_KEY_LABEL, row.uuid_bytes + parameters_id, pkcs8, self._rng
                )
            finally:
                wipe(pkcs8)
            from kmskit.keystore._digest import sha256
            from kmskit.keystore._material_rows import ImportParametersRow

            stored = ImportParametersRow(
                parameters_id, row.key_id, algorithm.value, spec.value, to_ms(valid_to), sealed
            )
            _materials.insert_import_parameters(op.db, stored, op.now_ms)
            token = self._seal_token(row, stored, sha256(spki))
            return ImportParameters(self.config.key_arn(row.key_id), token, spki, valid_to)

    def import_key_material(
        self,
        key_id: str,
        *,
        import_token: bytes,
        encrypted_key_material: bytes,
        expiration_model: str | None = None,
        valid_to: datetime | None = None,
    ) -> ImportKeyMaterialResult:
        """Import (or re-import) key material wrapped for the token's wrapping key; the key
        becomes Enabled (a Disabled key stays Disabled).

        ``expiration_model`` is KEY_MATERIAL_EXPIRES (the KMS default, which needs
        ``valid_to``, a future time at most 365 days away) or KEY_MATERIAL_DOES_NOT_EXPIRE
        (no ``valid_to``); when it is omitted, giving ``valid_to`` means EXPIRES and not
        giving it means DOES_NOT_EXPIRE. Material must fit the key spec: SYMMETRIC_DEFAULT
        32 bytes, SM4 16, HMAC_224/256/384/512 28–64/32–64/48–128/64–128 bytes, asymmetric
        keys PKCS #8 of their spec (RSA only through RSA_AES_KEY_WRAP_*).

        Raises :class:`ValidationException`, :class:`NotFoundException`,
        :class:`UnsupportedOperationException` (not EXTERNAL),
        :class:`KMSInvalidStateException` (PendingDeletion),
        :class:`InvalidImportTokenException`, :class:`ExpiredImportTokenException`,
        :class:`InvalidCiphertextException` (does not unwrap) and
        :class:`IncorrectKeyMaterialException` (wrong for the spec, or not the material
        imported before).
        """
        with self._operation(
            "ImportKeyMaterial",
            KeyId=key_id,
            ExpirationModel=expiration_model,
            ValidTo=None if not isinstance(valid_to, datetime) else valid_to.isoformat(),
        ) as op:
            model, valid_to_ms = _expiration(expiration_model, valid_to, op.now)
            token = _params.blob(import_token, "ImportToken", MAX_CIPHERTEXT_BLOB)
            wrapped = _params.blob(
                encrypted_key_material, "EncryptedKeyMaterial", MAX_CIPHERTEXT_BLOB
            )
            row = self._external_key(op, key_id)
            stored, wrapping_key = self._open_token(op, row, token)
            algorithm = WrappingAlgorithm(stored.wrapping_algorithm)
            from kmskit.offline.key_import import unwrap_key_material

            material = unwrap_key_material(wrapping_key, wrapped, algorithm)
            try:
                canonical = _checked_material(row.key_spec, material, algorithm)
            finally:
                wipe(material)
            try:
                self._store_material(op, row, canonical, model, valid_to_ms)
            finally:
                wipe(canonical)
            from kmskit.keystore.results_material import ImportKeyMaterialResult

            return ImportKeyMaterialResult(
                self.config.key_arn(row.key_id), self._symmetric_material_id(row)
            )

    def delete_imported_key_material(self, key_id: str) -> ImportKeyMaterialResult:
        """Delete the imported material: the key goes to PendingImport (a key pending
        deletion stays so) until the same material is imported again.

        Raises :class:`NotFoundException` and :class:`UnsupportedOperationException` (not
        EXTERNAL).
        """
        with self._operation("DeleteImportedKeyMaterial", KeyId=key_id) as op:
            row = self._resolve(op, key_id)
            self._require_external(row)
            had_material = row.current_material_id is not None
            _materials.delete_materials(op.db, row.key_id)
            state = (
                KeyState.PENDING_DELETION
                if row.key_state is KeyState.PENDING_DELETION
                else KeyState.PENDING_IMPORT
            )
            _materials.clear_import(op.db, row.key_id, state)
            deleted = self._symmetric_material_id(row) if had_material else None
            from kmskit.keystore.results_material import ImportKeyMaterialResult

            return ImportKeyMaterialResult(self.config.key_arn(row.key_id), deleted)

    # -- helpers ----------------------------------------------------------------------------

    def _require_external(self, row: KeyRow) -> None:
        if row.origin != Origin.EXTERNAL.value:
            raise UnsupportedOperationException(
                f"{self.config.key_arn(row.key_id)} has Origin {row.origin}; key material can"
                " be imported only into keys created with Origin EXTERNAL"
            )

    def _external_key(self, op: Operation, key_id: str) -> KeyRow:
        row = self._resolve(op, key_id)
        self._require_external(row)
        _keys.require_not_pending_deletion(row, self.config)
        return row

    def _symmetric_material_id(self, row: KeyRow) -> str | None:
        if not is_symmetric_encryption(row.key_spec):
            return None
        return _keys.key_material_id(row.key_id, _IMPORTED_MATERIAL_ID)

    def _seal_token(self, row: KeyRow, stored: ImportParametersRow, spki_hash: bytes) -> bytes:
        payload = _TOKEN_FIXED.pack(
            row.uuid_bytes, stored.parameters_id, stored.valid_to_ms, spki_hash
        )
        for name in (stored.wrapping_algorithm, stored.wrapping_key_spec):
            payload += bytes([len(name)]) + name.encode("ascii")
        version = bytes([_TOKEN_VERSION])
        return version + self._master.seal_token(payload, _TOKEN_AAD + version, self._rng)

    def _open_token(
        self, op: Operation, row: KeyRow, token: bytes
    ) -> tuple[ImportParametersRow, PrivateKey]:
        """The stored parameters a token names and their wrapping key, after checking the
        token is authentic, for this key, and not expired."""
        version = token[:1]
        payload = (
            self._master.open_token(token[1:], _TOKEN_AAD + version)
            if version == bytes([_TOKEN_VERSION])
            else None
        )
        if payload is None or len(payload) < _TOKEN_FIXED.size:
            raise InvalidImportTokenException("the import token is not one this keystore made")
        key_bytes, parameters_id, valid_to_ms, spki_hash = _TOKEN_FIXED.unpack_from(payload)
        if key_bytes != row.uuid_bytes:
            raise InvalidImportTokenException("the import token was made for another key")
        if valid_to_ms <= op.now_ms:
            raise ExpiredImportTokenException(
                f"the import token expired at {iso_time(from_ms(valid_to_ms))};"
                " call GetParametersForImport again"
            )
        stored = _materials.load_import_parameters(op.db, parameters_id)
        if stored is None or stored.key_id != row.key_id:
            raise InvalidImportTokenException("the import token's wrapping key is not here")
        wrapping_key = self._wrapping_key(row, stored)
        if wrapping_key.public_key().fingerprint() != spki_hash.hex():
            raise InvalidImportTokenException("the import token names another wrapping key")
        return stored, wrapping_key

    def _wrapping_key(self, row: KeyRow, stored: ImportParametersRow) -> PrivateKey:
        from kmskit.offline.keys import load_private_key

        pkcs8 = self._master.unseal_labeled(
            _WRAPPING_KEY_LABEL, row.uuid_bytes + stored.parameters_id, stored.sealed
        )
        try:
            return load_private_key(bytes(pkcs8))
        finally:
            wipe(pkcs8)

    def _store_material(
        self,
        op: Operation,
        row: KeyRow,
        material: bytearray,
        model: str,
        valid_to_ms: int | None,
    ) -> None:
        fingerprint = self._master.fingerprint(row.uuid_bytes + bytes(material))
        known = _materials.load_fingerprint(op.db, row.key_id)
        if known is not None and known != fingerprint:
            raise IncorrectKeyMaterialException(
                f"{op.key_arn} accepts only the key material imported into it before"
            )
        state = row.key_state
        if row.current_material_id is None:
            sealed = self._master.seal(row.uuid_bytes, _IMPORTED_MATERIAL_ID, material, self._rng)
            _materials.add_material(
                op.db, row.key_id, _IMPORTED_MATERIAL_ID, op.now_ms, sealed, None
            )
            state = KeyState.ENABLED
        _materials.set_imported(
            op.db,
            row.key_id,
            fingerprint=fingerprint,
            expiration_model=model,
            valid_to_ms=valid_to_ms,
            state=state,
        )


# Imported material is always material 1: the same material every time it is imported.
_IMPORTED_MATERIAL_ID = 1


def _expiration(
    model: str | None, valid_to: datetime | None, now: datetime
) -> tuple[str, int | None]:
    """The expiration model and ValidTo (ms), checked as KMS does."""
    if model is None:
        model = EXPIRES if valid_to is not None else DOES_NOT_EXPIRE
    if model == DOES_NOT_EXPIRE:
        if valid_to is not None:
            raise ValidationException(f"ValidTo must be omitted with {DOES_NOT_EXPIRE}")
        return model, None
    if model != EXPIRES:
        raise ValidationException(
            f"ExpirationModel must be {EXPIRES} or {DOES_NOT_EXPIRE}, not {model!r}"
        )
    if not isinstance(valid_to, datetime) or valid_to.utcoffset() is None:
        raise ValidationException(f"{EXPIRES} needs ValidTo, a timezone-aware time")
    valid_to_ms, now_ms = to_ms(valid_to), to_ms(now)  # KMS times are milliseconds
    if not now_ms < valid_to_ms <= to_ms(now + timedelta(days=MAX_VALID_TO_DAYS)):
        raise ValidationException(
            f"ValidTo must be in the future and at most {MAX_VALID_TO_DAYS} days away"
        )
    return model, valid_to_ms


def _checked_material(
    spec: KeySpec, material: bytearray, algorithm: WrappingAlgorithm
) -> bytearray:
    """The material in the form the keystore seals (raw bytes, or canonical PKCS #8), or
    :class:`IncorrectKeyMaterialException` if it does not fit the key spec."""
    kind = key_class(spec)
    if kind == "symmetric":
        length = profile(spec).key_bits // 8
        if len(material) != length:
            raise IncorrectKeyMaterialException(
                f"{spec} key material must be {length} bytes, not {len(material)}"
            )
        return bytearray(material)
    if kind == "hmac":
        low, high = HMAC_KEY_MATERIAL_LENGTHS[spec]
        if not low <= len(material) <= high:
            raise IncorrectKeyMaterialException(
                f"{spec} key material must be {low} to {high} bytes, not {len(material)}"
            )
        return bytearray(material)
    from kmskit.offline.keys import load_private_key

    try:
        private = load_private_key(bytes(material))
    except KmskitError:
        raise IncorrectKeyMaterialException(
            f"{spec} key material must be a PKCS #8 private key"
        ) from None
    if private.spec is not spec:
        raise IncorrectKeyMaterialException(
            f"the imported private key is {private.spec}, but the key is {spec}"
        )
    if spec in (KeySpec.RSA_2048, KeySpec.RSA_3072, KeySpec.RSA_4096) and (
        algorithm not in _KEY_WRAP
    ):
        raise ValidationException(
            f"KMS imports RSA private keys only with RSA_AES_KEY_WRAP_*, not {algorithm}"
        )
    return bytearray(private.pkcs8_der())
