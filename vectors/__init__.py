"""kmskit's test-vector layer: deterministic generation and independent checking.

``generate(kind, seed=…, count=…)`` builds a Wycheproof-shaped document for one kind
(``sm2-sign``, ``sm2-encrypt``, ``sm2-ecdh``, ``ecdsa``, ``rsa-pss``, ``rsa-pkcs1``,
``rsa-oaep``, ``ecdh``); the same seed always gives the same bytes through :func:`dumps`.
``check(doc, oracle=…)`` runs every case through kmskit and, optionally, through an
independent implementation (``openssl`` or ``gmssl``). Formats, flags and the DRBG are
specified in docs/vectors.md; the shipped sets live in ``vectors/sets/``.
"""

from __future__ import annotations

from vectors._check import MAX_COUNT, check, generate
from vectors._doc import RESULTS, dumps
from vectors._kinds import KINDS
from vectors._report import CaseProblem, CheckReport, OracleSummary, VectorCheckFailed
from vectors.oracles import ORACLES

__all__ = [
    "KINDS",
    "MAX_COUNT",
    "ORACLES",
    "RESULTS",
    "CaseProblem",
    "CheckReport",
    "OracleSummary",
    "VectorCheckFailed",
    "check",
    "dumps",
    "generate",
]
