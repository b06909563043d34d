"""The symmetric cryptography of a message: key derivation, commitment, header tag, frames.

docs/format.md#key-derivation: one HKDF extract with salt = message id over the data key,
then two expands — info = suite id ‖ "DERIVEKEY" for the body key and info = "COMMITKEY"
for the 32-byte commit key. The hash is the suite's (SHA-512, or SM3 for the GM suites).

Frame ciphers write into caller-owned buffers (``AESGCM.encrypt_into``/``decrypt_into``), so
a gigabyte stream allocates nothing per frame. Their ``open_into`` may leave unauthenticated
bytes in the output buffer when the tag fails; callers never release that buffer and wipe
it.
"""

from __future__ import annotations

import hmac
from typing import Final, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hmac as pyca_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF, HKDFExpand

from kmskit.envelope.suites import BodyCipher, SuiteProfile
from kmskit.offline.errors import (
    HeaderAuthenticationError,
    KeyCommitmentError,
    PayloadAuthenticationError,
)
from kmskit.offline.hashing import pyca_hash

__all__ = [
    "COMMIT_LABEL",
    "DERIVE_LABEL",
    "FrameCipher",
    "StreamOpener",
    "check_commitment",
    "derive_keys",
    "frame_cipher",
]

# framework/algorithm-suites.md (transitive requirements), "HKDF Encryption Key"/"Commit Key"
DERIVE_LABEL: Final = b"DERIVEKEY"
COMMIT_LABEL: Final = b"COMMITKEY"
SLACK: Final = 16  # extra room callers leave after any output region (SM4's update_into)


def derive_keys(
    suite: SuiteProfile, data_key: bytes | bytearray, message_id: bytes
) -> tuple[bytes, bytes]:
    """Return (body key, commit key) for ``data_key`` under ``message_id``.

    Raises ValueError when the data key has the wrong length for the suite.
    """
    if len(data_key) != suite.data_key_length:
        raise ValueError("the data key has the wrong length for the algorithm suite")
    if not suite.committing:
        return _derive_legacy(suite, data_key, message_id), b""
    extract = pyca_hmac.HMAC(message_id, pyca_hash(suite.kdf_hash))
    extract.update(bytes(data_key))
    prk = extract.finalize()
    body_key = HKDFExpand(
        pyca_hash(suite.kdf_hash), suite.data_key_length, suite.id_bytes + DERIVE_LABEL
    ).derive(prk)
    commit_key = HKDFExpand(
        pyca_hash(suite.kdf_hash), suite.commit_key_length, COMMIT_LABEL
    ).derive(prk)
    return body_key, commit_key


def _derive_legacy(suite: SuiteProfile, data_key: bytes | bytearray, message_id: bytes) -> bytes:
    """The body key of a format version 1 suite (framework/algorithm-suites.md): the data
    key itself for the NO_KDF suites, else HKDF with no salt (zeros), the data key as input
    and info = suite id ‖ message id (16 bytes). No commit key exists."""
    if suite.identity_kdf:
        return bytes(data_key)
    return HKDF(
        pyca_hash(suite.kdf_hash),
        suite.data_key_length,
        salt=None,
        info=suite.id_bytes + message_id,
    ).derive(bytes(data_key))


def check_commitment(expected: bytes, derived: bytes) -> None:
    """Compare the header's commit key with the derived one in constant time."""
    if not hmac.compare_digest(expected, derived):
        raise KeyCommitmentError(
            "the data key does not match the message's key commitment (invalid commitment)"
        )


class StreamOpener(Protocol):
    """Incremental GCM decryption for the non-framed body (cryptography's CipherContext)."""

    def update_into(self, data: bytes | memoryview, buf: bytearray | memoryview, /) -> int: ...
    def finalize_with_tag(self, tag: bytes, /) -> bytes: ...


class FrameCipher:
    """GCM with the body key: header tag, frames, and the non-framed opener."""

    __slots__ = ("_aes", "_cipher", "_key", "_tag_length", "_zero_iv")

    def __init__(self, suite: SuiteProfile, key: bytes) -> None:
        self._key = key
        self._cipher = suite.cipher
        self._tag_length = suite.tag_length
        self._zero_iv = bytes(suite.iv_length)
        self._aes = AESGCM(key) if suite.cipher is BodyCipher.AES_GCM else None

    def _algorithm(self) -> algorithms.AES | algorithms.SM4:
        if self._cipher is BodyCipher.AES_GCM:
            return algorithms.AES(self._key)
        return algorithms.SM4(self._key)

    def header_tag(self, header_body: bytes, authenticated_context: bytes = b"") -> bytes:
        """GCM over the empty plaintext with the zero IV and AAD = the header body ‖ the
        serialized context that is authenticated but not stored (client-apis/encrypt.md,
        "Header Authentication"; empty without a required encryption context)."""
        aad = header_body + authenticated_context
        if self._aes is not None:
            return self._aes.encrypt(self._zero_iv, b"", aad)
        enc = Cipher(self._algorithm(), modes.GCM(self._zero_iv)).encryptor()
        enc.authenticate_additional_data(aad)
        enc.finalize()
        return enc.tag

    def check_header_tag(
        self,
        header_body: bytes,
        tag: bytes,
        *,
        iv: bytes | None = None,
        authenticated_context: bytes = b"",
    ) -> None:
        """Raise HeaderAuthenticationError unless ``tag`` authenticates ``header_body`` ‖
        ``authenticated_context``. ``iv`` is the header IV of format version 1 (version 2
        uses zeros)."""
        aad = header_body + authenticated_context
        nonce = iv or self._zero_iv
        try:
            if self._aes is not None:
                self._aes.decrypt(nonce, tag, aad)
            else:
                dec = Cipher(self._algorithm(), modes.GCM(nonce, tag)).decryptor()
                dec.authenticate_additional_data(aad)
                dec.finalize()
        except (InvalidTag, ValueError):
            raise HeaderAuthenticationError(
                "the header does not authenticate under the data key (a changed header, or"
                " required encryption context pairs that were not given)"
            ) from None

    def seal_into(self, iv: bytes, plaintext: memoryview, aad: bytearray, out: memoryview) -> None:
        """Write ciphertext ‖ tag into ``out`` (exactly ``len(plaintext) + tag`` bytes)."""
        if self._aes is not None:
            self._aes.encrypt_into(iv, plaintext, aad, out)
            return
        n = len(plaintext)
        enc = Cipher(self._algorithm(), modes.GCM(iv)).encryptor()
        enc.authenticate_additional_data(aad)
        if n:  # out has n + 16 bytes, enough for update_into's n + 15 requirement
            enc.update_into(plaintext, out)
        enc.finalize()
        out[n : n + self._tag_length] = enc.tag

    def open_into(self, iv: bytes, sealed: memoryview, aad: bytearray, out: memoryview) -> None:
        """Decrypt ciphertext ‖ tag into ``out[:len(sealed) - tag]``; ``out`` must have
        :data:`SLACK` spare bytes. Raises PayloadAuthenticationError on a bad tag."""
        n = len(sealed) - self._tag_length
        try:
            if self._aes is not None:
                self._aes.decrypt_into(iv, sealed, aad, out[:n])
                return
            dec = Cipher(self._algorithm(), modes.GCM(iv)).decryptor()
            dec.authenticate_additional_data(aad)
            if n:
                dec.update_into(sealed[:n], out)
            dec.finalize_with_tag(bytes(sealed[n:]))
        except InvalidTag:
            out[:n] = bytes(n)
            raise PayloadAuthenticationError(
                "a frame of the message does not authenticate"
            ) from None

    def stream_opener(self, iv: bytes, aad: bytes) -> StreamOpener:
        """An incremental decryptor for the non-framed body (tag checked at the end)."""
        dec = Cipher(self._algorithm(), modes.GCM(iv)).decryptor()
        dec.authenticate_additional_data(aad)
        return dec


def frame_cipher(suite: SuiteProfile, body_key: bytes) -> FrameCipher:
    """Return the body cipher of ``suite`` keyed with ``body_key``."""
    return FrameCipher(suite, body_key)
