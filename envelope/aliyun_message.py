"""Encrypt, decrypt and inspect Alibaba Cloud Encryption SDK messages with kmskit keyrings.

The layout is :mod:`envelope.aliyun_format`; this module does the cryptography, exactly as
DefaultEncryptHandler.java / handle/encryption.py do it:

* a fresh data key of the algorithm's length; each keyring wraps it into one EDK;
* header tag = GCM (AES, or SM4 for id 9: AlgorithmHandler.headerGcmEncrypt) under the data
  key over the empty plaintext, with a random 12-byte header IV and AAD = the authenticated
  fields;
* body = one GCM pass under the data key, random 12-byte IV, AAD = the serialized context.

There are no frames, so decrypt cannot release anything before the single body tag has
verified: the whole message and its plaintext are held in memory, up to
``max_message_size`` (default :data:`DEFAULT_MAX_ALIYUN_MESSAGE`, 64 MiB; Alibaba's own SDKs
hold the whole message in memory as well). No plaintext ever touches a spool file.

EDKs map to and from kmskit's (provider id, provider info, ciphertext) triple: an
``aliyun-kms`` EDK is Alibaba's own (key id = the CMK id or ARN, the blob decoded);
every other keyring (the local keystore, raw AES, RSA, SM2 …) is a kmskit extension whose
key id reads ``kmskit:<provider id>:<base64 provider info>``. Alibaba's SDK cannot open
those, and ``inspect`` labels them.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import io
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kmskit.envelope._io import ByteSink, ByteSource, Reader, read_up_to, write_all
from kmskit.envelope.aliyun_format import (
    ALIYUN_SDK_VERSION,
    HEADER_IV_LENGTH,
    TAG_LENGTH,
    AliyunAlgorithm,
    AliyunDataKey,
    AliyunHeader,
    AliyunMessage,
    authenticated_fields,
    encode_message,
    looks_like_aliyun_message,
    parse_message,
    serialize_context,
)
from kmskit.envelope.keyrings.aliyun_kms import ALIYUN_KMS_PROVIDER_ID
from kmskit.envelope.keyrings.base import EncryptedDataKey, Keyring
from kmskit.envelope.keyrings.multi import MultiKeyring
from kmskit.envelope.suites import DEFAULT_MAX_ENCRYPTED_DATA_KEYS
from kmskit.offline.errors import (
    EnvelopeLimitExceeded,
    HeaderAuthenticationError,
    InvalidCiphertextException,
    PayloadAuthenticationError,
    ValidationException,
)

__all__ = [
    "ALIYUN_ALGORITHM_NAMES",
    "ALIYUN_KMS_PROVIDER_ID",
    "DEFAULT_MAX_ALIYUN_MESSAGE",
    "AliyunMessageInfo",
    "PrefixedSource",
    "decrypt_aliyun",
    "decrypt_aliyun_stream",
    "encrypt_aliyun",
    "encrypt_aliyun_stream",
    "from_aliyun_data_key",
    "inspect_aliyun",
    "parse_aliyun_algorithm",
    "sniff_aliyun",
    "to_aliyun_data_key",
]

EXTENSION_PREFIX: Final = "kmskit:"
DEFAULT_MAX_ALIYUN_MESSAGE: Final = 64 << 20
_DER_OVERHEAD: Final = 64 << 10  # room for the header around a body of the maximum size

# Names accepted for --algorithm: Alibaba's enum names and short forms.
_ALGORITHM_NAMES: Final = {
    "AES_GCM_NOPADDING_128": AliyunAlgorithm.AES_GCM_NOPADDING_128,
    "AES_GCM_NOPADDING_256": AliyunAlgorithm.AES_GCM_NOPADDING_256,
    "SM4_GCM_NOPADDING_128": AliyunAlgorithm.SM4_GCM_NOPADDING_128,
    "AES_GCM_128": AliyunAlgorithm.AES_GCM_NOPADDING_128,
    "AES_GCM_256": AliyunAlgorithm.AES_GCM_NOPADDING_256,
    "SM4_GCM": AliyunAlgorithm.SM4_GCM_NOPADDING_128,
}
ALIYUN_ALGORITHM_NAMES: Final = tuple(_ALGORITHM_NAMES)


def parse_aliyun_algorithm(value: str | int | AliyunAlgorithm) -> AliyunAlgorithm:
    """An AliyunAlgorithm from its name (``SM4_GCM``, ``AES_GCM_NOPADDING_256`` …) or id."""
    if isinstance(value, AliyunAlgorithm):
        return value
    if isinstance(value, int):
        try:
            return AliyunAlgorithm(value)
        except ValueError:
            raise ValidationException(f"Alibaba algorithm id {value} is not 1, 2 or 9") from None
    try:
        return _ALGORITHM_NAMES[value.upper()]
    except KeyError:
        raise ValidationException(
            f"unknown Alibaba algorithm {value!r}; one of {', '.join(_ALGORITHM_NAMES)}"
        ) from None


# -- EDK mapping ----------------------------------------------------------------------------


def to_aliyun_data_key(edk: EncryptedDataKey) -> AliyunDataKey:
    """The DER form of a kmskit EDK (module docstring)."""
    if edk.provider_id == ALIYUN_KMS_PROVIDER_ID:
        return AliyunDataKey(edk.provider_info, edk.ciphertext)
    info = base64.b64encode(edk.provider_info).decode("ascii")
    key_id = f"{EXTENSION_PREFIX}{edk.provider_id}:{info}".encode()
    return AliyunDataKey(key_id, edk.ciphertext)


def from_aliyun_data_key(key: AliyunDataKey) -> EncryptedDataKey:
    """The kmskit EDK a DER data key stands for; a key id that does not parse as a kmskit
    extension is Alibaba KMS's."""
    try:
        text = key.key_id.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if text.startswith(EXTENSION_PREFIX):
        provider_id, sep, info = text[len(EXTENSION_PREFIX) :].rpartition(":")
        if sep and provider_id:
            try:
                raw = base64.b64decode(info, validate=True)
            except (binascii.Error, ValueError):
                raw = None
            if raw is not None:
                return EncryptedDataKey(provider_id, raw, key.ciphertext)
    return EncryptedDataKey(ALIYUN_KMS_PROVIDER_ID, key.key_id, key.ciphertext)


# -- results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AliyunMessageInfo:
    """What an Alibaba-format message says about itself (unauthenticated until a decrypt),
    and the sizes processed."""

    header: AliyunHeader
    iv: bytes
    plaintext_length: int
    message_length: int

    def as_dict(self) -> dict[str, Any]:
        keys = []
        for key in self.header.data_keys:
            edk = from_aliyun_data_key(key)
            extension = edk.provider_id != ALIYUN_KMS_PROVIDER_ID
            name = _key_name(edk)
            keys.append(
                {
                    "KeyId": name if not extension else key.key_id.decode("utf-8"),
                    "ProviderId": edk.provider_id,
                    "KeyName": name,
                    "Kind": "kmskit extension" if extension else "Alibaba KMS",
                    "CiphertextLength": len(key.ciphertext),
                }
            )
        return {
            "MessageFormat": "aliyun-encryption-sdk",
            "Version": self.header.version,
            "Algorithm": self.header.algorithm.name,
            "AlgorithmId": self.header.algorithm.value,
            "EncryptionContext": dict(self.header.encryption_context),
            "EncryptedDataKeys": keys,
            "HeaderIv": self.header.header_iv.hex(),
            "HeaderAuthTag": self.header.header_tag.hex(),
            "Iv": self.iv.hex(),
            "PlaintextLength": self.plaintext_length,
            "MessageLength": self.message_length,
        }


def _key_name(edk: EncryptedDataKey) -> str:
    if edk.provider_id == ALIYUN_KMS_PROVIDER_ID:
        return edk.provider_info.decode("utf-8", errors="replace")
    from kmskit.envelope.info import edk_key_name

    return edk_key_name(edk)


# -- the ciphers ----------------------------------------------------------------------------


def _header_tag(algorithm: AliyunAlgorithm, data_key: bytes, iv: bytes, fields: bytes) -> bytes:
    cipher = algorithms.SM4(data_key) if algorithm.is_sm4 else algorithms.AES(data_key)
    enc = Cipher(cipher, modes.GCM(iv)).encryptor()
    enc.authenticate_additional_data(fields)
    enc.finalize()
    return enc.tag


def _seal(
    algorithm: AliyunAlgorithm, data_key: bytes, iv: bytes, plaintext: memoryview, aad: bytes
) -> tuple[bytearray, bytes]:
    n = len(plaintext)
    out = bytearray(n + TAG_LENGTH)
    if not algorithm.is_sm4:
        AESGCM(data_key).encrypt_into(iv, plaintext, aad, out)
        return out[:n], bytes(out[n:])
    enc = Cipher(algorithms.SM4(data_key), modes.GCM(iv)).encryptor()
    enc.authenticate_additional_data(aad)
    if n:
        buf = bytearray(n + 15)  # update_into needs block_size - 1 spare bytes
        got = enc.update_into(plaintext, buf)
        del buf[got:]
        out[:got] = buf
    enc.finalize()
    return out[:n], enc.tag


def _open(
    algorithm: AliyunAlgorithm, data_key: bytes, message: AliyunMessage, aad: bytes
) -> bytearray:
    """The plaintext, or PayloadAuthenticationError; no byte of it escapes a failed tag."""
    n = len(message.ciphertext)
    out = bytearray(n + 15)
    try:
        if not algorithm.is_sm4:
            AESGCM(data_key).decrypt_into(
                message.iv, message.ciphertext + message.tag, aad, memoryview(out)[:n]
            )
        else:
            dec = Cipher(algorithms.SM4(data_key), modes.GCM(message.iv)).decryptor()
            dec.authenticate_additional_data(aad)
            if n:
                dec.update_into(message.ciphertext, out)
            dec.finalize_with_tag(message.tag)
    except InvalidTag:
        out[:] = bytes(len(out))
        raise PayloadAuthenticationError("the Alibaba message body does not authenticate") from None
    del out[n:]
    return out


# -- reading --------------------------------------------------------------------------------


class PrefixedSource:
    """A source that yields ``prefix`` before the rest of ``src`` (after sniffing)."""

    def __init__(self, prefix: bytes, src: ByteSource) -> None:
        self._prefix = prefix
        self._reader = Reader(src)

    def read(self, size: int = -1, /) -> bytes:
        if size < 0:
            size = 1 << 30
        head, self._prefix = self._prefix[:size], self._prefix[size:]
        if len(head) == size:
            return head
        return head + self._reader.read(size - len(head))


def sniff_aliyun(src: ByteSource) -> tuple[bool, ByteSource]:
    """Read the first byte of ``src``: (is it an Alibaba message, a source that still
    yields that byte)."""
    seekable = getattr(src, "seekable", None)
    if seekable is not None and seekable():
        # A file is read again from where it was: the caller keeps the file object itself,
        # which envelope/_parallel_frames.py needs to read frames at offsets.
        at = src.tell()  # type: ignore[attr-defined]
        first = Reader(src).read(1)
        src.seek(at)  # type: ignore[attr-defined]
        return looks_like_aliyun_message(first), src
    first = Reader(src).read(1)
    return looks_like_aliyun_message(first), PrefixedSource(first, src)


def _read_all(src: ByteSource, limit: int, what: str) -> bytearray:
    buf, got = read_up_to(Reader(src), bytearray(1 << 16), limit + 1)
    if got > limit:
        buf[:] = bytes(len(buf))
        raise EnvelopeLimitExceeded(
            f"the {what} is over {limit} bytes, the in-memory limit of the Alibaba format"
            " (one AEAD pass: nothing may be released before its tag; raise max_message_size"
            " / --max-message-size)"
        )
    del buf[got:]
    return buf


def _check_context(context: Mapping[str, str], required: Mapping[str, str] | None) -> None:
    for key, value in (required or {}).items():
        stored = context.get(key)
        if stored is None or not hmac.compare_digest(stored.encode(), value.encode()):
            raise InvalidCiphertextException(
                f"the message's encryption context does not have {key}={value}"
            )


# -- the operations -------------------------------------------------------------------------


def encrypt_aliyun_stream(
    src: ByteSource,
    dst: ByteSink,
    *,
    keyrings: Keyring | Sequence[Keyring],
    encryption_context: Mapping[str, str] | None = None,
    algorithm: str | int | AliyunAlgorithm = AliyunAlgorithm.AES_GCM_NOPADDING_256,
    max_message_size: int = DEFAULT_MAX_ALIYUN_MESSAGE,
) -> AliyunMessageInfo:
    """Encrypt all of ``src`` (at most ``max_message_size`` bytes) into one Alibaba
    message written to ``dst``. Raises ValidationException for a bad context or algorithm,
    EnvelopeLimitExceeded past the size, or a keyring's error."""
    alg = parse_aliyun_algorithm(algorithm)
    context = dict(encryption_context or {})
    aad = serialize_context(context)  # validates the context before any key is made
    multi = MultiKeyring(keyrings)
    plaintext = _read_all(src, max_message_size, "plaintext")
    data_key = bytearray(secrets.token_bytes(alg.key_length))
    try:
        edks = multi.wrap_all(data_key, context)
        keys = tuple(to_aliyun_data_key(e) for e in edks)
        key = bytes(data_key)
        header_iv = secrets.token_bytes(HEADER_IV_LENGTH)
        fields = authenticated_fields(ALIYUN_SDK_VERSION, alg, context, keys)
        header = AliyunHeader(
            ALIYUN_SDK_VERSION,
            alg,
            keys,
            context,
            header_iv,
            _header_tag(alg, key, header_iv, fields),
        )
        iv = secrets.token_bytes(alg.iv_length)
        ciphertext, tag = _seal(alg, key, iv, memoryview(plaintext), aad)
    finally:
        data_key[:] = bytes(len(data_key))
        plaintext_length = len(plaintext)
        plaintext[:] = bytes(len(plaintext))
    message = encode_message(header, iv, bytes(ciphertext), tag)
    write_all(dst, message)
    return AliyunMessageInfo(header, iv, plaintext_length, len(message))


def decrypt_aliyun_stream(
    src: ByteSource,
    dst: ByteSink,
    *,
    keyrings: Keyring | Sequence[Keyring],
    required_context: Mapping[str, str] | None = None,
    max_encrypted_data_keys: int = DEFAULT_MAX_ENCRYPTED_DATA_KEYS,
    max_message_size: int = DEFAULT_MAX_ALIYUN_MESSAGE,
) -> AliyunMessageInfo:
    """Decrypt one Alibaba message from ``src``; write the plaintext to ``dst`` only after
    the header tag and the body tag have verified (nothing is written on any failure).

    ``required_context`` pairs must be in the message's context with those values.
    Raises HeaderFormatError and its subclasses, InvalidCiphertextException,
    NoMatchingKeyringError or a keyring's error, HeaderAuthenticationError,
    PayloadAuthenticationError.
    """
    multi = MultiKeyring(keyrings)
    data = _read_all(src, max_message_size + _DER_OVERHEAD, "message")
    message = parse_message(bytes(data), max_encrypted_data_keys=max_encrypted_data_keys)
    header = message.header
    alg = header.algorithm
    _check_context(header.encryption_context, required_context)
    edks = [from_aliyun_data_key(k) for k in header.data_keys]
    data_key = multi.unwrap_any(edks, header.encryption_context, data_key_length=alg.key_length)
    try:
        key = bytes(data_key)
        fields = authenticated_fields(
            header.version, alg, header.encryption_context, header.data_keys
        )
        expected = _header_tag(alg, key, header.header_iv, fields)
        if not hmac.compare_digest(expected, header.header_tag):
            raise HeaderAuthenticationError(
                "the Alibaba message header does not authenticate under the data key"
            )
        plaintext = _open(alg, key, message, serialize_context(header.encryption_context))
    finally:
        data_key[:] = bytes(len(data_key))
    try:
        write_all(dst, memoryview(plaintext))
    finally:
        n = len(plaintext)
        plaintext[:] = bytes(n)
    return AliyunMessageInfo(header, message.iv, n, message.length)


def inspect_aliyun(
    src: ByteSource,
    *,
    max_encrypted_data_keys: int = DEFAULT_MAX_ENCRYPTED_DATA_KEYS,
    max_message_size: int = DEFAULT_MAX_ALIYUN_MESSAGE,
) -> AliyunMessageInfo:
    """Describe an Alibaba message without any key; nothing is authenticated. The
    plaintext length shown is the ciphertext length (GCM adds none)."""
    data = _read_all(src, max_message_size + _DER_OVERHEAD, "message")
    message = parse_message(bytes(data), max_encrypted_data_keys=max_encrypted_data_keys)
    return AliyunMessageInfo(message.header, message.iv, len(message.ciphertext), message.length)


def encrypt_aliyun(
    plaintext: bytes | bytearray | memoryview,
    *,
    keyrings: Keyring | Sequence[Keyring],
    encryption_context: Mapping[str, str] | None = None,
    algorithm: str | int | AliyunAlgorithm = AliyunAlgorithm.AES_GCM_NOPADDING_256,
) -> tuple[bytes, AliyunMessageInfo]:
    """Encrypt bytes into an Alibaba message; return (message, info)."""
    dst = io.BytesIO()
    info = encrypt_aliyun_stream(
        io.BytesIO(bytes(plaintext)),
        dst,
        keyrings=keyrings,
        encryption_context=encryption_context,
        algorithm=algorithm,
        max_message_size=max(len(plaintext), DEFAULT_MAX_ALIYUN_MESSAGE),
    )
    return dst.getvalue(), info


def decrypt_aliyun(
    message: bytes | bytearray | memoryview,
    *,
    keyrings: Keyring | Sequence[Keyring],
    required_context: Mapping[str, str] | None = None,
    max_encrypted_data_keys: int = DEFAULT_MAX_ENCRYPTED_DATA_KEYS,
) -> tuple[bytes, AliyunMessageInfo]:
    """Decrypt a whole Alibaba message held in memory; return (plaintext, info)."""
    dst = io.BytesIO()
    info = decrypt_aliyun_stream(
        io.BytesIO(bytes(message)),
        dst,
        keyrings=keyrings,
        required_context=required_context,
        max_encrypted_data_keys=max_encrypted_data_keys,
        max_message_size=max(len(message), DEFAULT_MAX_ALIYUN_MESSAGE),
    )
    return dst.getvalue(), info
