"""Grants on the Keystore: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant and
RevokeGrant (KMS API Reference; rules in :mod:`keystore.grants`).

Who may *call* CreateGrant, ListGrants and RevokeGrant is the key policy's (and grants')
business, decided by :meth:`Keystore.authorize` before the operation. Who may retire a grant
is decided by the grant itself, so :meth:`retire_grant` checks it here.

spec: docs/authorization.md#grants
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from kmskit.keystore.policy_operations import KeyPolicyOperations
from kmskit.offline.errors import AccessDeniedException, ValidationException

if TYPE_CHECKING:
    from kmskit.keystore.results_authorization import CreateGrantResult, GrantPage

# The grant code is imported by the methods that use it (start-up, as policy_operations).

__all__ = ["GrantOperations"]


class GrantOperations(KeyPolicyOperations):
    """CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant."""

    def create_grant(
        self,
        key_id: str,
        grantee_principal: str,
        operations: Sequence[str],
        *,
        retiring_principal: str | None = None,
        constraints: Mapping[str, Mapping[str, str]] | None = None,
        name: str | None = None,
        grant_tokens: Sequence[str] | None = None,
        principal: str | None = None,
    ) -> CreateGrantResult:
        """Create a grant (or, with the same name and parameters, return the existing one
        with a new token). Raises :class:`ValidationException` (bad principal, operation
        not valid for the key, bad constraints or name), :class:`InvalidGrantTokenException`,
        :class:`NotFoundException`, :class:`KMSInvalidStateException` (pending deletion)."""
        from kmskit.keystore import _keys, grants_store
        from kmskit.keystore.grants import validate_grant_request, validate_grant_tokens
        from kmskit.keystore.policy_principals import account_root_arn
        from kmskit.keystore.results_authorization import CreateGrantResult

        with self._operation(
            "CreateGrant",
            KeyId=key_id,
            GranteePrincipal=grantee_principal,
            RetiringPrincipal=retiring_principal,
            Operations=list(operations) if isinstance(operations, Sequence) else operations,
            Constraints=constraints,
            Name=name,
            GrantTokens=len(grant_tokens) if grant_tokens else 0,  # count only, never tokens
        ) as op:
            caller = self._caller(principal)
            row = self._resolve(op, key_id)
            _keys.require_not_pending_deletion(row, self.config)
            key = self._key_facts(row)
            checked = validate_grant_request(
                key,
                grantee_principal=grantee_principal,
                operations=operations,
                retiring_principal=retiring_principal,
                constraints=constraints,
                name=name,
            )
            grants_store.check_grant_tokens(op.db, validate_grant_tokens(grant_tokens))
            grant, token = grants_store.create_grant(
                op.db,
                key_id=row.key_id,
                key_arn=key.arn,
                grantee_principal=checked.grantee_principal,
                operations=checked.operations,
                issuing_account=account_root_arn(caller.account, caller.partition),
                now_ms=op.now_ms,
                rng=self._rng,
                retiring_principal=checked.retiring_principal,
                equals=checked.equals,
                subset=checked.subset,
                name=checked.name,
            )
            op.params["GrantId"] = grant.grant_id
            return CreateGrantResult(grant.grant_id, token)

    def list_grants(
        self,
        key_id: str,
        *,
        grant_id: str | None = None,
        grantee_principal: str | None = None,
        limit: int | None = None,
        marker: str | None = None,
    ) -> GrantPage:
        """The key's grants (1–100 a page, default 50), optionally one grant or grantee."""
        from kmskit.keystore import grants_store

        with self._operation(
            "ListGrants", KeyId=key_id, GrantId=grant_id, GranteePrincipal=grantee_principal,
            Limit=limit, Marker=marker,
        ) as op:
            row = self._resolve(op, key_id)
            return grants_store.list_grants(
                op.db, row.key_id, self.config.key_arn(row.key_id), grant_id=grant_id,
                grantee_principal=grantee_principal, limit=limit, marker=marker,
            )

    def list_retirable_grants(
        self, retiring_principal: str, *, limit: int | None = None, marker: str | None = None
    ) -> GrantPage:
        """Grants on any key of the home whose retiring principal is ``retiring_principal``."""
        from kmskit.keystore import grants_store

        with self._operation(
            "ListRetirableGrants", RetiringPrincipal=retiring_principal, Limit=limit,
            Marker=marker,
        ) as op:
            self._caller(retiring_principal)  # a principal ARN, or ValidationException
            return grants_store.list_retirable_grants(
                op.db, retiring_principal, self.config.key_arn, limit=limit, marker=marker
            )

    def retire_grant(
        self,
        *,
        grant_token: str | None = None,
        key_id: str | None = None,
        grant_id: str | None = None,
        principal: str | None = None,
    ) -> None:
        """Retire a grant named by its token, or by key and grant id. Allowed to the
        retiring principal, the grantee if the grant allows RetireGrant, and the account the
        grant was created in (AccessDeniedException otherwise)."""
        from kmskit.keystore import grants_store
        from kmskit.keystore.grants import may_retire

        with self._operation("RetireGrant", KeyId=key_id, GrantId=grant_id) as op:
            caller = self._caller(principal)
            if grant_token is not None:
                grant = grants_store.grant_for_token(op.db, grant_token, self.config.key_arn)
                if grant_id is not None and grant_id != grant.grant_id:
                    raise ValidationException("GrantId does not match the grant token")
            elif key_id is not None and grant_id is not None:
                row = self._resolve(op, key_id)
                grant = grants_store.find_grant(
                    op.db, row.key_id, self.config.key_arn(row.key_id), grant_id
                )
            else:
                raise ValidationException("RetireGrant needs GrantToken, or KeyId and GrantId")
            op.key_arn = grant.key_arn
            op.params["GrantId"] = grant.grant_id
            reason = may_retire(grant, caller, iam=self._iam())
            decided = {"Action": "kms:RetireGrant", "DecidingGrant": grant.grant_id}
            op.authorization = [
                {**decided, "Decision": "Allow" if reason is not None else "ImplicitDeny"}
            ]
            if reason is None:
                raise AccessDeniedException(
                    f"User: {caller.arn} is not authorized to perform: kms:RetireGrant on"
                    f" resource: {grant.key_arn} because it is neither the grant's retiring"
                    " principal, nor its grantee with RetireGrant, nor its account"
                )
            op.params["RetiredBy"] = reason
            grants_store.delete_grant(op.db, grant.grant_id)

    def revoke_grant(self, key_id: str, grant_id: str) -> None:
        """Delete a grant at once: it allows nothing more and its tokens are refused."""
        from kmskit.keystore import grants_store

        with self._operation("RevokeGrant", KeyId=key_id, GrantId=grant_id) as op:
            row = self._resolve(op, key_id)
            grant = grants_store.find_grant(
                op.db, row.key_id, self.config.key_arn(row.key_id), grant_id
            )
            grants_store.delete_grant(op.db, grant.grant_id)
