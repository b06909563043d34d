"""Sign and verify with KMS signing algorithms, offline.

Semantics follow KMS Sign/Verify: RAW messages up to 4096 bytes are hashed here; DIGEST
passes the digest (for SM2DSA, e = SM3(Z_A ‖ M)); EXTERNAL_MU passes ML-DSA's μ. RSA-PSS
uses MGF1 with the signing hash and a salt as long as the hash, as KMS does. ECDSA and SM2
signatures are DER ``SEQUENCE{r, s}``.

A failed check raises: ``verify`` returns ``True`` or raises
:class:`KMSInvalidSignatureException`, so a caller who ignores the result is still safe.
"""

from __future__ import annotations

from functools import cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, mldsa, padding, rsa, utils

from kmskit.offline import _checks
from kmskit.offline.errors import KMSInvalidSignatureException, ValidationException
from kmskit.offline.hashing import pyca_hash
from kmskit.offline.keys import AnyPrivateKey, AnyPublicKey, PrivateKey, PublicKey
from kmskit.offline.specs import (
    KeySpec,
    KeyUsage,
    MessageType,
    SigningAlgorithm,
    profile,
    signing_profile,
)

__all__ = ["sign", "verify"]

_PSS = {
    SigningAlgorithm.RSASSA_PSS_SHA_256,
    SigningAlgorithm.RSASSA_PSS_SHA_384,
    SigningAlgorithm.RSASSA_PSS_SHA_512,
}
_INVALID = "signature is not valid for this key, message and signing algorithm"


def verify(
    public_key: PublicKey,
    message: bytes,
    signature: bytes,
    signing_algorithm: SigningAlgorithm | str,
    message_type: MessageType | str = MessageType.RAW,
    *,
    sm2_id: bytes | None = None,
    force: bool = False,
    signature_format: str | None = None,
) -> bool:
    """Verify ``signature`` over ``message`` the way KMS Verify would.

    ``sm2_id`` is the SM2 distinguishing ID for SM2DSA RAW (default ``1234567812345678``).
    ``force`` only overrides the refusal of a key whose known usage is not SIGN_VERIFY.
    ``signature_format`` (``der``, ``raw`` or ``auto``) accepts the encodings of
    :func:`offline.signature_forms.decode_signature` (raw r‖s, base64 or hex text); without
    it the signature is taken as KMS returns it (DER for ECDSA and SM2).

    Returns ``True``. Raises :class:`KMSInvalidSignatureException` when the signature does not
    verify (including a malformed signature), :class:`InvalidKeyUsageException` for an
    algorithm the key cannot use, and :class:`ValidationException` for a bad message type or
    length.
    """
    algorithm, mtype = _prepare(
        public_key.spec,
        public_key.usage,
        signing_algorithm,
        message_type,
        message,
        sm2_id,
        force=force,
    )
    if signature_format is not None:
        from kmskit.offline.signature_forms import decode_signature

        signature = decode_signature(signature, public_key, signature_format)  # type: ignore[arg-type]
    verify_with_key(public_key.key, algorithm, mtype, message, signature, sm2_id=sm2_id)
    return True


def sign(
    private_key: PrivateKey,
    message: bytes,
    signing_algorithm: SigningAlgorithm | str,
    message_type: MessageType | str = MessageType.RAW,
    *,
    sm2_id: bytes | None = None,
) -> bytes:
    """Sign like KMS Sign, with a local private key (for example a data key pair's).

    Returns the signature (DER for ECDSA and SM2DSA). Raises :class:`InvalidKeyUsageException`
    or :class:`ValidationException` as :func:`verify` does.
    """
    algorithm, mtype = _prepare(
        private_key.spec, None, signing_algorithm, message_type, message, sm2_id, force=False
    )
    return _sign_with_key(private_key.key, algorithm, mtype, message, sm2_id)


def _prepare(
    spec: KeySpec,
    usage: KeyUsage | None,
    signing_algorithm: SigningAlgorithm | str,
    message_type: MessageType | str,
    message: bytes,
    sm2_id: bytes | None,
    *,
    force: bool,
) -> tuple[SigningAlgorithm, MessageType]:
    algorithm = _checks.parse_name(SigningAlgorithm, signing_algorithm, "signing algorithm")
    mtype = _checks.parse_name(MessageType, message_type, "message type")
    _checks.require_algorithm(spec, algorithm, profile(spec).signing)
    _checks.require_usage(
        usage,
        KeyUsage.SIGN_VERIFY,
        "signing and verification",
        force=force,
        why="KMS never signs with this key",
    )
    _checks.check_signing_input(algorithm, mtype, message)
    if sm2_id is not None:
        if algorithm is not SigningAlgorithm.SM2DSA:
            raise ValidationException("a distinguishing ID applies only to SM2DSA")
        if mtype is MessageType.DIGEST:
            raise ValidationException(
                "a distinguishing ID has no effect with DIGEST: e = SM3(Z_A ‖ M) already"
                " includes it; compute e with the ID you want"
            )
    return algorithm, mtype


def _digest(algorithm: SigningAlgorithm, message_type: MessageType, message: bytes) -> bytes:
    """The hash KMS signs: computed here for RAW, passed through for DIGEST."""
    if message_type is MessageType.DIGEST:
        return message
    # cryptography's hashes, not hashlib: they are loaded already, and hashlib would load a
    # second OpenSSL binding (about 4 ms of every verify's start-up). Same OpenSSL digests.
    h = hashes.Hash(pyca_hash(signing_profile(algorithm).hash))
    h.update(message)
    return h.finalize()


def _ed25519ph_prehash(digest: bytes) -> bytes:
    """KMS hashes an ED25519_PH_SHA_512 DIGEST once more (KMS API reference, Sign
    MessageType): the Ed25519ph message is the caller's 64-byte digest, so PH = SHA-512 of it.
    """
    h = hashes.Hash(hashes.SHA512())
    h.update(digest)
    return h.finalize()


def _hash(algorithm: SigningAlgorithm) -> hashes.HashAlgorithm:
    return pyca_hash(signing_profile(algorithm).hash)


@cache
def _ecdsa_prehashed(algorithm: SigningAlgorithm) -> ec.ECDSA:
    """One immutable ECDSA parameter object per algorithm (batches verify thousands)."""
    return ec.ECDSA(utils.Prehashed(_hash(algorithm)))


def _rsa_padding(algorithm: SigningAlgorithm) -> padding.AsymmetricPadding:
    if algorithm in _PSS:
        h = _hash(algorithm)
        # KMS: "MGF1 with the same hash, salt length equal to the hash length".
        return padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size)
    return padding.PKCS1v15()


def verify_with_key(
    key: AnyPublicKey,
    algorithm: SigningAlgorithm,
    message_type: MessageType,
    message: bytes,
    signature: bytes,
    *,
    sm2_id: bytes | None = None,
) -> None:
    """The cryptographic check alone, with no KMS table checks (tests use it for vector sets
    that pair a curve with a hash KMS never would). Raises KMSInvalidSignatureException."""
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(
                signature,
                _digest(algorithm, message_type, message),
                _rsa_padding(algorithm),
                utils.Prehashed(_hash(algorithm)),
            )
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(
                signature, _digest(algorithm, message_type, message), _ecdsa_prehashed(algorithm)
            )
        elif isinstance(key, ed25519.Ed25519PublicKey):
            _verify_ed25519(key, algorithm, message_type, message, signature)
        elif isinstance(
            key, mldsa.MLDSA44PublicKey | mldsa.MLDSA65PublicKey | mldsa.MLDSA87PublicKey
        ):
            _verify_mldsa(key, message_type, message, signature)
        else:
            from kmskit.offline import sm2

            sm2.verify(
                key,
                message,
                signature,
                sm2_id=sm2.DEFAULT_ID if sm2_id is None else sm2_id,
                prehashed=message_type is MessageType.DIGEST,
            )
    except InvalidSignature:
        raise KMSInvalidSignatureException(_INVALID) from None


def _verify_ed25519(
    key: ed25519.Ed25519PublicKey,
    algorithm: SigningAlgorithm,
    message_type: MessageType,
    message: bytes,
    signature: bytes,
) -> None:
    if algorithm is SigningAlgorithm.ED25519_SHA_512:
        key.verify(signature, message)
        return
    from kmskit.offline import _ed25519ph

    if not _ed25519ph.verify(key.public_bytes_raw(), _ed25519ph_prehash(message), signature):
        raise InvalidSignature


def _verify_mldsa(
    key: mldsa.MLDSA44PublicKey | mldsa.MLDSA65PublicKey | mldsa.MLDSA87PublicKey,
    message_type: MessageType,
    message: bytes,
    signature: bytes,
) -> None:
    if message_type is MessageType.RAW:
        key.verify(signature, message)  # pure ML-DSA, empty context, as KMS signs
    else:
        key.verify_mu(signature, message)  # FIPS 204 Algorithm 8 with an external μ


def _sign_with_key(
    key: AnyPrivateKey,
    algorithm: SigningAlgorithm,
    message_type: MessageType,
    message: bytes,
    sm2_id: bytes | None,
) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(
            _digest(algorithm, message_type, message),
            _rsa_padding(algorithm),
            utils.Prehashed(_hash(algorithm)),
        )
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(
            _digest(algorithm, message_type, message),
            ec.ECDSA(utils.Prehashed(_hash(algorithm))),
        )
    if isinstance(key, ed25519.Ed25519PrivateKey):
        if algorithm is SigningAlgorithm.ED25519_SHA_512:
            return key.sign(message)
        from kmskit.offline import _ed25519ph

        return _ed25519ph.sign(key.private_bytes_raw(), _ed25519ph_prehash(message))
    if isinstance(key, mldsa.MLDSA44PrivateKey | mldsa.MLDSA65PrivateKey | mldsa.MLDSA87PrivateKey):
        if message_type is MessageType.RAW:
            return key.sign(message)
        return key.sign_mu(message)  # hedged, as FIPS 204 §3.4 recommends
    from kmskit.offline import sm2

    return sm2.sign(
        key,
        message,
        sm2_id=sm2.DEFAULT_ID if sm2_id is None else sm2_id,
        prehashed=message_type is MessageType.DIGEST,
    )
