"""The DIGEST (or ML-DSA μ) of a message of any size, streamed in constant memory.

KMS Sign and Verify take at most 4096 bytes of RAW message; a larger file is signed by
passing its digest with ``MessageType=DIGEST`` (``EXTERNAL_MU`` for ML-DSA). This module
computes exactly the value KMS expects for each signing algorithm, reading the file in
chunks:

* RSASSA_* and ECDSA_*: the algorithm's hash of the file;
* SM2DSA: e = SM3(Z_A ‖ M) (GB/T 32918.2 §6.1), Z_A from the signer's key and the ID;
* ED25519_PH_SHA_512: SHA-512 of the file (KMS prehashes that digest once more);
* ML_DSA_SHAKE_256: the external μ = SHAKE256(tr ‖ 0x00 ‖ 0x00 ‖ M, 64) with
  tr = SHAKE256(pk, 64) (FIPS 204 Algorithm 2 with an empty context, and Algorithm 7 line 6),
  so that a μ signature equals a pure ML-DSA signature of the whole file.

ED25519_SHA_512 (pure Ed25519) has no digest mode in KMS and is refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Final, Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import mldsa

from kmskit.offline import _checks
from kmskit.offline.errors import ValidationException
from kmskit.offline.keys import PublicKey
from kmskit.offline.specs import MessageType, SigningAlgorithm, profile, signing_profile

__all__ = ["CHUNK_SIZE", "digest_of_stream"]

CHUNK_SIZE: Final = 1 << 20
_MU_LENGTH: Final = 64


class Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


def _feed(update: Callable[[bytes], object], stream: Readable, chunk_size: int) -> None:
    """Feed the stream to ``update`` one chunk at a time: memory stays constant."""
    while chunk := stream.read(chunk_size):
        update(chunk)


def digest_of_stream(
    public_key: PublicKey,
    signing_algorithm: SigningAlgorithm | str,
    stream: Readable,
    *,
    sm2_id: bytes | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> tuple[MessageType, bytes]:
    """Hash ``stream`` to EOF the way KMS expects for ``signing_algorithm``.

    Returns ``(message_type, digest)`` to pass to :func:`offline.signing.verify` or
    :func:`offline.signing.sign`. ``sm2_id`` applies to SM2DSA only (default
    ``1234567812345678``). Raises :class:`ValidationException` for ED25519_SHA_512, for an ID
    with another algorithm, and :class:`InvalidKeyUsageException` for an algorithm the key
    spec does not have. Read errors propagate.
    """
    algorithm = _checks.parse_name(SigningAlgorithm, signing_algorithm, "signing algorithm")
    _checks.require_algorithm(public_key.spec, algorithm, profile(public_key.spec).signing)
    if sm2_id is not None and algorithm is not SigningAlgorithm.SM2DSA:
        raise ValidationException("a distinguishing ID applies only to SM2DSA")
    if algorithm is SigningAlgorithm.ED25519_SHA_512:
        raise ValidationException(
            "ED25519_SHA_512 signs the message itself (RAW, at most 4096 bytes) and has no"
            " digest mode; sign large files with ED25519_PH_SHA_512"
        )
    if algorithm is SigningAlgorithm.SM2DSA:
        from kmskit.offline import sm2

        key = public_key.key
        if not isinstance(key, sm2.SM2PublicKey):  # pragma: no cover - spec checked above
            raise ValidationException("SM2DSA needs an SM2 key")
        ident = sm2.DEFAULT_ID if sm2_id is None else sm2_id
        return MessageType.DIGEST, sm2.compute_e_stream(key, stream, ident, chunk_size=chunk_size)
    if algorithm is SigningAlgorithm.ML_DSA_SHAKE_256:
        key = public_key.key
        if not isinstance(
            key, mldsa.MLDSA44PublicKey | mldsa.MLDSA65PublicKey | mldsa.MLDSA87PublicKey
        ):  # pragma: no cover - spec checked above
            raise ValidationException("ML_DSA_SHAKE_256 needs an ML-DSA key")
        pk = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        tr = hashlib.shake_256(pk).digest(_MU_LENGTH)
        shake = hashlib.shake_256(tr)
        shake.update(b"\x00\x00")  # pure ML-DSA domain byte 0, context length 0, no context
        _feed(shake.update, stream, chunk_size)
        return MessageType.EXTERNAL_MU, shake.digest(_MU_LENGTH)
    h2 = hashlib.new(signing_profile(algorithm).hash.value)
    _feed(h2.update, stream, chunk_size)
    return MessageType.DIGEST, h2.digest()
