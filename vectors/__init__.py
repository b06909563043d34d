"""kmskit's test-vector layer: deterministic generation and independent checking.

``generate(kind, seed=…, count=…)`` builds a Wycheproof-shaped document for one kind
(``sm2-sign``, ``sm2-encrypt``, ``sm2-ecdh``, ``ecdsa``, ``rsa-pss``, ``rsa-pkcs1``,
``rsa-oaep``, ``ecdh``); the same seed always gives the same bytes through :func:`dumps`.
``check(doc, oracle=…)`` runs every case through kmskit and, optionally, through an
independent implementation (``openssl`` or ``gmssl``). The ``envelope`` kind is a directory
in the AWS crypto-tools test-vector format instead: :func:`generate_tree` returns it as
relative path → bytes, :func:`write_tree` writes it, :func:`check_tree` checks it (oracle
``esdk``). Formats, flags and the DRBG are specified in docs/vectors.md; the shipped sets
live in ``vectors/sets/``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from kmskit.offline.errors import ValidationException
from kmskit.vectors._check import MAX_COUNT, check, generate
from kmskit.vectors._doc import RESULTS, dumps
from kmskit.vectors._kinds import ALL_KINDS, KINDS, TREE_KINDS
from kmskit.vectors._report import CaseProblem, CheckReport, OracleSummary, VectorCheckFailed
from kmskit.vectors._tree import write_tree
from kmskit.vectors.oracles import ORACLES

__all__ = [
    "ALL_KINDS",
    "KINDS",
    "MAX_COUNT",
    "ORACLES",
    "RESULTS",
    "TREE_KINDS",
    "CaseProblem",
    "CheckReport",
    "OracleSummary",
    "VectorCheckFailed",
    "check",
    "check_tree",
    "dumps",
    "generate",
    "generate_tree",
    "write_tree",
]


def generate_tree(kind: str, *, seed: str, count: int | None = None) -> dict[str, bytes]:
    """Build the vector directory of a tree kind (``envelope``): relative path -> bytes.

    Deterministic; every case is checked by kmskit first. ``count`` is the number of key
    sets (default 1). Raises ValidationException for a kind that is not a tree kind, a count
    outside [1, 64] or a non-string seed; RuntimeError if kmskit disagrees with a case it
    just generated.
    """
    if kind not in TREE_KINDS:
        raise ValidationException(
            f"unknown directory vector kind {kind!r}; expected one of: {', '.join(TREE_KINDS)}"
        )
    from kmskit.vectors.envelope import generate_tree as generate_envelope

    return generate_envelope(seed=seed, count=count)


def check_tree(
    source: Mapping[str, bytes] | str | os.PathLike[str],
    *,
    oracle: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CheckReport:
    """Check a vector directory (a path, or a tree from :func:`generate_tree`).

    Runs every test through kmskit and, when named, through ``oracle`` (``esdk``). Returns
    the report; raises ValidationException for a malformed directory or an oracle that
    cannot check it or is not installed.
    """
    from kmskit.vectors._envelope_check import check_tree as check_envelope

    return check_envelope(source, oracle=oracle, progress=progress)
