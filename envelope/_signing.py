"""Footer signatures of the signed suites: ECDSA P-384 (0x0578) and SM2 (0x4D05).

docs/format.md#footer. The signer is a fresh key pair per message; its public key travels in
the encryption context under ``aws-crypto-public-key`` as a base64 compressed point. The
signature covers every byte before the footer (header, header tag, body), hashed as it
streams: SHA-384 for ECDSA; for SM2, e = SM3(Z_A ‖ M) with Z_A from the default ID
``1234567812345678``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    Prehashed,
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kmskit.envelope.suites import PUBLIC_KEY_CONTEXT_KEY, FooterSignature, SuiteProfile
from kmskit.offline import sm2
from kmskit.offline.errors import (
    HeaderFormatError,
    InvalidPointError,
    KMSInvalidSignatureException,
    MessageSignatureError,
)

__all__ = ["FooterSigner", "FooterVerifier"]

# The order n of secp384r1 (SEC 2 v2 §2.5.1).
_P384_ORDER = int(
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
    "C7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973",
    16,
)
_ECDSA_ATTEMPTS = 64


# The ECDSA footers: curve and hash (0x0214 is the only P-256 suite, and read only).
_ECDSA: Final[dict[FooterSignature, tuple[ec.EllipticCurve, type[hashes.HashAlgorithm]]]] = {
    FooterSignature.ECDSA_P256: (ec.SECP256R1(), hashes.SHA256),
    FooterSignature.ECDSA_P384: (ec.SECP384R1(), hashes.SHA384),
}


def _hash_for(suite: SuiteProfile) -> hashes.Hash:
    if suite.signature in _ECDSA:
        return hashes.Hash(_ECDSA[suite.signature][1]())
    return hashes.Hash(hashes.SM3())


class FooterSigner:
    """Signs one message. Create with :meth:`generate`; feed every byte before the footer
    to :meth:`update`; :meth:`finalize` returns the DER signature."""

    def __init__(self, suite: SuiteProfile) -> None:
        self._suite = suite
        self._hash = _hash_for(suite)
        self._ec_key: ec.EllipticCurvePrivateKey | None = None
        self._sm2_key: sm2.SM2PrivateKey | None = None
        if suite.signature is FooterSignature.ECDSA_P384:
            self._ec_key = ec.generate_private_key(ec.SECP384R1())
            point = self._ec_key.public_key().public_bytes(
                Encoding.X962, PublicFormat.CompressedPoint
            )
        else:
            self._sm2_key = sm2.generate_private_key()
            public = self._sm2_key.public_key()
            point = public.to_bytes(compressed=True)
            self._hash.update(sm2.compute_za(public, sm2.DEFAULT_ID))
        self.public_key_text = base64.b64encode(point).decode("ascii")

    @classmethod
    def generate(cls, suite: SuiteProfile) -> FooterSigner:
        """A signer with a fresh key pair for ``suite`` (which must be a signed suite)."""
        if suite.signature is None:
            raise ValueError("the suite has no footer signature")
        return cls(suite)

    def update(self, data: bytes | bytearray | memoryview) -> None:
        self._hash.update(data)

    def finalize(self) -> bytes:
        digest = self._hash.finalize()
        if self._sm2_key is not None:
            return sm2.sign(self._sm2_key, digest, prehashed=True)
        assert self._ec_key is not None
        return self._ecdsa_fixed_length(self._ec_key, digest)

    def _ecdsa_fixed_length(self, key: ec.EllipticCurvePrivateKey, digest: bytes) -> bytes:
        # The ESDK writes P-384 footers of exactly 103 bytes: when the DER is shorter it
        # tries s' = n − s (equally valid), else signs again with a new nonce.
        want = self._suite.signature_length
        algorithm = ec.ECDSA(Prehashed(hashes.SHA384()))
        for _ in range(_ECDSA_ATTEMPTS):
            signature = key.sign(digest, algorithm)
            if len(signature) == want:
                return signature
            r, s = decode_dss_signature(signature)
            signature = encode_dss_signature(r, _P384_ORDER - s)
            if len(signature) == want:
                return signature
        raise RuntimeError("could not produce a fixed-length ECDSA signature")  # pragma: no cover


class FooterVerifier:
    """Checks one message's footer. Create with :meth:`from_context` right after the header
    parses; feed every byte before the footer to :meth:`update`; then :meth:`verify`."""

    def __init__(self, suite: SuiteProfile, point: bytes) -> None:
        self._hash = _hash_for(suite)
        self._ec_key: ec.EllipticCurvePublicKey | None = None
        self._sm2_key: sm2.SM2PublicKey | None = None
        self._ec_hash: hashes.HashAlgorithm = hashes.SHA384()
        try:
            if suite.signature in _ECDSA:
                curve, hash_type = _ECDSA[suite.signature]
                self._ec_hash = hash_type()
                self._ec_key = ec.EllipticCurvePublicKey.from_encoded_point(curve, point)
            else:
                self._sm2_key = sm2.SM2PublicKey.from_bytes(point)
                self._hash.update(sm2.compute_za(self._sm2_key, sm2.DEFAULT_ID))
        except (ValueError, InvalidPointError):
            raise HeaderFormatError(
                f"the {PUBLIC_KEY_CONTEXT_KEY} in the encryption context is not a valid"
                f" {suite.signature} public key"
            ) from None

    @classmethod
    def from_context(cls, suite: SuiteProfile, context: Mapping[str, str]) -> FooterVerifier:
        """Build the verifier from the context's public key; raise HeaderFormatError when
        it is missing or malformed."""
        text = context.get(PUBLIC_KEY_CONTEXT_KEY)
        if text is None:
            raise HeaderFormatError(
                f"a signed suite needs {PUBLIC_KEY_CONTEXT_KEY} in the encryption context"
            )
        try:
            point = base64.b64decode(text.encode("ascii"), validate=True)
        except (binascii.Error, ValueError, UnicodeEncodeError):
            raise HeaderFormatError(f"{PUBLIC_KEY_CONTEXT_KEY} is not valid base64") from None
        return cls(suite, point)

    def update(self, data: bytes | bytearray | memoryview) -> None:
        self._hash.update(data)

    def verify(self, signature: bytes) -> None:
        """Raise :class:`MessageSignatureError` unless ``signature`` verifies."""
        digest = self._hash.finalize()
        try:
            if self._sm2_key is not None:
                sm2.verify(self._sm2_key, digest, signature, prehashed=True)
                return
            assert self._ec_key is not None
            self._ec_key.verify(signature, digest, ec.ECDSA(Prehashed(self._ec_hash)))
        except (InvalidSignature, KMSInvalidSignatureException, ValueError):
            raise MessageSignatureError("the message signature does not verify") from None
