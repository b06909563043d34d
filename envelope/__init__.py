"""kmskit's envelope layer: data keys, keyrings and the envelope message format.

Messages are the AWS Encryption SDK message format version 2, byte for byte, plus the GM
suites 0x4D04/0x4D05 (docs/format.md). :func:`encrypt_stream` and :func:`decrypt_stream`
work on file objects in constant memory; :func:`encrypt` and :func:`decrypt` on bytes;
:func:`inspect` reads a header without any key; :func:`rewrap_stream` and :func:`rewrap`
replace a message's encrypted data keys without touching its body. Keyrings wrap the data
key: raw AES, RSA and SM2 recipients, a local-keystore key, an AWS KMS key, several at once.

Names are resolved lazily (PEP 562), so importing :mod:`envelope` stays cheap for the CLI.
"""

from __future__ import annotations

from kmskit.offline._lazy_names import lazy_names

# Not ``from typing import TYPE_CHECKING``: typing costs start-up (see kmskit/__init__.py), and
# mypy treats any name TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from kmskit.envelope.decryption import decrypt, decrypt_stream
    from kmskit.envelope.encryption import encrypt, encrypt_stream
    from kmskit.envelope.info import EdkInfo, HeaderInfo, MessageInfo, inspect
    from kmskit.envelope.keyrings import (
        AwsKmsKeyring,
        AwsKmsRsaKeyring,
        EncryptedDataKey,
        Keyring,
        KeystoreKeyring,
        MultiKeyring,
        RawAesKeyring,
        RsaKeyring,
        Sm2Keyring,
    )
    from kmskit.envelope.rewrapping import rewrap, rewrap_stream
    from kmskit.envelope.suites import CommitmentPolicy, EnvelopeAlgorithm

_HOMES = {
    "decrypt": "decryption",
    "decrypt_stream": "decryption",
    "encrypt": "encryption",
    "encrypt_stream": "encryption",
    "EdkInfo": "info",
    "HeaderInfo": "info",
    "MessageInfo": "info",
    "inspect": "info",
    "AwsKmsKeyring": "keyrings",
    "AwsKmsRsaKeyring": "keyrings",
    "EncryptedDataKey": "keyrings",
    "Keyring": "keyrings",
    "KeystoreKeyring": "keyrings",
    "MultiKeyring": "keyrings",
    "RawAesKeyring": "keyrings",
    "RsaKeyring": "keyrings",
    "Sm2Keyring": "keyrings",
    "rewrap": "rewrapping",
    "rewrap_stream": "rewrapping",
    "EnvelopeAlgorithm": "suites",
    "CommitmentPolicy": "suites",
}

__all__ = [
    "AwsKmsKeyring",
    "AwsKmsRsaKeyring",
    "CommitmentPolicy",
    "EdkInfo",
    "EncryptedDataKey",
    "EnvelopeAlgorithm",
    "HeaderInfo",
    "Keyring",
    "KeystoreKeyring",
    "MessageInfo",
    "MultiKeyring",
    "RawAesKeyring",
    "RsaKeyring",
    "Sm2Keyring",
    "decrypt",
    "decrypt_stream",
    "encrypt",
    "encrypt_stream",
    "inspect",
    "rewrap",
    "rewrap_stream",
]


__getattr__ = lazy_names(__name__, _HOMES)
