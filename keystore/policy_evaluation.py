"""Deciding a request: the key policy, then the grants (IAM User Guide, "Policy evaluation
logic"; KMS Developer Guide, "Determining access to an AWS KMS key").

1. An applicable ``Deny`` statement decides: explicit deny, whatever allows it elsewhere.
2. Otherwise the first applicable ``Allow`` statement allows it.
3. Otherwise the first grant that allows it (:func:`keystore.grants.grant_allows`).
4. Otherwise it is denied implicitly: no policy allows it.

A statement applies when its principal names the caller, its action (or NotAction) covers
the action, its resource (or NotResource) the key, and every condition holds. Account
actions (CreateKey, ListKeys … whose resource is not a key) have no key policy: the IAM
mapping decides them (docs/authorization.md#iam). The decision names the statement (its Sid
or ``Statement[<index>]``) or the grant, for the audit record.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from kmskit.keystore.grants import Grant, grant_allows
from kmskit.keystore.policy_actions import action_matches
from kmskit.keystore.policy_conditions import conditions_hold
from kmskit.keystore.policy_context import RequestContext
from kmskit.keystore.policy_document import KeyPolicy, Statement
from kmskit.keystore.policy_principals import (
    IamMapping,
    account_root_arn,
    principal_entry_matches,
)
from kmskit.keystore.policy_wildcards import wildcard_match
from kmskit.offline._record import FrozenRecord
from kmskit.offline.errors import AccessDeniedException

__all__ = ["Decision", "Outcome", "evaluate", "require_allowed", "statement_applies"]


class Outcome(StrEnum):
    ALLOW = "Allow"
    EXPLICIT_DENY = "ExplicitDeny"
    IMPLICIT_DENY = "ImplicitDeny"


# Decisions are FrozenRecords rather than frozen dataclasses or NamedTuples: every
# operation's authorization loads this module (start-up; kmskit.offline._record).
class Decision(FrozenRecord):
    """The outcome and what decided it: a statement label, a grant id, or the IAM mapping
    (``statement`` is then ``"IAM"``)."""

    outcome: Outcome
    statement: str | None = None
    grant_id: str | None = None

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOW

    def audit_fields(self) -> dict[str, str]:
        """What the audit record of the call carries about the decision."""
        fields = {"Decision": self.outcome.value}
        if self.statement is not None:
            fields["DecidingStatement"] = self.statement
        if self.grant_id is not None:
            fields["DecidingGrant"] = self.grant_id
        return fields


def _resource_matches(statement: Statement, resource: str) -> bool:
    hit = any(p == "*" or wildcard_match(p, resource) for p in statement.resources)
    return hit != statement.not_resource


def _action_matches(statement: Statement, action: str) -> bool:
    hit = any(action_matches(p, action) for p in statement.actions)
    return hit != statement.not_action


def _foreign_without_iam(context: RequestContext, iam: IamMapping) -> bool:
    """Whether the caller is another account's principal whose IAM allows it nothing.

    Cross-account use needs the key policy *and* the caller's own IAM policies (KMS
    Developer Guide, "Allowing users in other accounts to use a KMS key"). Under
    ``root-only`` IAM allows nothing, so only that account's root can be let in; under
    ``account`` IAM allows everything, so the key policy alone decides.
    """
    caller = context.principal
    return (
        iam is IamMapping.ROOT_ONLY
        and caller.account != context.home_account
        and not caller.is_root
    )


def statement_applies(
    statement: Statement, context: RequestContext, *, iam: IamMapping
) -> bool:
    """Whether the statement's principal, action, resource and conditions all match."""
    deny = statement.effect == "Deny"
    if not deny and _foreign_without_iam(context, iam):
        return False
    return (
        any(
            principal_entry_matches(kind, entry, context.principal, deny=deny, iam=iam)
            for kind, entry in statement.principals
        )
        and _action_matches(statement, context.action)
        and _resource_matches(statement, context.resource)
        and conditions_hold(statement.conditions, context.values)
    )


def evaluate(
    policy: KeyPolicy | None,
    context: RequestContext,
    *,
    grants: Iterable[Grant] = (),
    iam: IamMapping = IamMapping.ACCOUNT,
) -> Decision:
    """Decide one check. ``policy`` is the key's policy (None only for account actions)."""
    if context.resource == "*":
        # Account actions: only IAM policies grant them; the mapping says what those allow.
        root = account_root_arn(context.home_account, context.principal.partition)
        if principal_entry_matches("AWS", root, context.principal, deny=False, iam=iam):
            return Decision(Outcome.ALLOW, statement="IAM")
        return Decision(Outcome.IMPLICIT_DENY)
    statements = policy.statements if policy is not None else ()
    for statement in statements:
        if statement.effect == "Deny" and statement_applies(statement, context, iam=iam):
            return Decision(Outcome.EXPLICIT_DENY, statement=statement.label)
    for statement in statements:
        if statement.effect == "Allow" and statement_applies(statement, context, iam=iam):
            return Decision(Outcome.ALLOW, statement=statement.label)
    for grant in grants:
        if grant_allows(grant, context, iam=iam):
            return Decision(Outcome.ALLOW, grant_id=grant.grant_id)
    return Decision(Outcome.IMPLICIT_DENY)


def require_allowed(decision: Decision, context: RequestContext) -> None:
    """Raise :class:`AccessDeniedException` in AWS's message shape unless allowed."""
    if decision.allowed:
        return
    who = f"User: {context.principal.arn} is not authorized to perform: {context.action}"
    on = f" on resource: {context.resource}"
    if decision.outcome is Outcome.EXPLICIT_DENY:
        raise AccessDeniedException(f"{who}{on} with an explicit deny in a resource-based policy")
    raise AccessDeniedException(
        f"{who}{on} because no resource-based policy allows the {context.action} action"
    )
