"""Tampering with any byte, or truncating anywhere, fails decrypt and releases no plaintext
beyond the regular frames that authenticated before the damage.

Exhaustive over every byte position (and every cut) of a small multi-frame message for each
suite, and hypothesis over positions and masks on a larger one. The check on ``dst``: what
was written is a whole number of regular frames, all lying before the damaged byte, and
never the final frame. With ``verify_before_release`` nothing at all is written. (The CLI
adds the file-level guarantee by writing to a temporary file it deletes on failure.)
"""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmskit.envelope import decrypt_stream, encrypt
from kmskit.envelope.header import parse_header
from kmskit.offline.errors import KmskitError
from tests.envelope._helpers import ALL_ALGORITHMS, aes_keyring

FRAME = 64
DATA = bytes((i * 7) & 0xFF for i in range(3 * FRAME + 17))
CONTEXT = {"purpose": "tamper test"}
_MESSAGES = {
    alg: encrypt(
        DATA,
        keyrings=aes_keyring(),
        encryption_context=CONTEXT,
        algorithm=alg,
        frame_length=FRAME,
    )
    for alg in ALL_ALGORITHMS
}
_REGULAR_FRAME_BYTES = 4 + 12 + FRAME + 16


def _released_ok(out: bytes, message: bytes, damaged_at: int) -> None:
    header_length = parse_header(message).length
    assert DATA.startswith(out)
    assert len(out) % FRAME == 0
    frames = len(out) // FRAME
    assert frames <= len(DATA) // FRAME  # never the final frame
    assert frames == 0 or header_length + frames * _REGULAR_FRAME_BYTES <= damaged_at


def _decrypt_fails(message: bytes, *, verify_before_release: bool = False) -> bytes:
    out = io.BytesIO()
    with pytest.raises(KmskitError):
        decrypt_stream(
            io.BytesIO(message),
            out,
            keyrings=aes_keyring(),
            verify_before_release=verify_before_release,
        )
    return out.getvalue()


@pytest.mark.parametrize("algorithm", ALL_ALGORITHMS)
def test_every_single_byte_flip_fails(algorithm: str) -> None:
    message = _MESSAGES[algorithm]
    for at in range(len(message)):
        tampered = bytearray(message)
        tampered[at] ^= 0x01 if at % 2 else 0x80
        _released_ok(_decrypt_fails(bytes(tampered)), message, at)


@pytest.mark.parametrize("algorithm", ALL_ALGORITHMS)
def test_every_truncation_fails(algorithm: str) -> None:
    message = _MESSAGES[algorithm]
    for cut in range(len(message)):
        _released_ok(_decrypt_fails(message[:cut]), message, cut)


@pytest.mark.parametrize("algorithm", ALL_ALGORITHMS)
def test_verify_before_release_writes_nothing(algorithm: str) -> None:
    message = _MESSAGES[algorithm]
    for at in range(0, len(message), 7):
        tampered = bytearray(message)
        tampered[at] ^= 0x20
        assert _decrypt_fails(bytes(tampered), verify_before_release=True) == b""
        assert _decrypt_fails(message[:at], verify_before_release=True) == b""


_BIG = {
    alg: encrypt(bytes(range(256)) * 40, keyrings=aes_keyring(), algorithm=alg, frame_length=512)
    for alg in ALL_ALGORITHMS
}


@settings(max_examples=150, deadline=None)
@given(
    algorithm=st.sampled_from(ALL_ALGORITHMS),
    data=st.data(),
)
def test_hypothesis_tampering(algorithm: str, data: st.DataObject) -> None:
    message = _BIG[algorithm]
    at = data.draw(st.integers(0, len(message) - 1), label="position")
    mask = data.draw(st.integers(1, 255), label="mask")
    tampered = bytearray(message)
    tampered[at] ^= mask
    out = io.BytesIO()
    with pytest.raises(KmskitError):
        decrypt_stream(io.BytesIO(bytes(tampered)), out, keyrings=aes_keyring())
    released = out.getvalue()
    assert (bytes(range(256)) * 40).startswith(released)
    assert len(released) % 512 == 0
    frames = len(released) // 512
    assert frames == 0 or parse_header(message).length + frames * (4 + 12 + 512 + 16) <= at
