"""The GrantOperation values of the AWS KMS API, in one place.

Its own small module: the grant code (:mod:`kmskit.keystore.grants`) checks grants against it,
and the operation table (:mod:`kmskit.keystore.api_authorization`) offers it as the choices of
``create-grant --operations``; importing the grant code for that would load it for every
``kmskit kms --help``.
"""

from __future__ import annotations

GRANT_OPERATIONS: tuple[str, ...] = (
    "Decrypt",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
    "ReEncryptFrom",
    "ReEncryptTo",
    "Sign",
    "Verify",
    "GetPublicKey",
    "CreateGrant",
    "RetireGrant",
    "DescribeKey",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "GenerateMac",
    "VerifyMac",
    "DeriveSharedSecret",
)
