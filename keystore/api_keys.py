"""The KMS API operations of the key model and symmetric keys: CreateKey, DescribeKey,
ListKeys, the aliases, enabling, disabling and deleting keys, tags, Encrypt, Decrypt,
ReEncrypt, the data keys and GenerateRandom.

Each row makes one keystore call (docs/keystore.md). Parameters a local keystore cannot
honour (custom key stores, Nitro enclave recipients, dry runs) are marked ``unsupported``
and refused rather than dropped; grant tokens must name live grants.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from kmskit.keystore.api import (
    CONTEXT,
    DRY_RUN,
    GRANT_TOKENS,
    ID_HELP,
    LIMIT,
    MARKER,
    RECIPIENT,
    AwsParam,
    Operation,
    Result,
    key_id,
    kwargs,
    page,
)
from kmskit.offline.specs import DataKeySpec, EncryptionAlgorithm

if TYPE_CHECKING:
    from kmskit.keystore import Keystore

_ALGORITHMS = tuple(a.value for a in EncryptionAlgorithm)
_ALGORITHM_HELP = (
    "SYMMETRIC_DEFAULT (default), or RSAES_OAEP_SHA_1/256 or SM2PKE with an asymmetric"
    " ENCRYPT_DECRYPT key."
)
_TAGS = AwsParam(
    "Tags",
    "structures",
    "Tags: TagKey=k,TagValue=v [TagKey=k2,TagValue=v2 ...] or a JSON list.",
    fields=("TagKey", "TagValue"),
)
_DATA_KEY_SPEC = AwsParam(
    "KeySpec",
    "string",
    "Data key length (or give --number-of-bytes).",
    choices=tuple(s.value for s in DataKeySpec),
)
_DATA_KEY_BYTES = AwsParam("NumberOfBytes", "integer", "Data key length in bytes, 1-1024.")

def _tag_map(tags: Sequence[Mapping[str, str]] | None) -> dict[str, str] | None:
    if tags is None:
        return None
    from kmskit.offline.errors import TagException

    out: dict[str, str] = {}
    for tag in tags:
        if tag["TagKey"] in out:
            raise TagException(f"tag key {tag['TagKey']!r} appears twice in the request")
        out[tag["TagKey"]] = tag["TagValue"]
    return out


# -- the calls --------------------------------------------------------------------------


def _create_key(ks: Keystore, r: dict[str, Any]) -> Result:
    if "KeySpec" in r and "CustomerMasterKeySpec" in r:
        from kmskit.offline.errors import ValidationException

        raise ValidationException("give KeySpec or CustomerMasterKeySpec, not both")
    spec = r.get("KeySpec", r.get("CustomerMasterKeySpec"))
    extra = {} if spec is None else {"key_spec": spec}
    return ks.create_key(
        **extra,
        **kwargs(
            r,
            KeyUsage="key_usage",
            Origin="origin",
            Description="description",
            Policy="policy",
            BypassPolicyLockoutSafetyCheck="bypass_policy_lockout_safety_check",
        ),
        tags=_tag_map(r.get("Tags")),
    )


def _encrypt(ks: Keystore, r: dict[str, Any]) -> Result:
    return ks.encrypt(
        r["KeyId"],
        r["Plaintext"],
        **kwargs(
            r, EncryptionContext="encryption_context", EncryptionAlgorithm="encryption_algorithm"
        ),
    )


def _decrypt(ks: Keystore, r: dict[str, Any]) -> Result:
    return ks.decrypt(
        r["CiphertextBlob"],
        **kwargs(
            r,
            EncryptionContext="encryption_context",
            KeyId="key_id",
            EncryptionAlgorithm="encryption_algorithm",
        ),
    )


def _re_encrypt(ks: Keystore, r: dict[str, Any]) -> Result:
    return ks.re_encrypt(
        r["CiphertextBlob"],
        r["DestinationKeyId"],
        **kwargs(
            r,
            SourceEncryptionContext="source_encryption_context",
            DestinationEncryptionContext="destination_encryption_context",
            SourceKeyId="source_key_id",
            SourceEncryptionAlgorithm="source_encryption_algorithm",
            DestinationEncryptionAlgorithm="destination_encryption_algorithm",
        ),
    )


def _data_key_kwargs(r: Mapping[str, Any]) -> dict[str, Any]:
    return kwargs(
        r,
        KeySpec="key_spec",
        NumberOfBytes="number_of_bytes",
        EncryptionContext="encryption_context",
    )


# Operations that return no body (the AWS CLI prints nothing for them).


def _create_alias(ks: Keystore, r: dict[str, Any]) -> Result:
    ks.create_alias(r["AliasName"], r["TargetKeyId"])
    return None


def _update_alias(ks: Keystore, r: dict[str, Any]) -> Result:
    ks.update_alias(r["AliasName"], r["TargetKeyId"])
    return None


def _delete_alias(ks: Keystore, r: dict[str, Any]) -> Result:
    ks.delete_alias(r["AliasName"])
    return None


def _enable_key(ks: Keystore, r: dict[str, Any]) -> Result:
    ks.enable_key(r["KeyId"])
    return None


def _disable_key(ks: Keystore, r: dict[str, Any]) -> Result:
    ks.disable_key(r["KeyId"])
    return None


def _set_deletion_protection(ks: Keystore, r: dict[str, Any]) -> Result:
    ks.set_deletion_protection(r["KeyId"], enabled=r["Enabled"])
    return None


def _tag_resource(ks: Keystore, r: dict[str, Any]) -> Result:
    ks.tag_resource(r["KeyId"], _tag_map(r["Tags"]) or {})
    return None


def _untag_resource(ks: Keystore, r: dict[str, Any]) -> Result:
    ks.untag_resource(r["KeyId"], r["TagKeys"])
    return None


def _schedule(ks: Keystore, r: dict[str, Any]) -> Result:
    kw = kwargs(r, PendingWindowInDays="pending_window_in_days")
    return ks.schedule_key_deletion(r["KeyId"], **kw)


# -- the table --------------------------------------------------------------------------

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "create-key",
        "CreateKey",
        "Create a KMS key and print its metadata (KeyMetadata).",
        (
            AwsParam(
                "Policy",
                "string",
                "Key policy (JSON, at most 32 KB; default: the default key policy, which lets"
                " the account use and manage the key). docs/authorization.md.",
            ),
            AwsParam("Description", "string", "Description, 0-8192 characters."),
            AwsParam(
                "KeyUsage",
                "string",
                "ENCRYPT_DECRYPT (default), SIGN_VERIFY, GENERATE_VERIFY_MAC or KEY_AGREEMENT,"
                " as the key spec allows.",
            ),
            AwsParam("CustomerMasterKeySpec", "string", "Old name of --key-spec."),
            AwsParam(
                "KeySpec",
                "string",
                "SYMMETRIC_DEFAULT (default; AES-256-GCM), SM4 (SM4-GCM), AES_128"
                " (AES-128-GCM), or an asymmetric or HMAC spec (RSA_2048, ECC_NIST_P256, SM2,"
                " HMAC_256, ...). Alibaba names (Aliyun_AES_256, Aliyun_AES_128, Aliyun_SM4,"
                " EC_SM2, ...) are accepted.",
            ),
            AwsParam(
                "Origin",
                "string",
                "AWS_KMS (default), or EXTERNAL for a key that awaits import.",
                choices=("AWS_KMS", "EXTERNAL"),
            ),
            AwsParam("CustomKeyStoreId", "string", "Custom key store.", support="unsupported"),
            AwsParam(
                "BypassPolicyLockoutSafetyCheck",
                "boolean",
                "Accept a --policy that would not let you change the key policy later.",
            ),
            _TAGS,
            AwsParam("MultiRegion", "boolean", "Multi-Region key.", support="unsupported"),
            AwsParam("XksKeyId", "string", "External key store key.", support="unsupported"),
        ),
        _create_key,
    ),
    Operation(
        "describe-key",
        "DescribeKey",
        "Print a key's metadata (ARN, state, spec, usage, dates).",
        (key_id(), GRANT_TOKENS),
        lambda ks, r: ks.describe_key(r["KeyId"]),
    ),
    Operation(
        "list-keys",
        "ListKeys",
        "List the keys in the keystore (KeyId and KeyArn).",
        (
            LIMIT,
            MARKER,
            AwsParam(
                "ResourceOwners", "list", "Whose keys.", choices=("SELF",), support="unsupported"
            ),
        ),
        lambda ks, r: ks.list_keys(**page(r)),
        list_key="Keys",
    ),
    Operation(
        "create-alias",
        "CreateAlias",
        "Create an alias (alias/name) for a key. Prints nothing.",
        (
            AwsParam(
                "AliasName", "string", "alias/ then [a-zA-Z0-9/_-]; not alias/aws/.", required=True
            ),
            AwsParam("TargetKeyId", "string", "The key: key ID or key ARN.", required=True),
        ),
        _create_alias,
    ),
    Operation(
        "update-alias",
        "UpdateAlias",
        "Point an existing alias at another key. Prints nothing.",
        (
            AwsParam("AliasName", "string", "The alias (alias/name).", required=True),
            AwsParam("TargetKeyId", "string", "The new key: key ID or key ARN.", required=True),
        ),
        _update_alias,
    ),
    Operation(
        "delete-alias",
        "DeleteAlias",
        "Delete an alias (the key is untouched). Prints nothing.",
        (AwsParam("AliasName", "string", "The alias (alias/name).", required=True),),
        _delete_alias,
    ),
    Operation(
        "list-aliases",
        "ListAliases",
        "List aliases, or only those of one key.",
        (key_id(f"Only this key's aliases: {ID_HELP}", required=False), LIMIT, MARKER),
        lambda ks, r: ks.list_aliases(**kwargs(r, KeyId="key_id"), **page(r)),
        list_key="Aliases",
    ),
    Operation(
        "enable-key",
        "EnableKey",
        "Enable a disabled key. Prints nothing.",
        (key_id(),),
        _enable_key,
    ),
    Operation(
        "disable-key",
        "DisableKey",
        "Disable a key: it stays, but no cryptographic operation may use it. Prints nothing.",
        (key_id(),),
        _disable_key,
    ),
    Operation(
        "schedule-key-deletion",
        "ScheduleKeyDeletion",
        "Schedule a key's deletion after 7-30 days (default 30); it is unusable meanwhile.",
        (
            key_id("The key: key ID or key ARN."),
            AwsParam(
                "PendingWindowInDays", "integer", "Waiting period in days, 7-30 (default 30)."
            ),
        ),
        _schedule,
    ),
    Operation(
        "cancel-key-deletion",
        "CancelKeyDeletion",
        "Cancel a scheduled deletion; the key becomes Disabled (enable it to use it).",
        (key_id("The key: key ID or key ARN."),),
        lambda ks, r: {"KeyId": ks.cancel_key_deletion(r["KeyId"])},
    ),
    Operation(
        "set-deletion-protection",
        "SetDeletionProtection",
        "Turn Alibaba-style deletion protection on or off; while on, schedule-key-deletion"
        " fails. Prints nothing. (Not an aws kms operation.)",
        (
            key_id(),
            AwsParam(
                "Enabled",
                "boolean",
                "Protect the key from deletion (--enable) or stop protecting it (--disable).",
                required=True,
                flag="--enable",
                off_flag="--disable",
            ),
        ),
        _set_deletion_protection,
    ),
    Operation(
        "tag-resource",
        "TagResource",
        "Add or overwrite tags on a key. Prints nothing.",
        (key_id(), _TAGS._replace(required=True)),
        _tag_resource,
    ),
    Operation(
        "untag-resource",
        "UntagResource",
        "Remove tags from a key. Prints nothing.",
        (key_id(), AwsParam("TagKeys", "list", "Tag keys to remove: k1 k2 ...", required=True)),
        _untag_resource,
    ),
    Operation(
        "list-resource-tags",
        "ListResourceTags",
        "List a key's tags.",
        (key_id("The key: key ID or key ARN."), LIMIT, MARKER),
        lambda ks, r: ks.list_resource_tags(r["KeyId"], **page(r)),
        list_key="Tags",
    ),
    Operation(
        "encrypt",
        "Encrypt",
        "Encrypt up to 4096 bytes under a key. CiphertextBlob is base64 in the output:"
        " --query CiphertextBlob --output text | base64 -d > blob.",
        (
            key_id(),
            AwsParam("Plaintext", "blob", "The data: fileb://FILE, or base64.", required=True),
            CONTEXT,
            GRANT_TOKENS,
            AwsParam("EncryptionAlgorithm", "string", _ALGORITHM_HELP, choices=_ALGORITHMS),
            DRY_RUN,
        ),
        _encrypt,
    ),
    Operation(
        "decrypt",
        "Decrypt",
        "Decrypt a ciphertext blob; the blob names its key. Plaintext is base64 in the output:"
        " --query Plaintext --output text | base64 -d > data.",
        (
            AwsParam(
                "CiphertextBlob", "blob", "The ciphertext: fileb://FILE, or base64.", required=True
            ),
            CONTEXT._replace(help="The encryption context used to encrypt: JSON or k=v,k2=v2."),
            GRANT_TOKENS,
            key_id(
                f"Fail unless the blob is under this key: {ID_HELP} Required with an"
                " asymmetric --encryption-algorithm (the key that decrypts).",
                required=False,
            ),
            AwsParam("EncryptionAlgorithm", "string", _ALGORITHM_HELP, choices=_ALGORITHMS),
            RECIPIENT,
            DRY_RUN,
            AwsParam("DryRunModifiers", "list", "Dry run modifiers.", support="unsupported"),
        ),
        _decrypt,
    ),
    Operation(
        "re-encrypt",
        "ReEncrypt",
        "Decrypt and encrypt again under another key (or context), in one step.",
        (
            AwsParam(
                "CiphertextBlob", "blob", "The ciphertext: fileb://FILE, or base64.", required=True
            ),
            AwsParam("SourceEncryptionContext", "map", "Context the blob was made with."),
            AwsParam("SourceKeyId", "string", f"Fail unless the blob is under this key: {ID_HELP}"),
            AwsParam("DestinationKeyId", "string", f"The new key: {ID_HELP}", required=True),
            AwsParam("DestinationEncryptionContext", "map", "Context for the new ciphertext."),
            AwsParam(
                "SourceEncryptionAlgorithm",
                "string",
                _ALGORITHM_HELP,
                choices=_ALGORITHMS,
            ),
            AwsParam(
                "DestinationEncryptionAlgorithm",
                "string",
                _ALGORITHM_HELP,
                choices=_ALGORITHMS,
            ),
            GRANT_TOKENS,
            DRY_RUN,
            AwsParam("DryRunModifiers", "list", "Dry run modifiers.", support="unsupported"),
        ),
        _re_encrypt,
    ),
    Operation(
        "generate-data-key",
        "GenerateDataKey",
        "Make a data key: Plaintext (use it, then forget it) and CiphertextBlob (store it),"
        " both base64.",
        (key_id(), CONTEXT, _DATA_KEY_BYTES, _DATA_KEY_SPEC, GRANT_TOKENS, RECIPIENT, DRY_RUN),
        lambda ks, r: ks.generate_data_key(r["KeyId"], **_data_key_kwargs(r)),
    ),
    Operation(
        "generate-data-key-without-plaintext",
        "GenerateDataKeyWithoutPlaintext",
        "Make a data key and print only its CiphertextBlob (decrypt it when needed).",
        (key_id(), CONTEXT, _DATA_KEY_SPEC, _DATA_KEY_BYTES, GRANT_TOKENS, DRY_RUN),
        lambda ks, r: ks.generate_data_key_without_plaintext(r["KeyId"], **_data_key_kwargs(r)),
    ),
    Operation(
        "generate-and-export-data-key",
        "GenerateAndExportDataKey",
        "Make a data key and print it encrypted twice, never in plaintext: CiphertextBlob"
        " under the KMS key and ExportedDataKey under --public-key-blob, both holding the data"
        " key's base64 text, as Alibaba Cloud KMS makes them (default 32 bytes). (Not an aws"
        " kms operation.)",
        (
            key_id(),
            AwsParam(
                "PublicKeyBlob",
                "blob",
                "The public key to export to: DER SubjectPublicKeyInfo (base64).",
                required=True,
            ),
            AwsParam(
                "WrappingKeySpec",
                "string",
                "The public key's spec: RSA_2048 or EC_SM2.",
                required=True,
                choices=("RSA_2048", "EC_SM2"),
            ),
            AwsParam(
                "WrappingAlgorithm",
                "string",
                "RSAES_OAEP_SHA_256 or RSAES_OAEP_SHA_1 for RSA_2048, SM2PKE for EC_SM2.",
                required=True,
                choices=("RSAES_OAEP_SHA_256", "RSAES_OAEP_SHA_1", "SM2PKE"),
            ),
            CONTEXT,
            _DATA_KEY_SPEC,
            _DATA_KEY_BYTES,
        ),
        lambda ks, r: ks.generate_and_export_data_key(
            r["KeyId"],
            public_key_blob=r["PublicKeyBlob"],
            wrapping_key_spec=r["WrappingKeySpec"],
            wrapping_algorithm=r["WrappingAlgorithm"],
            **_data_key_kwargs(r),
        ),
    ),
    Operation(
        "generate-random",
        "GenerateRandom",
        "Print random bytes (Plaintext, base64).",
        (
            AwsParam("NumberOfBytes", "integer", "How many bytes, 1-1024."),
            AwsParam("CustomKeyStoreId", "string", "Custom key store.", support="unsupported"),
            RECIPIENT,
        ),
        lambda ks, r: ks.generate_random(r.get("NumberOfBytes")),
    ),
)
