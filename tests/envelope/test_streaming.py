"""Round trips over every suite, frame boundaries, contexts, options and stream shapes."""

from __future__ import annotations

import base64
import hashlib
import io
import struct
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from kmskit.envelope import EnvelopeAlgorithm, decrypt, decrypt_stream, encrypt, encrypt_stream
from kmskit.envelope.header import parse_header
from kmskit.offline import sm2
from kmskit.offline.errors import (
    BodyFormatError,
    InvalidCiphertextException,
    MessageSignatureError,
    ValidationException,
)
from tests.envelope._helpers import ALL_ALGORITHMS, ShortReads, aes_keyring

FRAME = 64


@pytest.mark.parametrize("algorithm", ALL_ALGORITHMS)
@pytest.mark.parametrize("size", [0, 1, FRAME - 1, FRAME, FRAME + 1, 3 * FRAME, 3 * FRAME + 5])
def test_round_trip(algorithm: str, size: int) -> None:
    data = hashlib.shake_256(str(size).encode()).digest(size) if size else b""
    context = {"file": "report.pdf", "tenant": "t-1"}
    message = encrypt(
        data,
        keyrings=aes_keyring(),
        encryption_context=context,
        algorithm=algorithm,
        frame_length=FRAME,
    )
    plaintext, info = decrypt(message, keyrings=aes_keyring(), required_context={"tenant": "t-1"})
    assert plaintext == data
    assert info.plaintext_length == size
    assert info.message_length == len(message)
    assert info.header.algorithm == EnvelopeAlgorithm(algorithm)
    stored = dict(info.header.encryption_context)
    stored.pop("aws-crypto-public-key", None)
    assert stored == context
    # frames: a full last frame is the final frame; only empty input has an empty final frame
    regular = max(0, (size - 1) // FRAME)
    final_length = size - regular * FRAME
    body = message[parse_header(message).length :]
    final_at = regular * (4 + 12 + FRAME + 16)
    assert body[final_at : final_at + 8] == b"\xff\xff\xff\xff" + struct.pack(">I", regular + 1)
    assert body[final_at + 20 : final_at + 24] == struct.pack(">I", final_length)


@pytest.mark.parametrize("algorithm", ALL_ALGORITHMS)
def test_short_reads_on_both_sides(algorithm: str) -> None:
    data = bytes(range(256)) * 5
    encrypted = io.BytesIO()
    info = encrypt_stream(
        ShortReads(data, step=13),
        encrypted,
        keyrings=[aes_keyring()],
        algorithm=algorithm,
        frame_length=100,
    )
    assert info.plaintext_length == len(data)
    out = io.BytesIO()
    decrypt_stream(ShortReads(encrypted.getvalue(), step=5), out, keyrings=[aes_keyring()])
    assert out.getvalue() == data


def test_context_rules() -> None:
    with pytest.raises(ValidationException, match="reserved"):
        encrypt(b"x", keyrings=aes_keyring(), encryption_context={"aws-crypto-x": "y"})
    with pytest.raises(ValidationException):
        encrypt(b"x", keyrings=aes_keyring(), encryption_context={"k": 1})  # type: ignore[dict-item]
    message = encrypt(b"x", keyrings=aes_keyring(), encryption_context={"a": "1", "b": "2"})
    assert decrypt(message, keyrings=aes_keyring(), required_context={"b": "2"})[0] == b"x"
    with pytest.raises(InvalidCiphertextException, match="'b'"):
        decrypt(message, keyrings=aes_keyring(), required_context={"b": "3"})
    with pytest.raises(InvalidCiphertextException, match="'c'"):
        decrypt(message, keyrings=aes_keyring(), required_context={"c": "2"})


@pytest.mark.parametrize("frame_length", [0, -1, 2**31, True])
def test_frame_length_is_checked(frame_length: int) -> None:
    with pytest.raises(ValidationException, match="frame_length"):
        encrypt(b"x", keyrings=aes_keyring(), frame_length=frame_length)


def test_unknown_algorithm_and_no_keyrings() -> None:
    with pytest.raises(ValidationException, match="unknown algorithm"):
        encrypt(b"x", keyrings=aes_keyring(), algorithm="AES_128_GCM")
    with pytest.raises(ValidationException, match="at least one keyring"):
        encrypt(b"x", keyrings=[])


def test_a_huge_frame_length_costs_memory_only_for_real_data() -> None:
    # 2^31 − 1 would be 6 GiB of buffers if allocated up front.
    message = encrypt(b"small", keyrings=aes_keyring(), frame_length=2**31 - 1)
    assert decrypt(message, keyrings=aes_keyring())[0] == b"small"


def _signed_parts(message: bytes) -> tuple[bytes, bytes]:
    length = struct.unpack(">H", message[-2 - _footer_len(message) : -_footer_len(message)])[0]
    return message[: -2 - length], message[-length:]


def _footer_len(message: bytes) -> int:
    # The footer is the last thing: the uint16 length field that spans exactly to the end and
    # is followed by a DER SEQUENCE of that length (ECDSA and SM2 signatures are short-form
    # DER). Requiring both keeps random ciphertext bytes from posing as the field (a chance
    # of about 2^-32 per length tried, instead of 2^-16).
    for n in range(8, 130):
        signature = message[-n:]
        if (
            struct.unpack(">H", message[-2 - n : -n])[0] == n
            and signature[0] == 0x30
            and signature[1] == n - 2
        ):
            return n
    raise AssertionError("no footer")


def test_ecdsa_footer_is_103_bytes_and_verifies_independently() -> None:
    for _ in range(5):
        message = encrypt(
            b"signed" * 50,
            keyrings=aes_keyring(),
            algorithm="AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384",
        )
        signed, signature = _signed_parts(message)
        assert len(signature) == 103
        context = parse_header(message).header.encryption_context
        point = base64.b64decode(context["aws-crypto-public-key"])
        assert len(point) == 49 and point[0] in (2, 3)
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP384R1(), point)
        digest = hashlib.sha384(signed).digest()
        key.verify(signature, digest, ec.ECDSA(Prehashed(hashes.SHA384())))


def test_sm2_footer_verifies_independently() -> None:
    message = encrypt(
        b"gm" * 300, keyrings=aes_keyring(), algorithm="SM4_GCM_HKDF_SM3_COMMIT_KEY_SM2"
    )
    signed, signature = _signed_parts(message)
    context = parse_header(message).header.encryption_context
    point = base64.b64decode(context["aws-crypto-public-key"])
    assert len(point) == 33 and point[0] in (2, 3)
    public = sm2.SM2PublicKey.from_bytes(point)
    assert sm2.verify(public, signed, signature)  # SM3(Z_A ‖ M), default ID
    assert sm2.verify(public, signed, signature, sm2_id=b"1234567812345678")


@pytest.mark.parametrize(
    "algorithm",
    ["AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384", "SM4_GCM_HKDF_SM3_COMMIT_KEY_SM2"],
)
def test_bad_signature_releases_nothing_past_regular_frames(algorithm: str) -> None:
    data = bytes(range(200))
    message = bytearray(encrypt(data, keyrings=aes_keyring(), algorithm=algorithm, frame_length=64))
    message[-5] ^= 0x01
    out = io.BytesIO()
    with pytest.raises(MessageSignatureError):
        decrypt_stream(io.BytesIO(bytes(message)), out, keyrings=aes_keyring())
    assert out.getvalue() == data[:192]  # the regular frames; the final frame is held back
    out = io.BytesIO()
    with pytest.raises(MessageSignatureError):
        decrypt_stream(
            io.BytesIO(bytes(message)), out, keyrings=aes_keyring(), verify_before_release=True
        )
    assert out.getvalue() == b""


@pytest.mark.parametrize("algorithm", ALL_ALGORITHMS)
def test_verify_before_release_round_trip(algorithm: str, tmp_path: Path) -> None:
    data = bytes(range(256)) * 4097  # > 1 MiB, so the spool reaches the disk
    message = encrypt(data, keyrings=aes_keyring(), algorithm=algorithm, frame_length=4096)
    out = io.BytesIO()
    info = decrypt_stream(
        io.BytesIO(message),
        out,
        keyrings=aes_keyring(),
        verify_before_release=True,
        spool_dir=str(tmp_path),
    )
    assert out.getvalue() == data and info.plaintext_length == len(data)


def test_trailing_bytes_fail_and_hold_the_final_frame() -> None:
    data = bytes(range(100))
    message = encrypt(data, keyrings=aes_keyring(), frame_length=64)
    out = io.BytesIO()
    with pytest.raises(BodyFormatError, match="follow the end"):
        decrypt_stream(io.BytesIO(message + b"\x00"), out, keyrings=aes_keyring())
    assert out.getvalue() == data[:64]


def test_gm_suite_wire_details() -> None:
    message = encrypt(b"x" * 10, keyrings=aes_keyring(), algorithm="SM4_GCM_HKDF_SM3_COMMIT_KEY")
    assert message[:3] == b"\x02\x4d\x04"
    parsed = parse_header(message)
    assert len(parsed.header.commit_key) == 32
    assert len(parsed.header.encrypted_data_keys[0].ciphertext) == 16 + 16  # 16-byte data key
