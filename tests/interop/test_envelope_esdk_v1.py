"""Format version 1, the raw RSA paddings and the commitment policy, against the ESDK.

The ESDK (Python 4.x) writes version 1 messages under ``FORBID_ENCRYPT_ALLOW_DECRYPT`` with
each of its nine non-committing suites, framed and non-framed, signed and unsigned; kmskit
must decrypt every one under ``REQUIRE_ENCRYPT_ALLOW_DECRYPT`` (and ``FORBID_…``), refuse it
under the default policy naming the flag, and show its header in ``inspect``. The raw RSA
keyring is checked both ways with every padding the ESDK's ``RawMasterKey`` has: OAEP with
SHA-1, SHA-256, SHA-384 and SHA-512, and PKCS #1 v1.5 (kmskit wraps with it only when
legacy padding is allowed).
"""

from __future__ import annotations

import io
import os
from typing import Any

import aws_encryption_sdk
import pytest
from aws_encryption_sdk import CommitmentPolicy as EsdkPolicy
from aws_encryption_sdk.identifiers import Algorithm, EncryptionKeyType, WrappingAlgorithm
from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
from aws_encryption_sdk.key_providers.raw import RawMasterKey

from kmskit.envelope import decrypt, encrypt, inspect
from kmskit.envelope.keyrings import RsaKeyring
from kmskit.envelope.suites import CommitmentPolicy
from kmskit.offline.errors import (
    InvalidCiphertextException,
    UnsupportedMessageError,
    ValidationException,
)
from kmskit.offline.keys import load_private_key
from tests.envelope._helpers import rsa_private_pem
from tests.interop.test_envelope_esdk import esdk_aes, esdk_decrypt, ours_aes

V1_WRITER = aws_encryption_sdk.EncryptionSDKClient(
    commitment_policy=EsdkPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT
)
V1_SUITES = [0x0014, 0x0046, 0x0078, 0x0114, 0x0146, 0x0178, 0x0214, 0x0346, 0x0378]
SIGNED = {0x0214, 0x0346, 0x0378}
DATA = os.urandom(5000)
CONTEXT = {"purpose": "v1 interop", "ünï": "cödé"}
ALLOW = CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT
RSA_WRAPPING = {
    "RSAES_OAEP_SHA_1": WrappingAlgorithm.RSA_OAEP_SHA1_MGF1,
    "RSAES_OAEP_SHA_256": WrappingAlgorithm.RSA_OAEP_SHA256_MGF1,
    "RSAES_OAEP_SHA_384": WrappingAlgorithm.RSA_OAEP_SHA384_MGF1,
    "RSAES_OAEP_SHA_512": WrappingAlgorithm.RSA_OAEP_SHA512_MGF1,
    "RSAES_PKCS1_V1_5": WrappingAlgorithm.RSA_PKCS1,
}


def _v1_message(suite_id: int, frame_length: int, data: bytes = DATA) -> bytes:
    ciphertext, header = V1_WRITER.encrypt(
        source=data,
        key_provider=esdk_aes(32),
        encryption_context=CONTEXT,
        algorithm=Algorithm.get_by_id(suite_id),
        frame_length=frame_length,
    )
    assert header.version.value == 1
    return bytes(ciphertext)


@pytest.mark.parametrize("frame_length", [0, 512, 4096], ids=["non-framed", "f512", "f4096"])
@pytest.mark.parametrize("suite_id", V1_SUITES, ids=[f"{s:04x}" for s in V1_SUITES])
def test_esdk_v1_decrypts_under_the_flag(suite_id: int, frame_length: int) -> None:
    message = _v1_message(suite_id, frame_length)
    for policy in (ALLOW, "FORBID_ENCRYPT_ALLOW_DECRYPT"):
        plaintext, info = decrypt(message, keyrings=ours_aes(32), commitment_policy=policy)
        assert plaintext == DATA
    header = info.header
    assert header.format_version == 1
    assert header.suite_id == suite_id
    assert header.framed is (frame_length != 0)
    assert ("aws-crypto-public-key" in header.encryption_context) is (suite_id in SIGNED)
    assert {k: v for k, v in header.encryption_context.items() if k in CONTEXT} == CONTEXT
    assert inspect(io.BytesIO(message)) == header
    assert inspect(io.BytesIO(message)).as_dict()["MessageFormatVersion"] == 1
    with pytest.raises(
        UnsupportedMessageError, match="--commitment-policy REQUIRE_ENCRYPT_ALLOW_DECRYPT"
    ):
        decrypt(message, keyrings=ours_aes(32))


@pytest.mark.parametrize("size", [0, 1, 512, 1024])
def test_esdk_v1_sizes_around_the_frame(size: int) -> None:
    for suite_id in (0x0014, 0x0378):
        message = _v1_message(suite_id, 512, DATA[:size])
        assert decrypt(message, keyrings=ours_aes(32), commitment_policy=ALLOW)[0] == DATA[:size]


def test_tampered_v1_fails_like_v2() -> None:
    from kmskit.offline.errors import MessageSignatureError, PayloadAuthenticationError

    message = bytearray(_v1_message(0x0378, 512))
    message[-120] ^= 1  # in the final frame's ciphertext or the footer: either must fail
    with pytest.raises((PayloadAuthenticationError, MessageSignatureError)):
        decrypt(bytes(message), keyrings=ours_aes(32), commitment_policy=ALLOW)


def test_v2_non_framed_from_the_esdk() -> None:
    client = aws_encryption_sdk.EncryptionSDKClient(
        commitment_policy=EsdkPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT
    )
    for suite in (
        Algorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
        Algorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
    ):
        ciphertext, _ = client.encrypt(
            source=DATA, key_provider=esdk_aes(16), algorithm=suite, frame_length=0
        )
        plaintext, info = decrypt(bytes(ciphertext), keyrings=ours_aes(16))
        assert plaintext == DATA
        assert not info.header.framed


def _esdk_rsa(padding: str, *, private: bool) -> RawMasterKey:
    pem = rsa_private_pem()
    if private:
        wrapping = WrappingKey(RSA_WRAPPING[padding], pem, EncryptionKeyType.PRIVATE)
    else:
        public = load_private_key(pem).public_key().spki_pem().encode()
        wrapping = WrappingKey(RSA_WRAPPING[padding], public, EncryptionKeyType.PUBLIC)
    return RawMasterKey(provider_id="esdk-rsa", key_id=b"rsa-key", wrapping_key=wrapping)


def _ours_rsa(padding: str, *, private: bool, **kw: Any) -> RsaKeyring:
    pem = rsa_private_pem()
    if private:
        return RsaKeyring("esdk-rsa", "rsa-key", private_key=pem, algorithm=padding, **kw)
    public = load_private_key(pem).public_key().spki_der()
    return RsaKeyring("esdk-rsa", "rsa-key", public_key=public, algorithm=padding, **kw)


@pytest.mark.parametrize("padding", list(RSA_WRAPPING))
def test_raw_rsa_paddings_both_ways(padding: str) -> None:
    client = aws_encryption_sdk.EncryptionSDKClient(
        commitment_policy=EsdkPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT
    )
    ciphertext, _ = client.encrypt(
        source=DATA, key_provider=_esdk_rsa(padding, private=False), encryption_context=CONTEXT
    )
    assert decrypt(bytes(ciphertext), keyrings=_ours_rsa(padding, private=True))[0] == DATA
    legacy = padding == "RSAES_PKCS1_V1_5"
    if legacy:
        with pytest.raises(ValidationException, match="decrypt-only"):
            encrypt(DATA, keyrings=_ours_rsa(padding, private=False))
    ours = encrypt(
        DATA,
        keyrings=_ours_rsa(padding, private=False, allow_legacy_padding=legacy),
        encryption_context=CONTEXT,
    )
    assert esdk_decrypt(ours, _esdk_rsa(padding, private=True))[0] == DATA
    # Another padding on the same key does not open the EDK.
    other = "RSAES_OAEP_SHA_512" if padding != "RSAES_OAEP_SHA_512" else "RSAES_OAEP_SHA_1"
    with pytest.raises(InvalidCiphertextException, match=f"does not decrypt with {other}"):
        decrypt(ours, keyrings=_ours_rsa(other, private=True))
