"""Key policies on the Keystore: PutKeyPolicy, GetKeyPolicy, ListKeyPolicies, and
:meth:`authorize`, the one call the operation table makes before each operation.

A key without a stored policy has the default key policy (:mod:`keystore.policy_defaults`).
The caller is ``principal`` (an IAM ARN); None means the home account's root, the CLI's
default principal (issue 12). ``iam_mapping`` says what the home's absent IAM policies allow
(docs/authorization.md#iam).

spec: docs/authorization.md
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from kmskit.keystore._base import KeystoreBase
from kmskit.offline.errors import (
    AccessDeniedException,
    InvalidCiphertextException,
    NotFoundException,
    ValidationException,
)

if TYPE_CHECKING:
    from kmskit.keystore._keys import KeyRow
    from kmskit.keystore._operation import Operation
    from kmskit.keystore.policy_context import KeyFacts
    from kmskit.keystore.policy_document import KeyPolicy
    from kmskit.keystore.policy_evaluation import Decision
    from kmskit.keystore.policy_principals import IamMapping, Principal
    from kmskit.keystore.results_authorization import KeyPolicyNames, KeyPolicyResult

# The policy engine is imported by the methods that use it: every keystore command loads
# this module, and most never look at a policy (kmskit start-up, tests/cli/test_startup.py).

__all__ = ["KeyPolicyOperations"]


# Checking runs before every operation: a stored (valid) document is parsed once, and the
# default document of a home is written once. Parsed policies are immutable (FrozenRecord).
@functools.lru_cache(maxsize=256)
def _parsed_policy(document: str) -> KeyPolicy:
    from kmskit.keystore.policy_document import parse_key_policy

    return parse_key_policy(document)


@functools.lru_cache(maxsize=16)
def _default_document(account_id: str, partition: str) -> str:
    from kmskit.keystore.policy_defaults import default_key_policy

    return default_key_policy(account_id, partition)


class KeyPolicyOperations(KeystoreBase):
    """PutKeyPolicy, GetKeyPolicy, ListKeyPolicies and the authorization check."""

    # What the home's IAM is taken to allow ("account" or "root-only", an IamMapping); the
    # serve/CLI wiring may set it per home.
    iam_mapping: str = "account"

    def _iam(self) -> IamMapping:
        from kmskit.keystore.policy_principals import IamMapping

        return IamMapping(self.iam_mapping)

    def _caller(self, principal: str | None) -> Principal:
        """``principal``, else the caller of :meth:`as_caller`, else the account root."""
        from kmskit.keystore.policy_principals import Principal

        if principal is None:
            principal = self._principal
        if principal is None:
            return Principal.root(self.config.account_id, self.config.partition)
        try:
            return Principal(principal)
        except ValueError:
            raise ValidationException(f"{principal!r} is not an IAM principal ARN") from None

    def _key_facts(self, row: KeyRow) -> KeyFacts:
        from kmskit.keystore.policy_context import KeyFacts

        return KeyFacts(
            self.config.key_arn(row.key_id), str(row.key_spec), str(row.key_usage), row.origin
        )

    def _policy_document(self, key_id: str) -> str:
        from kmskit.keystore import grants_store

        stored = grants_store.read_key_policy(self._connection(), key_id)
        if stored is not None:
            return stored
        return _default_document(self.config.account_id, self.config.partition)

    @staticmethod
    def _policy_name(policy_name: str | None) -> None:
        if policy_name is not None and policy_name != "default":
            raise NotFoundException(
                f"no key policy named {policy_name!r}; a key's only policy is 'default'"
            )

    def put_key_policy(
        self,
        key_id: str,
        policy: str,
        *,
        policy_name: str | None = None,
        bypass_policy_lockout_safety_check: bool = False,
        principal: str | None = None,
    ) -> None:
        """Replace the key's policy. Raises :class:`MalformedPolicyDocumentException` (bad
        document, or one that would lock ``principal`` out of PutKeyPolicy unless bypassed),
        :class:`NotFoundException`, :class:`KMSInvalidStateException` (pending deletion)."""
        from kmskit.keystore import _keys

        with self._operation(
            "PutKeyPolicy",
            KeyId=key_id,
            PolicyName=policy_name,
            BypassPolicyLockoutSafetyCheck=bypass_policy_lockout_safety_check,
            Policy=policy,
        ) as op:
            self._policy_name(policy_name)
            row = self._resolve(op, key_id)
            _keys.require_not_pending_deletion(row, self.config)
            self._apply_key_policy(
                op, row, policy, bypass=bypass_policy_lockout_safety_check, principal=principal
            )

    def _apply_key_policy(
        self, op: Operation, row: KeyRow, policy: str, *, bypass: bool, principal: str | None
    ) -> None:
        """Validate ``policy``, run the lockout check, store it, in ``op``'s transaction.
        CreateKey with ``Policy`` calls this once the key row exists (the wiring step)."""
        from kmskit.keystore import grants_store
        from kmskit.keystore.policy_defaults import check_lockout
        from kmskit.keystore.policy_document import parse_key_policy

        parsed = parse_key_policy(policy)
        check_lockout(
            parsed,
            self._key_facts(row),
            self._caller(principal),
            home_account=self.config.account_id,
            iam=self._iam(),
            bypass=bool(bypass),
        )
        grants_store.write_key_policy(op.db, row.key_id, policy, op.now_ms)

    def get_key_policy(self, key_id: str, *, policy_name: str | None = None) -> KeyPolicyResult:
        """The key's policy document as put, or the default one."""
        from kmskit.keystore.results_authorization import KeyPolicyResult

        with self._operation("GetKeyPolicy", KeyId=key_id, PolicyName=policy_name) as op:
            self._policy_name(policy_name)
            row = self._resolve(op, key_id)
            return KeyPolicyResult(self._policy_document(row.key_id))

    def list_key_policies(
        self, key_id: str, *, limit: int | None = None, marker: str | None = None
    ) -> KeyPolicyNames:
        """``["default"]``: KMS keys have exactly one policy."""
        from kmskit.keystore.results_authorization import KeyPolicyNames

        with self._operation("ListKeyPolicies", KeyId=key_id, Limit=limit, Marker=marker) as op:
            if limit is not None and (isinstance(limit, bool) or not 1 <= limit <= 1000):
                raise ValidationException("Limit must be an integer from 1 to 1000")
            if marker is not None and (not isinstance(marker, str) or len(marker) > 1024):
                raise ValidationException("the marker is not valid for this list")
            self._resolve(op, key_id)
            return KeyPolicyNames()

    def key_policy(self, key_id: str) -> KeyPolicy:
        """The key's parsed policy (for callers that evaluate requests themselves)."""
        from kmskit.keystore import _keys
        from kmskit.keystore._db import read_transaction

        conn = self._connection()
        with read_transaction(conn):
            row = _keys.resolve_key(conn, self.config, key_id)
            return _parsed_policy(self._policy_document(row.key_id))

    @contextmanager
    def authorizing(self, operation: str, request: Mapping[str, Any]) -> Iterator[None]:
        """Check the caller (:meth:`as_caller`'s principal, else the account root) may make
        ``operation`` (its KMS name) with ``request`` (parameters by their AWS names) before
        the keystore call in the block runs: the check runs first in that operation's
        transaction, its decisions go into the operation's audit record, and a refusal is
        ``AccessDeniedException``, audited like any failure.

        The operation table (``kmskit kms``, ``kmskit serve``) and the keystore keyring run
        every call in one of these. Raises :class:`KeystoreError` when the block ran no
        operation of that name (a table row that calls the wrong method: a bug, refused
        rather than left unchecked once more)."""
        from kmskit.offline.errors import KeystoreError

        def check(op: Operation) -> None:
            try:
                op.authorization = self._authorize_operation(op, operation, request)
            except NotFoundException:
                # A key (or alias) the check names does not exist: let the operation
                # report its own errors first (a ValidationException before the
                # NotFoundException, as KMS orders them); it fails or, should it get this
                # far, the check runs then and must allow it.
                op.deferred_check = functools.partial(check_now, op)

        def check_now(op: Operation) -> None:
            op.authorization = self._authorize_operation(op, operation, request)

        pending = (operation, check)
        self._pending_check = pending
        try:
            yield
        finally:
            unused = self._pending_check is pending
            self._pending_check = None
        if unused:
            raise KeystoreError(f"{operation} ran no {operation} operation to authorize")

    def _authorize_operation(
        self, op: Operation, operation: str, request: Mapping[str, Any]
    ) -> list[dict[str, str]] | None:
        """:meth:`authorize` in ``op``'s transaction, with the key a Decrypt or ReEncrypt
        request leaves to its ciphertext; the audit record's decisions (None for
        RetireGrant, which the grant decides). Raises :class:`NotFoundException` when a key
        to check is not there (a ciphertext that names no key of this home included)."""
        from kmskit.keystore import _keys
        from kmskit.keystore.policy_context import authorization_checks

        conn = op.db  # begins the operation's write transaction: the check reads in it
        if operation == "RetireGrant":
            # Who may retire a grant is the grant's to say, not the key policy's (KMS API
            # Reference, RetireGrant): retire_grant decides and audits it in the operation.
            return None
        keys: dict[str, str] = {}
        same: bool | None = None
        if operation in ("Decrypt", "ReEncrypt"):
            field = "KeyId" if operation == "Decrypt" else "SourceKeyId"
            source = request.get(field)
            if source is None:
                source = self._ciphertext_key_arn(op, request.get("CiphertextBlob"))
                if source is None:  # the check is deferred: the operation refuses it first
                    raise NotFoundException("the ciphertext names no key of this keystore")
                keys[field] = source
            if operation == "ReEncrypt" and isinstance(source, str):
                destination = request.get("DestinationKeyId")
                if isinstance(destination, str):
                    same = (
                        _keys.resolve_key(conn, self.config, source).key_id
                        == _keys.resolve_key(conn, self.config, destination).key_id
                    )
        checks = authorization_checks(operation)
        try:
            decisions = self.authorize(
                operation,
                request,
                principal=self._principal,
                keys=keys,
                reencrypt_on_same_key=same,
            )
        except AccessDeniedException as exc:
            exc.audit_fields = [
                {"Action": check.action, **fields}
                for check, fields in zip(checks, exc.audit_fields or [], strict=False)
            ]
            # the refusal's record names the key, as the operation's own record would
            first = checks[0].key_field if checks else None
            identifier = None if first is None else keys.get(first, request.get(first))
            if isinstance(identifier, str) and op.key_arn is None:
                row = _keys.resolve_key(conn, self.config, identifier)
                op.key_arn = self.config.key_arn(row.key_id)
            raise
        return [
            {"Action": check.action, **decision.audit_fields()}
            for check, decision in zip(checks, decisions, strict=True)
        ]

    def _ciphertext_key_arn(self, op: Operation, blob: object) -> str | None:
        """The ARN of the key a local ciphertext blob names, or None if it names none here
        (not a blob of this keystore: the operation refuses it itself)."""
        from kmskit.keystore import _keys
        from kmskit.keystore.blob import parse_blob

        if not isinstance(blob, bytes | bytearray):
            return None
        try:
            parsed = parse_blob(bytes(blob))
        except InvalidCiphertextException:
            return None
        if _keys.load_key(op.db, str(parsed.key_id)) is None:
            return None
        return self.config.key_arn(str(parsed.key_id))

    def authorize(
        self,
        operation: str,
        request: Mapping[str, Any],
        *,
        principal: str | None = None,
        keys: Mapping[str, str] | None = None,
        reencrypt_on_same_key: bool | None = None,
    ) -> tuple[Decision, ...]:
        """Decide every check ``operation`` needs; raise :class:`AccessDeniedException` (AWS's
        message shape) at the first refusal, else return the decisions for the audit record.

        ``request`` holds the operation's parameters by their AWS names. ``keys`` names the
        key of a check when the request does not (``{"KeyId": <arn>}`` for a Decrypt whose
        key is in the ciphertext, ``{"AliasName": <arn>}`` for the key an alias points at
        now). ``GrantTokens`` in the request must name live grants
        (:class:`InvalidGrantTokenException`); every live grant of the key counts, since
        local grants take effect at once.

        Called inside an operation (``self._operation(...)``, whose write transaction may
        have begun), it reads in that transaction; otherwise in a read snapshot of its own.
        """
        from kmskit.keystore import _keys, grants_store
        from kmskit.keystore._db import read_transaction
        from kmskit.keystore.grants import validate_grant_tokens
        from kmskit.keystore.policy_context import authorization_checks, request_context
        from kmskit.keystore.policy_evaluation import evaluate, require_allowed

        caller = self._caller(principal)
        tokens = validate_grant_tokens(request.get("GrantTokens"))
        conn = self._connection()
        decisions: list[Decision] = []
        with nullcontext() if conn.in_transaction else read_transaction(conn):
            grants_store.check_grant_tokens(conn, tokens)
            for check in authorization_checks(operation):
                key = policy = None
                grants: list[Any] = []
                if check.key_field is not None:
                    identifier = (keys or {}).get(check.key_field, request.get(check.key_field))
                    if not isinstance(identifier, str):
                        raise ValidationException(f"{operation} needs {check.key_field}")
                    row = _keys.resolve_key(conn, self.config, identifier)
                    key = self._key_facts(row)
                    policy = _parsed_policy(self._policy_document(row.key_id))
                    grants = grants_store.grants_for_key(conn, row.key_id, key.arn)
                context = request_context(
                    operation,
                    request,
                    key=key,
                    principal=caller,
                    home_account=self.config.account_id,
                    action=check.action,
                    reencrypt_on_same_key=reencrypt_on_same_key,
                )
                decision = evaluate(policy, context, grants=grants, iam=self._iam())
                decisions.append(decision)
                try:
                    require_allowed(decision, context)
                except AccessDeniedException as exc:
                    exc.audit_fields = [d.audit_fields() for d in decisions]
                    raise
        return tuple(decisions)
