"""The request context of an authorization check: which action on which resource, by whom,
and the condition-key values the request carries (KMS Developer Guide, "AWS KMS condition
keys"; IAM User Guide, "AWS global condition context keys").

The operation table calls :func:`request_context` once per check before running an
operation; :func:`authorization_checks` says which checks an operation needs (ReEncrypt needs
two: ``kms:ReEncryptFrom`` on the source key and ``kms:ReEncryptTo`` on the destination).
Values a request leaves out take the operation's default, as KMS does ("this type of
condition works even when the parameter doesn't appear in the request").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from kmskit.keystore.policy_conditions import encryption_context_key
from kmskit.keystore.policy_principals import Principal
from kmskit.offline._record import FrozenRecord

if TYPE_CHECKING:
    from kmskit.keystore.results import KeyMetadata

__all__ = [
    "AuthorizationCheck",
    "GrantRequest",
    "KeyFacts",
    "RequestContext",
    "authorization_checks",
    "request_context",
]


# KeyFacts, GrantRequest, AuthorizationCheck and RequestContext are FrozenRecords, not
# frozen dataclasses or NamedTuples: every operation's authorization loads this module
# (start-up; kmskit.offline._record).
class KeyFacts(FrozenRecord):
    """What a check needs to know about the key: its ARN and its metadata's condition keys."""

    arn: str
    key_spec: str
    key_usage: str
    origin: str

    @property
    def account(self) -> str:
        return self.arn.split(":")[4]

    @classmethod
    def from_metadata(cls, metadata: KeyMetadata) -> KeyFacts:
        """From DescribeKey's metadata."""
        return cls(metadata.arn, metadata.key_spec, metadata.key_usage, metadata.origin)


class GrantRequest(FrozenRecord):
    """The grant a CreateGrant request asks for; a grant that allows CreateGrant allows only
    grants within its own operations and constraints (checked by :mod:`keystore.grants`)."""

    operations: tuple[str, ...]
    equals: Mapping[str, str] | None = None
    subset: Mapping[str, str] | None = None


class AuthorizationCheck(FrozenRecord):
    """One check an operation needs: the action, the request field naming its key (None for
    account actions), and the request field holding the encryption context it evaluates."""

    action: str
    key_field: str | None
    context_field: str | None = None


class RequestContext(FrozenRecord):
    """Everything evaluation looks at. ``values`` maps lower-cased condition keys to their
    values (absent: not in the request). ``encryption_context`` is None for operations that
    take none (grant constraints do not apply to them)."""

    action: str
    resource: str  # the key ARN; "*" for account actions
    principal: Principal
    home_account: str
    values: Mapping[str, tuple[str, ...]] = MappingProxyType({})  # shared, so read-only
    encryption_context: Mapping[str, str] | None = None
    grant_request: GrantRequest | None = None

    @property
    def grant_operation(self) -> str:
        """The name a grant lists for this action (``kms:Decrypt`` → ``Decrypt``)."""
        return self.action.removeprefix("kms:")


def _c(action: str, key_field: str | None = "KeyId", ec: str | None = None) -> AuthorizationCheck:
    return AuthorizationCheck(action, key_field, ec)


_EC = "EncryptionContext"
_CHECKS: dict[str, tuple[AuthorizationCheck, ...]] = {
    "Encrypt": (_c("kms:Encrypt", ec=_EC),),
    "Decrypt": (_c("kms:Decrypt", ec=_EC),),
    "ReEncrypt": (
        _c("kms:ReEncryptFrom", "SourceKeyId", "SourceEncryptionContext"),
        _c("kms:ReEncryptTo", "DestinationKeyId", "DestinationEncryptionContext"),
    ),
    "GenerateDataKey": (_c("kms:GenerateDataKey", ec=_EC),),
    "GenerateDataKeyWithoutPlaintext": (_c("kms:GenerateDataKeyWithoutPlaintext", ec=_EC),),
    # GenerateAndExportDataKey (Alibaba) needs Alibaba's own action for it: it hands the
    # data key to whoever holds the private key, which kms:GenerateDataKey does not say.
    "GenerateAndExportDataKey": (_c("kms:GenerateAndExportDataKey", ec=_EC),),
    "GenerateDataKeyPair": (_c("kms:GenerateDataKeyPair", ec=_EC),),
    "GenerateDataKeyPairWithoutPlaintext": (
        _c("kms:GenerateDataKeyPairWithoutPlaintext", ec=_EC),
    ),
    # GenerateCsr (Alibaba) signs with the key: it needs what Sign needs.
    "GenerateCsr": (_c("kms:Sign"),),
    # SetDeletionProtection (Alibaba) is among Alibaba's administrator actions as kms:Set*,
    # which policy_defaults maps to kms:PutKeyPolicy: it needs what PutKeyPolicy needs.
    "SetDeletionProtection": (_c("kms:PutKeyPolicy"),),
    "CreateAlias": (_c("kms:CreateAlias", "TargetKeyId"),),
    # UpdateAlias needs the permission on the key the alias points at now and the new one.
    "UpdateAlias": (_c("kms:UpdateAlias", "AliasName"), _c("kms:UpdateAlias", "TargetKeyId")),
    "DeleteAlias": (_c("kms:DeleteAlias", "AliasName"),),
    **{
        name: (_c(f"kms:{name}"),)
        for name in (
            "Sign", "Verify", "GenerateMac", "VerifyMac", "DeriveSharedSecret", "GetPublicKey",
            "DescribeKey", "EnableKey", "DisableKey", "ScheduleKeyDeletion",
            "CancelKeyDeletion", "EnableKeyRotation", "DisableKeyRotation",
            "GetKeyRotationStatus", "RotateKeyOnDemand", "ListKeyRotations",
            "UpdateKeyDescription", "TagResource", "UntagResource", "ListResourceTags",
            "GetParametersForImport", "ImportKeyMaterial", "DeleteImportedKeyMaterial",
            "PutKeyPolicy", "GetKeyPolicy", "ListKeyPolicies", "CreateGrant", "ListGrants",
            "RevokeGrant", "RetireGrant",
        )
    },
    **{
        name: (_c(f"kms:{name}", None),)
        for name in ("CreateKey", "ListKeys", "ListAliases", "GenerateRandom",
                     "ListRetirableGrants")
    },
}

# Operations whose kms:EncryptionAlgorithm is SYMMETRIC_DEFAULT whatever the request says.
_DATA_KEY_OPERATIONS = {
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
    "GenerateAndExportDataKey",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
}
# Operations on a key named by KeyId that fill kms:RequestAlias when it is an alias.
_REQUEST_ALIAS_OPERATIONS = {
    "Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
    "GenerateAndExportDataKey", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext",
    "Sign", "Verify", "GenerateMac", "VerifyMac", "DeriveSharedSecret", "GetPublicKey",
    "DescribeKey",
}
_GRANT_FIELDS = {"CreateGrant", "ListGrants", "RevokeGrant"}


def authorization_checks(operation: str) -> tuple[AuthorizationCheck, ...]:
    """The checks ``operation`` (its KMS name) needs, in order. Raises KeyError for an
    operation the table does not know (the wiring must add it, never skip it)."""
    return _CHECKS[operation]


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return str(int(value.timestamp()))
    return str(value)


def _alias_name(identifier: object) -> str | None:
    if not isinstance(identifier, str):
        return None
    if identifier.startswith("alias/"):
        return identifier
    if identifier.startswith("arn:") and ":alias/" in identifier:
        return identifier[identifier.index(":alias/") + 1 :]
    return None


def request_context(
    operation: str,
    request: Mapping[str, Any],
    *,
    key: KeyFacts | None,
    principal: Principal,
    home_account: str,
    action: str | None = None,
    reencrypt_on_same_key: bool | None = None,
) -> RequestContext:
    """The context for one check of ``operation`` with the request's parameters (AWS names:
    ``KeyId``, ``EncryptionContext``, ``SigningAlgorithm`` …).

    ``key`` is the key the check is about (None for account actions such as CreateKey);
    ``action`` picks the check when the operation has several (ReEncrypt);
    ``reencrypt_on_same_key`` fills ``kms:ReEncryptOnSameKey`` for ReEncrypt.
    """
    checks = authorization_checks(operation)
    chosen = [c for c in checks if action is None or c.action == action]
    if not chosen or (action is None and len({c.action for c in checks}) > 1):
        raise ValueError(f"{operation} needs one of {[c.action for c in checks]} as action")
    check = chosen[0]
    values: dict[str, tuple[str, ...]] = {}

    def put(name: str, value: object) -> None:
        if value is not None:
            values[name.lower()] = (_text(value),)

    put("kms:CallerAccount", principal.account)
    put("aws:PrincipalAccount", principal.account)
    put("aws:PrincipalArn", principal.principal_arn)
    if key is not None:
        for name, value in (
            ("kms:KeySpec", key.key_spec),
            ("kms:KeyUsage", key.key_usage),
            ("kms:KeyOrigin", key.origin),
        ):
            put(name, value)
    elif operation == "CreateKey":
        put("kms:KeySpec", request.get("KeySpec") or "SYMMETRIC_DEFAULT")
        put("kms:KeyUsage", request.get("KeyUsage") or "ENCRYPT_DECRYPT")
        put("kms:KeyOrigin", request.get("Origin") or "AWS_KMS")
    if "kms:keyspec" in values:
        values["kms:customermasterkeyspec"] = values["kms:keyspec"]
        values["kms:customermasterkeyusage"] = values["kms:keyusage"]

    encryption_context = _operation_values(operation, check, request, put, values)
    if operation in _REQUEST_ALIAS_OPERATIONS:
        put("kms:RequestAlias", _alias_name(request.get(check.key_field or "KeyId")))
    if operation == "ReEncrypt":
        put("kms:ReEncryptOnSameKey", reencrypt_on_same_key)
    grant_request = _grant_request(operation, request)
    if grant_request is not None:
        if grant_request.operations:
            values["kms:grantoperations"] = grant_request.operations
        put("kms:GranteePrincipal", request.get("GranteePrincipal"))
        put("kms:RetiringPrincipal", request.get("RetiringPrincipal"))
        if grant_request.equals is not None:
            put("kms:GrantConstraintType", "EncryptionContextEquals")
        elif grant_request.subset is not None:
            put("kms:GrantConstraintType", "EncryptionContextSubset")
        encryption_context = dict(grant_request.equals or grant_request.subset or {})
        _put_encryption_context(values, encryption_context)
        encryption_context = None  # grant constraints do not apply to CreateGrant itself
    if operation in _GRANT_FIELDS:
        put("kms:GrantIsForAWSResource", False)  # no AWS service makes grants here
    return RequestContext(
        action=check.action,
        resource=key.arn if key is not None and check.key_field is not None else "*",
        principal=principal,
        home_account=home_account,
        values=values,
        encryption_context=encryption_context,
        grant_request=grant_request,
    )


def _put_encryption_context(
    values: dict[str, tuple[str, ...]], context: Mapping[str, str]
) -> None:
    for name, value in context.items():
        slot = encryption_context_key(name)
        values[slot] = (*values.get(slot, ()), value)
    if context:
        values["kms:encryptioncontextkeys"] = tuple(context)


def _operation_values(
    operation: str,
    check: AuthorizationCheck,
    request: Mapping[str, Any],
    put: Callable[[str, object], None],
    values: dict[str, tuple[str, ...]],
) -> Mapping[str, str] | None:
    """Fill the operation's own condition keys; returns its encryption context (None when
    the operation takes none)."""
    encryption_context: Mapping[str, str] | None = None
    if check.context_field is not None:
        raw = request.get(check.context_field) or {}
        encryption_context = {str(k): str(v) for k, v in dict(raw).items()}
        _put_encryption_context(values, encryption_context)
    if operation in _DATA_KEY_OPERATIONS:
        put("kms:EncryptionAlgorithm", "SYMMETRIC_DEFAULT")
    elif operation in ("Encrypt", "Decrypt"):
        put("kms:EncryptionAlgorithm", request.get("EncryptionAlgorithm") or "SYMMETRIC_DEFAULT")
    elif operation == "ReEncrypt":
        side = "Source" if check.action == "kms:ReEncryptFrom" else "Destination"
        put(
            "kms:EncryptionAlgorithm",
            request.get(f"{side}EncryptionAlgorithm") or "SYMMETRIC_DEFAULT",
        )
    if operation in ("Sign", "Verify"):
        put("kms:SigningAlgorithm", request.get("SigningAlgorithm"))
        put("kms:MessageType", request.get("MessageType") or "RAW")
    if operation in ("GenerateMac", "VerifyMac"):
        put("kms:MacAlgorithm", request.get("MacAlgorithm"))
    if operation == "DeriveSharedSecret":
        put("kms:KeyAgreementAlgorithm", request.get("KeyAgreementAlgorithm") or "ECDH")
    if operation in ("GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext"):
        put("kms:DataKeyPairSpec", request.get("KeyPairSpec"))
    if operation == "ImportKeyMaterial":
        model = request.get("ExpirationModel") or "KEY_MATERIAL_EXPIRES"
        put("kms:ExpirationModel", model)
        put("kms:ValidTo", request.get("ValidTo"))
    if operation in ("CreateKey", "PutKeyPolicy"):
        put("kms:BypassPolicyLockoutSafetyCheck",
            bool(request.get("BypassPolicyLockoutSafetyCheck", False)))
    if operation == "ScheduleKeyDeletion":
        put("kms:ScheduleKeyDeletionPendingWindowInDays", request.get("PendingWindowInDays") or 30)
    if operation == "EnableKeyRotation":
        put("kms:RotationPeriodInDays", request.get("RotationPeriodInDays") or 365)
    return encryption_context


def _grant_request(operation: str, request: Mapping[str, Any]) -> GrantRequest | None:
    if operation != "CreateGrant":
        return None
    constraints = request.get("Constraints") or {}
    equals = constraints.get("EncryptionContextEquals") or None
    subset = constraints.get("EncryptionContextSubset") or None
    return GrantRequest(
        operations=tuple(str(op) for op in request.get("Operations") or ()),
        equals=dict(equals) if equals else None,
        subset=dict(subset) if subset else None,
    )
