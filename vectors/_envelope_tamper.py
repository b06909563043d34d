"""The changes the negative envelope cases make: one per tampering, to a valid base message.

A :class:`Tamper` takes a valid :class:`~vectors._envelope_msg.Message` and returns its bytes
with exactly one thing changed. Header changes recompute the header tag (unless the change is
about what the tag covers), and every change is re-signed for the signed suites, so the
declared outcome is the only check that can fail (docs/vectors.md#envelope-cases). The
tampering names are written to the manifests as ``kmskit-tampering``.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Final

from kmskit.envelope.suites import BodyCipher, EnvelopeAlgorithm, SuiteProfile, suite
from kmskit.offline.encryption_context import parse_encryption_context, serialize_encryption_context
from kmskit.vectors._doc import flip_bit
from kmskit.vectors._drbg import Drbg
from kmskit.vectors._envelope_msg import Frame, Message

__all__ = ["BASES", "TAMPERS", "Base", "Tamper"]

A = EnvelopeAlgorithm


@dataclass(frozen=True)
class Base:
    name: str
    alg: EnvelopeAlgorithm
    keyring: str

    @property
    def suite(self) -> SuiteProfile:
        return suite(self.alg)

    @property
    def extended(self) -> bool:
        """GM suite or SM2 key: the cases go to kmskit-manifest.json."""
        return self.suite.cipher is not BodyCipher.AES_GCM or self.keyring == "sm2"


BASES: Final = (
    Base("aes-256-0578", A.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384, "aes-256"),
    Base("rsa-oaep-sha256-0478", A.AES_256_GCM_HKDF_SHA512_COMMIT_KEY, "rsa-oaep-sha256"),
    Base("sm2-4d05", A.SM4_GCM_HKDF_SM3_COMMIT_KEY_SM2, "sm2"),
    Base("sm2-4d04", A.SM4_GCM_HKDF_SM3_COMMIT_KEY, "sm2"),
)
# Suite ids a header is rewritten to: the ESDK's non-committing twin, or no suite at all.
_OTHER_SUITE: Final = {0x0478: 0x0178, 0x0578: 0x0378, 0x4D04: 0x4DFF, 0x4D05: 0x4DFF}


@dataclass(frozen=True)
class Tamper:
    """``change(msg, rng)`` returns the tampered bytes; ``expect`` may depend on the base."""

    name: str
    what: str
    expect: Callable[[Base], str]
    change: Callable[[Message, Drbg], bytes]
    applies: Callable[[Base], bool] = lambda base: True
    strict: bool = False  # only kmskit rejects it: the case goes to kmskit-manifest.json


def _const(expect: str) -> Callable[[Base], str]:
    return lambda base: expect


def _signed(base: Base) -> bool:
    return base.suite.signed


def _header(msg: Message, *, retag: bool = True, **changes: Any) -> bytes:
    changed = replace(msg, header=replace(msg.header, **changes))
    return (changed.retagged() if retag else changed).encode()


def _frames(msg: Message) -> tuple[Frame, ...]:
    assert isinstance(msg.body, tuple)
    return msg.body


def _body(msg: Message, frames: tuple[Frame, ...]) -> bytes:
    return replace(msg, body=frames).encode()


def _duplicate_pair(msg: Message, rng: Drbg) -> bytes:
    ctx = msg.header.context
    (count,) = struct.unpack_from(">H", ctx, 0)
    key_len = struct.unpack_from(">H", ctx, 2)[0]
    value_len = struct.unpack_from(">H", ctx, 4 + key_len)[0]
    first = ctx[2 : 6 + key_len + value_len]
    return _header(msg, context=struct.pack(">H", count + 1) + ctx[2:] + first)


def _change_value(msg: Message, rng: Drbg) -> bytes:
    ctx = parse_encryption_context(msg.header.context)
    ctx["purpose"] = ctx["purpose"][:-1] + "S"  # same length, another value
    return _header(msg, retag=False, context=serialize_encryption_context(ctx))


def _flip_edk(msg: Message, rng: Drbg) -> bytes:
    edk = msg.header.edks[0]
    ct = edk.ciphertext
    # Flip within the last 16 bytes: the AES-GCM tag, the low half of the RSA value (so it
    # stays below n), or the end of SM2's C2 (so the DER stays well formed).
    flipped = ct[:-16] + flip_bit(ct[-16:], rng.child("flip"))
    return _header(msg, edks=(replace(edk, ciphertext=flipped), *msg.header.edks[1:]))


def _rename_edk(msg: Message, rng: Drbg) -> bytes:
    edk = msg.header.edks[0]
    info = edk.provider_info
    name_length = info.find(b"\x00") if info.find(b"\x00") >= 0 else len(info)
    renamed = replace(edk, provider_info=b"other-key" + info[name_length:])
    return _header(msg, edks=(renamed, *msg.header.edks[1:]))


def _context_expect(base: Base) -> str:
    # Raw AES binds the context to its EDK (AES-GCM AAD): unwrapping fails before the tag.
    return (
        "invalid-ciphertext" if base.keyring.startswith("aes") else "header-authentication-failure"
    )


def _flip_first_frame(msg: Message, rng: Drbg) -> bytes:
    first, *rest = _frames(msg)
    flipped = replace(first, ciphertext=flip_bit(first.ciphertext, rng.child("flip")))
    return _body(msg, (flipped, *rest))


def _flip_final_tag(msg: Message, rng: Drbg) -> bytes:
    *rest, final = _frames(msg)
    return _body(msg, (*rest, replace(final, tag=flip_bit(final.tag, rng.child("flip")))))


def _swap_frames(msg: Message, rng: Drbg) -> bytes:
    f = _frames(msg)
    return _body(msg, (f[1], f[0], *f[2:]))


def _final_too_long(msg: Message, rng: Drbg) -> bytes:
    f = _frames(msg)
    return _body(msg, (*f[:-1], replace(f[-1], length=msg.header.frame_length + 1)))


def _flip_signature(msg: Message, rng: Drbg) -> bytes:
    sig = msg.signature()
    # The last byte is inside s: the DER stays well formed, the value changes.
    return msg.encode(signature=sig[:-1] + flip_bit(sig[-1:], rng.child("flip")))


TAMPERS: Final = (
    Tamper(
        "version-3",
        "message format version byte 0x03 (header tag recomputed)",
        _const("header-parse-failure"),
        lambda m, r: _header(m, version=3),
    ),
    Tamper(
        "suite-downgrade",
        "suite id replaced by its non-committing ESDK twin (0x0178 / 0x0378)",
        _const("header-parse-failure"),
        lambda m, r: _header(m, suite_id=_OTHER_SUITE[m.suite.suite_id]),
        lambda b: not b.extended,
    ),
    Tamper(
        "suite-unknown",
        "suite id 0x4DFF, which no suite has",
        _const("header-parse-failure"),
        lambda m, r: _header(m, suite_id=_OTHER_SUITE[m.suite.suite_id]),
        lambda b: b.extended,
    ),
    Tamper(
        "context-duplicate-key",
        "the first encryption-context pair repeated (count + 1)",
        _const("header-parse-failure"),
        _duplicate_pair,
    ),
    Tamper(
        "zero-edks",
        "encrypted data key count 0 and no EDKs",
        _const("header-parse-failure"),
        lambda m, r: _header(m, edks=(), edk_count=0),
    ),
    Tamper(
        "content-type-3",
        "content type 0x03",
        _const("header-parse-failure"),
        lambda m, r: _header(m, content_type=3),
    ),
    Tamper(
        "header-tag-flip",
        "one bit of the header authentication tag flipped",
        _const("header-authentication-failure"),
        lambda m, r: replace(m, header_tag=flip_bit(m.header_tag, r.child("flip"))).encode(),
    ),
    Tamper(
        "context-value-changed",
        "an encryption-context value changed in the header (tag not recomputed); raw AES"
        " binds the context to its EDK, so that fails first",
        _context_expect,
        _change_value,
    ),
    Tamper(
        "bad-commitment",
        "one bit of the key commitment flipped, header tag recomputed",
        _const("bad-commitment"),
        lambda m, r: _header(m, commit_key=flip_bit(m.header.commit_key, r.child("flip"))),
    ),
    Tamper(
        "edk-ciphertext-flip",
        "one bit of the encrypted data key flipped, header tag recomputed",
        _const("invalid-ciphertext"),
        _flip_edk,
    ),
    Tamper(
        "edk-key-name-changed",
        "the EDK's key name replaced by other-key, header tag recomputed",
        _const("no-matching-keyring"),
        _rename_edk,
    ),
    Tamper(
        "frame-ciphertext-flip",
        "one bit of the first frame's ciphertext flipped",
        _const("payload-authentication-failure"),
        _flip_first_frame,
    ),
    Tamper(
        "final-frame-tag-flip",
        "one bit of the final frame's tag flipped",
        _const("payload-authentication-failure"),
        _flip_final_tag,
    ),
    Tamper(
        "frames-swapped",
        "the first two frames swapped",
        _const("body-format-failure"),
        _swap_frames,
    ),
    Tamper(
        "final-frame-length-over",
        "final frame content length = frame length + 1",
        _const("body-format-failure"),
        _final_too_long,
    ),
    Tamper(
        "final-frame-missing",
        "the final frame removed",
        _const("body-format-failure"),
        lambda m, r: _body(m, _frames(m)[:-1]),
    ),
    Tamper(
        "truncated-header",
        "the message cut in the middle of its header",
        _const("header-parse-failure"),
        lambda m, r: m.encode()[: len(m.header.encode()) // 2],
    ),
    Tamper(
        "truncated-last-byte",
        "the last byte of the message removed",
        _const("body-format-failure"),
        lambda m, r: m.encode()[:-1],
    ),
    Tamper(
        "trailing-byte",
        "a 00 byte after the end of the message",
        _const("body-format-failure"),
        lambda m, r: m.encode() + b"\x00",
        strict=True,
    ),
    Tamper(
        "footer-missing",
        "the footer (signature) removed",
        _const("body-format-failure"),
        lambda m, r: replace(m, signer=None).encode(),
        _signed,
    ),
    Tamper(
        "signature-flip",
        "one bit in the last byte of the footer signature flipped",
        _const("signature-failure"),
        _flip_signature,
        _signed,
    ),
)
