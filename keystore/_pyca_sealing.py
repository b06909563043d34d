"""cryptography's AES-GCM and HKDF for the master key, reached without importing its cipher
modules.

``cryptography.hazmat.primitives.ciphers.aead`` imports the whole ``ciphers`` package on
the way (``ciphers.base``, the modes, the algorithms and the ``decrepit`` ones): about 3 ms
of every ``kmskit kms`` command, since each opens the master key (issue 10). ``AESGCM`` and
``HKDF`` themselves are plain aliases there (``AESGCM = rust_openssl.aead.AESGCM``), so we
take the very same classes from the Rust binding, as :mod:`kmskit.offline._pyca_loaders`
does for the key loaders. Should a future cryptography move them, we fall back to the public
imports; ``tests/keystore/test_pyca_sealing.py`` checks that both are the same objects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["AESGCM_CLASS", "HKDF_CLASS"]


def _binding(family: str, name: str) -> Any:
    try:
        from cryptography.hazmat.bindings._rust import openssl as rust_openssl

        found = getattr(getattr(rust_openssl, family, None), name, None)
    except ImportError:  # pragma: no cover - a cryptography without the Rust binding layout
        found = None
    return found if isinstance(found, type) else None


def _aesgcm() -> type[AESGCM]:
    found: type[AESGCM] | None = _binding("aead", "AESGCM")
    if found is not None:
        return found
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # pragma: no cover

    return AESGCM  # pragma: no cover


def _hkdf() -> type[HKDF]:
    found: type[HKDF] | None = _binding("kdf", "HKDF")
    if found is not None:
        return found
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF  # pragma: no cover

    return HKDF  # pragma: no cover


AESGCM_CLASS = _aesgcm()
HKDF_CLASS = _hkdf()
