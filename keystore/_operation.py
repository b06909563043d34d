"""Running one keystore operation: its transaction, its audit record, and cleanup on failure.

A successful operation commits its changes and its ``Success`` record together. A failed one
is rolled back, any plaintext it produced is wiped, and its failure is recorded in a
transaction of its own (docs/keystore.md#audit-log).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from kmskit.keystore._db import begin_immediate, commit, rollback, transaction
from kmskit.keystore._time import Clock, now, to_ms
from kmskit.keystore._wipe import wipe
from kmskit.keystore.audit import append_record, format_time
from kmskit.offline.errors import KeystoreError, KmskitError, ValidationException

__all__ = ["SUCCESS", "Operation", "record", "run"]

SUCCESS = "Success"
# What the audit log says for a failure that is not a kmskit error (a bug).
_INTERNAL = "KMSInternalException"


class Operation:
    """One operation in flight: its time, what its audit record will say, and the
    connection, whose write transaction starts on first use of :attr:`db`."""

    def __init__(self, conn: sqlite3.Connection, when: datetime, params: dict[str, Any]) -> None:
        self._conn = conn
        self.now = when
        self.now_ms = to_ms(when)
        self.params = params
        self.key_arn: str | None = None
        self.context: dict[str, str] | None = None
        self.principal: str | None = None  # who called (the server's SigV4 principal)
        # the authorization decisions (Decision.audit_fields() with the action), once made
        self.authorization: list[dict[str, str]] | None = None
        # a check that could not run first (its key is not found) and must hold before the
        # operation may succeed: the operation's own errors come first, as on AWS
        self.deferred_check: Callable[[], None] | None = None
        # plaintext to wipe if the operation fails after making it (for example on commit)
        self.secrets: list[bytearray] = []
        self.begun = False  # whether this operation's write transaction (or savepoint) began

    @property
    def db(self) -> sqlite3.Connection:
        if not self.begun:
            begin_immediate(self._conn)
            self.begun = True
        return self._conn


@contextmanager
def run(
    conn: sqlite3.Connection,
    clock: Clock,
    name: str,
    params: dict[str, Any],
    *,
    principal: str | None = None,
    authorize: Callable[[Operation], None] | None = None,
) -> Iterator[Operation]:
    """Run the body as operation ``name`` (its KMS name), audited with the non-secret
    ``params`` and the calling ``principal``. Re-raises whatever the body raises, after
    recording it.

    ``authorize`` (the operation table's check, :meth:`Keystore.authorizing`) runs first,
    in the operation's transaction; it fills ``op.authorization`` or raises, and a refusal
    is recorded as any failure is (with the decision that refused it)."""
    op = Operation(conn, now(clock), params)
    op.principal = principal
    try:
        _check_text(params)
        if authorize is not None:
            authorize(op)
        yield op
        if op.deferred_check is not None:
            op.deferred_check()  # raises unless allowed: fail closed, never unchecked
        record(op.db, op, name, SUCCESS, None)
        op.begun = False  # commit ends it either way: it rolls back itself on failure
        commit(conn)
    except Exception as exc:
        _abort(conn, op)
        if isinstance(exc, KmskitError):
            outcome, message = exc.code, str(exc)
            refused = getattr(exc, "audit_fields", None)
            if isinstance(refused, list):  # AccessDeniedException: what refused it
                op.authorization = [*(op.authorization or []), *refused]
        elif isinstance(exc, sqlite3.DatabaseError):  # a damaged or read-only database
            outcome, message = "KeystoreError", type(exc).__name__
        else:  # a bug: record that it failed, but not what it said
            outcome, message = _INTERNAL, type(exc).__name__
        try:
            with transaction(conn):
                record(conn, op, name, outcome, message)
        except (KeystoreError, sqlite3.Error):
            pass  # the store cannot be written; the original error says more
        if isinstance(exc, sqlite3.DatabaseError):
            raise KeystoreError(f"the keystore database cannot be used: {exc}") from None
        raise
    except BaseException:
        _abort(conn, op)
        raise


def _abort(conn: sqlite3.Connection, op: Operation) -> None:
    for secret in op.secrets:
        wipe(secret)
    if op.begun:
        op.begun = False
        rollback(conn)


def _check_text(value: Any, where: str = "") -> None:
    """Raise ValidationException for a string that is not Unicode text: a command-line
    argument that was not UTF-8 arrives with lone surrogates (PEP 383) and could be neither
    stored nor compared. Checked inside the operation, so the refusal is audited."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationException(f"{where or 'a parameter'} is not valid UTF-8") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, where or str(key))
            _check_text(item, where or str(key))
    elif isinstance(value, list | tuple):
        for item in value:
            _check_text(item, where)


def _printable(value: Any) -> Any:
    """``value`` with undecodable bytes shown as ``\\xNN`` (so the audit record can say
    what was refused)."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    if isinstance(value, dict):
        return {_printable(k): _printable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_printable(v) for v in value]
    return value


def record(
    conn: sqlite3.Connection, op: Operation, name: str, outcome: str, message: str | None
) -> None:
    """Append the audit record of ``op``; the caller holds the write transaction."""
    append_record(
        conn,
        time=format_time(op.now),
        operation=name,
        key_arn=op.key_arn,
        encryption_context=_printable(op.context),
        outcome=outcome,
        parameters=_printable(json.loads(json.dumps(op.params, default=str))),
        error_message=None if message is None else _printable(message),
        principal=op.principal,
        authorization=op.authorization,
    )
