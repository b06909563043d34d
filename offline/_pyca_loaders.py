"""cryptography's DER key loaders, reached without importing its serialization package.

``cryptography.hazmat.primitives.serialization`` imports its SSH key support on import, and
that imports ``dataclasses`` (hence ``inspect``, ``ast``, ``dis``) and the cipher modules:
about 35 ms on the reference machine, more than the rest of a ``kmskit offline verify``.
The loaders themselves are plain aliases in ``serialization/base.py``
(``load_der_public_key = rust_openssl.keys.load_der_public_key``), so we take the very same
function objects from the Rust binding. Should a future cryptography move them, we fall back
to the public import; ``tests/offline/test_pyca_loaders.py`` checks that both are the same
objects, so a silent divergence fails the suite.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes

__all__ = ["load_der_private_key", "load_der_public_key"]


def _loader(name: str) -> Callable[..., Any]:
    try:
        from cryptography.hazmat.bindings._rust import openssl as rust_openssl

        found = getattr(rust_openssl.keys, name, None)
    except ImportError:  # pragma: no cover - a cryptography without the Rust binding layout
        found = None
    if callable(found):
        return found  # type: ignore[no-any-return]
    from cryptography.hazmat.primitives import serialization  # pragma: no cover

    return getattr(serialization, name)  # type: ignore[no-any-return]  # pragma: no cover


# The signatures of serialization.load_der_public_key(data) and
# load_der_private_key(data, password, ...).
load_der_public_key: Callable[[bytes], PublicKeyTypes] = _loader("load_der_public_key")
load_der_private_key: Callable[..., PrivateKeyTypes] = _loader("load_der_private_key")
