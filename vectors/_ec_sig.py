"""The signature cases SM2DSA and ECDSA share: valid inputs, r/s values and DER variants.

Each function builds exactly one case from a valid signature by changing one thing. The
family modules (:mod:`vectors.sm2_sign`, :mod:`vectors.ecdsa`) add their own cases (wrong ID,
missing Z_A, wrong hash, …) and supply an :class:`EcSigCtx` that knows how to sign.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from kmskit.offline.specs import MAX_RAW_MESSAGE
from kmskit.vectors import _der
from kmskit.vectors._doc import Case, CaseFn, Result, flip_bit
from kmskit.vectors._drbg import Drbg

__all__ = [
    "COMMON_CASES",
    "LONG",
    "MAX_RAW",
    "SHORT",
    "EcSigCtx",
    "message",
    "split",
    "test_fields",
]

SHORT: Final = 16
LONG: Final = 300
MAX_RAW: Final = MAX_RAW_MESSAGE


@dataclass(frozen=True)
class EcSigCtx:
    """What the shared cases need from a family: the group order and a deterministic signer.

    ``sign(msg, rng)`` returns a DER signature of the RAW message (drawing any nonce from
    ``rng``); ``digest(msg)`` returns what KMS takes as the DIGEST of ``msg``;
    ``split(sig)`` returns (r, s).
    """

    n: int
    coord_len: int
    sign: Callable[[bytes, Drbg], bytes]
    digest: Callable[[bytes], bytes]


def message(rng: Drbg, length: int) -> bytes:
    return rng.child("msg").read(length)


def split(sig: bytes) -> tuple[int, int]:
    """(r, s) of a minimal DER signature written by a trusted signer."""
    if sig[1] & 0x80:
        pos = 2 + (sig[1] & 0x7F)
    else:
        pos = 2
    values = []
    for _ in range(2):
        n = sig[pos + 1]
        values.append(int.from_bytes(sig[pos + 2 : pos + 2 + n], "big"))
        pos += 2 + n
    return values[0], values[1]


def test_fields(msg: bytes, sig: bytes, *, digest: bool = False) -> dict[str, str]:
    fields = {"msg": msg.hex(), "sig": sig.hex()}
    if digest:
        fields["messageType"] = "DIGEST"
    return fields


def _case(
    comment: str, result: Result, flag: str, msg: bytes, sig: bytes, *, digest: bool = False
) -> Case:
    return Case(comment, result, (flag,), test_fields(msg, sig, digest=digest))


def _signed(ctx: EcSigCtx, rng: Drbg, length: int = SHORT) -> tuple[bytes, bytes, int, int]:
    msg = message(rng, length)
    sig = ctx.sign(msg, rng)
    r, s = split(sig)
    return msg, sig, r, s


def _flip_int(value: int, n: int, rng: Drbg) -> int:
    """Flip one bit below the top bit, drawing again until the result is still below n."""
    bits = rng.child("bit")
    while True:
        flipped = value ^ (1 << (bits.scalar(value.bit_length() - 1) - 1))
        if flipped < n:
            return flipped


# --- valid -----------------------------------------------------------------------------


def normal_empty(ctx: EcSigCtx, rng: Drbg) -> Case:
    msg = b""
    return _case("empty message", "valid", "Normal", msg, ctx.sign(msg, rng))


def normal_short(ctx: EcSigCtx, rng: Drbg) -> Case:
    msg, sig, _, _ = _signed(ctx, rng)
    return _case(f"{SHORT}-byte message", "valid", "Normal", msg, sig)


def normal_long(ctx: EcSigCtx, rng: Drbg) -> Case:
    msg, sig, _, _ = _signed(ctx, rng, LONG)
    return _case(f"{LONG}-byte message", "valid", "Normal", msg, sig)


def normal_max(ctx: EcSigCtx, rng: Drbg) -> Case:
    msg, sig, _, _ = _signed(ctx, rng, MAX_RAW)
    return _case(f"{MAX_RAW}-byte message (the KMS RAW maximum)", "valid", "Normal", msg, sig)


def digest_input(ctx: EcSigCtx, rng: Drbg) -> Case:
    msg, sig, _, _ = _signed(ctx, rng)
    return _case("messageType DIGEST", "valid", "DigestInput", ctx.digest(msg), sig, digest=True)


# --- values of r and s -----------------------------------------------------------------


def modified_message(ctx: EcSigCtx, rng: Drbg) -> Case:
    msg, sig, _, _ = _signed(ctx, rng)
    return _case("one message bit flipped", "invalid", "ModifiedMessage", flip_bit(msg, rng), sig)


def modified_r(ctx: EcSigCtx, rng: Drbg) -> Case:
    msg, _, r, s = _signed(ctx, rng)
    sig = _der.signature(_flip_int(r, ctx.n, rng), s)
    return _case("one bit of r flipped", "invalid", "ModifiedR", msg, sig)


def modified_s(ctx: EcSigCtx, rng: Drbg) -> Case:
    msg, _, r, s = _signed(ctx, rng)
    sig = _der.signature(r, _flip_int(s, ctx.n, rng))
    return _case("one bit of s flipped", "invalid", "ModifiedS", msg, sig)


def _replace(
    name: str, comment: str, flag: str, which: str, value: Callable[[int, int], int]
) -> CaseFn[EcSigCtx]:
    def make(ctx: EcSigCtx, rng: Drbg) -> Case:
        msg, _, r, s = _signed(ctx, rng)
        if which == "r":
            r = value(r, ctx.n)
        else:
            s = value(s, ctx.n)
        return _case(comment, "invalid", flag, msg, _der.signature(r, s))

    return CaseFn(name, make)


# --- encodings -------------------------------------------------------------------------


def ber_long_length(ctx: EcSigCtx, rng: Drbg) -> Case:
    msg, _, r, s = _signed(ctx, rng)
    sig = _der.signature(r, s, long_form=True)
    return _case("SEQUENCE length in long form", "invalid", "BerLongLength", msg, sig)


def ber_indefinite_length(ctx: EcSigCtx, rng: Drbg) -> Case:
    msg, _, r, s = _signed(ctx, rng)
    sig = _der.signature(r, s, indefinite=True)
    return _case("indefinite-length SEQUENCE", "invalid", "BerIndefiniteLength", msg, sig)


def integer_padding(ctx: EcSigCtx, rng: Drbg) -> Case:
    msg, _, r, s = _signed(ctx, rng)
    sig = _der.signature(r, s, pad_r=1)
    return _case("r with an extra leading 00", "invalid", "IntegerPadding", msg, sig)


def unsigned_integer(ctx: EcSigCtx, rng: Drbg) -> Case | None:
    # Draw messages until r needs the sign byte (its bit length is a multiple of 8).
    for attempt in range(256):
        sub = rng.child(f"try{attempt}")
        msg, _, r, s = _signed(ctx, sub)
        if r.bit_length() % 8 == 0:
            sig = _der.signature(r, s, unsigned_r=True)
            return _case(
                "r without its 00 sign byte (reads as negative)",
                "invalid",
                "UnsignedInteger",
                msg,
                sig,
            )
    return None  # pragma: no cover - probability 2^-256 for a 256-bit order


def trailing_bytes(ctx: EcSigCtx, rng: Drbg) -> Case:
    msg, _, r, s = _signed(ctx, rng)
    sig = _der.signature(r, s, trailing=b"\x00")
    return _case("00 after the SEQUENCE", "invalid", "TrailingBytes", msg, sig)


def raw_signature(ctx: EcSigCtx, rng: Drbg) -> Case:
    msg, _, r, s = _signed(ctx, rng)
    raw = r.to_bytes(ctx.coord_len, "big") + s.to_bytes(ctx.coord_len, "big")
    return _case("raw r || s instead of DER", "invalid", "RawSignature", msg, raw)


COMMON_CASES: Final[tuple[CaseFn[EcSigCtx], ...]] = (
    CaseFn("normal_empty", normal_empty),
    CaseFn("normal_short", normal_short),
    CaseFn("normal_long", normal_long),
    CaseFn("normal_max", normal_max),
    CaseFn("digest_input", digest_input),
    CaseFn("modified_message", modified_message),
    CaseFn("modified_r", modified_r),
    CaseFn("modified_s", modified_s),
    _replace("r_is_zero", "r = 0", "RIsZero", "r", lambda v, n: 0),
    _replace("s_is_zero", "s = 0", "SIsZero", "s", lambda v, n: 0),
    _replace("r_is_n", "r = n", "RIsN", "r", lambda v, n: n),
    _replace("s_is_n", "s = n", "SIsN", "s", lambda v, n: n),
    _replace("r_plus_n", "r + n instead of r", "RPlusN", "r", lambda v, n: v + n),
    _replace("s_plus_n", "s + n instead of s", "SPlusN", "s", lambda v, n: v + n),
    CaseFn("ber_long_length", ber_long_length),
    CaseFn("ber_indefinite_length", ber_indefinite_length),
    CaseFn("integer_padding", integer_padding),
    CaseFn("unsigned_integer", unsigned_integer),
    CaseFn("trailing_bytes", trailing_bytes),
    CaseFn("raw_signature", raw_signature),
)
