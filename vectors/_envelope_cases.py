"""The envelope cases: one generator function per case, one failure per negative case.

Valid cases cover every suite with every keyring type that makes sense for it, with and
without an encryption context, and the frame shapes (empty, final frame only, exact multiple,
many frames, non-framed). Negative cases take a valid *base* message and change exactly one
thing; the header tag and footer signature are recomputed over the change unless the case is
about them, so the declared ``expect`` is the only check that can fail
(docs/vectors.md#envelope-cases). Portable cases go to ``manifest.json``; cases that need a
kmskit extension (GM suites, SM2 keys, an EDK limit, a required context) to
``kmskit-manifest.json``.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from envelope.suites import (
    DEFAULT_MAX_ENCRYPTED_DATA_KEYS,
    BodyCipher,
    EnvelopeAlgorithm,
    SuiteProfile,
    suite,
)
from offline.encryption_context import parse_encryption_context, serialize_encryption_context
from vectors._doc import flip_bit
from vectors._drbg import Drbg
from vectors._envelope_expect import SUCCESS
from vectors._envelope_keys import KeySet
from vectors._envelope_msg import Frame, Message, build

__all__ = ["CASES", "PLAINTEXTS", "EnvCase", "EnvCaseFn", "Setup"]

Json = dict[str, Any]
A = EnvelopeAlgorithm

# name -> length; the bytes are read from label envelope/plaintexts/<name>.
PLAINTEXTS: Final = {"empty": 0, "small": 300, "frame-multiple": 512, "many-frames": 1000}
CONTEXT: Final = {
    "classification": "public",
    "purpose": "kmskit test vectors",
    "ünïcode": "välue",
}
_FRAME: Final = 128


@dataclass(frozen=True)
class EnvCase:
    """One test of a decrypt manifest (the test id is its generator's name)."""

    extended: bool  # True: kmskit-manifest.json (needs a kmskit extension)
    description: str
    expect: str
    ciphertext: bytes
    master_keys: tuple[Json, ...]
    plaintext: str | None = None  # the PLAINTEXTS name a success decrypts to
    error: str = ""  # the framework's error-description (what was changed)
    required_context: Mapping[str, str] | None = None
    max_encrypted_data_keys: int | None = None
    tampering: str | None = None  # the _TAMPERS name of a changed message


@dataclass(frozen=True)
class Setup:
    keys: KeySet
    plaintexts: Mapping[str, bytes]


@dataclass(frozen=True)
class EnvCaseFn:
    """A named case generator; the name is the test id and part of the DRBG label."""

    name: str
    make: Callable[[Setup, Drbg], EnvCase]


MasterKey = Callable[[KeySet], Json]

_KEYRINGS: Final[dict[str, tuple[MasterKey, str]]] = {
    "aes-128": (lambda k: k.aes(128), "raw AES-128 key"),
    "aes-256": (lambda k: k.aes(256), "raw AES-256 key"),
    "rsa-oaep-sha1": (lambda k: k.rsa("sha1"), "RSA-2048 key, OAEP with SHA-1"),
    "rsa-oaep-sha256": (lambda k: k.rsa("sha256"), "RSA-2048 key, OAEP with SHA-256"),
    "sm2": (lambda k: k.sm2(), "SM2 key, SM2PKE"),
}


def _tag(alg: EnvelopeAlgorithm) -> str:
    return f"{suite(alg).suite_id:04x}"


def _suite_text(alg: EnvelopeAlgorithm) -> str:
    return f"suite 0x{suite(alg).suite_id:04X} ({alg.value})"


def _extended(alg: EnvelopeAlgorithm, keyrings: tuple[str, ...] = ()) -> bool:
    return suite(alg).cipher is not BodyCipher.AES_GCM or "sm2" in keyrings


def _shape(plaintext: str, length: int, frame_length: int) -> str:
    if not frame_length:
        return f"{length}-byte plaintext, non-framed"
    full, rest = divmod(length, frame_length)
    if length == 0:
        frames = "one empty final frame"
    elif rest == 0:
        frames = f"{full - 1} regular frames and a full final frame"
    else:
        frames = f"{full} regular frames and a {rest}-byte final frame"
    return f"{length}-byte plaintext in {frame_length}-byte frames ({frames})"


def _message(
    setup: Setup,
    rng: Drbg,
    alg: EnvelopeAlgorithm,
    keyrings: tuple[str, ...],
    *,
    context: Mapping[str, str],
    plaintext: str,
    frame_length: int,
) -> Message:
    recipients = [setup.keys.recipient(_KEYRINGS[k][0](setup.keys)) for k in keyrings]
    return build(
        suite(alg),
        recipients=recipients,
        context=context,
        plaintext=setup.plaintexts[plaintext],
        frame_length=frame_length,
        rng=rng,
    )


def _valid(
    name: str,
    alg: EnvelopeAlgorithm,
    keyrings: tuple[str, ...],
    *,
    decrypt_with: tuple[str, ...] | None = None,
    context: bool = True,
    plaintext: str = "small",
    frame_length: int = _FRAME,
    note: str = "",
) -> EnvCaseFn:
    """A valid message; decrypted with ``decrypt_with`` (default: every recipient)."""

    def make(setup: Setup, rng: Drbg) -> EnvCase:
        ctx = CONTEXT if context else {}
        msg = _message(
            setup, rng, alg, keyrings, context=ctx, plaintext=plaintext, frame_length=frame_length
        )
        with_keys = decrypt_with or keyrings
        wrapped = " + ".join(_KEYRINGS[k][1] for k in keyrings)
        text = (
            f"{wrapped}, {_suite_text(alg)}, {'an' if context else 'no'} encryption context,"
            f" {_shape(plaintext, len(setup.plaintexts[plaintext]), frame_length)}"
        )
        if note:
            text += f"; {note}"
        return EnvCase(
            extended=_extended(alg, keyrings),
            description=text,
            expect=SUCCESS,
            ciphertext=msg.encode(),
            master_keys=tuple(_KEYRINGS[k][0](setup.keys) for k in with_keys),
            plaintext=plaintext,
        )

    return EnvCaseFn(name, make)


def _edks(name: str, count: int, *, limit: int | None) -> EnvCaseFn:
    """``count`` raw AES-256 EDKs (fresh IVs) for the same key, suite 0x0478."""

    def make(setup: Setup, rng: Drbg) -> EnvCase:
        keyrings = ("aes-256",) * count
        msg = _message(
            setup, rng, A.AES_256_GCM_HKDF_SHA512_COMMIT_KEY, keyrings,
            context=CONTEXT, plaintext="small", frame_length=_FRAME,
        )  # fmt: skip
        over = limit is not None and count > limit
        text = f"{count} encrypted data keys (raw AES-256, fresh IVs), suite 0x0478"
        return EnvCase(
            extended=limit is not None,
            description=text + (f"; the decryptor allows {limit}" if limit else ""),
            expect="too-many-edks" if over else SUCCESS,
            ciphertext=msg.encode(),
            master_keys=(setup.keys.aes(256),),
            plaintext=None if over else "small",
            error=f"{count} encrypted data keys, over the limit of {limit}" if over else "",
            max_encrypted_data_keys=limit,
        )

    return EnvCaseFn(name, make)


def _required_context(name: str, required: Mapping[str, str], expect: str) -> EnvCaseFn:
    def make(setup: Setup, rng: Drbg) -> EnvCase:
        msg = _message(
            setup, rng, A.AES_256_GCM_HKDF_SHA512_COMMIT_KEY, ("aes-256",),
            context=CONTEXT, plaintext="small", frame_length=_FRAME,
        )  # fmt: skip
        pairs = ", ".join(f"{k}={v}" for k, v in sorted(required.items()))
        ok = expect == SUCCESS
        return EnvCase(
            extended=True,
            description=f"raw AES-256 key, suite 0x0478; the decryptor requires {pairs}",
            expect=expect,
            ciphertext=msg.encode(),
            master_keys=(setup.keys.aes(256),),
            plaintext="small" if ok else None,
            error="" if ok else "the message's encryption context lacks a required pair",
            required_context=dict(required),
        )

    return EnvCaseFn(name, make)


def _wrong_key(name: str, keyring: str, master: MasterKey, expect: str, what: str) -> EnvCaseFn:
    """A valid suite-0x0478 message for ``keyring``, decrypted with another master key."""

    def make(setup: Setup, rng: Drbg) -> EnvCase:
        msg = _message(
            setup, rng, A.AES_256_GCM_HKDF_SHA512_COMMIT_KEY, (keyring,),
            context=CONTEXT, plaintext="small", frame_length=_FRAME,
        )  # fmt: skip
        return EnvCase(
            extended=False,
            description=f"{_KEYRINGS[keyring][1]}, suite 0x0478, decrypted with {what}",
            expect=expect,
            ciphertext=msg.encode(),
            master_keys=(master(setup.keys),),
            error=f"decrypted with {what}",
        )

    return EnvCaseFn(name, make)


# --- negative cases: one change to a valid base message ---------------------------------


@dataclass(frozen=True)
class _Base:
    name: str
    alg: EnvelopeAlgorithm
    keyring: str

    @property
    def suite(self) -> SuiteProfile:
        return suite(self.alg)


_BASES: Final = (
    _Base("aes-256-0578", A.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384, "aes-256"),
    _Base("rsa-oaep-sha256-0478", A.AES_256_GCM_HKDF_SHA512_COMMIT_KEY, "rsa-oaep-sha256"),
    _Base("sm2-4d05", A.SM4_GCM_HKDF_SM3_COMMIT_KEY_SM2, "sm2"),
    _Base("sm2-4d04", A.SM4_GCM_HKDF_SM3_COMMIT_KEY, "sm2"),
)
# Suite ids a header is rewritten to: the ESDK's non-committing twin, or no suite at all.
_OTHER_SUITE: Final = {0x0478: 0x0178, 0x0578: 0x0378, 0x4D04: 0x4DFF, 0x4D05: 0x4DFF}


@dataclass(frozen=True)
class _Tamper:
    """``change(msg, rng)`` returns the tampered bytes; ``expect`` may depend on the base."""

    name: str
    what: str
    expect: Callable[[_Base], str]
    change: Callable[[Message, Drbg], bytes]
    applies: Callable[[_Base], bool] = lambda base: True
    strict: bool = False  # only kmskit rejects it: the case goes to kmskit-manifest.json


def _const(expect: str) -> Callable[[_Base], str]:
    return lambda base: expect


def _signed(base: _Base) -> bool:
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


def _context_expect(base: _Base) -> str:
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


_TAMPERS: Final = (
    _Tamper(
        "version-3",
        "message format version byte 0x03 (header tag recomputed)",
        _const("header-parse-failure"),
        lambda m, r: _header(m, version=3),
    ),
    _Tamper(
        "suite-downgrade",
        "suite id replaced by its non-committing ESDK twin (0x0178 / 0x0378)",
        _const("header-parse-failure"),
        lambda m, r: _header(m, suite_id=_OTHER_SUITE[m.suite.suite_id]),
        lambda b: not _extended(b.alg),
    ),
    _Tamper(
        "suite-unknown",
        "suite id 0x4DFF, which no suite has",
        _const("header-parse-failure"),
        lambda m, r: _header(m, suite_id=_OTHER_SUITE[m.suite.suite_id]),
        lambda b: _extended(b.alg),
    ),
    _Tamper(
        "context-duplicate-key",
        "the first encryption-context pair repeated (count + 1)",
        _const("header-parse-failure"),
        _duplicate_pair,
    ),
    _Tamper(
        "zero-edks",
        "encrypted data key count 0 and no EDKs",
        _const("header-parse-failure"),
        lambda m, r: _header(m, edks=(), edk_count=0),
    ),
    _Tamper(
        "content-type-3",
        "content type 0x03",
        _const("header-parse-failure"),
        lambda m, r: _header(m, content_type=3),
    ),
    _Tamper(
        "header-tag-flip",
        "one bit of the header authentication tag flipped",
        _const("header-authentication-failure"),
        lambda m, r: replace(m, header_tag=flip_bit(m.header_tag, r.child("flip"))).encode(),
    ),
    _Tamper(
        "context-value-changed",
        "an encryption-context value changed in the header (tag not recomputed); raw AES"
        " binds the context to its EDK, so that fails first",
        _context_expect,
        _change_value,
    ),
    _Tamper(
        "bad-commitment",
        "one bit of the key commitment flipped, header tag recomputed",
        _const("bad-commitment"),
        lambda m, r: _header(m, commit_key=flip_bit(m.header.commit_key, r.child("flip"))),
    ),
    _Tamper(
        "edk-ciphertext-flip",
        "one bit of the encrypted data key flipped, header tag recomputed",
        _const("invalid-ciphertext"),
        _flip_edk,
    ),
    _Tamper(
        "edk-key-name-changed",
        "the EDK's key name replaced by other-key, header tag recomputed",
        _const("no-matching-keyring"),
        _rename_edk,
    ),
    _Tamper(
        "frame-ciphertext-flip",
        "one bit of the first frame's ciphertext flipped",
        _const("payload-authentication-failure"),
        _flip_first_frame,
    ),
    _Tamper(
        "final-frame-tag-flip",
        "one bit of the final frame's tag flipped",
        _const("payload-authentication-failure"),
        _flip_final_tag,
    ),
    _Tamper(
        "frames-swapped",
        "the first two frames swapped",
        _const("body-format-failure"),
        _swap_frames,
    ),
    _Tamper(
        "final-frame-length-over",
        "final frame content length = frame length + 1",
        _const("body-format-failure"),
        _final_too_long,
    ),
    _Tamper(
        "final-frame-missing",
        "the final frame removed",
        _const("body-format-failure"),
        lambda m, r: _body(m, _frames(m)[:-1]),
    ),
    _Tamper(
        "truncated-header",
        "the message cut in the middle of its header",
        _const("header-parse-failure"),
        lambda m, r: m.encode()[: len(m.header.encode()) // 2],
    ),
    _Tamper(
        "truncated-last-byte",
        "the last byte of the message removed",
        _const("body-format-failure"),
        lambda m, r: m.encode()[:-1],
    ),
    _Tamper(
        "trailing-byte",
        "a 00 byte after the end of the message",
        _const("body-format-failure"),
        lambda m, r: m.encode() + b"\x00",
        strict=True,
    ),
    _Tamper(
        "footer-missing",
        "the footer (signature) removed",
        _const("body-format-failure"),
        lambda m, r: replace(m, signer=None).encode(),
        _signed,
    ),
    _Tamper(
        "signature-flip",
        "one bit in the last byte of the footer signature flipped",
        _const("signature-failure"),
        _flip_signature,
        _signed,
    ),
)


def _negative(base: _Base, tamper: _Tamper) -> EnvCaseFn:
    def make(setup: Setup, rng: Drbg) -> EnvCase:
        msg = _message(
            setup, rng, base.alg, (base.keyring,),
            context=CONTEXT, plaintext="small", frame_length=_FRAME,
        )  # fmt: skip
        return EnvCase(
            extended=tamper.strict or _extended(base.alg, (base.keyring,)),
            description=(
                f"{_KEYRINGS[base.keyring][1]}, {_suite_text(base.alg)}, an encryption context,"
                f" {_shape('small', len(setup.plaintexts['small']), _FRAME)}; {tamper.what}"
            ),
            expect=tamper.expect(base),
            ciphertext=tamper.change(msg, rng),
            master_keys=(_KEYRINGS[base.keyring][0](setup.keys),),
            error=tamper.what,
            tampering=tamper.name,
        )

    return EnvCaseFn(f"{base.name}-{tamper.name}", make)


def _valid_cases() -> list[EnvCaseFn]:
    out = []
    aes_suites = (
        A.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
        A.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
    )
    gm_suites = (A.SM4_GCM_HKDF_SM3_COMMIT_KEY, A.SM4_GCM_HKDF_SM3_COMMIT_KEY_SM2)
    for keyring in ("aes-128", "aes-256", "rsa-oaep-sha1", "rsa-oaep-sha256"):
        for alg in aes_suites:
            for context in (True, False):
                name = f"{keyring}-{_tag(alg)}-{'ctx' if context else 'no-ctx'}"
                out.append(_valid(name, alg, (keyring,), context=context))
    for alg in aes_suites:
        t = _tag(alg)
        out += [
            _valid(f"frames-empty-{t}", alg, ("aes-256",), plaintext="empty"),
            _valid(f"frames-final-only-{t}", alg, ("aes-256",), frame_length=4096),
            _valid(f"frames-exact-multiple-{t}", alg, ("aes-256",), plaintext="frame-multiple"),
            _valid(f"frames-many-{t}", alg, ("aes-256",), plaintext="many-frames", frame_length=64),
            _valid(f"non-framed-{t}", alg, ("aes-256",), frame_length=0),
            _valid(f"non-framed-empty-{t}", alg, ("aes-256",), plaintext="empty", frame_length=0),
        ]
    out += [
        _valid(
            "multi-aes-256-rsa-0578-decrypt-rsa",
            A.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
            ("aes-256", "rsa-oaep-sha256"),
            decrypt_with=("rsa-oaep-sha256",),
            note="decrypted with the RSA key only (the second EDK)",
        ),
        _valid(
            "multi-rsa-sha1-aes-128-0478",
            A.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
            ("rsa-oaep-sha1", "aes-128"),
            note="decrypted with both keys",
        ),
        _edks("edks-16-0478", DEFAULT_MAX_ENCRYPTED_DATA_KEYS, limit=None),
    ]
    for alg in gm_suites:
        t = _tag(alg)
        for context in (True, False):
            out.append(
                _valid(f"sm2-{t}-{'ctx' if context else 'no-ctx'}", alg, ("sm2",), context=context)
            )
        for keyring in ("aes-128", "aes-256"):
            out.append(_valid(f"{keyring}-{t}-ctx", alg, (keyring,)))
    sm4, sm4_sm2 = gm_suites
    out += [
        _valid("frames-empty-4d05", sm4_sm2, ("sm2",), plaintext="empty"),
        _valid("frames-exact-multiple-4d05", sm4_sm2, ("sm2",), plaintext="frame-multiple"),
        _valid("frames-final-only-4d04", sm4, ("aes-256",), frame_length=4096),
        _valid("non-framed-4d04", sm4, ("aes-256",), frame_length=0),
        _valid(
            "multi-sm2-aes-256-4d05-decrypt-aes-256",
            sm4_sm2,
            ("sm2", "aes-256"),
            decrypt_with=("aes-256",),
            note="decrypted with the AES key only (the second EDK)",
        ),
        _required_context("required-context-subset-0478", {"purpose": CONTEXT["purpose"]}, SUCCESS),
    ]
    return out


def _negative_cases() -> list[EnvCaseFn]:
    out = [_negative(base, t) for base in _BASES for t in _TAMPERS if t.applies(base)]
    out += [
        _wrong_key(
            "aes-256-0478-decrypt-aes-128",
            "aes-256",
            lambda k: k.aes(128),
            "no-matching-keyring",
            "the raw AES-128 key (another key name)",
        ),
        _wrong_key(
            "aes-256-0478-decrypt-impostor",
            "aes-256",
            lambda k: k.aes(256, impostor=True),
            "invalid-ciphertext",
            "aes-256-impostor: the same key id, other key material",
        ),
        _wrong_key(
            "rsa-oaep-sha256-0478-decrypt-public-key",
            "rsa-oaep-sha256",
            lambda k: k.rsa("sha256", public=True),
            "no-matching-keyring",
            "the RSA public key only",
        ),
        _wrong_key(
            "rsa-oaep-sha256-0478-decrypt-oaep-sha1",
            "rsa-oaep-sha256",
            lambda k: k.rsa("sha1"),
            "invalid-ciphertext",
            "the right RSA key but OAEP with SHA-1",
        ),
        _edks(
            "edks-17-0478",
            DEFAULT_MAX_ENCRYPTED_DATA_KEYS + 1,
            limit=DEFAULT_MAX_ENCRYPTED_DATA_KEYS,
        ),
        _required_context(
            "required-context-mismatch-0478", {"purpose": "another purpose"}, "invalid-ciphertext"
        ),
    ]
    return out


CASES: Final[tuple[EnvCaseFn, ...]] = (*_valid_cases(), *_negative_cases())
