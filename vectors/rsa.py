"""RSA vectors: kinds ``rsa-pss`` and ``rsa-pkcs1`` (verification) and ``rsa-oaep`` (decryption).

Keys come from the DRBG (:mod:`vectors._rsa_math`; the label names the size and index, not
the kind, so the three kinds of one seed share keys): ``count`` RSA-2048 keys used with every
KMS hash, plus one RSA-3072 and one RSA-4096 group. PSS salts and OAEP seeds come from the
DRBG; PKCS#1 v1.5 is deterministic. The blocks are built per RFC 8017 by
:mod:`vectors._rsa_math` (so malformed ones can be built too) and checked by kmskit, which
uses ``cryptography``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kmskit.offline.encryption import decrypt
from kmskit.offline.keys import PrivateKey, PublicKey, load_private_key, load_public_key
from kmskit.offline.pem import pem_text
from kmskit.offline.signing import verify
from kmskit.offline.specs import EncryptionAlgorithm, KeySpec, max_plaintext
from kmskit.vectors import _rsa_math as m
from kmskit.vectors._doc import Case, CaseFn, Group, Result, flip_bit, run_cases
from kmskit.vectors._drbg import Drbg
from kmskit.vectors._ec_sig import LONG, MAX_RAW, SHORT, message, test_fields
from kmskit.vectors._family import Family, Json, Verdict, judged, no_output

__all__ = ["FAMILIES", "OAEP", "PKCS1", "PSS"]

_OTHER_SHA: Final = {
    "SHA-1": "SHA-256",
    "SHA-256": "SHA-512",
    "SHA-384": "SHA-256",
    "SHA-512": "SHA-256",
}
_SIG_HASHES: Final = ("SHA-256", "SHA-384", "SHA-512")
_EXTRA_PSS: Final = ((3072, "SHA-256"), (4096, "SHA-512"))
_EXTRA_PKCS1: Final = ((3072, "SHA-384"), (4096, "SHA-256"))
_EXTRA_OAEP: Final = ((3072, "SHA-256"), (4096, "SHA-1"))


def _key(rng: Drbg, bits: int, index: int) -> rsa.RSAPrivateKey:
    return m.private_key(rng.at(f"rsa-{bits}/key{index}"), bits)


def _plan(
    count: int, hashes: Sequence[str], extra: Sequence[tuple[int, str]]
) -> list[tuple[int, int, str]]:
    """(bits, key index, hash) per group: count 2048-bit keys × hashes, then the extras."""
    plan = [(2048, i, sha) for i in range(count) for sha in hashes]
    return plan + [(bits, 0, sha) for bits, sha in extra]


def _spki(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _alg_suffix(sha: str) -> str:
    return sha.replace("-", "_")


# --- signatures ------------------------------------------------------------------------


@dataclass(frozen=True)
class _SigCtx:
    key: rsa.RSAPrivateKey
    sha: str

    @property
    def k(self) -> int:
        return (self.key.key_size + 7) // 8

    @property
    def other(self) -> str:
        return _OTHER_SHA[self.sha]

    def raw_sign(self, em: bytes) -> bytes:
        return m.rsa_private(self.key, int.from_bytes(em, "big")).to_bytes(self.k, "big")

    def pss(
        self,
        msg: bytes,
        rng: Drbg,
        *,
        sha: str | None = None,
        mgf: str | None = None,
        salt_len: int | None = None,
        trailer: int = 0xBC,
        separator: int = 0x01,
    ) -> bytes:
        h = sha or self.sha
        m_hash = m.hash_bytes(h, msg)
        salt = rng.child("salt").read(len(m_hash) if salt_len is None else salt_len)
        em = m.emsa_pss(
            m_hash,
            salt,
            self.key.key_size,
            hash_name=h,
            mgf_hash=mgf or h,
            trailer=trailer,
            separator=separator,
        )
        return self.raw_sign(em)

    def pkcs1(
        self,
        msg: bytes,
        *,
        sha: str | None = None,
        null: bool = True,
        long_form: bool = False,
        block_type: int = 1,
        fill: int = 0xFF,
        after: bytes = b"",
    ) -> bytes:
        h = sha or self.sha
        t = m.digest_info(h, m.hash_bytes(h, msg), null=null, long_form=long_form)
        em = m.emsa_pkcs1(t, self.k, block_type=block_type, fill=fill, after=after)
        return self.raw_sign(em)


def _sig_case(
    comment: str, result: Result, flag: str, msg: bytes, sig: bytes, *, digest: bool = False
) -> Case:
    return Case(comment, result, (flag,), test_fields(msg, sig, digest=digest))


def _sign_default(ctx: _SigCtx, msg: bytes, rng: Drbg, pss: bool) -> bytes:
    return ctx.pss(msg, rng) if pss else ctx.pkcs1(msg)


def _common_sig_cases(pss: bool) -> tuple[CaseFn[_SigCtx], ...]:
    """The cases PSS and PKCS#1 v1.5 share, for one padding."""

    def normal(length: int, comment: str) -> CaseFn[_SigCtx]:
        def make(ctx: _SigCtx, rng: Drbg) -> Case:
            msg = message(rng, length)
            return _sig_case(comment, "valid", "Normal", msg, _sign_default(ctx, msg, rng, pss))

        return CaseFn(f"normal_{length}", make)

    def digest_input(ctx: _SigCtx, rng: Drbg) -> Case:
        msg = message(rng, SHORT)
        sig = _sign_default(ctx, msg, rng, pss)
        digest = m.hash_bytes(ctx.sha, msg)
        return _sig_case("messageType DIGEST", "valid", "DigestInput", digest, sig, digest=True)

    def modified_message(ctx: _SigCtx, rng: Drbg) -> Case:
        msg = message(rng, SHORT)
        sig = _sign_default(ctx, msg, rng, pss)
        return _sig_case(
            "one message bit flipped", "invalid", "ModifiedMessage", flip_bit(msg, rng), sig
        )

    def modified_signature(ctx: _SigCtx, rng: Drbg) -> Case:
        msg = message(rng, SHORT)
        sig = flip_bit(_sign_default(ctx, msg, rng, pss), rng, low_half=True)
        return _sig_case("one signature bit flipped", "invalid", "ModifiedSignature", msg, sig)

    def signature_is_n(ctx: _SigCtx, rng: Drbg) -> Case:
        msg = message(rng, SHORT)
        n = ctx.key.public_key().public_numbers().n
        return _sig_case(
            "signature = n", "invalid", "SignatureOutOfRange", msg, n.to_bytes(ctx.k, "big")
        )

    def signature_length_mismatch(ctx: _SigCtx, rng: Drbg) -> Case:
        msg = message(rng, SHORT)
        sig = b"\x00" + _sign_default(ctx, msg, rng, pss)
        return _sig_case(
            "00 prepended to a valid signature", "invalid", "SignatureLengthMismatch", msg, sig
        )

    def digest_too_short(ctx: _SigCtx, rng: Drbg) -> Case:
        msg = message(rng, SHORT)
        sig = _sign_default(ctx, msg, rng, pss)
        digest = m.hash_bytes(ctx.sha, msg)[:-1]
        return _sig_case(
            "DIGEST missing its last byte", "invalid", "WrongDigestLength", digest, sig, digest=True
        )

    return (
        normal(0, "empty message"),
        normal(SHORT, f"{SHORT}-byte message"),
        normal(LONG, f"{LONG}-byte message"),
        normal(MAX_RAW, f"{MAX_RAW}-byte message (the KMS RAW maximum)"),
        CaseFn("digest_input", digest_input),
        CaseFn("modified_message", modified_message),
        CaseFn("modified_signature", modified_signature),
        CaseFn("signature_is_n", signature_is_n),
        CaseFn("signature_length_mismatch", signature_length_mismatch),
        CaseFn("digest_too_short", digest_too_short),
    )


SignFn = Callable[[_SigCtx, bytes, Drbg], bytes]


def _variant(name: str, comment: str, flag: str, sign: SignFn) -> CaseFn[_SigCtx]:
    """An invalid signature case: ``sign`` makes the one defective signature of a message."""

    def make(ctx: _SigCtx, rng: Drbg) -> Case:
        msg = message(rng, SHORT)
        text = comment.replace("{other}", ctx.other)
        return _sig_case(text, "invalid", flag, msg, sign(ctx, msg, rng))

    return CaseFn(name, make)


_PSS_CASES: Final[tuple[CaseFn[_SigCtx], ...]] = (
    *_common_sig_cases(pss=True),
    _variant(
        "salt_empty",
        "salt length 0",
        "WrongSaltLength",
        lambda c, msg, rng: c.pss(msg, rng, salt_len=0),
    ),
    _variant(
        "salt_20",
        "salt length 20",
        "WrongSaltLength",
        lambda c, msg, rng: c.pss(msg, rng, salt_len=20),
    ),
    _variant(
        "mgf_sha1",
        "MGF1 with SHA-1",
        "MgfHashMismatch",
        lambda c, msg, rng: c.pss(msg, rng, mgf="SHA-1"),
    ),
    _variant(
        "wrong_hash",
        "PSS with {other} throughout",
        "WrongHash",
        lambda c, msg, rng: c.pss(msg, rng, sha=c.other),
    ),
    _variant(
        "wrong_trailer",
        "trailer 0xcc",
        "WrongTrailer",
        lambda c, msg, rng: c.pss(msg, rng, trailer=0xCC),
    ),
    _variant(
        "modified_padding",
        "separator 0x02",
        "ModifiedPadding",
        lambda c, msg, rng: c.pss(msg, rng, separator=0x02),
    ),
)

_PKCS1_CASES: Final[tuple[CaseFn[_SigCtx], ...]] = (
    *_common_sig_cases(pss=False),
    _variant(
        "missing_null",
        "DigestInfo without NULL",
        "MissingNull",
        lambda c, msg, rng: c.pkcs1(msg, null=False),
    ),
    _variant(
        "wrong_hash",
        "DigestInfo of {other}",
        "WrongHash",
        lambda c, msg, rng: c.pkcs1(msg, sha=c.other),
    ),
    _variant(
        "ber_digest_info",
        "DigestInfo long-form length",
        "BerEncodedDigestInfo",
        lambda c, msg, rng: c.pkcs1(msg, long_form=True),
    ),
    _variant(
        "trailing_digest_info",
        "00 after DigestInfo",
        "TrailingDigestInfo",
        lambda c, msg, rng: c.pkcs1(msg, after=b"\x00"),
    ),
    _variant(
        "block_type_2",
        "block type 02",
        "InvalidPadding",
        lambda c, msg, rng: c.pkcs1(msg, block_type=2),
    ),
    _variant(
        "padding_not_ff",
        "a padding byte is 0xfe",
        "InvalidPadding",
        lambda c, msg, rng: c.pkcs1(msg, fill=0xFE),
    ),
)

Build = Callable[[Drbg, int], tuple[Sequence[str], Sequence[Group]]]


def _sig_build(pss: bool, extra: Sequence[tuple[int, str]]) -> Build:
    cases = _PSS_CASES if pss else _PKCS1_CASES

    def build(rng: Drbg, count: int) -> tuple[Sequence[str], Sequence[Group]]:
        groups = []
        for bits, index, sha in _plan(count, _SIG_HASHES, extra):
            key = _key(rng, bits, index)
            ctx = _SigCtx(key, sha)
            der = _spki(key)
            prefix = "RSASSA_PSS" if pss else "RSASSA_PKCS1_V1_5"
            fields: dict[str, object] = {
                "type": "RsassaPssVerify" if pss else "RsassaPkcs1Verify",
                "keySpec": f"RSA_{bits}",
                "keySize": bits,
                "signingAlgorithm": f"{prefix}_{_alg_suffix(sha)}",
                "sha": sha,
                "publicKeyDer": der.hex(),
                "publicKeyPem": pem_text("PUBLIC KEY", der),
            }
            if pss:
                fields.update(mgf="MGF1", mgfSha=sha, sLen=len(m.hash_bytes(sha, b"")))
            group_rng = rng.child(f"rsa-{bits}/key{index}/{sha}")
            groups.append(Group(fields, run_cases(cases, ctx, group_rng)))
        padding = (
            "RSASSA-PSS (MGF1 with the same hash, salt = hash length)"
            if pss
            else "RSASSA-PKCS1-v1_5"
        )
        header = [
            f"{padding} signature verification, as KMS Verify with {prefix}_*.",
            "messageType absent = RAW (msg is hashed with sha); DIGEST: msg is the hash.",
        ]
        return header, groups

    return build


@lru_cache(maxsize=64)
def _public_key(der_hex: str) -> PublicKey:
    return load_public_key(bytes.fromhex(der_hex))


def _judge_sig(group: Json, test: Json) -> Verdict:
    def run() -> None:
        verify(
            _public_key(group["publicKeyDer"]),
            bytes.fromhex(test["msg"]),
            bytes.fromhex(test["sig"]),
            group["signingAlgorithm"],
            test.get("messageType", "RAW"),
        )
        return None

    return judged(run)


# --- OAEP ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _OaepCtx:
    key: rsa.RSAPrivateKey
    sha: str

    @property
    def k(self) -> int:
        return (self.key.key_size + 7) // 8

    @property
    def other(self) -> str:
        return _OTHER_SHA[self.sha]

    @property
    def algorithm(self) -> EncryptionAlgorithm:
        return EncryptionAlgorithm(f"RSAES_OAEP_{_alg_suffix(self.sha)}")

    def encrypt(
        self,
        msg: bytes,
        rng: Drbg,
        *,
        sha: str | None = None,
        mgf: str | None = None,
        label: bytes = b"",
        first: int = 0x00,
        separator: int = 0x01,
    ) -> bytes:
        h = sha or self.sha
        seed = rng.child("seed").read(len(m.hash_bytes(h, b"")))
        em = m.eme_oaep(
            msg,
            seed,
            self.k,
            hash_name=h,
            mgf_hash=mgf or h,
            label=label,
            first=first,
            separator=separator,
        )
        return m.rsa_public(self.key.public_key(), int.from_bytes(em, "big")).to_bytes(
            self.k, "big"
        )


def _oaep_case(comment: str, result: Result, flag: str, msg: bytes, ct: bytes) -> Case:
    return Case(comment, result, (flag,), {"msg": msg.hex(), "ct": ct.hex(), "label": ""})


def _oaep_normal(which: str) -> CaseFn[_OaepCtx]:
    def make(ctx: _OaepCtx, rng: Drbg) -> Case:
        if which == "max":
            length = max_plaintext(KeySpec(f"RSA_{ctx.key.key_size}"), ctx.algorithm)
            comment = f"{length}-byte message (the KMS maximum)"
        else:
            length = int(which)
            comment = f"{length}-byte message"
        msg = message(rng, length)
        return _oaep_case(comment, "valid", "Normal", msg, ctx.encrypt(msg, rng))

    return CaseFn(f"normal_{which}", make)


EncryptFn = Callable[[_OaepCtx, bytes, Drbg], bytes]


def _oaep_variant(name: str, comment: str, flag: str, encrypt: EncryptFn) -> CaseFn[_OaepCtx]:
    """An invalid OAEP case: ``encrypt`` makes the one defective ciphertext of a message."""

    def make(ctx: _OaepCtx, rng: Drbg) -> Case:
        msg = message(rng, SHORT)
        text = comment.replace("{other}", ctx.other)
        return _oaep_case(text, "invalid", flag, msg, encrypt(ctx, msg, rng))

    return CaseFn(name, make)


def _oaep_transform(name: str, comment: str, flag: str, how: str) -> CaseFn[_OaepCtx]:
    def make(ctx: _OaepCtx, rng: Drbg) -> Case:
        msg = message(rng, SHORT)
        ct = ctx.encrypt(msg, rng)
        if how == "flip":
            ct = flip_bit(ct, rng, low_half=True)
        elif how == "n":
            ct = ctx.key.public_key().public_numbers().n.to_bytes(ctx.k, "big")
        else:
            ct = b"\x00" + ct
        return _oaep_case(comment, "invalid", flag, msg, ct)

    return CaseFn(name, make)


_OAEP_CASES: Final[tuple[CaseFn[_OaepCtx], ...]] = (
    _oaep_normal("1"),
    _oaep_normal("32"),
    _oaep_normal("max"),
    _oaep_variant(
        "non_empty_label",
        "encrypted with an 8-byte label",
        "NonEmptyLabel",
        lambda c, msg, rng: c.encrypt(msg, rng, label=rng.child("label").read(8)),
    ),
    _oaep_variant(
        "wrong_hash",
        "OAEP with {other} throughout",
        "WrongHash",
        lambda c, msg, rng: c.encrypt(msg, rng, sha=c.other, mgf=c.other),
    ),
    _oaep_variant(
        "mgf_hash_mismatch",
        "MGF1 with {other}",
        "MgfHashMismatch",
        lambda c, msg, rng: c.encrypt(msg, rng, mgf=c.other),
    ),
    _oaep_variant(
        "leading_byte",
        "Y = 01",
        "LeadingByteNotZero",
        lambda c, msg, rng: c.encrypt(msg, rng, first=0x01),
    ),
    _oaep_variant(
        "separator_02",
        "separator 0x02",
        "InvalidSeparator",
        lambda c, msg, rng: c.encrypt(msg, rng, separator=0x02),
    ),
    _oaep_transform(
        "modified_ciphertext", "one ciphertext bit flipped", "ModifiedCiphertext", "flip"
    ),
    _oaep_transform("ciphertext_is_n", "ciphertext = n", "CiphertextOutOfRange", "n"),
    _oaep_transform("ciphertext_length", "00 prepended", "CiphertextLengthMismatch", "zero"),
)


def _oaep_build(rng: Drbg, count: int) -> tuple[Sequence[str], Sequence[Group]]:
    groups = []
    for bits, index, sha in _plan(count, ("SHA-1", "SHA-256"), _EXTRA_OAEP):
        key = _key(rng, bits, index)
        ctx = _OaepCtx(key, sha)
        private_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")
        fields: dict[str, object] = {
            "type": "RsaesOaepDecrypt",
            "keySpec": f"RSA_{bits}",
            "keySize": bits,
            "encryptionAlgorithm": str(ctx.algorithm),
            "sha": sha,
            "mgf": "MGF1",
            "mgfSha": sha,
            "privateKeyPem": private_pem,
            "publicKeyPem": pem_text("PUBLIC KEY", _spki(key)),
        }
        group_rng = rng.child(f"rsa-{bits}/key{index}/{sha}")
        groups.append(Group(fields, run_cases(_OAEP_CASES, ctx, group_rng)))
    header = [
        "RSAES-OAEP decryption, as KMS Decrypt with RSAES_OAEP_SHA_1 / _SHA_256:",
        "MGF1 with the same hash and the empty label. msg is the expected plaintext.",
    ]
    return header, groups


@lru_cache(maxsize=64)
def _private_key(pem_text: str) -> PrivateKey:
    return load_private_key(pem_text.encode("ascii"))


def _judge_oaep(group: Json, test: Json) -> Verdict:
    return judged(
        lambda: decrypt(
            _private_key(group["privateKeyPem"]),
            bytes.fromhex(test["ct"]),
            group["encryptionAlgorithm"],
        )
    )


def _expected_msg(test: Json) -> bytes:
    return bytes.fromhex(test["msg"])


PSS: Final = Family("rsa-pss", "RSASSA-PSS", 2, _sig_build(True, _EXTRA_PSS), _judge_sig, no_output)
PKCS1: Final = Family(
    "rsa-pkcs1",
    "RSASSA-PKCS1-v1_5",
    2,
    _sig_build(False, _EXTRA_PKCS1),
    _judge_sig,
    no_output,
)
OAEP: Final = Family("rsa-oaep", "RSAES-OAEP", 2, _oaep_build, _judge_oaep, _expected_msg)
FAMILIES: Final = (PSS, PKCS1, OAEP)
