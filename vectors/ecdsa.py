"""ECDSA verification vectors (kind ``ecdsa``) on every KMS curve with its KMS hash.

P-256/SHA-256, P-384/SHA-384, P-521/SHA-512 and secp256k1/SHA-256, ``count`` keys each.
Private keys are DRBG scalars in [1, n-1]; signatures are deterministic ECDSA (RFC 6979, with
the group's hash), as ``cryptography`` >= 42 implements it with
``ec.ECDSA(h, deterministic_signing=True)``, so no nonce is drawn at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from kmskit.offline.keys import PublicKey, load_public_key
from kmskit.offline.pem import pem_text
from kmskit.offline.signing import verify
from kmskit.vectors import _der, _ec_sig
from kmskit.vectors._curves import P256, P384, P521, SECP256K1, Curve
from kmskit.vectors._doc import Case, CaseFn, Group, run_cases
from kmskit.vectors._drbg import Drbg
from kmskit.vectors._ec_sig import EcSigCtx, message, split, test_fields
from kmskit.vectors._family import Family, Json, Verdict, judged, no_output

__all__ = ["FAMILIES", "FAMILY", "KIND"]

KIND: Final = "ecdsa"

_HASHES: Final[dict[str, type[hashes.HashAlgorithm]]] = {
    "SHA-256": hashes.SHA256,
    "SHA-384": hashes.SHA384,
    "SHA-512": hashes.SHA512,
}
# (curve, hash, KMS signing algorithm, the other hash used by WrongHash)
_PARAMS: Final = (
    (P256, "SHA-256", "ECDSA_SHA_256", "SHA-512"),
    (P384, "SHA-384", "ECDSA_SHA_384", "SHA-256"),
    (P521, "SHA-512", "ECDSA_SHA_512", "SHA-256"),
    (SECP256K1, "SHA-256", "ECDSA_SHA_256", "SHA-512"),
)


def _digest(name: str, data: bytes) -> bytes:
    return hashlib.new(name.replace("-", "").lower(), data).digest()


@dataclass(frozen=True)
class _Ctx:
    curve: Curve
    key: ec.EllipticCurvePrivateKey
    sha: str
    other_sha: str

    def sign(self, msg: bytes, sha: str | None = None) -> bytes:
        algorithm = _HASHES[sha or self.sha]()
        return self.key.sign(msg, ec.ECDSA(algorithm, deterministic_signing=True))

    def ec(self) -> EcSigCtx:
        return EcSigCtx(
            n=self.curve.n,
            coord_len=(self.curve.n.bit_length() + 7) // 8,
            sign=lambda msg, rng: self.sign(msg),
            digest=lambda msg: _digest(self.sha, msg),
        )


def signature_malleability(ctx: _Ctx, rng: Drbg) -> Case:
    msg = message(rng, _ec_sig.SHORT)
    r, s = split(ctx.sign(msg))
    sig = _der.signature(r, ctx.curve.n - s)
    return Case("(r, n - s)", "valid", ("SignatureMalleability",), test_fields(msg, sig))


def wrong_hash(ctx: _Ctx, rng: Drbg) -> Case:
    msg = message(rng, _ec_sig.SHORT)
    sig = ctx.sign(msg, ctx.other_sha)
    return Case(f"signed with {ctx.other_sha}", "invalid", ("WrongHash",), test_fields(msg, sig))


def digest_too_long(ctx: _Ctx, rng: Drbg) -> Case:
    msg = message(rng, _ec_sig.SHORT)
    sig = ctx.sign(msg)
    digest = _digest(ctx.sha, msg) + b"\x00"
    return Case(
        "DIGEST with a 00 appended (truncation would hide it)",
        "invalid",
        ("WrongDigestLength",),
        test_fields(digest, sig, digest=True),
    )


def digest_too_short(ctx: _Ctx, rng: Drbg) -> Case:
    msg = message(rng, _ec_sig.SHORT)
    sig = ctx.sign(msg)
    return Case(
        "DIGEST missing its last byte",
        "invalid",
        ("WrongDigestLength",),
        test_fields(_digest(ctx.sha, msg)[:-1], sig, digest=True),
    )


_ECDSA_CASES: Final[tuple[CaseFn[_Ctx], ...]] = (
    CaseFn("signature_malleability", signature_malleability),
    CaseFn("wrong_hash", wrong_hash),
    CaseFn("digest_too_long", digest_too_long),
    CaseFn("digest_too_short", digest_too_short),
)


def key_from(curve: Curve, rng: Drbg) -> ec.EllipticCurvePrivateKey:
    """A private key with a DRBG scalar uniform in [1, n-1]."""
    assert curve.pyca is not None
    return ec.derive_private_key(rng.scalar(curve.n - 1), curve.pyca())


def spki_der(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def build(rng: Drbg, count: int) -> tuple[Sequence[str], Sequence[Group]]:
    groups = []
    for curve, sha, algorithm, other in _PARAMS:
        for i in range(count):
            group_rng = rng.child(f"{curve.name}/key{i}")
            ctx = _Ctx(curve, key_from(curve, group_rng.child("d")), sha, other)
            cases = run_cases(_ec_sig.COMMON_CASES, ctx.ec(), group_rng)
            cases += run_cases(_ECDSA_CASES, ctx, group_rng)
            der = spki_der(ctx.key.public_key())
            fields = {
                "type": "EcdsaVerify",
                "keySpec": curve.key_spec,
                "signingAlgorithm": algorithm,
                "curve": curve.name,
                "sha": sha,
                "publicKeyDer": der.hex(),
                "publicKeyPem": pem_text("PUBLIC KEY", der),
            }
            groups.append(Group(fields, cases))
    header = [
        "ECDSA signature verification on the KMS curves, as KMS Verify with ECDSA_SHA_*.",
        "sig is DER SEQUENCE{r, s}. messageType absent = RAW (msg is hashed with sha);",
        "DIGEST: msg is the hash itself and must be exactly its length.",
    ]
    return header, groups


@lru_cache(maxsize=64)
def _public_key(der_hex: str) -> PublicKey:
    return load_public_key(bytes.fromhex(der_hex))


def judge(group: Json, test: Json) -> Verdict:
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


FAMILY: Final = Family(KIND, "ECDSA", 2, build, judge, no_output)
FAMILIES: Final = (FAMILY,)
