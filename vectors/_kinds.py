"""The registry of vector kinds: name → the module whose ``FAMILIES`` define it.

Modules are imported on first use, so listing the kinds (for ``--help``) loads nothing
heavy. :data:`KINDS` write one Wycheproof-shaped JSON document each; :data:`TREE_KINDS`
write a directory of files (``envelope``: the AWS test-vector framework's manifests,
docs/vectors.md#envelope-manifest-format) through :func:`vectors.generate_tree` and
:func:`vectors.check_tree` instead.
"""

from __future__ import annotations

import importlib
from typing import Final

from kmskit.offline.errors import ValidationException
from kmskit.vectors._family import Family

__all__ = ["ALL_KINDS", "KINDS", "TREE_KINDS", "family"]

_MODULES: Final = {
    "sm2-sign": "kmskit.vectors.sm2_sign",
    "sm2-encrypt": "kmskit.vectors.sm2_encrypt",
    "sm2-ecdh": "kmskit.vectors.sm2_ecdh",
    "ecdsa": "kmskit.vectors.ecdsa",
    "rsa-pss": "kmskit.vectors.rsa",
    "rsa-pkcs1": "kmskit.vectors.rsa",
    "rsa-oaep": "kmskit.vectors.rsa",
    "ecdh": "kmskit.vectors.ecdh",
}
KINDS: Final = tuple(_MODULES)
TREE_KINDS: Final = ("envelope",)
ALL_KINDS: Final = (*KINDS, *TREE_KINDS)


def family(kind: str) -> Family:
    """Return the family for ``kind``; raises ValidationException for an unknown kind."""
    if kind in TREE_KINDS:
        raise ValidationException(
            f"vector kind {kind!r} writes a directory, not one document: use generate_tree"
            " and check_tree"
        )
    module_name = _MODULES.get(kind)
    if module_name is None:
        raise ValidationException(
            f"unknown vector kind {kind!r}; expected one of: {', '.join(KINDS)}"
        )
    module = importlib.import_module(module_name)
    for fam in module.FAMILIES:
        if fam.kind == kind:
            found: Family = fam
            return found
    raise AssertionError(f"{module_name} does not define {kind}")  # pragma: no cover
