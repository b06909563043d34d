"""The KMS API operations on key material: importing it (get-parameters-for-import,
import-key-material, delete-imported-key-material) and rotating it (enable-key-rotation,
disable-key-rotation, get-key-rotation-status, rotate-key-on-demand, list-key-rotations).

Each row makes one keystore call (docs/keystore.md, "Importing key material", "Rotation").
KMS's newer multi-material import parameters (ImportType, KeyMaterialDescription,
KeyMaterialId, IncludeKeyMaterial ALL_KEY_MATERIAL) are refused: a local key has exactly
one imported material.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kmskit.keystore.api import LIMIT, MARKER, AwsParam, Operation, Result, key_id, kwargs, page
from kmskit.offline.specs import WRAPPING_KEY_SPECS, WrappingAlgorithm

if TYPE_CHECKING:
    from kmskit.keystore import Keystore

_KEY = "The key: key ID or key ARN."
_EXTERNAL_KEY = "The key (Origin EXTERNAL): key ID or key ARN."
_KEY_MATERIAL_ID = AwsParam(
    "KeyMaterialId", "string", "Which key material (there is only one).", support="unsupported"
)


def _import(ks: Keystore, r: dict[str, Any]) -> Result:
    return ks.import_key_material(
        r["KeyId"],
        import_token=r["ImportToken"],
        encrypted_key_material=r["EncryptedKeyMaterial"],
        **kwargs(r, ExpirationModel="expiration_model", ValidTo="valid_to"),
    )


def _enable_rotation(ks: Keystore, r: dict[str, Any]) -> Result:
    ks.enable_key_rotation(r["KeyId"], **kwargs(r, RotationPeriodInDays="rotation_period_in_days"))
    return None


def _disable_rotation(ks: Keystore, r: dict[str, Any]) -> Result:
    ks.disable_key_rotation(r["KeyId"])
    return None


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "get-parameters-for-import",
        "GetParametersForImport",
        "Make a wrapping key pair for importing key material into an EXTERNAL key:"
        " PublicKey (DER SPKI) and ImportToken, base64, valid for 24 hours.",
        (
            key_id(_EXTERNAL_KEY),
            AwsParam(
                "WrappingAlgorithm",
                "string",
                "How the material will be wrapped (SM2PKE with an SM2 wrapping key only).",
                required=True,
                choices=tuple(a.value for a in WrappingAlgorithm),
            ),
            AwsParam(
                "WrappingKeySpec",
                "string",
                "The wrapping key's spec.",
                required=True,
                choices=tuple(s.value for s in WRAPPING_KEY_SPECS),
            ),
        ),
        lambda ks, r: ks.get_parameters_for_import(
            r["KeyId"],
            wrapping_algorithm=r["WrappingAlgorithm"],
            wrapping_key_spec=r["WrappingKeySpec"],
        ),
    ),
    Operation(
        "import-key-material",
        "ImportKeyMaterial",
        "Import wrapped key material (kmskit offline wrap-key-material, or the OpenSSL"
        " commands of the KMS guide) with the import token; the key becomes usable.",
        (
            key_id(_EXTERNAL_KEY),
            AwsParam(
                "ImportToken",
                "blob",
                "The token of get-parameters-for-import: fileb://FILE, or base64.",
                required=True,
            ),
            AwsParam(
                "EncryptedKeyMaterial",
                "blob",
                "The wrapped material: fileb://FILE, or base64.",
                required=True,
            ),
            AwsParam(
                "ValidTo",
                "timestamp",
                "When the material expires (at most 365 days away): ISO 8601"
                " (2027-01-31T00:00:00Z; UTC if no offset) or epoch seconds.",
            ),
            AwsParam(
                "ExpirationModel",
                "string",
                "KEY_MATERIAL_EXPIRES (needs --valid-to) or KEY_MATERIAL_DOES_NOT_EXPIRE"
                " (no --valid-to). Default: EXPIRES if --valid-to is given, else DOES_NOT_EXPIRE.",
                choices=("KEY_MATERIAL_EXPIRES", "KEY_MATERIAL_DOES_NOT_EXPIRE"),
            ),
            AwsParam(
                "ImportType",
                "string",
                "New or existing key material.",
                choices=("NEW_KEY_MATERIAL", "EXISTING_KEY_MATERIAL"),
                support="unsupported",
            ),
            AwsParam(
                "KeyMaterialDescription",
                "string",
                "Description of the key material.",
                support="unsupported",
            ),
            _KEY_MATERIAL_ID,
        ),
        _import,
    ),
    Operation(
        "delete-imported-key-material",
        "DeleteImportedKeyMaterial",
        "Delete a key's imported material: the key becomes PendingImport until the same"
        " material is imported again.",
        (key_id(_KEY), _KEY_MATERIAL_ID),
        lambda ks, r: ks.delete_imported_key_material(r["KeyId"]),
    ),
    Operation(
        "enable-key-rotation",
        "EnableKeyRotation",
        "Rotate a symmetric encryption key automatically (old ciphertexts still decrypt)."
        " Prints nothing.",
        (
            key_id(_KEY),
            AwsParam(
                "RotationPeriodInDays",
                "integer",
                "Days between rotations, 90-2560 (default 365); 7-365 in a home with Alibaba"
                " naming.",
            ),
        ),
        _enable_rotation,
    ),
    Operation(
        "disable-key-rotation",
        "DisableKeyRotation",
        "Stop rotating a key automatically. Prints nothing.",
        (key_id(_KEY),),
        _disable_rotation,
    ),
    Operation(
        "get-key-rotation-status",
        "GetKeyRotationStatus",
        "Whether automatic rotation is on, with its period and next date.",
        (key_id(_KEY),),
        lambda ks, r: ks.get_key_rotation_status(r["KeyId"]),
    ),
    Operation(
        "rotate-key-on-demand",
        "RotateKeyOnDemand",
        "Rotate a symmetric encryption key now (at most 25 times per key); old ciphertexts"
        " still decrypt.",
        (key_id(_KEY),),
        lambda ks, r: {"KeyId": ks.rotate_key_on_demand(r["KeyId"])},
    ),
    Operation(
        "list-key-rotations",
        "ListKeyRotations",
        "List a key's completed rotations, oldest first.",
        (
            key_id(_KEY),
            AwsParam(
                "IncludeKeyMaterial",
                "string",
                "ROTATIONS_ONLY (default) lists rotations; ALL_KEY_MATERIAL is not supported.",
                choices=("ALL_KEY_MATERIAL", "ROTATIONS_ONLY"),
                support="unsupported",
            ),
            LIMIT,
            MARKER,
        ),
        lambda ks, r: ks.list_key_rotations(r["KeyId"], **page(r)),
        list_key="Rotations",
    ),
)
