"""The KMS actions a key policy can name, and how ``Action``/``NotAction`` patterns match.

IAM action names are case-insensitive and take ``*``/``?`` wildcards (``kms:Describe*``,
``kms:*Key*``); ``*`` alone is every action. kmskit refuses at put time an action name that
is not a KMS action, or a pattern that matches none: AWS accepts such a statement and it then
silently never matches, which for a Deny is a hole (docs/authorization.md#actions).

spec: AWS KMS Developer Guide, "AWS KMS permissions" (the actions and resources table)
"""

from __future__ import annotations

from kmskit.keystore.policy_wildcards import wildcard_match

__all__ = [
    "ACCOUNT_ACTIONS",
    "KMS_ACTIONS",
    "action_matches",
    "canonical_action",
    "pattern_matches_some_action",
]

# Every action of the KMS permissions table, and Alibaba Cloud KMS's kms:GenerateAndExportDataKey
# (its RAM action for the operation of that name, which AWS KMS does not have).
KMS_ACTIONS: tuple[str, ...] = (
    "kms:CancelKeyDeletion",
    "kms:ConnectCustomKeyStore",
    "kms:CreateAlias",
    "kms:CreateCustomKeyStore",
    "kms:CreateGrant",
    "kms:CreateKey",
    "kms:Decrypt",
    "kms:DeleteAlias",
    "kms:DeleteCustomKeyStore",
    "kms:DeleteImportedKeyMaterial",
    "kms:DeriveSharedSecret",
    "kms:DescribeCustomKeyStores",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:DisconnectCustomKeyStore",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:Encrypt",
    "kms:GenerateAndExportDataKey",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyPair",
    "kms:GenerateDataKeyPairWithoutPlaintext",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:GenerateMac",
    "kms:GenerateRandom",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:GetParametersForImport",
    "kms:GetPublicKey",
    "kms:ImportKeyMaterial",
    "kms:ListAliases",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListKeys",
    "kms:ListResourceTags",
    "kms:ListRetirableGrants",
    "kms:PutKeyPolicy",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:ReplicateKey",
    "kms:RetireGrant",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:Sign",
    "kms:SynchronizeMultiRegionKey",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateCustomKeyStore",
    "kms:UpdateKeyDescription",
    "kms:UpdatePrimaryRegion",
    "kms:Verify",
    "kms:VerifyMac",
)

# Actions whose resource is not a KMS key (the table's Resources column is "*"): only IAM
# policies can allow them, so locally the IAM mapping decides (docs/authorization.md#iam).
ACCOUNT_ACTIONS: frozenset[str] = frozenset(
    {
        "kms:CreateKey",
        "kms:ListKeys",
        "kms:ListAliases",
        "kms:GenerateRandom",
        "kms:ListRetirableGrants",
        "kms:CreateCustomKeyStore",
        "kms:ConnectCustomKeyStore",
        "kms:DeleteCustomKeyStore",
        "kms:DescribeCustomKeyStores",
        "kms:DisconnectCustomKeyStore",
        "kms:UpdateCustomKeyStore",
    }
)

_BY_LOWER = {name.lower(): name for name in KMS_ACTIONS}


def canonical_action(name: str) -> str | None:
    """The action's spelling in the KMS table, or None if ``name`` is no KMS action."""
    return _BY_LOWER.get(name.lower())


def action_matches(pattern: str, action: str) -> bool:
    """Whether an ``Action`` entry matches ``action`` (both ``kms:Name``), case-insensitively."""
    return wildcard_match(pattern, action, ignore_case=True)


def pattern_matches_some_action(pattern: str) -> bool:
    """Whether a wildcard pattern matches at least one KMS action."""
    return any(action_matches(pattern, action) for action in KMS_ACTIONS)
