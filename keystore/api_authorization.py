"""The KMS API operations on key policies and grants: PutKeyPolicy, GetKeyPolicy,
ListKeyPolicies, CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant.

Each row makes one keystore call (docs/authorization.md). The service principals of AWS
services (``GranteeServicePrincipal``, ``RetiringServicePrincipal``) are refused: no AWS
service calls a local keystore.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kmskit.keystore._grant_operations import GRANT_OPERATIONS
from kmskit.keystore.api import (
    DRY_RUN,
    GRANT_TOKENS,
    LIMIT,
    MARKER,
    AwsParam,
    Operation,
    Result,
    key_id,
    kwargs,
    page,
)
from kmskit.offline.errors import ValidationException

if TYPE_CHECKING:
    from kmskit.keystore import Keystore

_KEY = "The key: key ID or key ARN."
_POLICY_NAME = AwsParam("PolicyName", "string", "The policy's name: default (the only one).")
_GRANT_ID = AwsParam("GrantId", "string", "The grant's id (64 hex digits).")
_SERVICE = "AWS service principal (no AWS service calls a local keystore)."


def _service(member: str) -> AwsParam:
    return AwsParam(member, "string", _SERVICE, support="unsupported")


def _put_key_policy(ks: Keystore, r: dict[str, Any]) -> Result:
    ks.put_key_policy(
        r["KeyId"],
        r["Policy"],
        **kwargs(
            r,
            PolicyName="policy_name",
            BypassPolicyLockoutSafetyCheck="bypass_policy_lockout_safety_check",
        ),
    )
    return None


def _create_grant(ks: Keystore, r: dict[str, Any]) -> Result:
    if "GranteePrincipal" not in r:  # the model allows a service principal instead
        raise ValidationException("CreateGrant needs GranteePrincipal")
    return ks.create_grant(
        r["KeyId"],
        r["GranteePrincipal"],
        r["Operations"],
        **kwargs(
            r,
            RetiringPrincipal="retiring_principal",
            Constraints="constraints",
            Name="name",
            GrantTokens="grant_tokens",
        ),
    )


def _retire_grant(ks: Keystore, r: dict[str, Any]) -> Result:
    ks.retire_grant(**kwargs(r, GrantToken="grant_token", KeyId="key_id", GrantId="grant_id"))
    return None


def _revoke_grant(ks: Keystore, r: dict[str, Any]) -> Result:
    ks.revoke_grant(r["KeyId"], r["GrantId"])
    return None


def _list_retirable(ks: Keystore, r: dict[str, Any]) -> Result:
    if "RetiringPrincipal" not in r:  # the model allows a service principal instead
        raise ValidationException("ListRetirableGrants needs RetiringPrincipal")
    return ks.list_retirable_grants(r["RetiringPrincipal"], **page(r))


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "put-key-policy",
        "PutKeyPolicy",
        "Replace a key's policy (JSON, at most 32 KB). Prints nothing.",
        (
            key_id(_KEY),
            _POLICY_NAME,
            AwsParam("Policy", "string", "The key policy document (JSON).", required=True),
            AwsParam(
                "BypassPolicyLockoutSafetyCheck",
                "boolean",
                "Accept a policy that would not let you change the key policy later.",
            ),
        ),
        _put_key_policy,
    ),
    Operation(
        "get-key-policy",
        "GetKeyPolicy",
        "Print a key's policy (the default key policy unless one was put).",
        (key_id(_KEY), _POLICY_NAME),
        lambda ks, r: ks.get_key_policy(r["KeyId"], **kwargs(r, PolicyName="policy_name")),
    ),
    Operation(
        "list-key-policies",
        "ListKeyPolicies",
        "List a key's policy names: default.",
        (key_id(_KEY), LIMIT, MARKER),
        lambda ks, r: ks.list_key_policies(r["KeyId"], **page(r)),
        list_key="PolicyNames",
    ),
    Operation(
        "create-grant",
        "CreateGrant",
        "Let a principal use a key for some operations, optionally only with an encryption"
        " context (EncryptionContextEquals={k=v} or EncryptionContextSubset={k=v}). Prints"
        " GrantToken and GrantId.",
        (
            key_id(_KEY),
            AwsParam(
                "GranteePrincipal",
                "string",
                "Who gets the permissions: an IAM ARN (user, role, account root).",
            ),
            AwsParam(
                "RetiringPrincipal", "string", "Who may retire the grant besides its account."
            ),
            AwsParam(
                "Operations",
                "list",
                "The operations allowed: Decrypt Encrypt GenerateDataKey ...",
                required=True,
                choices=GRANT_OPERATIONS,
            ),
            AwsParam(
                "Constraints",
                "structure",
                "EncryptionContextEquals={k=v,...} or EncryptionContextSubset={k=v,...}.",
            ),
            GRANT_TOKENS,
            AwsParam("Name", "string", "A name: the same name and parameters give the same grant."),
            DRY_RUN,
            _service("GranteeServicePrincipal"),
            _service("RetiringServicePrincipal"),
        ),
        _create_grant,
    ),
    Operation(
        "list-grants",
        "ListGrants",
        "List a key's grants, or one grant, or one grantee's.",
        (
            LIMIT,
            MARKER,
            key_id(_KEY),
            _GRANT_ID,
            AwsParam("GranteePrincipal", "string", "Only this grantee's grants."),
            _service("GranteeServicePrincipal"),
        ),
        lambda ks, r: ks.list_grants(
            r["KeyId"],
            **kwargs(r, GrantId="grant_id", GranteePrincipal="grantee_principal"),
            **page(r),
        ),
        list_key="Grants",
    ),
    Operation(
        "list-retirable-grants",
        "ListRetirableGrants",
        "List the grants, on any key, that a principal may retire as their retiring principal.",
        (
            LIMIT,
            MARKER,
            AwsParam("RetiringPrincipal", "string", "The retiring principal (an IAM ARN)."),
            _service("RetiringServicePrincipal"),
        ),
        _list_retirable,
        list_key="Grants",
    ),
    Operation(
        "retire-grant",
        "RetireGrant",
        "Retire a grant (by --grant-token, or --key-id and --grant-id): its retiring"
        " principal, its grantee (with RetireGrant) or its account may. Prints nothing.",
        (
            AwsParam("GrantToken", "string", "The grant's token."),
            key_id(_KEY, required=False),
            _GRANT_ID,
            DRY_RUN,
        ),
        _retire_grant,
    ),
    Operation(
        "revoke-grant",
        "RevokeGrant",
        "Delete a grant at once (kms:RevokeGrant on the key). Prints nothing.",
        (key_id(_KEY), AwsParam("GrantId", "string", "The grant's id.", required=True), DRY_RUN),
        _revoke_grant,
    ),
)
