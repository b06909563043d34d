"""Reading blob arguments and writing outputs safely, the way every kmskit verb does.

A blob argument is a path, ``fileb://path`` (as ``aws kms`` spells it), or ``-`` for stdin.
Outputs go to a temporary file in the same directory, are fsynced and then renamed, so a
failure never leaves a partial file, and an existing file is only replaced with
``--overwrite`` (DESIGN.md, "I/O rules"). ``kmskit kms`` reads its values the AWS CLI way
instead (:func:`load_paramfile`: ``file://`` text, ``fileb://`` bytes, else the word itself).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import BinaryIO

import click

# KMS operations take at most a few KiB; refuse to slurp something enormous by mistake.
MAX_BLOB = 1 << 20


def _strip_scheme(value: str) -> str:
    for prefix in ("fileb://", "file://"):
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def _claim_stdin(what: str) -> None:
    """Only one argument per command may read stdin; a second would silently get b''."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return
    meta = ctx.find_root().meta
    first = meta.get("kmskit.stdin")
    if first is not None and first != what:
        raise click.UsageError(f"{first} and {what} cannot both read stdin (-)")
    meta["kmskit.stdin"] = what


def open_input(value: str, what: str) -> BinaryIO:
    """Open a blob argument for streaming (no size cap). Raises click.BadParameter."""
    value = _strip_scheme(value)
    if value == "-":
        _claim_stdin(what)
        return sys.stdin.buffer
    try:
        return open(value, "rb")
    except OSError as exc:
        raise click.BadParameter(f"cannot read {value}: {exc.strerror}", param_hint=what) from None


def load_paramfile(value: str, hint: str) -> str | bytes:
    """``file://PATH`` → text, ``fileb://PATH`` → bytes, anything else unchanged."""
    for prefix, binary in (("fileb://", True), ("file://", False)):
        if value.startswith(prefix):
            path = os.path.expandvars(os.path.expanduser(value[len(prefix) :]))
            try:
                with open(path, "rb") as fh:
                    data = fh.read(MAX_BLOB + 1)
            except OSError as exc:
                raise click.BadParameter(
                    f"Unable to load paramfile {value}: {exc.strerror}", param_hint=hint
                ) from None
            if len(data) > MAX_BLOB:
                raise click.BadParameter(f"{path} is larger than {MAX_BLOB} bytes", param_hint=hint)
            if binary:
                return data
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError:
                raise click.BadParameter(
                    f"Unable to load paramfile ({path}), text contents could not be decoded;"
                    " for a binary file use fileb://",
                    param_hint=hint,
                ) from None
    return value


def read_blob(value: str, what: str) -> bytes:
    """Read a blob argument. Raises click.BadParameter with one clear line on failure."""
    value = _strip_scheme(value)
    try:
        if value == "-":
            _claim_stdin(what)
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


def check_output_path(path: str, *, overwrite: bool) -> None:
    """Refuse, before any work is done, an output that could not or should not be written."""
    if path == "-":
        return
    target = Path(path)
    if target.is_dir():
        raise click.UsageError(f"{path} is a directory; name a file")
    if target.exists() and not overwrite:
        raise click.UsageError(f"{path} exists; pass --overwrite to replace it")
    if not target.parent.is_dir():
        raise click.UsageError(f"directory {target.parent} does not exist")


def write_output(path: str, data: bytes, *, overwrite: bool, secret: bool = False) -> None:
    """Write ``data`` to ``path`` atomically (``-`` is stdout).

    ``secret`` outputs (plaintext, shared secrets, private keys) are created mode 0600.
    """
    if path == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    check_output_path(path, overwrite=overwrite)
    target = Path(path)
    directory = target.parent
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
