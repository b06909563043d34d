"""The registry of vector kinds: name → the module whose ``FAMILIES`` define it.

Modules are imported on first use, so listing the kinds (for ``--help``) loads nothing
heavy. The ``envelope`` kind is reserved: its format is being written separately and plugs
in here as one more entry (its manifest is a directory, not one JSON document, so it will
also bring its own writer; see docs/vectors.md#envelope-manifest).
"""

from __future__ import annotations

import importlib
from typing import Final

from offline.errors import ValidationException
from vectors._family import Family

__all__ = ["KINDS", "RESERVED", "family"]

_MODULES: Final = {
    "sm2-sign": "vectors.sm2_sign",
    "sm2-encrypt": "vectors.sm2_encrypt",
    "sm2-ecdh": "vectors.sm2_ecdh",
    "ecdsa": "vectors.ecdsa",
    "rsa-pss": "vectors.rsa",
    "rsa-pkcs1": "vectors.rsa",
    "rsa-oaep": "vectors.rsa",
    "ecdh": "vectors.ecdh",
}
KINDS: Final = tuple(_MODULES)
RESERVED: Final = ("envelope",)


def family(kind: str) -> Family:
    """Return the family for ``kind``; raises ValidationException for an unknown kind."""
    if kind in RESERVED:
        raise ValidationException(f"vector kind {kind!r} is not available yet")
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
