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

import os as _os
import signal as _signal
import sys as _sys


def _exit_on_early_interrupt(signum: int, frame: object) -> None:
    _os.write(2, b"Interrupted.\n")
    _os._exit(130)


# The ``kmskit`` command imports this package first. Ctrl-C during the imports that follow
# (click, the CLI: the first ~100 ms) would print a KeyboardInterrupt traceback; the console
# script and ``python -m kmskit`` exit quietly with 130 instead, until cli.main.run() takes
# over. A program importing the library keeps its own SIGINT handling.
_MAIN_FILE = str(getattr(_sys.modules.get("__main__"), "__file__", None) or "")
if _os.path.basename(_MAIN_FILE) == "kmskit" or _MAIN_FILE.endswith(
    _os.path.join("kmskit", "__main__.py")
):
    _signal.signal(_signal.SIGINT, _exit_on_early_interrupt)

import importlib  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

if TYPE_CHECKING:
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

__version__: str


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        return version("kmskit")
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'kmskit' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
