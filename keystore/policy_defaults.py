"""The default key policy, PutKeyPolicy's lockout safety check, and Alibaba Cloud KMS's two
roles as policy templates.

The default is the policy KMS gives a key created through the API without one (KMS Developer
Guide, "Default key policy"): one statement, ``Enable IAM User Permissions``, allowing the
account root ``kms:*`` on the key, which on AWS delegates to IAM; locally the IAM mapping
says what that delegation allows (:mod:`keystore.policy_principals`).

The lockout check is KMS's: PutKeyPolicy (and CreateKey with a policy) refuses a policy
that would not let the caller make a later PutKeyPolicy request, unless
``BypassPolicyLockoutSafetyCheck`` is true; KMS answers MalformedPolicyDocumentException.

Alibaba Cloud KMS separates key administrators from key users (Alibaba Cloud KMS, "Key
policies": the administrator and user permission lists). The templates express them as AWS
key policy statements with the KMS actions that do the same things.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from kmskit.keystore.policy_context import KeyFacts, request_context
from kmskit.keystore.policy_document import KeyPolicy, parse_key_policy
from kmskit.keystore.policy_evaluation import evaluate
from kmskit.keystore.policy_principals import IamMapping, Principal, account_root_arn
from kmskit.offline.errors import MalformedPolicyDocumentException

__all__ = [
    "ALIBABA_ADMINISTRATOR_ACTIONS",
    "ALIBABA_ADMINISTRATOR_MAPPING",
    "ALIBABA_USER_ACTIONS",
    "ALIBABA_USER_MAPPING",
    "DEFAULT_POLICY_NAME",
    "alibaba_role_policy",
    "check_lockout",
    "default_key_policy",
]

DEFAULT_POLICY_NAME = "default"


def default_key_policy(account_id: str, partition: str = "aws") -> str:
    """The default key policy document, as KMS writes it for a new key."""
    document = {
        "Version": "2012-10-17",
        "Id": "key-default-1",
        "Statement": [
            {
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": account_root_arn(account_id, partition)},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
    return json.dumps(document, indent=2)


def check_lockout(
    policy: KeyPolicy, key: KeyFacts, caller: Principal, *, home_account: str,
    iam: IamMapping = IamMapping.ACCOUNT, bypass: bool = False,
) -> None:
    """Refuse ``policy`` if it would not allow ``caller`` a later PutKeyPolicy on ``key``.

    The later request is evaluated without grants (they cannot allow PutKeyPolicy) and with
    the bypass flag false, as that request would normally be made.
    """
    if bypass:
        return
    context = request_context(
        "PutKeyPolicy", {"KeyId": key.arn}, key=key, principal=caller, home_account=home_account
    )
    if not evaluate(policy, context, iam=iam).allowed:
        raise MalformedPolicyDocumentException(
            "The new key policy will not allow you to update the key policy in the future."
        )


# Alibaba Cloud KMS's two roles ("Configure a key policy"): the action lists its console
# writes for key administrators and for key users, in Alibaba's names, each with the KMS
# actions kmskit evaluates for the same operations. Alibaba has no grants, so neither role
# gets CreateGrant (``kms:Create*`` on Alibaba covers aliases and keys only), and the stray
# ``kms:TagResource`` of Alibaba's user list is left to the administrators.
ALIBABA_ADMINISTRATOR_MAPPING: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("kms:List*", ("kms:ListAliases", "kms:ListGrants", "kms:ListKeyPolicies",
                   "kms:ListKeyRotations", "kms:ListResourceTags")),
    ("kms:Describe*", ("kms:DescribeKey",)),
    ("kms:Create*", ("kms:CreateAlias",)),
    ("kms:Enable*", ("kms:EnableKey", "kms:EnableKeyRotation")),
    ("kms:Disable*", ("kms:DisableKey", "kms:DisableKeyRotation")),
    ("kms:Get*", ("kms:GetKeyPolicy", "kms:GetKeyRotationStatus",
                  "kms:GetParametersForImport", "kms:GetPublicKey")),
    ("kms:Set*", ("kms:PutKeyPolicy",)),  # SetKeyPolicy, SetDeletionProtection
    ("kms:Update*", ("kms:UpdateAlias", "kms:UpdateKeyDescription", "kms:EnableKeyRotation",
                     "kms:RotateKeyOnDemand")),  # UpdateRotationPolicy
    ("kms:Delete*", ("kms:DeleteAlias", "kms:DeleteImportedKeyMaterial")),
    ("kms:Cancel*", ("kms:CancelKeyDeletion",)),
    ("kms:TagResource", ("kms:TagResource",)),
    ("kms:UntagResource", ("kms:UntagResource",)),
    ("kms:ImportKeyMaterial", ("kms:ImportKeyMaterial",)),
    ("kms:ScheduleKeyDeletion", ("kms:ScheduleKeyDeletion",)),
)
ALIBABA_USER_MAPPING: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("kms:Encrypt", ("kms:Encrypt",)),
    ("kms:Decrypt", ("kms:Decrypt",)),
    ("kms:ReEncrypt", ("kms:ReEncryptFrom", "kms:ReEncryptTo")),
    ("kms:GenerateDataKey", ("kms:GenerateDataKey",)),
    ("kms:GenerateDataKeyWithoutPlaintext", ("kms:GenerateDataKeyWithoutPlaintext",)),
    ("kms:GenerateAndExportDataKey", ("kms:GenerateAndExportDataKey",)),
    ("kms:ExportDataKey", ("kms:ReEncryptFrom", "kms:ReEncryptTo")),
    ("kms:GenerateDataKeyPair", ("kms:GenerateDataKeyPair",)),
    ("kms:GenerateDataKeyPairWithoutPlaintext", ("kms:GenerateDataKeyPairWithoutPlaintext",)),
    ("kms:AsymmetricEncrypt", ("kms:Encrypt",)),
    ("kms:AsymmetricDecrypt", ("kms:Decrypt",)),
    ("kms:AsymmetricSign", ("kms:Sign",)),
    ("kms:AsymmetricVerify", ("kms:Verify",)),
    ("kms:GetPublicKey", ("kms:GetPublicKey",)),
    ("kms:DescribeKey", ("kms:DescribeKey",)),
    ("kms:DescribeKeyVersion", ("kms:DescribeKey",)),
    ("kms:ListKeyVersions", ("kms:ListKeyRotations",)),
    # HMAC and key agreement: kmskit's key specs beyond Alibaba's, used the same way.
    ("kms:GenerateMac", ("kms:GenerateMac",)),
    ("kms:VerifyMac", ("kms:VerifyMac",)),
    ("kms:DeriveSharedSecret", ("kms:DeriveSharedSecret",)),
)


def _flatten(mapping: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for _, actions in mapping:
        seen.update(dict.fromkeys(actions))
    return tuple(seen)


ALIBABA_ADMINISTRATOR_ACTIONS = _flatten(ALIBABA_ADMINISTRATOR_MAPPING)
ALIBABA_USER_ACTIONS = _flatten(ALIBABA_USER_MAPPING)
_ROLES = {
    "administrator": ("Allow access for Key Administrators", ALIBABA_ADMINISTRATOR_ACTIONS),
    "user": ("Allow use of the key", ALIBABA_USER_ACTIONS),
}


def alibaba_role_policy(
    account_id: str,
    *,
    administrators: Sequence[str] = (),
    users: Sequence[str] = (),
    partition: str = "aws",
    include_root: bool = True,
) -> str:
    """A key policy giving ``administrators`` Alibaba's administrative actions and ``users``
    its cryptographic ones; with ``include_root`` it keeps the default statement so the
    account can always manage the key (and the policy passes the lockout check).

    Raises :class:`MalformedPolicyDocumentException` for a principal that is not one.
    """
    statements: list[dict[str, object]] = []
    if include_root:
        statements.append(json.loads(default_key_policy(account_id, partition))["Statement"][0])
    for role, principals in (("administrator", administrators), ("user", users)):
        if principals:
            sid, actions = _ROLES[role]
            statements.append(
                {
                    "Sid": sid,
                    "Effect": "Allow",
                    "Principal": {"AWS": list(principals)},
                    "Action": list(actions),
                    "Resource": "*",
                }
            )
    if not statements:
        raise MalformedPolicyDocumentException("the policy would have no statement")
    document = json.dumps(
        {"Version": "2012-10-17", "Id": "kmskit-alibaba-roles", "Statement": statements},
        indent=2,
    )
    parse_key_policy(document)  # every principal checked
    return document
