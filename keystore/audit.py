"""The audit log: one hash-chained record per operation, appended in the operation's
transaction; listing and chain verification.

spec: docs/keystore.md#audit-log
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from kmskit.keystore._db import read_transaction
from kmskit.offline._record import FrozenRecord
from kmskit.offline.errors import KeystoreError

__all__ = ["AuditLog", "AuditRecord", "AuditVerification", "append_record"]

GENESIS_HASH = bytes(32)
_BATCH = 500


# FrozenRecords, not frozen dataclasses: every operation writes a record (start-up;
# kmskit.offline._record).
class AuditRecord(FrozenRecord):
    """One audit record. ``outcome`` is ``"Success"`` or the KMS error code.

    ``parameters`` holds the non-secret request parameters; ``hash`` is the chain hash
    (lowercase hex) stored with the record.
    """

    sequence: int
    time: str
    operation: str
    key_arn: str | None
    encryption_context: Mapping[str, str] | None
    outcome: str
    parameters: Mapping[str, Any]
    error_message: str | None
    hash: str
    principal: str | None = None  # the caller, when one is known (kmskit serve)
    # Authorization decisions, one per check (Action, Decision, DecidingStatement or
    # DecidingGrant; docs/authorization.md), when the operation was authorized.
    authorization: tuple[Mapping[str, str], ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The record as one JSON object (what ``kmskit audit list`` prints per line)."""
        return {**_fields(self), "Hash": self.hash}


class AuditVerification(FrozenRecord):
    """The result of re-computing the chain.

    ``first_bad_sequence`` is the first record whose hash does not follow from the records
    before it (``None`` when ``ok``). ``head_hash`` is the stored hash of the newest record
    (64 zeros for an empty log). The keystore keeps it, with the count, in its audit anchor,
    so a log cut short or a database replaced is reported too (``anchor_problem``).
    """

    ok: bool
    first_bad_sequence: int | None
    head_hash: str
    count: int
    # Why the log does not extend the audit anchor (audit_anchor.py): truncated, or the
    # database deleted or replaced. None when it does.
    anchor_problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "Ok": self.ok,
            "FirstBadSequence": self.first_bad_sequence,
            "HeadHash": self.head_hash,
            "Count": self.count,
        }
        if self.anchor_problem is not None:
            doc["AnchorProblem"] = self.anchor_problem
        return doc


def _fields(record: AuditRecord) -> dict[str, Any]:
    return {
        "Sequence": record.sequence,
        "Time": record.time,
        "Operation": record.operation,
        "KeyArn": record.key_arn,
        "EncryptionContext": (
            dict(record.encryption_context) if record.encryption_context is not None else None
        ),
        "Outcome": record.outcome,
        "Parameters": dict(record.parameters),
        "ErrorMessage": record.error_message,
        # Only when known, so records written before principals existed keep their form.
        **({"Principal": record.principal} if record.principal is not None else {}),
        **(
            {"Authorization": [dict(d) for d in record.authorization]}
            if record.authorization is not None
            else {}
        ),
    }


def _canonical(fields: Mapping[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def _chain(previous: bytes, record_json: bytes) -> bytes:
    # Loaded when a record is written or verified: reading the log (kmskit audit list) needs
    # no cryptography at all.
    from kmskit.keystore._digest import sha256

    return sha256(previous + record_json)


def append_record(
    conn: sqlite3.Connection,
    *,
    time: str,
    operation: str,
    key_arn: str | None,
    encryption_context: Mapping[str, str] | None,
    outcome: str,
    parameters: Mapping[str, Any],
    error_message: str | None = None,
    principal: str | None = None,
    authorization: list[dict[str, str]] | None = None,
) -> int:
    """Append one record; the caller holds a write transaction. Returns its sequence number.

    Callers pass only non-secret values: never plaintext, data keys or key material.
    """
    last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    sequence, previous = (1, GENESIS_HASH) if last is None else (last[0] + 1, bytes(last[1]))
    record = AuditRecord(
        sequence=sequence,
        time=time,
        operation=operation,
        key_arn=key_arn,
        encryption_context=encryption_context,
        outcome=outcome,
        parameters=parameters,
        error_message=error_message,
        hash="",
        principal=principal,
        authorization=None if authorization is None else tuple(authorization),
    )
    record_json = _canonical(_fields(record))
    conn.execute(
        "INSERT INTO audit (seq, record, hash) VALUES (?, ?, ?)",
        (sequence, record_json.decode("utf-8"), _chain(previous, record_json)),
    )
    return sequence


class AuditLog:
    """Reads the audit log of an open keystore."""

    def __init__(
        self, connection: Callable[[], sqlite3.Connection], *, anchor_problem: str | None = None
    ) -> None:
        self._connection = connection
        self._anchor_problem = anchor_problem

    def records(self, *, after: int = 0) -> Iterator[AuditRecord]:
        """Records in sequence order, starting after sequence number ``after``.

        Raises :class:`KeystoreError` on a record that is no longer valid JSON (an edited
        log; :meth:`verify` names it).
        """
        while True:
            rows = (
                self._connection()
                .execute(
                    "SELECT seq, record, hash FROM audit WHERE seq > ? ORDER BY seq LIMIT ?",
                    (after, _BATCH),
                )
                .fetchall()
            )
            if not rows:
                return
            for seq, text, digest in rows:
                yield _parse(seq, text, digest)
                after = seq

    def verify(self) -> AuditVerification:
        """Recompute the chain from the start and report the first record that breaks it.

        Returns a report and does not raise for a broken chain: callers decide (the CLI
        exits 1 naming ``first_bad_sequence``).
        """
        # Only here: every operation loads this module, and hmac loads OpenSSL's hashlib.
        import hmac

        conn = self._connection()
        previous = GENESIS_HASH
        expected_seq = 1
        first_bad: int | None = None
        count = 0
        with read_transaction(conn):
            for seq, text, digest in conn.execute(
                "SELECT seq, record, hash FROM audit ORDER BY seq"
            ):
                count += 1
                stored = digest if isinstance(digest, bytes) else str(digest).encode()
                if first_bad is None:
                    record_json = str(text).encode("utf-8")
                    if seq != expected_seq or not _names_sequence(record_json, seq):
                        first_bad = seq
                    elif not hmac.compare_digest(_chain(previous, record_json), stored):
                        first_bad = seq
                previous = stored
                expected_seq = seq + 1
        head = previous.hex() if count else GENESIS_HASH.hex()
        return AuditVerification(
            ok=first_bad is None and self._anchor_problem is None,
            first_bad_sequence=first_bad,
            head_hash=head,
            count=count,
            anchor_problem=self._anchor_problem,
        )


def _names_sequence(record_json: bytes, seq: int) -> bool:
    try:
        fields = json.loads(record_json)
    except ValueError:
        return False
    return isinstance(fields, dict) and fields.get("Sequence") == seq


def _parse(seq: int, text: object, digest: object) -> AuditRecord:
    try:
        if not isinstance(text, str) or not isinstance(digest, bytes):
            raise TypeError("audit row of the wrong type")
        fields = json.loads(text)
        return AuditRecord(
            sequence=int(fields["Sequence"]),
            time=str(fields["Time"]),
            operation=str(fields["Operation"]),
            key_arn=fields["KeyArn"],
            encryption_context=fields["EncryptionContext"],
            outcome=str(fields["Outcome"]),
            parameters=fields["Parameters"],
            error_message=fields["ErrorMessage"],
            hash=digest.hex(),
            principal=fields.get("Principal"),
            authorization=(
                None
                if fields.get("Authorization") is None
                else tuple(fields["Authorization"])
            ),
        )
    except (ValueError, TypeError, KeyError):
        raise KeystoreError(f"audit record {seq} is damaged (run audit verify)") from None


def format_time(when: datetime) -> str:
    """The ``Time`` field: ISO 8601 UTC with milliseconds."""
    return when.isoformat(timespec="milliseconds")
