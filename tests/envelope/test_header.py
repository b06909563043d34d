"""Header format: round trip, strict parsing, refusals with clear messages, limits, fuzz."""

from __future__ import annotations

import io
import struct
from collections.abc import Mapping
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmskit.envelope import decrypt_stream, encrypt, inspect
from kmskit.envelope.header import ContentType, Header, parse_header, serialize_header_body
from kmskit.envelope.keyrings import EncryptedDataKey
from kmskit.envelope.suites import EnvelopeAlgorithm, parse_algorithm, suite_for_id
from kmskit.offline.encryption_context import serialize_encryption_context
from kmskit.offline.errors import (
    EnvelopeLimitExceeded,
    HeaderFormatError,
    KmskitError,
    MaxEncryptedDataKeysExceeded,
    UnsupportedMessageError,
    ValidationException,
)
from tests.envelope._helpers import aes_keyring

SUITE = parse_algorithm(EnvelopeAlgorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY)
CONTEXT = {"purpose": "test", "ünïcode": "välue"}


def _header(
    *,
    edks: int = 2,
    context: Mapping[str, str] = CONTEXT,
    content_type: ContentType = ContentType.FRAMED,
    frame_length: int = 4096,
) -> Header:
    return Header(
        suite=SUITE,
        message_id=bytes(range(32)),
        encryption_context=MappingProxyType(dict(context)),
        serialized_context=serialize_encryption_context(context),
        encrypted_data_keys=tuple(
            EncryptedDataKey(f"provider-{i}", b"info", bytes([i]) * 40) for i in range(edks)
        ),
        content_type=content_type,
        frame_length=frame_length,
        commit_key=b"\x42" * 32,
    )


def _with_tag(body: bytes) -> bytes:
    return body + b"\x00" * SUITE.tag_length


def test_round_trip() -> None:
    header = _header()
    body = serialize_header_body(header)
    parsed = parse_header(_with_tag(body) + b"body bytes follow")
    assert parsed.header == header
    assert parsed.body == body
    assert parsed.length == len(body) + 16


def test_layout_of_the_first_bytes() -> None:
    body = serialize_header_body(_header())
    assert body[:3] == b"\x02\x04\x78"
    assert body[3:35] == bytes(range(32))
    ctx = serialize_encryption_context(CONTEXT)
    assert body[35:37] == struct.pack(">H", len(ctx))
    assert body[37 : 37 + len(ctx)] == ctx
    assert body[-37:-32] == b"\x02\x00\x00\x10\x00"  # framed, frame length 4096
    assert body[-32:] == b"\x42" * 32


def test_empty_context_is_a_zero_length() -> None:
    body = serialize_header_body(_header(context={}))
    assert body[35:37] == b"\x00\x00"
    assert parse_header(_with_tag(body)).header.encryption_context == {}


def test_every_truncation_is_a_header_format_error() -> None:
    data = _with_tag(serialize_header_body(_header()))
    for cut in range(len(data)):
        with pytest.raises(HeaderFormatError, match="truncated"):
            parse_header(data[:cut])


def test_version_1_is_refused_by_name() -> None:
    with pytest.raises(UnsupportedMessageError, match="version 1"):
        parse_header(b"\x01\x80\x03\x78" + bytes(100))


def test_base64_input_is_recognised() -> None:
    import base64

    message = encrypt(b"x", keyrings=aes_keyring())
    with pytest.raises(UnsupportedMessageError, match="base64"):
        parse_header(base64.b64encode(message))


@pytest.mark.parametrize("suite_id", [0x0014, 0x0178, 0x0378])
def test_non_committing_suites_are_refused_by_name(suite_id: int) -> None:
    data = b"\x02" + suite_id.to_bytes(2, "big") + bytes(200)
    with pytest.raises(UnsupportedMessageError, match="does not commit"):
        parse_header(data)
    with pytest.raises(UnsupportedMessageError):
        suite_for_id(suite_id)


def test_unknown_suite_and_version() -> None:
    with pytest.raises(UnsupportedMessageError, match="unknown algorithm suite 0x1234"):
        parse_header(b"\x02\x12\x34" + bytes(100))
    with pytest.raises(HeaderFormatError, match="version byte 0x07"):
        parse_header(b"\x07" + bytes(100))


def test_gm_suite_ids() -> None:
    assert suite_for_id(0x4D04).name is EnvelopeAlgorithm.SM4_GCM_HKDF_SM3_COMMIT_KEY
    assert suite_for_id(0x4D05).name is EnvelopeAlgorithm.SM4_GCM_HKDF_SM3_COMMIT_KEY_SM2
    assert parse_algorithm("ALG_SM4_GCM_HKDF_SM3_COMMIT_KEY").data_key_length == 16
    with pytest.raises(ValidationException, match="unknown algorithm"):
        parse_algorithm("AES_256_GCM_IV12_TAG16_HKDF_SHA256_X")


def test_edk_count_limit() -> None:
    data = _with_tag(serialize_header_body(_header(edks=17)))
    with pytest.raises(MaxEncryptedDataKeysExceeded, match="17 encrypted data keys") as err:
        parse_header(data)
    assert err.value.code == "MaxEncryptedDataKeysExceeded"
    assert len(parse_header(data, max_encrypted_data_keys=17).header.encrypted_data_keys) == 17
    with pytest.raises(MaxEncryptedDataKeysExceeded):
        parse_header(_with_tag(serialize_header_body(_header(edks=3))), max_encrypted_data_keys=2)


def test_edk_limit_stops_before_any_keyring_runs() -> None:
    calls: list[str] = []

    class Recording:
        def wrap(self, data_key: bytes | bytearray, ctx: Mapping[str, str]) -> EncryptedDataKey:
            return aes_keyring().wrap(data_key, ctx)

        def unwrap(self, edk: EncryptedDataKey, ctx: Mapping[str, str]) -> bytearray:
            calls.append(edk.provider_id)
            return aes_keyring().unwrap(edk, ctx)

    message = encrypt(b"data", keyrings=[Recording(), Recording(), Recording()])
    with pytest.raises(MaxEncryptedDataKeysExceeded):
        decrypt_stream(
            io.BytesIO(message), io.BytesIO(), keyrings=[Recording()], max_encrypted_data_keys=2
        )
    assert calls == []
    decrypt_stream(io.BytesIO(message), io.BytesIO(), keyrings=[Recording()])
    assert len(calls) == 1


def test_header_size_limit() -> None:
    big = {"k": "v" * 60000}
    data = _with_tag(serialize_header_body(_header(context=big)))
    with pytest.raises(EnvelopeLimitExceeded, match="larger than the 4096-byte limit"):
        parse_header(data, max_header_size=4096)
    assert parse_header(data).header.encryption_context == big


@pytest.mark.parametrize(
    ("content_type", "frame_length", "message"),
    [
        (ContentType.FRAMED, 0, "frame length 0"),
        (ContentType.FRAMED, 2**31, "frame length 2147483648"),
        (ContentType.NON_FRAMED, 4096, "frame length 0"),
    ],
)
def test_frame_length_rules(content_type: ContentType, frame_length: int, message: str) -> None:
    header = _header(content_type=content_type, frame_length=frame_length)
    with pytest.raises(HeaderFormatError, match=message):
        parse_header(_with_tag(serialize_header_body(header)))


def _patched(body: bytes, offset_from_end: int, value: bytes) -> bytes:
    at = len(body) - offset_from_end
    return body[:at] + value + body[at + len(value) :]


def test_unknown_content_type_and_zero_edks() -> None:
    body = serialize_header_body(_header())
    with pytest.raises(HeaderFormatError, match="content type 0x03"):
        parse_header(_with_tag(_patched(body, 37, b"\x03")))
    no_edks = serialize_header_body(_header(edks=1))
    ctx_len = len(serialize_encryption_context(CONTEXT))
    count_at = 37 + ctx_len
    zero = no_edks[:count_at] + b"\x00\x00" + no_edks[count_at + 2 + 2 + 10 + 2 + 4 + 2 + 40 :]
    with pytest.raises(HeaderFormatError, match="no encrypted data keys"):
        parse_header(_with_tag(zero))


def test_malformed_context_and_provider_id() -> None:
    bad = serialize_header_body(_header(context={"a": "b"}))
    bad = bad[:37] + b"\x00\x00" + bad[39:]  # pair count 0 in a non-empty context
    with pytest.raises(HeaderFormatError, match="encryption context"):
        parse_header(_with_tag(bad))
    dup = serialize_encryption_context({"a": "b"})
    duplicated = b"\x00\x02" + dup[2:] + dup[2:]
    header = _header(context={})
    raw = serialize_header_body(header)
    raw = raw[:35] + struct.pack(">H", len(duplicated)) + duplicated + raw[37:]
    with pytest.raises(HeaderFormatError, match="not unique"):
        parse_header(_with_tag(raw))
    edk_body = serialize_header_body(_header(edks=1, context={}))
    # EDK 1 provider id: 2-byte length then "provider-0"; make it invalid UTF-8
    broken = edk_body[:39] + b"\xff" + edk_body[40:]
    with pytest.raises(HeaderFormatError, match="provider id"):
        parse_header(_with_tag(broken))


def test_serializer_refuses_what_does_not_fit() -> None:
    with pytest.raises(ValidationException):
        serialize_header_body(_header(edks=0))
    with pytest.raises(ValidationException):
        EncryptedDataKey("p", b"x" * 65536, b"")
    with pytest.raises(ValidationException):
        EncryptedDataKey("", b"", b"")


def test_inspect_needs_no_key() -> None:
    message = encrypt(b"hello", keyrings=aes_keyring(), encryption_context={"a": "b"})
    info = inspect(io.BytesIO(message))
    assert info.algorithm is EnvelopeAlgorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY
    assert info.encryption_context == {"a": "b"}
    [edk] = info.encrypted_data_keys
    assert (edk.provider_id, edk.key_name) == ("kmskit-test", "key-1")
    as_json = info.as_dict()
    assert as_json["AlgorithmSuiteId"] == "0x0478"
    assert as_json["EncryptedDataKeys"][0]["KeyName"] == "key-1"
    assert as_json["FrameLength"] == 65536


# -- fuzz: nothing but the named errors may escape the parser or decrypt -------------------

_VALID = _with_tag(serialize_header_body(_header()))
_MESSAGE = encrypt(b"fuzz" * 100, keyrings=aes_keyring(), frame_length=64)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_random_bytes(data: bytes) -> None:
    try:
        parse_header(b"\x02\x04\x78" + data)
        parse_header(data)
    except HeaderFormatError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_fuzz_mutated_headers(data: st.DataObject) -> None:
    mutated = bytearray(_VALID)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(mutated) - 1))
        mutated[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(mutated)))
    try:
        parse_header(bytes(mutated[:cut]))
    except HeaderFormatError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_fuzz_mutated_messages_raise_only_kmskit_errors(data: st.DataObject) -> None:
    mutated = bytearray(_MESSAGE)
    positions = st.lists(st.integers(0, len(mutated) - 1), min_size=1, max_size=3, unique=True)
    for at in data.draw(positions):
        mutated[at] ^= data.draw(st.integers(1, 255))
    dst = io.BytesIO()
    with pytest.raises(KmskitError):
        decrypt_stream(io.BytesIO(bytes(mutated)), dst, keyrings=[aes_keyring()])


def _with_suite(name: str, context: Mapping[str, str]) -> Header:
    from dataclasses import replace

    return replace(
        _header(context=context),
        suite=parse_algorithm(name),
        encryption_context=MappingProxyType(dict(context)),
    )


@pytest.mark.parametrize(
    ("name", "context", "message"),
    [
        ("AES_256_GCM_HKDF_SHA512_COMMIT_KEY", {"aws-crypto-public-key": "AA=="}, "unsigned"),
        ("AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384", {}, "needs aws-crypto-public-key"),
        ("SM4_GCM_HKDF_SM3_COMMIT_KEY_SM2", {"aws-crypto-public-key": "%%"}, "base64"),
        ("SM4_GCM_HKDF_SM3_COMMIT_KEY_SM2", {"aws-crypto-public-key": "AgAA"}, "valid SM2"),
        (
            "AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384",
            {"aws-crypto-public-key": "Ag" + "A" * 62},
            "valid ECDSA_P384",
        ),
    ],
)
def test_verification_key_rules(name: str, context: dict[str, str], message: str) -> None:
    from kmskit.envelope.decryption import _verifier_for

    with pytest.raises(HeaderFormatError, match=message):
        _verifier_for(_with_suite(name, context))
