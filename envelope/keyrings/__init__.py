"""Keyrings: what wraps a message's data key into an encrypted data key, and back.

The protocol is :class:`~envelope.keyrings.base.Keyring` (``wrap``/``unwrap``, with
``KeyringMismatch`` meaning "not mine"). Implementations, one module each: raw AES, RSA
recipient, SM2 recipient, a key of the local keystore, an AWS KMS key, a KMS RSA key's
public key (aws-kms-rsa) (through ``boto3``,
imported only when used), an Alibaba KMS key (through alibabacloud-kms20160120);
:class:`MultiKeyring` combines them.
"""

from __future__ import annotations

from kmskit.envelope.keyrings.aliyun_kms import AliyunKmsKeyring
from kmskit.envelope.keyrings.aws_kms import AwsKmsKeyring
from kmskit.envelope.keyrings.aws_kms_rsa import AwsKmsRsaKeyring
from kmskit.envelope.keyrings.base import EncryptedDataKey, Keyring
from kmskit.envelope.keyrings.keystore import KeystoreKeyring
from kmskit.envelope.keyrings.multi import MultiKeyring
from kmskit.envelope.keyrings.raw_aes import RawAesKeyring
from kmskit.envelope.keyrings.raw_rsa import RsaKeyring
from kmskit.envelope.keyrings.raw_sm2 import Sm2Keyring

__all__ = [
    "AliyunKmsKeyring",
    "AwsKmsKeyring",
    "AwsKmsRsaKeyring",
    "EncryptedDataKey",
    "Keyring",
    "KeystoreKeyring",
    "MultiKeyring",
    "RawAesKeyring",
    "RsaKeyring",
    "Sm2Keyring",
]
