"""Write a generated vector directory (a tree: relative path → bytes) in one step.

The tree is written into a fresh sibling directory, then renamed into place, so a failure
never leaves half a set behind; the staging directory is removed on SIGTERM, SIGHUP and
exit too (:func:`kmskit.offline.output_file.remove_on_exit`). Replacing an existing
directory needs ``overwrite`` and is refused unless that directory is empty or is itself a
vector directory (holds ``manifest.json``): an overwrite replaces the whole directory.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from kmskit.offline.errors import ValidationException
from kmskit.offline.output_file import keep, remove_on_exit

__all__ = ["check_tree_target", "write_tree"]

_MARKER = "manifest.json"


def check_tree_target(directory: str | os.PathLike[str], *, overwrite: bool) -> None:
    """Raise ValidationException unless ``directory`` may receive a tree."""
    target = Path(directory)
    if not target.parent.is_dir():
        raise ValidationException(f"directory {target.parent} does not exist")
    if not target.exists():
        return
    if not target.is_dir():
        raise ValidationException(f"{target} exists and is not a directory")
    if not any(target.iterdir()):
        return
    if not overwrite:
        raise ValidationException(f"{target} is not empty; pass --overwrite to replace it")
    if not (target / _MARKER).is_file():
        raise ValidationException(
            f"{target} holds no {_MARKER}: refusing to replace a directory that is not a"
            " vector directory"
        )


def _safe(rel: str) -> PurePosixPath:
    path = PurePosixPath(rel)
    if path.is_absolute() or not path.parts or ".." in path.parts:
        raise ValueError(f"unsafe path in a vector tree: {rel!r}")
    return path


def write_tree(
    tree: Mapping[str, bytes], directory: str | os.PathLike[str], *, overwrite: bool = False
) -> None:
    """Write ``tree`` as ``directory`` (created, or replaced when ``overwrite``).

    Raises ValidationException when the target may not be written (see
    :func:`check_tree_target`), OSError when the file system fails.
    """
    check_tree_target(directory, overwrite=overwrite)
    target = Path(directory)
    token = secrets.token_hex(4)
    staging = target.parent / f".{target.name}.tmp-{token}"
    remove_on_exit(staging)  # SIGTERM, SIGHUP or exit before the rename: no leftover
    staging.mkdir()
    try:
        for rel, data in sorted(tree.items()):
            path = staging / _safe(rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        if target.exists():
            old = target.parent / f".{target.name}.old-{token}"
            target.rename(old)
            staging.rename(target)
            keep(staging)
            shutil.rmtree(old)
        else:
            staging.rename(target)
            keep(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        keep(staging)
        raise
