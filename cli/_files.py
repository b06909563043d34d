"""Reading blob arguments and writing outputs safely, the way every kmskit verb does.

A blob argument is a path, ``fileb://path`` (as ``aws kms`` spells it), or ``-`` for stdin.
Outputs go to a temporary file in the same directory, are fsynced and then renamed, so a
failure never leaves a partial file, and an existing file is only replaced with ``--force``
(DESIGN.md, "I/O rules").
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

# KMS operations take at most a few KiB; refuse to slurp something enormous by mistake.
MAX_BLOB = 1 << 20


def read_blob(value: str, what: str) -> bytes:
    """Read a blob argument. Raises click.BadParameter with one clear line on failure."""
    for prefix in ("fileb://", "file://"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
            break
    try:
        if value == "-":
            data = sys.stdin.buffer.read(MAX_BLOB + 1)
        else:
            with open(value, "rb") as fh:
                data = fh.read(MAX_BLOB + 1)
    except OSError as exc:
        raise click.BadParameter(f"cannot read {value}: {exc.strerror}", param_hint=what) from None
    if len(data) > MAX_BLOB:
        raise click.BadParameter(
            f"{value} is larger than {MAX_BLOB} bytes, far beyond any KMS input", param_hint=what
        )
    return data


def write_output(path: str, data: bytes, *, force: bool, secret: bool = False) -> None:
    """Write ``data`` to ``path`` atomically (``-`` is stdout).

    ``secret`` outputs (plaintext, shared secrets, private keys) are created mode 0600.
    """
    if path == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    target = Path(path)
    if target.exists() and not force:
        raise click.UsageError(f"{path} exists; pass --force to replace it")
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise click.UsageError(f"directory {directory} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        if not secret:
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
