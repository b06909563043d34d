"""The master key: made from a key file or a passphrase, checked at open, and used to seal
key material at rest with AES-256-GCM.

spec: docs/keystore.md#master-key-and-sealing
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, hmac

from kmskit.keystore._pyca_sealing import AESGCM_CLASS, HKDF_CLASS
from kmskit.keystore._wipe import wipe
from kmskit.keystore.home import (
    MASTER_KEY_NAME,
    SEALING_KEY_FILE,
    SEALING_PASSPHRASE,
    read_private_file,
    write_private_file,
)
from kmskit.offline.errors import (
    IncorrectPassphraseError,
    KeystoreError,
    PassphraseRequiredError,
    ValidationException,
)

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["MasterKey", "create_master_key", "open_master_key"]

MASTER_KEY_LENGTH = 32
NONCE_LENGTH = 12
TAG_LENGTH = 16
SALT_LENGTH = 16
# scrypt cost for new homes (RFC 7914 §2: N = 2^15, r = 8, p = 1 is ~32 MiB and ~0.1 s).
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
# Bounds on the cost read back from a store, so an altered store cannot make open hang.
_MAX_SCRYPT_MEMORY = 1 << 30

_MATERIAL_AAD_LABEL = b"kmskit-material-v1"
_CHECK_AAD = b"kmskit-check-v1"
_CHECK_PLAINTEXT = b"kmskit master key check value"
# HKDF-SHA256 info strings of the keys derived from the master key (docs/keystore.md).
_TOKEN_KEY_INFO = b"kmskit-import-token-key-v1"
_FINGERPRINT_KEY_INFO = b"kmskit-material-fingerprint-key-v1"

Rng = Callable[[int], bytes]


class MasterKey:
    """Seals and unseals key material, and holds two keys derived from the master key with
    HKDF-SHA256: one authenticates import tokens, one fingerprints imported material. The
    raw key is wiped once the ciphers hold it."""

    def __init__(self, key: bytearray) -> None:
        if len(key) != MASTER_KEY_LENGTH:
            raise KeystoreError("the master key must be 32 bytes")
        self._aead: AESGCM | None = AESGCM_CLASS(key)
        token_key = _derive(key, _TOKEN_KEY_INFO)
        self._token_aead: AESGCM | None = AESGCM_CLASS(token_key)
        wipe(token_key)
        self._fingerprint_key = _derive(key, _FINGERPRINT_KEY_INFO)
        wipe(key)

    def _cipher(self) -> AESGCM:
        if self._aead is None:
            raise KeystoreError("the keystore is closed")
        return self._aead

    def seal(self, key_id: bytes, material_id: int, material: bytes | bytearray, rng: Rng) -> bytes:
        """``nonce ‖ ciphertext ‖ tag`` of ``material``, bound to its key and material ids."""
        nonce = rng(NONCE_LENGTH)
        return nonce + self._cipher().encrypt(nonce, material, _aad(key_id, material_id))

    def unseal(self, key_id: bytes, material_id: int, sealed: bytes) -> bytearray:
        """The material sealed by :meth:`seal` for these ids, as a bytearray to wipe.

        Raises :class:`KeystoreError` if the row does not authenticate (the store was altered
        or the row moved to another key).
        """
        if len(sealed) < NONCE_LENGTH + TAG_LENGTH:
            raise KeystoreError("sealed key material is truncated")
        try:
            plain = self._cipher().decrypt(
                sealed[:NONCE_LENGTH], sealed[NONCE_LENGTH:], _aad(key_id, material_id)
            )
        except InvalidTag:
            raise KeystoreError("sealed key material does not authenticate") from None
        return bytearray(plain)

    def seal_labeled(
        self, label: bytes, binding: bytes, data: bytes | bytearray, rng: Rng
    ) -> bytes:
        """``nonce ‖ ciphertext ‖ tag`` of ``data`` under the master key, with AAD = ``label ‖
        binding``. Labels other than the material label keep other secrets (wrapping keys)
        from ever passing for key material."""
        nonce = rng(NONCE_LENGTH)
        return nonce + self._cipher().encrypt(nonce, data, label + binding)

    def unseal_labeled(self, label: bytes, binding: bytes, sealed: bytes) -> bytearray:
        """The data sealed by :meth:`seal_labeled`. Raises :class:`KeystoreError` if it does
        not authenticate."""
        try:
            plain = self._cipher().decrypt(
                sealed[:NONCE_LENGTH], sealed[NONCE_LENGTH:], label + binding
            )
        except (InvalidTag, ValueError):
            raise KeystoreError("sealed data does not authenticate") from None
        return bytearray(plain)

    def seal_token(self, payload: bytes, aad: bytes, rng: Rng) -> bytes:
        """``nonce ‖ AES-256-GCM(token key, payload, aad)``: opaque and authenticated."""
        nonce = rng(NONCE_LENGTH)
        return nonce + self._token_cipher().encrypt(nonce, payload, aad)

    def open_token(self, token: bytes, aad: bytes) -> bytes | None:
        """The payload of a token made by :meth:`seal_token`, or None if it does not
        authenticate (altered, or made by another keystore)."""
        if len(token) < NONCE_LENGTH + TAG_LENGTH:
            return None
        try:
            return self._token_cipher().decrypt(token[:NONCE_LENGTH], token[NONCE_LENGTH:], aad)
        except InvalidTag:
            return None

    def _token_cipher(self) -> AESGCM:
        if self._token_aead is None:
            raise KeystoreError("the keystore is closed")
        return self._token_aead

    def fingerprint(self, data: bytes | bytearray) -> bytes:
        """HMAC-SHA256 of ``data`` under the fingerprint key: recognises material again
        without keeping it, and reveals nothing about it without the master key."""
        if self._aead is None:
            raise KeystoreError("the keystore is closed")
        mac = hmac.HMAC(self._fingerprint_key, hashes.SHA256())
        mac.update(data)
        return mac.finalize()

    def verify_fingerprint(self, data: bytes | bytearray, tag: bytes) -> bool:
        """Whether ``tag`` is :meth:`fingerprint` of ``data``, compared in constant time
        (cryptography's ``HMAC.verify``)."""
        if self._aead is None:
            raise KeystoreError("the keystore is closed")
        mac = hmac.HMAC(self._fingerprint_key, hashes.SHA256())
        mac.update(data)
        try:
            mac.verify(tag)
        except InvalidSignature:
            return False
        return True

    def check_value(self, rng: Rng) -> bytes:
        """The stored check value: AES-GCM of a fixed string, so a wrong key fails at open."""
        nonce = rng(NONCE_LENGTH)
        return nonce + self._cipher().encrypt(nonce, _CHECK_PLAINTEXT, _CHECK_AAD)

    def verify_check_value(self, check: bytes) -> None:
        """Raises :class:`IncorrectPassphraseError` unless ``check`` was made with this key."""
        try:
            self._cipher().decrypt(check[:NONCE_LENGTH], check[NONCE_LENGTH:], _CHECK_AAD)
        except (InvalidTag, ValueError):
            raise IncorrectPassphraseError(
                "the passphrase or master key file does not open this keystore"
            ) from None

    def close(self) -> None:
        self._aead = None
        self._token_aead = None
        wipe(self._fingerprint_key)


def create_master_key(
    home: str | os.PathLike[str], *, passphrase: str | None, rng: Rng
) -> tuple[MasterKey, dict[str, bytes | int | str]]:
    """Make the master key of a new home, and the meta entries that reopen it.

    Key-file mode writes ``master.key`` (32 random bytes, 0600); passphrase mode stores a
    random scrypt salt. Raises :class:`ValidationException` for an empty passphrase.
    """
    meta: dict[str, bytes | int | str]
    if passphrase is None:
        raw = bytearray(rng(MASTER_KEY_LENGTH))
        write_private_file(os.path.join(home, MASTER_KEY_NAME), raw)
        meta = {"sealing": SEALING_KEY_FILE}
    else:
        if not passphrase:
            raise ValidationException("the passphrase must not be empty")
        salt = rng(SALT_LENGTH)
        raw = _scrypt(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
        meta = {
            "sealing": SEALING_PASSPHRASE,
            "scrypt_salt": salt,
            "scrypt_n": SCRYPT_N,
            "scrypt_r": SCRYPT_R,
            "scrypt_p": SCRYPT_P,
        }
    master = MasterKey(raw)
    meta["check"] = master.check_value(rng)
    return master, meta


def open_master_key(
    home: str | os.PathLike[str], meta: Mapping[str, object], *, passphrase: str | None
) -> MasterKey:
    """Rebuild the master key of an existing home and check it against the check value.

    In key-file mode ``passphrase`` is ignored. Raises :class:`PassphraseRequiredError`
    (passphrase home, none given), :class:`IncorrectPassphraseError` (wrong passphrase or
    key file) and :class:`KeystoreError` (missing key file, damaged meta).
    """
    sealing = meta.get("sealing")
    check = meta.get("check")
    if not isinstance(check, bytes):
        raise KeystoreError("the keystore has no master key check value")
    if sealing == SEALING_KEY_FILE:
        raw = read_private_file(os.path.join(home, MASTER_KEY_NAME), MASTER_KEY_LENGTH)
    elif sealing == SEALING_PASSPHRASE:
        if passphrase is None:
            raise PassphraseRequiredError(
                "this keystore is sealed with a passphrase (set KMSKIT_PASSPHRASE)"
            )
        salt, n, r, p = (meta.get(k) for k in ("scrypt_salt", "scrypt_n", "scrypt_r", "scrypt_p"))
        if not (
            isinstance(salt, bytes)
            and isinstance(n, int)
            and isinstance(r, int)
            and isinstance(p, int)
            and 1 < n
            and n & (n - 1) == 0
            and 0 < r
            and 0 < p <= 16
            and 128 * n * r <= _MAX_SCRYPT_MEMORY
        ):
            raise KeystoreError("the keystore's scrypt parameters are damaged")
        raw = _scrypt(passphrase, salt, n, r, p)
    else:
        raise KeystoreError("the keystore names no known sealing mode")
    master = MasterKey(raw)
    try:
        master.verify_check_value(check)
    except BaseException:
        master.close()
        raise
    return master


def _scrypt(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytearray:
    # NFC, so the same passphrase typed on differently-normalising systems opens the home.
    # Only passphrase homes need scrypt (and unicodedata).
    import unicodedata

    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    secret = bytearray(unicodedata.normalize("NFC", passphrase).encode("utf-8"))
    try:
        return bytearray(Scrypt(salt=salt, length=MASTER_KEY_LENGTH, n=n, r=r, p=p).derive(secret))
    finally:
        wipe(secret)


def _derive(key: bytearray, info: bytes) -> bytearray:
    hkdf = HKDF_CLASS(algorithm=hashes.SHA256(), length=MASTER_KEY_LENGTH, salt=None, info=info)
    return bytearray(hkdf.derive(key))


def _aad(key_id: bytes, material_id: int) -> bytes:
    return _MATERIAL_AAD_LABEL + key_id + struct.pack(">I", material_id)
