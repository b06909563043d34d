"""kmskit's offline layer: everything that works with no KMS at all.

Key-spec and algorithm tables (:mod:`offline.specs`), key loading in every format a KMS
hands out, sign/verify, encrypt/decrypt and ECDH with KMS algorithm names and KMS refusal
rules. SM2 lives in :mod:`offline.sm2`. This package imports nothing from the other layers.

Names are resolved lazily (PEP 562), so importing :mod:`offline.specs` or
:mod:`offline.errors` does not load ``cryptography``; that keeps ``kmskit --help`` fast.
"""

from __future__ import annotations

from kmskit.offline._lazy_names import lazy_names

# Not ``from typing import TYPE_CHECKING``: typing costs start-up (see kmskit/__init__.py), and
# mypy treats any name TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from kmskit.offline.agreement import derive_shared_secret
    from kmskit.offline.encryption import decrypt, encrypt
    from kmskit.offline.errors import (
        InvalidCiphertextException,
        InvalidKeyUsageException,
        KeyFormatError,
        KMSInvalidSignatureException,
        KmskitError,
        UnsupportedKeySpecError,
        ValidationException,
    )
    from kmskit.offline.keys import (
        PrivateKey,
        PublicKey,
        generate_private_key,
        load_private_key,
        load_public_key,
    )
    from kmskit.offline.signing import sign, verify
    from kmskit.offline.specs import (
        EncryptionAlgorithm,
        KeyAgreementAlgorithm,
        KeySpec,
        KeyUsage,
        MessageType,
        SigningAlgorithm,
    )

_HOMES = {
    "derive_shared_secret": "agreement",
    "decrypt": "encryption",
    "encrypt": "encryption",
    "InvalidCiphertextException": "errors",
    "InvalidKeyUsageException": "errors",
    "KeyFormatError": "errors",
    "KmskitError": "errors",
    "KMSInvalidSignatureException": "errors",
    "UnsupportedKeySpecError": "errors",
    "ValidationException": "errors",
    "PrivateKey": "keys",
    "PublicKey": "keys",
    "generate_private_key": "keys",
    "load_private_key": "keys",
    "load_public_key": "keys",
    "sign": "signing",
    "verify": "signing",
    "EncryptionAlgorithm": "specs",
    "KeyAgreementAlgorithm": "specs",
    "KeySpec": "specs",
    "KeyUsage": "specs",
    "MessageType": "specs",
    "SigningAlgorithm": "specs",
}

__all__ = [
    "EncryptionAlgorithm",
    "InvalidCiphertextException",
    "InvalidKeyUsageException",
    "KMSInvalidSignatureException",
    "KeyAgreementAlgorithm",
    "KeyFormatError",
    "KeySpec",
    "KeyUsage",
    "KmskitError",
    "MessageType",
    "PrivateKey",
    "PublicKey",
    "SigningAlgorithm",
    "UnsupportedKeySpecError",
    "ValidationException",
    "decrypt",
    "derive_shared_secret",
    "encrypt",
    "generate_private_key",
    "load_private_key",
    "load_public_key",
    "sign",
    "verify",
]


__getattr__ = lazy_names(__name__, _HOMES)
