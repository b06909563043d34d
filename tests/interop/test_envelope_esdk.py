"""kmskit envelope messages against ``aws-encryption-sdk`` (Python, 4.x) as a peer.

Both directions, for the raw AES keyring (16/24/32-byte keys) and the raw RSA keyring
(RSAES-OAEP with SHA-256 and SHA-1), with and without the ECDSA P-384 signature (0x0578),
with and without an encryption context, framed (several frame lengths, empty input, exact
multiples) and the ESDK's non-framed messages, and messages with several EDKs.

The ESDK 4.x raw keyrings (``RawAESKeyring``/``RawRSAKeyring``) need the separate
``aws-cryptographic-material-providers`` library, which is not installed; the peer is the
ESDK's own ``RawMasterKey``, which writes and reads the same EDK layouts.
"""

from __future__ import annotations

import io
import os
from typing import Any

import aws_encryption_sdk
import pytest
from aws_encryption_sdk import CommitmentPolicy
from aws_encryption_sdk.identifiers import Algorithm, EncryptionKeyType, WrappingAlgorithm
from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
from aws_encryption_sdk.key_providers.raw import RawMasterKey, RawMasterKeyProvider

from kmskit.envelope import decrypt, decrypt_stream, encrypt, inspect
from kmskit.envelope.keyrings import RawAesKeyring, RsaKeyring
from kmskit.offline.keys import load_private_key
from tests.envelope._helpers import rsa_private_pem

CLIENT = aws_encryption_sdk.EncryptionSDKClient(
    commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT
)
SUITES = {
    "AES_256_GCM_HKDF_SHA512_COMMIT_KEY": Algorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
    "AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384": (
        Algorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384
    ),
}
CONTEXTS = [{}, {"purpose": "interop", "ünïcode key": "välue", "z": ""}]
AES_WRAPPING = {
    16: WrappingAlgorithm.AES_128_GCM_IV12_TAG16_NO_PADDING,
    24: WrappingAlgorithm.AES_192_GCM_IV12_TAG16_NO_PADDING,
    32: WrappingAlgorithm.AES_256_GCM_IV12_TAG16_NO_PADDING,
}
RSA_WRAPPING = {
    "RSAES_OAEP_SHA_256": WrappingAlgorithm.RSA_OAEP_SHA256_MGF1,
    "RSAES_OAEP_SHA_1": WrappingAlgorithm.RSA_OAEP_SHA1_MGF1,
}
DATA = os.urandom(10_000)


def esdk_aes(size: int, namespace: str = "esdk-ns", name: str = "aes-key") -> RawMasterKey:
    key = bytes(range(size))
    wrapping = WrappingKey(AES_WRAPPING[size], key, EncryptionKeyType.SYMMETRIC)
    return RawMasterKey(provider_id=namespace, key_id=name.encode(), wrapping_key=wrapping)


def ours_aes(size: int, namespace: str = "esdk-ns", name: str = "aes-key") -> RawAesKeyring:
    return RawAesKeyring(namespace, name, bytes(range(size)))


def esdk_rsa(algorithm: str, *, private: bool = True) -> RawMasterKey:
    pem = rsa_private_pem()
    if private:
        wrapping = WrappingKey(RSA_WRAPPING[algorithm], pem, EncryptionKeyType.PRIVATE)
    else:
        public = load_private_key(pem).public_key().spki_pem().encode()
        wrapping = WrappingKey(RSA_WRAPPING[algorithm], public, EncryptionKeyType.PUBLIC)
    return RawMasterKey(provider_id="esdk-rsa", key_id=b"rsa-key", wrapping_key=wrapping)


def ours_rsa(algorithm: str, *, private: bool = True) -> RsaKeyring:
    pem = rsa_private_pem()
    if private:
        return RsaKeyring("esdk-rsa", "rsa-key", private_key=pem, algorithm=algorithm)
    public = load_private_key(pem).public_key().spki_der()
    return RsaKeyring("esdk-rsa", "rsa-key", public_key=public, algorithm=algorithm)


def esdk_encrypt(data: bytes, key: Any, suite: str, context: dict[str, str], **kw: Any) -> bytes:
    ciphertext, _ = CLIENT.encrypt(
        source=data, key_provider=key, encryption_context=context, algorithm=SUITES[suite], **kw
    )
    return bytes(ciphertext)


def esdk_decrypt(message: bytes, key: Any) -> tuple[bytes, Any]:
    plaintext, header = CLIENT.decrypt(source=message, key_provider=key)
    return bytes(plaintext), header


def _without_public_key(context: Any) -> dict[str, str]:
    return {k: v for k, v in dict(context).items() if k != "aws-crypto-public-key"}


@pytest.mark.parametrize("size", [16, 24, 32])
@pytest.mark.parametrize("suite", list(SUITES))
@pytest.mark.parametrize("context", CONTEXTS, ids=["no-context", "context"])
def test_raw_aes_esdk_to_kmskit(size: int, suite: str, context: dict[str, str]) -> None:
    message = esdk_encrypt(DATA, esdk_aes(size), suite, context)
    plaintext, info = decrypt(message, keyrings=ours_aes(size), required_context=context)
    assert plaintext == DATA
    assert info.header.algorithm.value == suite
    assert _without_public_key(info.header.encryption_context) == context


@pytest.mark.parametrize("size", [16, 24, 32])
@pytest.mark.parametrize("suite", list(SUITES))
@pytest.mark.parametrize("context", CONTEXTS, ids=["no-context", "context"])
def test_raw_aes_kmskit_to_esdk(size: int, suite: str, context: dict[str, str]) -> None:
    message = encrypt(DATA, keyrings=ours_aes(size), encryption_context=context, algorithm=suite)
    plaintext, header = esdk_decrypt(message, esdk_aes(size))
    assert plaintext == DATA
    assert header.algorithm == SUITES[suite]
    assert _without_public_key(header.encryption_context) == context


@pytest.mark.parametrize("algorithm", list(RSA_WRAPPING))
@pytest.mark.parametrize("suite", list(SUITES))
@pytest.mark.parametrize("context", CONTEXTS, ids=["no-context", "context"])
def test_raw_rsa_both_directions(algorithm: str, suite: str, context: dict[str, str]) -> None:
    # ESDK encrypts to the public key only; kmskit decrypts with the private key.
    message = esdk_encrypt(DATA, esdk_rsa(algorithm, private=False), suite, context)
    assert decrypt(message, keyrings=ours_rsa(algorithm))[0] == DATA
    # kmskit encrypts to the public key only; the ESDK decrypts with the private key.
    ours = encrypt(
        DATA,
        keyrings=ours_rsa(algorithm, private=False),
        encryption_context=context,
        algorithm=suite,
    )
    plaintext, header = esdk_decrypt(ours, esdk_rsa(algorithm))
    assert plaintext == DATA
    assert _without_public_key(header.encryption_context) == context


# The ESDK writes frame lengths that are multiples of 128 (0 = non-framed).
@pytest.mark.parametrize("frame_length", [0, 128, 4096, 10_240, 65536])
@pytest.mark.parametrize("size", [0, 1, 4096, 10_000])
def test_esdk_frame_lengths_and_non_framed(frame_length: int, size: int) -> None:
    data = DATA[:size]
    suite = "AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384"
    message = esdk_encrypt(
        data, esdk_aes(32), suite, {"f": str(frame_length)}, frame_length=frame_length
    )
    info = inspect(io.BytesIO(message))
    assert info.framed is (frame_length != 0)
    assert decrypt(message, keyrings=ours_aes(32))[0] == data
    if frame_length:
        ours = encrypt(data, keyrings=ours_aes(32), frame_length=frame_length, algorithm=suite)
        assert esdk_decrypt(ours, esdk_aes(32))[0] == data


@pytest.mark.parametrize("frame_length", [1, 100, 4097])
def test_esdk_reads_our_odd_frame_lengths(frame_length: int) -> None:
    ours = encrypt(DATA[:5000], keyrings=ours_aes(32), frame_length=frame_length)
    assert esdk_decrypt(ours, esdk_aes(32))[0] == DATA[:5000]


class _Several(RawMasterKeyProvider):  # type: ignore[misc]
    """An ESDK provider whose members are other master keys (encrypt to all of them)."""

    provider_id = "esdk-several"

    def _get_raw_key(self, key_id: bytes) -> Any:
        raise KeyError(key_id)


def _several(*members: RawMasterKey) -> _Several:
    provider = _Several()
    for member in members:
        provider.add_master_key_provider(member)
    return provider


def test_several_edks_both_ways() -> None:
    esdk_keys = _several(esdk_aes(32), esdk_rsa("RSAES_OAEP_SHA_256"))
    message = esdk_encrypt(DATA, esdk_keys, "AES_256_GCM_HKDF_SHA512_COMMIT_KEY", {"a": "b"})
    info = inspect(io.BytesIO(message))
    names = [(e.provider_id, e.key_name) for e in info.encrypted_data_keys]
    assert sorted(names) == [("esdk-ns", "aes-key"), ("esdk-rsa", "rsa-key")]
    assert decrypt(message, keyrings=ours_aes(32))[0] == DATA
    assert decrypt(message, keyrings=ours_rsa("RSAES_OAEP_SHA_256"))[0] == DATA

    ours = encrypt(DATA, keyrings=[ours_aes(16), ours_rsa("RSAES_OAEP_SHA_1", private=False)])
    assert esdk_decrypt(ours, esdk_aes(16))[0] == DATA
    assert esdk_decrypt(ours, esdk_rsa("RSAES_OAEP_SHA_1"))[0] == DATA


def test_large_message_streams_both_ways() -> None:
    data = os.urandom(3 << 20)
    suite = "AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384"
    message = esdk_encrypt(data, esdk_aes(32), suite, {})
    out = io.BytesIO()
    decrypt_stream(io.BytesIO(message), out, keyrings=ours_aes(32))
    assert out.getvalue() == data
    ours = encrypt(data, keyrings=ours_aes(32), algorithm=suite)
    with CLIENT.stream(mode="d", source=io.BytesIO(ours), key_provider=esdk_aes(32)) as stream:
        assert b"".join(stream) == data


def test_esdk_refuses_what_does_not_match_and_so_do_we() -> None:
    from aws_encryption_sdk.exceptions import DecryptKeyError

    from kmskit.offline.errors import NoMatchingKeyringError

    message = encrypt(DATA, keyrings=ours_aes(32, name="other-key"))
    with pytest.raises(DecryptKeyError):
        esdk_decrypt(message, esdk_aes(32))
    esdk_message = esdk_encrypt(DATA, esdk_aes(32), "AES_256_GCM_HKDF_SHA512_COMMIT_KEY", {})
    with pytest.raises(NoMatchingKeyringError):
        decrypt(esdk_message, keyrings=ours_aes(32, name="other-key"))


@pytest.mark.parametrize("suite", list(SUITES))
def test_esdk_non_framed_tampering_releases_nothing(suite: str) -> None:
    from kmskit.offline.errors import KmskitError

    message = esdk_encrypt(DATA[:3000], esdk_aes(32), suite, {}, frame_length=0)
    body_at = inspect(io.BytesIO(message)).header_length
    for at in (body_at + 3, body_at + 12 + 8 + 100, len(message) - 20, len(message) - 1):
        tampered = bytearray(message)
        tampered[at] ^= 0x04
        out = io.BytesIO()
        with pytest.raises(KmskitError):
            decrypt_stream(io.BytesIO(bytes(tampered)), out, keyrings=ours_aes(32))
        assert out.getvalue() == b""
    for cut in (body_at + 5, body_at + 500, len(message) - 1):
        out = io.BytesIO()
        with pytest.raises(KmskitError):
            decrypt_stream(io.BytesIO(message[:cut]), out, keyrings=ours_aes(32))
        assert out.getvalue() == b""
