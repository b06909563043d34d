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

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from kmskit.envelope.suites import (
    DEFAULT_MAX_ENCRYPTED_DATA_KEYS,
    BodyCipher,
    EnvelopeAlgorithm,
    suite,
)
from kmskit.vectors._drbg import Drbg
from kmskit.vectors._envelope_expect import SUCCESS
from kmskit.vectors._envelope_keys import KeySet
from kmskit.vectors._envelope_msg import Message, build
from kmskit.vectors._envelope_tamper import BASES, TAMPERS, Base, Tamper

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


def _negative(base: Base, tamper: Tamper) -> EnvCaseFn:
    def make(setup: Setup, rng: Drbg) -> EnvCase:
        msg = _message(
            setup, rng, base.alg, (base.keyring,),
            context=CONTEXT, plaintext="small", frame_length=_FRAME,
        )  # fmt: skip
        return EnvCase(
            extended=tamper.strict or base.extended,
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
    out = [_negative(base, t) for base in BASES for t in TAMPERS if t.applies(base)]
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
