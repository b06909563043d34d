"""The DRBG (docs/vectors.md#drbg): known answers, an independent recomputation, sampling."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from kmskit.vectors._drbg import DOMAIN, Drbg

SM2_N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123


def _reference(seed: str, label: str, n: int) -> bytes:
    """The construction written out from the spec, block by block."""
    key = hashlib.sha256(b"kmskit-vectors/v1\x00" + seed.encode()).digest()
    out = b""
    i = 0
    while len(out) < n:
        out += hmac.new(key, label.encode() + b"\x00" + i.to_bytes(8, "big"), "sha256").digest()
        i += 1
    return out[:n]


def test_known_answers() -> None:
    # The same values are printed in docs/vectors.md so another implementation can check.
    d = Drbg("kmskit", "test")
    assert d.read(32).hex() == "4523342a1a5e4af2dc19c7c5899f70c5b6d25a8a907f89a8c471c95f7c5e987c"
    assert d.read(8).hex() == "dc60692b09af1ec0"
    assert Drbg("kmskit", "test").child("x").read(16).hex() == "da0ea2520b881dd9d2e49fc0d21c282b"
    scalar = Drbg("kmskit", "scalar").scalar(SM2_N)
    assert scalar == 23682167334304815221430112076459388002705220389101521265828850962309566420118


@pytest.mark.parametrize("chunks", [[100], [1, 31, 32, 36], [33, 0, 67]])
def test_stream_matches_reference_in_any_chunking(chunks: list[int]) -> None:
    d = Drbg("seed é", "a/b")
    assert b"".join(d.read(n) for n in chunks) == _reference("seed é", "a/b", sum(chunks))
    assert DOMAIN == b"kmskit-vectors/v1"


def test_labels_and_seeds_separate_streams() -> None:
    base = Drbg("s", "kind")
    assert base.child("x").label == "kind/x"
    assert base.at("rsa-2048/key0").label == "rsa-2048/key0"
    assert base.child("x").read(32) == Drbg("s", "kind/x").read(32)
    assert base.child("x").read(32) != base.child("y").read(32)
    assert Drbg("s", "kind").read(32) != Drbg("t", "kind").read(32)
    assert Drbg("", "k").child("x").label == "k/x" and Drbg("s", "").child("x").label == "x"


def test_scalar_is_rejection_sampled_from_the_top_bits() -> None:
    upper = 1000  # 10 bits: each draw reads 2 bytes and keeps the top 10 bits
    raw = _reference("s", "r", 64)
    expected = None
    for i in range(0, 64, 2):
        v = int.from_bytes(raw[i : i + 2], "big") >> 6
        if 1 <= v <= upper:
            expected = v
            break
    assert Drbg("s", "r").scalar(upper) == expected
    assert all(1 <= Drbg("s", f"r{i}").scalar(3) <= 3 for i in range(50))
    with pytest.raises(ValueError):
        Drbg("s", "r").scalar(0)
    with pytest.raises(ValueError):
        Drbg("s", "r").read(-1)
    with pytest.raises(TypeError):
        Drbg(b"s", "r")  # type: ignore[arg-type]
