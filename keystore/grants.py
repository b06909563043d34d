"""KMS grants: the grant model, CreateGrant's parameter rules, whether a grant allows a
request, and who may retire a grant (KMS Developer Guide, "Grants in AWS KMS", "Using grant
constraints", "Retiring and revoking grants"; API Reference CreateGrant, GrantConstraints).

- A grant names a grantee principal, the operations it allows, optionally a retiring
  principal, a name and constraints. The operations must suit the key: a grant on an HMAC key
  cannot allow Encrypt (ValidationException, as KMS).
- ``EncryptionContextEquals`` allows a request only if its encryption context is exactly the
  constraint's; ``EncryptionContextSubset`` if it includes every pair of the constraint (more
  pairs are fine). In a constraint the context *keys* compare case-insensitively and the
  values case-sensitively. Constraints apply only to operations that take an encryption
  context; a constrained grant may still allow DescribeKey and RetireGrant, unconstrained.
  Constraints are refused on keys other than symmetric encryption keys.
- A grant that allows CreateGrant allows only grants with a subset of its operations and an
  equally strict or stricter constraint.
- RetireGrant: the retiring principal, the grantee if the grant allows RetireGrant, and the
  account the grant was created in, its IssuingAccount (with the IAM mapping deciding its
  other principals).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from kmskit.keystore._grant_operations import GRANT_OPERATIONS
from kmskit.keystore.policy_context import GrantRequest, KeyFacts, RequestContext
from kmskit.keystore.policy_principals import IamMapping, Principal, principal_entry_matches
from kmskit.keystore.results import iso_time
from kmskit.offline._record import FrozenRecord
from kmskit.offline.errors import ValidationException
from kmskit.offline.specs import SYMMETRIC_ENCRYPTION_SPECS

__all__ = [
    "GRANT_OPERATIONS",
    "MAX_GRANT_TOKENS",
    "Grant",
    "GrantParameters",
    "constraints_satisfied",
    "grant_allows",
    "grant_operations_for_key",
    "may_retire",
    "validate_grant_request",
    "validate_grant_tokens",
]

_ANY_KEY = ("CreateGrant", "RetireGrant", "DescribeKey")
_BY_USAGE: dict[str, tuple[str, ...]] = {
    "ENCRYPT_DECRYPT": ("Encrypt", "Decrypt", "ReEncryptFrom", "ReEncryptTo", "GetPublicKey"),
    "SIGN_VERIFY": ("Sign", "Verify", "GetPublicKey"),
    "GENERATE_VERIFY_MAC": ("GenerateMac", "VerifyMac"),
    "KEY_AGREEMENT": ("DeriveSharedSecret", "GetPublicKey"),
}
_SYMMETRIC_ENCRYPTION = (
    "Encrypt", "Decrypt", "ReEncryptFrom", "ReEncryptTo", "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
)
_NAME = r"[a-zA-Z0-9:/_-]{1,256}"
_MAX_CONSTRAINT_PAIRS = 8
_MAX_CONSTRAINT_VALUE = 384
MAX_GRANT_TOKENS = 10
_MAX_GRANT_TOKEN = 8192


# Grant and GrantParameters are FrozenRecords, not frozen dataclasses or NamedTuples: every
# operation's authorization loads this module (start-up; kmskit.offline._record).
class Grant(FrozenRecord):
    """One grant on one key, as ListGrants shows it."""

    grant_id: str
    key_arn: str
    grantee_principal: str
    operations: tuple[str, ...]
    issuing_account: str
    creation_date: datetime
    retiring_principal: str | None = None
    name: str | None = None
    equals: Mapping[str, str] | None = None
    subset: Mapping[str, str] | None = None

    def to_response(self) -> dict[str, Any]:
        """The ``GrantListEntry`` of ListGrants / ListRetirableGrants."""
        entry: dict[str, Any] = {
            "KeyId": self.key_arn,
            "GrantId": self.grant_id,
            "Name": self.name or "",
            "CreationDate": iso_time(self.creation_date),
            "GranteePrincipal": self.grantee_principal,
            "IssuingAccount": self.issuing_account,
            "Operations": list(self.operations),
        }
        if self.retiring_principal:
            entry["RetiringPrincipal"] = self.retiring_principal
        if self.equals is not None:
            entry["Constraints"] = {"EncryptionContextEquals": dict(self.equals)}
        elif self.subset is not None:
            entry["Constraints"] = {"EncryptionContextSubset": dict(self.subset)}
        return entry


@functools.cache
def _name_pattern() -> re.Pattern[str]:
    # Compiled on first use: every authorization loads this module, CreateGrant alone
    # checks a grant name.
    return re.compile(_NAME)


def is_symmetric_encryption_key(key: KeyFacts) -> bool:
    return key.key_spec in SYMMETRIC_ENCRYPTION_SPECS and key.key_usage == "ENCRYPT_DECRYPT"


def grant_operations_for_key(key: KeyFacts) -> tuple[str, ...]:
    """The grant operations KMS accepts for ``key``'s type."""
    if is_symmetric_encryption_key(key):
        return (*_SYMMETRIC_ENCRYPTION, *_ANY_KEY)
    return (*_BY_USAGE.get(key.key_usage, ()), *_ANY_KEY)


def _principal_arn(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise ValidationException(f"{field} must be a principal ARN")
    try:
        Principal(value)
    except ValueError:
        raise ValidationException(f"{field} {value!r} is not a valid principal ARN") from None
    return value


def _constraint_map(value: object, field: str) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValidationException(f"{field} must map encryption context keys to values")
    if not value:
        return None  # an empty map is treated as not specified
    if len(value) > _MAX_CONSTRAINT_PAIRS:
        raise ValidationException(f"{field} has more than {_MAX_CONSTRAINT_PAIRS} pairs")
    pairs: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not key or not isinstance(item, str):
            raise ValidationException(f"{field} keys and values must be strings")
        if len(item) > _MAX_CONSTRAINT_VALUE:
            raise ValidationException(
                f"{field} values are at most {_MAX_CONSTRAINT_VALUE} characters"
            )
        if key.lower() in (k.lower() for k in pairs):
            raise ValidationException(f"{field} has keys that differ only by case: {key!r}")
        pairs[key] = item
    return pairs


class GrantParameters(FrozenRecord):
    """CreateGrant's parameters once checked (operations without repeats, in order)."""

    grantee_principal: str
    operations: tuple[str, ...]
    retiring_principal: str | None = None
    equals: dict[str, str] | None = None
    subset: dict[str, str] | None = None
    name: str | None = None


def validate_grant_request(
    key: KeyFacts,
    *,
    grantee_principal: object,
    operations: object,
    retiring_principal: object = None,
    constraints: object = None,
    name: object = None,
) -> GrantParameters:
    """Check CreateGrant's parameters for ``key``. Raises :class:`ValidationException`."""
    grantee = _principal_arn(grantee_principal, "GranteePrincipal")
    retiring = (
        None if retiring_principal is None
        else _principal_arn(retiring_principal, "RetiringPrincipal")
    )
    if isinstance(operations, str) or not isinstance(operations, Sequence) or not operations:
        raise ValidationException("Operations must be a non-empty list of grant operations")
    allowed = grant_operations_for_key(key)
    chosen: list[str] = []
    for operation in operations:
        if operation not in GRANT_OPERATIONS:
            raise ValidationException(f"{operation!r} is not a grant operation")
        if operation not in allowed:
            raise ValidationException(
                f"the grant operation {operation} is not valid for a {key.key_spec}"
                f" {key.key_usage} key"
            )
        if operation not in chosen:
            chosen.append(operation)
    equals = subset = None
    if constraints is not None:
        if not isinstance(constraints, Mapping):
            raise ValidationException("Constraints must be an object")
        unknown = set(constraints) - {"EncryptionContextEquals", "EncryptionContextSubset"}
        if unknown:
            raise ValidationException(f"unknown grant constraint {sorted(unknown)[0]!r}")
        equals = _constraint_map(constraints.get("EncryptionContextEquals"),
                                 "EncryptionContextEquals")
        subset = _constraint_map(constraints.get("EncryptionContextSubset"),
                                 "EncryptionContextSubset")
        if equals is not None and subset is not None:
            raise ValidationException(
                "a grant takes EncryptionContextEquals or EncryptionContextSubset, not both"
            )
        if (equals is not None or subset is not None) and not is_symmetric_encryption_key(key):
            raise ValidationException(
                "encryption context grant constraints need a symmetric encryption key"
            )
    if name is not None and (not isinstance(name, str) or not _name_pattern().fullmatch(name)):
        raise ValidationException("Name must be 1 to 256 characters of a-z A-Z 0-9 : / _ -")
    return GrantParameters(grantee, tuple(chosen), retiring, equals, subset, name)


def validate_grant_tokens(tokens: object) -> tuple[str, ...]:
    """Check a request's ``GrantTokens`` (at most 10, each 1 to 8192 characters)."""
    if tokens is None:
        return ()
    if isinstance(tokens, str) or not isinstance(tokens, Sequence):
        raise ValidationException("GrantTokens must be a list of grant tokens")
    if len(tokens) > MAX_GRANT_TOKENS:
        raise ValidationException(f"a request takes at most {MAX_GRANT_TOKENS} grant tokens")
    for token in tokens:
        if not isinstance(token, str) or not 1 <= len(token) <= _MAX_GRANT_TOKEN:
            raise ValidationException("a grant token is a string of 1 to 8192 characters")
    return tuple(tokens)


def _folded(context: Mapping[str, str]) -> dict[str, str] | None:
    """The context with lower-cased keys, or None if two keys differ only by case (then no
    constraint can be said to match, so none does)."""
    folded = {k.lower(): v for k, v in context.items()}
    return folded if len(folded) == len(context) else None


def constraints_satisfied(
    equals: Mapping[str, str] | None,
    subset: Mapping[str, str] | None,
    context: Mapping[str, str],
) -> bool:
    """Whether a request's encryption context meets a grant's constraints."""
    if equals is None and subset is None:
        return True
    request = _folded(context)
    if request is None:
        return False
    if equals is not None:
        return request == {k.lower(): v for k, v in equals.items()}
    assert subset is not None
    return all(request.get(k.lower()) == v for k, v in subset.items())


def _stricter(grant: Grant, child: GrantRequest) -> bool:
    """Whether a requested grant's constraint is at least as strict as ``grant``'s."""
    if grant.equals is not None:
        return child.equals is not None and constraints_satisfied(grant.equals, None, child.equals)
    if grant.subset is not None:
        child_pairs = child.equals if child.equals is not None else child.subset
        return child_pairs is not None and constraints_satisfied(None, grant.subset, child_pairs)
    return True


def _grantee_matches(grant: Grant, caller: Principal, iam: IamMapping) -> bool:
    return principal_entry_matches("AWS", grant.grantee_principal, caller, deny=False, iam=iam)


def grant_allows(grant: Grant, context: RequestContext, *, iam: IamMapping) -> bool:
    """Whether ``grant`` allows the request: its grantee, one of its operations, its
    constraints, and for CreateGrant a grant within its own."""
    if grant.key_arn != context.resource or context.grant_operation not in grant.operations:
        return False
    if not _grantee_matches(grant, context.principal, iam):
        return False
    if context.encryption_context is not None and not constraints_satisfied(
        grant.equals, grant.subset, context.encryption_context
    ):
        return False
    child = context.grant_request
    if child is not None:
        return set(child.operations) <= set(grant.operations) and _stricter(grant, child)
    return True


def may_retire(grant: Grant, caller: Principal, *, iam: IamMapping) -> str | None:
    """Why ``caller`` may retire ``grant`` (for the audit record), or None if it may not."""
    if grant.retiring_principal is not None and grant.retiring_principal in (
        caller.arn, caller.principal_arn
    ):
        return "RetiringPrincipal"
    if "RetireGrant" in grant.operations and _grantee_matches(grant, caller, iam):
        return "GranteePrincipal"
    # "the AWS account in which the grant is created": its IssuingAccount (the account root
    # of whoever created it), whose other principals the IAM mapping decides.
    if principal_entry_matches("AWS", grant.issuing_account, caller, deny=False, iam=iam):
        return "IssuingAccount"
    return None
