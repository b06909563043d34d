"""Shared pieces of the envelope tests: a static keyring, cached keys, byte sources."""

from __future__ import annotations

import io
from collections.abc import Mapping
from functools import cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kmskit.envelope.keyrings import EncryptedDataKey, RawAesKeyring
from kmskit.offline import sm2
from kmskit.offline.errors import KeyringMismatch

ALL_ALGORITHMS = (
    "AES_256_GCM_HKDF_SHA512_COMMIT_KEY",
    "AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384",
    "SM4_GCM_HKDF_SM3_COMMIT_KEY",
    "SM4_GCM_HKDF_SM3_COMMIT_KEY_SM2",
)


class StaticKeyring:
    """Returns a known data key for every EDK (how the ESDK KATs are decoded): the keyring
    seam used by a keyring that is not ours."""

    def __init__(self, data_key: bytes) -> None:
        self.data_key = data_key

    def wrap(self, data_key: bytes | bytearray, ctx: Mapping[str, str]) -> EncryptedDataKey:
        raise NotImplementedError

    def unwrap(self, edk: EncryptedDataKey, ctx: Mapping[str, str]) -> bytearray:
        return bytearray(self.data_key)


class RefusingKeyring:
    """Never matches."""

    def wrap(self, data_key: bytes | bytearray, ctx: Mapping[str, str]) -> EncryptedDataKey:
        raise NotImplementedError

    def unwrap(self, edk: EncryptedDataKey, ctx: Mapping[str, str]) -> bytearray:
        raise KeyringMismatch("never mine")


AES_KEY = bytes(range(32))


def aes_keyring(name: str = "key-1", key: bytes = AES_KEY) -> RawAesKeyring:
    return RawAesKeyring("kmskit-test", name, key)


@cache
def rsa_private_pem(bits: int = 2048) -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@cache
def sm2_private_key() -> sm2.SM2PrivateKey:
    return sm2.generate_private_key()


class ShortReads(io.RawIOBase):
    """A source that returns at most ``step`` bytes per read, like a pipe."""

    def __init__(self, data: bytes, step: int = 7) -> None:
        self._data = memoryview(data)
        self._pos = 0
        self._step = step

    def readable(self) -> bool:
        return True

    def readinto(self, buf: memoryview) -> int:  # type: ignore[override]
        n = min(len(buf), self._step, len(self._data) - self._pos)
        buf[:n] = self._data[self._pos : self._pos + n]
        self._pos += n
        return n
