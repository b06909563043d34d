"""Format version 1 headers (docs/format.md#header-body-version-1): strict parsing.

Starts from an ESDK-NET v1 message of the vendored manifest and changes one field at a time.
"""

from __future__ import annotations

import base64

import pytest

from kmskit.envelope.header import parse_header
from kmskit.envelope.suites import CommitmentPolicy, LegacyAlgorithm
from kmskit.offline.errors import HeaderFormatError, UnsupportedMessageError
from tests._vectors import load_json

ALLOW = CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT
_CASE = next(
    c
    for c in load_json("external", "esdk_decrypt.json")["cases"]
    if c.get("ciphertext") and c["suite"] == "0x0178" and c["expect"] == "success"
)
MESSAGE = base64.b64decode(_CASE["ciphertext"])
BODY_LENGTH = len(parse_header(MESSAGE, commitment_policy=ALLOW).body)


def _changed(offset: int, value: bytes) -> bytes:
    data = bytearray(MESSAGE)
    data[offset : offset + len(value)] = value
    return bytes(data)


def test_the_fields() -> None:
    parsed = parse_header(MESSAGE, commitment_policy=ALLOW)
    header = parsed.header
    assert header.format_version == 1
    assert header.suite.name is LegacyAlgorithm.AES_256_GCM_IV12_TAG16_HKDF_SHA256
    assert len(header.message_id) == 16
    assert header.commit_key == b""
    assert parsed.auth_tag == header.header_iv + parsed.tag
    assert len(header.header_iv) == 12 and len(parsed.tag) == 16
    assert parsed.length == BODY_LENGTH + 28
    assert MESSAGE[BODY_LENGTH - 10] == 2 and header.frame_length == _CASE["frame-length"]


def test_refused_by_default_naming_the_flag() -> None:
    with pytest.raises(UnsupportedMessageError, match="REQUIRE_ENCRYPT_ALLOW_DECRYPT"):
        parse_header(MESSAGE)
    assert parse_header(MESSAGE, commitment_policy="FORBID_ENCRYPT_ALLOW_DECRYPT")


@pytest.mark.parametrize(
    ("offset", "value", "error", "match"),
    [
        (1, b"\x81", HeaderFormatError, "message type 0x81"),
        (2, b"\x04\x78", UnsupportedMessageError, "belongs in message format version 2"),
        (2, b"\x12\x34", UnsupportedMessageError, "unknown algorithm suite 0x1234"),
        (BODY_LENGTH - 9, b"\x00\x00\x01\x00", HeaderFormatError, "reserved"),
        (BODY_LENGTH - 5, b"\x10", HeaderFormatError, "IV length 16"),
        (BODY_LENGTH - 10, b"\x03", HeaderFormatError, "content type 0x03"),
        (BODY_LENGTH - 4, b"\x00\x00\x00\x00", HeaderFormatError, "frame length 0"),
    ],
    ids=["type", "v2-suite", "unknown-suite", "reserved", "iv-length", "content-type", "frame"],
)
def test_one_bad_field(offset: int, value: bytes, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        parse_header(_changed(offset, value), commitment_policy=ALLOW)


def test_truncated_anywhere() -> None:
    for end in range(BODY_LENGTH + 28):
        with pytest.raises(HeaderFormatError):
            parse_header(MESSAGE[:end], commitment_policy=ALLOW)


def test_a_v1_suite_in_a_v2_header_is_refused() -> None:
    with pytest.raises(UnsupportedMessageError, match="does not commit"):
        parse_header(b"\x02\x01\x78" + bytes(100), commitment_policy=ALLOW)
