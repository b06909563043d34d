"""Rewrapping: new EDKs and header tag, the same body bytes, and a full check of the old message."""

from __future__ import annotations

import io

import pytest

from kmskit.envelope import decrypt, encrypt, inspect, rewrap, rewrap_stream
from kmskit.envelope.rewrapping import edk_matches
from kmskit.offline.errors import (
    HeaderAuthenticationError,
    InvalidCiphertextException,
    NoMatchingKeyringError,
    PayloadAuthenticationError,
    UnsupportedMessageError,
    ValidationException,
)
from tests.envelope._helpers import ShortReads, aes_keyring

DATA = bytes(range(256)) * 41
OLD, NEW, THIRD = aes_keyring("old"), aes_keyring("new", bytes(32)), aes_keyring("third", bytes(16))


def _split(message: bytes) -> tuple[int, bytes]:
    header_length = inspect(io.BytesIO(message)).header_length
    return header_length, message[header_length:]


@pytest.mark.parametrize(
    "algorithm", ["AES_256_GCM_HKDF_SHA512_COMMIT_KEY", "SM4_GCM_HKDF_SM3_COMMIT_KEY"]
)
@pytest.mark.parametrize("size", [0, 1, 1000, len(DATA)])
def test_add_then_remove_keeps_the_body(algorithm: str, size: int) -> None:
    data = DATA[:size]
    message = encrypt(
        data, keyrings=OLD, encryption_context={"k": "v"}, algorithm=algorithm, frame_length=1000
    )
    added = rewrap(message, keyrings=OLD, add_keyrings=[NEW, THIRD])
    assert _split(added)[1] == _split(message)[1]
    before, after = inspect(io.BytesIO(message)), inspect(io.BytesIO(added))
    assert [e.key_name for e in after.encrypted_data_keys] == ["old", "new", "third"]
    assert after.encrypted_data_keys[0] == before.encrypted_data_keys[0]
    for field in ("algorithm", "message_id", "encryption_context", "frame_length", "framed"):
        assert getattr(after, field) == getattr(before, field)
    for keyring in (OLD, NEW, THIRD):
        assert decrypt(added, keyrings=keyring, required_context={"k": "v"})[0] == data
    rotated = rewrap(added, keyrings=THIRD, remove=["old", "kmskit-test/new"])
    assert [e.key_name for e in inspect(io.BytesIO(rotated)).encrypted_data_keys] == ["third"]
    assert _split(rotated)[1] == _split(message)[1]
    assert decrypt(rotated, keyrings=THIRD)[0] == data
    with pytest.raises(NoMatchingKeyringError):
        decrypt(rotated, keyrings=[OLD, NEW])


def test_stream_result_and_short_reads() -> None:
    message = encrypt(DATA, keyrings=OLD, frame_length=512)
    dst = io.BytesIO()
    info = rewrap_stream(ShortReads(message, step=5), dst, keyrings=OLD, add_keyrings=NEW)
    assert info.plaintext_length == len(DATA)
    assert info.message_length == len(dst.getvalue())
    assert info.header.header_length == _split(dst.getvalue())[0]
    assert decrypt(dst.getvalue(), keyrings=NEW)[0] == DATA


def test_refusals() -> None:
    signed = encrypt(DATA, keyrings=OLD, algorithm="SM4_GCM_HKDF_SM3_COMMIT_KEY_SM2")
    with pytest.raises(UnsupportedMessageError, match="signature"):
        rewrap(signed, keyrings=OLD, add_keyrings=NEW)
    message = encrypt(DATA, keyrings=OLD, encryption_context={"k": "v"})
    with pytest.raises(ValidationException, match="add or an EDK to remove"):
        rewrap(message, keyrings=OLD)
    with pytest.raises(ValidationException, match="'nope'"):
        rewrap(message, keyrings=OLD, remove=["nope"])
    with pytest.raises(ValidationException, match="every"):
        rewrap(message, keyrings=OLD, remove=["old"])
    with pytest.raises(ValidationException, match="maximum of 2"):
        rewrap(message, keyrings=OLD, add_keyrings=[NEW, THIRD], max_encrypted_data_keys=2)
    with pytest.raises(InvalidCiphertextException):
        rewrap(message, keyrings=OLD, add_keyrings=NEW, required_context={"k": "w"})
    with pytest.raises(NoMatchingKeyringError):
        rewrap(message, keyrings=NEW, add_keyrings=THIRD)


def test_damaged_messages_are_not_rewrapped() -> None:
    message = encrypt(DATA, keyrings=OLD, frame_length=4096)
    header_length = _split(message)[0]
    for pos, error in [
        (header_length - 1, HeaderAuthenticationError),  # the header tag
        (header_length - 16 - 1, HeaderAuthenticationError),  # the commit key
        (header_length + 30, PayloadAuthenticationError),  # a frame
        (len(message) - 1, PayloadAuthenticationError),  # the final tag
    ]:
        damaged = bytearray(message)
        damaged[pos] ^= 1
        dst = io.BytesIO()
        with pytest.raises(error):
            rewrap_stream(io.BytesIO(bytes(damaged)), dst, keyrings=OLD, add_keyrings=NEW)
        if error is HeaderAuthenticationError:
            assert dst.getvalue() == b""  # nothing written before the header verified
    with pytest.raises(Exception, match=r"bytes follow|truncated"):
        rewrap(message + b"\x00", keyrings=OLD, add_keyrings=NEW)
    with pytest.raises(Exception, match="truncated"):
        rewrap(message[:-1], keyrings=OLD, add_keyrings=NEW)


def test_edk_matches() -> None:
    edk = OLD.wrap(bytes(32), {})
    assert edk_matches(edk, "old") and edk_matches(edk, "kmskit-test/old")
    assert not edk_matches(edk, "ol") and not edk_matches(edk, "other/old")
