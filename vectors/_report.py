"""The result of ``check``: per-case problems for kmskit and, separately, for the oracle."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kmskit.offline.errors import VectorCheckFailed

__all__ = ["CaseProblem", "CheckReport", "OracleSummary", "VectorCheckFailed"]


@dataclass(frozen=True)
class CaseProblem:
    """One test whose answer differs from its ``result``.

    ``got`` is one of ``accepted`` (an invalid case passed), ``rejected`` (a valid case
    failed), ``wrong output`` (a valid decryption or derivation returned other bytes) and
    ``crashed`` (the implementation failed with an unexpected exception).
    """

    tc_id: int
    comment: str
    flags: tuple[str, ...]
    expected: str
    got: str
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "tcId": self.tc_id,
            "comment": self.comment,
            "flags": list(self.flags),
            "expected": self.expected,
            "got": self.got,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class OracleSummary:
    """How an independent implementation judged the cases it can express.

    ``known_leniencies`` are invalid cases the oracle accepts for a reason documented in the
    oracle module and docs/vectors.md (they are listed, never hidden, but do not fail the
    check); ``disagreements`` are everything else that differs from ``result``.
    """

    name: str
    checked: int
    agreed: int
    skipped: int
    skip_reasons: tuple[tuple[str, int], ...]
    disagreements: tuple[CaseProblem, ...]
    known_leniencies: tuple[tuple[CaseProblem, str], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "checked": self.checked,
            "agreed": self.agreed,
            "skipped": self.skipped,
            "skipReasons": {reason: n for reason, n in self.skip_reasons},
            "disagreements": [p.to_json() for p in self.disagreements],
            "knownLeniencies": [
                {**p.to_json(), "reason": reason} for p, reason in self.known_leniencies
            ],
        }


@dataclass(frozen=True)
class CheckReport:
    """kmskit's answers to every case of one file, and the oracle's if one was asked for."""

    kind: str
    algorithm: str
    total: int
    passed: int
    failures: tuple[CaseProblem, ...]
    oracle: OracleSummary | None = None

    @property
    def ok(self) -> bool:
        """True when kmskit matched every case and the oracle disagreed on none."""
        return not self.failures and (self.oracle is None or not self.oracle.disagreements)

    def summary(self) -> str:
        """One line: how many cases kmskit and the oracle got wrong."""
        disagree = len(self.oracle.disagreements) if self.oracle is not None else 0
        return (
            f"{len(self.failures)} of {self.total} {self.kind} cases mismatch in kmskit,"
            f" {disagree} oracle disagreement(s)"
        )

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "kind": self.kind,
            "algorithm": self.algorithm,
            "total": self.total,
            "passed": self.passed,
            "failed": len(self.failures),
            "failures": [p.to_json() for p in self.failures],
            "ok": self.ok,
        }
        if self.oracle is not None:
            doc["oracle"] = self.oracle.to_json()
        return doc
