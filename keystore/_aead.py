"""GCM with the cipher of a symmetric key spec: AES-256 for SYMMETRIC_DEFAULT, AES-128 for
AES_128 (the key is 16 bytes), SM4 for SM4.

Decryption writes into a bytearray (``update_into``), so the plaintext exists only in memory
the caller can wipe, and is released only after the tag has verified.
"""

from __future__ import annotations

from typing import cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from kmskit.keystore._wipe import wipe
from kmskit.keystore.blob import TAG_LENGTH
from kmskit.offline.errors import InvalidCiphertextException
from kmskit.offline.specs import KeySpec

__all__ = ["gcm_decrypt", "gcm_encrypt"]

# update_into needs room for one block beyond the input (AES and SM4 blocks are 16 bytes).
_SLACK = 15


def _algorithm(spec: KeySpec, key: bytes | bytearray) -> algorithms.AES | algorithms.SM4:
    if spec is KeySpec.SYMMETRIC_DEFAULT or spec is KeySpec.AES_128:
        return algorithms.AES(key)  # the material's length (32 or 16 bytes) picks AES-256/128
    if spec is KeySpec.SM4:
        return algorithms.SM4(cast(bytes, key))  # accepts any bytes-like, as AES does
    raise ValueError(f"{spec} is not a symmetric encryption key spec")


def gcm_encrypt(
    spec: KeySpec, key: bytes | bytearray, iv: bytes, plaintext: bytes | bytearray, aad: bytes
) -> bytes:
    """``ciphertext ‖ tag`` (16-byte tag)."""
    encryptor = Cipher(_algorithm(spec, key), modes.GCM(iv)).encryptor()
    encryptor.authenticate_additional_data(aad)
    out = encryptor.update(plaintext) + encryptor.finalize()
    return out + encryptor.tag


def gcm_decrypt(
    spec: KeySpec, key: bytes | bytearray, iv: bytes, ciphertext_and_tag: bytes, aad: bytes
) -> bytearray:
    """The plaintext, as a bytearray the caller wipes.

    Raises :class:`InvalidCiphertextException` if the tag does not verify (wrong key,
    wrong context, altered bytes).
    """
    if len(ciphertext_and_tag) < TAG_LENGTH:
        raise InvalidCiphertextException("the ciphertext is truncated")
    ciphertext = ciphertext_and_tag[:-TAG_LENGTH]
    tag = ciphertext_and_tag[-TAG_LENGTH:]
    decryptor = Cipher(_algorithm(spec, key), modes.GCM(iv, tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    buf = bytearray(len(ciphertext) + _SLACK)
    length = decryptor.update_into(ciphertext, buf)
    try:
        decryptor.finalize()
    except InvalidTag:
        wipe(buf)
        raise InvalidCiphertextException(
            "the ciphertext does not authenticate (wrong key, altered bytes or another "
            "encryption context)"
        ) from None
    del buf[length:]
    return buf
