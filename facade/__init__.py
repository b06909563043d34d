"""kmskit: offline, KMS-compatible envelope encryption and public-key operations.

This is the library's front door: the few names most programs need. Everything else lives in
the layers below, each importable on its own:

- :mod:`kmskit.offline`: key loading (KMS ``GetPublicKey`` JSON, PEM, DER, certificates),
  sign/verify, encrypt/decrypt and ECDH with KMS algorithm names; SM2 in
  :mod:`kmskit.offline.sm2`.
- :mod:`kmskit.keystore`: the local KMS on embedded SQLite.
- :mod:`kmskit.envelope`: the envelope message format, keyrings and streaming files.
- :mod:`kmskit.vectors`: test-vector generation and checking.

Examples are in docs/library.md, and the test suite runs every one of them.

Names resolve lazily (PEP 562): ``import kmskit`` loads neither ``cryptography`` nor SQLite,
so the ``kmskit`` command, whose modules live under this package, starts fast.
"""

from __future__ import annotations

import importlib

# The one place the version is written: pyproject.toml reads it (dynamic version), and the
# ``kmskit --version`` fast path prints it without importlib.metadata.
__version__ = "0.1.0"

# Not ``from typing import TYPE_CHECKING``: typing alone costs more start-up than the whole
# ``kmskit --help`` fast path, and mypy treats any name TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from kmskit.envelope import (
        AwsKmsKeyring,
        KeystoreKeyring,
        RawAesKeyring,
        RsaKeyring,
        Sm2Keyring,
        decrypt,
        decrypt_stream,
        encrypt,
        encrypt_stream,
        inspect,
    )
    from kmskit.keystore import Keystore, init_home, open_keystore
    from kmskit.offline import load_private_key, load_public_key, sign, verify
    from kmskit.offline.errors import (
        EnvelopeError,
        InvalidCiphertextException,
        KMSInvalidSignatureException,
        KmskitError,
    )

# name -> the module that defines it; imported on first use.
_HOMES = {
    "load_public_key": "kmskit.offline",
    "load_private_key": "kmskit.offline",
    "sign": "kmskit.offline",
    "verify": "kmskit.offline",
    "encrypt": "kmskit.envelope",
    "decrypt": "kmskit.envelope",
    "encrypt_stream": "kmskit.envelope",
    "decrypt_stream": "kmskit.envelope",
    "inspect": "kmskit.envelope",
    "AwsKmsKeyring": "kmskit.envelope",
    "KeystoreKeyring": "kmskit.envelope",
    "RawAesKeyring": "kmskit.envelope",
    "RsaKeyring": "kmskit.envelope",
    "Sm2Keyring": "kmskit.envelope",
    "Keystore": "kmskit.keystore",
    "init_home": "kmskit.keystore",
    "open_keystore": "kmskit.keystore",
    "KmskitError": "kmskit.offline.errors",
    "EnvelopeError": "kmskit.offline.errors",
    "InvalidCiphertextException": "kmskit.offline.errors",
    "KMSInvalidSignatureException": "kmskit.offline.errors",
}

__all__ = [
    "AwsKmsKeyring",
    "EnvelopeError",
    "InvalidCiphertextException",
    "KMSInvalidSignatureException",
    "Keystore",
    "KeystoreKeyring",
    "KmskitError",
    "RawAesKeyring",
    "RsaKeyring",
    "Sm2Keyring",
    "__version__",
    "decrypt",
    "decrypt_stream",
    "encrypt",
    "encrypt_stream",
    "init_home",
    "inspect",
    "load_private_key",
    "load_public_key",
    "open_keystore",
    "sign",
    "verify",
]



def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'kmskit' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
