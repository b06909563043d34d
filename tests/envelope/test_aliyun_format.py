"""The Alibaba Cloud Encryption SDK message format (envelope/aliyun_format.py, _message.py).

The known-answer message for algorithm id 9 (SM4-GCM, which Alibaba's Python SDK lacks) is
assembled here by hand, field by field, from the Java SDK's layout
(Asn1FormatHandler.java, CipherHeader.serializeAuthenticatedFields / serializeContext,
EncryptedDataKey.toByteArray, AlgorithmHandler.headerGcmEncrypt): every DER tag and length
and every uint32 below is written out, and the GCM tags come from ``cryptography`` directly.
Ids 1 and 2 are checked against Alibaba's own SDK in tests/interop/test_aliyun_esdk.py.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from kmskit.envelope.aliyun_format import (
    AliyunAlgorithm,
    AliyunDataKey,
    AliyunHeader,
    authenticated_fields,
    encode_message,
    looks_like_aliyun_message,
    parse_message,
    serialize_context,
)
from kmskit.envelope.aliyun_message import (
    ALIYUN_KMS_PROVIDER_ID,
    decrypt_aliyun,
    decrypt_aliyun_stream,
    encrypt_aliyun,
    encrypt_aliyun_stream,
    from_aliyun_data_key,
    inspect_aliyun,
    sniff_aliyun,
    to_aliyun_data_key,
)
from kmskit.envelope.keyrings import EncryptedDataKey, RawAesKeyring
from kmskit.offline.errors import (
    EnvelopeLimitExceeded,
    HeaderAuthenticationError,
    HeaderFormatError,
    InvalidCiphertextException,
    KeyringMismatch,
    NoMatchingKeyringError,
    PayloadAuthenticationError,
    UnsupportedMessageError,
    ValidationException,
)

KEY_ARN = "acs:kms:cn-hangzhou:1234567890:key/key-hzz62f1cb66fa42qo3xx1"


class KnownKeyKeyring:
    """Stands in for Alibaba KMS: wraps to a fixed blob under ``key_id`` and remembers the
    data key, so a test can hand it to Alibaba's SDK or check a known answer."""

    def __init__(
        self, key_id: str = KEY_ARN, blob: bytes = b"kms-blob", data_key: bytes = b""
    ) -> None:
        self.key_id, self.blob, self.data_key = key_id, blob, data_key

    def wrap(self, data_key: bytes | bytearray, ctx: Mapping[str, str]) -> EncryptedDataKey:
        self.data_key = bytes(data_key)
        return EncryptedDataKey(ALIYUN_KMS_PROVIDER_ID, self.key_id.encode(), self.blob)

    def unwrap(self, edk: EncryptedDataKey, ctx: Mapping[str, str]) -> bytearray:
        if edk.provider_id != ALIYUN_KMS_PROVIDER_ID or edk.provider_info != self.key_id.encode():
            raise KeyringMismatch("another key")
        return bytearray(self.data_key)


# -- the hand-built id 9 message ------------------------------------------------------------

DATA_KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")
HEADER_IV = bytes.fromhex("000102030405060708090a0b")
BODY_IV = bytes.fromhex("a0a1a2a3a4a5a6a7a8a9aaab")
PLAINTEXT = b"SM4-GCM in the Alibaba format"
KEY_ID = b"acs:kms:cn-shanghai:1:key/k9"  # 28 bytes
BLOB = b"\x01\x02\x03\x04\x05\x06"  # base64 text "AQIDBAUG" (8 bytes)
CONTEXT = {"b": "2", "a": "1"}

# CipherHeader.serializeContext: uint32 count, then pairs sorted by key bytes.
CONTEXT_BYTES = bytes.fromhex("000000020000000161000000013100000001620000000132")
# serializeAuthenticatedFields: version, algorithm, pair count, context bytes, EDK count,
# then uint32 len ‖ key id ‖ uint32 len ‖ base64 text of the blob.
AUTH_FIELDS = (
    bytes.fromhex("000000010000000900000002")
    + CONTEXT_BYTES
    + bytes.fromhex("00000001")
    + bytes.fromhex("0000001c")
    + KEY_ID
    + bytes.fromhex("00000008")
    + b"AQIDBAUG"
)


def _sm4_gcm(iv: bytes, aad: bytes, plaintext: bytes) -> tuple[bytes, bytes]:
    enc = Cipher(algorithms.SM4(DATA_KEY), modes.GCM(iv)).encryptor()
    enc.authenticate_additional_data(aad)
    out = enc.update(plaintext) + enc.finalize()
    return out, enc.tag


HEADER_TAG = _sm4_gcm(HEADER_IV, AUTH_FIELDS, b"")[1]
CIPHERTEXT, BODY_TAG = _sm4_gcm(BODY_IV, CONTEXT_BYTES, PLAINTEXT)


def _hand_message() -> bytes:
    edk = bytes([0x30, 2 + 28 + 2 + 6, 0x04, 28]) + KEY_ID + bytes([0x04, 6]) + BLOB
    edks = bytes([0x31, len(edk)]) + edk
    pair_a = bytes.fromhex("3006040161040131")  # SEQUENCE { "a", "1" }
    pair_b = bytes.fromhex("3006040162040132")  # DER SET OF: sorted by encoding
    contexts = bytes([0x31, 16]) + pair_a + pair_b
    header_content = (
        bytes.fromhex("020101")  # version INTEGER 1
        + bytes.fromhex("020109")  # algorithm INTEGER 9
        + edks
        + contexts
        + bytes([0x04, 12])
        + HEADER_IV
        + bytes([0x04, 16])
        + HEADER_TAG
    )
    header = bytes([0x30, len(header_content)]) + header_content
    body_content = (
        bytes([0x04, 12])
        + BODY_IV
        + bytes([0x04, len(CIPHERTEXT)])
        + CIPHERTEXT
        + bytes([0x04, 16])
        + BODY_TAG
    )
    body = bytes([0x30, len(body_content)]) + body_content
    assert 0x80 <= len(header) + len(body) < 0x100  # DER: long form, one length byte
    return bytes([0x30, 0x81, len(header) + len(body)]) + header + body


HAND_MESSAGE = _hand_message()


def test_context_serialization_matches_the_java_layout() -> None:
    assert serialize_context(CONTEXT) == CONTEXT_BYTES
    assert serialize_context({}) == b""  # no count at all for an empty context


def test_authenticated_fields_match_the_java_layout() -> None:
    keys = (AliyunDataKey(KEY_ID, BLOB),)
    assert (
        authenticated_fields(1, AliyunAlgorithm.SM4_GCM_NOPADDING_128, CONTEXT, keys) == AUTH_FIELDS
    )


def test_edks_are_authenticated_in_key_id_order() -> None:
    a, b = AliyunDataKey(b"b", b"\x00"), AliyunDataKey(b"ab", b"\x01")
    fields = authenticated_fields(1, AliyunAlgorithm.AES_GCM_NOPADDING_256, {}, (a, b))
    assert fields == bytes.fromhex(
        "00000001"
        "00000002"
        "00000000"
        "00000002"
        "00000002"
        "6162"
        "00000004"
        "41513d3d"  # "ab", base64 "AQ=="
        "00000001"
        "62"
        "00000004"
        "41413d3d"  # "b", base64 "AA=="
    )


def test_encoder_writes_the_hand_built_message() -> None:
    header = AliyunHeader(
        1,
        AliyunAlgorithm.SM4_GCM_NOPADDING_128,
        (AliyunDataKey(KEY_ID, BLOB),),
        CONTEXT,
        HEADER_IV,
        HEADER_TAG,
    )
    assert encode_message(header, BODY_IV, CIPHERTEXT, BODY_TAG) == HAND_MESSAGE


def test_id9_known_answer_decrypts_and_every_field_reads_back() -> None:
    keyring = KnownKeyKeyring(KEY_ID.decode(), BLOB, DATA_KEY)
    plaintext, info = decrypt_aliyun(HAND_MESSAGE, keyrings=keyring)
    assert plaintext == PLAINTEXT
    parsed = parse_message(HAND_MESSAGE, max_encrypted_data_keys=None)
    assert parsed.header.version == 1
    assert parsed.header.algorithm is AliyunAlgorithm.SM4_GCM_NOPADDING_128
    assert parsed.header.data_keys == (AliyunDataKey(KEY_ID, BLOB),)
    assert dict(parsed.header.encryption_context) == CONTEXT
    assert (parsed.header.header_iv, parsed.header.header_tag) == (HEADER_IV, HEADER_TAG)
    assert (parsed.iv, parsed.ciphertext, parsed.tag) == (BODY_IV, CIPHERTEXT, BODY_TAG)
    assert parsed.length == len(HAND_MESSAGE)
    shown = info.as_dict()
    assert shown["Algorithm"] == "SM4_GCM_NOPADDING_128" and shown["AlgorithmId"] == 9
    assert shown["EncryptedDataKeys"] == [
        {
            "KeyId": KEY_ID.decode(),
            "ProviderId": "aliyun-kms",
            "KeyName": KEY_ID.decode(),
            "Kind": "Alibaba KMS",
            "CiphertextLength": 6,
        }
    ]
    assert shown["PlaintextLength"] == len(PLAINTEXT)


def test_id9_wrong_data_key_fails_the_header_tag() -> None:
    keyring = KnownKeyKeyring(KEY_ID.decode(), BLOB, bytes(16))
    with pytest.raises(HeaderAuthenticationError):
        decrypt_aliyun(HAND_MESSAGE, keyrings=keyring)


# -- round trips with kmskit keyrings -------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["AES_GCM_128", "AES_GCM_256", "SM4_GCM"])
@pytest.mark.parametrize("size", [0, 1, 4097])
def test_round_trip_with_raw_aes(algorithm: str, size: int) -> None:
    keyring = RawAesKeyring("ns", "name", bytes(range(32)))
    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    message, info = encrypt_aliyun(
        data, keyrings=keyring, encryption_context={"k": "v"}, algorithm=algorithm
    )
    assert looks_like_aliyun_message(message)
    plaintext, back = decrypt_aliyun(message, keyrings=keyring, required_context={"k": "v"})
    assert plaintext == data
    assert back.header.algorithm is info.header.algorithm
    shown = inspect_aliyun(io.BytesIO(message)).as_dict()
    assert shown["EncryptedDataKeys"][0]["Kind"] == "kmskit extension"
    assert shown["EncryptedDataKeys"][0]["ProviderId"] == "ns"
    assert shown["EncryptedDataKeys"][0]["KeyName"] == "name"


def test_extension_key_id_round_trips() -> None:
    edk = EncryptedDataKey("kmskit-keystore", b"arn:x:y", b"ct")
    key = to_aliyun_data_key(edk)
    assert key.key_id.startswith(b"kmskit:kmskit-keystore:")
    assert from_aliyun_data_key(key) == edk
    alibaba = EncryptedDataKey("aliyun-kms", KEY_ARN.encode(), b"blob")
    assert to_aliyun_data_key(alibaba) == AliyunDataKey(KEY_ARN.encode(), b"blob")
    assert from_aliyun_data_key(to_aliyun_data_key(alibaba)) == alibaba


def _message(algorithm: str = "AES_GCM_256") -> tuple[bytes, KnownKeyKeyring]:
    keyring = KnownKeyKeyring()
    message, _ = encrypt_aliyun(
        b"secret data", keyrings=keyring, encryption_context={"k": "v"}, algorithm=algorithm
    )
    return message, keyring


@pytest.mark.parametrize("algorithm", ["AES_GCM_256", "SM4_GCM"])
def test_a_changed_body_byte_releases_nothing(algorithm: str) -> None:
    message, keyring = _message(algorithm)
    parsed = parse_message(message, max_encrypted_data_keys=None)
    at = message.index(parsed.ciphertext)
    bad = bytearray(message)
    bad[at] ^= 1
    dst = io.BytesIO()
    with pytest.raises(PayloadAuthenticationError):
        decrypt_aliyun_stream(io.BytesIO(bytes(bad)), dst, keyrings=keyring)
    assert dst.getvalue() == b""


def test_a_changed_context_fails_the_header_tag() -> None:
    message, keyring = _message()
    bad = message.replace(b"\x04\x01k\x04\x01v", b"\x04\x01k\x04\x01w")
    assert bad != message
    with pytest.raises(HeaderAuthenticationError):
        decrypt_aliyun(bad, keyrings=keyring)


def test_required_context_must_match() -> None:
    message, keyring = _message()
    with pytest.raises(InvalidCiphertextException):
        decrypt_aliyun(message, keyrings=keyring, required_context={"k": "other"})
    with pytest.raises(InvalidCiphertextException):
        decrypt_aliyun(message, keyrings=keyring, required_context={"missing": "v"})


def test_no_matching_keyring() -> None:
    message, _ = _message()
    with pytest.raises(NoMatchingKeyringError):
        decrypt_aliyun(message, keyrings=KnownKeyKeyring("acs:kms:r:1:key/other"))


@pytest.mark.parametrize("cut", [1, 2, 10, 40])
def test_truncated_messages_do_not_parse(cut: int) -> None:
    message, keyring = _message()
    with pytest.raises(HeaderFormatError):
        decrypt_aliyun(message[:-cut], keyrings=keyring)


def test_bytes_after_the_message_are_refused() -> None:
    message, keyring = _message()
    with pytest.raises(HeaderFormatError, match="bytes follow"):
        decrypt_aliyun(message + b"\x00", keyrings=keyring)


def test_unauthenticated_algorithm_ids_are_refused() -> None:
    bad = HAND_MESSAGE.replace(bytes.fromhex("020101020109"), bytes.fromhex("020101020105"), 1)
    with pytest.raises(UnsupportedMessageError, match="CBC or CTR"):
        parse_message(bad, max_encrypted_data_keys=None)


def test_unknown_version_is_refused() -> None:
    bad = HAND_MESSAGE.replace(bytes.fromhex("020101020109"), bytes.fromhex("020102020109"), 1)
    with pytest.raises(UnsupportedMessageError, match="version 2"):
        parse_message(bad, max_encrypted_data_keys=None)


def test_non_minimal_der_length_is_refused() -> None:
    bad = bytes([0x30, 0x82, 0x00]) + HAND_MESSAGE[2:]  # 0x82 00 nn: a needless zero byte
    with pytest.raises(HeaderFormatError, match="non-DER"):
        parse_message(bad, max_encrypted_data_keys=None)


def test_edk_limit() -> None:
    keyrings = [KnownKeyKeyring(f"acs:kms:r:1:key/{i}") for i in range(3)]
    message, _ = encrypt_aliyun(b"x", keyrings=keyrings)
    with pytest.raises(HeaderFormatError, match="maximum is 2"):
        decrypt_aliyun(message, keyrings=keyrings, max_encrypted_data_keys=2)


def test_size_limit_holds_for_encrypt_and_decrypt() -> None:
    keyring = KnownKeyKeyring()
    with pytest.raises(EnvelopeLimitExceeded):
        encrypt_aliyun_stream(
            io.BytesIO(bytes(101)), io.BytesIO(), keyrings=keyring, max_message_size=100
        )
    message, keyring = _message()
    with pytest.raises(EnvelopeLimitExceeded):
        decrypt_aliyun_stream(
            io.BytesIO(message + bytes(70 << 10)),
            io.BytesIO(),
            keyrings=keyring,
            max_message_size=1,
        )


def test_context_longer_than_the_java_buffer_is_refused() -> None:
    with pytest.raises(ValidationException, match="32767"):
        encrypt_aliyun(b"x", keyrings=KnownKeyKeyring(), encryption_context={"k": "v" * 40000})


def test_sniff_keeps_the_first_byte() -> None:
    is_aliyun, src = sniff_aliyun(io.BytesIO(HAND_MESSAGE))
    assert is_aliyun
    assert src.read(-1) == HAND_MESSAGE
    is_aliyun, src = sniff_aliyun(io.BytesIO(b"\x02rest"))
    assert not is_aliyun and src.read(3) == b"\x02re" and src.read(10) == b"st"


def test_base64_text_is_what_is_authenticated() -> None:
    assert AliyunDataKey(b"k", b"\xff\xfe").base64_text == base64.b64encode(b"\xff\xfe")
