"""What a blob argument names, and how much of it a command reads.

A blob argument is a path, ``fileb://path`` (as ``aws kms`` spells it), ``file://path``, or
``-`` for stdin. Free of click, so that the click-free fast path
(:mod:`kmskit.cli.verify_fast_path`) reads blobs by the same rule as
:mod:`kmskit.cli._files`.
"""

from __future__ import annotations

__all__ = ["MAX_BLOB", "blob_path"]

# KMS operations take at most a few KiB; refuse to slurp something enormous by mistake.
MAX_BLOB = 1 << 20


def blob_path(value: str) -> str:
    """The path ``value`` names (``-`` for stdin), without its ``fileb://``/``file://``."""
    for prefix in ("fileb://", "file://"):
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value
