"""Reading blob arguments and writing outputs safely, the way every kmskit verb does.

A blob argument is a path, ``fileb://path`` (as ``aws kms`` spells it), or ``-`` for stdin.
Outputs follow :mod:`kmskit.offline.output_file` (no partial file, no temporary left, never a
device replaced, an existing file only with ``--overwrite``); every path read through here is
remembered so that no output of the same command replaces it (DESIGN.md, "I/O rules").
``kmskit kms`` reads its values the AWS CLI way instead (:func:`load_paramfile`:
``file://`` text, ``fileb://`` bytes, else the word itself).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import BinaryIO

import click

from kmskit.cli._blob_words import MAX_BLOB, blob_path


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
    value = blob_path(value)
    if value == "-":
        _claim_stdin(what)
        return stdin_buffer()
    _record_input(value)
    try:
        return open(value, "rb")
    except OSError as exc:
        raise click.BadParameter(f"cannot read {value}: {exc.strerror}", param_hint=what) from None


def load_paramfile(value: str, hint: str) -> str | bytes:
    """``file://PATH`` → text, ``fileb://PATH`` → bytes, anything else unchanged."""
    for prefix, binary in (("fileb://", True), ("file://", False)):
        if value.startswith(prefix):
            path = os.path.expandvars(os.path.expanduser(value[len(prefix) :]))
            _record_input(path)
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
    value = blob_path(value)
    try:
        if value == "-":
            _claim_stdin(what)
            data = stdin_buffer().read(MAX_BLOB + 1)
        else:
            _record_input(value)
            with open(value, "rb") as fh:
                data = fh.read(MAX_BLOB + 1)
    except OSError as exc:
        raise click.BadParameter(f"cannot read {value}: {exc.strerror}", param_hint=what) from None
    if len(data) > MAX_BLOB:
        raise click.BadParameter(
            f"{value} is larger than {MAX_BLOB} bytes, far beyond any KMS input", param_hint=what
        )
    return data


def inputs_read() -> list[str]:
    """The paths this command has read so far (an output must never replace one of them)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return []
    return list(ctx.find_root().meta.get("kmskit.inputs", ()))


def _record_input(path: str) -> None:
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.find_root().meta.setdefault("kmskit.inputs", []).append(path)


def stdin_buffer() -> BinaryIO:
    """Standard input as bytes; a closed stdin (``<&-``) is a usage error, not a crash."""
    if sys.stdin is None:
        raise click.UsageError("standard input is closed; give a file instead of -")
    return sys.stdin.buffer


def stdout_buffer() -> BinaryIO:
    if sys.stdout is None:
        raise click.UsageError("standard output is closed; give a file with -o/--out")
    return sys.stdout.buffer


def check_output_path(path: str, *, overwrite: bool, inputs: Iterable[str | None] = ()) -> None:
    """Refuse, before any work is done, an output that could not or should not be written
    (:func:`kmskit.offline.output_file.check_output`)."""
    # Imported here: read-only verbs (verify, describe-key) never pay for the output machinery.
    from kmskit.offline.output_file import check_output

    check_output(path, overwrite=overwrite, inputs=[*inputs, *inputs_read()])


def write_output(path: str, data: bytes, *, overwrite: bool, secret: bool = False) -> None:
    """Write ``data`` to ``path`` (``-`` is stdout) under the output rules of
    :mod:`kmskit.offline.output_file`, never over a file this command read.

    ``secret`` outputs (plaintext, shared secrets, private keys) are created mode 0600.
    """
    if path == "-":
        out = stdout_buffer()
        out.write(data)
        out.flush()
        return
    from kmskit.offline.output_file import write_output as library_write_output

    library_write_output(path, data, overwrite=overwrite, secret=secret, inputs=inputs_read())
